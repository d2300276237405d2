//! Helpdesk intake end to end: `POST /hooks/{provider}` with each provider's auth, then the
//! worker drained against the fake Slack; tests assert the card posted or updated (channel,
//! text, blocks) and the ticket row stored.

mod cards;
mod edge;
mod native;
mod store;
mod updates;

use crate::helpers::*;
use chrono::{Duration, SecondsFormat};
use cxbot::clock::Clock;
use cxbot::domain::ticket::Ticket;
use cxbot::webhooks::auth::{sign_generic, sign_zendesk};
use serde_json::{json, Value};

pub const QUEUE: &str = "#cx-queue";
pub const SOCIAL: &str = "#cx-social";
pub const MARKETING: &str = "#marketing";
pub const LEADS: &str = "#cx-leads";
pub const MOBILE: &str = "#cx-mobile";
pub const INHOUSE: &str = "#cx-inhouse";

/// Headers that authenticate `body` for `provider` at the app's clock.
pub fn auth_headers(app: &TestApp, provider: &str, body: &str) -> Vec<(&'static str, String)> {
    match provider {
        "freshdesk" => vec![("x-cxbot-token", "fd-token".to_string())],
        "zendesk" => {
            let ts = app.clock.now().to_rfc3339_opts(SecondsFormat::Secs, true);
            vec![
                (
                    "x-zendesk-webhook-signature",
                    sign_zendesk(&ts, body.as_bytes(), "zd-secret"),
                ),
                ("x-zendesk-webhook-signature-timestamp", ts),
            ]
        }
        _ => {
            let ts = app.now();
            vec![
                ("x-cxbot-timestamp", ts.to_string()),
                (
                    "x-cxbot-signature",
                    sign_generic(ts, body.as_bytes(), "cx-secret"),
                ),
            ]
        }
    }
}

pub async fn hook(app: &TestApp, provider: &str, body: &Value) -> reqwest::Response {
    let body = body.to_string();
    let headers = auth_headers(app, provider, &body);
    app.post_raw(
        &format!("/hooks/{provider}"),
        &body,
        "application/json",
        &headers,
    )
    .await
}

/// Delivers an event that must be accepted; returns the ticket id.
pub async fn deliver(app: &TestApp, provider: &str, body: &Value) -> i64 {
    let res = hook(app, provider, body).await;
    let status = res.status();
    let reply: Value = res.json().await.unwrap();
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["ok"], true, "{reply}");
    reply["ticket"].as_i64().expect("a ticket id")
}

/// Drains the worker, moving the clock past per-channel pacing and retry backoff.
pub async fn drain(app: &TestApp) {
    for _ in 0..8 {
        app.run_pending_jobs().await;
        app.advance(Duration::seconds(3));
    }
}

/// Top-level posts (not thread replies) to `channel`.
pub async fn posts_in(app: &TestApp, channel: &str) -> Vec<Value> {
    app.slack
        .calls_to("chat.postMessage")
        .await
        .into_iter()
        .filter(|b| b["channel"] == channel && b.get("thread_ts").is_none())
        .collect()
}

pub async fn thread_replies(app: &TestApp) -> Vec<Value> {
    app.slack
        .calls_to("chat.postMessage")
        .await
        .into_iter()
        .filter(|b| b.get("thread_ts").is_some())
        .collect()
}

pub async fn ticket(app: &TestApp, id: i64) -> Ticket {
    app.state
        .services
        .store
        .ticket(id)
        .await
        .unwrap()
        .expect("ticket stored")
}

pub async fn ticket_count(app: &TestApp) -> i64 {
    app.state.services.store.ticket_count().await.unwrap()
}

/// A Freshdesk "simple" webhook body.
pub fn freshdesk(ticket_id: u64, event: &str, fields: Value) -> Value {
    let mut inner = json!({
        "ticket_id": ticket_id.to_string(),
        "triggered_event": event,
        "ticket_url": format!("https://acme.freshdesk.com/a/tickets/{ticket_id}"),
    });
    for (k, v) in fields.as_object().unwrap() {
        inner[k] = v.clone();
    }
    json!({ "freshdesk_webhook": inner })
}

pub fn freshdesk_missed_call(ticket_id: u64, phone: &str) -> Value {
    freshdesk(
        ticket_id,
        "{ticket_action:created}",
        json!({
            "ticket_subject": format!("Missed call from {phone}"),
            "ticket_source": "Phone",
            "ticket_status": "Open",
            "ticket_contact_phone": phone,
        }),
    )
}

/// cxbot's generic format; `extra` is merged at the top level.
pub fn generic(id: &str, kind: &str, ticket_id: &str, extra: Value) -> Value {
    let mut v = json!({
        "id": id, "type": kind, "occurred_at": "2026-11-23T13:59:00Z", "helpdesk": "zoho",
        "ticket": {"id": ticket_id, "url": format!("https://desk.zoho.com/t/{ticket_id}")},
    });
    for (k, val) in extra.as_object().unwrap() {
        v[k] = val.clone();
    }
    v
}

/// Every text in a message body (fallback text and blocks), for `contains` checks.
pub fn text_of(body: &Value) -> String {
    format!("{} {}", body["text"], body["blocks"])
}
