//! Queue features end to end (issue 21), on both databases: an unclaimed card re-announced
//! to the leads once on time (not before, not after a claim, not twice whatever sweeps
//! run), counted by the digest and the summary; auto-assignment off by default, round
//! robin over the people on shift, the claim limit, the audit row, and Release.

use crate::helpers::*;
use crate::intake::{deliver, drain, freshdesk, freshdesk_missed_call, posts_in, ticket, LEADS};
use chrono::{Duration, TimeZone, Utc};
use cxbot::config::playbook::EXAMPLE_PLAYBOOK;
use cxbot::service::unclaimed;
use serde_json::{json, Value};

const MIN: i64 = 60_000;
const ANA: &str = "U0AGENT01";
const BEN: &str = "U0AGENT02";
const DANA: &str = "U0LEAD001";

fn team(playbook: &str) -> String {
    format!(
        "{playbook}\n[[team.member]]\nslack_id = \"{ANA}\"\nname = \"Ana\"\nlevel = \"L1\"\n\
         [[team.member]]\nslack_id = \"{BEN}\"\nname = \"Ben\"\nlevel = \"L2\"\n\
         [[team.member]]\nslack_id = \"{DANA}\"\nname = \"Dana\"\nlevel = \"L3\"\nlead = true\n"
    )
}

fn auto_on(max_open: i64) -> String {
    team(
        &EXAMPLE_PLAYBOOK
            .replace("auto = \"off\"", "auto = \"round_robin\"")
            .replace("max_open = 0", &format!("max_open = {max_open}")),
    )
}

async fn app_with(backend: Backend, playbook: String) -> TestApp {
    spawn_app_with(TestOptions {
        backend,
        playbook: Some(playbook),
        ..Default::default()
    })
    .await
}

/// A new missed call from its own number (so each is its own card).
async fn call(app: &TestApp, n: u64) -> i64 {
    let phone = format!("+1 555 01{n:02}");
    let id = deliver(app, "freshdesk", &freshdesk_missed_call(n, &phone)).await;
    drain(app).await;
    id
}

fn social(n: u64) -> Value {
    freshdesk(
        n,
        "{ticket_action:created}",
        json!({"ticket_subject": "Where is my bus?", "ticket_source": "Instagram",
               "requester_name": "Sam", "requester_email": format!("sam{n}@example.com")}),
    )
}

/// Moves the clock to `at` and lets the worker (and so the clock's sweep) run.
async fn run_at(app: &TestApp, at: i64) {
    let now = app.state.services.now_ms();
    assert!(at >= now, "the clock only moves on");
    app.advance(Duration::milliseconds(at - now));
    drain(app).await;
}

/// The leads' channel's "Nobody has claimed" posts.
async fn re_announced(app: &TestApp) -> Vec<Value> {
    posts_in(app, LEADS)
        .await
        .into_iter()
        .filter(|p| {
            p["text"]
                .as_str()
                .unwrap_or("")
                .contains("Nobody has claimed")
        })
        .collect()
}

async fn audit_of(app: &TestApp, id: i64, action: &str) -> Vec<cxbot::db::AuditRow> {
    let audit = app.state.services.store.audit_for(id).await.unwrap();
    audit.into_iter().filter(|a| a.action == action).collect()
}

async fn click(app: &TestApp, user: &str, action: &str, id: i64) {
    let res = app
        .click(user, action, &id.to_string(), Some("1700000000.000001"))
        .await;
    assert_eq!(res.status(), 200);
    drain(app).await;
}

#[tokio::test]
async fn an_unclaimed_missed_call_is_re_announced_to_the_leads_once_after_15_minutes() {
    for backend in backends() {
        let app = app_with(backend, team(EXAMPLE_PLAYBOOK)).await;
        let id = call(&app, 1).await;
        let t = ticket(&app, id).await;
        let posted = t.created_at;
        assert_eq!(
            t.claim.unclaimed_due_at,
            Some(posted + 15 * MIN),
            "{backend:?}"
        );

        run_at(&app, posted + 14 * MIN).await;
        assert!(
            re_announced(&app).await.is_empty(),
            "{backend:?}: not before"
        );

        run_at(&app, posted + 16 * MIN).await;
        let posts = re_announced(&app).await;
        assert_eq!(posts.len(), 1, "{backend:?}: {posts:?}");
        let text = posts[0]["text"].as_str().unwrap();
        assert!(text.contains("#1 (missed call) for 1"), "{text}");
        assert!(text.contains("Missed call from +1 555 0101"), "{text}");
        let blocks = posts[0]["blocks"].to_string();
        assert!(
            blocks.contains("cx_claim") && blocks.contains("cx_escalate"),
            "{blocks}"
        );
        let rows = audit_of(&app, id, "unclaimed_escalation").await;
        assert_eq!(rows.len(), 1, "{backend:?}");
        assert_eq!(rows[0].source, "clock");
        assert_eq!(rows[0].detail.as_deref(), Some("missed_call"));
        let t = ticket(&app, id).await;
        assert!(t.claim.unclaimed_due_at.is_none() && t.claim.unclaimed_told_at.is_some());

        // Later sweeps, and a sweep run again by hand (a replica, a restart), say nothing more.
        run_at(&app, posted + 90 * MIN).await;
        let services = &app.state.services;
        let now = services.now_ms();
        assert_eq!(unclaimed::sweep(services, now).await.unwrap(), 0);
        drain(&app).await;
        assert_eq!(re_announced(&app).await.len(), 1, "{backend:?}: once");
        assert_eq!(audit_of(&app, id, "unclaimed_escalation").await.len(), 1);
    }
}

#[tokio::test]
async fn two_sweeps_at_once_re_announce_a_card_once() {
    for backend in backends() {
        let app = app_with(backend, team(EXAMPLE_PLAYBOOK)).await;
        let id = deliver(&app, "freshdesk", &social(7)).await;
        drain(&app).await;
        let posted = ticket(&app, id).await.created_at;
        assert_eq!(
            ticket(&app, id).await.claim.unclaimed_due_at,
            Some(posted + 30 * MIN),
            "{backend:?}: social waits 30 min, around the clock"
        );
        // Two replicas' sweeps of the same moment (the worker is not run in between).
        app.advance(Duration::milliseconds(
            posted + 31 * MIN - app.state.services.now_ms(),
        ));
        let services = &app.state.services;
        let now = services.now_ms();
        let (a, b) = tokio::join!(
            unclaimed::sweep(services, now),
            unclaimed::sweep(services, now)
        );
        assert_eq!(a.unwrap() + b.unwrap(), 1, "{backend:?}: one of them told");
        drain(&app).await;
        let posts = re_announced(&app).await;
        assert_eq!(posts.len(), 1, "{backend:?}: {posts:?}");
        assert!(posts[0]["text"]
            .as_str()
            .unwrap()
            .contains("(social) for 31 min"));
    }
}

#[tokio::test]
async fn a_card_held_at_its_time_is_not_re_announced_and_a_release_does_not_re_arm_it() {
    for backend in backends() {
        let app = app_with(backend, team(EXAMPLE_PLAYBOOK)).await;
        let id = call(&app, 2).await;
        let posted = ticket(&app, id).await.created_at;
        run_at(&app, posted + 5 * MIN).await;
        click(&app, ANA, "cx_claim", id).await;
        run_at(&app, posted + 20 * MIN).await;
        assert!(
            re_announced(&app).await.is_empty(),
            "{backend:?}: claimed in time"
        );
        assert!(
            ticket(&app, id).await.claim.unclaimed_due_at.is_none(),
            "settled"
        );

        click(&app, ANA, "cx_release", id).await;
        assert!(ticket(&app, id).await.claimed_by.is_none());
        run_at(&app, posted + 120 * MIN).await;
        assert!(
            re_announced(&app).await.is_empty(),
            "{backend:?}: not re-armed"
        );
        assert!(audit_of(&app, id, "unclaimed_escalation").await.is_empty());
    }
}

#[tokio::test]
async fn the_digest_and_the_summary_count_re_announced_cards() {
    for backend in backends() {
        let app = app_with(backend, team(EXAMPLE_PLAYBOOK)).await;
        let first = call(&app, 3).await;
        let second = call(&app, 4).await;
        let posted = ticket(&app, second).await.created_at;
        let services = &app.state.services;
        let digest = cxbot::service::digest::build(services).await.unwrap();
        assert_eq!(digest.unclaimed_past_time, 0, "{backend:?}");

        run_at(&app, posted + 16 * MIN).await;
        assert_eq!(re_announced(&app).await.len(), 2, "{backend:?}");
        let digest = cxbot::service::digest::build(services).await.unwrap();
        assert_eq!(digest.unclaimed_past_time, 2, "{backend:?}");
        let rendered = cxbot::slack::views::digest::render(&digest);
        let shown = serde_json::to_string(&rendered.blocks).unwrap();
        assert!(shown.contains("Unclaimed past their time:* 2"), "{shown}");

        // A claim takes one off the digest; the summary still counts what happened.
        click(&app, BEN, "cx_claim", first).await;
        let digest = cxbot::service::digest::build(services).await.unwrap();
        assert_eq!(digest.unclaimed_past_time, 1, "{backend:?}");
        let now = services.now_ms();
        let summary = cxbot::service::summary::compute(services, now + 1)
            .await
            .unwrap();
        assert_eq!(
            summary.unclaimed_escalations.get("missed_call"),
            Some(&2),
            "{backend:?}: {summary:?}"
        );
    }
}

#[tokio::test]
async fn the_wait_counts_business_hours_and_a_kind_can_be_switched_off() {
    // Monday 20:00 in New York: the missed calls' policy counts Mon-Fri 09:00-18:00.
    let evening = Utc.with_ymd_and_hms(2026, 11, 24, 1, 0, 0).unwrap();
    let app = spawn_app_with(TestOptions {
        playbook: Some(team(EXAMPLE_PLAYBOOK)),
        start: Some(evening),
        ..Default::default()
    })
    .await;
    let id = call(&app, 5).await;
    let tuesday_0915 = Utc.with_ymd_and_hms(2026, 11, 24, 14, 15, 0).unwrap();
    assert_eq!(
        ticket(&app, id).await.claim.unclaimed_due_at,
        Some(tuesday_0915.timestamp_millis())
    );
    run_at(&app, evening.timestamp_millis() + 120 * MIN).await;
    assert!(re_announced(&app).await.is_empty(), "not at night");

    let off = team(&EXAMPLE_PLAYBOOK.replace("missed_call = \"15m\"", "missed_call = \"off\""));
    let app = app_with(Backend::Sqlite, off).await;
    let id = call(&app, 6).await;
    assert!(ticket(&app, id).await.claim.unclaimed_due_at.is_none());
    run_at(&app, app.state.services.now_ms() + 60 * MIN).await;
    assert!(re_announced(&app).await.is_empty(), "switched off");
}

#[tokio::test]
async fn auto_assignment_is_off_by_default() {
    let app = app_with(Backend::Sqlite, team(EXAMPLE_PLAYBOOK)).await;
    app.command(ANA, "on").await;
    let id = call(&app, 10).await;
    let t = ticket(&app, id).await;
    assert!(t.claimed_by.is_none(), "{t:?}");
    assert!(audit_of(&app, id, "assign").await.is_empty());
    let jobs = app
        .state
        .services
        .store
        .list_jobs(cxbot::db::JobState::Done)
        .await
        .unwrap();
    assert!(jobs.iter().all(|j| j.name != "auto_assign"));
}

#[tokio::test]
async fn three_cards_alternate_over_the_two_people_on_shift() {
    for backend in backends() {
        let app = app_with(backend, auto_on(0)).await;
        app.command(ANA, "on").await;
        app.command(BEN, "on").await;
        let mut owners = Vec::new();
        let mut ids = Vec::new();
        for n in 0..3 {
            let id = call(&app, 20 + n).await;
            ids.push(id);
            owners.push(ticket(&app, id).await.claimed_by);
        }
        let (ana, ben) = (Some(ANA.to_string()), Some(BEN.to_string()));
        assert_eq!(owners, vec![ana.clone(), ben, ana], "{backend:?}");

        let rows = audit_of(&app, ids[0], "assign").await;
        assert_eq!(rows.len(), 1, "{backend:?}");
        assert_eq!(
            (
                rows[0].actor.as_str(),
                rows[0].source.as_str(),
                rows[0].target.as_deref()
            ),
            ("cxbot", "auto", Some(ANA))
        );
        let card = app
            .slack
            .calls_to("chat.update")
            .await
            .into_iter()
            .find(|c| c.to_string().contains("(auto)"))
            .expect("the card re-rendered");
        assert!(
            card.to_string()
                .contains(&format!("*Assigned to* <@{ANA}> (auto)")),
            "{card}"
        );
        let told = app
            .slack
            .calls_to("chat.postMessage")
            .await
            .into_iter()
            .any(|m| {
                m["text"]
                    .to_string()
                    .contains(&format!("Assigned to <@{BEN}> (auto)"))
            });
        assert!(told, "{backend:?}: the thread line mentions the person");
        // The rotation's place is stored (replicas share it, a restart keeps it).
        let turn = app
            .state
            .services
            .store
            .assignment_turn("auto")
            .await
            .unwrap();
        assert_eq!(turn, (Some(ANA.to_string()), 3), "{backend:?}");
        // Assigned in time: not re-announced to the leads.
        run_at(&app, app.state.services.now_ms() + 30 * MIN).await;
        assert!(re_announced(&app).await.is_empty(), "{backend:?}");
    }
}

#[tokio::test]
async fn someone_at_the_claim_limit_is_passed_over_and_nobody_available_leaves_it_unclaimed() {
    for backend in backends() {
        let app = app_with(backend, auto_on(1)).await;
        // Ana holds a claim already (a card from before anyone was on: the whole team's
        // rotation starts with her).
        let first = call(&app, 30).await;
        assert_eq!(
            ticket(&app, first).await.claimed_by.as_deref(),
            Some(ANA),
            "{backend:?}"
        );
        app.command(ANA, "on").await;
        app.command(BEN, "on").await;
        let second = call(&app, 31).await;
        assert_eq!(
            ticket(&app, second).await.claimed_by.as_deref(),
            Some(BEN),
            "{backend:?}"
        );
        let third = call(&app, 32).await;
        let t = ticket(&app, third).await;
        assert!(t.claimed_by.is_none(), "{backend:?}: both at the limit");
        assert!(
            t.claim.unclaimed_due_at.is_some(),
            "the unclaimed escalation applies"
        );
        run_at(&app, t.created_at + 16 * MIN).await;
        let posts = re_announced(&app).await;
        assert_eq!(posts.len(), 1, "{backend:?}: {posts:?}");
        assert!(posts[0]["text"].as_str().unwrap().contains("#32"));
    }
}

#[tokio::test]
async fn release_undoes_an_auto_assignment() {
    for backend in backends() {
        let app = app_with(backend, auto_on(0)).await;
        let id = call(&app, 40).await;
        assert_eq!(
            ticket(&app, id).await.claimed_by.as_deref(),
            Some(ANA),
            "{backend:?}"
        );
        click(&app, ANA, "cx_release", id).await;
        let t = ticket(&app, id).await;
        assert!(t.claimed_by.is_none(), "{backend:?}: back in the queue");
        assert_eq!(audit_of(&app, id, "release").await.len(), 1);
        let card = app.slack.calls_to("chat.update").await.pop().expect("card");
        assert!(card.to_string().contains("nobody yet"), "{card}");
        // Not handed out again.
        run_at(&app, app.state.services.now_ms() + 5 * MIN).await;
        assert!(ticket(&app, id).await.claimed_by.is_none(), "{backend:?}");
        assert_eq!(audit_of(&app, id, "assign").await.len(), 1);
    }
}

#[tokio::test]
async fn the_rotation_and_the_assignment_move_together_or_not_at_all() {
    for backend in backends() {
        let app = app_with(backend, team(EXAMPLE_PLAYBOOK)).await;
        let id = call(&app, 50).await;
        let store = &app.state.services.store;
        let now = app.state.services.now_ms();
        let audit = cxbot::db::Audit {
            action: "assign",
            actor: "cxbot",
            target: Some(BEN),
            source: cxbot::domain::claim::Source::Auto,
            detail: None,
        };
        // A turn another replica already took: nothing is written.
        let stale = store
            .auto_assign_ticket(id, 0, BEN, ("auto", 5), now, &audit, &[])
            .await
            .unwrap();
        assert!(!stale, "{backend:?}");
        assert!(ticket(&app, id).await.claimed_by.is_none());
        assert_eq!(store.assignment_turn("auto").await.unwrap(), (None, 0));

        assert!(store
            .auto_assign_ticket(id, 0, BEN, ("auto", 0), now, &audit, &[])
            .await
            .unwrap());
        let t = ticket(&app, id).await;
        assert_eq!(t.claimed_by.as_deref(), Some(BEN), "{backend:?}");
        assert_eq!((t.claim.claim_seq, t.claim.auto_seq), (1, Some(1)));
        assert_eq!(
            store.assignment_turn("auto").await.unwrap(),
            (Some(BEN.to_string()), 1)
        );

        // The ticket is taken: the turn is not spent either.
        let again = store
            .auto_assign_ticket(id, 1, ANA, ("auto", 1), now, &audit, &[])
            .await
            .unwrap();
        assert!(!again, "{backend:?}");
        assert_eq!(
            store.assignment_turn("auto").await.unwrap(),
            (Some(BEN.to_string()), 1),
            "{backend:?}: rolled back with the ticket's update"
        );
        assert_eq!(audit_of(&app, id, "assign").await.len(), 1);
    }
}

#[tokio::test]
async fn a_second_replica_continues_the_rotation_on_postgres() {
    if !backends().contains(&Backend::Postgres) {
        return;
    }
    let a = app_with(Backend::Postgres, auto_on(0)).await;
    a.command(ANA, "on").await;
    a.command(BEN, "on").await;
    let first = call(&a, 60).await;
    assert_eq!(ticket(&a, first).await.claimed_by.as_deref(), Some(ANA));
    // Another replica (or this one restarted) on the same database picks up the turn.
    let b = spawn_app_with(TestOptions {
        backend: Backend::Postgres,
        playbook: Some(auto_on(0)),
        db_url: Some(a.db.url.clone()),
        slack_url: Some(a.slack.url()),
        start: Some(chrono::DateTime::from_timestamp_millis(a.state.services.now_ms()).unwrap()),
        ..Default::default()
    })
    .await;
    let second = call(&b, 61).await;
    assert_eq!(ticket(&b, second).await.claimed_by.as_deref(), Some(BEN));
    let third = call(&a, 62).await;
    assert_eq!(ticket(&a, third).await.claimed_by.as_deref(), Some(ANA));
}
