use super::*;
use crate::domain::intake::{
    Helpdesk, Review, ReviewStore, Social, SocialKind, SocialPlatform, TicketStatus,
};
use chrono::{DateTime, Utc};

fn event(kind: EventKind, subject: &str, source: Option<Source>) -> IntakeEvent {
    let mut e = IntakeEvent::new(
        "k".into(),
        Helpdesk::Freshdesk,
        kind,
        DateTime::<Utc>::UNIX_EPOCH,
        "11".into(),
    );
    e.ticket.subject = Some(subject.into());
    e.ticket.source = source;
    e
}

fn classify_default(e: &IntakeEvent) -> Classified {
    classify(e, &ClassificationConfig::default())
}

fn route_default(e: &IntakeEvent) -> (Classified, Route) {
    let c = classify_default(e);
    let r = route(&c, e, &RoutingConfig::default());
    (c, r)
}

fn keys(keys: &[&str]) -> Vec<ChannelKey> {
    keys.iter().map(|k| ChannelKey::new(*k)).collect()
}

// The example in `cxbot.example.toml` is checked against these defaults in
// `config::playbook`'s tests, where the whole playbook is parsed.
#[derive(Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct Playbook {
    #[serde(default)]
    classification: ClassificationConfig,
    #[serde(default)]
    routing: RoutingConfig,
}

#[test]
fn toml_tables_default_when_left_out_and_must_be_complete_when_written() {
    let p: Playbook = toml::from_str(
        "[routing.leads]\nenabled = false\nchannel = \"cx-leads\"\nmin_priority = \"urgent\"\nskip = []\n",
    )
    .unwrap();
    assert_eq!(p.classification, ClassificationConfig::default());
    assert_eq!(p.routing.cards, CardChannels::default());
    assert!(!p.routing.leads.enabled);
    assert_eq!(p.routing.leads.min_priority, Priority::Urgent);

    let unknown = toml::from_str::<Playbook>("[routing.cards]\nmissed_calls = \"queue\"\n");
    assert!(unknown.unwrap_err().to_string().contains("missed_calls"));
    let partial = toml::from_str::<Playbook>("[classification.missed_call]\nsources = []\n");
    assert!(partial
        .unwrap_err()
        .to_string()
        .contains("subject_prefixes"));
    let bad_priority = toml::from_str::<Playbook>(
        "[classification.priority]\ndefault = \"meh\"\nby_source = {}\n",
    );
    assert!(bad_priority.is_err());
}

#[test]
fn missed_calls_by_subject_and_source() {
    for subject in [
        "Missed call from +1 555 0100",
        "  VOICEMAIL from Ana",
        "Voicemail",
    ] {
        let (c, r) = route_default(&event(EventKind::Ticket, subject, Some(Source::Phone)));
        assert_eq!(c.kind, CardKind::MissedCall, "{subject}");
        assert_eq!(r.channel, ChannelKey::new("queue"));
        assert_eq!(c.priority, Priority::Medium, "phone default");
    }
    let no_source = classify_default(&event(EventKind::Ticket, "Missed call from Bob", None));
    assert_eq!(no_source.kind, CardKind::MissedCall);
    assert_eq!(no_source.reason, "subject starts with \"Missed call\"");
    let email = classify_default(&event(
        EventKind::Ticket,
        "Missed call yesterday, please call back",
        Some(Source::Email),
    ));
    assert_eq!(email.kind, CardKind::Email, "not a phone ticket");
    let said = classify_default(&event(EventKind::MissedCall, "Call", None));
    assert_eq!(said.kind, CardKind::MissedCall);
}

#[test]
fn offline_chat_is_a_missed_chat() {
    let (c, r) = route_default(&event(
        EventKind::Ticket,
        "Offline message from Ana Souza",
        Some(Source::Chat),
    ));
    assert_eq!(c.kind, CardKind::MissedChat);
    assert_eq!(r.channel, ChannelKey::new("queue"));
    let portal = classify_default(&event(
        EventKind::Ticket,
        "Offline message from Ana",
        Some(Source::Portal),
    ));
    assert_eq!(portal.kind, CardKind::Ticket);
    // A reply on a missed-chat ticket is still about the missed chat (seed 000: the customer
    // wrote again, so no blank-chat follow-up).
    let reply = classify_default(&event(
        EventKind::CustomerReply,
        "Offline message from Ana",
        Some(Source::Chat),
    ));
    assert_eq!(
        (reply.kind, reply.event),
        (CardKind::MissedChat, EventKind::CustomerReply)
    );
}

#[test]
fn social_by_source_group_or_platform() {
    let (c, r) = route_default(&event(
        EventKind::Ticket,
        "Bus was late",
        Some(Source::Social),
    ));
    assert_eq!(c.kind, CardKind::Social);
    assert_eq!(r.channel, ChannelKey::new("social"));
    assert_eq!(c.reason, "social (source social)");

    let mut grouped = event(EventKind::Ticket, "Bus was late", Some(Source::Email));
    grouped.ticket.group = Some("social media".into());
    let c = classify_default(&grouped);
    assert_eq!(c.kind, CardKind::Social, "group wins over email");
    assert_eq!(c.reason, "social (group \"social media\")");

    let mut dm = event(EventKind::Social, "DM", None);
    dm.social = Some(Social {
        platform: SocialPlatform::Instagram,
        kind: Some(SocialKind::Dm),
        brand: None,
    });
    assert_eq!(classify_default(&dm).kind, CardKind::Social);
    dm.kind = EventKind::Ticket;
    assert_eq!(classify_default(&dm).reason, "social (from instagram)");
}

#[test]
fn marketing_goes_to_marketing_only() {
    let mut e = event(
        EventKind::Social,
        "Influencer COLLAB proposal",
        Some(Source::Social),
    );
    e.ticket.priority = Some(Priority::Urgent);
    let (c, r) = route_default(&e);
    assert_eq!(c.kind, CardKind::Marketing);
    assert_eq!(r.channel, ChannelKey::new("marketing"));
    assert_eq!(r.also, [], "not social, not queue, not leads");
    assert_eq!(
        c.reason,
        "social (the helpdesk said social), marketing (keyword \"influencer\")"
    );

    let mut by_message = event(EventKind::Ticket, "Hello", Some(Source::Social));
    by_message.message = Some("Do you have a promo code for students?".into());
    assert_eq!(classify_default(&by_message).kind, CardKind::Marketing);

    let mut tagged = event(EventKind::Ticket, "Hello", Some(Source::Social));
    tagged.ticket.tags = vec!["Marketing".into()];
    assert_eq!(classify_default(&tagged).kind, CardKind::Marketing);

    let email = event(
        EventKind::Ticket,
        "Your promotion double-charged me",
        Some(Source::Email),
    );
    assert_eq!(
        classify_default(&email).kind,
        CardKind::Email,
        "marketing is a social split"
    );
}

#[test]
fn email_defaults_to_medium_unless_the_helpdesk_says_otherwise() {
    let plain = classify_default(&event(EventKind::Ticket, "Refund", Some(Source::Email)));
    assert_eq!(
        (plain.kind, plain.priority),
        (CardKind::Email, Priority::Medium)
    );
    assert!(!plain.priority_from_helpdesk);
    let mut said = event(EventKind::Ticket, "Refund", Some(Source::Email));
    said.ticket.priority = Some(Priority::Low);
    let said = classify_default(&said);
    assert_eq!(said.priority, Priority::Low);
    assert!(said.priority_from_helpdesk);
    let portal = classify_default(&event(EventKind::Ticket, "Question", Some(Source::Portal)));
    assert_eq!(
        (portal.kind, portal.priority),
        (CardKind::Ticket, Priority::Low)
    );
    let (_, r) = route_default(&event(EventKind::Ticket, "Question", None));
    assert_eq!(r.channel, ChannelKey::new("queue"));
}

#[test]
fn leads_hear_news_at_high_or_urgent() {
    let mut e = event(EventKind::Ticket, "System down", Some(Source::Email));
    e.ticket.priority = Some(Priority::High);
    let (_, r) = route_default(&e);
    assert_eq!(
        (r.channel.as_str(), r.also.clone()),
        ("queue", keys(&["leads"]))
    );
    assert_eq!(
        r.reason,
        "email ticket -> queue; priority high -> also leads"
    );

    e.kind = EventKind::CustomerReply;
    assert_eq!(route_default(&e).1.also, [], "a reply is not news");
    e.kind = EventKind::TicketStatus;
    e.change = Some(Change::Status {
        from: Some(TicketStatus::Open),
        to: Some(TicketStatus::Pending),
    });
    assert_eq!(route_default(&e).1.also, []);

    e.kind = EventKind::TicketPriority;
    e.ticket.priority = None;
    e.change = Some(Change::Priority {
        from: Some(Priority::Medium),
        to: Some(Priority::Urgent),
    });
    let (c, r) = route_default(&e);
    assert_eq!(c.priority, Priority::Urgent, "taken from the change");
    assert_eq!(r.also, keys(&["leads"]));
    e.change = Some(Change::Priority {
        from: Some(Priority::High),
        to: Some(Priority::Urgent),
    });
    assert_eq!(
        route_default(&e).1.also,
        [],
        "the leads already knew it was high"
    );

    let mut cfg = RoutingConfig::default();
    e.kind = EventKind::Ticket;
    e.change = None;
    e.ticket.priority = Some(Priority::Urgent);
    cfg.leads.channel = ChannelKey::new("queue");
    assert_eq!(
        route(&classify_default(&e), &e, &cfg).also,
        [],
        "never twice in one channel"
    );
    cfg.leads.enabled = false;
    cfg.leads.channel = ChannelKey::new("leads");
    assert_eq!(route(&classify_default(&e), &e, &cfg).also, []);
}

#[test]
fn app_reviews_store_to_mobile_beta_to_inhouse() {
    let mut e = event(EventKind::AppReview, "2 stars", None);
    e.review = Some(Review {
        store: ReviewStore::GooglePlay,
        rating: 2,
        app_version: None,
        beta: false,
    });
    let (c, r) = route_default(&e);
    assert_eq!(
        (c.kind, r.channel.as_str()),
        (CardKind::AppReview, "mobile")
    );
    e.review.as_mut().unwrap().beta = true;
    let (_, r) = route_default(&e);
    assert_eq!(r.channel.as_str(), "inhouse");
    assert_eq!(r.reason, "beta app review -> inhouse");
}

#[test]
fn departments_and_tags_carry_over() {
    let mut e = event(EventKind::Ticket, "License", Some(Source::Web));
    e.ticket.department = Some("paid support".into());
    e.ticket.tags = vec!["licensing".into(), "Billing".into(), "billing".into()];
    let c = classify_default(&e);
    assert_eq!(c.department.as_deref(), Some("Paid Support"));
    assert_eq!(c.tags, ["licensing", "Billing"]);
    e.ticket.department = Some(" Sales ".into());
    assert_eq!(classify_default(&e).department.as_deref(), Some("Sales"));
}

#[test]
fn referenced_channels_lists_each_key_once() {
    let mut cfg = RoutingConfig::default();
    assert_eq!(
        cfg.referenced_channels(),
        keys(&["inhouse", "leads", "marketing", "mobile", "queue", "social"])
    );
    cfg.leads.enabled = false;
    cfg.cards.beta_review = ChannelKey::new("mobile");
    assert_eq!(
        cfg.referenced_channels(),
        keys(&["marketing", "mobile", "queue", "social"])
    );
}
