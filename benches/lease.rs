//! criterion benchmark of the worker's "lease the next 100 due jobs" query with 1,000,000
//! pending jobs (about 100,000 of them due, the rest in the future), on SQLite (a temp file)
//! and on PostgreSQL when `TEST_DATABASE_URL` is set (a fresh database created from it and
//! dropped at the end). Each iteration times `JobStore::lease_jobs(now, now + 60 s, 100)`
//! only; untimed, the leased jobs are then put back as due (behind the others), so the next
//! iteration leases a fresh batch and the due set stays at ~100,000. The query plan
//! (`EXPLAIN QUERY PLAN` / `EXPLAIN ANALYZE`) is printed once per backend.
//!
//! Also here, because it explains the SQLite write figures: `sqlx_sqlite_round_trip`, one
//! `SELECT $1` on one sqlx SQLite connection, i.e. the cost of a statement's round trip to
//! sqlx's connection thread, which SQLite's writer paid once per statement before it moved
//! to rusqlite; and `rusqlite_statement`, the same statement run in place, as it is now.
//!
//! And `sla_due_of_100k/sqlite` (issue 16): the SLA sweep's read, `TicketStore::sla_due`,
//! with 100,000 open tickets whose clocks run (one in a hundred has a warning or breach
//! due), with its query plan: one range of the `tickets_sla_next` index, not a scan.
//!
//! And `daily_summary_of_100k/sqlite` (issue 17): the daily summary's figures
//! (`service::summary::compute`) over a day of 100,000 tickets and 20,000 audit entries.
//!
//! ```text
//! cargo bench --bench lease
//! TEST_DATABASE_URL=postgres://postgres:postgres@127.0.0.1:5432/postgres cargo bench --bench lease
//! ```

use criterion::Criterion;
use cxbot::db::postgres::PgStore;
use cxbot::db::sqlite::SqliteStore;
use cxbot::db::{JobStore, OpenMode, Store, TicketStore};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool};
use sqlx::{AssertSqlSafe, PgPool};
use std::future::Future;
use std::str::FromStr;
use std::time::{Duration, Instant};
use tokio::runtime::Runtime;

const JOBS: i64 = 1_000_000;
/// One job in ten is due.
const DUE_EVERY: i64 = 10;
const BATCH: i64 = 100;
const NOW: i64 = 1_800_000_000_000;
const LEASE_MS: i64 = 60_000;

// Copied from `SqliteStore::LEASE_SQL` and `PgStore::LEASE_SQL` (src/db/sqlite.rs and
// src/db/postgres.rs, private consts), only for printing the plan: the bench itself calls
// `lease_jobs`, so it always measures the real query. Keep these in sync.
const SQLITE_LEASE_SQL: &str = "UPDATE jobs SET locked_until = $1, locked_by = $2, attempts = attempts + 1, updated_at = $3 \
     WHERE id IN (SELECT id FROM jobs WHERE state = 'pending' AND run_at <= $3 \
                  AND (locked_until IS NULL OR locked_until <= $3) ORDER BY run_at, id LIMIT $4) \
     RETURNING id, name, payload, run_at, attempts, locked_until, last_error, dedupe_key, pace_key, paced_at, state";
const PG_LEASE_SQL: &str = "UPDATE jobs SET locked_until = $1, locked_by = $2, attempts = attempts + 1, updated_at = $3 \
     WHERE id IN (SELECT id FROM jobs WHERE state = 'pending' AND run_at <= $3 \
                  AND (locked_until IS NULL OR locked_until <= $3) ORDER BY run_at, id LIMIT $4 \
                  FOR UPDATE SKIP LOCKED) \
     RETURNING id, name, payload, run_at, attempts, locked_until, last_error, dedupe_key, pace_key, paced_at, state";

/// Due jobs run at NOW - i, the rest an hour or more after NOW.
const FILL_SELECT: &str = "SELECT 'bench_job', '{\"ticket\":12345,\"step\":2}', \
     CASE WHEN i % $2 = 0 THEN $3 - i ELSE $3 + 3600000 + i END, 'pending', $3, $3";

/// Leased jobs go back as due at NOW - 1: behind every other due job, so they come round
/// again only after the rest.
fn put_back_sql(ids: &[i64]) -> String {
    let list: Vec<String> = ids.iter().map(i64::to_string).collect();
    format!(
        "UPDATE jobs SET run_at = {}, locked_until = NULL, locked_by = NULL, attempts = attempts - 1 \
         WHERE id IN ({})",
        NOW - 1,
        list.join(",")
    )
}

/// Times `lease_jobs` alone; `put_back` runs untimed after each lease.
fn bench_lease<S, F, Fut>(c: &mut Criterion, rt: &Runtime, name: &str, store: &S, put_back: F)
where
    S: JobStore,
    F: Fn(Vec<i64>) -> Fut,
    Fut: Future<Output = ()>,
{
    c.bench_function(name, |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let t = Instant::now();
                    let rows = store
                        .lease_jobs(NOW, NOW + LEASE_MS, BATCH, "bench")
                        .await
                        .expect("lease");
                    total += t.elapsed();
                    assert_eq!(rows.len() as i64, BATCH, "a full batch of due jobs");
                    put_back(rows.into_iter().map(|r| r.id).collect()).await;
                }
                total
            })
        })
    });
}

fn sqlite(c: &mut Criterion, rt: &Runtime) {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("lease.db").display());
    let (store, raw) = rt.block_on(async {
        let store = SqliteStore::connect(&url, OpenMode::Tool)
            .await
            .expect("sqlite store");
        let opts = SqliteConnectOptions::from_str(&url)
            .expect("url")
            .journal_mode(SqliteJournalMode::Wal)
            .busy_timeout(Duration::from_secs(5));
        let raw = SqlitePool::connect_with(opts).await.expect("raw pool");
        let t = Instant::now();
        let sql = format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1) \
             INSERT INTO jobs (name, payload, run_at, state, created_at, updated_at) {FILL_SELECT} FROM n"
        );
        sqlx::query(AssertSqlSafe(sql))
            .bind(JOBS)
            .bind(DUE_EVERY)
            .bind(NOW)
            .execute(&raw)
            .await
            .expect("fill");
        eprintln!("sqlite: {JOBS} pending jobs inserted in {:.1} s", t.elapsed().as_secs_f64());
        let plan: Vec<(i64, i64, i64, String)> =
            sqlx::query_as(AssertSqlSafe(format!("EXPLAIN QUERY PLAN {SQLITE_LEASE_SQL}")))
                .bind(NOW + LEASE_MS)
                .bind("bench")
                .bind(NOW)
                .bind(BATCH)
                .fetch_all(&raw)
                .await
                .expect("explain");
        eprintln!("sqlite: EXPLAIN QUERY PLAN of the lease query:");
        for (_, _, _, detail) in plan {
            eprintln!("  {detail}");
        }
        (store, raw)
    });
    bench_lease(c, rt, "lease_100_of_1M/sqlite", &store, |ids| {
        let raw = raw.clone();
        async move {
            sqlx::query(AssertSqlSafe(put_back_sql(&ids)))
                .execute(&raw)
                .await
                .expect("put back");
        }
    });
    rt.block_on(async {
        raw.close().await;
        store.close().await;
    });
}

const TICKETS: i64 = 100_000;
// Copied from the sweep's read in src/db/tickets_sql.rs (its column list shortened: the
// plan does not depend on it), only for printing the plan.
const SLA_DUE_SQL: &str =
    "SELECT id FROM tickets WHERE sla_next_at IS NOT NULL AND sla_next_at <= $1 \
     ORDER BY sla_next_at, id LIMIT $2";

fn sla_sweep(c: &mut Criterion, rt: &Runtime) {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("sla.db").display());
    let (store, raw) = rt.block_on(async {
        let store = SqliteStore::connect(&url, OpenMode::Tool)
            .await
            .expect("sqlite store");
        let raw = SqlitePool::connect(&url).await.expect("raw pool");
        let t = Instant::now();
        sqlx::query(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1) \
             INSERT INTO tickets (helpdesk, external_id, kind, status, priority, channel, opened_at, \
             created_at, updated_at, sla_policy, sla_kind, sla_budget_ms, sla_since, sla_due_at, \
             sla_warn_at, sla_next_at) \
             SELECT 'zendesk', 'b' || i, 'social', 'open', 'medium', '#cx-social', $2, $2, $2, 'social', \
             'first', 7200000, $2, $2 + 7200000, $2 + 5400000, \
             CASE WHEN i % 100 = 0 THEN $2 - i ELSE $2 + 3600000 + i END FROM n",
        )
        .bind(TICKETS)
        .bind(NOW)
        .execute(&raw)
        .await
        .expect("fill");
        eprintln!("sqlite: {TICKETS} open tickets with running clocks in {:.1} s", t.elapsed().as_secs_f64());
        let plan: Vec<(i64, i64, i64, String)> =
            sqlx::query_as(AssertSqlSafe(format!("EXPLAIN QUERY PLAN {SLA_DUE_SQL}")))
                .bind(NOW)
                .bind(500)
                .fetch_all(&raw)
                .await
                .expect("explain");
        eprintln!("sqlite: EXPLAIN QUERY PLAN of the SLA sweep's read:");
        for (_, _, _, detail) in plan {
            eprintln!("  {detail}");
        }
        (store, raw)
    });
    c.bench_function("sla_due_of_100k/sqlite", |b| {
        b.iter(|| {
            let due = rt.block_on(store.sla_due(NOW, 500)).expect("sla_due");
            assert_eq!(due.len(), 500);
        })
    });
    rt.block_on(async {
        raw.close().await;
        store.close().await;
    });
}

fn daily_summary(c: &mut Criterion, rt: &Runtime) {
    use cxbot::config::playbook::{Playbook, EXAMPLE_PLAYBOOK};
    use cxbot::service::Services;
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("summary.db").display());
    let services = rt.block_on(async {
        let store = SqliteStore::connect(&url, OpenMode::Tool)
            .await
            .expect("sqlite store");
        let raw = SqlitePool::connect(&url).await.expect("raw pool");
        let day_start = NOW - 86_400_000;
        sqlx::query(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1) \
             INSERT INTO tickets (helpdesk, external_id, kind, status, priority, channel, opened_at, \
             created_at, updated_at, claimed_by, claimed_at) \
             SELECT 'zendesk', 'd' || i, CASE i % 4 WHEN 0 THEN 'missed_call' WHEN 1 THEN 'email' \
             WHEN 2 THEN 'social' ELSE 'ticket' END, 'open', 'medium', '#cx-queue', $2 + i * 800, \
             $2 + i * 800, $2 + i * 800, CASE WHEN i % 5 = 0 THEN 'U' || (i % 40) END, \
             CASE WHEN i % 5 = 0 THEN $2 + i * 800 + 600000 END FROM n",
        )
        .bind(TICKETS)
        .bind(day_start)
        .execute(&raw)
        .await
        .expect("fill tickets");
        sqlx::query(
            "INSERT INTO ticket_audit (ticket_id, action, actor, target, source, detail, at) \
             SELECT id, 'claim', claimed_by, NULL, 'button', NULL, claimed_at FROM tickets \
             WHERE claimed_by IS NOT NULL",
        )
        .execute(&raw)
        .await
        .expect("fill audit");
        raw.close().await;
        let store: cxbot::db::SharedStore = std::sync::Arc::new(store);
        Services {
            store,
            clock: std::sync::Arc::new(cxbot::clock::ManualClock::new(
                chrono::DateTime::from_timestamp_millis(NOW).expect("now"),
            )),
            playbook: std::sync::Arc::new(Playbook::parse(EXAMPLE_PLAYBOOK).expect("playbook")),
            work: std::sync::Arc::new(tokio::sync::Notify::new()),
            writes_to: Vec::new(),
            recorded_events: Default::default(),
        }
    });
    c.bench_function("daily_summary_of_100k/sqlite", |b| {
        b.iter(|| {
            let s = rt
                .block_on(cxbot::service::summary::compute(&services, NOW))
                .expect("summary");
            assert_eq!(s.received.values().map(|(n, _)| n).sum::<i64>(), TICKETS);
        })
    });
    rt.block_on(services.store.close());
}

fn postgres(c: &mut Criterion, rt: &Runtime, base: &str) {
    let name = format!("cxbot_bench_{}", uuid::Uuid::new_v4().simple());
    let (prefix, _) = base
        .rsplit_once('/')
        .expect("TEST_DATABASE_URL names a database");
    let url = format!("{prefix}/{name}");
    let (store, raw) = rt.block_on(async {
        let admin = PgPool::connect(base)
            .await
            .expect("TEST_DATABASE_URL reachable");
        sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&admin)
            .await
            .expect("create database");
        admin.close().await;
        let store = PgStore::connect(&url).await.expect("pg store");
        let raw = PgPool::connect(&url).await.expect("raw pool");
        let t = Instant::now();
        sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO jobs (name, payload, run_at, state, created_at, updated_at) {FILL_SELECT} \
             FROM generate_series(1::bigint, $1::bigint) AS i"
        )))
        .bind(JOBS)
        .bind(DUE_EVERY)
        .bind(NOW)
        .execute(&raw)
        .await
        .expect("fill");
        // Autovacuum would get there; the bench should not depend on its timing.
        sqlx::query("VACUUM ANALYZE jobs")
            .execute(&raw)
            .await
            .expect("analyze");
        eprintln!(
            "postgres: {JOBS} pending jobs inserted in {:.1} s",
            t.elapsed().as_secs_f64()
        );
        // EXPLAIN ANALYZE runs the UPDATE: inside a transaction that is rolled back.
        let mut tx = raw.begin().await.expect("tx");
        let plan: Vec<(String,)> = sqlx::query_as(AssertSqlSafe(format!(
            "EXPLAIN (ANALYZE, BUFFERS) {PG_LEASE_SQL}"
        )))
        .bind(NOW + LEASE_MS)
        .bind("bench")
        .bind(NOW)
        .bind(BATCH)
        .fetch_all(&mut *tx)
        .await
        .expect("explain");
        tx.rollback().await.expect("rollback");
        eprintln!("postgres: EXPLAIN (ANALYZE, BUFFERS) of the lease query:");
        for (line,) in plan {
            eprintln!("  {line}");
        }
        (store, raw)
    });
    bench_lease(c, rt, "lease_100_of_1M/postgres", &store, |ids| {
        let raw = raw.clone();
        async move {
            sqlx::query(
                "UPDATE jobs SET run_at = $1, locked_until = NULL, locked_by = NULL, \
                 attempts = attempts - 1 WHERE id = ANY($2)",
            )
            .bind(NOW - 1)
            .bind(ids)
            .execute(&raw)
            .await
            .expect("put back");
        }
    });
    rt.block_on(async {
        raw.close().await;
        store.close().await;
        let admin = PgPool::connect(base).await.expect("admin");
        sqlx::query(AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
        )))
        .execute(&admin)
        .await
        .expect("drop database");
        admin.close().await;
    });
}

/// One statement's round trip through sqlx's SQLite connection thread, nothing else.
fn round_trip(c: &mut Criterion, rt: &Runtime) {
    use sqlx::{ConnectOptions, Connection};
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("rt.db").display());
    let conn = rt.block_on(async {
        SqliteConnectOptions::from_str(&url)
            .expect("url")
            .create_if_missing(true)
            .connect()
            .await
            .expect("connection")
    });
    let mut conn = conn;
    c.bench_function("sqlx_sqlite_round_trip", |b| {
        b.iter(|| {
            rt.block_on(async {
                let v: i64 = sqlx::query_scalar("SELECT $1")
                    .bind(7_i64)
                    .fetch_one(&mut conn)
                    .await
                    .expect("select");
                std::hint::black_box(v)
            })
        })
    });
    rt.block_on(async { conn.close().await.expect("close") });

    // The same statement run in place, as SQLite's writer and point reads run theirs.
    let direct = rusqlite::Connection::open(dir.path().join("rt.db")).expect("connection");
    c.bench_function("rusqlite_statement", |b| {
        b.iter(|| {
            let mut st = direct.prepare_cached("SELECT $1").expect("prepare");
            st.raw_bind_parameter(1, 7_i64).expect("bind");
            let v: i64 = st
                .raw_query()
                .next()
                .expect("step")
                .expect("a row")
                .get(0)
                .expect("column");
            std::hint::black_box(v)
        })
    });
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let mut c = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5))
        .configure_from_args();
    round_trip(&mut c, &rt);
    sqlite(&mut c, &rt);
    sla_sweep(&mut c, &rt);
    daily_summary(&mut c, &rt);
    match std::env::var("TEST_DATABASE_URL") {
        Ok(base) => postgres(&mut c, &rt, &base),
        Err(_) => eprintln!("postgres: skipped (set TEST_DATABASE_URL to include it)"),
    }
    c.final_summary();
}
