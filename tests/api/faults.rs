//! Slack faults, end to end: a card for a helpdesk ticket meets 429 + Retry-After, 500, 503,
//! a connection dropped before or after Slack took the post, an answer slower than the
//! client's timeout, a crash after the post, and `ok:false` refusals. Each case ends with
//! the card delivered exactly once (one message in the fake Slack carrying the card's key,
//! its ts recorded) or the job parked with the reason and the operator's next step.

use crate::fault_proxy::{Fault, FaultPlan};
use crate::helpers::*;
use crate::intake::{deliver, freshdesk_missed_call, QUEUE};
use chrono::Duration;
use cxbot::db::JobState;
use cxbot::jobs::worker::PACE_INTERVAL_MS;
use serde_json::{json, Value};
use wiremock::ResponseTemplate;

/// The id the fake Slack gives `#cx-queue`; registered so a read-back can resolve the name.
const QUEUE_ID: &str = "C9";

async fn app_with(opts: TestOptions) -> TestApp {
    let app = spawn_app_with(opts).await;
    app.slack.add_channel(QUEUE_ID, QUEUE, true);
    app
}

/// A new missed-call ticket; returns its card key.
async fn new_ticket(app: &TestApp, n: u64) -> String {
    let id = deliver(
        app,
        "freshdesk",
        &freshdesk_missed_call(100 + n, &format!("+1 555 01{n:02}")),
    )
    .await;
    format!("card:{id}")
}

/// Runs due jobs, then moves the clock `secs` on, `rounds` times.
async fn drain_for(app: &TestApp, rounds: usize, secs: i64) {
    for _ in 0..rounds {
        app.run_pending_jobs().await;
        app.advance(Duration::seconds(secs));
    }
    app.run_pending_jobs().await;
}

/// Exactly one message in Slack carries `key`, and its ts is the one recorded.
async fn delivered_once(app: &TestApp, key: &str) -> Value {
    let found = app.slack.accepted_with_key(key);
    assert_eq!(found.len(), 1, "messages carrying {key}: {found:?}");
    let recorded = app
        .state
        .services
        .store
        .posted_message(key)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("{key} not recorded"));
    assert_eq!(recorded.ts, found[0]["ts"], "the recorded ts is Slack's");
    assert_eq!(recorded.channel, found[0]["channel"]);
    found[0].clone()
}

async fn jobs(app: &TestApp, state: JobState) -> Vec<cxbot::db::JobRow> {
    let mut jobs = app.state.services.store.list_jobs(state).await.unwrap();
    jobs.retain(|j| j.name != "clock_sweep");
    jobs
}

fn error(code: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({"ok": false, "error": code}))
}

#[tokio::test]
async fn a_429_waits_for_retry_after_and_the_channel_stays_paced() {
    let app = app_with(TestOptions::default()).await;
    app.slack
        .fail_next(
            "chat.postMessage",
            1,
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "7")
                .set_body_json(json!({"ok": false, "error": "ratelimited"})),
        )
        .await;
    let first = new_ticket(&app, 1).await;
    app.run_pending_jobs().await;
    let limited_at = app.state.services.now_ms();
    let second = new_ticket(&app, 2).await;
    app.run_pending_jobs().await;
    assert_eq!(
        app.slack.calls_to("chat.postMessage").await.len(),
        1,
        "the 429 closed the channel: nothing else goes before Retry-After"
    );
    let waiting = jobs(&app, JobState::Pending).await;
    assert!(
        waiting
            .iter()
            .any(|j| j.last_error.as_deref() == Some(cxbot::jobs::RATE_LIMITED_NOTE)),
        "{waiting:?}"
    );
    // Step the clock 100 ms at a time and note when each post leaves: none before
    // Retry-After, and never two to the channel within the pacing interval.
    let mut sent_at = Vec::new();
    for _ in 0..100 {
        app.advance(Duration::milliseconds(100));
        app.run_pending_jobs().await;
        let n = app.slack.calls_to("chat.postMessage").await.len();
        while 1 + sent_at.len() < n {
            sent_at.push(app.state.services.now_ms());
        }
    }
    assert_eq!(sent_at.len(), 2, "{sent_at:?}");
    assert!(
        sent_at[0] >= limited_at + 7_000,
        "{sent_at:?} vs {limited_at}"
    );
    assert!(
        sent_at[1] - sent_at[0] >= PACE_INTERVAL_MS,
        "paced: {sent_at:?}"
    );
    delivered_once(&app, &first).await;
    delivered_once(&app, &second).await;
    assert!(
        app.slack.calls_to("conversations.history").await.is_empty(),
        "a 429 is a refusal, not an ambiguity: nothing to read back"
    );
    assert!(jobs(&app, JobState::Dead).await.is_empty());
}

#[tokio::test]
async fn a_500_then_a_503_end_with_one_card() {
    let app = app_with(TestOptions::default()).await;
    app.slack
        .fail_next("chat.postMessage", 1, ResponseTemplate::new(500))
        .await;
    app.slack
        .fail_next("chat.postMessage", 1, ResponseTemplate::new(503))
        .await;
    let key = new_ticket(&app, 1).await;
    drain_for(&app, 4, 5).await;
    delivered_once(&app, &key).await;
    assert_eq!(app.slack.calls_to("chat.postMessage").await.len(), 3);
    // Each retry asked Slack first whether an earlier attempt had got through.
    let reads = app.slack.calls_to("conversations.history").await;
    assert_eq!(reads.len(), 2, "{reads:?}");
    assert_eq!(reads[0]["channel"], QUEUE_ID);
    assert_eq!(reads[0]["include_all_metadata"], "true");
    assert!(jobs(&app, JobState::Pending).await.is_empty());
    assert!(jobs(&app, JobState::Dead).await.is_empty());
}

#[tokio::test]
async fn a_timeout_after_slack_took_the_post_does_not_post_the_card_twice() {
    let app = app_with(TestOptions {
        slack_timeout_ms: 300,
        ..Default::default()
    })
    .await;
    app.slack
        .accept_but_answer_late(1, std::time::Duration::from_secs(3))
        .await;
    let key = new_ticket(&app, 1).await;
    let queued_at = app.state.services.now_ms();
    app.run_pending_jobs().await;
    let waiting = jobs(&app, JobState::Pending).await;
    assert!(
        waiting[0]
            .last_error
            .as_deref()
            .unwrap()
            .contains("timed out"),
        "{waiting:?}"
    );
    assert!(
        app.state
            .services
            .store
            .posted_message(&key)
            .await
            .unwrap()
            .is_none(),
        "cxbot never heard Slack's answer"
    );
    drain_for(&app, 3, 5).await;
    let card = delivered_once(&app, &key).await;
    assert_eq!(
        app.slack.calls_to("chat.postMessage").await.len(),
        1,
        "read back and adopted, not posted again"
    );
    let reads = app.slack.calls_to("conversations.history").await;
    assert_eq!(reads.len(), 1);
    assert_eq!(
        reads[0]["oldest"],
        cxbot::slack::readback::oldest_ts(queued_at),
        "from when the job was queued"
    );
    // The adopted card is brought up to date in place.
    let updates = app.slack.calls_to("chat.update").await;
    assert_eq!(updates.len(), 1);
    assert_eq!(updates[0]["ts"], card["ts"]);
}

#[tokio::test]
async fn a_connection_dropped_after_slack_took_the_post_does_not_post_it_twice() {
    let plan = FaultPlan::new(&[("chat.postMessage", Fault::DropAfterSend)]);
    let app = app_with(TestOptions {
        slack_faults: Some(plan.clone()),
        ..Default::default()
    })
    .await;
    let key = new_ticket(&app, 1).await;
    app.run_pending_jobs().await;
    assert_eq!(plan.left(), 0, "the fault was applied");
    assert_eq!(jobs(&app, JobState::Pending).await.len(), 1, "to retry");
    drain_for(&app, 3, 5).await;
    delivered_once(&app, &key).await;
    assert_eq!(app.slack.calls_to("chat.postMessage").await.len(), 1);
    assert_eq!(app.slack.calls_to("conversations.history").await.len(), 1);
}

#[tokio::test]
async fn a_connection_dropped_before_slack_saw_the_post_posts_it_once() {
    let plan = FaultPlan::new(&[("chat.postMessage", Fault::DropBeforeSend)]);
    let app = app_with(TestOptions {
        slack_faults: Some(plan.clone()),
        ..Default::default()
    })
    .await;
    let key = new_ticket(&app, 1).await;
    drain_for(&app, 3, 5).await;
    assert_eq!(plan.left(), 0);
    delivered_once(&app, &key).await;
    assert_eq!(
        app.slack.calls_to("chat.postMessage").await.len(),
        1,
        "the first never reached Slack"
    );
    assert_eq!(
        app.slack.calls_to("conversations.history").await.len(),
        1,
        "the retry could not know: it asked, found nothing, posted"
    );
}

#[tokio::test]
async fn a_crash_after_the_post_is_read_back_when_the_lease_runs_out() {
    // Both databases: the lease, its expiry and the job's queued time are the store's.
    for backend in backends() {
        let app = app_with(TestOptions {
            backend,
            ..Default::default()
        })
        .await;
        let key = new_ticket(&app, 1).await;
        let now = app.state.services.now_ms();
        // A worker leases the card's job, posts it, and dies before recording the outcome.
        let leased = app
            .state
            .services
            .store
            .lease_jobs(now, now + cxbot::jobs::worker::LEASE_MS, 10, "crashed")
            .await
            .unwrap();
        assert!(leased.iter().any(|j| j.name == "sync_card"), "{leased:?}");
        let content = slack_morphism::prelude::SlackMessageContent::new().with_text("card".into());
        app.state
            .slack
            .post_message(QUEUE, Some(&key), content, None)
            .await
            .unwrap();
        app.advance(Duration::milliseconds(cxbot::jobs::worker::LEASE_MS));
        drain_for(&app, 2, 5).await;
        delivered_once(&app, &key).await;
        assert_eq!(app.slack.calls_to("chat.postMessage").await.len(), 1);
        let reads = app.slack.calls_to("conversations.history").await;
        assert_eq!(reads.len(), 1, "{backend:?}");
        assert_eq!(
            reads[0]["oldest"],
            cxbot::slack::readback::oldest_ts(now),
            "{backend:?}: from when the card's job was queued"
        );
    }
}

#[tokio::test]
async fn a_keyed_dm_is_read_back_in_the_dm_channel() {
    let app = app_with(TestOptions {
        slack_timeout_ms: 300,
        ..Default::default()
    })
    .await;
    app.slack
        .accept_but_answer_late(1, std::time::Duration::from_secs(3))
        .await;
    let now = app.state.services.now_ms();
    let dm = cxbot::jobs::slack_call::SlackCall::Dm {
        key: Some("dm:test:1".into()),
        user: "U0AGENT01".into(),
        text: "reminder".into(),
        blocks: None,
    };
    use cxbot::jobs::Payload;
    app.state
        .services
        .store
        .enqueue(&[dm.new_job(now)], now)
        .await
        .unwrap();
    drain_for(&app, 3, 5).await;
    delivered_once(&app, "dm:test:1").await;
    assert_eq!(app.slack.calls_to("chat.postMessage").await.len(), 1);
    let reads = app.slack.calls_to("conversations.history").await;
    assert_eq!(reads.len(), 1);
    assert_eq!(reads[0]["channel"], "D0AGENT01");
}

#[tokio::test]
async fn a_thread_line_whose_answer_was_lost_is_read_back_in_its_thread() {
    let app = app_with(TestOptions {
        slack_timeout_ms: 300,
        ..Default::default()
    })
    .await;
    let card_key = new_ticket(&app, 1).await;
    app.run_pending_jobs().await;
    let card = delivered_once(&app, &card_key).await;
    // Slack takes the line but cxbot never hears back.
    app.slack
        .accept_but_answer_late(1, std::time::Duration::from_secs(3))
        .await;
    let now = app.state.services.now_ms();
    let line = cxbot::jobs::slack_call::SlackCall::Post {
        key: None,
        channel: QUEUE.into(),
        text: "Claimed by @Ana".into(),
        blocks: None,
        thread: Some(card_key.clone()),
    };
    use cxbot::jobs::Payload;
    app.state
        .services
        .store
        .enqueue(&[line.new_job(now)], now)
        .await
        .unwrap();
    drain_for(&app, 3, 5).await;
    let lines: Vec<Value> = app
        .slack
        .calls_to("chat.postMessage")
        .await
        .into_iter()
        .filter(|c| c["text"] == "Claimed by @Ana")
        .collect();
    assert_eq!(
        lines.len(),
        1,
        "read back and adopted, not posted again: {lines:?}"
    );
    assert_eq!(lines[0]["thread_ts"], card["ts"]);
    let tag = &lines[0]["metadata"]["event_payload"]["key"];
    assert!(
        tag.as_str().is_some_and(|k| k.starts_with("line:")),
        "tagged with its job: {tag}"
    );
    assert_eq!(app.slack.accepted_with_key(tag.as_str().unwrap()).len(), 1);
    let reads = app.slack.calls_to("conversations.replies").await;
    assert_eq!(reads.len(), 1, "{reads:?}");
    assert_eq!(reads[0]["channel"], QUEUE_ID);
    assert_eq!(reads[0]["ts"], card["ts"], "the card's thread");
    assert_eq!(reads[0]["include_all_metadata"], "true");
    assert_eq!(
        reads[0]["oldest"],
        cxbot::slack::readback::oldest_ts(now),
        "from when the line's job was queued"
    );
    assert!(jobs(&app, JobState::Pending).await.is_empty());
    assert!(jobs(&app, JobState::Dead).await.is_empty());
}

#[tokio::test]
async fn slack_refusals_park_the_card_with_the_reason_and_the_fix() {
    let cases = [
        (
            "channel_not_found",
            "does not exist or the bot cannot see it",
        ),
        ("not_in_channel", "invite the bot to #cx-queue"),
        ("invalid_auth", "SLACK_BOT_TOKEN is not valid"),
        ("msg_too_long", "Slack rejected the request (msg_too_long)"),
    ];
    for (code, fix) in cases {
        let app = app_with(TestOptions::default()).await;
        app.slack
            .fail_next("chat.postMessage", 1, error(code))
            .await;
        let key = new_ticket(&app, 1).await;
        drain_for(&app, 3, 60).await;
        let dead = jobs(&app, JobState::Dead).await;
        assert_eq!(dead.len(), 1, "{code}: {dead:?}");
        assert_eq!(dead[0].name, "sync_card");
        let why = dead[0].last_error.as_deref().unwrap();
        assert!(why.contains(code) && why.contains(fix), "{code}: {why}");
        assert_eq!(
            app.slack.calls_to("chat.postMessage").await.len(),
            1,
            "{code}: a refusal is not retried"
        );
        assert!(app.slack.accepted_with_key(&key).is_empty());
        assert!(app
            .state
            .services
            .store
            .posted_message(&key)
            .await
            .unwrap()
            .is_none());
    }
}

#[tokio::test]
async fn without_the_history_scope_a_retry_posts_as_before() {
    let app = app_with(TestOptions::default()).await;
    app.slack
        .fail_next("chat.postMessage", 1, ResponseTemplate::new(500))
        .await;
    app.slack
        .fail_next("conversations.history", 5, error("missing_scope"))
        .await;
    let key = new_ticket(&app, 1).await;
    drain_for(&app, 3, 5).await;
    delivered_once(&app, &key).await;
    assert_eq!(app.slack.calls_to("chat.postMessage").await.len(), 2);
}
