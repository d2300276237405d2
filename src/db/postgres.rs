//! PostgreSQL: for several replicas behind a load balancer. Jobs are leased with
//! `FOR UPDATE SKIP LOCKED`, so replicas split the work and never run one job at once.

use super::claims_sql::impl_claim_store;
use super::directives_sql::impl_directive_store;
use super::exec::{args, Conn};
use super::followups_sql::impl_followup_store;
use super::helpdesk_sql::impl_helpdesk_store;
use super::jobs::{coalesced_in_batch, push_job_args, JOB_BATCH};
use super::pg_pool::{Autocommit, Lease, PgConns, PgTx};
use super::queue_sql::impl_queue_store;
use super::shared::impl_shared_store;
use super::shifts_sql::impl_shift_store;
use super::slack_sql::impl_slack_store;
use super::tickets_sql::impl_ticket_store;
use super::{Backend, NewJob, Store, StoreError, StoreResult};
use async_trait::async_trait;
use sqlx::postgres::PgConnectOptions;
use sqlx::ConnectOptions;
use sqlx::PgConnection;
use std::collections::HashMap;
use std::str::FromStr;
use std::sync::{OnceLock, RwLock};
use std::time::Duration;

pub struct PgStore {
    pub(crate) pool: PgConns,
}

impl PgStore {
    const LEASE_SQL: &'static str = "UPDATE jobs SET locked_until = $1, locked_by = $2, attempts = attempts + 1, updated_at = $3 \
         WHERE id IN (SELECT id FROM jobs WHERE state = 'pending' AND run_at <= $3 \
                      AND (locked_until IS NULL OR locked_until <= $3) ORDER BY run_at, id LIMIT $4 \
                      FOR UPDATE SKIP LOCKED) \
         RETURNING id, name, payload, run_at, attempts, locked_until, last_error, dedupe_key, pace_key, paced_at, state, created_at";
    const PACE_SQL: &'static str = "INSERT INTO pace_slots (pace_key, next_at) VALUES ($1, $2 + $3) \
         ON CONFLICT (pace_key) DO UPDATE SET next_at = GREATEST(pace_slots.next_at, $2) + $3 RETURNING next_at";
    /// `PACE_SQL` for several jobs, each put back until its slot when that is later than
    /// now: one round trip for a leased batch (`pace_turns_sql`).
    const PACE_TURNS_SQL: Option<fn(usize) -> &'static str> = Some(pace_turns_sql);
    /// The customer an intake names (by email or phone), updated with what the helpdesk says
    /// now, or recorded: the find, then the UPDATE or the INSERT, in one round trip. Answers
    /// the id, negated when the customer is new.
    const UPSERT_CUSTOMER_SQL: Option<&'static str> = Some(concat!(
        "WITH ",
        customer_upsert!("TRUE"),
        " SELECT id FROM upd UNION ALL SELECT -id FROM ins"
    ));
    /// An intake's lookup (`intake_lookup`) in one round trip instead of three: the inbox
    /// key ($7, $8, at $6), then, only if it is new, the customer upsert of
    /// `UPSERT_CUSTOMER_SQL` (an event naming no email and no phone records none); the
    /// ticket ($9, $10), if any; and when there is none, a new ticket's id taken from the
    /// sequence (an event that ends up updating another ticket leaves a gap in the ids, as
    /// a rolled-back insert does).
    ///
    /// The ticket is read `FOR UPDATE`: an event of a ticket another transaction is writing
    /// waits for it to commit and is planned on what it wrote (read plainly, both would plan
    /// on the same old row, and the later write would undo the earlier). It is read after
    /// the inbox row and the customer are written (`h`, which the `LATERAL` read depends
    /// on), so locks are taken in the order the old statements took them: the customer's row
    /// first, which puts the events of one customer one after the other before any of them
    /// locks a ticket (the ticket first, and an event marking the customer's other ticket
    /// deadlocked with an event of that ticket). A repeated event reads no ticket. Two
    /// events that both create a ticket cannot wait on a row not yet there: the second
    /// one's INSERT fails on the unique key and `record_intake` runs it again.
    const INTAKE_LOOKUP_SQL: Option<&'static str> = Some(concat!(
        "WITH i AS (INSERT INTO event_inbox (event_key, source, received_at) VALUES ($7, $8, $6) \
         ON CONFLICT DO NOTHING RETURNING 1), ",
        customer_upsert!("EXISTS (SELECT 1 FROM i) AND ($1 IS NOT NULL OR $2 IS NOT NULL)"),
        ", c AS (SELECT id, FALSE AS new FROM upd UNION ALL SELECT id, TRUE FROM ins), \
         h AS MATERIALIZED (SELECT (SELECT COUNT(*) FROM i) AS fresh, (SELECT id FROM c) AS found_customer, \
         COALESCE((SELECT new FROM c), FALSE) AS new_customer) \
         SELECT ", crate::db::tickets::ticket_columns!(), ", h.fresh, h.found_customer, h.new_customer, \
         CASE WHEN t.id IS NULL AND h.fresh = 1 THEN nextval('tickets_id_seq') END AS next_id \
         FROM h LEFT JOIN LATERAL (SELECT * FROM tickets WHERE helpdesk = $9 AND external_id = $10 \
         AND h.fresh = 1 FOR UPDATE) AS t ON TRUE"
    ));
    const NEXT_TICKET_ID_SQL: &'static str = "SELECT nextval('tickets_id_seq')";
    /// A guarded change (claim, release, escalate, ...) is one statement.
    const GUARDED_CHANGE_SQL: Option<super::jobs::GuardedChangeSql> = Some(guarded_change_sql);
    /// A job done, and the message it posted ($3, $4, $5, when given) recorded: one round
    /// trip instead of a transaction of four. A keyed or recurring job stays as 'done' (its
    /// key keeps deduplicating), the rest go: the two conditions are disjoint, so the
    /// DELETE and the UPDATE never touch the same row.
    const COMPLETE_SQL: Option<&'static str> = Some(
        "WITH m AS (INSERT INTO slack_messages (msg_key, channel, ts, posted_at) SELECT $3, $4, $5, $2 \
         WHERE $3 IS NOT NULL ON CONFLICT (msg_key) DO UPDATE SET channel = excluded.channel, ts = excluded.ts), \
         d AS (DELETE FROM jobs WHERE id = $1 AND dedupe_key IS NULL AND recurring = 0) \
         UPDATE jobs SET state = 'done', locked_until = NULL, last_error = NULL, updated_at = $2 \
         WHERE id = $1 AND (dedupe_key IS NOT NULL OR recurring <> 0)",
    );
    const PUSH_PACE_SQL: &'static str =
        "INSERT INTO pace_slots (pace_key, next_at, last_sent_at) VALUES ($1, $2, $3) \
         ON CONFLICT (pace_key) DO UPDATE SET next_at = GREATEST(pace_slots.next_at, $2), \
         last_sent_at = GREATEST(pace_slots.last_sent_at, $3)";

    /// A change's jobs, in one INSERT of at most [`JOB_BATCH`] rows (each statement is a
    /// round trip to the server, and a claim queues five jobs). A job that coalesces with one
    /// waiting, or with an earlier one of this change, is left out, and the waiting one is
    /// locked until this transaction commits: the worker's `SKIP LOCKED` lease then cannot
    /// run it (and render the state before this change) in between.
    ///
    /// No job takes its channel's pace slot here: a channel's slot is one row, and every
    /// request posting to that channel would queue on its row lock until commit (seen in
    /// issue 7: claims held at the fsync rate). The worker takes slots as it leases jobs,
    /// outside request transactions.
    async fn insert_jobs<C: Conn>(conn: &mut C, jobs: &[NewJob], now: i64) -> StoreResult<()> {
        let wanted = coalesced_in_batch(jobs);
        for chunk in wanted.chunks(JOB_BATCH) {
            let mut args = Vec::with_capacity(1 + chunk.len() * 8);
            push_job_args(&mut args, chunk, now);
            conn.exec(insert_jobs_sql(chunk.len()), &args).await?;
        }
        Ok(())
    }

    /// Connections a replica keeps to the server. On the 2-core test machine, with the
    /// server beside cxbot, 8 carried 10-20% more intake than 16 (fewer backends competing
    /// for the cores, still enough to fill each commit's fsync) and as many claims; 4 and 6
    /// carried less (issue 7).
    const POOL_SIZE: usize = 8;

    /// How long a request waits for a free connection before it fails.
    const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

    /// How long a first connection may take: a server that does not answer is reported
    /// by name in seconds, not after the pool's retries.
    const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

    pub async fn connect(url: &str) -> StoreResult<Self> {
        let (options, target) = Self::options(url)?;
        // One connection first: its failure is the real one (refused, TLS, password), where
        // the pool's would be "pool timed out".
        let mut first = Self::connect_once(&options, &target).await?;
        sqlx::migrate!("migrations/postgres")
            .run(&mut first)
            .await?;
        let _ = sqlx::Connection::close(first).await;
        let pool = PgConns::new(
            options,
            Self::POOL_SIZE,
            Self::ACQUIRE_TIMEOUT,
            Self::CONNECT_TIMEOUT,
        );
        Ok(Self { pool })
    }

    /// A connection and nothing else (`cxbot check`).
    pub(crate) async fn probe(url: &str) -> StoreResult<String> {
        let (options, target) = Self::options(url)?;
        let conn = Self::connect_once(&options, &target).await?;
        let _ = sqlx::Connection::close(conn).await;
        Ok(format!(
            "PostgreSQL at {target}, database {} (connected)",
            options.get_database().unwrap_or(options.get_username())
        ))
    }

    fn options(url: &str) -> StoreResult<(PgConnectOptions, String)> {
        let options = PgConnectOptions::from_str(url).map_err(|e| {
            StoreError::Open(format!(
                "DATABASE_URL is not a PostgreSQL URL cxbot can use ({}): expected postgres://USER:PASSWORD@HOST:PORT/DATABASE",
                super::cause(&e)
            ))
        })?;
        let target = match options.get_socket() {
            Some(dir) => dir.display().to_string(),
            None => format!("{}:{}", options.get_host(), options.get_port()),
        };
        Ok((options, target))
    }

    async fn connect_once(options: &PgConnectOptions, target: &str) -> StoreResult<PgConnection> {
        match tokio::time::timeout(Self::CONNECT_TIMEOUT, options.connect()).await {
            Ok(Ok(conn)) => Ok(conn),
            Ok(Err(e)) => Err(unreachable(target, &super::cause(&e))),
            Err(_) => Err(unreachable(
                target,
                &format!("no answer within {} s", Self::CONNECT_TIMEOUT.as_secs()),
            )),
        }
    }

    async fn begin_write(&self) -> StoreResult<PgTx> {
        PgTx::begin(self.pool.get().await?).await
    }

    /// A pooled connection for a read.
    async fn reader(&self) -> StoreResult<Lease> {
        self.pool.get().await
    }

    /// A pooled connection for sqlx's own query builders (the shared SQL's list reads).
    async fn sqlx_reader(&self) -> StoreResult<Lease> {
        self.pool.get().await
    }

    /// One statement on its own: PostgreSQL has row locks, so it runs on any pooled
    /// connection in autocommit.
    async fn begin_single(&self) -> StoreResult<Autocommit> {
        Ok(Autocommit(self.pool.get().await?))
    }
}

/// The PostgreSQL server at `target` could not be reached or refused cxbot.
fn unreachable(target: &str, cause: &str) -> StoreError {
    StoreError::Open(format!(
        "cannot connect to PostgreSQL at {target}: {cause}. Check that the server is running and \
         that DATABASE_URL's host, port, user, password and database are right (a server that \
         requires TLS needs ?sslmode=require)"
    ))
}

/// The customer upsert's CTEs `found`, `upd` (the customer matched, updated) and `ins` (a
/// new one), both writes run only when `$guard` holds; parameters `$1` email, `$2` phone
/// key, `$3` name, `$4` phone, `$5` order id, `$6` now.
macro_rules! customer_upsert {
    ($guard:literal) => {
        concat!(
            "found AS (SELECT id FROM ", crate::db::tickets::customers_matching!(), " ORDER BY id LIMIT 1), \
             upd AS (UPDATE customers SET name = COALESCE($3, name), email = COALESCE($1, email), \
             phone = COALESCE($4, phone), phone_key = COALESCE($2, phone_key), order_id = COALESCE($5, order_id), \
             updated_at = $6 WHERE id IN (SELECT id FROM found) AND ", $guard, " RETURNING id), \
             ins AS (INSERT INTO customers (name, email, phone, phone_key, order_id, created_at, updated_at) \
             SELECT $3, $1, $4, $2, $5, $6, $6 WHERE NOT EXISTS (SELECT 1 FROM found) AND ", $guard, " RETURNING id)"
        )
    };
}

use customer_upsert;

/// The INSERT of `n` jobs (1 to [`JOB_BATCH`]), each left out when a job with its coalesce
/// key waits (and that one locked). Built once per size.
fn insert_jobs_sql(n: usize) -> &'static str {
    static SQL: OnceLock<Shapes<usize>> = OnceLock::new();
    cached(&SQL, n, || jobs_insert(1, n, "TRUE"))
}

/// One statement for a guarded change (see `guarded_update`): the conditional write
/// (`update`, parameters `$1..$k`), then, only if it wrote its row, the audit row (six
/// parameters) and `n` jobs (now, then eight a job). Answers 1 if it wrote the row.
/// Built once per shape (keyed by the write's text): a few UPDATEs and the inbox INSERT,
/// with or without audit, 0 to [`JOB_BATCH`] jobs.
///
/// Unlike the one-by-one path, the jobs' coalescing check sees the statement's snapshot,
/// taken before the UPDATE waits for a row lock: a job that a concurrent change of the same
/// ticket queued meanwhile is not seen, and one more re-render or App Home refresh is
/// queued. That costs a Slack call, never a lost one.
fn guarded_change_sql(update: &'static str, k: usize, audit: bool, n: usize) -> &'static str {
    static SQL: OnceLock<Shapes<(&'static str, usize, bool, usize)>> = OnceLock::new();
    cached(&SQL, (update, k, audit, n), || {
        build_guarded_change(update, k, audit, n)
    })
}

/// Statements built once per shape, kept for the life of the process (a handful of shapes:
/// sqlx prepares each once per connection).
type Shapes<K> = RwLock<HashMap<K, &'static str>>;

fn cached<K: std::hash::Hash + Eq>(
    shapes: &'static OnceLock<Shapes<K>>,
    key: K,
    build: impl FnOnce() -> String,
) -> &'static str {
    let shapes = shapes.get_or_init(Default::default);
    if let Some(sql) = shapes.read().unwrap_or_else(|e| e.into_inner()).get(&key) {
        return sql;
    }
    let mut shapes = shapes.write().unwrap_or_else(|e| e.into_inner());
    shapes
        .entry(key)
        .or_insert_with(|| Box::leak(build().into_boxed_str()))
}

fn build_guarded_change(update: &str, k: usize, audit: bool, n: usize) -> String {
    // `*`: a ticket's `id` for the audit row; an inbox row has no `id`, and no audit.
    let mut sql = format!("WITH t AS ({update} RETURNING *)");
    let mut next = k + 1;
    if audit {
        let p: Vec<String> = (next..next + 6).map(|i| format!("${i}")).collect();
        sql += &format!(
            ", a AS (INSERT INTO ticket_audit (ticket_id, action, actor, target, source, detail, at) \
             SELECT t.id, {} FROM t)",
            p.join(", ")
        );
        next += 6;
    }
    if n > 0 {
        sql += &format!(
            ", j AS ({})",
            jobs_insert(next, n, "EXISTS (SELECT 1 FROM t)")
        );
    }
    sql += " SELECT COUNT(*) FROM t";
    sql
}

/// The pace turns of `n` leased jobs (`take_pace_turns`): `$1` now, `$2` the interval, then
/// each job's id and pace key. Each channel's slot row moves on by its number of jobs, once
/// (a statement may not update a row twice), in key order (two replicas lock shared rows
/// in the same order: no deadlock); a channel's jobs take its slots in the order given;
/// a job whose slot is later than now is put back until then. Answers the slots in the
/// order given.
fn pace_turns_sql(n: usize) -> &'static str {
    static SQL: OnceLock<Shapes<usize>> = OnceLock::new();
    cached(&SQL, n, || {
        let rows: Vec<String> = (0..n)
            .map(|i| format!("(${}::bigint, ${}::text, {})", 3 + 2 * i, 4 + 2 * i, i + 1))
            .collect();
        format!(
            "WITH v (id, key, ord) AS (VALUES {}), \
             k AS (SELECT key, COUNT(*) AS c FROM v GROUP BY key), \
             s AS (INSERT INTO pace_slots (pace_key, next_at) SELECT key, $1 + c * $2 FROM k ORDER BY key \
                   ON CONFLICT (pace_key) DO UPDATE SET next_at = GREATEST(pace_slots.next_at, $1) + excluded.next_at - $1 \
                   RETURNING pace_key, next_at), \
             r AS (SELECT v.id, v.ord, \
                   s.next_at - (k.c - ROW_NUMBER() OVER (PARTITION BY v.key ORDER BY v.ord) + 1) * $2 AS slot \
                   FROM v JOIN k ON k.key = v.key JOIN s ON s.pace_key = v.key), \
             d AS (UPDATE jobs SET run_at = r.slot, locked_until = NULL, attempts = jobs.attempts - 1, \
                   paced_at = r.slot, updated_at = $1 FROM r WHERE jobs.id = r.id AND r.slot > $1) \
             SELECT slot FROM r ORDER BY ord",
            rows.join(", ")
        )
    })
}

/// INSERT of `n` jobs whose parameters start at `$first` (now), eight a job after it, when
/// `guard` holds; a job is left out while one with its coalesce key waits unleased (and
/// that one is locked until commit, so the worker's `SKIP LOCKED` lease cannot run it in
/// between).
fn jobs_insert(first: usize, n: usize, guard: &str) -> String {
    let rows: Vec<String> = (0..n)
        .map(|i| {
            let p: Vec<String> = (0..8)
                .map(|c| format!("${}", first + 1 + i * 8 + c))
                .collect();
            format!("({})", p.join(", "))
        })
        .collect();
    format!(
        "INSERT INTO jobs (name, payload, run_at, dedupe_key, recurring, pace_key, paced_at, coalesce_key, \
         state, created_at, updated_at) \
         SELECT v.name, v.payload, v.run_at, v.dedupe_key, v.recurring, v.pace_key, v.paced_at, v.coalesce_key, \
         'pending', ${first}, ${first} \
         FROM (VALUES {}) AS v (name, payload, run_at, dedupe_key, recurring, pace_key, paced_at, coalesce_key) \
         WHERE {guard} AND (v.coalesce_key IS NULL OR NOT EXISTS (SELECT 1 FROM jobs w \
         WHERE w.coalesce_key = v.coalesce_key AND w.state = 'pending' AND w.locked_until IS NULL \
         AND w.attempts = 0 FOR UPDATE)) \
         ON CONFLICT DO NOTHING",
        rows.join(", ")
    )
}

impl_shared_store!(PgStore);
impl_ticket_store!(PgStore);
impl_followup_store!(PgStore);
impl_shift_store!(PgStore);
impl_directive_store!(PgStore);
impl_helpdesk_store!(PgStore);
impl_claim_store!(PgStore);
impl_queue_store!(PgStore);
impl_slack_store!(PgStore);

#[async_trait]
impl Store for PgStore {
    fn backend(&self) -> Backend {
        Backend::Postgres
    }

    async fn ping(&self) -> StoreResult<()> {
        self.pool.get().await?.exec("SELECT 1", args![]).await?;
        Ok(())
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}
