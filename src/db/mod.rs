//! Persistence. The [`Store`] trait is composed of small traits (jobs, inbox, messages, ...);
//! [`sqlite::SqliteStore`] and [`postgres::PgStore`] implement it, chosen by the scheme of
//! `DATABASE_URL`. SQL lives in this module only.
//!
//! Rules: instants are integer unix milliseconds; no `now()` in SQL (the caller passes the
//! clock's time); every state change enqueues its jobs in the same transaction; SQLite
//! read-then-write transactions start with `BEGIN IMMEDIATE`.
//!
//! Drivers: PostgreSQL runs on sqlx. SQLite's writer and its point reads run in place with
//! rusqlite (`exec.rs` says why: a statement through sqlx is a round trip between threads),
//! its scans and the migrations on sqlx. The SQL is written once in the `*_sql.rs` macros
//! against `exec::Conn`, with `$N` parameters and `args![...]`.
//!
//! May import `domain` (the types it decodes rows into, e.g. `domain::ticket::Ticket`,
//! whose columns only `exec.rs` knows) and nothing above it. Row types (`*Row`) are for the
//! service layer's bookkeeping; anything an edge shows is a domain type.
//!
//! To add a table: a migration in both `migrations/sqlite/` and `migrations/postgres/`
//! (same file name), a small trait here, its SQL in `shared.rs` (or per dialect where the
//! dialects differ), a `Decode` impl for a new row type (`exec.rs`: by column position for
//! rusqlite), and a case in the conformance tests (`tests/api/store.rs`).

pub mod claims;
mod claims_sql;
pub mod directives;
mod directives_sql;
mod exec;
pub mod followups;
mod followups_sql;
pub mod helpdesk;
mod helpdesk_sql;
mod jobs;
mod pg_pool;
pub mod postgres;
pub mod queue;
mod queue_sql;
mod rows;
mod shared;
pub mod shifts;
mod shifts_sql;
pub mod slack;
mod slack_sql;
pub mod sqlite;
mod sqlite_conn;
mod sqlite_writer;
pub mod tickets;
mod tickets_sql;

pub use claims::{Audit, AuditRow, ClaimStore, SlackUserRow};
pub use directives::{DirectiveStore, NewDirective};
pub use followups::{FollowupRow, FollowupStore};
pub use helpdesk::{AgentRow, Enrichment, HelpdeskStore, RequesterRow};
pub use jobs::{DeadJobRow, JobRow, JobState, NewJob, PACE_INTERVAL_MS};
pub use queue::{QueueStore, TurnRow};
pub use rows::PostedMessage;
pub use shifts::{CheckinRow, ShiftRow, ShiftStore};
pub use slack::{ChannelIdRow, SlackStopRow, SlackStore};
pub use tickets::{
    CustomerInput, CustomerRow, IntakeContext, IntakePlan, IntakePlanner, IntakeRecorded,
    IntakeRequest, TicketStore, TicketWrite,
};

use async_trait::async_trait;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{0}")]
    Locked(String),
    /// The database could not be opened or reached: says which (host:port, path) and
    /// what to do, once (no chained source repeating the driver's text).
    #[error("{0}")]
    Open(String),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("the write could not be committed: {0}")]
    Commit(String),
}

impl StoreError {
    /// A transaction that lost a race with a concurrent one and would succeed if run again:
    /// a unique key the other wrote first, or a deadlock PostgreSQL broke by aborting it.
    /// (SQLite's one writer runs transactions one at a time: it never loses such a race.)
    pub fn lost_a_race(&self) -> bool {
        match self {
            StoreError::Database(sqlx::Error::Database(e)) => {
                e.is_unique_violation() || e.code().as_deref() == Some("40P01")
            }
            _ => false,
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// The durable job queue (see `jobs/` for the worker that drives it).
#[async_trait]
pub trait JobStore: Send + Sync {
    /// Adds jobs on their own (outside any other state change).
    async fn enqueue(&self, jobs: &[NewJob], now: i64) -> StoreResult<()>;
    /// Leases up to `limit` due jobs until `lease_until`; attempts is incremented.
    async fn lease_jobs(
        &self,
        now: i64,
        lease_until: i64,
        limit: i64,
        worker: &str,
    ) -> StoreResult<Vec<JobRow>>;
    /// Success: deletes the job (or marks it done when its key must stay unique) and, in the
    /// same transaction, records the message Slack accepted.
    async fn complete_job(
        &self,
        id: i64,
        now: i64,
        posted: Option<&PostedMessage>,
    ) -> StoreResult<()>;
    /// A failure to retry at `run_at`.
    async fn retry_job(&self, id: i64, run_at: i64, error: &str, now: i64) -> StoreResult<()>;
    /// Not a failure: run again at `run_at` (pacing, Retry-After). `paced` marks that the
    /// job already holds its channel slot.
    async fn defer_job(
        &self,
        id: i64,
        run_at: i64,
        paced: bool,
        note: Option<&str>,
        now: i64,
    ) -> StoreResult<()>;
    /// Gives up: the job is kept as dead, visible in metrics and logs.
    async fn park_job(&self, id: i64, error: &str, now: i64) -> StoreResult<()>;
    /// Reserves the next send slot of its pace key (a channel) for each leased job
    /// `(id, key)`; a channel's jobs take consecutive slots in the order given. Per job,
    /// in that order: None, the slot is now and the job goes; `Some(slot)`, the job is put
    /// back until its slot (as [`JobStore::defer_job`] does for a paced job). One write
    /// for all of them.
    async fn take_pace_turns(
        &self,
        jobs: &[(i64, &str)],
        now: i64,
        interval_ms: i64,
    ) -> StoreResult<Vec<Option<i64>>>;
    /// Pushes a pace key's next slot, and its next allowed send, to at least `at` (after a 429).
    async fn push_pace_slot(&self, key: &str, at: i64) -> StoreResult<()>;
    /// The last check before a paced call: records `now` as the key's last send and returns
    /// None when the previous one left at least `interval_ms` ago; otherwise changes nothing
    /// and returns when the call may go.
    async fn pass_send_gate(
        &self,
        key: &str,
        now: i64,
        interval_ms: i64,
    ) -> StoreResult<Option<i64>>;
    /// Job counts by state, for metrics and tests.
    async fn job_counts(&self) -> StoreResult<Vec<(String, i64)>>;
    /// All jobs, oldest first (tests and `cxbot` diagnostics).
    async fn list_jobs(&self, state: JobState) -> StoreResult<Vec<JobRow>>;
    /// Parked jobs, most recently parked first, at most `limit` (`cxbot jobs`).
    async fn dead_jobs(&self, limit: i64) -> StoreResult<Vec<DeadJobRow>>;
    /// Parked jobs by job name (the `cxbot_jobs_dead` gauge).
    async fn dead_job_counts(&self) -> StoreResult<Vec<(String, i64)>>;
    /// Puts parked jobs back to pending, due at `now` with no attempts counted: the one
    /// with id `id`, or every one when `id` is None. Answers how many; a job that is not
    /// dead is left alone (0).
    async fn requeue_dead_jobs(&self, id: Option<i64>, now: i64) -> StoreResult<u64>;
    /// A job's state (`pending`, `done`, `dead`), None when there is no such job.
    async fn job_state(&self, id: i64) -> StoreResult<Option<String>>;
    /// Is a job with this coalesce key still to run (waiting, paced, or leased)?
    async fn job_pending(&self, coalesce_key: &str) -> StoreResult<bool>;
    /// Is a job queued before job `id` (a lower id) whose dedupe key starts with `prefix`
    /// still to run? Writes to one helpdesk ticket go in the order they were queued.
    async fn earlier_job_pending(&self, prefix: &str, id: i64) -> StoreResult<bool>;
    /// The earliest run_at of a pending job, so an idle worker knows how long it may sleep.
    async fn next_run_at(&self) -> StoreResult<Option<i64>>;
    /// Removes done jobs finished before `before`.
    async fn prune_done_jobs(&self, before: i64) -> StoreResult<u64>;
}

/// Idempotent intake: an event key seen before is acknowledged and ignored.
#[async_trait]
pub trait InboxStore: Send + Sync {
    /// Records `key` and enqueues `jobs` in one transaction. Returns false (and does
    /// nothing) when the key was already recorded, even by a concurrent request.
    async fn record_event(
        &self,
        key: &str,
        source: &str,
        now: i64,
        jobs: &[NewJob],
    ) -> StoreResult<bool>;
    /// Whether `key` is recorded already: a read, no write (what a redelivery asks first).
    async fn event_recorded(&self, key: &str) -> StoreResult<bool>;
    async fn event_count(&self) -> StoreResult<i64>;
}

/// Messages Slack accepted, keyed by what they are about (e.g. `card:42`).
#[async_trait]
pub trait MessageStore: Send + Sync {
    async fn posted_message(&self, key: &str) -> StoreResult<Option<PostedMessage>>;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Everything the service layer needs from storage.
#[async_trait]
pub trait Store:
    JobStore
    + InboxStore
    + MessageStore
    + TicketStore
    + ClaimStore
    + FollowupStore
    + ShiftStore
    + DirectiveStore
    + HelpdeskStore
    + QueueStore
    + SlackStore
    + Send
    + Sync
{
    fn backend(&self) -> Backend;
    /// Is the database reachable? (for /readyz)
    async fn ping(&self) -> StoreResult<()>;
    async fn close(&self);
}

pub type SharedStore = Arc<dyn Store>;

/// Which options a store is opened with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenMode {
    /// `serve`: takes the single-writer lock on SQLite.
    Serve,
    /// `migrate`, `check`, tests' second handles: no lock.
    Tool,
}

/// The driver's reason, once: sqlx's `Display` wraps the server's or the OS's text in its
/// own ("error returned from database: ..."), and its source repeats it.
pub(crate) fn cause(e: &sqlx::Error) -> String {
    match e {
        sqlx::Error::Database(d) => d.message().to_string(),
        sqlx::Error::Io(io) => io.to_string(),
        sqlx::Error::Tls(t) => format!("TLS: {t}"),
        sqlx::Error::PoolTimedOut => "no connection within the time allowed".to_string(),
        other => other.to_string(),
    }
}

/// Connects to the database named by the URL without changing anything (no migration, no
/// file created) and says what it reached, or what failed with its fix (`cxbot check`).
pub async fn probe(url: &str) -> Result<String, StoreError> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        postgres::PgStore::probe(url).await
    } else {
        sqlite::SqliteStore::probe(url).await
    }
}

/// Opens the database named by the URL and applies migrations.
pub async fn open(url: &str, mode: OpenMode) -> StoreResult<SharedStore> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(postgres::PgStore::connect(url).await?))
    } else {
        Ok(Arc::new(sqlite::SqliteStore::connect(url, mode).await?))
    }
}
