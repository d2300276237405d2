use super::*;
use crate::domain::intake::{Priority, SocialPlatform, Source, TicketStatus};
use crate::webhooks::{fixture, parse, Provider};
use chrono::TimeZone;

fn received() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 10, 0, 0).unwrap()
}

fn parse_fixture(name: &str) -> Result<IntakeEvent, WebhookError> {
    parse(
        Provider::Freshdesk,
        &fixture(&format!("freshdesk/{name}")),
        received(),
    )
}

fn parse_json(body: serde_json::Value) -> Result<IntakeEvent, WebhookError> {
    parse(Provider::Freshdesk, body.to_string().as_bytes(), received())
}

fn malformed_field(r: Result<IntakeEvent, WebhookError>) -> String {
    match r {
        Err(WebhookError::Malformed { field, .. }) => field,
        other => panic!("expected Malformed, got {other:?}"),
    }
}

#[test]
fn ticket_created_fixture() {
    let e = parse_fixture("zulip_ticket_created.json").unwrap();
    assert_eq!(e.kind, EventKind::Ticket);
    assert_eq!(e.helpdesk, Helpdesk::Freshdesk);
    assert_eq!(e.ticket.external_id, "11");
    assert_eq!(e.ticket_ref().to_string(), "freshdesk:11");
    assert_eq!(e.ticket.subject.as_deref(), Some("Test ticket subject ☃"));
    assert_eq!(e.message.as_deref(), Some("Test ticket description ☃."));
    assert_eq!(e.ticket.status, Some(TicketStatus::Pending));
    assert_eq!(e.ticket.priority, Some(Priority::High));
    assert_eq!(
        e.ticket.url.as_deref(),
        Some("http://test1234zzz.freshdesk.com/helpdesk/tickets/11")
    );
    assert_eq!(e.customer.name.as_deref(), Some("Requester ☃ Bob"));
    assert_eq!(
        e.customer.email.as_deref(),
        Some("requester-bob@example.com")
    );
    assert_eq!(
        e.occurred_at,
        received(),
        "no time in the body: received_at"
    );
    assert!(
        e.key.starts_with("freshdesk:11:ticket_action:created:h"),
        "{}",
        e.key
    );
    assert_eq!(e.change, None);
}

#[test]
fn status_changed_fixture_maps_codes_and_custom_status() {
    let e = parse_fixture("zulip_status_changed.json").unwrap();
    assert_eq!(e.kind, EventKind::TicketStatus);
    // {status:{from:4,to:6}}: 4 Resolved, 6 a custom status ("Waiting on Customer").
    assert_eq!(
        e.change,
        Some(Change::Status {
            from: Some(TicketStatus::Solved),
            to: Some(TicketStatus::Pending)
        })
    );
    assert_eq!(e.ticket.status, Some(TicketStatus::Pending));
    assert_eq!(e.ticket.priority, Some(Priority::Low));
    assert!(e.key.starts_with("freshdesk:11:status:4->6:h"), "{}", e.key);
}

#[test]
fn priority_changed_fixture() {
    let e = parse_fixture("zulip_priority_changed.json").unwrap();
    assert_eq!(e.kind, EventKind::TicketPriority);
    assert_eq!(
        e.change,
        Some(Change::Priority {
            from: Some(Priority::High),
            to: Some(Priority::Low)
        })
    );
    assert_eq!(e.ticket.status, Some(TicketStatus::Solved), "\"Resolved\"");
}

#[test]
fn notes_private_ignored_public_is_customer_reply() {
    assert_eq!(
        parse_fixture("zulip_private_note.json"),
        Err(WebhookError::ignored("private note"))
    );
    let e = parse_fixture("zulip_public_note.json").unwrap();
    assert_eq!(e.kind, EventKind::CustomerReply);
    assert_eq!(e.message.as_deref(), Some("Test ticket description."));
}

#[test]
fn triggered_by_decides_who_wrote() {
    let body = |event: &str, by: &str| {
        serde_json::json!({"freshdesk_webhook": {
            "ticket_id": "7", "triggered_event": event, "triggered_by": by,
            "ticket_description": "<p>old</p>", "ticket_latest_public_comment": "<p>Any news?</p>"}})
    };
    let e = parse_json(body("{note_type:public}", "Requester")).unwrap();
    assert_eq!(e.kind, EventKind::CustomerReply);
    assert_eq!(
        e.message.as_deref(),
        Some("Any news?"),
        "latest comment wins"
    );
    assert!(matches!(
        parse_json(body("{note_type:public}", "agent")),
        Err(WebhookError::Ignored { .. })
    ));
    let e = parse_json(body("{reply:sent}", "customer")).unwrap();
    assert_eq!(e.kind, EventKind::CustomerReply);
    assert!(matches!(
        parse_json(body("{reply:sent}", "agent")),
        Err(WebhookError::Ignored { .. })
    ));
}

#[test]
fn inline_images_fixture_strips_html() {
    let e = parse_fixture("zulip_inline_images.json").unwrap();
    assert_eq!(e.ticket.external_id, "12");
    assert_eq!(
        e.message.as_deref(),
        Some("There are too many cat pictures on the internet ☃. We need more guinea pigs. Exhibit 1:\n\n[image]")
    );
    assert_eq!(e.ticket.priority, Some(Priority::Urgent));
    assert_eq!(e.ticket.status, Some(TicketStatus::Open));
}

#[test]
fn unknown_event_is_ignored() {
    assert_eq!(
        parse_fixture("zulip_unknown_payload.json"),
        Err(WebhookError::ignored(
            "Freshdesk event `unknown_event:3->1` is not used"
        ))
    );
}

#[test]
fn missing_triggered_event_is_malformed_naming_it() {
    let r = parse_fixture("zulip_status_changed_fixture_with_missing_key.json");
    assert_eq!(malformed_field(r), "freshdesk_webhook.triggered_event");
}

#[test]
fn triggered_event_grammar() {
    let change = |p: &str, f: &str, t: &str| TriggeredEvent::Change {
        property: p.into(),
        from: f.into(),
        to: t.into(),
    };
    let action = |k: &str, v: &str| TriggeredEvent::Action {
        key: k.into(),
        value: v.into(),
    };
    assert_eq!(
        TriggeredEvent::parse("{status:{from:4,to:6}}"),
        Some(change("status", "4", "6"))
    );
    assert_eq!(
        TriggeredEvent::parse(" { Priority : { to: 1 , from: 3 } } "),
        Some(change("priority", "3", "1"))
    );
    assert_eq!(
        TriggeredEvent::parse("{ticket_action:Created}"),
        Some(action("ticket_action", "created"))
    );
    assert_eq!(
        TriggeredEvent::parse("{\"note_type\":\"private\"}"),
        Some(action("note_type", "private"))
    );
    for bad in [
        "",
        "ticket_action:created",
        "{}",
        "{note_type:}",
        "{status:{from:4}}",
        "{:x}",
    ] {
        assert_eq!(TriggeredEvent::parse(bad), None, "{bad:?}");
    }
    assert_eq!(change("status", "4", "6").normalized(), "status:4->6");
}

#[test]
fn code_tables_agree_with_the_names_in_api_v2_codes() {
    let codes: serde_json::Value =
        serde_json::from_slice(&fixture("freshdesk/api_v2_codes.json")).unwrap();
    let table = |section: &str| -> Vec<(u64, String)> {
        codes[section]
            .as_object()
            .unwrap()
            .iter()
            .filter_map(|(k, v)| Some((k.parse().ok()?, v.as_str()?.to_owned())))
            .collect()
    };
    for (code, name) in table("status") {
        assert_eq!(
            status_from_code(code),
            TicketStatus::parse(&name),
            "status {code}"
        );
        assert!(status_from_code(code).is_some());
    }
    for (code, name) in table("priority") {
        let p = priority_from(&CodeOrName::Code(code));
        assert_eq!(p, Priority::parse(&name), "priority {code}");
        assert!(p.is_some());
    }
    let sources = table("source");
    assert_eq!(sources.len(), 12);
    for (code, name) in sources {
        assert_eq!(
            source_from(&CodeOrName::Code(code)),
            source_from(&CodeOrName::Name(name.clone())),
            "source {code} {name}"
        );
    }
    assert_eq!(source_from(&CodeOrName::Code(3)).0, Source::Phone);
    assert_eq!(source_from(&CodeOrName::Code(9)).0, Source::Web);
    assert_eq!(source_from(&CodeOrName::Code(10)).0, Source::Email);
    assert_eq!(
        source_from(&CodeOrName::Code(6)),
        (Source::Social, Some(SocialPlatform::Facebook))
    );
}

#[test]
fn unknown_codes_do_not_crash() {
    assert_eq!(status_from_code(0), None);
    assert_eq!(status_from_code(7), Some(TicketStatus::Pending));
    assert_eq!(status_from_code(u64::MAX), Some(TicketStatus::Pending));
    assert_eq!(priority_from(&CodeOrName::Code(5)), None);
    assert_eq!(priority_from(&CodeOrName::Name("Critical".into())), None);
    assert_eq!(
        source_from(&CodeOrName::Code(0)).0,
        Source::Other("code_0".into())
    );
    assert_eq!(
        source_from(&CodeOrName::Code(13)).0,
        Source::Other("code_13".into())
    );
    assert_eq!(
        source_from(&CodeOrName::Name("WhatsApp".into())).0,
        Source::Other("whatsapp".into())
    );
    let e = parse_json(serde_json::json!({"freshdesk_webhook": {
        "ticket_id": 11, "triggered_event": "{status:{from:99,to:0}}",
        "ticket_status": 42, "ticket_priority": "9", "ticket_source": 77}}))
    .unwrap();
    assert_eq!(e.ticket.external_id, "11", "numeric id");
    assert_eq!(
        e.change,
        Some(Change::Status {
            from: Some(TicketStatus::Pending),
            to: None
        })
    );
    assert_eq!(e.ticket.status, Some(TicketStatus::Pending));
    assert_eq!(e.ticket.priority, None);
    assert_eq!(e.ticket.source, Some(Source::Other("code_77".into())));
}

#[test]
fn numeric_codes_in_body_and_social_source() {
    let e = parse_json(serde_json::json!({"freshdesk_webhook": {
        "ticket_id": "31", "triggered_event": "{ticket_action:created}",
        "ticket_status": 2, "ticket_priority": "4", "ticket_source": "Twitter",
        "ticket_tags": "refund, vip ,", "ticket_group_name": "Social Media",
        "ticket_brand": "OurBus", "ticket_contact_phone": "+1 555 0100"}}))
    .unwrap();
    assert_eq!(e.ticket.status, Some(TicketStatus::Open));
    assert_eq!(e.ticket.priority, Some(Priority::Urgent));
    assert_eq!(e.ticket.source, Some(Source::Social));
    assert_eq!(
        e.social,
        Some(Social {
            platform: SocialPlatform::Twitter,
            kind: None,
            brand: Some("OurBus".into())
        })
    );
    assert_eq!(e.ticket.tags, ["refund", "vip"]);
    assert_eq!(e.ticket.group.as_deref(), Some("Social Media"));
    assert_eq!(e.customer.phone.as_deref(), Some("+1 555 0100"));
    let arr = parse_json(serde_json::json!({"freshdesk_webhook": {
        "ticket_id": "31", "triggered_event": "{ticket_action:created}", "ticket_tags": ["a", "b"]}}))
    .unwrap();
    assert_eq!(arr.ticket.tags, ["a", "b"]);
}

#[test]
fn keys_equal_for_redeliveries_and_differ_between_events() {
    let body = fixture("freshdesk/zulip_status_changed.json");
    let first = parse(Provider::Freshdesk, &body, received()).unwrap();
    let later = received() + chrono::Duration::minutes(5);
    // A redelivery, even re-serialised compactly, arrives later with the same key.
    let compact: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let again = parse(Provider::Freshdesk, compact.to_string().as_bytes(), later).unwrap();
    assert_eq!(first.key, again.key);
    let other = parse_fixture("zulip_priority_changed.json").unwrap();
    assert_ne!(first.key, other.key);
    let created = parse_fixture("zulip_ticket_created.json").unwrap();
    let inline = parse_fixture("zulip_inline_images.json").unwrap();
    assert_ne!(created.key, inline.key);

    let timed = |updated: &str| {
        parse_json(serde_json::json!({"freshdesk_webhook": {
            "ticket_id": "11", "triggered_event": "{note_type:public}", "ticket_updated_at": updated}}))
        .unwrap()
    };
    let a = timed("2026-11-22T09:58:00Z");
    assert_eq!(a.key, "freshdesk:11:note_type:public:2026-11-22T09:58:00Z");
    assert_eq!(
        a.occurred_at,
        Utc.with_ymd_and_hms(2026, 11, 22, 9, 58, 0).unwrap()
    );
    assert_eq!(
        timed("2026-11-22 09:58:00").key,
        a.key,
        "same instant, other format"
    );
    assert_ne!(timed("2026-11-22T10:03:00Z").key, a.key, "a second reply");
}

#[test]
fn malformed_bodies_name_the_field() {
    assert_eq!(
        malformed_field(parse_json(serde_json::json!({"ticket": {}}))),
        "freshdesk_webhook"
    );
    assert_eq!(
        malformed_field(parse_json(
            serde_json::json!({"freshdesk_webhook": {"triggered_event": "{ticket_action:created}"}})
        )),
        "freshdesk_webhook.ticket_id"
    );
    assert_eq!(
        malformed_field(parse_json(serde_json::json!({"freshdesk_webhook": {
            "ticket_id": "{{ticket.id}}", "triggered_event": "{ticket_action:created}"}}))),
        "freshdesk_webhook.ticket_id"
    );
    assert_eq!(
        malformed_field(parse_json(serde_json::json!({"freshdesk_webhook": {
            "ticket_id": "1", "triggered_event": "ticket created"}}))),
        "freshdesk_webhook.triggered_event"
    );
    assert_eq!(
        malformed_field(parse_json(serde_json::json!({"freshdesk_webhook": {
            "ticket_id": "1", "triggered_event": "{ticket_action:created}", "ticket_subject": 5}}))),
        "freshdesk_webhook.ticket_subject"
    );
    assert_eq!(
        malformed_field(parse(
            Provider::Freshdesk,
            b"{\"freshdesk_webhook\": ",
            received()
        )),
        "body"
    );
}

#[test]
/// A parsed webhook is classified and routed as the domain's own tests expect (the edge
/// feeds the domain; the domain knows nothing of the wire format).
fn parsed_webhooks_classify_end_to_end() {
    use crate::domain::routing::{classify, route, CardKind, ClassificationConfig, RoutingConfig};
    let route_default = |e: &IntakeEvent| {
        let c = classify(e, &ClassificationConfig::default());
        let r = route(&c, e, &RoutingConfig::default());
        (c, r)
    };
    let now = received();
    let body = serde_json::json!({"freshdesk_webhook": {"ticket_id": "88",
        "triggered_event": "{ticket_action:created}", "ticket_subject": "Missed call from +1 555 0100",
        "ticket_source": 3, "ticket_contact_phone": "+1 555 0100"}});
    let e = parse(Provider::Freshdesk, body.to_string().as_bytes(), now).unwrap();
    let (c, r) = route_default(&e);
    assert_eq!(
        (c.kind, c.priority, r.channel.as_str()),
        (CardKind::MissedCall, Priority::Medium, "queue")
    );

    let body = serde_json::json!({"freshdesk_webhook": {"ticket_id": "89",
        "triggered_event": "{ticket_action:created}", "ticket_subject": "Want to collab?",
        "ticket_source": "Instagram", "ticket_group_name": "Social Media"}});
    let e = parse(Provider::Freshdesk, body.to_string().as_bytes(), now).unwrap();
    assert_eq!(route_default(&e).1.channel.as_str(), "marketing");
}

#[test]
fn an_agent_change_is_an_assignee_event() {
    let body = |event: &str, extra: serde_json::Value| {
        let mut inner = serde_json::json!({"ticket_id": "77", "triggered_event": event});
        for (k, v) in extra.as_object().unwrap() {
            inner[k] = v.clone();
        }
        serde_json::json!({ "freshdesk_webhook": inner })
    };
    let e = parse_json(body(
        "{responder_id:{from:43000001,to:43000002}}",
        serde_json::json!({}),
    ))
    .unwrap();
    assert_eq!(e.kind, EventKind::TicketAssignee);
    let a = e.assignee.unwrap();
    assert_eq!(
        (a.agent_id.as_deref(), a.agent_email),
        (Some("43000002"), None)
    );
    // By name in the event, with the agent's email from the template.
    let e = parse_json(body(
        "{agent:{from:Ana,to:Bea Lopez}}",
        serde_json::json!({"ticket_agent_email": "Bea@Acme.test"}),
    ))
    .unwrap();
    let a = e.assignee.unwrap();
    assert_eq!(a.agent_email.as_deref(), Some("bea@acme.test"));
    assert_eq!(a.agent_id.as_deref(), Some("email:bea@acme.test"));
    // Unassigned.
    let e = parse_json(body(
        "{responder_id:{from:43000001,to:}}",
        serde_json::json!({}),
    ))
    .unwrap();
    assert_eq!(e.assignee.unwrap().agent_id, None);
}
