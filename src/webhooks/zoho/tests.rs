use super::*;
use crate::webhooks::{fixture, parse, parse_delivery, Provider};
use chrono::TimeZone;
use serde_json::json;

fn received() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 14, 20, 0).unwrap()
}

fn batch(body: &[u8]) -> Vec<Result<IntakeEvent, WebhookError>> {
    parse_delivery(Provider::Zoho, body, received()).unwrap()
}

fn batch_json(v: &Value) -> Vec<Result<IntakeEvent, WebhookError>> {
    batch(v.to_string().as_bytes())
}

fn malformed_field(r: &Result<IntakeEvent, WebhookError>) -> String {
    match r {
        Err(WebhookError::Malformed { field, .. }) => field.clone(),
        other => panic!("expected Malformed, got {other:?}"),
    }
}

fn ms(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap()
}

#[test]
fn ticket_add_is_a_ticket_with_everything_zoho_sends() {
    let out = batch(&fixture("zoho_desk/ticket_add.handwritten.json"));
    assert_eq!(out.len(), 2);
    let e = out[0].as_ref().unwrap();
    assert_eq!(e.helpdesk, Helpdesk::Zoho);
    assert_eq!(e.kind, EventKind::Ticket);
    assert_eq!(e.ticket_ref().to_string(), "zoho:31138000012001001");
    assert_eq!(e.key, "zoho:60022843030:ticket_add:31138000012001001");
    assert_eq!(
        e.ticket.subject.as_deref(),
        Some("Missed call from +1 555 0100")
    );
    assert_eq!(
        e.message.as_deref(),
        Some("Caller left no voicemail.\nLine: Hotline")
    );
    assert_eq!(
        e.ticket.url.as_deref(),
        Some("https://desk.zoho.com/support/ourbus/ShowHomePage.do#Cases/dv/31138000012001001")
    );
    assert_eq!(e.ticket.source, Some(Source::Phone));
    assert_eq!(e.ticket.priority, Some(Priority::High));
    assert_eq!(e.ticket.status, Some(TicketStatus::Open));
    assert_eq!(e.ticket.department.as_deref(), Some("Paid Support"));
    assert_eq!(e.customer.name.as_deref(), Some("Ana Lima"));
    assert_eq!(e.customer.email.as_deref(), Some("ana.lima@example.com"));
    assert_eq!(e.customer.phone.as_deref(), Some("+1 555 0100"));
    assert_eq!(e.occurred_at, ms(1_795_442_370_000), "eventTime in ms");
    assert_eq!(
        e.ticket.created_at,
        Some(Utc.with_ymd_and_hms(2026, 11, 23, 13, 59, 30).unwrap())
    );
    assert_eq!(
        out[1],
        Err(WebhookError::ignored(
            "Zoho Desk event `Contact_Add` is not used"
        ))
    );
}

#[test]
fn ticket_add_falls_back_to_the_department_id_and_the_contacts_details() {
    let v = json!([{"eventType": "Ticket_Add", "orgId": 7, "payload": {
        "id": 55, "subject": "Refund", "departmentId": "31138000000006907", "channel": "Facebook",
        "priority": "-", "status": "Escalated",
        "contact": {"lastName": "Lima", "mobile": "+1 555 0101", "email": "ana@example.com"}}}]);
    let e = batch_json(&v).remove(0).unwrap();
    assert_eq!(e.ticket.external_id, "55");
    assert_eq!(e.key, "zoho:7:ticket_add:55");
    assert_eq!(e.ticket.department.as_deref(), Some("31138000000006907"));
    assert_eq!(e.ticket.source, Some(Source::Social));
    assert_eq!(
        e.social.as_ref().map(|s| s.platform),
        Some(SocialPlatform::Facebook)
    );
    assert_eq!(e.ticket.priority, None, "\"-\" is no priority");
    assert_eq!(e.ticket.status, None, "a custom status without statusType");
    assert_eq!(e.customer.name.as_deref(), Some("Lima"));
    assert_eq!(e.customer.phone.as_deref(), Some("+1 555 0101"));
    assert_eq!(e.customer.email.as_deref(), Some("ana@example.com"));
    assert_eq!(e.occurred_at, received(), "no eventTime: when it came");
}

#[test]
fn ticket_update_reports_what_prev_state_shows_changed() {
    let out = batch(&fixture("zoho_desk/ticket_update.handwritten.json"));
    assert_eq!(
        out.len(),
        3,
        "two changes in the first event, the second ignored"
    );
    let status = out[0].as_ref().unwrap();
    assert_eq!(status.kind, EventKind::TicketStatus);
    assert_eq!(
        status.change,
        Some(Change::Status {
            from: Some(TicketStatus::Open),
            to: Some(TicketStatus::Pending)
        })
    );
    assert_eq!(
        status.key,
        "zoho:60022843030:ticket_update:31138000012001001:2026-11-23T14:10:00Z:status"
    );
    let priority = out[1].as_ref().unwrap();
    assert_eq!(priority.kind, EventKind::TicketPriority);
    assert_eq!(
        priority.change,
        Some(Change::Priority {
            from: Some(Priority::High),
            to: Some(Priority::Low)
        })
    );
    assert_eq!(
        priority.key,
        "zoho:60022843030:ticket_update:31138000012001001:2026-11-23T14:10:00Z:priority"
    );
    assert_eq!(priority.occurred_at, ms(1_795_443_000_000));
    assert_eq!(
        out[2],
        Err(WebhookError::ignored(
            "Ticket_Update changed neither status nor priority"
        ))
    );
}

#[test]
fn ticket_update_without_prev_state_or_with_a_same_kind_status_is_ignored() {
    let update = |prev: Option<Value>| {
        let mut e = json!({"eventType": "Ticket_Update", "orgId": "1", "eventTime": "1795443000000",
            "payload": {"id": "9", "status": "Escalated", "statusType": "Open", "priority": "High"}});
        if let Some(p) = prev {
            e["prevState"] = p;
        }
        batch_json(&json!([e])).remove(0)
    };
    let none = update(None).unwrap_err();
    assert_eq!(none.http_status(), 202);
    assert!(
        none.to_string().contains("include previous state"),
        "{none}"
    );
    assert!(
        update(Some(json!({"status": "Open", "statusType": "Open"}))).is_err(),
        "Open to Escalated is open either way"
    );
    let reopened = update(Some(json!({"status": "Closed", "statusType": "Closed"}))).unwrap();
    assert_eq!(
        reopened.change,
        Some(Change::Status {
            from: Some(TicketStatus::Closed),
            to: Some(TicketStatus::Open)
        })
    );
    assert_eq!(
        reopened.key, "zoho:1:ticket_update:9:1795443000000:status",
        "no modifiedTime: the event time as sent"
    );
    let priority_set = update(Some(json!({"priority": null}))).unwrap();
    assert_eq!(
        priority_set.change,
        Some(Change::Priority {
            from: None,
            to: Some(Priority::High)
        }),
        "a null in prevState was no priority"
    );
}

#[test]
fn an_incoming_thread_is_a_customer_reply_and_an_outgoing_one_is_not() {
    let out = batch(&fixture("zoho_desk/thread_add.handwritten.json"));
    assert_eq!(out.len(), 2);
    let e = out[0].as_ref().unwrap();
    assert_eq!(e.kind, EventKind::CustomerReply);
    assert_eq!(e.ticket.external_id, "31138000012001001");
    assert_eq!(e.key, "zoho:60022843030:thread_add:31138000012002001");
    assert_eq!(
        e.message.as_deref(),
        Some("I can be reached after 5pm.\n\nAna")
    );
    assert_eq!(e.customer.name.as_deref(), Some("Ana Lima"));
    assert_eq!(e.customer.email.as_deref(), Some("ana.lima@example.com"));
    assert_eq!(e.ticket.source, Some(Source::Email), "channel EMAIL");
    assert_eq!(e.occurred_at, ms(1_795_443_400_000));
    assert_eq!(
        out[1],
        Err(WebhookError::ignored(
            "thread direction `out` (not from the customer)"
        ))
    );
}

#[test]
fn a_thread_without_a_direction_is_judged_by_its_author() {
    let thread = |payload: Value| {
        batch_json(&json!([{"eventType": "Ticket_Thread_Add", "orgId": "1", "payload": payload}]))
            .remove(0)
    };
    let by_customer = thread(json!({"id": "1", "ticketId": "9", "summary": "ok thanks",
        "author": {"type": "END_USER", "name": "Ana"}}))
    .unwrap();
    assert_eq!(by_customer.message.as_deref(), Some("ok thanks"));
    assert_eq!(by_customer.customer.name.as_deref(), Some("Ana"));
    assert!(thread(json!({"id": "2", "ticketId": "9", "author": {"type": "AGENT"}})).is_err());
    assert!(thread(json!({"id": "3", "ticketId": "9"})).is_err());
    let private =
        thread(json!({"id": "4", "ticketId": "9", "direction": "in", "visibility": "private"}));
    assert_eq!(private, Err(WebhookError::ignored("private thread")));
    let no_ticket = thread(json!({"id": "5", "direction": "in"}));
    assert_eq!(malformed_field(&no_ticket), "[0].payload.ticketId");
}

#[test]
fn malformed_events_name_their_index_and_path() {
    let v = json!([
        {"eventType": "Ticket_Add", "payload": {"subject": "no id"}},
        {"eventType": "Ticket_Add"},
        {"eventType": "Ticket_Add", "payload": {"id": "1"}, "eventTime": "last tuesday"},
        {"eventType": "Ticket_Add", "payload": {"id": "1", "contact": "Ana"}},
        {"payload": {"id": "1"}},
        {"eventType": "Ticket_Update", "payload": {"id": "1", "status": "Open"}, "prevState": ["Closed"]},
        {"eventType": "Ticket_Thread_Add", "payload": {"id": "1", "ticketId": "2", "direction": "in", "author": "Ana"}}
    ]);
    let fields: Vec<String> = batch_json(&v).iter().map(malformed_field).collect();
    assert_eq!(
        fields,
        [
            "[0].payload.id",
            "[1].payload",
            "[2].eventTime",
            "[3].payload.contact",
            "[4].eventType",
            "[5].prevState",
            "[6].payload.author"
        ]
    );
    match parse_delivery(
        Provider::Zoho,
        b"{\"eventType\":\"Ticket_Add\"}",
        received(),
    ) {
        Err(WebhookError::Malformed { field, .. }) => assert_eq!(field, "body"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_empty_body_is_zohos_validation_and_is_acknowledged() {
    for raw in [&b""[..], b"  \n"] {
        let e = parse_delivery(Provider::Zoho, raw, received()).unwrap_err();
        assert_eq!(
            e,
            WebhookError::ignored("empty body (Zoho's URL validation)")
        );
    }
    assert_eq!(batch(b"[]"), Vec::new());
}

#[test]
fn status_and_priority_names() {
    assert_eq!(
        status_of(Some("On Hold"), Some("Waiting")),
        Some(TicketStatus::Pending)
    );
    assert_eq!(
        status_of(Some("Closed"), Some("Resolved")),
        Some(TicketStatus::Closed)
    );
    assert_eq!(
        status_of(None, Some("On Hold")),
        Some(TicketStatus::Pending)
    );
    assert_eq!(status_of(None, Some("Closed")), Some(TicketStatus::Closed));
    assert_eq!(status_of(None, Some("Escalated")), None);
    assert_eq!(priority_of(Some("Medium")), Some(Priority::Medium));
    assert_eq!(priority_of(Some("None")), None);
    assert_eq!(source_from("Web"), (Source::Web, None));
    assert_eq!(source_from("Chat"), (Source::Chat, None));
    assert_eq!(source_from("Feedback Widget"), (Source::Web, None));
    assert_eq!(
        source_from("Twitter"),
        (Source::Social, Some(SocialPlatform::Twitter))
    );
    assert_eq!(
        source_from("Forums"),
        (Source::Other("forums".into()), None)
    );
}

#[test]
fn parse_takes_a_batch_of_one() {
    let e = parse(
        Provider::Zoho,
        &fixture("zoho_desk/thread_add.handwritten.json"),
        received(),
    );
    assert!(matches!(e, Err(WebhookError::Malformed { .. })), "{e:?}");
}
