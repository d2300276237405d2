//! The job worker against the fake Slack: success, 429, 5xx, timeout, permanent errors,
//! lease expiry, per-channel pacing, and two replicas on PostgreSQL.

use crate::helpers::*;
use chrono::Duration;
use cxbot::db::JobState;
use cxbot::jobs::slack_call::SlackCall;
use cxbot::jobs::worker::{MAX_ATTEMPTS, PACE_INTERVAL_MS};
use cxbot::jobs::Payload;
use serde_json::json;
use std::collections::HashSet;
use wiremock::ResponseTemplate;

fn post(key: Option<&str>, channel: &str, text: &str) -> SlackCall {
    SlackCall::Post {
        key: key.map(str::to_string),
        channel: channel.into(),
        text: text.into(),
        blocks: None,
        thread: None,
    }
}

async fn enqueue(app: &TestApp, calls: &[SlackCall]) {
    let now = app.state.services.now_ms();
    let jobs: Vec<_> = calls.iter().map(|c| c.new_job(now)).collect();
    app.state.services.store.enqueue(&jobs, now).await.unwrap();
}

/// The pending jobs these tests queued (not the app's own clock sweep, always queued for
/// its next slot).
async fn pending(app: &TestApp) -> Vec<cxbot::db::JobRow> {
    let mut jobs = app
        .state
        .services
        .store
        .list_jobs(JobState::Pending)
        .await
        .unwrap();
    jobs.retain(|j| j.name != "clock_sweep");
    jobs
}

#[tokio::test(flavor = "multi_thread")]
async fn a_post_is_made_once_and_its_ts_recorded() {
    let app = spawn_app().await;
    enqueue(&app, &[post(Some("notice:1"), "C0QUEUE01", "hello")]).await;
    assert_eq!(app.run_pending_jobs().await, 1);
    let posts = app.slack.calls_to("chat.postMessage").await;
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0]["channel"], "C0QUEUE01");
    assert_eq!(posts[0]["text"], "hello");
    let recorded = app
        .state
        .services
        .store
        .posted_message("notice:1")
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("not recorded: {:?}", futures_pending_dbg(&app)));
    assert_eq!(recorded.channel, "C0QUEUE01");
    assert!(pending(&app).await.is_empty());

    // A retry of the same keyed post (Slack already accepted it) does not post again.
    enqueue(&app, &[post(Some("notice:1"), "C0QUEUE01", "hello")]).await;
    app.advance(Duration::seconds(5));
    app.run_pending_jobs().await;
    assert_eq!(app.slack.calls_to("chat.postMessage").await.len(), 1);
}

#[tokio::test]
async fn thread_replies_and_updates_find_their_parent() {
    let app = spawn_app().await;
    enqueue(&app, &[post(Some("card:7"), "C0QUEUE01", "card")]).await;
    app.run_pending_jobs().await;
    let parent = app
        .state
        .services
        .store
        .posted_message("card:7")
        .await
        .unwrap()
        .unwrap();
    enqueue(
        &app,
        &[
            SlackCall::Post {
                key: None,
                channel: "C0QUEUE01".into(),
                text: "claimed".into(),
                blocks: None,
                thread: Some("card:7".into()),
            },
            SlackCall::Update {
                key: "card:7".into(),
                text: "card v2".into(),
                blocks: None,
            },
        ],
    )
    .await;
    app.advance(Duration::seconds(2));
    app.run_pending_jobs().await;
    let posts = app.slack.calls_to("chat.postMessage").await;
    assert_eq!(posts[1]["thread_ts"], json!(parent.ts));
    let updates = app.slack.calls_to("chat.update").await;
    assert_eq!(updates.len(), 1);
    assert_eq!(updates[0]["ts"], json!(parent.ts));
    assert_eq!(updates[0]["text"], "card v2");
}

#[tokio::test]
async fn a_429_is_retried_no_earlier_than_retry_after() {
    let app = spawn_app().await;
    app.slack
        .fail_next(
            "chat.postMessage",
            1,
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "2")
                .set_body_json(json!({"ok": false, "error": "ratelimited"})),
        )
        .await;
    enqueue(&app, &[post(None, "C0QUEUE01", "hi")]).await;
    app.run_pending_jobs().await;
    let jobs = pending(&app).await;
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].run_at, app.state.services.now_ms() + 2_000);
    assert_eq!(jobs[0].attempts, 0, "a 429 is not a failed attempt");

    app.advance(Duration::milliseconds(1_999));
    app.run_pending_jobs().await;
    assert_eq!(
        app.slack.calls_to("chat.postMessage").await.len(),
        1,
        "not before Retry-After"
    );
    app.advance(Duration::milliseconds(1));
    app.run_pending_jobs().await;
    assert_eq!(app.slack.calls_to("chat.postMessage").await.len(), 2);
    assert!(pending(&app).await.is_empty());
}

#[tokio::test]
async fn a_500_is_retried_with_backoff_then_succeeds() {
    let app = spawn_app().await;
    app.slack
        .fail_next("chat.postMessage", 1, ResponseTemplate::new(500))
        .await;
    enqueue(&app, &[post(None, "C0QUEUE01", "hi")]).await;
    app.run_pending_jobs().await;
    let jobs = pending(&app).await;
    assert_eq!(
        jobs[0].last_error.as_deref(),
        Some("HTTP 500 Internal Server Error")
    );
    // The first backoff is 2 s, less this job's share of the jitter (at most a quarter).
    let delay = cxbot::jobs::worker::jittered_backoff_ms(jobs[0].id, 1);
    assert!((1_500..=2_000).contains(&delay), "{delay}");
    assert_eq!(jobs[0].run_at, app.state.services.now_ms() + delay);
    app.advance(Duration::milliseconds(delay - 1));
    app.run_pending_jobs().await;
    assert_eq!(
        app.slack.calls_to("chat.postMessage").await.len(),
        1,
        "not before its delay"
    );
    app.advance(Duration::milliseconds(1));
    app.run_pending_jobs().await;
    assert_eq!(app.slack.calls_to("chat.postMessage").await.len(), 2);
    assert!(pending(&app).await.is_empty());
}

#[tokio::test]
async fn a_timeout_is_retried() {
    let app = spawn_app_with(TestOptions {
        slack_timeout_ms: 200,
        ..Default::default()
    })
    .await;
    app.slack
        .fail_next(
            "chat.postMessage",
            1,
            ResponseTemplate::new(200).set_delay(std::time::Duration::from_millis(1_500)),
        )
        .await;
    enqueue(&app, &[post(None, "C0QUEUE01", "hi")]).await;
    app.run_pending_jobs().await;
    let jobs = pending(&app).await;
    assert_eq!(jobs.len(), 1);
    assert!(
        jobs[0].last_error.as_deref().unwrap().contains("timed out"),
        "{:?}",
        jobs[0].last_error
    );
    app.advance(Duration::seconds(2));
    app.run_pending_jobs().await;
    assert!(pending(&app).await.is_empty());
}

#[tokio::test]
async fn a_permanent_error_parks_the_job_with_the_operator_step() {
    let app = spawn_app().await;
    app.slack
        .fail_next(
            "chat.postMessage",
            1,
            ResponseTemplate::new(200)
                .set_body_json(json!({"ok": false, "error": "not_in_channel"})),
        )
        .await;
    enqueue(&app, &[post(None, "#cx-queue", "hi")]).await;
    app.run_pending_jobs().await;
    assert!(pending(&app).await.is_empty());
    let dead = app
        .state
        .services
        .store
        .list_jobs(JobState::Dead)
        .await
        .unwrap();
    assert_eq!(dead.len(), 1);
    let err = dead[0].last_error.as_deref().unwrap();
    assert!(err.contains("invite the bot to #cx-queue"), "{err}");
    app.advance(Duration::hours(1));
    app.run_pending_jobs().await;
    assert_eq!(
        app.slack.calls_to("chat.postMessage").await.len(),
        1,
        "a parked job is not retried"
    );
}

#[tokio::test]
async fn a_job_that_keeps_failing_is_parked_after_max_attempts() {
    let app = spawn_app().await;
    app.slack
        .fail_next("chat.postMessage", 100, ResponseTemplate::new(503))
        .await;
    enqueue(&app, &[post(None, "C0QUEUE01", "hi")]).await;
    for _ in 0..MAX_ATTEMPTS {
        app.run_pending_jobs().await;
        app.advance(Duration::minutes(11));
    }
    app.run_pending_jobs().await;
    assert_eq!(
        app.slack.calls_to("chat.postMessage").await.len() as i64,
        MAX_ATTEMPTS
    );
    let dead = app
        .state
        .services
        .store
        .list_jobs(JobState::Dead)
        .await
        .unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].attempts, MAX_ATTEMPTS);
}

#[tokio::test]
async fn a_job_whose_lease_expired_runs_again() {
    let app = spawn_app().await;
    enqueue(&app, &[post(Some("k"), "C0QUEUE01", "hi")]).await;
    let now = app.state.services.now_ms();
    // Another process leased it and died.
    let leased = app
        .state
        .services
        .store
        .lease_jobs(now, now + 300_000, 10, "dead-process")
        .await
        .unwrap();
    assert_eq!(leased.len(), 1);
    app.run_pending_jobs().await;
    assert!(
        app.slack.calls_to("chat.postMessage").await.is_empty(),
        "held by the lease"
    );
    app.advance(Duration::minutes(5));
    app.run_pending_jobs().await;
    assert_eq!(app.slack.calls_to("chat.postMessage").await.len(), 1);
    assert!(app
        .state
        .services
        .store
        .posted_message("k")
        .await
        .unwrap()
        .is_some());
}

#[tokio::test]
async fn posts_to_one_channel_are_paced_and_other_channels_are_not() {
    let app = spawn_app().await;
    let one: Vec<_> = (0..10)
        .map(|i| post(None, "C0BUSY001", &format!("m{i}")))
        .collect();
    let many: Vec<_> = (0..10)
        .map(|i| post(None, &format!("C0CHAN{i:03}"), "x"))
        .collect();
    enqueue(&app, &one).await;
    enqueue(&app, &many).await;
    app.run_pending_jobs().await;
    let posts = app.slack.calls_to("chat.postMessage").await;
    let busy = posts.iter().filter(|p| p["channel"] == "C0BUSY001").count();
    assert_eq!(busy, 1, "one post to the busy channel at t=0");
    assert_eq!(posts.len() - busy, 10, "ten channels are not held back");
    for second in 1..=9 {
        app.advance(Duration::milliseconds(PACE_INTERVAL_MS));
        app.run_pending_jobs().await;
        let busy = app
            .slack
            .calls_to("chat.postMessage")
            .await
            .iter()
            .filter(|p| p["channel"] == "C0BUSY001")
            .count();
        assert_eq!(busy, second + 1, "at t={second}s");
    }
    let texts: Vec<_> = app
        .slack
        .calls_to("chat.postMessage")
        .await
        .iter()
        .filter(|p| p["channel"] == "C0BUSY001")
        .map(|p| p["text"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        texts.iter().collect::<HashSet<_>>().len(),
        10,
        "each message once"
    );
}

/// A worker that comes back late finds several of a channel's slots due at once; the send
/// gate still lets only one post leave per interval, in order.
#[tokio::test]
async fn a_late_worker_still_posts_one_per_interval() {
    let app = spawn_app().await;
    let posts: Vec<_> = (0..3)
        .map(|i| post(None, "C0LATE001", &format!("m{i}")))
        .collect();
    enqueue(&app, &posts).await;
    // Ten seconds pass with nobody running jobs: all three slots are in the past.
    app.advance(Duration::seconds(10));
    app.run_pending_jobs().await;
    let sent = |calls: Vec<serde_json::Value>| -> Vec<String> {
        calls
            .iter()
            .map(|p| p["text"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        sent(app.slack.calls_to("chat.postMessage").await),
        vec!["m0"]
    );
    app.advance(Duration::milliseconds(PACE_INTERVAL_MS - 1));
    app.run_pending_jobs().await;
    assert_eq!(
        app.slack.calls_to("chat.postMessage").await.len(),
        1,
        "not before the interval has passed"
    );
    app.advance(Duration::milliseconds(1));
    app.run_pending_jobs().await;
    app.advance(Duration::milliseconds(PACE_INTERVAL_MS));
    app.run_pending_jobs().await;
    assert_eq!(
        sent(app.slack.calls_to("chat.postMessage").await),
        vec!["m0", "m1", "m2"]
    );
}

#[tokio::test]
async fn two_replicas_on_postgres_run_each_job_exactly_once() {
    if !backends().contains(&Backend::Postgres) {
        return;
    }
    let a = spawn_app_with(TestOptions {
        backend: Backend::Postgres,
        ..Default::default()
    })
    .await;
    let b = spawn_app_with(TestOptions {
        backend: Backend::Postgres,
        db_url: Some(a.db.url.clone()),
        slack_url: Some(a.slack.url()),
        ..Default::default()
    })
    .await;
    let calls: Vec<_> = (0..1_000)
        .map(|i| {
            post(
                Some(&format!("m:{i}")),
                &format!("C0R{i:05}"),
                &format!("job {i}"),
            )
        })
        .collect();
    enqueue(&a, &calls).await;
    let (na, nb) = tokio::join!(a.worker.run_until_empty(), b.worker.run_until_empty());
    let (na, nb) = (na.unwrap(), nb.unwrap());
    assert_eq!(na + nb, 1_000);
    assert!(na > 0 && nb > 0, "both replicas took work ({na}, {nb})");
    let posts = a.slack.calls_to("chat.postMessage").await;
    assert_eq!(posts.len(), 1_000);
    let distinct: HashSet<_> = posts
        .iter()
        .map(|p| p["text"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(distinct.len(), 1_000, "no job ran twice");
}

fn futures_pending_dbg(app: &TestApp) -> Vec<cxbot::db::JobRow> {
    tokio::task::block_in_place(|| tokio::runtime::Handle::current().block_on(pending(app)))
}

#[tokio::test]
async fn a_persons_dm_channel_is_opened_once() {
    let app = spawn_app().await;
    let dm = |text: &str| SlackCall::Dm {
        key: None,
        user: "U0DMCACHE".into(),
        text: text.into(),
        blocks: None,
    };
    enqueue(&app, &[dm("first")]).await;
    app.run_pending_jobs().await;
    app.advance(Duration::seconds(2));
    enqueue(&app, &[dm("second")]).await;
    app.run_pending_jobs().await;
    let posts = app.slack.calls_to("chat.postMessage").await;
    assert_eq!(posts.len(), 2);
    assert!(
        posts.iter().all(|p| p["channel"] == "D0DMCACHE"),
        "{posts:?}"
    );
    assert_eq!(app.slack.calls_to("conversations.open").await.len(), 1);
}
