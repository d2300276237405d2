//! SQLite: the default, one process, zero set-up. WAL journal, `synchronous=NORMAL`, one
//! writer connection whose transactions are group-committed (`sqlite_writer`) and whose
//! statements run in place with rusqlite (`exec.rs` says why); readers and migrations use
//! sqlx. One writer process: `serve` holds an exclusive lock on `<database>.lock`, so a second `serve` on the
//! same file refuses to start.

use super::claims_sql::impl_claim_store;
use super::directives_sql::impl_directive_store;
use super::exec::{args, Conn};
use super::followups_sql::impl_followup_store;
use super::helpdesk_sql::impl_helpdesk_store;
use super::queue_sql::impl_queue_store;
use super::shared::impl_shared_store;
use super::shifts_sql::impl_shift_store;
use super::slack_sql::impl_slack_store;
use super::sqlite_conn::{Reader, Readers, SqliteConn};
use super::sqlite_writer::{GroupWriter, WriteTx};
use super::tickets_sql::impl_ticket_store;
use super::{Backend, NewJob, OpenMode, Store, StoreError, StoreResult, PACE_INTERVAL_MS};
use async_trait::async_trait;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ConnectOptions, SqlitePool};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

pub struct SqliteStore {
    /// Readers on sqlx's threads, for scans (WAL lets them run beside the writer).
    pub(crate) pool: SqlitePool,
    /// Readers run in place, for the point reads of the ack path.
    readers: Readers,
    /// The one writer. SQLite has one write lock; with several writing connections the
    /// losers sleep in SQLite's busy handler (up to 100 ms a try). One connection makes
    /// writers queue in-process, first come first served, and never sleep; queued writes
    /// are committed together.
    writer: GroupWriter,
    /// Held for the life of a `serve`; the OS releases it if the process dies.
    _lock: Option<File>,
}

impl SqliteStore {
    const LEASE_SQL: &'static str = "UPDATE jobs SET locked_until = $1, locked_by = $2, attempts = attempts + 1, updated_at = $3 \
         WHERE id IN (SELECT id FROM jobs WHERE state = 'pending' AND run_at <= $3 \
                      AND (locked_until IS NULL OR locked_until <= $3) ORDER BY run_at, id LIMIT $4) \
         RETURNING id, name, payload, run_at, attempts, locked_until, last_error, dedupe_key, pace_key, paced_at, state, created_at";
    const PACE_SQL: &'static str = "INSERT INTO pace_slots (pace_key, next_at) VALUES ($1, $2 + $3) \
         ON CONFLICT (pace_key) DO UPDATE SET next_at = max(pace_slots.next_at, $2) + $3 RETURNING next_at";
    /// None: the find, then the UPDATE or the INSERT (SQLite has no INSERT or UPDATE in a
    /// WITH; in process, the three statements cost no round trips).
    const UPSERT_CUSTOMER_SQL: Option<&'static str> = None;
    /// None: the inbox INSERT, the customer upsert and the ticket read, statements on the
    /// writer (no INSERT in a WITH); a new ticket's id is reserved when the plan inserts.
    const INTAKE_LOOKUP_SQL: Option<&'static str> = None;
    /// The id AUTOINCREMENT would give the next ticket (only the writer inserts tickets,
    /// and this runs in its unit).
    const NEXT_TICKET_ID_SQL: &'static str =
        "SELECT max(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'tickets'), 0), \
         COALESCE((SELECT max(id) FROM tickets), 0)) + 1";
    /// None: `PACE_SQL` then each job's deferral, statements in one unit on the writer.
    const PACE_TURNS_SQL: Option<fn(usize) -> &'static str> = None;
    /// Takes a paced job's slot in the transaction that queues it (one writer: the channel's
    /// slot row costs that transaction nothing extra), unless a job it coalesces with waits
    /// ($4): then no row comes back and nothing is reserved.
    const QUEUE_PACE_SQL: &'static str =
        "INSERT INTO pace_slots (pace_key, next_at) SELECT $1, $2 + $3 \
         WHERE NOT EXISTS (SELECT 1 FROM jobs WHERE coalesce_key = $4 AND state = 'pending' AND locked_until IS NULL \
                           AND attempts = 0) \
         ON CONFLICT (pace_key) DO UPDATE SET next_at = max(pace_slots.next_at, $2) + $3 RETURNING next_at";
    /// A guarded change is a unit of statements on the writer.
    const GUARDED_CHANGE_SQL: Option<super::jobs::GuardedChangeSql> = None;
    /// None: the message, the DELETE and the UPDATE, a unit on the writer.
    const COMPLETE_SQL: Option<&'static str> = None;
    /// A job waiting to run that a new one with the same coalesce key may leave to it: not
    /// leased, and not failing (a retry may be minutes away, or end parked).
    const COALESCE_SQL: &'static str =
        "SELECT id FROM jobs WHERE coalesce_key = $1 AND state = 'pending' \
         AND locked_until IS NULL AND attempts = 0 LIMIT 1";
    const PUSH_PACE_SQL: &'static str =
        "INSERT INTO pace_slots (pace_key, next_at, last_sent_at) VALUES ($1, $2, $3) \
         ON CONFLICT (pace_key) DO UPDATE SET next_at = max(pace_slots.next_at, $2), \
         last_sent_at = max(COALESCE(pace_slots.last_sent_at, $3), $3)";

    /// A change's jobs, one INSERT each (in process, a statement costs no round trip). A
    /// paced job takes its channel's next slot now, in this transaction, so the worker leases
    /// it once, at its turn; a keyed job (which may turn out to be a duplicate) and a job for
    /// later take theirs when they first run (reserving one for later now would hold the
    /// channel's posts back until then). A job that coalesces with one already waiting is not
    /// queued, and takes no slot.
    async fn insert_jobs<C: Conn>(conn: &mut C, jobs: &[NewJob], now: i64) -> StoreResult<()> {
        for job in jobs {
            let (run_at, paced_at) = match (&job.pace_key, &job.dedupe_key) {
                (Some(key), None) if job.run_at <= now => {
                    let next = conn
                        .scalar(
                            Self::QUEUE_PACE_SQL,
                            args![key, job.run_at, PACE_INTERVAL_MS, &job.coalesce_key],
                        )
                        .await?;
                    let Some(next) = next else { continue };
                    let slot = next - PACE_INTERVAL_MS;
                    (slot, Some(slot))
                }
                _ => {
                    if let Some(key) = &job.coalesce_key {
                        if conn.scalar(Self::COALESCE_SQL, args![key]).await?.is_some() {
                            continue;
                        }
                    }
                    (job.run_at, None)
                }
            };
            conn.exec(
                "INSERT INTO jobs (name, payload, run_at, dedupe_key, recurring, pace_key, paced_at, coalesce_key, \
                 state, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', $9, $9) ON CONFLICT DO NOTHING",
                args![job.name, &job.payload, run_at, &job.dedupe_key, job.recurring as i64, &job.pace_key,
                      paced_at, &job.coalesce_key, now],
            )
            .await?;
        }
        Ok(())
    }

    pub async fn connect(url: &str, mode: OpenMode) -> StoreResult<Self> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| not_sqlite_url(&e))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true);
        let path = options.get_filename().to_path_buf();
        directory_exists(&path)?;
        let lock = match mode {
            OpenMode::Serve => Some(take_lock(path.clone())?),
            OpenMode::Tool => None,
        };
        let cannot = |e: sqlx::Error| cannot_open(&path, &super::cause(&e));
        let mut migrator = options.connect().await.map_err(cannot)?;
        sqlx::migrate!("migrations/sqlite")
            .run(&mut migrator)
            .await?;
        if mode == OpenMode::Serve {
            // The lock says no other serve runs: a lease still held is a killed process's.
            // Its jobs run now rather than when the lease (5 min) runs out.
            let taken = sqlx::query(
                "UPDATE jobs SET locked_until = NULL, locked_by = NULL \
                 WHERE state = 'pending' AND locked_until IS NOT NULL",
            )
            .execute(&mut migrator)
            .await
            .map_err(cannot)?
            .rows_affected();
            if taken > 0 {
                tracing::warn!(
                    jobs = taken,
                    "took back the jobs a stopped cxbot was running; they run again now"
                );
            }
        }
        sqlx::Connection::close(migrator).await.map_err(cannot)?;
        let pool = SqlitePoolOptions::new()
            .max_connections(2)
            .min_connections(1)
            .connect_with(options.clone())
            .await
            .map_err(cannot)?;
        let writer = GroupWriter::new(SqliteConn::open(&path, true)?);
        let readers = Readers::open(&path, READERS)?;
        Ok(Self {
            pool,
            readers,
            writer,
            _lock: lock,
        })
    }

    /// Opens the file if it exists, read only; otherwise checks its directory: creates
    /// nothing (`cxbot check`).
    pub(crate) async fn probe(url: &str) -> StoreResult<String> {
        let options = SqliteConnectOptions::from_str(url).map_err(|e| not_sqlite_url(&e))?;
        let path = options.get_filename().to_path_buf();
        directory_exists(&path)?;
        if !path.exists() {
            return Ok(format!(
                "SQLite file {} (not there yet: created at the first start)",
                path.display()
            ));
        }
        let conn = options
            .read_only(true)
            .create_if_missing(false)
            .connect()
            .await
            .map_err(|e| cannot_open(&path, &super::cause(&e)))?;
        let _ = sqlx::Connection::close(conn).await;
        Ok(format!("SQLite file {} (opened)", path.display()))
    }

    /// A connection for a point read.
    async fn reader(&self) -> StoreResult<Reader> {
        Ok(self.readers.get().await)
    }

    /// A connection for sqlx's own query builders (the shared SQL's list reads).
    async fn sqlx_reader(&self) -> StoreResult<sqlx::pool::PoolConnection<sqlx::Sqlite>> {
        Ok(self.pool.acquire().await?)
    }

    /// A unit of work on the writer, committed with the others queued beside it.
    async fn begin_write(&self) -> StoreResult<WriteTx> {
        self.writer.begin().await
    }

    /// One statement on its own: on SQLite also a unit on the writer.
    async fn begin_single(&self) -> StoreResult<WriteTx> {
        self.writer.begin().await
    }
}

/// In-place readers: a read holds its runtime thread, so one more than the runtime's two
/// threads lets a read proceed while another waits on a lock.
const READERS: usize = 3;

fn not_sqlite_url(e: &sqlx::Error) -> StoreError {
    StoreError::Open(format!(
        "DATABASE_URL is not a SQLite URL cxbot can use ({}): expected sqlite://PATH",
        super::cause(e)
    ))
}

/// The SQLite file `path` could not be opened or created.
fn cannot_open(path: &Path, cause: &str) -> StoreError {
    StoreError::Open(format!(
        "cannot open the SQLite database {}: {cause}. DATABASE_URL must name a file (not a \
         directory) in a directory cxbot may write to; the file is created if missing",
        path.display()
    ))
}

/// SQLite creates the file, not its directory: say so before its "unable to open".
fn directory_exists(path: &Path) -> StoreResult<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => return Ok(()),
    };
    if dir.is_dir() {
        return Ok(());
    }
    Err(StoreError::Open(format!(
        "cannot open the SQLite database {}: its directory {} does not exist. Create it, \
         or point DATABASE_URL at a file in an existing directory",
        path.display(),
        dir.display()
    )))
}

fn take_lock(db: PathBuf) -> StoreResult<File> {
    let mut path = db.into_os_string();
    path.push(".lock");
    let path = PathBuf::from(path);
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| {
            StoreError::Locked(format!("cannot open lock file {}: {e}", path.display()))
        })?;
    file.try_lock().map_err(|_| {
        StoreError::Locked(format!(
            "another cxbot serve is already using this SQLite database (lock {} is held). \
             SQLite allows one writer: stop the other process, or use PostgreSQL to run several replicas.",
            path.display()
        ))
    })?;
    Ok(file)
}

impl_shared_store!(SqliteStore);
impl_ticket_store!(SqliteStore);
impl_followup_store!(SqliteStore);
impl_shift_store!(SqliteStore);
impl_directive_store!(SqliteStore);
impl_helpdesk_store!(SqliteStore);
impl_claim_store!(SqliteStore);
impl_queue_store!(SqliteStore);
impl_slack_store!(SqliteStore);

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> Backend {
        Backend::Sqlite
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn close(&self) {
        self.writer.close().await;
        self.pool.close().await;
    }
}
