use super::*;
use crate::domain::intake::{Priority, SocialPlatform};
use crate::webhooks::{fixture, parse, Provider};
use chrono::TimeZone;
use serde_json::json;

fn received() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 14, 0, 0).unwrap()
}

fn run(body: &[u8]) -> Result<IntakeEvent, WebhookError> {
    parse(Provider::Intercom, body, received())
}

fn run_json(v: &Value) -> Result<IntakeEvent, WebhookError> {
    run(v.to_string().as_bytes())
}

fn malformed_field(r: Result<IntakeEvent, WebhookError>) -> String {
    match r {
        Err(WebhookError::Malformed { field, .. }) => field,
        other => panic!("expected Malformed, got {other:?}"),
    }
}

fn at(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(secs, 0).unwrap()
}

#[test]
fn a_conversation_started_by_a_user_is_a_new_chat_ticket() {
    let body = fixture("intercom/conversation.user.created.intercom_archive.json");
    let e = run(&body).unwrap();
    assert_eq!(e.helpdesk, Helpdesk::Intercom);
    assert_eq!(e.kind, EventKind::Ticket);
    assert_eq!(CONVERSATION_KIND, EventKind::Ticket);
    assert_eq!(e.ticket_ref().to_string(), "intercom:4584686769");
    assert_eq!(
        e.key,
        "intercom:conversation.user.created:notif_480fa0f0-070a-11e6-b031-1b282118ed92"
    );
    assert_eq!(e.message.as_deref(), Some("visitor initiated message 1"));
    assert_eq!(e.ticket.subject, None, "an empty subject is none");
    assert_eq!(e.ticket.source, Some(Source::Chat));
    assert_eq!(e.social, None);
    assert_eq!(
        e.ticket.url.as_deref(),
        Some("https://app.intercom.io/a/apps/YOUR_APP_ID/inbox/all/conversations/4584686769"),
        "the link Intercom sent"
    );
    assert_eq!(e.customer.name.as_deref(), Some("Jane Doe"));
    assert_eq!(e.customer.email, None, "\"\" is no email");
    assert_eq!(e.occurred_at, at(1461165142));
    assert_eq!(e.ticket.created_at, Some(at(1461165141)));
    assert_eq!(
        e.ticket.status, None,
        "the 1.x sample has `open`, not `state`"
    );
    assert_eq!(e.change, None);
}

#[test]
fn a_user_reply_carries_the_customers_latest_part() {
    let body = fixture("intercom/conversation.user.replied.handwritten.json");
    let e = run(&body).unwrap();
    assert_eq!(e.kind, EventKind::CustomerReply);
    assert_eq!(e.ticket.external_id, "215471000012345");
    assert_eq!(
        e.key,
        "intercom:conversation.user.replied:notif_5d2f0c9e-7a41-4b8e-9f1a-2c3d4e5f6a7b"
    );
    assert_eq!(
        e.message.as_deref(),
        Some("Booking A-77. I need it moved to Saturday & one more seat."),
        "the user's part, not the admin's, tags stripped"
    );
    assert_eq!(e.customer.name.as_deref(), Some("Ana Lima"));
    assert_eq!(e.customer.email.as_deref(), Some("ana.lima@example.com"));
    assert_eq!(e.ticket.status, Some(TicketStatus::Open));
    assert_eq!(
        e.ticket.url.as_deref(),
        Some("https://app.intercom.com/a/inbox/k7w3cxbt/inbox/conversation/215471000012345"),
        "derived from app_id and the conversation id"
    );
    assert_eq!(e.occurred_at, at(1795442341));
}

#[test]
fn a_reply_without_a_customer_part_still_counts_with_no_text() {
    let mut v: Value = serde_json::from_slice(&fixture(
        "intercom/conversation.user.replied.handwritten.json",
    ))
    .unwrap();
    let parts = &mut v["data"]["item"]["conversation_parts"]["conversation_parts"];
    parts.as_array_mut().unwrap().pop();
    let e = run_json(&v).unwrap();
    assert_eq!(e.kind, EventKind::CustomerReply);
    assert_eq!(
        e.message, None,
        "the admin's part is not the customer's reply"
    );
    assert_eq!(
        e.customer.name.as_deref(),
        Some("Ana Lima"),
        "from source.author"
    );
}

#[test]
fn an_admin_closing_the_conversation_solves_it() {
    let body = fixture("intercom/conversation.admin.closed.handwritten.json");
    let e = run(&body).unwrap();
    assert_eq!(e.kind, EventKind::TicketStatus);
    assert_eq!(
        e.change,
        Some(Change::Status {
            from: None,
            to: Some(TicketStatus::Solved)
        })
    );
    assert_eq!(e.ticket.status, Some(TicketStatus::Solved));
    assert_eq!(
        e.message, None,
        "the opening message is not news on a close"
    );
    assert_eq!(
        e.key,
        "intercom:conversation.admin.closed:notif_9a8b7c6d-1e2f-4a3b-8c4d-5e6f7a8b9c0d"
    );
}

#[test]
fn a_ticket_created_in_intercom_is_a_ticket() {
    let body = fixture("intercom/ticket.created.zulip.json");
    let e = run(&body).unwrap();
    assert_eq!(e.kind, EventKind::Ticket);
    assert_eq!(e.ticket.external_id, "215472629311235");
    assert_eq!(
        e.key,
        "intercom:ticket.created:notif_381b4609-2b35-4720-8389-605f220e402a"
    );
    assert_eq!(
        e.ticket.subject.as_deref(),
        Some("Unclear user message 'erf' with pending email response")
    );
    assert!(
        e.message
            .as_deref()
            .unwrap()
            .starts_with("User sent an unclear message 'erf'"),
        "{:?}",
        e.message
    );
    assert_eq!(
        e.ticket.status,
        Some(TicketStatus::Open),
        "category submitted"
    );
    assert_eq!(e.ticket.source, Some(Source::Chat), "channel messenger");
    assert_eq!(
        e.ticket.url.as_deref(),
        Some("https://app.intercom.com/a/inbox/abc123def/inbox/conversation/215472629311235")
    );
    assert_eq!(e.customer, Customer::default(), "contacts carry ids only");
    assert_eq!(e.ticket.created_at, Some(at(1768113868)));
    assert_eq!(e.occurred_at, at(1768114251));
    assert_eq!(e.ticket.priority, None::<Priority>);
}

#[test]
fn ping_and_unused_topics_are_ignored_before_anything_else_is_read() {
    let ping = run(&fixture("intercom/ping.zulip.json")).unwrap_err();
    assert_eq!(ping.http_status(), 202);
    assert_eq!(
        ping,
        WebhookError::ignored("Intercom topic `ping` is not used")
    );
    for topic in [
        "conversation.admin.replied",
        "conversation.admin.noted",
        "contact.created",
        "user.created",
    ] {
        let e = run_json(&json!({"type": "notification_event", "topic": topic, "id": null}))
            .unwrap_err();
        assert_eq!(e.http_status(), 202, "{topic}");
    }
}

#[test]
fn missing_or_wrong_fields_name_their_path() {
    let good: Value = serde_json::from_slice(&fixture(
        "intercom/conversation.user.replied.handwritten.json",
    ))
    .unwrap();
    let without = |pointer: &str, key: &str| {
        let mut v = good.clone();
        v.pointer_mut(pointer)
            .unwrap()
            .as_object_mut()
            .unwrap()
            .remove(key);
        malformed_field(run_json(&v))
    };
    assert_eq!(without("", "topic"), "topic");
    assert_eq!(without("", "id"), "id");
    assert_eq!(without("", "data"), "data");
    assert_eq!(without("/data", "item"), "data.item");
    assert_eq!(without("/data/item", "id"), "data.item.id");

    let mut v = good.clone();
    v["data"]["item"]["source"]["author"] = json!("Ana");
    assert_eq!(malformed_field(run_json(&v)), "data.item.source.author");
    let mut v = good.clone();
    v["data"]["item"]["conversation_parts"]["conversation_parts"][1]["body"] = json!(7);
    assert_eq!(
        malformed_field(run_json(&v)),
        "data.item.conversation_parts.conversation_parts[1].body"
    );
    let mut v = good;
    v["created_at"] = json!("yesterday");
    assert_eq!(malformed_field(run_json(&v)), "created_at");
    assert_eq!(malformed_field(run(b"[1, 2]")), "body");
    assert_eq!(malformed_field(run(b"{")), "body");
}

#[test]
fn the_key_is_stable_across_redeliveries_and_differs_between_notifications() {
    let body = fixture("intercom/conversation.user.replied.handwritten.json");
    let mut v: Value = serde_json::from_slice(&body).unwrap();
    let first = run(&body).unwrap();
    v["delivery_attempts"] = json!(3);
    v["delivery_status"] = json!("retry");
    let again = parse(
        Provider::Intercom,
        v.to_string().as_bytes(),
        received() + chrono::Duration::minutes(5),
    )
    .unwrap();
    assert_eq!(first.key, again.key, "a retry is the same notification");
    v["id"] = json!("notif_00000000-0000-0000-0000-000000000001");
    assert_ne!(run_json(&v).unwrap().key, first.key);
}

#[test]
fn the_channel_decides_the_source() {
    assert_eq!(source_from("email"), (Source::Email, None));
    assert_eq!(
        source_from("facebook"),
        (Source::Social, Some(SocialPlatform::Facebook))
    );
    assert_eq!(
        source_from("twitter"),
        (Source::Social, Some(SocialPlatform::Twitter))
    );
    assert_eq!(
        source_from("instagram"),
        (Source::Social, Some(SocialPlatform::Instagram))
    );
    assert_eq!(source_from("phone_call"), (Source::Phone, None));
    for chat in ["conversation", "messenger", "push", "chat", "whatsapp"] {
        assert_eq!(source_from(chat), (Source::Chat, None), "{chat}");
    }

    let mut v: Value = serde_json::from_slice(&fixture(
        "intercom/conversation.user.replied.handwritten.json",
    ))
    .unwrap();
    v["topic"] = json!("conversation.user.created");
    v["data"]["item"]["source"]["type"] = json!("facebook");
    v["data"]["item"]["source"]["subject"] = json!("Promo question");
    let e = run_json(&v).unwrap();
    assert_eq!(e.ticket.source, Some(Source::Social));
    assert_eq!(
        e.social.as_ref().map(|s| s.platform),
        Some(SocialPlatform::Facebook)
    );
    assert_eq!(e.ticket.subject.as_deref(), Some("Promo question"));
    assert_eq!(
        e.message.as_deref(),
        Some("Hi, my bus ticket for Friday has the wrong date."),
        "the opening message from source.body"
    );
}
