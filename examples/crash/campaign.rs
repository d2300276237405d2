//! One crash campaign on one database: the stand-in Slack, `cxbot serve`, the load, the
//! seeded kills, the final restart and drain, then the verdict.

use super::check::{check, drain, Db, Report};
use super::run::{drive, fake_slack, Counts, Kills, Load, Rng, Server};
use chrono::Utc;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub struct Plan {
    pub bin: PathBuf,
    pub db_url: String,
    /// Where the playbook and the server's log go.
    pub dir: PathBuf,
    pub kills: u32,
    pub seed: u64,
    /// How long the server runs (after it is ready) before each kill, ms, uniform.
    pub up_ms: (u64, u64),
    pub concurrency: usize,
    /// Stories started per second.
    pub rate: f64,
    /// How long the last restart may take to drain (a job leased by a killed process
    /// waits for its lease, 5 min, to run out).
    pub drain: Duration,
    /// Wait for the jobs killed processes still hold (their lease runs out after 5 min on
    /// PostgreSQL) before checking; without it they are listed as explained.
    pub wait_held: bool,
    pub quiet: bool,
}

pub struct Outcome {
    pub report: Report,
    pub kills: usize,
    pub counts: BTreeMap<&'static str, Counts>,
    pub stories_accepted: usize,
    pub unanswered: usize,
    pub claims_answered: usize,
    pub claims_by_button: usize,
    pub slowest_start: Duration,
    pub drained: Option<Duration>,
    pub elapsed: Duration,
}

pub async fn campaign(plan: &Plan) -> Result<Outcome, String> {
    let began = Instant::now();
    let (slack, slack_url) = fake_slack().await;
    let mut server = Server::new(plan.bin.clone(), &plan.db_url, &slack_url, &plan.dir);
    let start_deadline = Duration::from_secs(30);
    let mut slowest = server.start(start_deadline).await?;
    let run = 10_000 + (plan.seed % 80_000) as u32;
    let load = Arc::new(Load::new(
        server.url(),
        plan.seed,
        run,
        format!("{slack_url}response_url"),
    ));
    let give_up = Arc::new(AtomicBool::new(false));
    let driver = tokio::spawn(drive(
        load.clone(),
        plan.concurrency,
        plan.rate,
        give_up.clone(),
    ));
    let mut rng = Rng::new(plan.seed);
    let mut kills: Kills = Vec::new();
    for k in 0..plan.kills {
        let up = rng.range(plan.up_ms.0, plan.up_ms.1);
        tokio::time::sleep(Duration::from_millis(up)).await;
        server.kill();
        kills.push(Utc::now());
        // Down for a moment too, as a supervisor's restart would be.
        tokio::time::sleep(Duration::from_millis(rng.range(0, 200))).await;
        slowest = slowest.max(server.start(start_deadline).await?);
        if !plan.quiet && (k + 1) % 10 == 0 {
            println!(
                "  {} kills, {} tickets accepted so far",
                k + 1,
                load.seen.lock().map(|s| s.accepted.len()).unwrap_or(0)
            );
        }
    }
    // The load stops; its webhooks still in flight are retried until accepted (a minute
    // at most: the server is up now).
    load.stop.store(true, Ordering::Relaxed);
    let g = give_up.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(60)).await;
        g.store(true, Ordering::Relaxed);
    });
    driver.await.map_err(|e| format!("load task: {e}"))?;
    let db = Db::connect(&plan.db_url).await?;
    let live = server.pid().ok_or("the server is not running")?;
    let (took, done) = drain(&db, live, plan.wait_held, plan.drain).await?;
    // The last calls' answers are recorded before their jobs complete: give them a moment.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let calls = slack.calls_since(0);
    let seen = std::mem::take(&mut *load.seen.lock().map_err(|_| "load state poisoned")?);
    let report = check(&db, live, &calls, &seen, &kills).await?;
    db.close().await;
    server.kill();
    Ok(Outcome {
        report,
        kills: kills.len(),
        counts: seen.counts.clone(),
        stories_accepted: seen.accepted.len(),
        unanswered: seen.unanswered.len(),
        claims_answered: seen.claims.iter().filter(|c| c.status.is_some()).count(),
        claims_by_button: seen
            .claims
            .iter()
            .filter(|c| c.button && c.status.is_some())
            .count(),
        slowest_start: slowest,
        drained: done.then_some(took),
        elapsed: began.elapsed(),
    })
}

impl Outcome {
    pub fn print(&self, label: &str) {
        let r = &self.report;
        println!(
            "{label}: {} kills survived in {:.0} s",
            self.kills,
            self.elapsed.as_secs_f64()
        );
        println!(
            "  load: {} tickets accepted ({} intakes given up), {} claims answered ({} by button), slowest restart to ready {} ms",
            self.stories_accepted,
            self.unanswered,
            self.claims_answered,
            self.claims_by_button,
            self.slowest_start.as_millis()
        );
        for (kind, c) in &self.counts {
            println!(
                "    {kind:<9} sent {:>5}  2xx {:>5}  refused {:?}  no answer (killed) {:>4}",
                c.sent, c.ok, c.refused, c.transport
            );
        }
        match self.drained {
            Some(d) => println!(
                "  final restart drained the jobs in {:.1} s",
                d.as_secs_f64()
            ),
            None => println!("  final restart did NOT drain the jobs in time"),
        }
        println!(
            "  slack: {} tickets stored ({} without a 2xx: killed after the commit), {} card posts, {} updates, {} DMs, {} claimed",
            r.tickets, r.stored_unanswered, r.cards, r.updates, r.dms, r.claims_won
        );
        let list = |name: &str, v: &[String]| {
            println!("  {name}: {}", v.len());
            for line in v.iter().take(20) {
                println!("    {line}");
            }
        };
        list("lost (accepted, no card)", &r.lost);
        list("duplicates no kill explains", &r.duplicates);
        list(
            "duplicates across a kill (post-accept window)",
            &r.window_duplicates,
        );
        list("stale cards", &r.stale);
        list(
            "claims with two winners or a wrong answer",
            &r.claim_conflicts,
        );
        list("stuck jobs", &r.stuck);
        list("dead jobs", &r.dead);
        list("waiting out a killed process's lease (explained)", &r.held);
    }
}
