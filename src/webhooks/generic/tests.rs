use super::*;
use crate::webhooks::{parse, Provider};
use chrono::TimeZone;
use serde_json::{json, Value};

fn received() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 10, 5, 0).unwrap()
}

fn full() -> Value {
    json!({"id": "evt-123", "type": "social", "occurred_at": "2026-11-22T10:00:00Z",
        "helpdesk": "zoho",
        "ticket": {"id": "4521", "url": "https://desk.example.com/4521", "subject": "Comment on our post",
            "priority": "high", "status": "open", "group": "Social", "department": "Paid Support",
            "tags": ["billing", "vip"], "created_at": "2026-11-22T09:59:00+01:00"},
        "customer": {"name": "Ana", "email": "ana@example.com", "phone": "+1 555 0100", "order_id": "A-77"},
        "message": "Where is my refund?",
        "social": {"platform": "facebook", "kind": "comment", "brand": "OurBus"}})
}

fn run(v: &Value) -> Result<IntakeEvent, WebhookError> {
    parse(Provider::Generic, v.to_string().as_bytes(), received())
}

fn malformed_field(r: Result<IntakeEvent, WebhookError>) -> String {
    match r {
        Err(WebhookError::Malformed { field, .. }) => field,
        other => panic!("expected Malformed, got {other:?}"),
    }
}

#[test]
fn full_event_parses_every_field() {
    let e = run(&full()).unwrap();
    assert_eq!(e.key, "generic:zoho:evt-123");
    assert_eq!(e.helpdesk, Helpdesk::Zoho);
    assert_eq!(e.kind, EventKind::Social);
    assert_eq!(
        e.occurred_at,
        Utc.with_ymd_and_hms(2026, 11, 22, 10, 0, 0).unwrap()
    );
    assert_eq!(e.ticket_ref().to_string(), "zoho:4521");
    let t = &e.ticket;
    assert_eq!(t.priority, Some(Priority::High));
    assert_eq!(t.status, Some(TicketStatus::Open));
    assert_eq!(t.source, Some(Source::Social), "implied by type");
    assert_eq!(t.department.as_deref(), Some("Paid Support"));
    assert_eq!(t.tags, ["billing", "vip"]);
    assert_eq!(
        t.created_at,
        Some(Utc.with_ymd_and_hms(2026, 11, 22, 8, 59, 0).unwrap())
    );
    assert_eq!(e.customer.order_id.as_deref(), Some("A-77"));
    assert_eq!(e.message.as_deref(), Some("Where is my refund?"));
    assert_eq!(
        e.social,
        Some(Social {
            platform: SocialPlatform::Facebook,
            kind: Some(SocialKind::Comment),
            brand: Some("OurBus".into())
        })
    );
    assert_eq!(e.review, None);
}

#[test]
fn minimal_event_and_defaults() {
    let e = run(
        &json!({"id": "c1", "type": "missed_call", "occurred_at": "2026-11-22T10:00:00Z",
        "ticket": {"id": 88}, "message": ""}),
    )
    .unwrap();
    assert_eq!(e.helpdesk, Helpdesk::Other("generic".into()));
    assert_eq!(e.key, "generic:generic:c1");
    assert_eq!(e.ticket.external_id, "88");
    assert_eq!(e.ticket.source, Some(Source::Phone));
    assert_eq!(e.message, None, "empty message is absent");
    assert_eq!(e.customer, Customer::default());
}

#[test]
fn app_review_requires_a_valid_review() {
    let mut v = json!({"id": "r1", "type": "app_review", "occurred_at": "2026-11-22T10:00:00Z",
        "helpdesk": "appfollow", "ticket": {"id": "rev-9"}, "message": "crashes on start",
        "review": {"store": "app_store", "rating": 2, "app_version": "4.1.0", "beta": true}});
    let e = run(&v).unwrap();
    assert_eq!(
        e.review,
        Some(Review {
            store: ReviewStore::AppStore,
            rating: 2,
            app_version: Some("4.1.0".into()),
            beta: true
        })
    );
    assert_eq!(e.ticket.source, Some(Source::AppStore));
    v["review"]["rating"] = json!(6);
    assert_eq!(malformed_field(run(&v)), "review.rating");
    v["review"]["rating"] = json!("2");
    assert_eq!(malformed_field(run(&v)), "review.rating");
    v["review"] = json!({"rating": 3});
    assert_eq!(malformed_field(run(&v)), "review.store");
    v.as_object_mut().unwrap().remove("review");
    assert_eq!(malformed_field(run(&v)), "review");
}

#[test]
fn missing_required_fields_are_named() {
    for (path, field) in [
        ("id", "id"),
        ("type", "type"),
        ("occurred_at", "occurred_at"),
        ("ticket", "ticket"),
        ("social", "social"),
    ] {
        let mut v = full();
        v.as_object_mut().unwrap().remove(path);
        assert_eq!(malformed_field(run(&v)), field, "without {path}");
    }
    let mut v = full();
    v["ticket"].as_object_mut().unwrap().remove("id");
    assert_eq!(malformed_field(run(&v)), "ticket.id");
    let mut v = full();
    v["social"].as_object_mut().unwrap().remove("kind");
    assert_eq!(malformed_field(run(&v)), "social.kind");
}

#[test]
fn invalid_values_are_named() {
    let cases = [
        ("/occurred_at", json!("yesterday"), "occurred_at"),
        ("/ticket/priority", json!("critical"), "ticket.priority"),
        ("/ticket/status", json!("escalated"), "ticket.status"),
        ("/ticket/tags", json!("a,b"), "ticket.tags"),
        (
            "/ticket/created_at",
            json!("22/11/2026"),
            "ticket.created_at",
        ),
        ("/social/platform", json!("tiktok"), "social.platform"),
        ("/customer", json!("Ana"), "customer"),
        ("/ticket/id", json!(-4), "ticket.id"),
    ];
    for (pointer, value, field) in cases {
        let mut v = full();
        *v.pointer_mut(pointer).unwrap() = value;
        assert_eq!(malformed_field(run(&v)), field, "{pointer}");
    }
    let err = {
        let mut v = full();
        v["ticket"]["priority"] = json!("critical");
        run(&v).unwrap_err()
    };
    assert_eq!(
        err.to_string(),
        "malformed payload: `ticket.priority`: expected one of urgent, high, medium, low, got `critical`"
    );
}

#[test]
fn unknown_type_is_ignored_before_other_checks() {
    assert_eq!(
        run(&json!({"id": "x", "type": "csat_survey"})),
        Err(WebhookError::ignored(
            "event type `csat_survey` is not used"
        ))
    );
    assert_eq!(
        malformed_field(parse(Provider::Generic, b"[1,2]", received())),
        "body"
    );
    assert_eq!(
        malformed_field(parse(Provider::Generic, b"not json", received())),
        "body"
    );
}

#[test]
fn same_id_same_key_different_id_different_key() {
    let a = run(&full()).unwrap();
    let mut v = full();
    v["message"] = json!("edited text, same event id");
    assert_eq!(run(&v).unwrap().key, a.key);
    v["id"] = json!("evt-124");
    assert_ne!(run(&v).unwrap().key, a.key);
    v["id"] = json!("evt-123");
    v["helpdesk"] = json!("hubspot");
    assert_ne!(run(&v).unwrap().key, a.key, "ids are per sender");
}

#[test]
fn format_doc_example_parses() {
    let doc = GENERIC_FORMAT_DOC;
    let start = doc.find("```json\n").unwrap() + 8;
    let end = start + doc[start..].find("```").unwrap();
    let mut v: Value = serde_json::from_str(&doc[start..end]).unwrap();
    v["type"] = json!("missed_call");
    let e = run(&v).unwrap();
    assert_eq!(e.kind, EventKind::MissedCall);
    assert_eq!(e.ticket.source, Some(Source::Phone));
    assert_eq!(e.review.map(|r| r.rating), Some(2));
}
