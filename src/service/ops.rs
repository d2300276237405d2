//! What an operator's probes and tools read and do: is the database reachable, how many
//! jobs are waiting, done or dead (`/readyz`, `/metrics`), which jobs are parked and why,
//! and putting them back (`cxbot jobs`, `cxbot jobs retry`).

use super::{Result, Services};
use crate::db::{DeadJobRow, SharedStore};

/// Is the database reachable?
pub async fn ready(services: &Services) -> Result<()> {
    Ok(services.store.ping().await?)
}

/// Jobs by state: pending, done, dead (a state with none is 0).
pub async fn job_counts(services: &Services) -> Result<[(&'static str, i64); 3]> {
    let counts = services.store.job_counts().await?;
    let n = |state: &str| {
        counts
            .iter()
            .find(|(s, _)| s == state)
            .map_or(0, |(_, n)| *n)
    };
    Ok([
        ("pending", n("pending")),
        ("done", n("done")),
        ("dead", n("dead")),
    ])
}

/// Parked jobs by job name, for the `cxbot_jobs_dead` gauge (names with none are absent).
pub async fn dead_jobs_by_name(store: &SharedStore) -> Result<Vec<(String, i64)>> {
    Ok(store.dead_job_counts().await?)
}

/// A parked job: what it was, how often it ran, when it was parked and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadJob {
    pub id: i64,
    pub name: String,
    pub attempts: i64,
    /// Unix milliseconds.
    pub parked_at: i64,
    /// The last error, with the operator's next step for a permanent one.
    pub reason: String,
}

impl From<DeadJobRow> for DeadJob {
    fn from(r: DeadJobRow) -> Self {
        Self {
            id: r.id,
            name: r.name,
            attempts: r.attempts,
            parked_at: r.parked_at,
            reason: r.last_error.unwrap_or_default(),
        }
    }
}

/// The parked jobs, most recently parked first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadJobs {
    /// How many are parked in all.
    pub total: i64,
    /// At most the `limit` asked for.
    pub jobs: Vec<DeadJob>,
}

pub async fn dead_jobs(store: &SharedStore, limit: i64) -> Result<DeadJobs> {
    let jobs: Vec<DeadJob> = store
        .dead_jobs(limit.max(0))
        .await?
        .into_iter()
        .map(DeadJob::from)
        .collect();
    let total = store
        .job_counts()
        .await?
        .into_iter()
        .find(|(s, _)| s == "dead")
        .map_or(0, |(_, n)| n);
    Ok(DeadJobs {
        // A job parked between the two reads is listed but not yet counted.
        total: total.max(jobs.len() as i64),
        jobs,
    })
}

/// Which parked jobs to put back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryTarget {
    One(i64),
    All,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RetryOutcome {
    /// This many jobs are pending again, due now, with their attempts reset.
    Requeued(u64),
    /// No job has that id (it may have been pruned after it ran).
    NoSuchJob(i64),
    /// The job exists but is not parked (`pending` or `done`): nothing to retry.
    NotDead { id: i64, state: String },
}

/// Puts parked jobs back to pending, due at `now`, attempts reset: a worker (any replica's)
/// runs them as it would a new job, and parks them again if they still fail.
pub async fn retry_dead_jobs(
    store: &SharedStore,
    target: RetryTarget,
    now: i64,
) -> Result<RetryOutcome> {
    match target {
        RetryTarget::All => Ok(RetryOutcome::Requeued(
            store.requeue_dead_jobs(None, now).await?,
        )),
        RetryTarget::One(id) => {
            let n = store.requeue_dead_jobs(Some(id), now).await?;
            if n > 0 {
                return Ok(RetryOutcome::Requeued(n));
            }
            Ok(match store.job_state(id).await? {
                None => RetryOutcome::NoSuchJob(id),
                Some(state) => RetryOutcome::NotDead { id, state },
            })
        }
    }
}
