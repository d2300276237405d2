//! SLA clocks end to end (issue 16), on both databases: a ticket's due time set at intake,
//! the sweep's warning and breach (thread line, DM or queue post, the responsible level's
//! channel, the breach recorded), the clock met, paused and re-budgeted, business hours.

use crate::helpers::*;
use crate::intake::{deliver, drain, freshdesk, posts_in, thread_replies, ticket, LEADS, QUEUE};
use chrono::{Duration, TimeZone, Utc};
use cxbot::config::playbook::EXAMPLE_PLAYBOOK;
use serde_json::{json, Value};

const MIN: i64 = 60_000;

async fn app_with(backend: Backend, playbook: Option<String>) -> TestApp {
    spawn_app_with(TestOptions {
        backend,
        playbook,
        ..Default::default()
    })
    .await
}

fn social(id: u64) -> Value {
    freshdesk(
        id,
        "{ticket_action:created}",
        json!({"ticket_subject": "Where is my bus?", "ticket_source": "Instagram",
               "requester_name": "Sam", "requester_email": "sam@example.com"}),
    )
}

fn status_change(id: u64, from: &str, to: &str) -> Value {
    freshdesk(
        id,
        &format!("{{status:{{from:{from},to:{to}}}}}"),
        json!({"ticket_subject": "Where is my bus?", "ticket_source": "Instagram",
               "ticket_status": to}),
    )
}

/// Moves the clock to `at` and lets the worker (and so the sweep) run.
async fn run_at(app: &TestApp, at: i64) {
    let now = app.state.services.now_ms();
    assert!(at >= now, "the clock only moves on");
    app.advance(Duration::milliseconds(at - now));
    drain(app).await;
}

/// The leads' channel less the unclaimed cards' re-announcements (`[unclaimed]`, tested in
/// `queue.rs`): what the SLA clock posted there.
async fn sla_posts_in_leads(app: &TestApp) -> Vec<Value> {
    posts_in(app, LEADS)
        .await
        .into_iter()
        .filter(|p| !p["text"].to_string().contains("Nobody has claimed"))
        .collect()
}

fn texts(posts: &[Value]) -> Vec<String> {
    posts.iter().map(|p| p["text"].to_string()).collect()
}

#[tokio::test]
async fn a_social_ticket_is_warned_at_90_minutes_and_breached_at_2_hours() {
    for backend in backends() {
        let app = app_with(backend, None).await;
        let id = deliver(&app, "freshdesk", &social(501)).await;
        drain(&app).await;
        let t = ticket(&app, id).await;
        let opened = t.opened_at;
        assert_eq!(t.sla.policy.as_deref(), Some("social"), "{backend:?}");
        assert_eq!(t.sla.due_at, Some(opened + 120 * MIN), "{backend:?}");
        assert_eq!(t.sla.next_at, Some(opened + 90 * MIN), "{backend:?}");

        run_at(&app, opened + 89 * MIN).await;
        assert!(
            posts_in(&app, QUEUE).await.is_empty(),
            "{backend:?}: nothing yet"
        );

        run_at(&app, opened + 91 * MIN).await;
        let queue = texts(&posts_in(&app, QUEUE).await);
        assert_eq!(queue.len(), 1, "{backend:?}: {queue:?}");
        assert!(queue[0].contains("#501 needs a reply"), "{queue:?}");
        let lines = texts(&thread_replies(&app).await);
        assert!(
            lines.iter().any(|l| l.contains("SLA: a reply is due")),
            "{lines:?}"
        );
        assert!(
            sla_posts_in_leads(&app).await.is_empty(),
            "{backend:?}: no breach yet"
        );

        run_at(&app, opened + 121 * MIN).await;
        let leads = texts(&sla_posts_in_leads(&app).await);
        assert_eq!(
            leads.len(),
            1,
            "{backend:?}: the Brand Lead's channel: {leads:?}"
        );
        assert!(
            leads[0].contains("SLA breached* on #501 (unclaimed)"),
            "{leads:?}"
        );
        let t = ticket(&app, id).await;
        assert!(
            t.sla.breached_at.is_some() && t.sla.next_at.is_none(),
            "{backend:?}"
        );
        let audit = app.state.services.store.audit_for(id).await.unwrap();
        let breaches: Vec<_> = audit.iter().filter(|a| a.action == "sla_breach").collect();
        assert_eq!(breaches.len(), 1, "{backend:?}: one breach row: {audit:?}");
        assert_eq!(breaches[0].detail.as_deref(), Some("social"));
        let card = app
            .slack
            .calls_to("chat.update")
            .await
            .pop()
            .expect("the card re-rendered");
        assert!(card.to_string().contains("BREACHED"), "{card}");

        // Later sweeps say nothing more.
        run_at(&app, opened + 300 * MIN).await;
        assert_eq!(sla_posts_in_leads(&app).await.len(), 1, "{backend:?}");
        assert_eq!(
            posts_in(&app, QUEUE).await.len(),
            2,
            "{backend:?}: warning + breach"
        );
    }
}

#[tokio::test]
async fn a_ticket_solved_at_1_h_50_never_breaches() {
    for backend in backends() {
        let app = app_with(backend, None).await;
        let id = deliver(&app, "freshdesk", &social(502)).await;
        drain(&app).await;
        let opened = ticket(&app, id).await.opened_at;
        run_at(&app, opened + 110 * MIN).await;
        deliver(&app, "freshdesk", &status_change(502, "Open", "Resolved")).await;
        run_at(&app, opened + 400 * MIN).await;
        let t = ticket(&app, id).await;
        assert_eq!(t.sla.breached_at, None, "{backend:?}");
        assert!(t.sla.met_at.is_some(), "{backend:?}");
        assert!(sla_posts_in_leads(&app).await.is_empty(), "{backend:?}");
        let audit = app.state.services.store.audit_for(id).await.unwrap();
        assert!(
            audit.iter().all(|a| a.action != "sla_breach"),
            "{backend:?}"
        );
    }
}

#[tokio::test]
async fn a_pending_ticket_pauses_its_clock_and_keeps_the_time_used() {
    let paused = EXAMPLE_PLAYBOOK.replacen(
        "next_response = \"2h\"\n",
        "next_response = \"2h\"\npending = \"pause\"\n",
        1,
    );
    assert_ne!(paused, EXAMPLE_PLAYBOOK);
    for backend in backends() {
        let app = app_with(backend, Some(paused.clone())).await;
        let id = deliver(&app, "freshdesk", &social(503)).await;
        drain(&app).await;
        let opened = ticket(&app, id).await.opened_at;
        run_at(&app, opened + 60 * MIN).await;
        deliver(&app, "freshdesk", &status_change(503, "Open", "Pending")).await;
        let t = ticket(&app, id).await;
        assert_eq!(
            (t.sla.since, t.sla.due_at),
            (None, None),
            "{backend:?}: paused"
        );
        assert!(t.sla.used_ms >= 60 * MIN, "{backend:?}");
        // Five hours waiting on the customer count for nothing.
        run_at(&app, opened + 360 * MIN).await;
        assert!(posts_in(&app, QUEUE).await.is_empty(), "{backend:?}");
        deliver(&app, "freshdesk", &status_change(503, "Pending", "Open")).await;
        let t = ticket(&app, id).await;
        let (resumed, used) = (t.sla.since.expect("running again"), t.sla.used_ms);
        assert_eq!(
            t.sla.due_at,
            Some(resumed + 120 * MIN - used),
            "{backend:?}"
        );
        assert!(t.sla.due_at.unwrap() > opened + 360 * MIN, "{backend:?}");
    }
}

#[tokio::test]
async fn a_business_hours_clock_skips_the_weekend_and_a_holiday() {
    // Four hours of Mon-Fri 09:00-17:00 New York; Thanksgiving (Thursday 26th) closed.
    let playbook = EXAMPLE_PLAYBOOK
        .replace(
            "hours = [\"Mon-Fri 09:00-18:00\"]",
            "hours = [\"Mon-Fri 09:00-17:00\"]\nholidays = [\"2026-11-26\"]",
        )
        .replace("first_response = \"24h\"", "first_response = \"4h\"");
    for backend in backends() {
        let app = spawn_app_with(TestOptions {
            backend,
            playbook: Some(playbook.clone()),
            // Wednesday 2026-11-25 15:00 in New York.
            start: Some(Utc.with_ymd_and_hms(2026, 11, 25, 20, 0, 0).unwrap()),
            ..Default::default()
        })
        .await;
        let body = freshdesk(
            504,
            "{ticket_action:created}",
            json!({"ticket_subject": "Refund status", "ticket_source": "Email",
                   "requester_email": "ana@example.com"}),
        );
        let id = deliver(&app, "freshdesk", &body).await;
        let t = ticket(&app, id).await;
        assert_eq!(t.sla.policy.as_deref(), Some("medium"), "{backend:?}");
        // Two hours on Wednesday, none on Thursday, two on Friday: 11:00 New York.
        let friday_11 = Utc.with_ymd_and_hms(2026, 11, 27, 16, 0, 0).unwrap();
        assert_eq!(
            t.sla.due_at,
            Some(friday_11.timestamp_millis()),
            "{backend:?}"
        );
    }
}

#[tokio::test]
async fn a_priority_change_moves_the_ticket_to_the_policy_that_now_covers_it() {
    for backend in backends() {
        let app = app_with(backend, None).await;
        let created = freshdesk(
            505,
            "{ticket_action:created}",
            json!({"ticket_subject": "Refund status", "ticket_source": "Email",
                   "ticket_priority": "Medium", "requester_email": "ana@example.com"}),
        );
        let id = deliver(&app, "freshdesk", &created).await;
        let before = ticket(&app, id).await.sla;
        assert_eq!(before.policy.as_deref(), Some("medium"), "{backend:?}");
        app.advance(Duration::minutes(30));
        let raised = freshdesk(
            505,
            "{priority:{from:Medium,to:High}}",
            json!({"ticket_subject": "Refund status", "ticket_source": "Email",
                   "ticket_priority": "High", "requester_email": "ana@example.com"}),
        );
        deliver(&app, "freshdesk", &raised).await;
        let after = ticket(&app, id).await.sla;
        assert_eq!(after.policy.as_deref(), Some("urgent"), "{backend:?}");
        assert_eq!(after.budget_ms, Some(8 * 60 * MIN), "{backend:?}");
        assert!(
            after.due_at.unwrap() < before.due_at.unwrap(),
            "{backend:?}: 8 h instead of 24 h: {after:?} vs {before:?}"
        );
        assert_eq!(
            after.since, before.since,
            "{backend:?}: the time used is kept"
        );
    }
}

#[tokio::test]
async fn a_logged_follow_up_step_meets_the_clock() {
    for backend in backends() {
        let app = app_with(backend, None).await;
        let id = deliver(&app, "freshdesk", &social(506)).await;
        drain(&app).await;
        app.command("U0AGENT01", "followup 506").await;
        app.command("U0AGENT01", "followup 506 done called, no answer")
            .await;
        let t = ticket(&app, id).await;
        assert!(
            t.sla.met_at.is_some() && t.sla.next_at.is_none(),
            "{backend:?}: {:?}",
            t.sla
        );
        run_at(&app, t.opened_at + 300 * MIN).await;
        assert!(sla_posts_in_leads(&app).await.is_empty(), "{backend:?}");
    }
}

#[tokio::test]
async fn a_customer_writing_again_after_an_answer_starts_a_next_response_clock() {
    let on = EXAMPLE_PLAYBOOK.replacen("next_response = false", "next_response = true", 1);
    for backend in backends() {
        let app = app_with(backend, Some(on.clone())).await;
        let id = deliver(&app, "freshdesk", &social(507)).await;
        drain(&app).await;
        deliver(&app, "freshdesk", &status_change(507, "Open", "Pending")).await;
        let answered = ticket(&app, id).await.sla;
        assert!(
            answered.met_at.is_some(),
            "{backend:?}: pending is the answer"
        );
        app.advance(Duration::hours(5));
        let reply = freshdesk(
            507,
            "{note_type:public}",
            json!({"ticket_subject": "Where is my bus?", "ticket_source": "Instagram",
                   "ticket_status": "Open", "ticket_latest_public_comment": "Still waiting"}),
        );
        deliver(&app, "freshdesk", &reply).await;
        let next = ticket(&app, id).await.sla;
        let now = app.state.services.now_ms();
        assert_eq!(next.kind.as_deref(), Some("next"), "{backend:?}: {next:?}");
        assert_eq!(next.due_at, Some(now + 120 * MIN), "{backend:?}");
        assert_eq!(next.met_at, None, "{backend:?}");
    }
}
