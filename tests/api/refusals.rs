//! Requests that must be refused: a signed Slack request sent again inside its 5-minute
//! window, a webhook with a wrong or missing secret on every helpdesk endpoint, and a
//! non-lead reaching a lead-only action by crafting a button value, a select option or a
//! command. Each asserts that nothing changed: the row, the audit, the Slack calls.

use crate::helpers::*;
use crate::intake::{deliver, drain, freshdesk_missed_call, ticket, ticket_count};
use chrono::Duration;
use cxbot::config::playbook::EXAMPLE_PLAYBOOK;
use serde_json::{json, Value};

const AGENT: &str = "U0AGENT01";
const OTHER: &str = "U0AGENT02";
const LEAD: &str = "U0LEAD001";

async fn team_app() -> TestApp {
    let playbook = format!(
        "{EXAMPLE_PLAYBOOK}\n[[team.member]]\nslack_id = \"{AGENT}\"\nname = \"Ana\"\nlevel = \"L1\"\n\
         [[team.member]]\nslack_id = \"{OTHER}\"\nname = \"Ben\"\nlevel = \"L2\"\n\
         [[team.member]]\nslack_id = \"{LEAD}\"\nname = \"Dana\"\nlevel = \"L3\"\nlead = true\n"
    );
    spawn_app_with(TestOptions {
        playbook: Some(playbook),
        ..Default::default()
    })
    .await
}

/// A signed request captured as sent, so it can be sent again byte for byte.
struct Captured {
    path: &'static str,
    body: String,
    content_type: &'static str,
    headers: Vec<(&'static str, String)>,
}

impl Captured {
    fn new(app: &TestApp, path: &'static str, body: String, content_type: &'static str) -> Self {
        let ts = app.now();
        let headers = vec![
            ("x-slack-request-timestamp", ts.to_string()),
            ("x-slack-signature", sign(ts, body.as_bytes())),
        ];
        Self {
            path,
            body,
            content_type,
            headers,
        }
    }

    fn command(app: &TestApp, user: &str, text: &str) -> Self {
        let body = serde_urlencoded::to_string([
            ("team_id", "T0001"),
            ("channel_id", "C0QUEUE01"),
            ("user_id", user),
            ("command", "/cx"),
            ("text", text),
            ("trigger_id", &trigger_id()),
        ])
        .unwrap();
        Self::new(
            app,
            "/slack/commands",
            body,
            "application/x-www-form-urlencoded",
        )
    }

    fn interaction(app: &TestApp, payload: &Value) -> Self {
        let body = serde_urlencoded::to_string([("payload", payload.to_string())]).unwrap();
        Self::new(
            app,
            "/slack/interactivity",
            body,
            "application/x-www-form-urlencoded",
        )
    }

    async fn send(&self, app: &TestApp) -> reqwest::Response {
        app.post_raw(self.path, &self.body, self.content_type, &self.headers)
            .await
    }
}

fn click_payload(user: &str, action_id: &str, value: &str) -> Value {
    json!({
        "type": "block_actions",
        "user": {"id": user},
        "trigger_id": trigger_id(),
        "channel": {"id": "C0QUEUE01"},
        "message": {"ts": "1700000000.000001"},
        "actions": [{"action_id": action_id, "block_id": "b", "value": value}]
    })
}

async fn missed_call(app: &TestApp, n: u64) -> i64 {
    let id = deliver(app, "freshdesk", &freshdesk_missed_call(n, "+1 555 0100")).await;
    drain(app).await;
    id
}

async fn audit_actions(app: &TestApp, id: i64) -> Vec<String> {
    let audit = app.state.services.store.audit_for(id).await.unwrap();
    audit.into_iter().map(|a| a.action).collect()
}

#[tokio::test]
async fn a_replayed_slash_command_is_refused_and_posts_nothing_twice() {
    let app = team_app().await;
    let directive = Captured::command(&app, LEAD, "directive Refunds need a lead's OK today");
    let first = directive.send(&app).await;
    assert_eq!(first.status(), 200);
    assert!(first.text().await.unwrap().contains("Posted directive 1"));
    drain(&app).await;
    let directive_posts = || async {
        app.slack
            .calls_to("chat.postMessage")
            .await
            .into_iter()
            .filter(|p| p.to_string().contains("Refunds need a lead"))
            .count()
    };
    let posts = directive_posts().await;
    assert!(posts >= 1);

    app.advance(Duration::seconds(30));
    let replay = directive.send(&app).await;
    assert_eq!(replay.status(), 401, "inside the window, refused");
    drain(&app).await;
    assert_eq!(directive_posts().await, posts);
    let status = app.command(LEAD, "directive status").await.to_string();
    assert!(
        !status.contains("directive 2") && !status.contains("#2"),
        "{status}"
    );
}

#[tokio::test]
async fn a_replayed_click_is_refused_and_changes_nothing() {
    let app = team_app().await;
    let id = missed_call(&app, 11).await;
    let claim = Captured::interaction(&app, &click_payload(AGENT, "cx_claim", &id.to_string()));
    assert_eq!(claim.send(&app).await.status(), 200);
    assert_eq!(ticket(&app, id).await.claimed_by.as_deref(), Some(AGENT));
    app.command(AGENT, "release 11").await;
    assert_eq!(ticket(&app, id).await.claimed_by, None);
    let before = audit_actions(&app, id).await;

    app.advance(Duration::seconds(60));
    assert_eq!(claim.send(&app).await.status(), 401);
    assert_eq!(ticket(&app, id).await.claimed_by, None, "not claimed again");
    assert_eq!(audit_actions(&app, id).await, before);
}

/// A replay of a request that changes nothing (help, a typo, a missing argument, a status
/// read, an unknown button) is answered again as the first was: "idempotent" is the issue's
/// other half of "idempotent or refused", and a load tool repeating one signed request
/// measures the real answer.
#[tokio::test]
async fn a_replayed_request_that_changes_nothing_is_answered_again() {
    let app = team_app().await;
    for text in ["help", "hello world", "claim", "directive status", "whoami"] {
        let cmd = Captured::command(&app, AGENT, text);
        let first = cmd.send(&app).await;
        assert_eq!(first.status(), 200, "{text}");
        let first = first.text().await.unwrap();
        app.advance(Duration::seconds(5));
        let again = cmd.send(&app).await;
        assert_eq!(again.status(), 200, "{text}: a read is answered again");
        assert_eq!(again.text().await.unwrap(), first, "{text}");
    }
    let unknown = Captured::interaction(&app, &click_payload(AGENT, "cx_no_such_action", "7"));
    assert_eq!(unknown.send(&app).await.status(), 200);
    assert_eq!(unknown.send(&app).await.status(), 200);
    // A claim is not a read: the same signed click twice claims once and is refused once.
    let id = missed_call(&app, 12).await;
    let claim = Captured::interaction(&app, &click_payload(AGENT, "cx_claim", &id.to_string()));
    assert_eq!(claim.send(&app).await.status(), 200);
    assert_eq!(claim.send(&app).await.status(), 401);
}

#[tokio::test]
async fn a_replayed_event_is_acknowledged_and_acted_on_once() {
    let app = spawn_app().await;
    let event = json!({
        "type": "event_callback", "team_id": "T0001", "api_app_id": "A0001",
        "event_id": "Ev0REPLAY1", "event_time": app.now(),
        "event": {"type": "app_home_opened", "user": AGENT, "tab": "home", "channel": "D0AGENT01"}
    });
    let captured = Captured::new(&app, "/slack/events", event.to_string(), "application/json");
    assert_eq!(captured.send(&app).await.status(), 200);
    app.run_pending_jobs().await;
    let published = app.slack.calls_to("views.publish").await.len();
    assert_eq!(published, 1);
    assert_eq!(captured.send(&app).await.status(), 200, "acknowledged");
    app.advance(Duration::seconds(10));
    app.run_pending_jobs().await;
    assert_eq!(
        app.slack.calls_to("views.publish").await.len(),
        published,
        "deduplicated by event_id"
    );
    assert_eq!(app.state.services.store.event_count().await.unwrap(), 1);
}

/// A body each helpdesk endpoint would accept with the right secret.
fn hook_bodies() -> Vec<(&'static str, String)> {
    let fixture = |p: &str| {
        std::fs::read_to_string(format!(
            "{}/tests/fixtures/helpdesk/{p}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    };
    vec![
        (
            "freshdesk",
            freshdesk_missed_call(11, "+1 555 0100").to_string(),
        ),
        (
            "zendesk",
            fixture("zendesk/trigger_payload.ticket_update.zendesk_go.json"),
        ),
        (
            "generic",
            json!({"id": "e1", "type": "ticket", "occurred_at": "2026-11-23T13:59:00Z",
                   "ticket": {"id": "1"}})
            .to_string(),
        ),
        (
            "intercom",
            fixture("intercom/conversation.user.created.intercom_archive.json"),
        ),
        ("hubspot", fixture("hubspot/ticket_events.handwritten.json")),
        ("zoho", fixture("zoho_desk/ticket_add.handwritten.json")),
    ]
}

#[tokio::test]
async fn every_helpdesk_endpoint_refuses_a_wrong_or_missing_secret_and_stores_nothing() {
    let app = spawn_app().await;
    let wrong: &[(&str, &str)] = &[
        ("x-cxbot-token", "wrong-token"),
        ("authorization", "Basic Y3hib3Q6d3Jvbmc="),
        ("x-zendesk-webhook-signature", "d3Jvbmc="),
        (
            "x-zendesk-webhook-signature-timestamp",
            "2026-11-23T14:00:00Z",
        ),
        ("x-cxbot-signature", "v0=00ff"),
        ("x-cxbot-timestamp", "1795442400"),
        ("x-hub-signature", "sha1=00ff"),
        ("x-hubspot-signature-v3", "d3Jvbmc="),
        ("x-hubspot-request-timestamp", "1795442400000"),
    ];
    for (provider, body) in hook_bodies() {
        for path in [
            format!("/hooks/{provider}"),
            format!("/hooks/{provider}?token=wrong-token"),
        ] {
            let missing = app.post_raw(&path, &body, "application/json", &[]).await;
            assert_eq!(missing.status(), 401, "{path} without a secret");
            let headers: Vec<(&str, String)> =
                wrong.iter().map(|(k, v)| (*k, v.to_string())).collect();
            let res = app
                .post_raw(&path, &body, "application/json", &headers)
                .await;
            assert_eq!(res.status(), 401, "{path} with wrong secrets");
            let text = res.text().await.unwrap();
            assert!(
                !text.contains("token") || !text.contains("fd-token"),
                "{text}"
            );
        }
    }
    drain(&app).await;
    assert_eq!(ticket_count(&app).await, 0);
    assert_eq!(app.state.services.store.event_count().await.unwrap(), 0);
    assert!(app.slack.calls().await.is_empty());
}

#[tokio::test]
async fn a_non_lead_cannot_reach_lead_only_actions_by_crafting_them() {
    let app = team_app().await;
    let id = missed_call(&app, 11).await;
    app.command(AGENT, "claim 11").await;
    let seq = ticket(&app, id).await.claim.claim_seq;
    let before = audit_actions(&app, id).await;
    let leads_posts = || async {
        app.slack
            .calls_to("chat.postMessage")
            .await
            .into_iter()
            .filter(|p| p["channel"] == "#cx-leads" || p["channel"] == "#cx-only")
            .count()
    };
    let leads_before = leads_posts().await;

    // Buttons and a select with values crafted for AGENT's claim, clicked by OTHER.
    let crafted = [
        click_payload(OTHER, "cx_release", &id.to_string()),
        click_payload(OTHER, "cx_lease_release", &format!("{id}:{seq}")),
        click_payload(OTHER, "cx_lease_keep", &format!("{id}:{seq}")),
        json!({"type": "block_actions", "user": {"id": OTHER}, "trigger_id": trigger_id(),
               "channel": {"id": "D0AGENT02"}, "message": {"ts": "1.2"},
               "actions": [{"action_id": "cx_hand_to", "block_id": "b",
                            "selected_option": {"value": format!("{id}:{OTHER}")}}]}),
    ];
    for payload in &crafted {
        assert_eq!(app.interact(payload).await.status(), 200, "{payload}");
    }
    // Commands only a lead may use.
    for text in [
        "release 11",
        &format!("assign 11 <@{OTHER}|ben>"),
        "digest now",
        "directive Everyone take the afternoon off",
        "directive end 1",
    ] {
        let reply = app.command(OTHER, text).await.to_string();
        assert!(
            reply.contains("Only a lead") || reply.contains("or a lead can"),
            "{text}: {reply}"
        );
    }
    app.run_pending_jobs().await;

    let t = ticket(&app, id).await;
    assert_eq!(t.claimed_by.as_deref(), Some(AGENT), "still AGENT's");
    assert_eq!(t.claim.claim_seq, seq, "the claim did not change hands");
    assert_eq!(audit_actions(&app, id).await, before, "nothing audited");
    assert_eq!(leads_posts().await, leads_before, "no digest, no directive");
    let told = app.slack.calls_to("chat.postEphemeral").await;
    let to_other = told.iter().filter(|m| m["user"] == OTHER).count();
    assert!(to_other >= 3, "each crafted click was answered: {told:?}");

    // The same release by the lead goes through: the refusals above were about who.
    assert_eq!(
        app.interact(&click_payload(LEAD, "cx_release", &id.to_string()))
            .await
            .status(),
        200
    );
    assert_eq!(ticket(&app, id).await.claimed_by, None);
}

#[tokio::test]
async fn a_crafted_modal_submission_is_checked_like_the_modal_it_imitates() {
    let app = team_app().await;
    let id = missed_call(&app, 11).await;
    let before = audit_actions(&app, id).await;
    let posts = app.slack.calls_to("chat.postMessage").await.len();
    let submit = |metadata: String, target: &str| {
        json!({"type": "view_submission", "user": {"id": OTHER}, "trigger_id": trigger_id(),
               "view": {"callback_id": "cx_escalate_modal", "private_metadata": metadata,
                        "state": {"values": {
                            "target": {"target_select": {"type": "static_select",
                                       "selected_option": {"value": target}}},
                            "reason": {"reason_input": {"type": "plain_text_input", "value": "x"}}}}}})
    };
    for (payload, why) in [
        (
            submit(id.to_string(), "the-ceo"),
            "a target the playbook does not have",
        ),
        (
            submit("999999".into(), "leads"),
            "a ticket that does not exist",
        ),
        (
            submit("not-a-ticket".into(), "leads"),
            "metadata that is no ticket",
        ),
    ] {
        let res = app.interact(&payload).await;
        assert_eq!(res.status(), 200, "{why}");
        let answer: Value = res.json().await.unwrap();
        assert_eq!(answer["response_action"], "errors", "{why}: {answer}");
    }
    app.run_pending_jobs().await;
    assert_eq!(audit_actions(&app, id).await, before, "nothing recorded");
    assert_eq!(app.slack.calls_to("chat.postMessage").await.len(), posts);
}
