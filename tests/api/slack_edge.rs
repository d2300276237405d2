//! Signature verification, url_verification, event dedupe, /cx help, interactivity.

use crate::helpers::*;
use chrono::{TimeZone, Utc};
use serde_json::json;

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/slack/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

async fn inbox_count(app: &TestApp) -> i64 {
    app.state.services.store.event_count().await.unwrap()
}

#[tokio::test]
async fn published_slack_vector_is_accepted_at_its_time_and_stale_otherwise() {
    let secret = "8f742231b10e8888abcd99yyyzzz85a5".to_string();
    let body = fixture("slack_docs_vector.body.form");
    let headers = [
        ("x-slack-request-timestamp", "1531420618".to_string()),
        (
            "x-slack-signature",
            "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503".to_string(),
        ),
    ];
    let then = spawn_app_with(TestOptions {
        signing_secret: Some(secret.clone()),
        start: Some(Utc.timestamp_opt(1531420618, 0).unwrap()),
        ..Default::default()
    })
    .await;
    let res = then
        .post_raw(
            "/slack/commands",
            &body,
            "application/x-www-form-urlencoded",
            &headers,
        )
        .await;
    assert_eq!(res.status(), 200);
    let reply: serde_json::Value = res.json().await.unwrap();
    assert_eq!(reply["response_type"], "ephemeral");

    let today = spawn_app_with(TestOptions {
        signing_secret: Some(secret),
        ..Default::default()
    })
    .await;
    let res = today
        .post_raw(
            "/slack/commands",
            &body,
            "application/x-www-form-urlencoded",
            &headers,
        )
        .await;
    assert_eq!(res.status(), 401);
    assert_eq!(res.text().await.unwrap(), r#"{"error":"unauthorized"}"#);
}

#[tokio::test]
async fn forged_stale_and_unsigned_requests_get_401_and_store_nothing() {
    let app = spawn_app().await;
    let event = json!({"type": "event_callback", "event_id": "Ev1", "event": {"type": "app_home_opened", "user": "U0AGENT01", "tab": "home"}});
    let body = event.to_string();
    let ts = app.now();
    let good_sig = sign(ts, body.as_bytes());

    let tampered = format!("{body} ");
    let res = app
        .post_raw(
            "/slack/events",
            &tampered,
            "application/json",
            &[
                ("x-slack-request-timestamp", ts.to_string()),
                ("x-slack-signature", good_sig.clone()),
            ],
        )
        .await;
    assert_eq!(res.status(), 401, "tampered body");

    let stale = ts - 301;
    let res = app
        .post_raw(
            "/slack/events",
            &body,
            "application/json",
            &[
                ("x-slack-request-timestamp", stale.to_string()),
                ("x-slack-signature", sign(stale, body.as_bytes())),
            ],
        )
        .await;
    assert_eq!(res.status(), 401, "stale timestamp");

    let res = app
        .post_raw(
            "/slack/events",
            &body,
            "application/json",
            &[
                ("x-slack-request-timestamp", "Hello there!".to_string()),
                ("x-slack-signature", good_sig.clone()),
            ],
        )
        .await;
    assert_eq!(res.status(), 401, "non-numeric timestamp");

    let res = app
        .post_raw(
            "/slack/events",
            &body,
            "application/json",
            &[("x-slack-signature", good_sig)],
        )
        .await;
    assert_eq!(res.status(), 401, "missing timestamp");
    let res = app
        .post_raw(
            "/slack/events",
            &body,
            "application/json",
            &[("x-slack-request-timestamp", ts.to_string())],
        )
        .await;
    assert_eq!(res.status(), 401, "missing signature");
    let res = app
        .post_raw(
            "/slack/commands",
            "text=help&user_id=U1",
            "application/x-www-form-urlencoded",
            &[],
        )
        .await;
    assert_eq!(res.status(), 401, "unsigned command");

    assert_eq!(inbox_count(&app).await, 0);
    app.run_pending_jobs().await;
    assert!(app.slack.calls().await.is_empty(), "nothing reached Slack");
}

#[tokio::test]
async fn url_verification_returns_the_challenge() {
    let app = spawn_app().await;
    let body = fixture("payloads/url_verification.json");
    let res = app
        .post_signed("/slack/events", &body, "application/json")
        .await;
    assert_eq!(res.status(), 200);
    let reply: serde_json::Value = res.json().await.unwrap();
    assert_eq!(
        reply,
        json!({"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"})
    );
}

#[tokio::test]
async fn a_retried_event_acts_once_even_when_concurrent() {
    let app = spawn_app().await;
    let event = json!({
        "type": "event_callback", "event_id": "Ev0HOME01", "team_id": "T0001", "event_time": 1700000000,
        "event": {"type": "app_home_opened", "user": "U0AGENT01", "channel": "D0001", "tab": "home"}
    });
    let (a, b) = tokio::join!(app.event(&event, None), app.event(&event, Some(1)));
    assert_eq!(a.status(), 200);
    assert_eq!(b.status(), 200);
    let again = app.event(&event, Some(2)).await;
    assert_eq!(again.status(), 200);
    assert_eq!(inbox_count(&app).await, 1);

    app.run_pending_jobs().await;
    let published = app.slack.calls_to("views.publish").await;
    assert_eq!(
        published.len(),
        1,
        "one home tab publish for three deliveries"
    );
    assert_eq!(published[0]["user_id"], "U0AGENT01");
    assert_eq!(published[0]["view"]["type"], "home");
}

#[tokio::test]
async fn malformed_event_json_is_a_400_and_stores_nothing() {
    let app = spawn_app().await;
    let body = fixture("payloads/event_callback.app_mention.slack_docs.verbatim.txt");
    let res = app
        .post_signed("/slack/events", &body, "application/json")
        .await;
    assert_eq!(res.status(), 400);
    assert_eq!(inbox_count(&app).await, 0);
}

#[tokio::test]
async fn cx_help_lists_every_subcommand_ephemerally() {
    let app = spawn_app().await;
    let reply = app.command("U0AGENT01", "help").await;
    assert_eq!(reply["response_type"], "ephemeral");
    let text = reply["text"].as_str().unwrap();
    for (usage, _) in cxbot::slack::commands::USAGE {
        assert!(text.contains(usage), "help mentions {usage}: {text}");
    }
}

#[tokio::test]
async fn unknown_subcommand_answers_with_the_usage() {
    let app = spawn_app().await;
    let reply = app.command("U0AGENT01", "clam 4521").await;
    assert_eq!(reply["response_type"], "ephemeral");
    let text = reply["text"].as_str().unwrap();
    assert!(text.contains("`clam` is not a /cx subcommand"), "{text}");
    assert!(text.contains("/cx help"), "{text}");
}

#[tokio::test]
async fn unknown_action_id_is_acknowledged_and_does_nothing() {
    let app = spawn_app().await;
    let body = fixture("payloads/block_actions.button.slack_docs.form");
    let res = app
        .post_signed(
            "/slack/interactivity",
            &body,
            "application/x-www-form-urlencoded",
        )
        .await;
    assert_eq!(res.status(), 200);
    app.run_pending_jobs().await;
    assert!(app.slack.calls().await.is_empty());
}

/// A modal cxbot did not open (a `callback_id` it does not know) is acknowledged with an
/// empty 200 and nothing runs, the same when it comes again.
#[tokio::test]
async fn unknown_view_submission_is_acknowledged_and_does_nothing() {
    let app = spawn_app().await;
    let submission = json!({"type": "view_submission", "user": {"id": "U0AGENT01"},
        "view": {"id": "V9", "callback_id": "another_apps_modal", "state": {"values": {}}}});
    for _ in 0..2 {
        let res = app.interact(&submission).await;
        assert_eq!(res.status(), 200);
        assert_eq!(res.text().await.unwrap(), "");
    }
    app.run_pending_jobs().await;
    assert!(app.slack.calls().await.is_empty());
}

#[tokio::test]
async fn home_help_button_opens_the_help_modal() {
    let app = spawn_app().await;
    let res = app.click("U0AGENT01", "cx_home_help", "", None).await;
    assert_eq!(res.status(), 200);
    let opened = app.slack.calls_to("views.open").await;
    assert_eq!(opened.len(), 1);
    assert!(opened[0]["trigger_id"]
        .as_str()
        .unwrap()
        .starts_with("111.222.trigger"));
    assert_eq!(opened[0]["view"]["type"], "modal");
}

#[tokio::test]
async fn body_over_one_mebibyte_is_413() {
    let app = spawn_app().await;
    let body = "x".repeat(1024 * 1024 + 10);
    let res = app
        .post_signed("/slack/events", &body, "application/json")
        .await;
    assert_eq!(res.status(), 413);
}

#[tokio::test]
async fn responses_carry_a_request_id() {
    let app = spawn_app().await;
    let id = |res: &reqwest::Response| {
        res.headers()
            .get("x-request-id")
            .map(|v| v.to_str().unwrap().to_string())
    };
    // Made here: this process's prefix and a counter, a new one per request.
    let first = id(&app.command_raw("U0AGENT01", "help").await).expect("an id");
    let second = id(&app.command_raw("U0AGENT01", "help").await).expect("an id");
    assert_ne!(first, second);
    let (prefix, n) = first.split_once('-').expect("prefix-counter");
    assert_eq!(prefix.len(), 8, "{first}");
    assert!(n.parse::<u64>().is_ok(), "{first}");
    assert_eq!(second.split_once('-').unwrap().0, prefix);
    // The caller's own id comes back as sent, on a refusal and on an unknown path too.
    for (path, status) in [("/slack/commands", 401), ("/nowhere", 404)] {
        let res = app
            .post_raw(
                path,
                "text=help",
                "application/x-www-form-urlencoded",
                &[("x-request-id", "from-the-proxy-7".to_string())],
            )
            .await;
        assert_eq!(res.status(), status, "{path}");
        assert_eq!(id(&res).as_deref(), Some("from-the-proxy-7"), "{path}");
    }
}

#[tokio::test]
async fn slacks_ssl_check_of_the_command_url_gets_200_and_does_nothing() {
    let app = spawn_app().await;
    let res = app
        .post_raw(
            "/slack/commands",
            "ssl_check=1&token=gIkuvaNzQIHg97ATvDxqgjtO",
            "application/x-www-form-urlencoded",
            &[],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.text().await.unwrap(), "");
    assert_eq!(inbox_count(&app).await, 0);
    app.run_pending_jobs().await;
    assert!(app.slack.calls().await.is_empty());
    // Anything else unsigned at that URL is still refused.
    let res = app
        .post_raw(
            "/slack/commands",
            "command=%2Fcx&text=help&ssl_check=0",
            "application/x-www-form-urlencoded",
            &[],
        )
        .await;
    assert_eq!(res.status(), 401);
}
