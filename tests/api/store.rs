//! The store conformance suite: the same cases on SQLite and, when TEST_DATABASE_URL is
//! set, on PostgreSQL.

use crate::helpers::*;
use cxbot::db::{self, JobState, NewJob, OpenMode, PostedMessage, SharedStore};
use std::collections::HashSet;

fn job(payload: &str, run_at: i64) -> NewJob {
    NewJob {
        name: "test_job",
        payload: payload.to_string(),
        run_at,
        dedupe_key: None,
        recurring: false,
        pace_key: None,
        coalesce_key: None,
    }
}

#[tokio::test]
async fn leases_due_jobs_in_order_and_not_twice() {
    for backend in backends() {
        let (store, _db) = open(backend).await;
        store
            .enqueue(&[job("b", 200), job("a", 100), job("future", 1_000_000)], 0)
            .await
            .unwrap();
        let leased = store.lease_jobs(1_000, 61_000, 10, "w1").await.unwrap();
        let payloads: Vec<_> = leased.iter().map(|j| j.payload.as_str()).collect();
        assert_eq!(payloads, vec!["a", "b"], "{backend:?}");
        assert!(leased.iter().all(|j| j.attempts == 1));
        assert!(
            store
                .lease_jobs(1_000, 61_000, 10, "w2")
                .await
                .unwrap()
                .is_empty(),
            "{backend:?}: leased jobs are not leased again"
        );
        // The lease runs out (the process died): the job is leased again.
        let again = store.lease_jobs(61_000, 121_000, 10, "w2").await.unwrap();
        assert_eq!(again.len(), 2, "{backend:?}");
        assert!(again.iter().all(|j| j.attempts == 2));
    }
}

#[tokio::test]
async fn complete_deletes_and_records_the_posted_message_together() {
    for backend in backends() {
        let (store, _db) = open(backend).await;
        store.enqueue(&[job("x", 0)], 0).await.unwrap();
        let j = store.lease_jobs(0, 1_000, 1, "w").await.unwrap().remove(0);
        let posted = PostedMessage {
            msg_key: "card:1".into(),
            channel: "C1".into(),
            ts: "1.1".into(),
        };
        store.complete_job(j.id, 5, Some(&posted)).await.unwrap();
        assert_eq!(
            store.posted_message("card:1").await.unwrap(),
            Some(posted),
            "{backend:?}"
        );
        assert!(store.list_jobs(JobState::Pending).await.unwrap().is_empty());
        assert!(
            store.list_jobs(JobState::Done).await.unwrap().is_empty(),
            "unkeyed jobs are deleted"
        );

        // A keyed job stays as done, and a message posted again under the same key
        // replaces the one recorded.
        let mut keyed = job("y", 0);
        keyed.dedupe_key = Some("post:1".into());
        store.enqueue(&[keyed], 6).await.unwrap();
        let j = store.lease_jobs(6, 1_000, 1, "w").await.unwrap().remove(0);
        let again = PostedMessage {
            msg_key: "card:1".into(),
            channel: "C2".into(),
            ts: "2.2".into(),
        };
        store.complete_job(j.id, 7, Some(&again)).await.unwrap();
        assert_eq!(
            store.posted_message("card:1").await.unwrap(),
            Some(again),
            "{backend:?}"
        );
        let done = store.list_jobs(JobState::Done).await.unwrap();
        assert_eq!(done.len(), 1, "{backend:?}: the keyed job is kept as done");
        assert_eq!((done[0].id, done[0].locked_until), (j.id, None));
    }
}

#[tokio::test]
async fn dedupe_keys_and_recurring_slots_are_unique() {
    for backend in backends() {
        let (store, _db) = open(backend).await;
        let mut a = job("first", 0);
        a.dedupe_key = Some("remind:1:step:2".into());
        let mut b = job("second", 0);
        b.dedupe_key = Some("remind:1:step:2".into());
        store.enqueue(&[a.clone()], 0).await.unwrap();
        store.enqueue(&[b], 0).await.unwrap();
        let pending = store.list_jobs(JobState::Pending).await.unwrap();
        assert_eq!(pending.len(), 1, "{backend:?}");
        assert_eq!(pending[0].payload, "first");
        // Done keyed jobs keep their key: a late duplicate is still ignored.
        let j = store.lease_jobs(0, 1_000, 1, "w").await.unwrap().remove(0);
        store.complete_job(j.id, 1, None).await.unwrap();
        store.enqueue(&[a], 2).await.unwrap();
        assert!(
            store.list_jobs(JobState::Pending).await.unwrap().is_empty(),
            "{backend:?}"
        );

        let mut d1 = job("digest", 86_400_000);
        d1.recurring = true;
        let d2 = d1.clone();
        store.enqueue(&[d1], 0).await.unwrap();
        store.enqueue(&[d2], 0).await.unwrap();
        assert_eq!(
            store.list_jobs(JobState::Pending).await.unwrap().len(),
            1,
            "{backend:?}: one digest per slot"
        );
    }
}

#[tokio::test]
async fn retry_defer_and_park() {
    for backend in backends() {
        let (store, _db) = open(backend).await;
        store.enqueue(&[job("x", 0)], 0).await.unwrap();
        let j = store.lease_jobs(0, 1_000, 1, "w").await.unwrap().remove(0);
        store.retry_job(j.id, 5_000, "HTTP 500", 0).await.unwrap();
        assert!(
            store
                .lease_jobs(4_999, 9_000, 1, "w")
                .await
                .unwrap()
                .is_empty(),
            "{backend:?}"
        );
        let j = store
            .lease_jobs(5_000, 9_000, 1, "w")
            .await
            .unwrap()
            .remove(0);
        assert_eq!(j.attempts, 2);
        assert_eq!(j.last_error.as_deref(), Some("HTTP 500"));
        store
            .defer_job(j.id, 7_000, true, Some("rate limited"), 5_000)
            .await
            .unwrap();
        let j = store
            .lease_jobs(7_000, 9_000, 1, "w")
            .await
            .unwrap()
            .remove(0);
        assert_eq!(
            j.attempts, 2,
            "{backend:?}: a deferral is not a failed attempt"
        );
        assert_eq!(j.paced_at, Some(7_000));
        store
            .park_job(j.id, "channel_not_found", 7_000)
            .await
            .unwrap();
        let dead = store.list_jobs(JobState::Dead).await.unwrap();
        assert_eq!(dead.len(), 1);
        assert_eq!(dead[0].last_error.as_deref(), Some("channel_not_found"));
        assert!(
            store
                .lease_jobs(100_000, 200_000, 1, "w")
                .await
                .unwrap()
                .is_empty(),
            "dead jobs never run"
        );
    }
}

/// Leased jobs take their channels' next slots, a channel's in the order given, in one
/// write; one whose slot is later is put back until then, holding that slot (paced_at),
/// its attempt not counted.
#[tokio::test]
async fn pace_slots_space_posts_per_channel() {
    for backend in backends() {
        let (store, _db) = open(backend).await;
        let jobs: Vec<NewJob> = (0..9).map(|i| job(&format!("p{i}"), 0)).collect();
        store.enqueue(&jobs, 0).await.unwrap();
        let ids: Vec<i64> = store
            .lease_jobs(0, 600_000, 10, "w")
            .await
            .unwrap()
            .iter()
            .map(|j| j.id)
            .collect();
        let batch: Vec<(i64, &str)> = vec![
            (ids[0], "C1"),
            (ids[1], "C1"),
            (ids[5], "C2"),
            (ids[2], "C1"),
            (ids[3], "C1"),
            (ids[4], "C1"),
        ];
        assert_eq!(
            store.take_pace_turns(&batch, 0, 1_000).await.unwrap(),
            vec![
                None,
                Some(1_000),
                None,
                Some(2_000),
                Some(3_000),
                Some(4_000)
            ],
            "{backend:?}: another channel is not held back"
        );
        let waiting: Vec<(String, i64, Option<i64>, i64)> = store
            .list_jobs(JobState::Pending)
            .await
            .unwrap()
            .into_iter()
            .filter(|j| j.locked_until.is_none())
            .map(|j| (j.payload, j.run_at, j.paced_at, j.attempts))
            .collect();
        let want: Vec<(String, i64, Option<i64>, i64)> = (1..5)
            .map(|i| (format!("p{i}"), i * 1_000, Some(i * 1_000), 0))
            .collect();
        assert_eq!(waiting, want, "{backend:?}: put back until their slots");
        // The next batch goes on from where the channel's slots stand, in the order given
        // (the worker's lease order), not in id order.
        assert_eq!(
            store
                .take_pace_turns(&[(ids[8], "C1"), (ids[7], "C1")], 0, 1_000)
                .await
                .unwrap(),
            vec![Some(5_000), Some(6_000)],
            "{backend:?}"
        );
        let run_at = |pending: &[cxbot::db::JobRow], id: i64| {
            pending.iter().find(|j| j.id == id).map(|j| j.run_at)
        };
        let pending = store.list_jobs(JobState::Pending).await.unwrap();
        assert_eq!(
            (run_at(&pending, ids[8]), run_at(&pending, ids[7])),
            (Some(5_000), Some(6_000)),
            "{backend:?}"
        );
        // Later, after the backlog: the slot is now, not in the past, and the next one
        // follows it.
        assert_eq!(
            store
                .take_pace_turns(&[(ids[0], "C1"), (ids[1], "C1")], 60_000, 1_000)
                .await
                .unwrap(),
            vec![None, Some(61_000)],
            "{backend:?}"
        );
        store.push_pace_slot("C2", 90_000).await.unwrap();
        assert_eq!(
            store
                .take_pace_turns(&[(ids[6], "C2")], 61_000, 1_000)
                .await
                .unwrap(),
            vec![Some(90_000)]
        );
        let pending = store.list_jobs(JobState::Pending).await.unwrap();
        let put_back = pending.iter().find(|j| j.id == ids[6]).unwrap();
        assert_eq!(
            (put_back.run_at, put_back.paced_at),
            (90_000, Some(90_000)),
            "{backend:?}"
        );
        assert!(
            store
                .take_pace_turns(&[], 0, 1_000)
                .await
                .unwrap()
                .is_empty(),
            "{backend:?}"
        );
    }
}

#[tokio::test]
async fn the_inbox_records_an_event_once_even_under_concurrency() {
    for backend in backends() {
        let (store, _db) = open(backend).await;
        let tasks: Vec<_> = (0..10)
            .map(|_| {
                let s = store.clone();
                tokio::spawn(async move {
                    s.record_event("slack:Ev1", "slack", 0, &[job("handle", 0)])
                        .await
                        .unwrap()
                })
            })
            .collect();
        let mut fresh = 0;
        for t in tasks {
            if t.await.unwrap() {
                fresh += 1;
            }
        }
        assert_eq!(fresh, 1, "{backend:?}");
        assert_eq!(store.event_count().await.unwrap(), 1);
        assert_eq!(
            store.list_jobs(JobState::Pending).await.unwrap().len(),
            1,
            "{backend:?}: the event's job is enqueued once"
        );
    }
}

#[tokio::test]
async fn two_leasers_share_a_thousand_jobs_with_no_overlap() {
    for backend in backends() {
        let (store, db) = open(backend).await;
        let jobs: Vec<_> = (0..1_000).map(|i| job(&i.to_string(), 0)).collect();
        store.enqueue(&jobs, 0).await.unwrap();
        let other = db::open(&db.url, OpenMode::Tool).await.unwrap();
        let lease_all = |s: SharedStore, name: &'static str| {
            tokio::spawn(async move {
                let mut seen = Vec::new();
                loop {
                    let batch = s.lease_jobs(1, 600_000, 25, name).await.unwrap();
                    if batch.is_empty() {
                        break seen;
                    }
                    for j in batch {
                        s.complete_job(j.id, 1, None).await.unwrap();
                        seen.push(j.payload);
                    }
                }
            })
        };
        let (a, b) = tokio::join!(lease_all(store.clone(), "a"), lease_all(other, "b"));
        let (a, b) = (a.unwrap(), b.unwrap());
        let all: HashSet<_> = a.iter().chain(b.iter()).cloned().collect();
        assert_eq!(
            a.len() + b.len(),
            1_000,
            "{backend:?}: every job leased exactly once"
        );
        assert_eq!(all.len(), 1_000);
    }
}

#[tokio::test]
async fn a_second_serve_on_one_sqlite_file_refuses_to_start() {
    let tdb = fresh_db(Backend::Sqlite).await;
    let _first = db::open(&tdb.url, OpenMode::Serve)
        .await
        .expect("first serve");
    let err = match db::open(&tdb.url, OpenMode::Serve).await {
        Ok(_) => panic!("second serve must not start"),
        Err(e) => e.to_string(),
    };
    assert!(
        err.contains("another cxbot serve is already using this SQLite database"),
        "{err}"
    );
    assert!(err.contains("PostgreSQL"), "{err}");
    // Tools (migrate, check) may still open it.
    db::open(&tdb.url, OpenMode::Tool)
        .await
        .expect("migrate alongside serve");
}

fn paced(payload: &str, channel: &str) -> NewJob {
    NewJob {
        pace_key: Some(channel.into()),
        ..job(payload, 0)
    }
}

/// SQLite (one writer) reserves a paced job's slot in the transaction that queues it;
/// PostgreSQL leaves it to the worker, so requests never queue on a channel's slot row.
#[tokio::test]
async fn a_paced_job_takes_its_channel_slot_when_queued_on_sqlite() {
    for backend in backends() {
        let (store, _db) = open(backend).await;
        store
            .enqueue(
                &[
                    paced("a", "C1"),
                    paced("b", "C1"),
                    paced("c", "C2"),
                    paced("d", "C1"),
                ],
                0,
            )
            .await
            .unwrap();
        let slots: Vec<(String, i64, Option<i64>)> = store
            .list_jobs(JobState::Pending)
            .await
            .unwrap()
            .into_iter()
            .map(|j| (j.payload, j.run_at, j.paced_at))
            .collect();
        let i = db::PACE_INTERVAL_MS;
        let want: Vec<(&str, i64, Option<i64>)> = match backend {
            Backend::Sqlite => vec![
                ("a", 0, Some(0)),
                ("c", 0, Some(0)),
                ("b", i, Some(i)),
                ("d", 2 * i, Some(2 * i)),
            ],
            Backend::Postgres => vec![
                ("a", 0, None),
                ("b", 0, None),
                ("c", 0, None),
                ("d", 0, None),
            ],
        };
        let want: Vec<(String, i64, Option<i64>)> = want
            .into_iter()
            .map(|(p, at, slot)| (p.to_string(), at, slot))
            .collect();
        assert_eq!(slots, want, "{backend:?}");
        if backend == Backend::Sqlite {
            // Only the first of each channel is due: the worker never leases the others
            // before their turn.
            let due = store.lease_jobs(0, 60_000, 10, "w").await.unwrap();
            let due: Vec<_> = due.iter().map(|j| j.payload.as_str()).collect();
            assert_eq!(due, vec!["a", "c"]);
        }
    }
}

#[tokio::test]
async fn a_coalesced_job_is_not_queued_twice_while_one_waits() {
    for backend in backends() {
        let (store, _db) = open(backend).await;
        let home = |p: &str| NewJob {
            coalesce_key: Some("publish_home:U1".into()),
            ..job(p, 0)
        };
        store
            .enqueue(&[home("first"), home("second")], 0)
            .await
            .unwrap();
        store.enqueue(&[home("third")], 0).await.unwrap();
        let pending = store.list_jobs(JobState::Pending).await.unwrap();
        assert_eq!(pending.len(), 1, "{backend:?}: one waiting refresh");
        // Once it is running it no longer covers what changes next: a new one is queued.
        let leased = store.lease_jobs(0, 60_000, 10, "w").await.unwrap();
        assert_eq!(leased.len(), 1);
        store.enqueue(&[home("fourth")], 0).await.unwrap();
        store.enqueue(&[home("fifth")], 0).await.unwrap();
        assert_eq!(
            pending_payloads(&store).await,
            vec!["first", "fourth"],
            "{backend:?}"
        );
    }
}

/// A change's jobs may go in as one statement (PostgreSQL batches them, at most 16 a
/// statement): every one arrives, in order, and keys still deduplicate and coalesce across
/// the batch and with what waits.
#[tokio::test]
async fn forty_jobs_queued_at_once_all_arrive_in_order() {
    for backend in backends() {
        let (store, _db) = open(backend).await;
        let keyed = |p: &str, key: &str| NewJob {
            dedupe_key: Some(key.into()),
            ..job(p, 0)
        };
        let home = |p: &str| NewJob {
            coalesce_key: Some("publish_home:U9".into()),
            ..job(p, 0)
        };
        store.enqueue(&[home("waiting home")], 0).await.unwrap();
        let mut jobs: Vec<NewJob> = (0..40).map(|i| job(&format!("j{i:02}"), 0)).collect();
        jobs[3] = keyed("first of key", "k");
        jobs[20] = keyed("second of key", "k");
        jobs[30] = home("covered home");
        store.enqueue(&jobs, 0).await.unwrap();
        let mut want: Vec<String> = vec!["waiting home".into()];
        want.extend(
            jobs.iter()
                .enumerate()
                .filter(|(i, _)| *i != 20 && *i != 30)
                .map(|(_, j)| j.payload.clone()),
        );
        let leased = store.lease_jobs(0, 60_000, 100, "w").await.unwrap();
        let got: Vec<String> = leased.into_iter().map(|j| j.payload).collect();
        assert_eq!(got, want, "{backend:?}");
    }
}

#[tokio::test]
async fn the_send_gate_keeps_paced_calls_an_interval_apart() {
    for backend in backends() {
        let (store, _db) = open(backend).await;
        let i = 1_050;
        assert_eq!(store.pass_send_gate("C1", 10_000, i).await.unwrap(), None);
        // A slot that ran late must not leave right behind the previous call.
        assert_eq!(
            store.pass_send_gate("C1", 10_500, i).await.unwrap(),
            Some(11_050),
            "{backend:?}"
        );
        assert_eq!(store.pass_send_gate("C2", 10_500, i).await.unwrap(), None);
        assert_eq!(store.pass_send_gate("C1", 11_050, i).await.unwrap(), None);
        // After a 429 with Retry-After, nothing leaves before it.
        store.push_pace_slot("C1", 20_000).await.unwrap();
        assert_eq!(
            store.pass_send_gate("C1", 19_000, i).await.unwrap(),
            Some(20_000),
            "{backend:?}"
        );
        assert_eq!(store.pass_send_gate("C1", 20_000, i).await.unwrap(), None);
    }
}

/// Writes are committed in groups on SQLite (one transaction for the writes queued
/// together); each must still be all-or-nothing on its own, even when its request is
/// cancelled halfway, and answered only once another connection can read it.
#[tokio::test]
async fn concurrent_writes_are_each_atomic_and_durable_when_answered() {
    for backend in backends() {
        let (store, db) = open(backend).await;
        let n = 60;
        let tasks: Vec<_> = (0..n)
            .map(|i| {
                let s = store.clone();
                let work = async move {
                    let key = format!("k{i}");
                    let jobs = [job(&format!("{i}-a"), 0), job(&format!("{i}-b"), 0)];
                    s.record_event(&key, "test", 0, &jobs).await.unwrap()
                };
                // Every third write is cancelled at some point of its way.
                if i % 3 == 0 {
                    tokio::spawn(async move {
                        let _ =
                            tokio::time::timeout(std::time::Duration::from_micros(50 * i), work)
                                .await;
                        None
                    })
                } else {
                    tokio::spawn(async move { Some(work.await) })
                }
            })
            .collect();
        let mut answered = Vec::new();
        for (i, t) in tasks.into_iter().enumerate() {
            if let Some(fresh) = t.await.unwrap() {
                assert!(fresh, "{backend:?}: k{i} was new");
                answered.push(i);
            }
        }
        // Read through another connection (another store on the same database).
        let other = db::open(&db.url, OpenMode::Tool).await.unwrap();
        let payloads: HashSet<String> = pending_payloads(&other).await.into_iter().collect();
        for i in 0..n {
            let has_a = payloads.contains(&format!("{i}-a"));
            let has_b = payloads.contains(&format!("{i}-b"));
            assert_eq!(has_a, has_b, "{backend:?}: k{i} was half written");
            let recorded = !other
                .record_event(&format!("k{i}"), "test", 0, &[])
                .await
                .unwrap();
            assert_eq!(
                recorded, has_a,
                "{backend:?}: k{i}: inbox and jobs disagree"
            );
            if answered.contains(&(i as usize)) {
                assert!(recorded, "{backend:?}: k{i} was answered but is not stored");
            }
        }
        assert!(
            answered.len() >= 40,
            "{backend:?}: the uncancelled writes all answered"
        );
    }
}

/// A waiting job that is failing (in retry backoff, perhaps for minutes, perhaps to be
/// parked) does not absorb newer work: the new job is queued beside it.
#[tokio::test]
async fn a_failing_job_does_not_absorb_new_ones() {
    for backend in backends() {
        let (store, _db) = open(backend).await;
        let sync = |p: &str| NewJob {
            coalesce_key: Some("sync_card:7".into()),
            ..job(p, 0)
        };
        store.enqueue(&[sync("first")], 0).await.unwrap();
        let leased = store.lease_jobs(0, 60_000, 10, "w").await.unwrap();
        store
            .retry_job(leased[0].id, 600_000, "Slack said 500", 0)
            .await
            .unwrap();
        store.enqueue(&[sync("second")], 0).await.unwrap();
        assert_eq!(
            pending_payloads(&store).await,
            vec!["second", "first"],
            "{backend:?}"
        );
    }
}

#[tokio::test]
async fn the_slack_stop_channel_ids_and_messages_by_ts() {
    for backend in backends() {
        let (store, _db) = open(backend).await;
        assert_eq!(store.slack_stop().await.unwrap(), None);
        assert!(store
            .record_slack_stop("app_uninstalled", 10)
            .await
            .unwrap());
        // The first stop is kept: its time is when posting stopped.
        assert!(!store.record_slack_stop("tokens_revoked", 20).await.unwrap());
        let stop = store.slack_stop().await.unwrap().expect("stopped");
        assert_eq!((stop.event.as_str(), stop.at), ("app_uninstalled", 10));
        assert_eq!(store.clear_slack_stop().await.unwrap(), Some(stop));
        assert_eq!(store.slack_stop().await.unwrap(), None, "{backend:?}");
        assert_eq!(store.clear_slack_stop().await.unwrap(), None);

        let row = |name: &str, id: &str| db::ChannelIdRow {
            name: name.into(),
            channel_id: id.into(),
        };
        store
            .save_channel_ids(&[row("cx-queue", "C1"), row("cx-leads", "C2")], 5)
            .await
            .unwrap();
        // Resolved once: a later answer does not replace it.
        store
            .save_channel_ids(&[row("cx-queue", "C9")], 6)
            .await
            .unwrap();
        assert_eq!(
            store.channel_id("cx-queue").await.unwrap().as_deref(),
            Some("C1")
        );
        assert_eq!(
            store.channel_id("cx-leads").await.unwrap().as_deref(),
            Some("C2")
        );
        assert_eq!(store.channel_id("nope").await.unwrap(), None, "{backend:?}");

        store.enqueue(&[job("x", 0)], 0).await.unwrap();
        let j = store.lease_jobs(0, 1_000, 1, "w").await.unwrap().remove(0);
        let posted = PostedMessage {
            msg_key: "card:7".into(),
            channel: "C1".into(),
            ts: "1700000000.000007".into(),
        };
        store.complete_job(j.id, 5, Some(&posted)).await.unwrap();
        assert_eq!(
            store.message_at("C1", "1700000000.000007").await.unwrap(),
            Some(posted)
        );
        assert_eq!(
            store.message_at("C2", "1700000000.000007").await.unwrap(),
            None
        );
    }
}

/// PostgreSQL: when the server ends every cxbot connection (a restart, a failover), the
/// first read to meet a dead connection fails and the reads after it succeed: the other
/// pooled connections are checked before use instead of failing one request each.
#[tokio::test]
async fn after_the_server_ends_every_connection_one_read_fails_not_one_per_connection() {
    if !backends().contains(&Backend::Postgres) {
        return;
    }
    let (store, db) = open(Backend::Postgres).await;
    let admin = sqlx::PgPool::connect(&db.url).await.unwrap();
    let name: String = sqlx::query_scalar("SELECT current_database()")
        .fetch_one(&admin)
        .await
        .unwrap();
    let others =
        "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() \
                  AND backend_type = 'client backend'";
    // Reads at once until the store holds several connections.
    let mut held = 0_i64;
    for _ in 0..50 {
        let reads = (0..16).map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.ticket_count().await })
        });
        for r in futures_util::future::join_all(reads).await {
            r.unwrap().unwrap();
        }
        held = sqlx::query_scalar(others)
            .bind(&name)
            .fetch_one(&admin)
            .await
            .unwrap();
        if held >= 3 {
            break;
        }
    }
    assert!(held >= 3, "the store opened several connections ({held})");

    let ended: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 \
         AND pid <> pg_backend_pid() AND backend_type = 'client backend'",
    )
    .bind(&name)
    .fetch_all(&admin)
    .await
    .unwrap();
    assert!(ended.len() >= 3 && ended.iter().all(|e| *e), "{ended:?}");

    let mut failed = 0;
    for _ in 0..10 {
        if store.ticket(1).await.is_err() {
            failed += 1;
        }
    }
    assert!(
        failed <= 1,
        "{failed} of 10 reads failed after the server ended {} connections",
        ended.len()
    );
    assert!(store.ticket(1).await.is_ok());
    admin.close().await;
}
