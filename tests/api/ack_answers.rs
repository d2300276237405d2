//! The answers that need no database, byte for byte: each has a faster path than the
//! general one (issue 22), and must still say exactly what the general path says.

use crate::helpers::*;
use cxbot::slack::{commands, views};
use serde_json::json;

async fn body_of(res: reqwest::Response) -> (u16, Option<String>, Vec<u8>) {
    let status = res.status().as_u16();
    let ctype = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string());
    (status, ctype, res.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn help_typos_and_bad_arguments_answer_the_general_replys_bytes() {
    let app = spawn_app().await;
    for text in [
        "help",
        "hello world",
        "claim",
        "claim #",
        "release 1 2",
        "followup 4521 from",
        "stats month",
        "\"quoted\" caf\u{e9} \u{1F600}",
        &"y".repeat(3_100),
    ] {
        let res = app.command_raw("U0AGENT01", text).await;
        let expected = match commands::parse(text) {
            Ok(commands::Command::Help) => views::help(commands::USAGE),
            Err(usage) => views::usage_error(&usage),
            Ok(other) => panic!("{other:?} needs the database"),
        };
        let expected = serde_json::to_vec(&expected.ephemeral_body()).unwrap();
        let (status, ctype, body) = body_of(res).await;
        assert_eq!(status, 200, "{text}");
        assert_eq!(ctype.as_deref(), Some("application/json"), "{text}");
        assert_eq!(
            String::from_utf8(body).unwrap(),
            String::from_utf8(expected).unwrap(),
            "{text}"
        );
    }
}

#[tokio::test]
async fn a_retry_of_a_recorded_event_and_an_unknown_click_answer_200_empty() {
    let app = spawn_app().await;
    let event = json!({
        "type": "event_callback", "event_id": "Ev0ACK01", "team_id": "T0001", "event_time": 1700000000,
        "event": {"type": "app_mention", "user": "U0AGENT01", "channel": "C0QUEUE01", "text": "hi", "ts": "1.2"}
    });
    for retry in [None, Some(1), Some(2)] {
        let (status, ctype, body) = body_of(app.event(&event, retry).await).await;
        assert_eq!((status, ctype, body.len()), (200, None, 0), "{retry:?}");
    }
    for i in 0..3 {
        // Each click its own (a click sent twice is a replay, refused).
        let click = json!({
            "type": "block_actions", "user": {"id": "U0AGENT01"}, "trigger_id": format!("{i}.2.t"),
            "channel": {"id": "C0QUEUE01"}, "actions": [{"action_id": "gone_feature", "value": "42"}]
        });
        let (status, ctype, body) = body_of(app.interact(&click).await).await;
        assert_eq!((status, ctype, body.len()), (200, None, 0));
    }
    app.run_pending_jobs().await;
    assert!(app.slack.calls().await.is_empty(), "nothing reached Slack");
}

#[tokio::test]
async fn a_redelivery_whose_first_delivery_never_arrived_is_recorded_and_acted_on() {
    // A retry is looked up before anything is written; one that was never recorded (the
    // first delivery failed) must still be recorded, once, and act.
    let app = spawn_app().await;
    let event = json!({
        "type": "event_callback", "event_id": "Ev0ACKHOME", "team_id": "T0001", "event_time": 1700000000,
        "event": {"type": "app_home_opened", "user": "U0AGENT01", "channel": "D0001", "tab": "home"}
    });
    assert_eq!(app.event(&event, Some(1)).await.status(), 200);
    assert_eq!(app.event(&event, Some(2)).await.status(), 200);
    app.run_pending_jobs().await;
    assert_eq!(app.slack.calls_to("views.publish").await.len(), 1);
}

fn home_opened(event_id: &str) -> serde_json::Value {
    json!({
        "type": "event_callback", "event_id": event_id, "team_id": "T0001", "event_time": 1700000000,
        "event": {"type": "app_home_opened", "user": "U0AGENT01", "channel": "D0001", "tab": "home"}
    })
}

#[tokio::test]
async fn a_redelivery_of_an_event_this_process_recorded_is_known_without_the_store() {
    // The process remembers what it recorded: with the inbox row gone from under it (as
    // if the store could not be asked), the redelivery is still a duplicate and acts once.
    let app = spawn_app().await;
    let event = home_opened("Ev0ACKMEM");
    assert_eq!(app.event(&event, None).await.status(), 200);
    let path = app.db.url.trim_start_matches("sqlite://").to_string();
    let raw = sqlx::SqlitePool::connect(&format!("sqlite://{path}"))
        .await
        .unwrap();
    let gone = sqlx::query("DELETE FROM event_inbox WHERE event_key = 'slack:Ev0ACKMEM'")
        .execute(&raw)
        .await
        .unwrap();
    assert_eq!(gone.rows_affected(), 1);
    raw.close().await;
    assert_eq!(app.event(&event, Some(1)).await.status(), 200);
    app.run_pending_jobs().await;
    assert_eq!(app.slack.calls_to("views.publish").await.len(), 1);
}

#[tokio::test]
async fn a_redelivery_to_another_replica_is_looked_up_in_the_store() {
    // Replicas need PostgreSQL (SQLite allows one `serve`).
    if !backends().contains(&Backend::Postgres) {
        return;
    }
    {
        let first = spawn_app_with(TestOptions {
            backend: Backend::Postgres,
            ..Default::default()
        })
        .await;
        let second = spawn_app_with(TestOptions {
            backend: Backend::Postgres,
            db_url: Some(first.db.url.clone()),
            slack_url: Some(first.slack.url()),
            ..Default::default()
        })
        .await;
        let event = home_opened("Ev0ACKREP");
        assert_eq!(first.event(&event, None).await.status(), 200);
        assert_eq!(second.event(&event, Some(1)).await.status(), 200);
        second.run_pending_jobs().await;
        first.run_pending_jobs().await;
        assert_eq!(first.slack.calls_to("views.publish").await.len(), 1);
    }
}
