//! The daily summary end to end (issue 17, part 2): posted to cx-only at 18:00 with the
//! day's figures, once however often the clock looks, once with two replicas on
//! PostgreSQL, and a day missed during downtime posted once, late.

use crate::helpers::*;
use crate::intake::{deliver, drain, freshdesk, freshdesk_missed_call};
use chrono::{Duration, TimeZone, Utc};
use cxbot::config::playbook::EXAMPLE_PLAYBOOK;
use serde_json::json;

const ANA: &str = "U0ANAAGNT";
const CX_ONLY: &str = "#cx-only";

fn team() -> String {
    format!("{EXAMPLE_PLAYBOOK}\n[[team.member]]\nslack_id = \"{ANA}\"\nname = \"Ana\"\nlevel = \"L1\"\n")
}

/// Monday 2026-11-23 at `h`:`m` New York.
fn monday_ny(h: u32, m: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, h + 5, m, 0).unwrap()
}

async fn app_at(backend: Backend, db: Option<(String, String)>) -> TestApp {
    spawn_app_with(TestOptions {
        backend,
        playbook: Some(team()),
        start: Some(monday_ny(9, 0)),
        db_url: db.as_ref().map(|d| d.0.clone()),
        slack_url: db.map(|d| d.1),
        ..Default::default()
    })
    .await
}

async fn move_to(app: &TestApp, at: chrono::DateTime<Utc>) {
    let now = app.state.services.now_ms();
    app.advance(Duration::milliseconds(at.timestamp_millis() - now));
}

async fn summaries(app: &TestApp) -> Vec<String> {
    app.slack
        .calls_to("chat.postMessage")
        .await
        .into_iter()
        .filter(|b| b["channel"] == CX_ONLY && b.get("thread_ts").is_none())
        .map(|b| b.to_string())
        .filter(|t| t.contains("Daily summary"))
        .collect()
}

#[tokio::test]
async fn the_day_is_summarised_once_at_18_00_with_its_figures() {
    for backend in backends() {
        let app = app_at(backend, None).await;
        deliver(
            &app,
            "freshdesk",
            &freshdesk_missed_call(901, "+1 555 0100"),
        )
        .await;
        deliver(
            &app,
            "freshdesk",
            &freshdesk_missed_call(902, "+1 555 0101"),
        )
        .await;
        let social = freshdesk(
            903,
            "{ticket_action:created}",
            json!({"ticket_subject": "Where is my bus?", "ticket_source": "Instagram",
                   "requester_email": "sam@example.com"}),
        );
        deliver(&app, "freshdesk", &social).await;
        drain(&app).await;
        app.command(ANA, "claim 903").await;
        app.advance(Duration::minutes(30));
        app.command(ANA, "escalate 903 angry customer").await;
        drain(&app).await;

        move_to(&app, monday_ny(17, 59)).await;
        drain(&app).await;
        assert!(
            summaries(&app).await.is_empty(),
            "{backend:?}: not before 18:00"
        );
        move_to(&app, monday_ny(18, 1)).await;
        drain(&app).await;
        drain(&app).await;
        let posted = summaries(&app).await;
        assert_eq!(posted.len(), 1, "{backend:?}: once: {posted:?}");
        let s = &posted[0];
        assert!(
            s.contains("Received: 3") && s.contains("missed call: 2 (2 open)"),
            "{s}"
        );
        assert!(s.contains("social: 1 (0 open)"), "{s}");
        assert!(s.contains("Missed calls:* 2, called back: 0"), "{s}");
        assert!(s.contains("Escalations:* L2: 1"), "{s}");
        assert!(s.contains(&format!("<@{ANA}>: 1 · 1 · 0 · 1")), "{s}");
        assert!(s.contains("America/New_York"), "{s}");
        assert!(!s.contains("late"), "{s}");
    }
}

#[tokio::test]
async fn a_day_missed_while_down_is_posted_once_late() {
    for backend in backends() {
        let app = app_at(backend, None).await;
        move_to(&app, monday_ny(18, 1)).await;
        drain(&app).await;
        assert_eq!(summaries(&app).await.len(), 1, "{backend:?}: Monday's");
        // Down from Monday night to Wednesday 10:00: Tuesday's is posted once, late.
        move_to(&app, monday_ny(10, 0) + Duration::days(2)).await;
        drain(&app).await;
        drain(&app).await;
        let posted = summaries(&app).await;
        assert_eq!(posted.len(), 2, "{backend:?}: {posted:?}");
        assert!(posted[1].contains("late: cxbot was down"), "{}", posted[1]);
    }
}

#[tokio::test]
async fn two_replicas_on_postgres_post_the_summary_once() {
    if !backends().contains(&Backend::Postgres) {
        return;
    }
    let a = app_at(Backend::Postgres, None).await;
    let b = app_at(Backend::Postgres, Some((a.db.url.clone(), a.slack.url()))).await;
    move_to(&a, monday_ny(18, 1)).await;
    move_to(&b, monday_ny(18, 1)).await;
    let (ra, rb) = tokio::join!(a.worker.run_until_empty(), b.worker.run_until_empty());
    ra.unwrap();
    rb.unwrap();
    drain(&a).await;
    drain(&b).await;
    assert_eq!(
        summaries(&a).await.len(),
        1,
        "one summary across both replicas"
    );
}
