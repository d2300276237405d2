//! The emoji workflow (issue 21): on a card, 👀 claims it, 🚨 escalates it one rung, ✅
//! marks it done (resolved in the helpdesk where cxbot writes back), each the same use case
//! as the button or command, with the same one-winner guarantee. Reactions on other
//! messages, and other emoji, change nothing.

use crate::helpers::*;
use crate::intake::{
    deliver, drain, freshdesk_missed_call, posts_in, thread_replies, ticket, LEADS,
};
use crate::writeback::{app_with, fd_ticket, playbook, FakeHelpdesk, ANA, BEA};
use cxbot::config::playbook::EXAMPLE_PLAYBOOK;
use serde_json::{json, Value};

const AGENT: &str = "U0AGENT01";
const OTHER: &str = "U0AGENT02";

fn team_playbook() -> String {
    format!(
        "{EXAMPLE_PLAYBOOK}\n[[team.member]]\nslack_id = \"{AGENT}\"\nname = \"Ana\"\nlevel = \"L1\"\n\
         [[team.member]]\nslack_id = \"{OTHER}\"\nname = \"Ben\"\nlevel = \"L1\"\n"
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

/// Where ticket `id`'s card was posted: (channel, ts).
async fn card_of(app: &TestApp, id: i64) -> (String, String) {
    let p = app
        .state
        .services
        .store
        .posted_message(&format!("card:{id}"))
        .await
        .unwrap()
        .expect("the card was posted");
    (p.channel, p.ts)
}

fn reaction(event_id: &str, user: &str, emoji: &str, channel: &str, ts: &str) -> Value {
    json!({"type": "event_callback", "event_id": event_id, "team_id": "T0001", "event": {
        "type": "reaction_added", "user": user, "reaction": emoji, "item_user": "U0CXBOT01",
        "item": {"type": "message", "channel": channel, "ts": ts}, "event_ts": "1700000100.000100"
    }})
}

async fn react(app: &TestApp, event: &Value) {
    let res = app.event(event, None).await;
    assert_eq!(res.status(), 200);
}

async fn audit_sources(app: &TestApp, id: i64, action: &str) -> Vec<String> {
    let audit = app.state.services.store.audit_for(id).await.unwrap();
    audit
        .into_iter()
        .filter(|a| a.action == action)
        .map(|a| a.source)
        .collect()
}

#[tokio::test]
async fn eyes_claims_the_card_and_updates_it_as_the_button_does() {
    for backend in backends() {
        let app = team_app(backend).await;
        let id = deliver(
            &app,
            "freshdesk",
            &freshdesk_missed_call(901, "+1 555 0100"),
        )
        .await;
        drain(&app).await;
        let (channel, ts) = card_of(&app, id).await;
        let updates_before = app.slack.calls_to("chat.update").await.len();

        react(&app, &reaction("EvEYES1", AGENT, "eyes", &channel, &ts)).await;
        // Slack delivers it again: one claim.
        react(&app, &reaction("EvEYES1", AGENT, "eyes", &channel, &ts)).await;
        drain(&app).await;

        assert_eq!(ticket(&app, id).await.claimed_by.as_deref(), Some(AGENT));
        assert_eq!(audit_sources(&app, id, "claim").await, vec!["reaction"]);
        assert!(app.slack.calls_to("chat.update").await.len() > updates_before);
        let lines = thread_replies(&app).await;
        assert!(
            lines.iter().any(|l| l
                .to_string()
                .contains(&format!("Claimed by <@{AGENT}> (reaction)"))),
            "{backend:?}: {lines:?}"
        );
        assert!(app.slack.calls_to("chat.postEphemeral").await.is_empty());
    }
}

/// Two people react 👀 at once: one claim; the other is told who has it, as a button's
/// loser is.
#[tokio::test(flavor = "multi_thread")]
async fn two_eyes_at_once_make_one_claim_and_the_other_is_told() {
    for backend in backends() {
        let app = team_app(backend).await;
        let id = deliver(
            &app,
            "freshdesk",
            &freshdesk_missed_call(902, "+1 555 0100"),
        )
        .await;
        drain(&app).await;
        let (channel, ts) = card_of(&app, id).await;

        let a = reaction("EvRACE1", AGENT, "eyes", &channel, &ts);
        let b = reaction("EvRACE2", OTHER, "eyes::skin-tone-3", &channel, &ts);
        let (ra, rb) = tokio::join!(app.event(&a, None), app.event(&b, None));
        assert_eq!((ra.status().as_u16(), rb.status().as_u16()), (200, 200));
        drain(&app).await;

        let t = ticket(&app, id).await;
        let winner = t.claimed_by.clone().expect("claimed");
        let loser = if winner == AGENT { OTHER } else { AGENT };
        assert_eq!(
            audit_sources(&app, id, "claim").await.len(),
            1,
            "{backend:?}"
        );
        let told = app.slack.calls_to("chat.postEphemeral").await;
        assert_eq!(told.len(), 1, "{backend:?}: {told:?}");
        assert_eq!(told[0]["user"], loser);
        assert_eq!(told[0]["channel"], channel.as_str());
        assert!(
            told[0].to_string().contains("already claimed")
                || told[0].to_string().contains(&winner),
            "{told:?}"
        );
    }
}

#[tokio::test]
async fn rotating_light_escalates_one_rung() {
    let app = team_app(Backend::Sqlite).await;
    let id = deliver(
        &app,
        "freshdesk",
        &freshdesk_missed_call(903, "+1 555 0100"),
    )
    .await;
    drain(&app).await;
    let (channel, ts) = card_of(&app, id).await;

    react(
        &app,
        &reaction("EvSIREN1", AGENT, "rotating_light", &channel, &ts),
    )
    .await;
    drain(&app).await;
    assert_eq!(
        ticket(&app, id).await.claim.escalated_to.as_deref(),
        Some("L2")
    );
    assert_eq!(audit_sources(&app, id, "escalate").await, vec!["reaction"]);
    assert_eq!(
        posts_in(&app, LEADS).await.len(),
        1,
        "the escalation notice"
    );

    // Again: the next rung up.
    react(
        &app,
        &reaction("EvSIREN2", AGENT, "rotating_light", &channel, &ts),
    )
    .await;
    drain(&app).await;
    assert_eq!(
        ticket(&app, id).await.claim.escalated_to.as_deref(),
        Some("L3")
    );
}

/// ✅ where cxbot writes back: the ticket is resolved in Freshdesk (status 4), solved in
/// cxbot, and the card says so.
#[tokio::test]
async fn white_check_mark_resolves_the_ticket_in_freshdesk_and_updates_the_card() {
    let fd = FakeHelpdesk::freshdesk().await;
    let app = app_with(Backend::Sqlite, Some(&fd), None, playbook()).await;
    let id = fd_ticket(&app, 904).await;
    let (channel, ts) = card_of(&app, id).await;
    let updates_before = app.slack.calls_to("chat.update").await.len();

    react(
        &app,
        &reaction("EvDONE1", ANA, "white_check_mark", &channel, &ts),
    )
    .await;
    drain(&app).await;

    assert_eq!(ticket(&app, id).await.status, "solved");
    let writes = fd.writes().await;
    assert!(
        writes
            .iter()
            .any(|(m, p, b)| m == "PUT" && p == "/api/v2/tickets/904" && b["status"] == 4),
        "{writes:?}"
    );
    assert!(app.slack.calls_to("chat.update").await.len() > updates_before);
    let lines = thread_replies(&app).await;
    assert!(
        lines.iter().any(|l| l
            .to_string()
            .contains("marked it done; resolving it in Freshdesk")),
        "{lines:?}"
    );
    assert_eq!(audit_sources(&app, id, "done").await, vec!["reaction"]);

    // A second ✅ (someone else's): already solved, said to them; nothing written again.
    react(
        &app,
        &reaction("EvDONE2", BEA, "white_check_mark", &channel, &ts),
    )
    .await;
    drain(&app).await;
    let told = app.slack.calls_to("chat.postEphemeral").await;
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(
        told[0].to_string().contains("is already solved"),
        "{told:?}"
    );
    assert_eq!(
        fd.writes()
            .await
            .iter()
            .filter(|(_, _, b)| b["status"] == 4)
            .count(),
        1
    );
}

/// ✅ where cxbot does not write back: refused with what to do; the ticket stays open.
#[tokio::test]
async fn white_check_mark_without_write_back_says_to_resolve_it_in_the_helpdesk() {
    let app = team_app(Backend::Sqlite).await;
    let id = deliver(
        &app,
        "freshdesk",
        &freshdesk_missed_call(905, "+1 555 0100"),
    )
    .await;
    drain(&app).await;
    let (channel, ts) = card_of(&app, id).await;

    react(
        &app,
        &reaction("EvDONE3", AGENT, "white_check_mark", &channel, &ts),
    )
    .await;
    drain(&app).await;
    assert_eq!(ticket(&app, id).await.status, "open");
    let told = app.slack.calls_to("chat.postEphemeral").await;
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0]["user"], AGENT);
    assert!(
        told[0]
            .to_string()
            .contains("resolve it in Freshdesk, and its card follows"),
        "{told:?}"
    );
}

/// A reaction on a message that is not a card, another emoji on a card, or an emoji on a
/// thread line: nothing happens.
#[tokio::test]
async fn reactions_off_the_workflow_are_ignored() {
    let app = team_app(Backend::Sqlite).await;
    let id = deliver(
        &app,
        "freshdesk",
        &freshdesk_missed_call(906, "+1 555 0100"),
    )
    .await;
    drain(&app).await;
    let (channel, ts) = card_of(&app, id).await;
    let calls_before = app.slack.calls().await.len();
    let events_before = app.state.services.store.event_count().await.unwrap();

    react(
        &app,
        &reaction("EvOFF1", AGENT, "eyes", &channel, "1699999999.000001"),
    )
    .await;
    react(&app, &reaction("EvOFF2", AGENT, "eyes", "C0ELSEWHERE", &ts)).await;
    react(&app, &reaction("EvOFF3", AGENT, "tada", &channel, &ts)).await;
    let mut by_a_file = reaction("EvOFF4", AGENT, "eyes", &channel, &ts);
    by_a_file["event"]["item"] = json!({"type": "file", "file": "F0001"});
    react(&app, &by_a_file).await;
    drain(&app).await;

    assert_eq!(ticket(&app, id).await.claimed_by, None);
    assert_eq!(app.slack.calls().await.len(), calls_before, "no Slack call");
    assert_eq!(
        app.state.services.store.event_count().await.unwrap(),
        events_before + 4,
        "each recorded, for its retries"
    );
}
