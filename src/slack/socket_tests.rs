//! Socket Mode's pure parts: the backoff, the acknowledgement frame, envelopes.

use super::*;

#[test]
fn backoff_doubles_to_thirty_seconds_and_resets() {
    let mut b = Backoff::default();
    let waits: Vec<u64> = (0..7).map(|_| b.next_wait().as_secs()).collect();
    assert_eq!(waits, vec![1, 2, 4, 8, 16, 30, 30]);
    b.reset();
    assert_eq!(b.next_wait(), Duration::from_secs(1));
}

#[test]
fn an_ack_carries_the_payload_only_when_there_is_one() {
    assert_eq!(ack_frame("e-1", None), r#"{"envelope_id":"e-1"}"#);
    let payload = serde_json::json!({"response_type": "ephemeral", "text": "hi"});
    let frame: Value = serde_json::from_str(&ack_frame("e-2", Some(&payload))).unwrap();
    assert_eq!(
        frame,
        serde_json::json!({"envelope_id": "e-2", "payload": payload})
    );
}

// Shaped like the examples in Slack's "Using Socket Mode" (hand-written, not copied).
#[test]
fn envelopes_read_their_control_fields() {
    let hello: Envelope = serde_json::from_str(
        r#"{"type":"hello","num_connections":1,"connection_info":{"app_id":"A1"},"debug_info":{"host":"applink-1","approximate_connection_time":3600}}"#,
    )
    .unwrap();
    assert_eq!(hello.kind, "hello");
    assert_eq!(hello.envelope_id, None);
    assert_eq!(hello.num_connections, Some(1));
    let bye: Envelope = serde_json::from_str(
        r#"{"type":"disconnect","reason":"refresh_requested","debug_info":{"host":"wss-111.slack.com"}}"#,
    )
    .unwrap();
    assert_eq!(bye.reason.as_deref(), Some("refresh_requested"));
    let event: Envelope = serde_json::from_str(
        r#"{"envelope_id":"57d6a792","payload":{"type":"event_callback","event_id":"Ev1","event":{"type":"app_home_opened","user":"U1","tab":"home"}},"type":"events_api","accepts_response_payload":false,"retry_attempt":1,"retry_reason":"timeout"}"#,
    )
    .unwrap();
    assert_eq!(event.envelope_id.as_deref(), Some("57d6a792"));
    assert_eq!(event.retry_attempt, Some(1));
    let EventEnvelope::EventCallback(cb) = serde_json::from_value(event.payload).unwrap() else {
        panic!("an events_api payload is the HTTP body")
    };
    assert_eq!(cb.event_id, "Ev1");
}

#[test]
fn a_slash_command_payload_reads_as_the_form_does() {
    let json: SlashCommandPayload = serde_json::from_value(serde_json::json!({
        "token": "x", "team_id": "T1", "channel_id": "C1", "user_id": "U1", "user_name": "ana",
        "command": "/cx", "text": "claim 11", "response_url": "https://hooks.slack.com/commands/1",
        "trigger_id": "1.2.3", "is_enterprise_install": "false"
    }))
    .unwrap();
    let form: SlashCommandPayload = serde_urlencoded::from_str(
        "token=x&team_id=T1&channel_id=C1&user_id=U1&user_name=ana&command=%2Fcx&text=claim+11&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2F1&trigger_id=1.2.3",
    )
    .unwrap();
    assert_eq!(format!("{json:?}"), format!("{form:?}"));
}
