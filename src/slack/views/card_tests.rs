use super::*;

const NOW: i64 = 1_795_000_000_000;

fn ticket(kind: &str) -> Ticket {
    Ticket {
        id: 7,
        helpdesk: "freshdesk".into(),
        external_id: "4521".into(),
        kind: kind.into(),
        status: "open".into(),
        priority: "medium".into(),
        subject: Some("Missed call from +1 555 0100".into()),
        url: Some("https://acme.freshdesk.com/a/tickets/4521".into()),
        customer_id: Some(1),
        customer_name: None,
        customer_email: None,
        customer_phone: Some("+1 555 0100".into()),
        customer_order_id: None,
        department: Some("Paid Support".into()),
        group_name: None,
        tags: r#"["billing","refund"]"#.into(),
        message: None,
        social: None,
        review: None,
        channel: "#cx-queue".into(),
        claimed_by: None,
        answered: false,
        customer_replied_at: None,
        missed_calls: 1,
        opened_at: NOW - 12 * 60_000,
        created_at: NOW - 12 * 60_000,
        updated_at: NOW,
        claim: Default::default(),
        sla: Default::default(),
        quiet: false,
    }
}

fn view(t: &Ticket) -> CardView<'_> {
    CardView {
        ticket: t,
        now_ms: NOW,
        caller: None,
        follow_up: None,
    }
}

fn card_json(v: &CardView<'_>) -> serde_json::Value {
    let r = ticket_card(v);
    serde_json::json!({"text": r.text, "blocks": r.blocks})
}

#[test]
fn missed_call_from_an_unknown_number() {
    let t = ticket("missed_call");
    let v = CardView {
        caller: Some(Caller::Unknown),
        ..view(&t)
    };
    assert_eq!(headline(&t), "Missed call from +1 555 0100");
    insta::assert_json_snapshot!(card_json(&v));
}

#[test]
fn repeat_missed_call_from_a_known_caller() {
    let mut t = ticket("missed_call");
    t.missed_calls = 2;
    t.customer_name = Some("Ana Lima".into());
    let mut earlier = ticket("email");
    earlier.id = 3;
    earlier.external_id = "4400".into();
    earlier.subject = Some("Refund for order A-77".into());
    earlier.url = Some("https://acme.freshdesk.com/a/tickets/4400".into());
    earlier.status = "solved".into();
    let v = CardView {
        caller: Some(Caller::Known {
            name: Some("Ana Lima".into()),
            recent: vec![earlier],
        }),
        ..view(&t)
    };
    assert_eq!(headline(&t), "2 missed calls from +1 555 0100");
    insta::assert_json_snapshot!(card_json(&v));
}

#[test]
fn instagram_dm_and_app_review_headlines() {
    let mut t = ticket("social");
    t.social = Some(r#"{"platform":"instagram","kind":"dm","brand":"OurBus"}"#.into());
    assert_eq!(headline(&t), "Instagram DM to OurBus");
    t.message = Some("Where is my bus? <!channel> & co".into());
    insta::assert_json_snapshot!(card_json(&view(&t)));

    let mut r = ticket("app_review");
    r.review =
        Some(r#"{"store":"google_play","rating":2,"app_version":"4.1.0","beta":false}"#.into());
    assert_eq!(headline(&r), "2★ review of 4.1.0 on Google Play");
}

#[test]
fn blank_missed_chat_carries_the_follow_up() {
    let mut t = ticket("missed_chat");
    t.subject = Some("Offline message from Ana".into());
    t.customer_name = Some("Ana Lima".into());
    t.customer_email = Some("ana@example.com".into());
    let v = CardView {
        follow_up: Some("Hi Ana, is there something we can help you with now?".into()),
        ..view(&t)
    };
    insta::assert_json_snapshot!(card_json(&v));
}

#[test]
fn solved_and_answered_cards_say_so() {
    let mut t = ticket("missed_chat");
    t.answered = true;
    t.status = "solved".into();
    let text = card_json(&view(&t)).to_string();
    assert!(text.contains("Solved"), "{text}");
    assert!(text.contains("Already answered"), "{text}");
    assert!(!text.contains("\"button\""), "no buttons yet: {text}");
}

#[test]
fn long_text_is_truncated_to_slack_limits() {
    let mut t = ticket("ticket");
    t.subject = Some("é".repeat(500));
    t.message = Some("x".repeat(10_000));
    let r = ticket_card(&view(&t));
    let json = serde_json::to_value(&r.blocks).unwrap();
    let head = json[0]["text"]["text"].as_str().unwrap();
    assert!(head.chars().count() <= super::super::MAX_HEADER_TEXT);
    for b in json.as_array().unwrap() {
        if let Some(s) = b["text"]["text"].as_str() {
            assert!(s.chars().count() <= super::super::MAX_SECTION_TEXT);
        }
    }
}

#[test]
fn the_sla_fact_shows_the_due_time_then_the_breach() {
    use crate::domain::sla::{ClockKind, Hours, SlaState};
    let h = 3_600_000;
    let mut s = SlaState::start(
        "social",
        ClockKind::First,
        2 * h,
        NOW,
        NOW,
        &Hours::Always,
        0.75,
    );
    let due = (NOW + 2 * h) / 1000;
    assert_eq!(
        sla_fact(&s, NOW + 50 * 60_000).unwrap(),
        format!("*Reply due* <!date^{due}^at {{time}} on {{date_short}}|at {due}>, in 1 h 10 min")
    );
    s.step(NOW + 2 * h + 25 * 60_000);
    assert_eq!(
        sla_fact(&s, NOW + 2 * h + 25 * 60_000).unwrap(),
        "*SLA:* :rotating_light: *BREACHED* 25 min ago"
    );
    assert_eq!(sla_fact(&SlaState::default(), NOW), None);
    let mut met = SlaState::start(
        "social",
        ClockKind::First,
        2 * h,
        NOW,
        NOW,
        &Hours::Always,
        0.75,
    );
    met.meet(NOW + 110 * 60_000, &Hours::Always);
    assert_eq!(
        sla_fact(&met, NOW + 3 * h).unwrap(),
        "*SLA:* answered in 1 h 50 min"
    );
}

#[test]
fn an_auto_assignment_says_so_until_the_card_changes_hands() {
    let mut t = ticket("missed_call");
    t.claimed_by = Some("U0ANA0001".into());
    t.claim.claim_seq = 1;
    t.claim.auto_seq = Some(1);
    let text = card_json(&view(&t)).to_string();
    assert!(text.contains("*Assigned to* <@U0ANA0001> (auto)"), "{text}");
    t.claim.claim_seq = 2;
    let text = card_json(&view(&t)).to_string();
    assert!(text.contains("*Claimed by* <@U0ANA0001>"), "{text}");
}
