//! Hostile input for the Slack edge's parsers (property tests, seeded, `crate::fuzz`): the
//! slash command form, the interactivity payload, the Events API envelope, the `/cx`
//! grammar and the button values, from arbitrary bytes and from Slack's own fixtures with
//! one field removed or swapped. None may panic; what the edge cannot read is a 400 naming
//! what was wrong (`tests/api/hostile.rs`), and a grammar error is a usage reply.

use super::actions::{parse_checkin_value, parse_hand_to_value, parse_lease_value};
use super::commands::{parse, USAGE};
use super::dispatch::SlashCommandPayload;
use super::events::EventEnvelope;
use super::interactions::{Interaction, InteractionForm};
use super::views::followup::parse_step_value;
use crate::fuzz::{config, hostile_bytes, mutate, mutation};
use proptest::prelude::*;
use serde_json::Value;

fn fixture(name: &str) -> Value {
    serde_json::from_str(&crate::slack::payload_fixture(name)).unwrap()
}

fn interaction_fixtures() -> Vec<Value> {
    [
        "block_actions.button.slack_docs.json",
        "block_actions.home_tab_real.java_sdk.json",
        "view_submission.real.java_sdk.json",
    ]
    .into_iter()
    .map(fixture)
    .collect()
}

fn event_fixtures() -> Vec<Value> {
    [
        "event_callback.app_home_opened.bolt_python.json",
        "event_callback.message.java_sdk.json",
        "url_verification.json",
    ]
    .into_iter()
    .map(fixture)
    .collect()
}

/// Reads an interaction as the edge does, then everything dispatch reads from it.
fn read_interaction(bytes: &[u8]) {
    if let Ok(Interaction::BlockActions(ba)) = serde_json::from_slice::<Interaction>(bytes) {
        for a in &ba.actions {
            let v = a.value.as_deref().unwrap_or_default();
            let _ = (
                parse_lease_value(v),
                parse_checkin_value(v),
                parse_step_value(v),
            );
            let _ = a
                .selected_option
                .as_ref()
                .map(|o| parse_hand_to_value(&o.value));
        }
    } else if let Ok(Interaction::ViewSubmission(vs)) = serde_json::from_slice(bytes) {
        let _ = vs.view.input("target", "target_select");
        let _ = vs
            .view
            .private_metadata
            .as_deref()
            .map(|m| m.parse::<i64>());
    }
}

fn read_event(bytes: &[u8]) {
    if let Ok(EventEnvelope::EventCallback(cb)) = serde_json::from_slice::<EventEnvelope>(bytes) {
        let _ = cb.event.as_service_event();
    }
}

/// Command texts that parse, to mutate.
fn commands() -> Vec<String> {
    let mut c: Vec<String> = USAGE
        .iter()
        .map(|(usage, _)| {
            usage
                .trim_start_matches("/cx ")
                .replace("<ticket>", "#4521")
                .replace("@someone", "<@U0123|dana>")
        })
        .collect();
    c.extend(
        [
            "claim 4521",
            "followup 12 start fast from 2026-11-20",
            "stats week <@U1|a>",
        ]
        .map(String::from),
    );
    c
}

#[test]
fn the_fixtures_read_before_they_are_mutated() {
    for v in interaction_fixtures() {
        assert!(serde_json::from_value::<Interaction>(v).is_ok());
    }
    for v in event_fixtures() {
        assert!(serde_json::from_value::<EventEnvelope>(v).is_ok());
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn arbitrary_bytes_never_panic_the_edge_parsers(body in hostile_bytes()) {
        let _ = serde_urlencoded::from_bytes::<SlashCommandPayload>(&body);
        if let Ok(form) = serde_urlencoded::from_bytes::<InteractionForm>(&body) {
            read_interaction(form.payload.as_bytes());
        }
        read_interaction(&body);
        read_event(&body);
        let _ = super::verify::verify(b"secret", std::str::from_utf8(&body).ok(), Some("1"), &body, 1);
    }

    /// A form value decodes as serde_urlencoded decodes it, whatever the bytes: `+`, `%`
    /// with and without two hex digits, invalid UTF-8.
    #[test]
    fn a_form_value_decodes_as_serde_urlencoded_decodes_it(
        value in prop_oneof![
            hostile_bytes(),
            prop::collection::vec(prop::sample::select(b"%%%+0aF9gZ=\xc3\xa9\xff ".to_vec()), 0..40),
        ]
    ) {
        let value: Vec<u8> = value.into_iter().filter(|b| *b != b'&').collect();
        let mut body = b"k=".to_vec();
        body.extend_from_slice(&value);
        let serde = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body).unwrap();
        prop_assert_eq!(super::dispatch::decode_form_value(&value), serde[0].1.clone());
    }

    #[test]
    fn mutated_interactions_and_events_never_panic(
        which in any::<prop::sample::Index>(),
        (pick, kind, text, n) in mutation(),
    ) {
        let interactions = interaction_fixtures();
        let body = serde_json::to_vec(&mutate(which.get(&interactions), pick, kind, &text, n)).unwrap();
        read_interaction(&body);
        let form = serde_urlencoded::to_string([("payload", String::from_utf8_lossy(&body))]).unwrap();
        let _ = serde_urlencoded::from_str::<InteractionForm>(&form);
        let events = event_fixtures();
        let body = serde_json::to_vec(&mutate(which.get(&events), pick, kind, &text, n)).unwrap();
        read_event(&body);
    }

    #[test]
    fn any_command_text_is_a_command_or_a_usage_reply(text in "\\PC{0,120}") {
        if let Err(e) = parse(&text) {
            prop_assert!(!e.message.is_empty());
        }
    }

    #[test]
    fn mutated_commands_are_a_command_or_a_usage_reply(
        which in any::<prop::sample::Index>(),
        at in any::<prop::sample::Index>(),
        insert in prop_oneof![
            Just(" ".to_string()), Just("\u{00a0}".to_string()), Just("99999999999999999999999".to_string()),
            Just("<@U1|".to_string()), Just("#".to_string()), Just("\u{202e}".to_string()), "\\PC{1,8}",
        ],
    ) {
        let all = commands();
        let base = which.get(&all);
        let chars: Vec<char> = base.chars().collect();
        let cut = at.index(chars.len() + 1);
        let text: String = chars[..cut].iter().chain(insert.chars().collect::<Vec<_>>().iter()).chain(chars[cut..].iter()).collect();
        if let Err(e) = parse(&text) {
            prop_assert!(!e.message.is_empty(), "{text:?}");
        }
    }
}
