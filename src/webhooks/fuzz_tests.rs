//! Hostile input for every helpdesk parser (property tests, seeded, `crate::fuzz`):
//! arbitrary bytes, invalid UTF-8, and each fixture with one field removed or its value
//! swapped for something hostile. Whatever comes in, the parser answers without panicking,
//! and a refusal is `Malformed` naming a field (a JSON path, or `body`), or `Ignored`: the
//! HTTP layer turns those into a 422 or 202 and stores nothing (`tests/api/hostile.rs`).

use super::{fixture, parse_delivery, Provider, WebhookError};
use crate::fuzz::{config, hostile_bytes, mutate, mutation};
use chrono::{TimeZone, Utc};
use proptest::prelude::*;
use serde_json::{json, Value};

/// Fixtures each provider would accept (or knowingly ignore).
fn fixtures() -> Vec<(Provider, Value)> {
    let file = |p: &str| serde_json::from_slice::<Value>(&fixture(p)).expect("fixture is JSON");
    vec![
        (
            Provider::Freshdesk,
            file("freshdesk/zulip_ticket_created.json"),
        ),
        (
            Provider::Freshdesk,
            file("freshdesk/zulip_status_changed.json"),
        ),
        (
            Provider::Zendesk,
            file("zendesk/trigger_payload.ticket_update.zendesk_go.json"),
        ),
        (
            Provider::Zendesk,
            file("zendesk/event.ticket_status_changed.third_party_example.json"),
        ),
        (
            Provider::Intercom,
            file("intercom/conversation.user.created.intercom_archive.json"),
        ),
        (
            Provider::Intercom,
            file("intercom/conversation.user.replied.handwritten.json"),
        ),
        (
            Provider::Hubspot,
            file("hubspot/ticket_events.handwritten.json"),
        ),
        (
            Provider::Zoho,
            file("zoho_desk/ticket_add.handwritten.json"),
        ),
        (
            Provider::Zoho,
            file("zoho_desk/ticket_update.handwritten.json"),
        ),
        (
            Provider::Generic,
            json!({"id": "e1", "type": "app_review", "occurred_at": "2026-11-22T10:00:00Z",
                   "helpdesk": "appfollow", "ticket": {"id": 4521, "subject": "Crash", "tags": ["a"]},
                   "customer": {"name": "Ana", "email": "ana@example.com"},
                   "review": {"store": "google_play", "rating": 2, "app_version": "4.1.0"}}),
        ),
        (
            Provider::Generic,
            json!({"id": "e2", "type": "social", "occurred_at": "2026-11-22T10:00:00Z",
                   "ticket": {"id": "7"}, "message": "hi",
                   "social": {"platform": "facebook", "kind": "dm", "brand": "OurBus"}}),
        ),
    ]
}

/// What any body may produce: events, or a refusal the edge can word.
fn acceptable(result: Result<super::Outcomes, WebhookError>) -> Result<(), String> {
    let refusal_ok = |e: &WebhookError| match e {
        WebhookError::Malformed { field, reason } => {
            if field.trim().is_empty() || reason.trim().is_empty() {
                Err(format!("a refusal that names no field: {e:?}"))
            } else {
                Ok(())
            }
        }
        WebhookError::Ignored { .. } => Ok(()),
        other => Err(format!("a parser answered {other:?}")),
    };
    match result {
        Err(e) => refusal_ok(&e),
        Ok(outcomes) => outcomes.iter().try_for_each(|o| match o {
            Ok(_) => Ok(()),
            Err(e) => refusal_ok(e),
        }),
    }
}

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 14, 0, 0).unwrap()
}

#[test]
fn every_fixture_parses_before_it_is_mutated() {
    for (provider, v) in fixtures() {
        let body = serde_json::to_vec(&v).unwrap();
        acceptable(parse_delivery(provider, &body, now())).unwrap();
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn arbitrary_bytes_never_panic_a_parser(body in hostile_bytes()) {
        for provider in Provider::ALL {
            let answer = parse_delivery(provider, &body, now());
            prop_assert!(acceptable(answer).is_ok(), "{provider:?}");
        }
    }

    #[test]
    fn mutated_fixtures_are_parsed_or_refused_naming_a_field(
        which in any::<prop::sample::Index>(),
        (pick, kind, text, n) in mutation(),
    ) {
        let all = fixtures();
        let (provider, v) = which.get(&all);
        let body = serde_json::to_vec(&mutate(v, pick, kind, &text, n)).unwrap();
        let answer = parse_delivery(*provider, &body, now());
        prop_assert!(acceptable(answer.clone()).is_ok(), "{provider:?}: {answer:?}");
    }
}
