//! Job rows as stored.

use serde::Serialize;

/// Slack allows about one message per second per channel; the 50 ms margin absorbs network
/// jitter, so two paced posts never reach Slack less than a second apart (95% of the rate).
pub const PACE_INTERVAL_MS: i64 = 1_050;

/// The most jobs one INSERT carries where a store batches them (PostgreSQL).
pub const JOB_BATCH: usize = 16;

/// Builds one statement for a guarded change: the conditional write, how many parameters
/// it takes, whether an audit row follows, how many jobs (see `PgStore`).
pub(crate) type GuardedChangeSql = fn(&'static str, usize, bool, usize) -> &'static str;

/// The jobs of one change as a batched INSERT takes them: one with the coalesce key of an
/// earlier one is left out (one statement cannot see its own rows; one by one, the later
/// job would coalesce with the earlier). No job has both a coalesce key and a dedupe key
/// (an earlier job dropped as a duplicate would otherwise take a later one with it).
pub(crate) fn coalesced_in_batch(jobs: &[NewJob]) -> Vec<&NewJob> {
    debug_assert!(jobs
        .iter()
        .all(|j| j.coalesce_key.is_none() || j.dedupe_key.is_none()));
    let mut keys: Vec<&str> = Vec::new();
    jobs.iter()
        .filter(|j| match j.coalesce_key.as_deref() {
            Some(k) if keys.contains(&k) => false,
            Some(k) => {
                keys.push(k);
                true
            }
            None => true,
        })
        .collect()
}

/// A batched INSERT's parameters: now, then eight a job, in the order of its `VALUES`.
pub(crate) fn push_job_args<'a>(
    args: &mut Vec<super::exec::Arg<'a>>,
    jobs: &[&'a NewJob],
    now: i64,
) {
    use super::exec::Arg;
    args.push(Arg::from(now));
    for job in jobs {
        args.extend_from_slice(&[
            Arg::from(job.name),
            Arg::from(&job.payload),
            Arg::from(job.run_at),
            Arg::from(&job.dedupe_key),
            Arg::from(job.recurring as i64),
            Arg::from(&job.pace_key),
            Arg::Int(None),
            Arg::from(&job.coalesce_key),
        ]);
    }
}

/// A job to insert. Built by `jobs::enqueue` helpers, never by hand in SQL.
#[derive(Debug, Clone, PartialEq)]
pub struct NewJob {
    pub name: &'static str,
    pub payload: String,
    pub run_at: i64,
    /// At most one pending-or-done job per key (e.g. a reminder for one step of one ticket).
    pub dedupe_key: Option<String>,
    /// Recurring jobs are unique on (name, run_at), so replicas never post a digest twice.
    pub recurring: bool,
    /// Jobs with the same pace key (a Slack channel) are spread to one per interval: a job
    /// without a dedupe key takes its channel's next slot as it is inserted, so the worker
    /// never leases it before its turn.
    pub pace_key: Option<String>,
    /// Not inserted while a job with the same key waits unleased (a card re-render, an App
    /// Home refresh: the one already queued will show the latest state).
    pub coalesce_key: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobState {
    Pending,
    Done,
    Dead,
}

impl JobState {
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Pending => "pending",
            JobState::Done => "done",
            JobState::Dead => "dead",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, Serialize)]
pub struct JobRow {
    pub id: i64,
    pub name: String,
    pub payload: String,
    pub run_at: i64,
    pub attempts: i64,
    pub locked_until: Option<i64>,
    pub last_error: Option<String>,
    pub dedupe_key: Option<String>,
    pub pace_key: Option<String>,
    pub paced_at: Option<i64>,
    pub state: String,
    /// When the job was queued: no attempt of it is older (a post's read-back starts here).
    pub created_at: i64,
}

/// A parked job as `cxbot jobs` lists it: `parked_at` is when it was parked (its last
/// update), `last_error` why.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DeadJobRow {
    pub id: i64,
    pub name: String,
    pub attempts: i64,
    pub parked_at: i64,
    pub last_error: Option<String>,
}
