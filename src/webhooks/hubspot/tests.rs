use super::*;
use crate::webhooks::{fixture, parse, parse_delivery, Provider};
use chrono::{TimeZone, Utc};
use serde_json::json;

fn received() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 14, 0, 0).unwrap()
}

fn batch(body: &[u8]) -> Vec<Result<IntakeEvent, WebhookError>> {
    parse_delivery(Provider::Hubspot, body, received()).unwrap()
}

fn one(v: Value) -> Result<IntakeEvent, WebhookError> {
    parse(
        Provider::Hubspot,
        json!([v]).to_string().as_bytes(),
        received(),
    )
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
fn a_batch_becomes_one_outcome_per_event_in_order() {
    let out = batch(&fixture("hubspot/ticket_events.handwritten.json"));
    assert_eq!(out.len(), 7);

    let created = out[0].as_ref().unwrap();
    assert_eq!(created.helpdesk, Helpdesk::Hubspot);
    assert_eq!(created.kind, EventKind::Ticket);
    assert_eq!(
        created.ticket.external_id, "9007199254740993",
        "an id above 2^53 is read exactly"
    );
    assert_eq!(
        created.key,
        "hubspot:62515:9007199254740993:ticket.creation:1795442400000:1719000001"
    );
    assert_eq!(
        created.ticket.url.as_deref(),
        Some("https://app.hubspot.com/contacts/62515/record/0-5/9007199254740993")
    );
    assert_eq!(created.occurred_at, ms(1_795_442_400_000));
    assert_eq!(created.ticket.created_at, Some(ms(1_795_442_400_000)));
    assert_eq!(created.ticket.subject, None, "HubSpot sends ids only");
    assert_eq!(created.customer, Default::default());
    assert_eq!(created.message, None);

    let stage = out[1].as_ref().unwrap();
    assert_eq!(stage.kind, EventKind::TicketStatus);
    assert_eq!(
        stage.change,
        Some(Change::Status {
            from: None,
            to: Some(TicketStatus::Closed)
        })
    );
    assert_eq!(stage.ticket.status, Some(TicketStatus::Closed));
    assert_eq!(
        stage.key,
        "hubspot:62515:9007199254740993:ticket.propertyChange:hs_pipeline_stage:1795442460000:1719000002"
    );

    let priority = out[2].as_ref().unwrap();
    assert_eq!(priority.kind, EventKind::TicketPriority);
    assert_eq!(
        priority.change,
        Some(Change::Priority {
            from: None,
            to: Some(Priority::High)
        })
    );
    assert_eq!(priority.ticket.priority, Some(Priority::High));

    assert_eq!(
        out[3],
        Err(WebhookError::ignored(
            "HubSpot ticket property `subject` is not used"
        ))
    );
    assert_eq!(
        out[4],
        Err(WebhookError::ignored(
            "HubSpot event `contact.creation` is not used"
        ))
    );
    let generic = out[5].as_ref().unwrap();
    assert_eq!(
        (generic.kind, generic.ticket.external_id.as_str()),
        (EventKind::Ticket, "4402"),
        "object.creation of a 0-5 object is a ticket"
    );
    assert_eq!(
        out[6],
        Err(WebhookError::ignored(
            "HubSpot event `object.propertyChange` is not used"
        )),
        "a deal (0-3) is not a ticket"
    );
}

#[test]
fn pipeline_stages_of_the_default_pipeline_and_others() {
    let stage = |value: &str| {
        one(
            json!({"subscriptionType": "ticket.propertyChange", "objectId": 1, "portalId": 2,
            "occurredAt": 1_795_442_400_000_u64, "eventId": 3,
            "propertyName": "hs_pipeline_stage", "propertyValue": value}),
        )
    };
    let status = |value: &str| stage(value).unwrap().ticket.status;
    assert_eq!(status("1"), Some(TicketStatus::Open), "New");
    assert_eq!(
        status("2"),
        Some(TicketStatus::Pending),
        "Waiting on contact"
    );
    assert_eq!(status("3"), Some(TicketStatus::Open), "Waiting on us");
    assert_eq!(status("4"), Some(TicketStatus::Closed), "Closed");
    let custom = stage("98765432").unwrap_err();
    assert_eq!(custom.http_status(), 202);
    assert!(custom.to_string().contains("98765432"), "{custom}");
}

#[test]
fn priorities_degrade_to_none_rather_than_fail() {
    let priority = |value: Value| {
        one(
            json!({"subscriptionType": "ticket.propertyChange", "objectId": 1,
            "occurredAt": 1_795_442_400_000_u64,
            "propertyName": "hs_ticket_priority", "propertyValue": value}),
        )
        .unwrap()
    };
    assert_eq!(
        priority(json!("URGENT")).ticket.priority,
        Some(Priority::Urgent)
    );
    assert_eq!(priority(json!("LOW")).ticket.priority, Some(Priority::Low));
    assert_eq!(
        priority(json!("MEDIUM")).ticket.priority,
        Some(Priority::Medium)
    );
    let cleared = priority(json!(""));
    assert_eq!(cleared.kind, EventKind::TicketPriority);
    assert_eq!(cleared.ticket.priority, None);
    assert_eq!(priority(json!("P1")).ticket.priority, None);
    let e = priority(json!("HIGH"));
    assert_eq!(e.ticket.url, None, "no portalId, no link");
    assert_eq!(
        e.key,
        "hubspot:-:1:ticket.propertyChange:hs_ticket_priority:1795442400000:-"
    );
}

#[test]
fn a_malformed_event_names_its_index_and_field() {
    let body = json!([
        {"subscriptionType": "ticket.creation", "objectId": 1, "occurredAt": 1_795_442_400_000_u64},
        {"subscriptionType": "ticket.creation", "occurredAt": 1_795_442_400_000_u64},
        {"subscriptionType": "ticket.creation", "objectId": 3, "occurredAt": "soon"},
        {"subscriptionType": "ticket.propertyChange", "objectId": 4, "occurredAt": 1_795_442_400_000_u64},
        {"objectId": 5},
        "text",
        {"subscriptionType": "ticket.creation", "objectId": true, "occurredAt": 1},
        {"subscriptionType": "ticket.creation", "objectId": 8, "occurredAt": 1_000_000_000_000_000_000_u64}
    ]);
    let out = batch(body.to_string().as_bytes());
    assert!(out[0].is_ok());
    let fields: Vec<String> = out[1..].iter().map(malformed_field).collect();
    assert_eq!(
        fields,
        [
            "[1].objectId",
            "[2].occurredAt",
            "[3].propertyName",
            "[4].subscriptionType",
            "[5]",
            "[6].objectId",
            "[7].occurredAt"
        ]
    );
}

#[test]
fn a_body_that_is_not_an_array_is_malformed_as_a_whole() {
    for raw in [
        &b"{}"[..],
        b"{\"subscriptionType\":\"ticket.creation\"}",
        b"",
        b"[1,",
    ] {
        match parse_delivery(Provider::Hubspot, raw, received()) {
            Err(WebhookError::Malformed { field, .. }) => assert_eq!(field, "body"),
            other => panic!("{raw:?}: {other:?}"),
        }
    }
    assert_eq!(batch(b"[]"), Vec::new(), "an empty batch is no events");
}

#[test]
fn keys_ignore_the_attempt_number_and_tell_events_apart() {
    let base = json!({"eventId": 10, "portalId": 62515, "subscriptionType": "ticket.propertyChange",
        "objectId": 77, "occurredAt": 1_795_442_400_000_u64, "attemptNumber": 0,
        "propertyName": "hs_ticket_priority", "propertyValue": "HIGH"});
    let key = |v: &Value| one(v.clone()).unwrap().key;
    let first = key(&base);
    let mut retry = base.clone();
    retry["attemptNumber"] = json!(4);
    assert_eq!(key(&retry), first, "a retry is the same event");
    // HubSpot says eventId may repeat: the other parts still tell events apart.
    let mut later = base.clone();
    later["occurredAt"] = json!(1_795_442_460_000_u64);
    assert_ne!(key(&later), first);
    let mut other_ticket = base.clone();
    other_ticket["objectId"] = json!(78);
    assert_ne!(key(&other_ticket), first);
    let mut other_property = base;
    other_property["propertyName"] = json!("hs_pipeline_stage");
    other_property["propertyValue"] = json!("2");
    assert_ne!(key(&other_property), first);
}

#[test]
fn parse_takes_a_batch_of_one_only() {
    let two = fixture("hubspot/ticket_events.handwritten.json");
    match parse(Provider::Hubspot, &two, received()) {
        Err(WebhookError::Malformed { field, reason }) => {
            assert_eq!(field, "body");
            assert_eq!(reason, "expected one event, got 7");
        }
        other => panic!("{other:?}"),
    }
}
