//! Ownership end to end: claim by button and command, the 20-click race, release rules,
//! escalation (command and modal), claim leases by the injected clock, /cx mine, /cx queue,
//! the App Home, and every refusal answered ephemerally with what to do.

use crate::helpers::*;
use crate::intake::{
    deliver, drain, freshdesk, freshdesk_missed_call, posts_in, thread_replies, ticket, QUEUE,
};
use chrono::Duration;
use cxbot::config::playbook::EXAMPLE_PLAYBOOK;
use serde_json::{json, Value};

const AGENT: &str = "U0AGENT01";
const OTHER: &str = "U0AGENT02";
const LEAD: &str = "U0LEAD001";

fn team_playbook() -> String {
    format!(
        "{EXAMPLE_PLAYBOOK}\n[[team.member]]\nslack_id = \"{AGENT}\"\nname = \"Ana\"\nlevel = \"L1\"\n\
         [[team.member]]\nslack_id = \"{OTHER}\"\nname = \"Ben\"\nlevel = \"L2\"\n\
         [[team.member]]\nslack_id = \"{LEAD}\"\nname = \"Dana\"\nlevel = \"L3\"\nlead = true\n"
    )
}

async fn team_app(backend: Backend) -> TestApp {
    spawn_app_with(TestOptions {
        backend,
        playbook: Some(team_playbook()),
        ..Default::default()
    })
    .await
}

/// Every action_id in a message or view body.
fn action_ids(v: &Value) -> Vec<String> {
    let mut out = Vec::new();
    fn walk(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                if let Some(Value::String(a)) = m.get("action_id") {
                    out.push(a.clone());
                }
                m.values().for_each(|x| walk(x, out));
            }
            Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    walk(v, &mut out);
    out
}

fn text(v: &Value) -> String {
    v.to_string()
}

async fn missed_call(app: &TestApp, n: u64) -> i64 {
    let id = deliver(app, "freshdesk", &freshdesk_missed_call(n, "+1 555 0100")).await;
    drain(app).await;
    id
}

/// The ticket's audit rows of one action.
async fn audit_of(app: &TestApp, id: i64, action: &str) -> Vec<cxbot::db::AuditRow> {
    let audit = app.state.services.store.audit_for(id).await.unwrap();
    audit.into_iter().filter(|a| a.action == action).collect()
}

/// Pending jobs of one kind, oldest first.
async fn pending_named(app: &TestApp, name: &str) -> Vec<cxbot::db::JobRow> {
    let pending = app
        .state
        .services
        .store
        .list_jobs(cxbot::db::JobState::Pending);
    let mut jobs: Vec<_> = pending
        .await
        .unwrap()
        .into_iter()
        .filter(|j| j.name == name)
        .collect();
    jobs.sort_by_key(|j| j.id);
    jobs
}

async fn ephemerals(app: &TestApp) -> Vec<Value> {
    app.slack.calls_to("chat.postEphemeral").await
}

async fn last_card_update(app: &TestApp) -> Value {
    app.slack
        .calls_to("chat.update")
        .await
        .pop()
        .expect("the card was updated")
}

#[tokio::test]
async fn the_card_has_claim_and_escalate_and_a_button_claim_updates_it_in_place() {
    let app = team_app(Backend::Sqlite).await;
    let id = missed_call(&app, 11).await;
    let card = posts_in(&app, QUEUE).await.remove(0);
    assert_eq!(
        action_ids(&card),
        vec![
            "cx_claim",
            "cx_escalate",
            "cx_called_back",
            "cx_record_caller"
        ]
    );
    assert!(
        text(&card).contains(r#""text":"Claim""#) && text(&card).contains(r#""text":"Escalate""#),
        "{card}"
    );

    let res = app
        .click(
            AGENT,
            "cx_claim",
            &id.to_string(),
            Some("1700000000.000001"),
        )
        .await;
    assert_eq!(res.status(), 200);
    drain(&app).await;

    let t = ticket(&app, id).await;
    assert_eq!(t.claimed_by.as_deref(), Some(AGENT));
    let update = last_card_update(&app).await;
    assert!(
        text(&update).contains(&format!("Claimed by* <@{AGENT}>")),
        "{update}"
    );
    assert_eq!(
        action_ids(&update),
        vec![
            "cx_release",
            "cx_escalate",
            "cx_called_back",
            "cx_record_caller"
        ]
    );
    assert!(thread_replies(&app)
        .await
        .iter()
        .any(|r| text(r).contains(&format!("Claimed by <@{AGENT}> (button)"))));
    let homes = app.slack.calls_to("views.publish").await;
    assert!(
        homes.iter().any(|h| h["user_id"] == AGENT),
        "App Home refreshed for the new owner"
    );
    assert_eq!(
        app.slack.calls_to("users.info").await.len(),
        1,
        "the new user is looked up once"
    );
    let saved = app
        .state
        .services
        .store
        .slack_user(AGENT)
        .await
        .unwrap()
        .expect("user remembered");
    assert_eq!(saved.tz.as_deref(), Some("America/New_York"));
    let audit = app.state.services.store.audit_for(id).await.unwrap();
    assert_eq!(
        (
            audit[0].action.as_str(),
            audit[0].actor.as_str(),
            audit[0].source.as_str()
        ),
        ("claim", AGENT, "button")
    );
    assert!(
        ephemerals(&app).await.is_empty(),
        "the winner needs no ephemeral"
    );
}

#[tokio::test]
async fn command_claim_and_the_loser_is_told_who_has_it_and_since_when() {
    let app = team_app(Backend::Sqlite).await;
    let id = missed_call(&app, 11).await;
    let reply = app.command(AGENT, "claim #11").await;
    assert_eq!(reply["response_type"], "ephemeral");
    assert!(
        reply["text"].as_str().unwrap().contains("You claimed #11"),
        "{reply}"
    );
    drain(&app).await;

    let reply = app.command(OTHER, "claim 11").await;
    let msg = reply["text"].as_str().unwrap();
    assert!(
        msg.contains(&format!("already claimed by <@{AGENT}> at 09:00")),
        "{msg}"
    );
    let t = ticket(&app, id).await;
    assert_eq!(t.claimed_by.as_deref(), Some(AGENT));
    let audit = app.state.services.store.audit_for(id).await.unwrap();
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].source, "command");
}

#[tokio::test]
async fn twenty_simultaneous_claims_have_exactly_one_winner() {
    for backend in backends() {
        let app = team_app(backend).await;
        let id = missed_call(&app, 11).await;
        let users: Vec<String> = (0..20).map(|i| format!("U0RACE{i:04}")).collect();
        let value = id.to_string();
        let clicks = users
            .iter()
            .map(|u| app.click(u, "cx_claim", &value, Some("1700000000.000001")));
        for res in futures_util::future::join_all(clicks).await {
            assert_eq!(res.status(), 200, "{backend:?}");
        }
        drain(&app).await;
        let t = ticket(&app, id).await;
        let winner = t.claimed_by.clone().expect("someone won");
        assert!(users.contains(&winner));
        let claims = audit_of(&app, id, "claim").await;
        assert_eq!(claims.len(), 1, "{backend:?}: one claim recorded");
        let refusals = ephemerals(&app).await;
        assert_eq!(refusals.len(), 19, "{backend:?}: every loser is told");
        for r in &refusals {
            assert_ne!(r["user"], winner.as_str());
            assert!(
                text(r).contains(&format!("already claimed by <@{winner}>")),
                "{r}"
            );
            assert_eq!(r["channel"], "C0QUEUE01");
        }
    }
}

/// A claim is written against the claim number it read: one read before someone claimed
/// and released the ticket writes nothing (no claim, no audit, no jobs); the right number
/// writes all three, in one statement on PostgreSQL, and the lease timer carries the new
/// number.
#[tokio::test]
async fn a_claim_against_a_stale_claim_number_writes_nothing() {
    use cxbot::db::{Audit, JobState, NewJob};
    use cxbot::domain::claim::Source;
    for backend in backends() {
        let app = team_app(backend).await;
        let id = missed_call(&app, 11).await;
        let store = &app.state.services.store;
        let seq = ticket(&app, id).await.claim.claim_seq;
        let audit = Audit {
            action: "claim",
            actor: AGENT,
            target: None,
            source: Source::Command,
            detail: None,
        };
        let jobs_before = store.list_jobs(JobState::Pending).await.unwrap().len();
        let timer = |n: i64| NewJob {
            name: "test_timer",
            payload: format!("claim {n}"),
            run_at: 10_000_000_000_000,
            dedupe_key: None,
            recurring: false,
            pace_key: None,
            coalesce_key: None,
        };
        let stale = store
            .claim_ticket(id, seq - 1, AGENT, 1, &audit, &[timer(seq)])
            .await
            .unwrap();
        assert!(!stale, "{backend:?}");
        let t = ticket(&app, id).await;
        assert_eq!(
            (t.claimed_by, t.claim.claim_seq),
            (None, seq),
            "{backend:?}"
        );
        assert!(audit_of(&app, id, "claim").await.is_empty(), "{backend:?}");
        assert_eq!(
            store.list_jobs(JobState::Pending).await.unwrap().len(),
            jobs_before,
            "{backend:?}"
        );

        let won = store
            .claim_ticket(id, seq, AGENT, 1, &audit, &[timer(seq + 1)])
            .await
            .unwrap();
        assert!(won, "{backend:?}");
        let t = ticket(&app, id).await;
        assert_eq!(
            (t.claimed_by.as_deref(), t.claim.claim_seq),
            (Some(AGENT), seq + 1),
            "{backend:?}"
        );
        let claims = audit_of(&app, id, "claim").await;
        assert_eq!(claims.len(), 1, "{backend:?}");
        assert_eq!(
            (claims[0].actor.as_str(), claims[0].source.as_str()),
            (AGENT, "command"),
            "{backend:?}"
        );
        let timers: Vec<String> = pending_named(&app, "test_timer")
            .await
            .into_iter()
            .map(|j| j.payload)
            .collect();
        assert_eq!(timers, vec![format!("claim {}", seq + 1)], "{backend:?}");
    }
}

/// A claim made from a read that is no longer current (the ticket was claimed and released
/// since) reads again and wins, and its lease timer carries the claim number it got.
#[tokio::test]
async fn a_claim_from_an_outdated_read_reads_again_and_wins() {
    use cxbot::domain::claim::Source;
    use cxbot::service::claim::{claim_resolved, Actor, ClaimOutcome};
    for backend in backends() {
        let app = team_app(backend).await;
        let id = missed_call(&app, 11).await;
        let outdated = ticket(&app, id).await;
        let seq = outdated.claim.claim_seq;
        app.command(OTHER, "claim 11").await;
        app.command(OTHER, "release 11").await;
        let actor = Actor {
            user: AGENT,
            source: Source::Command,
        };
        let outcome = claim_resolved(&app.state.services, outdated, actor)
            .await
            .unwrap();
        assert!(
            matches!(&outcome, ClaimOutcome::Claimed { ticket } if ticket.id == id),
            "{backend:?}: {outcome:?}"
        );
        let t = ticket(&app, id).await;
        assert_eq!(
            (t.claimed_by.as_deref(), t.claim.claim_seq),
            (Some(AGENT), seq + 2),
            "{backend:?}"
        );
        let newest_timer = pending_named(&app, "check_claim_lease")
            .await
            .pop()
            .expect("a lease timer");
        let payload: Value = serde_json::from_str(&newest_timer.payload).unwrap();
        assert_eq!(payload["claim_seq"], seq + 2, "{backend:?}");
        assert_eq!(audit_of(&app, id, "claim").await.len(), 2, "{backend:?}");
    }
}

#[tokio::test]
async fn only_the_owner_or_a_lead_may_release() {
    let app = team_app(Backend::Sqlite).await;
    let id = missed_call(&app, 11).await;
    app.command(AGENT, "claim 11").await;
    let reply = app.command(OTHER, "release 11").await;
    assert!(
        reply["text"].as_str().unwrap().contains(&format!(
            "<@{AGENT}>'s claim: only they or a lead can release it"
        )),
        "{reply}"
    );
    assert_eq!(ticket(&app, id).await.claimed_by.as_deref(), Some(AGENT));

    let reply = app.command(LEAD, "release 11").await;
    assert!(
        reply["text"].as_str().unwrap().contains("Released #11"),
        "{reply}"
    );
    drain(&app).await;
    assert_eq!(ticket(&app, id).await.claimed_by, None);
    assert_eq!(
        action_ids(&last_card_update(&app).await),
        vec![
            "cx_claim",
            "cx_escalate",
            "cx_called_back",
            "cx_record_caller"
        ],
        "back to Claim"
    );
    assert!(thread_replies(&app)
        .await
        .iter()
        .any(|r| text(r).contains(&format!("<@{AGENT}>'s claim released by <@{LEAD}>"))));
    let audit = app.state.services.store.audit_for(id).await.unwrap();
    assert_eq!(audit.last().unwrap().action, "release");
    assert_eq!(audit.last().unwrap().actor, LEAD);

    let reply = app.command(AGENT, "release 11").await;
    assert!(
        reply["text"].as_str().unwrap().contains("is not claimed"),
        "{reply}"
    );
}

/// A click that carries an action cxbot does not know beside one it does runs the one it
/// knows: the unknown one is ignored, not the whole click.
#[tokio::test]
async fn a_click_with_an_unknown_action_beside_claim_still_claims() {
    let app = team_app(Backend::Sqlite).await;
    let id = missed_call(&app, 11).await;
    let click = json!({
        "type": "block_actions",
        "user": {"id": AGENT},
        "trigger_id": trigger_id(),
        "channel": {"id": "C0QUEUE01"},
        "message": {"ts": "1700000000.000001"},
        "actions": [
            {"type": "button", "action_id": "retired_feature_button", "value": id.to_string()},
            {"type": "button", "action_id": "cx_claim", "value": id.to_string()},
        ]
    });
    let res = app.interact(&click).await;
    assert_eq!(res.status(), 200);
    drain(&app).await;
    assert_eq!(ticket(&app, id).await.claimed_by.as_deref(), Some(AGENT));
}

#[tokio::test]
async fn escalate_button_opens_the_modal_and_its_submission_escalates() {
    let app = team_app(Backend::Sqlite).await;
    let id = missed_call(&app, 11).await;
    let res = app
        .click(
            AGENT,
            "cx_escalate",
            &id.to_string(),
            Some("1700000000.000001"),
        )
        .await;
    assert_eq!(res.status(), 200);
    let opened = app.slack.calls_to("views.open").await;
    assert_eq!(opened.len(), 1);
    let view = &opened[0]["view"];
    assert_eq!(view["callback_id"], "cx_escalate_modal");
    assert_eq!(view["private_metadata"], id.to_string());
    assert!(
        text(view).contains("L2 Strategist"),
        "next rung above L1 preselected: {view}"
    );

    let submission = json!({
        "type": "view_submission",
        "user": {"id": AGENT},
        "view": {"id": "V1", "callback_id": "cx_escalate_modal", "private_metadata": id.to_string(),
                 "state": {"values": {
                     "target": {"target_select": {"type": "static_select", "selected_option": {"value": "L3"}}},
                     "reason": {"reason_input": {"type": "plain_text_input", "value": "refund over $500"}}}}}
    });
    let res = app.interact(&submission).await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.text().await.unwrap(),
        "",
        "an empty 200 closes the modal"
    );
    drain(&app).await;

    let notice = posts_in(&app, "#cx-leads").await;
    assert!(
        notice
            .iter()
            .any(|n| text(n).contains("Escalated to L3 Brand Lead")
                && text(n).contains("refund over $500")),
        "{notice:?}"
    );
    assert!(text(&last_card_update(&app).await)
        .contains(&format!("Escalated to *L3 Brand Lead* by <@{AGENT}>")));
    let audit = app.state.services.store.audit_for(id).await.unwrap();
    let e = audit.iter().find(|a| a.action == "escalate").unwrap();
    assert_eq!(
        (e.target.as_deref(), e.source.as_str(), e.detail.as_deref()),
        (Some("L3"), "modal", Some("refund over $500"))
    );
}

#[tokio::test]
async fn escalate_command_climbs_the_ladder_and_named_targets_work() {
    let app = team_app(Backend::Sqlite).await;
    missed_call(&app, 11).await;
    let reply = app
        .command(OTHER, "escalate 11 customer wants a manager")
        .await;
    assert!(
        reply["text"]
            .as_str()
            .unwrap()
            .contains("Escalated #11 to L3 Brand Lead"),
        "L2 escalates to L3: {reply}"
    );
    let reply = app.command(AGENT, "escalate 11").await;
    assert!(
        reply["text"]
            .as_str()
            .unwrap()
            .contains("to L4 Brand Manager"),
        "above the ticket's last rung: {reply}"
    );
    drain(&app).await;
    assert_eq!(
        posts_in(&app, "#cx-leads")
            .await
            .iter()
            .filter(|p| text(p).contains("Escalated to"))
            .count(),
        2
    );
}

#[tokio::test]
async fn an_idle_claim_is_checked_then_released_by_the_clock() {
    let app = team_app(Backend::Sqlite).await;
    let id = missed_call(&app, 11).await;
    app.command(AGENT, "claim 11").await;
    drain(&app).await;
    app.advance(Duration::minutes(120));
    drain(&app).await;
    let dms: Vec<Value> = app
        .slack
        .calls_to("chat.postMessage")
        .await
        .into_iter()
        .filter(|p| p["channel"] == "D0AGENT01")
        .collect();
    assert_eq!(dms.len(), 1, "one check-in at 2 h");
    assert!(text(&dms[0]).contains("Still on #11?"), "{}", dms[0]);
    assert_eq!(
        action_ids(&dms[0]),
        vec!["cx_lease_keep", "cx_lease_release"]
    );

    app.advance(Duration::minutes(30));
    drain(&app).await;
    let t = ticket(&app, id).await;
    assert_eq!(t.claimed_by, None, "released after the grace period");
    assert!(thread_replies(&app)
        .await
        .iter()
        .any(|r| text(r).contains("Claim expired")));
    let audit = app.state.services.store.audit_for(id).await.unwrap();
    let last = audit.last().unwrap();
    assert_eq!(
        (last.action.as_str(), last.source.as_str()),
        ("lease_expired", "lease_expiry")
    );
}

#[tokio::test]
async fn keep_renews_the_lease() {
    let app = team_app(Backend::Sqlite).await;
    let id = missed_call(&app, 11).await;
    app.command(AGENT, "claim 11").await;
    app.advance(Duration::minutes(120));
    drain(&app).await;
    let seq = ticket(&app, id).await.claim.claim_seq;
    let res = app
        .click(AGENT, "cx_lease_keep", &format!("{id}:{seq}"), None)
        .await;
    assert_eq!(res.status(), 200);
    drain(&app).await;
    assert!(
        text(&last_card_update(&app).await).contains("You kept #11"),
        "the DM says so"
    );
    app.advance(Duration::minutes(60));
    drain(&app).await;
    assert_eq!(
        ticket(&app, id).await.claimed_by.as_deref(),
        Some(AGENT),
        "kept past the old grace period"
    );
    let dms = || async {
        app.slack
            .calls_to("chat.postMessage")
            .await
            .into_iter()
            .filter(|p| p["channel"] == "D0AGENT01")
            .count()
    };
    assert_eq!(dms().await, 1);
    app.advance(Duration::minutes(60));
    drain(&app).await;
    assert_eq!(dms().await, 2, "asked again two hours after Keep");
}

#[tokio::test]
async fn mine_queue_and_the_app_home() {
    let app = team_app(Backend::Sqlite).await;
    let email = freshdesk(
        30,
        "{ticket_action:created}",
        json!({"ticket_subject": "Bus late", "ticket_source": "Email", "ticket_priority": "High", "requester_email": "a@example.com"}),
    );
    deliver(&app, "freshdesk", &email).await;
    app.advance(Duration::minutes(1));
    let low = freshdesk(
        31,
        "{ticket_action:created}",
        json!({"ticket_subject": "Question", "ticket_source": "Portal", "ticket_priority": "Low", "requester_email": "b@example.com"}),
    );
    deliver(&app, "freshdesk", &low).await;
    let call = missed_call(&app, 32).await;

    let queue = app.command(AGENT, "queue").await;
    let q = queue["text"].as_str().unwrap().to_string() + &queue["blocks"].to_string();
    assert!(q.contains("Unclaimed: 3"), "{q}");
    let (p_call, p_high, p_low) = (
        q.find("#32").unwrap(),
        q.find("#30").unwrap(),
        q.find("#31").unwrap(),
    );
    assert!(
        p_call < p_high && p_high < p_low,
        "missed call first, then priority: {q}"
    );

    app.command(AGENT, "claim 32").await;
    let mine = app.command(AGENT, "mine").await;
    assert!(mine["blocks"].to_string().contains("#32"), "{mine}");
    assert!(!mine["blocks"].to_string().contains("#30"));
    assert!(app.command(OTHER, "mine").await["text"]
        .as_str()
        .unwrap()
        .contains("no open claims"));

    let event = json!({"type": "event_callback", "event_id": "EvHOME2", "event": {"type": "app_home_opened", "user": AGENT, "tab": "home"}});
    app.event(&event, None).await;
    drain(&app).await;
    let home = app
        .slack
        .calls_to("views.publish")
        .await
        .into_iter()
        .rfind(|h| h["user_id"] == AGENT)
        .unwrap();
    let h = home["view"].to_string();
    assert!(h.contains("Your claims (1)") && h.contains("#32"), "{h}");
    assert!(h.contains("Unclaimed: 2"), "{h}");
    assert!(
        action_ids(&home["view"])
            .iter()
            .filter(|a| *a == "cx_claim")
            .count()
            == 2,
        "Claim buttons for the oldest unclaimed"
    );
    let _ = call;
}

#[tokio::test]
async fn refusals_say_what_to_do() {
    let app = team_app(Backend::Sqlite).await;
    missed_call(&app, 11).await;
    // The same number in another helpdesk.
    let zoho = json!({"id": "z-1", "type": "ticket", "occurred_at": "2026-11-23T13:00:00Z", "helpdesk": "zoho",
                      "ticket": {"id": "11", "subject": "Login"}, "customer": {"email": "c@example.com"}});
    deliver(&app, "generic", &zoho).await;

    let r = app.command(AGENT, "claim 999").await;
    assert!(
        r["text"]
            .as_str()
            .unwrap()
            .contains("No ticket #999 is known"),
        "{r}"
    );
    let r = app.command(AGENT, "claim 11").await;
    let msg = r["text"].as_str().unwrap();
    assert!(
        msg.contains("freshdesk:11") && msg.contains("zoho:11"),
        "{msg}"
    );
    let r = app.command(AGENT, "claim zoho:11").await;
    assert!(
        r["text"].as_str().unwrap().contains("You claimed #11"),
        "{r}"
    );

    let r = app
        .command(AGENT, "assign freshdesk:11 <@U0AGENT02|ben>")
        .await;
    assert!(
        r["text"]
            .as_str()
            .unwrap()
            .contains("Only a lead can assign"),
        "{r}"
    );
    let r = app
        .command(LEAD, "assign freshdesk:11 <@U0AGENT02|ben>")
        .await;
    assert!(
        r["text"]
            .as_str()
            .unwrap()
            .contains("Assigned #11 to <@U0AGENT02>"),
        "{r}"
    );
    let r = app.command(LEAD, "assign freshdesk:11 @ben").await;
    assert!(r["text"].as_str().unwrap().contains("@-mention"), "{r}");

    let solved = freshdesk(
        40,
        "{ticket_action:created}",
        json!({"ticket_subject": "Done", "ticket_source": "Email", "ticket_status": "Resolved"}),
    );
    let id = deliver(&app, "freshdesk", &solved).await;
    let r = app.command(AGENT, "claim 40").await;
    assert!(
        r["text"]
            .as_str()
            .unwrap()
            .contains("#40 is solved: there is nothing to claim"),
        "{r}"
    );
    assert_eq!(ticket(&app, id).await.claimed_by, None);

    let r = app.command(AGENT, "claim").await;
    assert!(
        r["text"].as_str().unwrap().contains("/cx claim <ticket>"),
        "usage shown: {r}"
    );

    // A refused button click is told ephemerally in the channel.
    app.command(AGENT, "claim freshdesk:11").await;
    let t = app
        .state
        .services
        .store
        .tickets_by_number(Some("freshdesk"), "11")
        .await
        .unwrap()
        .remove(0);
    app.click(AGENT, "cx_claim", &t.id.to_string(), Some("1.1"))
        .await;
    drain(&app).await;
    let eph = ephemerals(&app).await;
    assert_eq!(eph.len(), 1);
    assert!(
        text(&eph[0]).contains("already claimed by <@U0AGENT02>"),
        "{:?}",
        eph[0]
    );
}

#[tokio::test]
async fn a_burst_of_claims_refreshes_the_home_tab_once_and_opening_it_publishes_at_once() {
    use cxbot::jobs::publish_home::REFRESH_DELAY_MS;
    for backend in backends() {
        let app = team_app(backend).await;
        let mut ids = Vec::new();
        for n in 41..44 {
            let phone = format!("+1 555 02{n}");
            ids.push(deliver(&app, "freshdesk", &freshdesk_missed_call(n, &phone)).await);
        }
        drain(&app).await;
        let homes_of = |all: Vec<Value>| -> Vec<Value> {
            all.into_iter().filter(|h| h["user_id"] == AGENT).collect()
        };
        let before = homes_of(app.slack.calls_to("views.publish").await).len();
        for (i, id) in ids.iter().enumerate() {
            let ts = format!("1700000000.00001{i}");
            let res = app
                .click(AGENT, "cx_claim", &id.to_string(), Some(&ts))
                .await;
            assert_eq!(res.status(), 200, "{backend:?}");
        }
        app.run_pending_jobs().await;
        assert_eq!(
            homes_of(app.slack.calls_to("views.publish").await).len(),
            before,
            "{backend:?}: the refresh waits for the changes that follow"
        );

        let event = json!({"type": "event_callback", "event_id": "EvHOME3", "event": {"type": "app_home_opened", "user": AGENT, "tab": "home"}});
        assert_eq!(app.event(&event, None).await.status(), 200);
        app.run_pending_jobs().await;
        let homes = homes_of(app.slack.calls_to("views.publish").await);
        assert_eq!(
            homes.len(),
            before + 1,
            "{backend:?}: opening the tab publishes at once"
        );
        let view = homes[before]["view"].to_string();
        assert!(view.contains("Your claims (3)"), "{backend:?}: {view}");

        app.advance(Duration::milliseconds(REFRESH_DELAY_MS));
        app.run_pending_jobs().await;
        app.advance(Duration::seconds(60));
        app.run_pending_jobs().await;
        assert_eq!(
            homes_of(app.slack.calls_to("views.publish").await).len(),
            before + 2,
            "{backend:?}: three claims, one refresh after them"
        );
    }
}
