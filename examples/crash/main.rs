//! The crash tool: runs `cxbot serve` as a child process on a fresh SQLite and/or
//! PostgreSQL database, drives a mixed load (helpdesk intake webhooks, claim races by
//! `/cx claim` and the Claim button, follow-ups, status changes, customer replies, events),
//! SIGKILLs it at seeded random moments and restarts it, then lets the last restart drain
//! the jobs and checks the Slack stand-in's record and the database (see `check.rs`).
//! Exits 1 on anything lost, duplicated without a kill to explain it, stale, conflicting
//! or stuck.
//!
//! ```text
//! cargo build --release --bin cxbot --example crash
//! target/release/examples/crash --db both --kills 50 --seed 7
//! target/release/examples/crash --db sqlite --soak 10m --sample 10s
//! ```
//!
//! `--seed N` replays the run's choices (each story's actions, the kill moments); the
//! interleaving of threads and the machine's speed are not replayed. `--soak` runs the
//! load without kills and samples the server's resident memory and open file descriptors.

#[path = "../load/payloads.rs"]
#[allow(dead_code)]
mod payloads;

mod campaign;
mod check;
mod run;

use campaign::{campaign, Plan};
use clap::{Parser, ValueEnum};
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Which {
    Sqlite,
    Postgres,
    Both,
}

/// Kill cxbot at random moments under a mixed load and check nothing was lost or doubled.
#[derive(Debug, Parser)]
#[command(name = "crash")]
struct Args {
    #[arg(long, value_enum, default_value = "both")]
    db: Which,
    #[arg(long, default_value_t = 50)]
    kills: u32,
    /// Replays a run's choices (default: from the clock, printed).
    #[arg(long)]
    seed: Option<u64>,
    /// A PostgreSQL database the tool may create databases from.
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    pg_url: String,
    /// The cxbot binary (default: `cxbot` beside this tool's directory, i.e. the same
    /// target profile).
    #[arg(long)]
    bin: Option<PathBuf>,
    /// Server uptime before each kill, ms: min,max.
    #[arg(long, default_value = "300,2500")]
    up_ms: String,
    /// Stories (tickets) in flight at once.
    #[arg(long, default_value_t = 6)]
    concurrency: usize,
    /// Stories started per second.
    #[arg(long, default_value_t = 2.0)]
    rate: f64,
    /// How long the final restart may take to drain, seconds (a job leased by a killed
    /// process on PostgreSQL waits out its 5-minute lease).
    #[arg(long, default_value_t = 420)]
    drain_secs: u64,
    /// Also fail on duplicates a kill explains (the post-accept window).
    #[arg(long)]
    strict: bool,
    /// Keep the databases and logs (default: kept only when a run fails).
    #[arg(long)]
    keep: bool,
    /// Soak instead of crash: this long (`10m`, `90s`) of steady load, no kills.
    #[arg(long, value_parser = parse_duration)]
    soak: Option<Duration>,
    /// Soak: sample RSS and open fds this often.
    #[arg(long, value_parser = parse_duration, default_value = "10s")]
    sample: Duration,
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    let (num, unit) = s.split_at(s.find(|c: char| c.is_alphabetic()).unwrap_or(s.len()));
    let n: f64 = num
        .parse()
        .map_err(|_| format!("`{s}` is not a duration"))?;
    Ok(Duration::from_secs_f64(match unit {
        "" | "s" => n,
        "ms" => n / 1000.0,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        _ => return Err(format!("`{s}`: use ms, s, m or h")),
    }))
}

/// A fresh database: a file in `dir`, or a new PostgreSQL database.
async fn fresh(
    which: Which,
    args: &Args,
    dir: &std::path::Path,
    seed: u64,
) -> Result<String, String> {
    if which == Which::Sqlite {
        return Ok(format!("sqlite://{}", dir.join("cxbot.db").display()));
    }
    let name = format!("cxcrash_{seed}_{}", chrono::Utc::now().timestamp());
    let pool = sqlx::PgPool::connect(&args.pg_url)
        .await
        .map_err(|e| format!("--pg-url {}: {e}", args.pg_url))?;
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&pool)
        .await
        .map_err(|e| format!("create {name}: {e}"))?;
    pool.close().await;
    let (prefix, _) = args
        .pg_url
        .rsplit_once('/')
        .ok_or("--pg-url names no database")?;
    Ok(format!("{prefix}/{name}"))
}

/// Drops a database `fresh` made (after a passing run).
async fn drop_database(pg_url: &str, db_url: &str) {
    let Some((_, name)) = db_url.rsplit_once('/') else {
        return;
    };
    if let Ok(pool) = sqlx::PgPool::connect(pg_url).await {
        let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
        if let Err(e) = sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&pool).await {
            eprintln!("crash: could not drop {name}: {e}");
        }
        pool.close().await;
    }
}

fn default_bin() -> PathBuf {
    let exe = std::env::current_exe().expect("own path");
    // target/<profile>/examples/crash -> target/<profile>/cxbot
    exe.parent()
        .and_then(|p| p.parent())
        .map(|p| p.join("cxbot"))
        .expect("a target directory")
}

/// VmRSS in KiB and the number of open fds of `pid`.
fn sample(pid: u32) -> Option<(u64, usize)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let rss = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd")).ok()?.count();
    Some((rss, fds))
}

async fn soak(
    args: &Args,
    which: Which,
    dir: &std::path::Path,
    seed: u64,
    length: Duration,
) -> Result<bool, String> {
    let db_url = fresh(which, args, dir, seed).await?;
    let (slack, slack_url) = run::fake_slack().await;
    let bin = args.bin.clone().unwrap_or_else(default_bin);
    let mut server = run::Server::new(bin, &db_url, &slack_url, dir);
    server.start(Duration::from_secs(30)).await?;
    let pid = server.pid().ok_or("no server pid")?;
    let load = Arc::new(run::Load::new(
        server.url(),
        seed,
        10_000 + (seed % 80_000) as u32,
        format!("{slack_url}response_url"),
    ));
    let give_up = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let driver = tokio::spawn(run::drive(
        load.clone(),
        args.concurrency,
        args.rate,
        give_up.clone(),
    ));
    println!(
        "soak on {which:?} for {:.0} s, pid {pid}: t(s)  VmRSS(KiB)  fds  tickets  slack calls",
        length.as_secs_f64()
    );
    let began = Instant::now();
    let mut samples: Vec<(f64, u64, usize)> = Vec::new();
    while began.elapsed() < length {
        tokio::time::sleep(args.sample).await;
        let t = began.elapsed().as_secs_f64();
        let Some((rss, fds)) = sample(pid) else {
            return Err("the server is gone (see its log)".into());
        };
        let tickets = load.seen.lock().map(|s| s.accepted.len()).unwrap_or(0);
        println!(
            "  {t:>6.0}  {rss:>9}  {fds:>4}  {tickets:>7}  {}",
            slack.stats().by_method.values().sum::<u64>()
        );
        samples.push((t, rss, fds));
    }
    load.stop.store(true, Ordering::Relaxed);
    give_up.store(true, Ordering::Relaxed);
    let _ = driver.await;
    let window = |from: f64, to: f64| {
        let v: Vec<_> = samples.iter().filter(|s| s.0 > from && s.0 <= to).collect();
        let n = v.len().max(1) as f64;
        (
            v.iter().map(|s| s.1 as f64).sum::<f64>() / n,
            v.iter().map(|s| s.2 as f64).sum::<f64>() / n,
        )
    };
    let end = began.elapsed().as_secs_f64();
    let (rss0, fd0) = window(0.0, 60.0);
    let (rss1, fd1) = window(end - 60.0, end);
    let peak = samples.iter().map(|s| s.1).max().unwrap_or(0);
    let seen = load.seen.lock().map_err(|_| "poisoned")?;
    println!(
        "soak {which:?}: {} tickets accepted, requests {:?}",
        seen.accepted.len(),
        seen.counts
            .iter()
            .map(|(k, c)| (*k, c.ok))
            .collect::<Vec<_>>()
    );
    println!(
        "  RSS first minute {:.1} MiB, last minute {:.1} MiB ({:+.1}%), peak {:.1} MiB; fds first minute {fd0:.1}, last minute {fd1:.1}",
        rss0 / 1024.0,
        rss1 / 1024.0,
        100.0 * (rss1 - rss0) / rss0.max(1.0),
        peak as f64 / 1024.0
    );
    Ok(true)
}

async fn main_async(args: Args) -> Result<bool, String> {
    let seed = args
        .seed
        .unwrap_or_else(|| chrono::Utc::now().timestamp_millis() as u64 % 1_000_000);
    let (lo, hi) = args
        .up_ms
        .split_once(',')
        .and_then(|(a, b)| Some((a.trim().parse().ok()?, b.trim().parse().ok()?)))
        .filter(|(a, b): &(u64, u64)| a <= b)
        .ok_or("--up-ms: expected min,max in ms")?;
    let which: Vec<Which> = match args.db {
        Which::Both => vec![Which::Sqlite, Which::Postgres],
        w => vec![w],
    };
    let mut all_ok = true;
    for w in which {
        let dir = tempfile::Builder::new()
            .prefix(&format!("cxcrash-{w:?}-"))
            .tempdir()
            .map_err(|e| e.to_string())?;
        if let Some(length) = args.soak {
            soak(&args, w, dir.path(), seed, length).await?;
            if args.keep {
                println!("  kept {}", dir.keep().display());
            }
            continue;
        }
        println!(
            "crash on {w:?}, seed {seed} (replay: --seed {seed}), {} kills",
            args.kills
        );
        let plan = Plan {
            bin: args.bin.clone().unwrap_or_else(default_bin),
            db_url: fresh(w, &args, dir.path(), seed).await?,
            dir: dir.path().to_path_buf(),
            kills: args.kills,
            seed,
            up_ms: (lo, hi),
            concurrency: args.concurrency,
            rate: args.rate,
            drain: Duration::from_secs(args.drain_secs),
            wait_held: true,
            quiet: false,
        };
        let out = campaign(&plan).await?;
        out.print(&format!("{w:?}"));
        let failures = out.report.failures()
            + if args.strict {
                out.report.window_duplicates.len()
            } else {
                0
            };
        let ok = failures == 0 && out.drained.is_some();
        println!("{w:?}: {}", if ok { "PASS" } else { "FAIL" });
        all_ok &= ok;
        if args.keep || !ok {
            println!("  kept {} ({})", dir.keep().display(), plan.db_url);
        } else if w == Which::Postgres {
            drop_database(&args.pg_url, &plan.db_url).await;
        }
    }
    Ok(all_ok)
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    match rt.block_on(main_async(args)) {
        Ok(true) => std::process::ExitCode::SUCCESS,
        Ok(false) => std::process::ExitCode::FAILURE,
        Err(e) => {
            eprintln!("crash: {e}");
            std::process::ExitCode::from(2)
        }
    }
}
