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
        app.command(ANA, "followup 903").await;
        app.command(ANA, "followup 903 done wrote to them").await;
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
        // Claims 1, first responses 1 (the follow-up logged on her ticket), follow-ups 1,
        // callbacks 0, social 1, escalations 1.
        assert!(
            s.contains(&format!("<@{ANA}>: 1 · 1 · 1 · 0 · 1 · 1")),
            "{s}"
        );
        assert!(s.contains("Follow-ups:* 1 steps logged"), "{s}");
        assert!(s.contains("America/New_York"), "{s}");
        assert!(!s.contains("late: cxbot was down"), "{s}");
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

const LEAD: &str = "U0LEADER1";
const LEADS: &str = "#cx-leads";

fn with_lead() -> String {
    format!(
        "{}[[team.member]]\nslack_id = \"{LEAD}\"\nname = \"Dana\"\nlevel = \"L3\"\nlead = true\n",
        team()
    )
}

async fn digests(app: &TestApp) -> Vec<String> {
    app.slack
        .calls_to("chat.postMessage")
        .await
        .into_iter()
        .filter(|b| b["channel"] == LEADS)
        .map(|b| b.to_string())
        .filter(|t| t.contains("Leads' digest"))
        .collect()
}

#[tokio::test]
async fn the_leads_digest_goes_out_at_its_times_once_and_on_demand() {
    for backend in backends() {
        let app = spawn_app_with(TestOptions {
            backend,
            playbook: Some(with_lead()),
            start: Some(monday_ny(8, 50)),
            ..Default::default()
        })
        .await;
        deliver(
            &app,
            "freshdesk",
            &freshdesk_missed_call(911, "+1 555 0111"),
        )
        .await;
        drain(&app).await;
        move_to(&app, monday_ny(9, 1)).await;
        drain(&app).await;
        move_to(&app, monday_ny(9, 30)).await;
        drain(&app).await;
        let posted = digests(&app).await;
        assert_eq!(posted.len(), 1, "{backend:?}: once at 09:00: {posted:?}");
        assert!(
            posted[0].contains("Unclaimed: 1") && posted[0].contains("under 1 h: 1"),
            "{}",
            posted[0]
        );

        app.command(ANA, "claim 911").await;
        let shown = app.command(ANA, "digest").await.to_string();
        assert!(shown.contains("all clear"), "{backend:?}: {shown}");
        let refused = app.command(ANA, "digest now").await.to_string();
        assert!(refused.contains("Only a lead"), "{refused}");
        app.command(LEAD, "digest now").await;
        drain(&app).await;
        assert_eq!(
            digests(&app).await.len(),
            2,
            "{backend:?}: posted on demand"
        );

        move_to(&app, monday_ny(15, 1)).await;
        drain(&app).await;
        assert_eq!(digests(&app).await.len(), 3, "{backend:?}: and at 15:00");
    }
}

#[tokio::test]
async fn stats_answer_the_figures_for_a_period_and_a_person() {
    for backend in backends() {
        let app = app_at(backend, None).await;
        deliver(
            &app,
            "freshdesk",
            &freshdesk_missed_call(921, "+1 555 0121"),
        )
        .await;
        deliver(
            &app,
            "freshdesk",
            &freshdesk_missed_call(922, "+1 555 0122"),
        )
        .await;
        app.command(ANA, "claim 921").await;
        let today = app.command(ANA, "stats").await.to_string();
        assert!(
            today.contains("Figures") && today.contains("Received: 2"),
            "{backend:?}: {today}"
        );
        assert!(
            today.contains(&format!("<@{ANA}>: 1 · 0 · 0 · 0")),
            "{today}"
        );
        let yesterday = app.command(ANA, "stats yesterday").await.to_string();
        assert!(yesterday.contains("Received: 0"), "{yesterday}");
        let other = app
            .command(ANA, "stats week <@U0NOBODY1>")
            .await
            .to_string();
        assert!(!other.contains(ANA), "{other}");
        let bad = app.command(ANA, "stats fortnight").await.to_string();
        assert!(bad.contains("is not today, yesterday, week"), "{bad}");
    }
}

#[tokio::test]
async fn monday_brings_the_week_beside_the_week_before() {
    for backend in backends() {
        // Tuesday 2026-11-10 10:00 New York: two tickets in the week before last.
        let app = spawn_app_with(TestOptions {
            backend,
            playbook: Some(with_lead()),
            start: Some(Utc.with_ymd_and_hms(2026, 11, 10, 15, 0, 0).unwrap()),
            ..Default::default()
        })
        .await;
        deliver(
            &app,
            "freshdesk",
            &freshdesk_missed_call(931, "+1 555 0131"),
        )
        .await;
        deliver(
            &app,
            "freshdesk",
            &freshdesk_missed_call(932, "+1 555 0132"),
        )
        .await;
        // Tuesday 2026-11-17: three in the last week.
        move_to(&app, Utc.with_ymd_and_hms(2026, 11, 17, 15, 0, 0).unwrap()).await;
        for (n, phone) in [
            (933, "+1 555 0133"),
            (934, "+1 555 0134"),
            (935, "+1 555 0135"),
        ] {
            deliver(&app, "freshdesk", &freshdesk_missed_call(n, phone)).await;
        }
        drain(&app).await;
        move_to(&app, monday_ny(9, 1)).await;
        drain(&app).await;
        move_to(&app, monday_ny(9, 20)).await;
        drain(&app).await;
        let weekly: Vec<String> = app
            .slack
            .calls_to("chat.postMessage")
            .await
            .into_iter()
            .filter(|b| b["channel"] == LEADS)
            .map(|b| b.to_string())
            .filter(|t| t.contains("The week"))
            .collect();
        assert_eq!(weekly.len(), 1, "{backend:?}: once: {weekly:?}");
        assert!(
            weekly[0].contains("Received:* 3 ↑ 50% (2)"),
            "{}",
            weekly[0]
        );
        // The two ends are days ("Mon, Nov 16"), not times read as "from at 09:00 on ...".
        assert!(
            weekly[0].contains("*The week* <!date^") && weekly[0].contains("^{date_short_pretty}|"),
            "{}",
            weekly[0]
        );
    }
}
