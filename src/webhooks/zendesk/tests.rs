use super::*;
use crate::webhooks::{fixture, parse, Provider};
use chrono::TimeZone;
use serde_json::{json, Value};

fn received() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 10, 0, 0).unwrap()
}

fn run(v: &Value) -> Result<IntakeEvent, WebhookError> {
    parse(Provider::Zendesk, v.to_string().as_bytes(), received())
}

fn malformed_field(r: Result<IntakeEvent, WebhookError>) -> String {
    match r {
        Err(WebhookError::Malformed { field, .. }) => field,
        other => panic!("expected Malformed, got {other:?}"),
    }
}

fn envelope(kind: &str, event: Value) -> Value {
    json!({"type": format!("zen:event-type:{kind}"), "account_id": 1, "id": "evt-1",
        "time": "2026-11-22T09:00:00Z", "zendesk_event_version": "2022-11-06",
        "subject": "zen:ticket:4521",
        "detail": {"id": "4521", "subject": "Refund please", "description": "My trip was cancelled",
            "status": "NEW", "priority": "NORMAL", "requester_id": "900", "tags": ["refund", "vip"],
            "via": {"channel": "email"}, "created_at": "2026-11-22T08:59:00Z"},
        "event": event})
}

#[test]
fn status_changed_fixture() {
    let body = fixture("zendesk/event.ticket_status_changed.third_party_example.json");
    let e = parse(Provider::Zendesk, &body, received()).unwrap();
    assert_eq!(e.kind, EventKind::TicketStatus);
    assert_eq!(e.ticket_ref().to_string(), "zendesk:5158");
    assert_eq!(e.key, "zendesk:event:a8b9c1d2-3e4f-5a6b-7c8d-9e0f1a2b3c4d");
    assert_eq!(
        e.ticket.subject.as_deref(),
        Some("Cannot login to mobile app")
    );
    assert_eq!(e.ticket.status, Some(TicketStatus::Solved));
    assert_eq!(e.ticket.priority, Some(Priority::High));
    assert_eq!(
        e.change,
        Some(Change::Status {
            from: Some(TicketStatus::Open),
            to: Some(TicketStatus::Solved)
        })
    );
    assert_eq!(
        e.occurred_at,
        DateTime::parse_from_rfc3339("2025-01-08T16:45:20.987654321Z").unwrap()
    );
    assert_eq!(
        e.ticket.created_at,
        Some(Utc.with_ymd_and_hms(2025, 1, 8, 10, 12, 7).unwrap())
    );
}

#[test]
fn non_ticket_events_are_ignored() {
    for (file, kind) in [
        (
            "event.user_active_changed.zendesk_docs.json",
            "user.active_changed",
        ),
        (
            "event.user_group_membership_created.zendesk_go.json",
            "user.group_membership_created",
        ),
    ] {
        let r = parse(
            Provider::Zendesk,
            &fixture(&format!("zendesk/{file}")),
            received(),
        );
        assert_eq!(
            r,
            Err(WebhookError::ignored(format!(
                "Zendesk event `{kind}` is not used"
            )))
        );
    }
    assert_eq!(
        run(&envelope("ticket.tags_changed", json!({}))),
        Err(WebhookError::ignored(
            "Zendesk event `ticket.tags_changed` is not used"
        ))
    );
}

#[test]
fn ticket_created_envelope() {
    let e = run(&envelope("ticket.created", json!({"meta": {}}))).unwrap();
    assert_eq!(e.kind, EventKind::Ticket);
    assert_eq!(e.key, "zendesk:event:evt-1");
    assert_eq!(e.ticket.status, Some(TicketStatus::Open), "NEW");
    assert_eq!(e.ticket.priority, Some(Priority::Medium), "NORMAL");
    assert_eq!(e.ticket.source, Some(Source::Email));
    assert_eq!(e.ticket.tags, ["refund", "vip"]);
    assert_eq!(e.message.as_deref(), Some("My trip was cancelled"));
    assert_eq!(e.social, None);
}

#[test]
fn priority_changed_envelope_and_social_via() {
    let mut v = envelope(
        "ticket.priority_changed",
        json!({"previous": "NORMAL", "current": "URGENT"}),
    );
    v["detail"]["via"]["channel"] = json!("instagram_dm");
    let e = run(&v).unwrap();
    assert_eq!(e.kind, EventKind::TicketPriority);
    assert_eq!(
        e.change,
        Some(Change::Priority {
            from: Some(Priority::Medium),
            to: Some(Priority::Urgent)
        })
    );
    assert_eq!(e.ticket.source, Some(Source::Social));
    assert_eq!(
        e.social.map(|s| s.platform),
        Some(SocialPlatform::Instagram)
    );
}

#[test]
fn comment_added_only_public_customer_comments_count() {
    let comment = |public: bool, author: Value| {
        envelope(
            "ticket.comment_added",
            json!({"comment": {"id": "7", "body": "Any news?",
            "is_public": public, "author": author}}),
        )
    };
    let e = run(&comment(
        true,
        json!({"id": "900", "is_staff": false, "name": "Ana"}),
    ))
    .unwrap();
    assert_eq!(e.kind, EventKind::CustomerReply);
    assert_eq!(e.message.as_deref(), Some("Any news?"));
    let e = run(&comment(true, json!({"id": "900"}))).unwrap();
    assert_eq!(e.kind, EventKind::CustomerReply, "author is the requester");
    assert_eq!(
        run(&comment(true, json!({"id": "1", "is_staff": true}))),
        Err(WebhookError::ignored("comment by staff"))
    );
    assert_eq!(
        run(&comment(false, json!({"id": "900", "is_staff": false}))),
        Err(WebhookError::ignored("private comment"))
    );
    assert_eq!(
        run(&comment(true, json!({"id": "901"}))),
        Err(WebhookError::ignored("comment by staff"))
    );
    assert_eq!(
        run(&comment(true, json!({}))),
        Err(WebhookError::ignored("cannot tell who wrote the comment"))
    );
    let mut v = comment(true, json!({}));
    v.as_object_mut().unwrap().remove("event");
    assert_eq!(malformed_field(run(&v)), "event");
}

#[test]
fn envelope_errors_name_the_field() {
    let base = || envelope("ticket.created", json!({}));
    let mut v = base();
    v.as_object_mut().unwrap().remove("detail");
    assert_eq!(malformed_field(run(&v)), "detail");
    let mut v = base();
    v["detail"]["status"] = json!("WEIRD");
    assert_eq!(malformed_field(run(&v)), "detail.status");
    let mut v = base();
    v["time"] = json!("yesterday");
    assert_eq!(malformed_field(run(&v)), "time");
    let mut v = base();
    v.as_object_mut().unwrap().remove("id");
    assert_eq!(malformed_field(run(&v)), "id");
    let mut v = envelope(
        "ticket.status_changed",
        json!({"previous": "OPEN", "current": 3}),
    );
    assert_eq!(malformed_field(run(&v)), "event.current");
    // The ticket id falls back to the envelope subject.
    v = base();
    v["detail"].as_object_mut().unwrap().remove("id");
    assert_eq!(run(&v).unwrap().ticket.external_id, "4521");
    v.as_object_mut().unwrap().remove("subject");
    assert_eq!(malformed_field(run(&v)), "detail.id");
}

#[test]
fn zendesk_go_trigger_fixture() {
    let body = fixture("zendesk/trigger_payload.ticket_update.zendesk_go.json");
    let e = parse(Provider::Zendesk, &body, received()).unwrap();
    assert_eq!(e.kind, EventKind::CustomerReply, "\"End User Comment\"");
    assert_eq!(e.ticket.external_id, "12345");
    assert_eq!(e.ticket.priority, Some(Priority::Medium), "\"Normal\"");
    assert_eq!(e.ticket.tags, ["new"]);
    assert_eq!(e.occurred_at, received());
    assert!(
        e.key.starts_with("zendesk:12345:customer_reply:h"),
        "{}",
        e.key
    );
    let again = parse(
        Provider::Zendesk,
        &body,
        received() + chrono::Duration::hours(1),
    )
    .unwrap();
    assert_eq!(again.key, e.key, "a redelivery");
}

fn rendered_doc_body(values: &[(&str, &str)]) -> Value {
    let doc = ZENDESK_TRIGGER_BODY_DOC;
    let start = doc.find("```json\n").unwrap() + 8;
    let mut body = doc[start..start + doc[start..].find("```").unwrap()].to_owned();
    for (placeholder, value) in values {
        body = body.replace(&format!("{{{{{placeholder}}}}}"), value);
    }
    serde_json::from_str(&body).unwrap()
}

const RENDERED: [(&str, &str); 12] = [
    ("ticket.id", "4521"),
    ("ticket.title", "Voicemail from +1 555 0100"),
    ("ticket.status", "Open"),
    ("ticket.priority", "-"),
    ("ticket.via", "Phone call (incoming)"),
    ("ticket.tags", "voicemail  vip"),
    ("ticket.group.name", "Hotline"),
    ("ticket.requester.name", "Caller +1 555 0100"),
    ("ticket.requester.email", ""),
    ("ticket.requester.phone", "+1 555 0100"),
    ("ticket.url", "acme.zendesk.com/agent/tickets/4521"),
    ("ticket.updated_at_with_timestamp", "2026-11-22T09:58:00Z"),
];

#[test]
fn documented_trigger_body_parses_once_rendered() {
    let e = run(&rendered_doc_body(&RENDERED)).unwrap();
    assert_eq!(e.kind, EventKind::Ticket);
    assert_eq!(e.key, "zendesk:4521:ticket:2026-11-22T09:58:00Z");
    assert_eq!(
        e.occurred_at,
        Utc.with_ymd_and_hms(2026, 11, 22, 9, 58, 0).unwrap()
    );
    assert_eq!(
        e.ticket.subject.as_deref(),
        Some("Voicemail from +1 555 0100")
    );
    assert_eq!(e.ticket.status, Some(TicketStatus::Open));
    assert_eq!(e.ticket.priority, None, "\"-\" is unset");
    assert_eq!(e.ticket.source, Some(Source::Phone));
    assert_eq!(e.ticket.tags, ["voicemail", "vip"]);
    assert_eq!(e.ticket.group.as_deref(), Some("Hotline"));
    assert_eq!(
        e.ticket.url.as_deref(),
        Some("https://acme.zendesk.com/agent/tickets/4521")
    );
    assert_eq!(e.customer.email, None);
    assert_eq!(e.customer.phone.as_deref(), Some("+1 555 0100"));
    // The template as pasted, before Zendesk renders it, is caught.
    assert_eq!(malformed_field(run(&rendered_doc_body(&[]))), "ticket_id");
}

#[test]
fn trigger_keys_and_events() {
    let body = |event: &str, updated: &str| {
        let mut v = rendered_doc_body(&RENDERED);
        v["event"] = json!(event);
        v["updated_at"] = json!(updated);
        v
    };
    let a = run(&body("ticket_status", "2026-11-22T09:58:00Z")).unwrap();
    assert_eq!(a.kind, EventKind::TicketStatus);
    assert_eq!(
        run(&body("ticket_status", "2026-11-22T09:58:00Z"))
            .unwrap()
            .key,
        a.key
    );
    assert_ne!(
        run(&body("ticket_status", "2026-11-22T10:30:00Z"))
            .unwrap()
            .key,
        a.key
    );
    assert_ne!(
        run(&body("customer_reply", "2026-11-22T09:58:00Z"))
            .unwrap()
            .key,
        a.key
    );
    assert_eq!(
        run(&body("Missed Call", "2026-11-22T09:58:00Z"))
            .unwrap()
            .kind,
        EventKind::MissedCall
    );
    assert_eq!(
        run(&body("satisfaction_rated", "x")),
        Err(WebhookError::ignored(
            "Zendesk trigger event `satisfaction_rated` is not used"
        ))
    );
    let mut v = body("ticket", "x");
    v.as_object_mut().unwrap().remove("event");
    assert_eq!(malformed_field(run(&v)), "event");
    let mut v = body("ticket", "x");
    v.as_object_mut().unwrap().remove("ticket_id");
    assert_eq!(malformed_field(run(&v)), "ticket_id");
    let mut v = body("ticket", "x");
    v["status"] = json!("Waiting");
    assert_eq!(run(&v).unwrap().ticket.status, Some(TicketStatus::Pending));
    v["status"] = json!("Escalated");
    assert_eq!(malformed_field(run(&v)), "status");
}

#[test]
fn via_names_map_to_sources() {
    for (via, source) in [
        ("Mail", Source::Email),
        ("email", Source::Email),
        ("Web Form", Source::Web),
        ("voice", Source::Phone),
        ("Voicemail", Source::Phone),
        ("Chat", Source::Chat),
        ("native_messaging", Source::Chat),
        ("Twitter", Source::Social),
        ("api", Source::Other("api".into())),
    ] {
        assert_eq!(source_from_via(via).0, source, "{via}");
    }
    assert_eq!(
        source_from_via("facebook").1,
        Some(SocialPlatform::Facebook)
    );
}

#[test]
fn agent_assignment_changed_is_an_assignee_event_with_the_requester() {
    let body = serde_json::json!({
        "type": "zen:event-type:ticket.agent_assignment_changed", "id": "ev-9", "time": "2026-11-23T14:00:00Z",
        "account_id": 1, "subject": "zen:ticket:95",
        "detail": {"id": "95", "status": "OPEN", "requester_id": "555"},
        "event": {"previous": "360", "current": 361}
    });
    let e = parse(Provider::Zendesk, body.to_string().as_bytes(), Utc::now()).unwrap();
    assert_eq!(e.kind, EventKind::TicketAssignee);
    assert_eq!(e.assignee.unwrap().agent_id.as_deref(), Some("361"));
    assert_eq!(e.requester_id.as_deref(), Some("555"));
    assert_eq!(e.key, "zendesk:event:ev-9");
    let mut unassigned = body.clone();
    unassigned["event"]["current"] = serde_json::Value::Null;
    let e = parse(
        Provider::Zendesk,
        unassigned.to_string().as_bytes(),
        Utc::now(),
    )
    .unwrap();
    assert_eq!(e.assignee.unwrap().agent_id, None);
}
