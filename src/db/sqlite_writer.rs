//! Group commit for SQLite's one writer connection, which runs its statements in place.
//!
//! Why: profiling intake on SQLite (issue 7) showed the cost of a write transaction is not
//! SQLite's work but its edges: every commit appends each page it touched to the WAL (about
//! twenty pages for an intake: the tickets, jobs, inbox and customers B-trees and their
//! indexes, two `pwrite`s a page), and every statement through sqlx is a round trip to its
//! connection thread (`exec.rs`). Consecutive transactions touch the same right-most pages,
//! so committing several together writes each page once; and the writer is a rusqlite
//! connection, so a statement is a function call, not a round trip.
//!
//! How: each unit of work (what used to be its own transaction) runs inside a SAVEPOINT of
//! one shared `BEGIN IMMEDIATE` transaction, in arrival order (the mutex is fair). A unit's
//! `commit()` schedules a flush if none is scheduled and waits for it; the flush queues on
//! the same mutex, so it runs after the units already waiting and commits them all at once.
//! Nobody is answered before the COMMIT that makes their write durable; a unit that fails
//! or is dropped rolls back to its savepoint alone and the others are unaffected. With one
//! request at a time a batch is one unit, as before.
//!
//! Statements run synchronously while the unit holds the mutex (the COMMIT alone goes to a
//! blocking thread, as it may checkpoint and fsync): there is no await point
//! inside a statement, so a cancelled request can only leave between statements, and its
//! unit is then undone by the next holder. The bookkeeping statements ride along with the
//! next one: a committed unit's RELEASE (or a dropped unit's ROLLBACK TO) is sent with the
//! next unit's SAVEPOINT, or with the COMMIT.

use super::sqlite_conn::SqliteConn;
use super::{StoreError, StoreResult};
use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{oneshot, Mutex, OwnedMutexGuard};

type Waiter = oneshot::Sender<Result<(), String>>;

struct State {
    conn: Option<SqliteConn>,
    /// A `BEGIN IMMEDIATE` is open.
    open: bool,
    /// The savepoint of the last unit is still on the stack, and what to do with it.
    last: Last,
    flush_scheduled: bool,
    /// Units released into the open transaction, waiting for its COMMIT.
    waiting: Vec<Waiter>,
    /// Units in the open transaction (metrics).
    units: u64,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Last {
    /// No savepoint open.
    Settled,
    /// Committed: release it (keep its changes).
    Keep,
    /// Dropped without commit: roll back to it, then release it.
    Undo,
}

impl State {
    fn conn(&mut self) -> StoreResult<&mut SqliteConn> {
        self.conn
            .as_mut()
            .ok_or_else(|| StoreError::Commit("the database is closed".into()))
    }

    /// What starts the next unit in the open transaction: settles the last unit's savepoint
    /// on the way.
    fn next_unit_sql(&mut self) -> &'static str {
        let sql = match self.last {
            Last::Settled => "SAVEPOINT unit",
            Last::Keep => "RELEASE unit; SAVEPOINT unit",
            Last::Undo => "ROLLBACK TO unit; RELEASE unit; SAVEPOINT unit",
        };
        self.last = Last::Settled;
        sql
    }

    /// What commits the open transaction, settling the last unit's savepoint first.
    fn commit_sql(&mut self) -> &'static str {
        let sql = match self.last {
            Last::Settled => "COMMIT",
            Last::Keep => "RELEASE unit; COMMIT",
            Last::Undo => "ROLLBACK TO unit; RELEASE unit; COMMIT",
        };
        self.last = Last::Settled;
        sql
    }
}

#[derive(Clone)]
pub(crate) struct GroupWriter {
    state: Arc<Mutex<State>>,
}

impl GroupWriter {
    pub(crate) fn new(conn: SqliteConn) -> Self {
        Self {
            state: Arc::new(Mutex::new(State {
                conn: Some(conn),
                open: false,
                last: Last::Settled,
                flush_scheduled: false,
                waiting: Vec::new(),
                units: 0,
            })),
        }
    }

    /// Starts a unit of work. Dropping it without `commit()` undoes it alone.
    pub(crate) async fn begin(&self) -> StoreResult<WriteTx> {
        let mut guard = self.state.clone().lock_owned().await;
        if !guard.open {
            take_write_lock(&mut guard).await?;
            guard.open = true;
            guard.units = 0;
        }
        let sql = guard.next_unit_sql();
        let started = guard.conn().and_then(|conn| conn.batch(sql));
        if let Err(e) = started {
            // The transaction is in an unknown state: give all of it up, and say so.
            abort(&mut guard, &e.to_string());
            return Err(e);
        }
        guard.units += 1;
        guard.last = Last::Undo;
        Ok(WriteTx {
            guard: Some(guard),
            state: self.state.clone(),
        })
    }

    /// Commits whatever is open and closes the connection.
    pub(crate) async fn close(&self) {
        let mut guard = self.state.lock().await;
        finish(&mut guard).await;
        if let Some(conn) = guard.conn.take() {
            conn.close();
        }
    }
}

/// A unit of work on the writer: derefs to the connection, like a sqlx `Transaction`.
pub(crate) struct WriteTx {
    guard: Option<OwnedMutexGuard<State>>,
    state: Arc<Mutex<State>>,
}

impl WriteTx {
    /// Keeps this unit's changes and returns once they are committed (in the WAL).
    pub(crate) async fn commit(mut self) -> StoreResult<()> {
        let mut guard = self.guard.take().expect("a unit is committed once");
        guard.last = Last::Keep;
        let (tx, rx) = oneshot::channel();
        guard.waiting.push(tx);
        schedule_flush(&mut guard, &self.state);
        drop(guard);
        match rx.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(StoreError::Commit(e)),
            Err(_) => Err(StoreError::Commit(
                "the writer stopped before committing".into(),
            )),
        }
    }
}

impl Deref for WriteTx {
    type Target = SqliteConn;
    fn deref(&self) -> &SqliteConn {
        let state = self.guard.as_ref().expect("unit in progress");
        state.conn.as_ref().expect("connection open")
    }
}

impl DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut SqliteConn {
        let state = self.guard.as_mut().expect("unit in progress");
        state.conn.as_mut().expect("connection open")
    }
}

impl Drop for WriteTx {
    fn drop(&mut self) {
        if let Some(mut guard) = self.guard.take() {
            // Not committed (an error, an early return, a cancelled request): the next
            // statement on the writer first rolls this unit back to its savepoint.
            guard.last = Last::Undo;
            schedule_flush(&mut guard, &self.state);
        }
    }
}

/// How long a `BEGIN` waits for another process's write lock (`busy_timeout` before).
const BUSY_WAIT: Duration = Duration::from_secs(5);

/// Opens the shared transaction (`BEGIN IMMEDIATE`), waiting without blocking the thread
/// while another connection to the file (a `cxbot migrate`, a second tool) holds the lock.
async fn take_write_lock(state: &mut State) -> StoreResult<()> {
    let started = std::time::Instant::now();
    let mut pause = Duration::from_millis(1);
    let conn = state.conn()?;
    if conn.in_transaction() {
        // An earlier ROLLBACK failed and SQLite still holds a transaction we gave up on:
        // end it, or every BEGIN from here on would fail.
        conn.batch("ROLLBACK")?;
    }
    loop {
        match state.conn()?.batch("BEGIN IMMEDIATE") {
            Err(StoreError::Sqlite(e))
                if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy)
                    && started.elapsed() < BUSY_WAIT =>
            {
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_millis(50));
            }
            other => return other,
        }
    }
}

/// Rolls back whatever is open and tells its waiting units.
fn abort(state: &mut State, why: &str) {
    if let Ok(conn) = state.conn() {
        // Fails harmlessly when SQLite already rolled the transaction back.
        let _ = conn.batch("ROLLBACK");
    }
    state.open = false;
    state.last = Last::Settled;
    for w in state.waiting.drain(..) {
        let _ = w.send(Err(why.to_string()));
    }
}

/// Commits the open transaction and answers everyone in it. The COMMIT runs on a blocking
/// thread: it writes the WAL and, every 1,000 pages, SQLite checkpoints inside it, fsyncs
/// included, which must not stall a runtime thread. The writer stays held meanwhile.
async fn finish(state: &mut State) {
    if !state.open {
        return;
    }
    let sql = state.commit_sql();
    let committed = match state.conn.take() {
        None => Err(StoreError::Commit("the database is closed".into())),
        Some(conn) => match tokio::task::spawn_blocking(move || {
            let result = conn.batch(sql);
            (conn, result)
        })
        .await
        {
            Ok((conn, result)) => {
                state.conn = Some(conn);
                result
            }
            Err(e) => Err(StoreError::Commit(format!(
                "the commit did not finish: {e}"
            ))),
        },
    };
    match committed {
        Ok(()) => {
            state.open = false;
            metrics::histogram!("cxbot_sqlite_group_commit_units").record(state.units as f64);
            for w in state.waiting.drain(..) {
                let _ = w.send(Ok(()));
            }
        }
        Err(e) => abort(state, &e.to_string()),
    }
}

fn schedule_flush(state: &mut State, shared: &Arc<Mutex<State>>) {
    if state.flush_scheduled {
        return;
    }
    let Ok(rt) = tokio::runtime::Handle::try_current() else {
        return;
    };
    state.flush_scheduled = true;
    // If the flush task is dropped before it takes the lock (the runtime stopping), the next
    // commit must schedule another flush rather than wait for this one.
    struct Unschedule(Option<Arc<Mutex<State>>>);
    impl Unschedule {
        fn disarm(&mut self) {
            self.0 = None;
        }
    }
    impl Drop for Unschedule {
        fn drop(&mut self) {
            if let Some(state) = self.0.take() {
                if let Ok(mut state) = state.try_lock() {
                    state.flush_scheduled = false;
                }
            }
        }
    }
    let shared = shared.clone();
    let mut unschedule = Unschedule(Some(shared.clone()));
    rt.spawn(async move {
        let mut guard = shared.lock().await;
        unschedule.disarm();
        guard.flush_scheduled = false;
        finish(&mut guard).await;
    });
}
