//! The load tool: drives a running `cxbot serve` (it starts nothing itself) with correctly
//! signed, each-different requests at a fixed concurrency, for a duration or a count, and
//! reports requests/s, latency p50/p90/p99/max, non-2xx and transport errors, and what the
//! server answered (reply texts with digits folded, so refusals are visible).
//!
//! ```text
//! cargo run --release --example load -- --url http://127.0.0.1:3000 --scenario help \
//!     --concurrency 64 --duration 10s --signing-secret S --webhook-secret W
//! ```
//!
//! Scenarios: `intake` (generic webhooks creating tickets), `events` (event_callbacks),
//! `help` (`/cx help`), `claim` (`/cx claim <number>`), `button` (Claim clicks), `mixed`
//! (`--mix`); and the other answers that need no database, compared with `examples/bare.rs`:
//! `typo` (`/cx hello world`), `badarg` (`/cx claim` without a ticket), `challenge`
//! (`url_verification`), `retry` (one event redelivered with `X-Slack-Retry-Num`) and
//! `unknown-action` (a click on an action id cxbot does not know). `claim`, `button` and a mix that has them first create `--tickets` tickets
//! through the webhook (the prepare step, reported on its own line), then claim each once.
//! With `--emit FILE` (and `--count`) it writes the requests, signed, to a file instead of
//! sending them; wrk (`examples/wrk/list.lua`) or this tool (`--from FILE`) sends them later,
//! so that building and signing them is not timed and takes nothing from the server's cores.
//! Run `--help` for every option. The method and the figures are in `examples/PERF.md`.

mod client;
mod payloads;
mod report;

use clap::{Parser, ValueEnum};
use client::{Next, Stats, Target};
use payloads::{Ids, Ticket};
use report::{print_details, print_rows, report, HEADER};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const KINDS: [&str; 10] = [
    "intake",
    "events",
    "help",
    "claim",
    "button",
    "typo",
    "badarg",
    "challenge",
    "retry",
    "unknown_action",
];
const INTAKE: usize = 0;
const CLAIM: usize = 3;
const BUTTON: usize = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Scenario {
    Intake,
    Claim,
    Button,
    Events,
    Help,
    Mixed,
    Typo,
    Badarg,
    Challenge,
    Retry,
    UnknownAction,
}

/// Drive a running cxbot with signed, distinct requests and report throughput and latency.
#[derive(Debug, Parser)]
#[command(
    name = "load",
    after_help = "Ids: intake event `load-<run>-<seq>` with helpdesk ticket number `<run><seq:07>` \
(digits only); Slack event ids `Ev<run>L<i>`; users ULOAD00000.. (--users of them).\n\
claim: `/cx claim <ticket number>` on each prepared ticket once.\n\
button: form field `payload` = block_actions JSON with actions[0] = {action_id: \"cx_claim\", \
value: \"<cxbot's internal ticket id>\" (decimal string, the `ticket` field of the intake \
webhook's 200 answer)}, a distinct message.ts per click, channel C0LOADQ.\n\
Once the prepared tickets are used up, claims wrap around (and are refused as already claimed)."
)]
struct Args {
    /// Base URL of the running cxbot.
    #[arg(long, default_value = "http://127.0.0.1:3000")]
    url: String,
    #[arg(long, value_enum, default_value = "help")]
    scenario: Scenario,
    /// Open connections (one worker task each, keep-alive).
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// How long to send (`10s`, `500ms`, `2m`); default 10s unless --count is given.
    #[arg(long, value_parser = parse_duration, conflicts_with = "count")]
    duration: Option<Duration>,
    /// Send exactly this many requests (after the prepare step).
    #[arg(long)]
    count: Option<u64>,
    /// Not counted: requests started in the first this-long (`2s`).
    #[arg(long, value_parser = parse_duration, default_value = "0s")]
    warmup: Duration,
    /// Slack signing secret (cxbot's SLACK_SIGNING_SECRET).
    #[arg(long, env = "SLACK_SIGNING_SECRET", hide_env_values = true)]
    signing_secret: Option<String>,
    /// Generic webhook secret (cxbot's CXBOT_WEBHOOK_SECRET).
    #[arg(long, env = "CXBOT_WEBHOOK_SECRET", hide_env_values = true)]
    webhook_secret: Option<String>,
    /// Tickets the prepare step creates for claim/button (default: --count, else 20000).
    #[arg(long)]
    tickets: Option<u64>,
    /// Weights for --scenario mixed.
    #[arg(long, default_value = "intake=4,events=3,help=1,claim=1,button=1")]
    mix: String,
    /// Distinct Slack users the requests come from.
    #[arg(long, default_value_t = 100)]
    users: u64,
    /// Inner event type for `events`: app_mention (inbox only) or app_home_opened (+ a job).
    #[arg(long, default_value = "app_mention")]
    event_type: String,
    /// Intake cycles through the eight card kinds (email, ticket, missed call, missed chat,
    /// social, marketing, app review, beta review) instead of email tickets only.
    #[arg(long)]
    spread_kinds: bool,
    /// response_url put in commands and clicks (fake_slack answers it).
    #[arg(long, default_value = "http://127.0.0.1:3100/response_url")]
    response_url: String,
    /// Run id in every generated id (default: random five digits, so reruns do not collide).
    #[arg(long)]
    run: Option<u32>,
    /// Per-request timeout; a timeout counts as a transport error.
    #[arg(long, value_parser = parse_duration, default_value = "5s")]
    timeout: Duration,
    /// Tokio worker threads of this tool (it shares the machine with the server).
    #[arg(long, default_value_t = 2)]
    threads: usize,
    /// Print one JSON object instead of the table.
    #[arg(long)]
    json: bool,
    /// Write the `--count` requests to this file instead of sending them (the prepare step,
    /// if any, is still sent), one a line for `examples/wrk/list.lua`: the path, then
    /// `Name: value` headers, then the body, tab-separated. They are signed as they are
    /// written: send them within Slack's five minutes.
    #[arg(long, requires = "count")]
    emit: Option<std::path::PathBuf>,
    /// Send the requests of a file written by `--emit`, each once, in order (no prepare
    /// step; counted as `--scenario`'s kind), until the file, `--count` or `--duration` ends.
    #[arg(long, conflicts_with = "emit")]
    from: Option<std::path::PathBuf>,
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (num, unit) = s.split_at(s.find(|c: char| c.is_alphabetic()).unwrap_or(s.len()));
    let n: f64 = num
        .parse()
        .map_err(|_| format!("`{s}` is not a duration"))?;
    let secs = match unit {
        "" | "s" => n,
        "ms" => n / 1000.0,
        "m" => n * 60.0,
        _ => return Err(format!("`{s}`: use s, ms or m")),
    };
    Ok(Duration::from_secs_f64(secs))
}

fn weights(args: &Args) -> Result<[u64; KINDS.len()], String> {
    let mut w = [0u64; KINDS.len()];
    let one = |k: usize| {
        let mut w = [0; KINDS.len()];
        w[k] = 1;
        w
    };
    Ok(match args.scenario {
        Scenario::Intake => one(INTAKE),
        Scenario::Events => one(1),
        Scenario::Help => one(2),
        Scenario::Claim => one(CLAIM),
        Scenario::Button => one(BUTTON),
        Scenario::Typo => one(5),
        Scenario::Badarg => one(6),
        Scenario::Challenge => one(7),
        Scenario::Retry => one(8),
        Scenario::UnknownAction => one(9),
        Scenario::Mixed => {
            for part in args.mix.split(',').filter(|p| !p.trim().is_empty()) {
                let (name, weight) = part
                    .split_once('=')
                    .ok_or_else(|| format!("--mix: `{part}` is not kind=weight"))?;
                let k = KINDS
                    .iter()
                    .position(|n| *n == name.trim())
                    .ok_or_else(|| format!("--mix: unknown kind `{name}` ({KINDS:?})"))?;
                w[k] = weight
                    .trim()
                    .parse()
                    .map_err(|_| format!("--mix: bad weight `{weight}`"))?;
            }
            w
        }
    })
}

/// Shared by every worker: what to send next, until the count or the deadline.
struct Plan {
    ids: Ids,
    wheel: Vec<usize>,
    count: Option<u64>,
    deadline: Option<Instant>,
    seq: AtomicU64,
    intake_seq: AtomicU64,
    claim_seq: AtomicU64,
    tickets: Vec<Ticket>,
    /// `--from`: the requests to send, instead of building them.
    from: Vec<payloads::Req>,
}

impl Plan {
    fn next(&self) -> Next {
        if self.deadline.is_some_and(|d| Instant::now() >= d) {
            return None;
        }
        let i = self.seq.fetch_add(1, Ordering::Relaxed);
        if self.count.is_some_and(|c| i >= c) {
            return None;
        }
        let kind = self.wheel[(i % self.wheel.len() as u64) as usize];
        if !self.from.is_empty() {
            return self.from.get(i as usize).map(|r| (kind, i, r.clone()));
        }
        let (tag, req) = match kind {
            INTAKE => {
                let seq = self.intake_seq.fetch_add(1, Ordering::Relaxed);
                (seq, self.ids.intake(seq))
            }
            1 => (i, self.ids.event(i)),
            2 => (i, self.ids.help(i)),
            5 => (i, self.ids.slash(i, "hello world")),
            6 => (i, self.ids.slash(i, "claim")),
            7 => (i, self.ids.challenge()),
            8 => (i, self.ids.retry()),
            9 => (i, self.ids.unknown_action(i)),
            _ => {
                let k = self.claim_seq.fetch_add(1, Ordering::Relaxed);
                let t = &self.tickets[(k % self.tickets.len() as u64) as usize];
                match kind {
                    CLAIM => (i, self.ids.claim(i, t)),
                    _ => (i, self.ids.button(i, t)),
                }
            }
        };
        Some((kind, tag, req))
    }
}

/// Writes every request of `plan` to `path`, one a line (`--emit`); returns how many.
fn emit(plan: &Plan, path: &std::path::Path) -> Result<u64, String> {
    use std::io::Write;
    let fail = |e: std::io::Error| format!("--emit {}: {e}", path.display());
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).map_err(fail)?);
    let mut n = 0;
    let mut line = Vec::new();
    while let Some((_, _, req)) = plan.next() {
        line.clear();
        line.extend_from_slice(req.path.as_bytes());
        let headers = std::iter::once(("Content-Type", req.content_type))
            .chain(req.headers.iter().map(|(k, v)| (*k, v.as_str())));
        for (k, v) in headers {
            write!(line, "\t{k}: {v}").map_err(fail)?;
        }
        line.push(b'\t');
        line.extend_from_slice(&req.body);
        // The separators cannot occur in what is written: the bodies are compact JSON or
        // form-encoded, the headers digits and hex.
        if line.iter().filter(|b| **b == b'\t').count() != req.headers.len() + 2
            || line.iter().any(|b| matches!(b, b'\n' | b'\r'))
        {
            return Err(format!(
                "request {n} holds a tab or a line break: cannot be emitted"
            ));
        }
        line.push(b'\n');
        out.write_all(&line).map_err(fail)?;
        n += 1;
    }
    out.flush().map_err(fail)?;
    Ok(n)
}

struct Outcome {
    stats: Vec<Stats>,
    bodies: Vec<(u64, hyper::body::Bytes)>,
    elapsed: Duration,
}

async fn drive(
    plan: Arc<Plan>,
    target: Arc<Target>,
    args: &Args,
    warmup: Duration,
    keep: bool,
) -> Outcome {
    let start = Instant::now();
    let record_from = start + warmup;
    let timeout = args.timeout;
    let tasks: Vec<_> = (0..args.concurrency.max(1))
        .map(|_| {
            let (plan, target) = (plan.clone(), target.clone());
            tokio::spawn(async move {
                client::worker(&target, timeout, record_from, KINDS.len(), keep, || {
                    plan.next()
                })
                .await
            })
        })
        .collect();
    let mut stats: Vec<Stats> = KINDS.iter().map(|_| Stats::default()).collect();
    let mut bodies = Vec::new();
    let mut last = record_from;
    for t in tasks {
        let out = t.await.expect("worker task");
        last = last.max(out.last_done);
        bodies.extend(out.bodies);
        for (total, s) in stats.iter_mut().zip(out.stats) {
            total.merge(s);
        }
    }
    Outcome {
        stats,
        bodies,
        elapsed: last.saturating_duration_since(record_from),
    }
}

async fn run(args: Args) -> Result<bool, String> {
    let w = weights(&args)?;
    let target = Arc::new(Target::parse(&args.url)?);
    let slack_kinds = w[1..].iter().sum::<u64>() > 0;
    let from = match &args.from {
        None => Vec::new(),
        Some(path) => {
            if w.iter().filter(|w| **w > 0).count() != 1 {
                return Err("--from counts its requests as one --scenario's: not mixed".into());
            }
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("--from {}: {e}", path.display()))?;
            let reqs = payloads::read_emitted(&text)
                .map_err(|e| format!("--from {}: {e}", path.display()))?;
            if reqs.is_empty() {
                return Err(format!("--from {}: no request in it", path.display()));
            }
            reqs
        }
    };
    let slack_kinds = slack_kinds && from.is_empty();
    let needs_tickets = w[CLAIM] + w[BUTTON] > 0 && from.is_empty();
    if slack_kinds && args.signing_secret.is_none() {
        return Err("--signing-secret (or SLACK_SIGNING_SECRET) is required".into());
    }
    if (w[INTAKE] > 0 && from.is_empty() || needs_tickets) && args.webhook_secret.is_none() {
        return Err("--webhook-secret (or CXBOT_WEBHOOK_SECRET) is required".into());
    }
    // Five digits, random: ticket numbers `<run><seq:07>` stay twelve digits long.
    let run_id = args
        .run
        .unwrap_or_else(|| 10_000 + (uuid::Uuid::new_v4().as_u128() % 90_000) as u32);
    let ids = || Ids {
        run: run_id,
        users: args.users,
        response_url: args.response_url.clone(),
        signing_secret: args.signing_secret.clone().unwrap_or_default(),
        webhook_secret: args.webhook_secret.clone(),
        spread_kinds: args.spread_kinds,
        event_type: args.event_type.clone(),
    };
    let plan = |wheel: Vec<usize>, count, deadline, intake_from, tickets| Plan {
        ids: ids(),
        wheel,
        count,
        deadline,
        seq: AtomicU64::new(0),
        intake_seq: AtomicU64::new(intake_from),
        claim_seq: AtomicU64::new(0),
        tickets,
        from: Vec::new(),
    };
    let mut json_out = json!({
        "scenario": format!("{:?}", args.scenario).to_lowercase(), "url": args.url,
        "concurrency": args.concurrency, "threads": args.threads, "run": run_id,
        "weights": KINDS.iter().zip(w).map(|(k, w)| (k.to_string(), json!(w))).collect::<serde_json::Map<_, _>>(),
    });
    if !args.json {
        println!(
            "cxbot load: {:?} on {}, {} connections, {} threads, run {run_id}",
            args.scenario, args.url, args.concurrency, args.threads
        );
    }

    let mut tickets = Vec::new();
    let mut prepared = 0;
    if needs_tickets {
        let n = args.tickets.or(args.count).unwrap_or(20_000).max(1);
        let p = Arc::new(plan(vec![INTAKE], Some(n), None, 0, Vec::new()));
        let out = drive(p.clone(), target.clone(), &args, Duration::ZERO, true).await;
        for (seq, body) in &out.bodies {
            let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
            if let Some(id) = v["ticket"].as_i64() {
                tickets.push((
                    *seq,
                    Ticket {
                        number: p.ids.ticket_number(*seq),
                        id,
                    },
                ));
            }
        }
        tickets.sort_by_key(|(seq, _)| *seq);
        prepared = n;
        let elapsed = out.elapsed;
        let (_, mut row) = report(out.stats, elapsed);
        row["kind"] = json!("prepare");
        if !args.json {
            println!(
                "prepare: {n} tickets through /hooks/generic in {:.2} s, {} usable",
                elapsed.as_secs_f64(),
                tickets.len()
            );
            println!("{HEADER}");
            print_rows(std::slice::from_ref(&row));
            print_details(&row);
        }
        json_out["prepare"] = row;
        if tickets.is_empty() {
            return Err(
                "the prepare step got no new ticket id (see its answers above: a wrong \
                 CXBOT_WEBHOOK_SECRET, or a --run id used before)"
                    .into(),
            );
        }
    }

    let wheel: Vec<usize> = (0..KINDS.len())
        .flat_map(|k| std::iter::repeat_n(k, w[k] as usize))
        .collect();
    if wheel.is_empty() {
        return Err("--mix gives every kind weight 0".into());
    }
    let deadline = match args.count {
        Some(_) => None,
        None => {
            Some(Instant::now() + args.warmup + args.duration.unwrap_or(Duration::from_secs(10)))
        }
    };
    let tickets: Vec<Ticket> = tickets.into_iter().map(|(_, t)| t).collect();
    let n_tickets = tickets.len() as u64;
    let mut p = plan(wheel, args.count, deadline, prepared, tickets);
    p.from = from;
    let p = Arc::new(p);
    if let Some(path) = &args.emit {
        let n = emit(&p, path)?;
        if args.json {
            json_out["emitted"] = json!(n);
            json_out["file"] = json!(path.display().to_string());
            println!("{json_out}");
        } else {
            println!("emitted: {n} signed requests to {}", path.display());
        }
        return Ok(n > 0);
    }
    let out = drive(p.clone(), target, &args, args.warmup, false).await;
    let elapsed = out.elapsed;
    let (rows, total) = report(out.stats, elapsed);
    let reused = p
        .claim_seq
        .load(Ordering::Relaxed)
        .saturating_sub(n_tickets);
    let ok = total["ok_2xx"].as_u64().unwrap_or(0) > 0;
    if args.json {
        json_out["duration_s"] = json!(elapsed.as_secs_f64());
        json_out["kinds"] = json!(rows);
        json_out["total"] = total;
        json_out["claims_on_reused_tickets"] = json!(reused);
        println!("{json_out}");
        return Ok(ok);
    }
    println!(
        "run: {:.2} s counted (after {:.1} s warm-up)",
        elapsed.as_secs_f64(),
        args.warmup.as_secs_f64()
    );
    println!("{HEADER}");
    print_rows(&rows);
    if rows.len() > 1 {
        print_rows(std::slice::from_ref(&total));
    }
    for r in &rows {
        print_details(r);
    }
    if reused > 0 {
        println!("note: {reused} claims/clicks went to tickets already claimed in this run (more requests than --tickets)");
    }
    Ok(ok)
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.threads.max(1))
        .enable_all()
        .build()
        .expect("tokio runtime");
    match rt.block_on(run(args)) {
        Ok(true) => std::process::ExitCode::SUCCESS,
        Ok(false) => {
            eprintln!("load: no request got a 2xx answer");
            std::process::ExitCode::from(2)
        }
        Err(e) => {
            eprintln!("load: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
