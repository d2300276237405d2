//! Job rows as stored.

use serde::Serialize;

/// Slack allows about one message per second per channel; the 50 ms margin absorbs network
/// jitter, so two paced posts never reach Slack less than a second apart (95% of the rate).
pub const PACE_INTERVAL_MS: i64 = 1_050;

/// The most jobs one INSERT carries where a store batches them (PostgreSQL).
pub const JOB_BATCH: usize = 16;

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
}
