//! SQLite connections driven in place with rusqlite (`exec.rs` says why): the writer's
//! (`sqlite_writer`) and a few readers for the point reads of the ack path.
//!
//! A statement runs on the calling thread, so only reads bounded by an index run here (a
//! ticket, a user's claims, the head of the queue); scans (`/metrics` counts, job lists)
//! stay on sqlx's connection threads, where they cannot hold up the runtime.

use super::exec::{Arg, Conn, Decode};
use super::{StoreError, StoreResult};
use rusqlite::{CachedStatement, Connection, OpenFlags};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, OwnedMutexGuard};

pub(crate) struct SqliteConn(Connection);

impl SqliteConn {
    /// Opens with the readers' settings of `SqliteStore::connect` (the file exists and is
    /// migrated by then).
    pub(crate) fn open(path: &Path, write: bool) -> StoreResult<Self> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(Duration::from_secs(5))?;
        if !write {
            conn.execute_batch("PRAGMA query_only = ON;")?;
        }
        if write {
            conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))?;
            conn.execute_batch("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;")?;
            // A unit's savepoint journals the pages it changes: in memory, not in a temp
            // file (profiled: a tenth of a claim's time went to those writes).
            conn.execute_batch("PRAGMA temp_store = MEMORY;")?;
            // From here on the writer never sleeps in SQLite's busy handler: that would block
            // a runtime thread, and with it the flush another writer's lock may be waiting
            // for. A busy `BEGIN` is retried asynchronously (`sqlite_writer::take_write_lock`).
            conn.busy_timeout(Duration::ZERO)?;
        }
        conn.set_prepared_statement_cache_capacity(128);
        Ok(Self(conn))
    }

    /// Prepares (once, then from the cache) and binds `$N` to `args[N - 1]`.
    fn prepare(&self, sql: &str, args: &[Arg<'_>]) -> StoreResult<CachedStatement<'_>> {
        let mut st = self.0.prepare_cached(sql)?;
        for i in 1..=st.parameter_count() {
            let arg = st
                .parameter_name(i)
                .and_then(|name| name.strip_prefix('$'))
                .and_then(|n| n.parse::<usize>().ok())
                .and_then(|n| args.get(n.wrapping_sub(1)))
                .ok_or_else(|| {
                    StoreError::Corrupt(format!("parameter {i} of `{sql}` has no value"))
                })?;
            match *arg {
                Arg::Int(v) => st.raw_bind_parameter(i, v)?,
                Arg::Text(v) => st.raw_bind_parameter(i, v)?,
                Arg::Bool(v) => st.raw_bind_parameter(i, v)?,
            }
        }
        Ok(st)
    }

    /// Inside a transaction (not in autocommit mode).
    pub(crate) fn in_transaction(&self) -> bool {
        !self.0.is_autocommit()
    }

    /// Statements without parameters (transaction control).
    pub(crate) fn batch(&self, sql: &str) -> StoreResult<()> {
        Ok(self.0.execute_batch(sql)?)
    }

    pub(crate) fn close(self) {
        let _ = self.0.close();
    }
}

impl Conn for SqliteConn {
    async fn exec(&mut self, sql: &'static str, args: &[Arg<'_>]) -> StoreResult<u64> {
        Ok(self.prepare(sql, args)?.raw_execute()? as u64)
    }

    async fn scalar(&mut self, sql: &'static str, args: &[Arg<'_>]) -> StoreResult<Option<i64>> {
        let mut st = self.prepare(sql, args)?;
        let mut rows = st.raw_query();
        let first = match rows.next()? {
            Some(row) => row.get::<_, Option<i64>>(0)?,
            None => None,
        };
        // Run a RETURNING statement to its end, as sqlx does.
        while rows.next()?.is_some() {}
        Ok(first)
    }

    async fn rows<T: Decode>(
        &mut self,
        sql: &'static str,
        args: &[Arg<'_>],
    ) -> StoreResult<Vec<T>> {
        let mut st = self.prepare(sql, args)?;
        let mut rows = st.raw_query();
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(T::from_sqlite(r)?);
        }
        Ok(out)
    }
}

/// A few read-only connections; a read takes whichever is free.
pub(crate) struct Readers {
    conns: Vec<Arc<Mutex<SqliteConn>>>,
    next: AtomicUsize,
}

/// One reader, held for a read.
pub(crate) type Reader = OwnedMutexGuard<SqliteConn>;

impl Readers {
    pub(crate) fn open(path: &Path, n: usize) -> StoreResult<Self> {
        let conns = (0..n.max(1))
            .map(|_| SqliteConn::open(path, false).map(|c| Arc::new(Mutex::new(c))))
            .collect::<StoreResult<_>>()?;
        Ok(Self {
            conns,
            next: AtomicUsize::new(0),
        })
    }

    pub(crate) async fn get(&self) -> Reader {
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        let n = self.conns.len();
        for i in 0..n {
            if let Ok(r) = self.conns[(start + i) % n].clone().try_lock_owned() {
                return r;
            }
        }
        self.conns[start % n].clone().lock_owned().await
    }
}
