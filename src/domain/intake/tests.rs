use super::*;

#[test]
fn priority_orders_by_urgency() {
    let mut all = vec![
        Priority::Medium,
        Priority::Urgent,
        Priority::Low,
        Priority::High,
    ];
    all.sort();
    assert_eq!(
        all,
        [
            Priority::Low,
            Priority::Medium,
            Priority::High,
            Priority::Urgent
        ]
    );
    assert_eq!(all.iter().max(), Some(&Priority::Urgent));
    assert!(Priority::Urgent >= Priority::High && Priority::Medium < Priority::High);
}

#[test]
fn names_parse_in_any_case_and_round_trip() {
    assert_eq!(Helpdesk::parse("Zoho Desk"), Helpdesk::Zoho);
    assert_eq!(Helpdesk::parse("Kayako"), Helpdesk::Other("kayako".into()));
    assert_eq!(Priority::parse("NORMAL"), Some(Priority::Medium));
    assert_eq!(Priority::parse("critical"), None);
    assert_eq!(TicketStatus::parse("On-hold"), Some(TicketStatus::Pending));
    assert_eq!(TicketStatus::parse("Resolved"), Some(TicketStatus::Solved));
    assert_eq!(TicketStatus::parse("Waiting on Customer"), None);
    assert_eq!(Source::parse("Outbound Email"), Source::Email);
    assert_eq!(Source::parse("Facebook"), Source::Social);
    assert_eq!(Source::parse("WhatsApp"), Source::Other("whatsapp".into()));
    assert_eq!(
        EventKind::parse("customer_reply"),
        Some(EventKind::CustomerReply)
    );
    for kind in EventKind::ALL {
        assert_eq!(EventKind::parse(kind.as_str()), Some(kind));
    }
}

#[test]
fn ticket_ref_displays_as_helpdesk_colon_id() {
    let event = IntakeEvent::new(
        "k".into(),
        Helpdesk::Zendesk,
        EventKind::Ticket,
        DateTime::<Utc>::UNIX_EPOCH,
        "4521".into(),
    );
    assert_eq!(event.ticket_ref().to_string(), "zendesk:4521");
}

#[test]
fn serde_uses_lowercase_names() {
    let json = serde_json::to_string(&(Helpdesk::Zoho, Source::AppStore, Priority::High)).unwrap();
    assert_eq!(json, r#"["zoho","app_store","high"]"#);
    let back: (Helpdesk, Source, Priority) = serde_json::from_str(&json).unwrap();
    assert_eq!(back, (Helpdesk::Zoho, Source::AppStore, Priority::High));
}
