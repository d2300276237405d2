//! PostgreSQL connections, pooled with `deadpool` rather than sqlx's own pool.
//!
//! sqlx's pool (0.9) sends the server a round trip (`Sync`, wait for `ReadyForQuery`) each
//! time a connection goes back to the pool, and by default another before handing one out.
//! Only the second can be turned off. A claim uses two connections: its read and its
//! guarded write. With PostgreSQL on the same two cores, those round trips were four of a
//! claim's six, in CPU on both sides (issue 22: 2,775 -> 3,127 claims/s when the release
//! round trip was taken out).
//!
//! What the release round trip guards against is kept, paid only when it is needed:
//! - A connection goes back as it is when the last thing done on it finished: a
//!   statement run through [`Conn`], a transaction committed ([`PgTx::commit`]), an
//!   autocommit unit committed ([`Autocommit::commit`]). The server has answered all of
//!   it, so nothing is left to read or flush.
//! - Otherwise (the request's future was dropped mid-statement by a timeout, a statement
//!   failed, a transaction was dropped without commit, or the connection was lent out raw
//!   with `&mut *lease`) a spawned task settles it first: `ROLLBACK` if a transaction may be
//!   open (so no row lock outlives the request), else a ping. A connection that fails that
//!   is closed, not pooled.
//! - A connection idle for [`IDLE_CHECK`] or more is pinged before it is handed out (the
//!   server or something between may have closed it), as sqlx's documentation suggests for
//!   its own pool; one older than [`MAX_LIFETIME`] is closed and replaced.
//! - Once a connection is found gone (a statement failed on it with an I/O error, or it
//!   could not be settled), each other one is pinged on its next checkout: after a server
//!   restart, one request meets a dead connection, not one per pooled connection.

use super::exec::{Arg, Conn, Decode};
use super::{StoreError, StoreResult};
use deadpool::managed::{Manager, Metrics, Object, Pool, PoolError, RecycleError, RecycleResult};
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection, PgConnection};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How long a connection may sit idle before it is pinged when next handed out.
pub(crate) const IDLE_CHECK: Duration = Duration::from_secs(30);

/// How long a connection is kept at all (sqlx's pool default): a backend's caches grow
/// with what it has served, and a server-side change of settings reaches new ones.
pub(crate) const MAX_LIFETIME: Duration = Duration::from_secs(30 * 60);

pub(crate) struct Connector {
    options: PgConnectOptions,
    /// When a connection was last found gone, in nanoseconds after `base`, plus one (0:
    /// never). Every connection checked out before then is pinged on its next checkout:
    /// when the server restarts, the first request to meet a dead connection fails, and the
    /// others' dead connections are found by the ping instead of by a request each.
    suspect: AtomicU64,
    base: Instant,
}

impl Connector {
    fn suspect_all(&self) {
        let at = self.base.elapsed().as_nanos() as u64 + 1;
        self.suspect.fetch_max(at, Ordering::Relaxed);
    }

    /// Was this connection last handed out before a connection was found gone?
    fn suspected(&self, metrics: &Metrics) -> bool {
        match self.suspect.load(Ordering::Relaxed) {
            0 => false,
            at => {
                metrics.recycled.unwrap_or(metrics.created)
                    < self.base + Duration::from_nanos(at - 1)
            }
        }
    }
}

impl Manager for Connector {
    type Type = PgConnection;
    type Error = sqlx::Error;

    async fn create(&self) -> Result<PgConnection, sqlx::Error> {
        // Boxed: the connect future (TLS handshake, start-up) is 3.4 KB, and deadpool's
        // timeouts hold it twice over, so inline it made every checkout's future 10.5 KB,
        // and with it every store call's, which `async_trait` then copies into a box per
        // call. Boxed, it is allocated only when a connection is made.
        Box::pin(self.options.connect()).await
    }

    async fn recycle(
        &self,
        conn: &mut PgConnection,
        metrics: &Metrics,
    ) -> RecycleResult<sqlx::Error> {
        if metrics.age() >= MAX_LIFETIME {
            return Err(RecycleError::Message("past its lifetime".into()));
        }
        if metrics.last_used() >= IDLE_CHECK || self.suspected(metrics) {
            conn.ping().await?;
        }
        Ok(())
    }
}

/// A replica's connections to the server.
pub(crate) struct PgConns {
    pool: Pool<Connector>,
}

impl PgConns {
    pub(crate) fn new(
        options: PgConnectOptions,
        size: usize,
        wait: Duration,
        connect: Duration,
    ) -> Self {
        let pool = Pool::builder(Connector {
            options,
            suspect: AtomicU64::new(0),
            base: Instant::now(),
        })
        .max_size(size)
        .runtime(deadpool::Runtime::Tokio1)
        .wait_timeout(Some(wait))
        .create_timeout(Some(connect))
        .recycle_timeout(Some(connect))
        .build()
        .expect("a pool with a runtime and its timeouts builds");
        Self { pool }
    }

    /// A connection, as it was left (see the module's notes).
    pub(crate) async fn get(&self) -> StoreResult<Lease> {
        let obj = self.pool.get().await.map_err(|e| match e {
            PoolError::Backend(e) => e,
            PoolError::Timeout(_) => sqlx::Error::PoolTimedOut,
            _ => sqlx::Error::PoolClosed,
        })?;
        Ok(Lease {
            obj: Some(obj),
            settled: true,
            in_tx: false,
        })
    }

    /// Closes the idle connections politely (`Terminate`), then the pool: a connection in
    /// use is closed when it comes back.
    pub(crate) async fn close(&self) {
        let idle = self.pool.retain(|_, _| false).removed;
        self.pool.close();
        for conn in idle {
            let _ = conn.close().await;
        }
    }
}

/// A connection out of the pool. Statements through [`Conn`] keep track of whether it can
/// go back as it is; `&mut *lease` (raw sqlx use) cannot, so it is settled on return.
pub(crate) struct Lease {
    obj: Option<Object<Connector>>,
    /// The last thing done on it finished: it goes back without a round trip.
    settled: bool,
    /// A transaction may be open on it: it is rolled back before it goes back.
    in_tx: bool,
}

impl Lease {
    fn conn(&mut self) -> &mut PgConnection {
        self.obj
            .as_mut()
            .expect("a lease holds its connection until dropped")
    }
}

impl std::ops::Deref for Lease {
    type Target = PgConnection;
    fn deref(&self) -> &PgConnection {
        self.obj
            .as_ref()
            .expect("a lease holds its connection until dropped")
    }
}

impl std::ops::DerefMut for Lease {
    fn deref_mut(&mut self) -> &mut PgConnection {
        self.settled = false;
        self.conn()
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        let Some(obj) = self.obj.take() else { return };
        if self.settled {
            return; // back to the pool
        }
        let rollback = self.in_tx;
        match tokio::runtime::Handle::try_current() {
            Ok(rt) => {
                rt.spawn(settle(obj, rollback));
            }
            // No runtime (the process is ending): close it rather than pool it unsettled.
            Err(_) => drop(Object::take(obj)),
        }
    }
}

/// Reads what a dropped statement left and ends a transaction left open; a connection
/// that cannot is closed.
async fn settle(mut obj: Object<Connector>, rollback: bool) {
    let done = if rollback {
        sqlx::raw_sql("ROLLBACK")
            .execute(&mut *obj)
            .await
            .map(|_| ())
    } else {
        obj.ping().await
    };
    if let Err(e) = done {
        tracing::debug!(error = %e, "a PostgreSQL connection could not be settled; closed");
        if let Some(pool) = Object::pool(&obj) {
            pool.manager().suspect_all();
        }
        drop(Object::take(obj));
    }
}

impl Lease {
    /// A statement failed: if the connection itself is gone (not an error in the
    /// statement), the others may be too, so each is pinged on its next checkout.
    fn failed(&self, e: &StoreError) {
        let lost = match e {
            StoreError::Database(
                sqlx::Error::Io(_) | sqlx::Error::Tls(_) | sqlx::Error::Protocol(_),
            ) => true,
            // The server ending the session: a shutdown or restart (57P01-57P03), or a
            // connection failure it reports itself (class 08).
            StoreError::Database(sqlx::Error::Database(d)) => d
                .code()
                .is_some_and(|c| c.starts_with("57P") || c.starts_with("08")),
            _ => false,
        };
        if let Some(pool) = self.obj.as_ref().filter(|_| lost).and_then(Object::pool) {
            pool.manager().suspect_all();
        }
    }
}

/// Runs `$op` on the lease's connection, marking it settled only when it finishes.
macro_rules! tracked {
    ($lease:expr, $op:ident($($arg:expr),*)) => {{
        $lease.settled = false;
        match <PgConnection as Conn>::$op($lease.conn(), $($arg),*).await {
            Ok(out) => {
                $lease.settled = true;
                Ok(out)
            }
            Err(e) => {
                $lease.failed(&e);
                Err(e)
            }
        }
    }};
}

impl Conn for Lease {
    async fn exec(&mut self, sql: &'static str, args: &[Arg<'_>]) -> StoreResult<u64> {
        tracked!(self, exec(sql, args))
    }

    async fn scalar(&mut self, sql: &'static str, args: &[Arg<'_>]) -> StoreResult<Option<i64>> {
        tracked!(self, scalar(sql, args))
    }

    async fn rows<T: Decode>(
        &mut self,
        sql: &'static str,
        args: &[Arg<'_>],
    ) -> StoreResult<Vec<T>> {
        tracked!(self, rows(sql, args))
    }
}

/// A transaction on a leased connection: `BEGIN` ... [`commit`](Self::commit). Dropped
/// without commit, it is rolled back before the connection is pooled again.
pub(crate) struct PgTx(Lease);

impl PgTx {
    pub(crate) async fn begin(mut lease: Lease) -> StoreResult<Self> {
        lease.settled = false;
        lease.in_tx = true;
        sqlx::raw_sql("BEGIN").execute(lease.conn()).await?;
        Ok(Self(lease))
    }

    pub(crate) async fn commit(mut self) -> StoreResult<()> {
        sqlx::raw_sql("COMMIT").execute(self.0.conn()).await?;
        self.0.in_tx = false;
        self.0.settled = true;
        Ok(())
    }
}

impl std::ops::Deref for PgTx {
    type Target = PgConnection;
    fn deref(&self) -> &PgConnection {
        &self.0
    }
}

impl std::ops::DerefMut for PgTx {
    fn deref_mut(&mut self) -> &mut PgConnection {
        &mut self.0
    }
}

/// A leased connection in autocommit, shaped like a transaction so the shared SQL can
/// write `begin_single()` ... `commit()` for both stores. Reaching `commit` means every
/// statement before it finished.
pub(crate) struct Autocommit(pub(crate) Lease);

impl Autocommit {
    pub(crate) async fn commit(mut self) -> StoreResult<()> {
        self.0.settled = true;
        Ok(())
    }
}

impl std::ops::Deref for Autocommit {
    type Target = PgConnection;
    fn deref(&self) -> &PgConnection {
        &self.0
    }
}

impl std::ops::DerefMut for Autocommit {
    fn deref_mut(&mut self) -> &mut PgConnection {
        &mut self.0
    }
}
