//! The worker: leases due jobs, runs them, and records what happened.
//!
//! - Success completes the job (and records a posted message in the same transaction).
//! - A 429 reschedules at Retry-After and pushes the channel's next slot past it.
//! - A transient failure retries with exponential backoff (2 s doubling, capped at 10 min);
//!   after [`MAX_ATTEMPTS`] the job is parked as dead.
//! - A permanent failure parks at once, with the operator's next step in the log.
//! - While Slack has stopped cxbot (uninstalled, bot token revoked; read before each batch),
//!   every Slack call fails as permanent with that reason: such jobs park at once.
//! - A job whose lease runs out (the process died mid-job) is leased again (on SQLite, the
//!   next start takes such leases back at once: only one `serve` runs on the file).
//! - A job waiting for another (a thread line whose card's job is still to run) is put back
//!   without using up an attempt.
//! - Posts to one channel are paced to one per second through a slot table shared by all
//!   replicas; other channels are not held back.
//! - The production loop ([`Worker::run`]) beats its [`Heartbeat`] after every poll and
//!   every job; `/readyz` turns 503 when it has not for 3 minutes (`jobs::heartbeat`).
//!
//! Tests call [`Worker::run_until_empty`] after advancing the clock; nothing sleeps.

use super::heartbeat::Heartbeat;
use super::JobContext;
use super::{registry, JobError, JobOutcome, Registry};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinSet;

pub use crate::db::PACE_INTERVAL_MS;
/// How long a leased job is ours before another worker may take it.
pub const LEASE_MS: i64 = 5 * 60 * 1_000;
/// A job that has failed this many times is parked.
pub const MAX_ATTEMPTS: i64 = 8;
const BACKOFF_BASE_MS: i64 = 2_000;
const BACKOFF_CAP_MS: i64 = 10 * 60 * 1_000;
/// Done rows are kept this long (their dedupe keys keep working), then pruned.
const KEEP_DONE_MS: i64 = 30 * 24 * 3_600 * 1_000;

/// The retry delay of job `id` after `attempts` failures: [`backoff_ms`] less up to a quarter,
/// by the job's id, so jobs that failed together (Slack down for a minute) do not all come
/// back in the same instant. Never more than the plain backoff.
pub fn jittered_backoff_ms(id: i64, attempts: i64) -> i64 {
    let full = backoff_ms(attempts);
    // A cheap, stable spread of ids over 0..=250 per mille.
    let spread = id.wrapping_mul(2_654_435_761).rem_euclid(251);
    full - full * spread / 1_000
}

pub fn backoff_ms(attempts: i64) -> i64 {
    let exp = (attempts - 1).clamp(0, 20) as u32;
    (BACKOFF_BASE_MS.saturating_mul(1_i64 << exp)).min(BACKOFF_CAP_MS)
}

pub struct Worker {
    services: Arc<JobContext>,
    /// When the loop last polled (`/readyz` reads it); only [`Worker::run`] arms it.
    heartbeat: Arc<Heartbeat>,
    registry: Registry,
    id: String,
    batch: i64,
    permits: Arc<tokio::sync::Semaphore>,
}

impl Worker {
    pub fn new(services: Arc<JobContext>, concurrency: usize, heartbeat: Arc<Heartbeat>) -> Self {
        Self {
            services,
            heartbeat,
            registry: registry(),
            id: format!("{}-{}", std::process::id(), uuid::Uuid::new_v4().simple()),
            // Lease several jobs per query (most are quick: a pace deferral, a stale timer)
            // while at most `concurrency` run at once.
            batch: (concurrency.max(1) * 4) as i64,
            permits: Arc::new(tokio::sync::Semaphore::new(concurrency.max(1))),
        }
    }

    /// Leases one batch of due jobs and runs them; returns how many it leased.
    pub async fn run_once(&self) -> anyhow::Result<usize> {
        let now = self.services.clock.now_ms();
        let rows = self
            .services
            .store
            .lease_jobs(now, now + LEASE_MS, self.batch, &self.id)
            .await?;
        let leased = rows.len();
        if leased > 0 {
            self.read_slack_stop().await;
        }
        let mut turns = self.pace_turns(&rows, now).await.into_iter();
        let mut set = JoinSet::new();
        for row in rows {
            let turn = match (&row.pace_key, row.paced_at) {
                (Some(_), None) => turns.next(),
                _ => None,
            };
            let services = self.services.clone();
            let registry = self.registry.clone();
            let permits = self.permits.clone();
            set.spawn(async move {
                let _permit = permits.acquire_owned().await;
                execute(services, registry, row, turn).await
            });
        }
        while let Some(done) = set.join_next().await {
            if let Err(e) = done {
                tracing::error!(error = %e, "job task panicked");
            }
            // A batch of slow jobs is progress too: the loop is not stuck while they finish.
            self.heartbeat.progress(self.services.clock.now_ms());
        }
        Ok(leased)
    }

    /// Whether Slack stopped cxbot (uninstalled, token revoked: `service::install`), read
    /// before each batch so every replica's jobs see it: while it is set, each job that
    /// would call Slack is parked with the reason instead of failing its way to dead. If
    /// the store cannot say, the last answer stands.
    async fn read_slack_stop(&self) {
        match crate::service::install::stop_reason(&self.services.store).await {
            Ok(reason) => self.services.slack.set_stopped(reason),
            Err(e) => tracing::warn!(error = %e, "could not read whether Slack stopped cxbot"),
        }
    }

    /// Pacing: each leased job for a channel that holds no slot yet (SQLite gives a job its
    /// slot when it is queued; PostgreSQL here) takes its channel's next one, in lease
    /// order, all in one write; a slot later than now puts the job back until then in the
    /// same write. One turn per such job, in order; if the write fails, each says so.
    ///
    /// The turns are taken at lease time, before the jobs wait for a permit: if slow Slack
    /// calls hold every permit for over a second, another replica may lease and post a
    /// channel's next job first, and this one then waits at the send gate. Posts stay a
    /// second apart; two cards of a channel may swap places.
    async fn pace_turns(&self, rows: &[crate::db::JobRow], now: i64) -> Vec<Turn> {
        let wanted: Vec<(i64, &str)> = rows
            .iter()
            .filter(|r| r.paced_at.is_none())
            .filter_map(|r| r.pace_key.as_deref().map(|key| (r.id, key)))
            .collect();
        match self
            .services
            .store
            .take_pace_turns(&wanted, now, PACE_INTERVAL_MS)
            .await
        {
            Ok(turns) => turns.into_iter().map(Ok).collect(),
            Err(e) => wanted.iter().map(|_| Err(e.to_string())).collect(),
        }
    }

    /// Runs due jobs until none is due at the clock's current time. Returns how many ran.
    pub async fn run_until_empty(&self) -> anyhow::Result<usize> {
        let mut total = 0;
        for _ in 0..10_000 {
            let n = self.run_once().await?;
            if n == 0 {
                return Ok(total);
            }
            total += n;
        }
        anyhow::bail!(
            "run_until_empty: still busy after 10,000 batches; a job keeps rescheduling itself"
        )
    }

    /// The production loop: runs until `shutdown` turns true, finishing the batch in hand.
    /// It leases (a write) only when a job is due: a wake-up from a request that queued
    /// only later work (a paced card, a timer) costs one read.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let mut last_prune = 0_i64;
        self.heartbeat.beat(self.services.clock.now_ms());
        loop {
            if *shutdown.borrow() {
                break;
            }
            let wait = match self.until_due().await {
                Some(wait) => Some(wait),
                None => match self.run_once().await {
                    Ok(n) if n > 0 => None,
                    // Due but leased elsewhere (another replica, or a job still running).
                    Ok(_) => Some(Duration::from_millis(50)),
                    Err(e) => {
                        tracing::error!(error = %e, "worker could not lease jobs");
                        Some(Duration::from_secs(1))
                    }
                },
            };
            let now = self.services.clock.now_ms();
            // A poll finished (even one the database refused: `/readyz` checks the
            // database itself); `/readyz` reads this.
            self.heartbeat.beat(now);
            let Some(wait) = wait else {
                continue;
            };
            if now - last_prune > 3_600_000 {
                last_prune = now;
                match self
                    .services
                    .store
                    .prune_done_jobs(now - KEEP_DONE_MS)
                    .await
                {
                    Ok(n) if n > 0 => tracing::info!(pruned = n, "pruned done jobs"),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "could not prune done jobs"),
                }
            }
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = self.services.work.notified() => {}
                _ = shutdown.changed() => {}
            }
        }
        self.heartbeat.stop();
        tracing::info!("worker stopped");
    }

    /// None when a job is due now; otherwise how long the worker may sleep: until the next
    /// due job, at most a second (so jobs queued by another replica are picked up promptly).
    async fn until_due(&self) -> Option<Duration> {
        let now = self.services.clock.now_ms();
        match self.services.store.next_run_at().await {
            Ok(Some(at)) if at > now => Some(Duration::from_millis((at - now).min(1_000) as u64)),
            Ok(Some(_)) => None,
            Ok(None) => Some(Duration::from_secs(1)),
            Err(e) => {
                tracing::warn!(error = %e, "worker could not read the next due job");
                Some(Duration::from_secs(1))
            }
        }
    }
}

/// A paced job's turn: `Ok(None)` goes now, `Ok(Some(at))` waits until `at`, an error
/// retries shortly.
type Turn = Result<Option<i64>, String>;

async fn execute(
    services: Arc<JobContext>,
    registry: Registry,
    row: crate::db::JobRow,
    turn: Option<Turn>,
) {
    let store = &services.store;
    let now = services.clock.now_ms();
    let name = row.name.clone();
    let record = |outcome: &'static str| {
        metrics::counter!("cxbot_jobs_total", "job" => name.clone(), "outcome" => outcome)
            .increment(1);
    };

    // Pacing: a job for a channel holds one of its slots (taken when it was queued, or as
    // its batch was leased, `pace_turns`: then a slot later than now has put it back).
    if let Some(turn) = turn {
        if wait_for_turn(&services, &row, turn, true, "reserve a pace slot").await {
            return;
        }
    }
    // Slots are a schedule; a late worker could still run two of them back to back. The
    // gate is what guarantees the gap, whatever the schedule: too soon, and the job waits.
    if let Some(key) = &row.pace_key {
        let gate = store
            .pass_send_gate(key, now, PACE_INTERVAL_MS)
            .await
            .map_err(|e| e.to_string());
        if wait_for_turn(&services, &row, gate, false, "check the send gate").await {
            return;
        }
    }

    let Some(handler) = registry.get(&row.name) else {
        let msg = format!(
            "no handler for job {:?}: was it renamed or removed?",
            row.name
        );
        tracing::error!(job = row.id, "{msg}");
        let _ = store.park_job(row.id, &msg, now).await;
        record("dead");
        return;
    };

    let result = match tokio::time::timeout(
        Duration::from_millis((LEASE_MS / 2) as u64),
        handler(
            row.payload.clone(),
            services.clone(),
            super::Attempt {
                number: row.attempts,
                queued_at_ms: row.created_at,
                last_error: row.last_error.clone(),
                job_id: Some(row.id),
            },
        ),
    )
    .await
    {
        Ok(r) => r,
        Err(_) => Err(JobError::Retry("job ran longer than half its lease".into())),
    };
    let now = services.clock.now_ms();
    let saved = match result {
        Ok(JobOutcome::Done) => {
            record("done");
            store.complete_job(row.id, now, None).await
        }
        Ok(JobOutcome::Posted(p)) => {
            record("done");
            store.complete_job(row.id, now, Some(&p)).await
        }
        Err(JobError::RateLimited(after)) => {
            record("rate_limited");
            let at = now + after.as_millis() as i64;
            // The channel waits until Retry-After; this job then takes a fresh slot rather
            // than its old one, which the next paced post may already hold.
            if let Some(key) = &row.pace_key {
                let _ = store.push_pace_slot(key, at).await;
            }
            tracing::warn!(job = row.id, name = %row.name, retry_after_ms = after.as_millis() as u64, "Slack rate limit; rescheduled");
            store
                .defer_job(
                    row.id,
                    at,
                    row.pace_key.is_none(),
                    Some(super::RATE_LIMITED_NOTE),
                    now,
                )
                .await
        }
        Err(JobError::Waiting(after, msg)) => {
            record("waiting");
            tracing::debug!(job = row.id, name = %row.name, error = %msg, "waits for another job");
            store
                .defer_job(
                    row.id,
                    now + after.as_millis() as i64,
                    row.pace_key.is_none(),
                    Some(&msg),
                    now,
                )
                .await
        }
        Err(JobError::Retry(msg)) if row.attempts < MAX_ATTEMPTS => {
            record("retried");
            let at = now + jittered_backoff_ms(row.id, row.attempts);
            tracing::warn!(job = row.id, name = %row.name, attempts = row.attempts, error = %msg, "job failed; will retry");
            store.retry_job(row.id, at, &msg, now).await
        }
        Err(JobError::Retry(msg)) => {
            record("dead");
            tracing::error!(job = row.id, name = %row.name, attempts = row.attempts, error = %msg, "job failed {} times; parked as dead", row.attempts);
            store.park_job(row.id, &msg, now).await
        }
        Err(JobError::Permanent(msg)) => {
            record("dead");
            tracing::error!(job = row.id, name = %row.name, "job cannot succeed; parked. Operator action: {msg}");
            store.park_job(row.id, &msg, now).await
        }
    };
    if let Err(e) = saved {
        // The lease will expire and the job will run again; handlers are idempotent.
        tracing::error!(job = row.id, error = %e, "could not record the job's outcome");
    }
}

/// Acts on a paced job's turn: `Ok(None)` goes now (false); `Ok(Some(at))` waits until
/// `at`, keeping its slot (`deferred`: the store already put it back); an error retries
/// shortly. True when the job was put back.
async fn wait_for_turn(
    services: &JobContext,
    row: &crate::db::JobRow,
    turn: Turn,
    deferred: bool,
    what: &str,
) -> bool {
    let store = &services.store;
    let now = services.clock.now_ms();
    match turn {
        Ok(None) => false,
        Ok(Some(at)) => {
            let put_back = if deferred {
                Ok(())
            } else {
                store.defer_job(row.id, at, true, None, now).await
            };
            if let Err(e) = put_back {
                tracing::error!(job = row.id, error = %e, "could not defer paced job");
            }
            metrics::counter!("cxbot_jobs_total", "job" => row.name.clone(), "outcome" => "paced")
                .increment(1);
            true
        }
        Err(e) => {
            tracing::warn!(job = row.id, error = %e, "could not {what}; retrying");
            let _ = store.retry_job(row.id, now + backoff_ms(1), &e, now).await;
            true
        }
    }
}

#[cfg(test)]
mod tests {
    use super::backoff_ms;

    #[test]
    fn backoff_doubles_and_caps() {
        assert_eq!(backoff_ms(1), 2_000);
        assert_eq!(backoff_ms(2), 4_000);
        assert_eq!(backoff_ms(5), 32_000);
        assert_eq!(backoff_ms(30), 600_000);
    }

    #[test]
    fn jitter_spreads_jobs_below_the_plain_backoff() {
        use super::jittered_backoff_ms;
        let delays: Vec<i64> = (1..=50).map(|id| jittered_backoff_ms(id, 3)).collect();
        assert!(
            delays.iter().all(|d| (6_000..=8_000).contains(d)),
            "{delays:?}"
        );
        let mut distinct = delays.clone();
        distinct.sort_unstable();
        distinct.dedup();
        assert!(distinct.len() > 25, "spread: {distinct:?}");
        assert_eq!(
            jittered_backoff_ms(7, 3),
            jittered_backoff_ms(7, 3),
            "stable per job"
        );
    }
}
