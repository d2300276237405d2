//! Changes to a ticket: the card is updated in place and its thread gets one line.

use super::*;

fn blank_chat(id: &str, ticket_id: &str, email: &str) -> Value {
    generic(
        id,
        "missed_chat",
        ticket_id,
        json!({"message": "", "customer": {"name": "Ana Lima", "email": email}}),
    )
}

#[tokio::test]
async fn blank_missed_chat_carries_the_follow_up_text() {
    let app = spawn_app().await;
    let id = deliver(
        &app,
        "generic",
        &blank_chat("c-1", "700", "ana@example.com"),
    )
    .await;
    drain(&app).await;
    let cards = posts_in(&app, QUEUE).await;
    assert_eq!(cards.len(), 1);
    let text = text_of(&cards[0]);
    assert!(
        text.contains("Hi Ana, we saw that you submitted your email to start a chat with us"),
        "{text}"
    );
    assert!(!ticket(&app, id).await.answered);
}

#[tokio::test]
async fn blank_missed_chat_is_already_answered_once_the_customer_writes_again() {
    let app = spawn_app().await;
    let chat = deliver(
        &app,
        "generic",
        &blank_chat("c-1", "700", "ana@example.com"),
    )
    .await;
    drain(&app).await;
    let mut later = generic(
        "t-1",
        "ticket",
        "701",
        json!({"message": "About my booking", "customer": {"email": "ANA@example.com"}}),
    );
    later["occurred_at"] = json!("2026-11-23T14:05:00Z");
    deliver(&app, "generic", &later).await;
    drain(&app).await;

    assert!(ticket(&app, chat).await.answered);
    let card = app
        .state
        .services
        .store
        .posted_message(&format!("card:{chat}"))
        .await
        .unwrap()
        .unwrap();
    let updates = app.slack.calls_to("chat.update").await;
    let update = updates
        .iter()
        .find(|u| u["ts"] == card.ts.as_str())
        .expect("chat card updated");
    let text = text_of(update);
    assert!(text.contains("Already answered"), "{text}");
    assert!(!text.contains("Follow-up to send"), "{text}");
    let replies = thread_replies(&app).await;
    assert!(replies.iter().any(|r| r["thread_ts"] == card.ts.as_str()
        && r["text"].as_str().unwrap().contains("wrote again")));

    // The other order: the later contact is already known when the blank chat arrives.
    let mut old_chat = blank_chat("c-2", "699", "ana@example.com");
    old_chat["occurred_at"] = json!("2026-11-23T13:00:00Z");
    let id = deliver(&app, "generic", &old_chat).await;
    assert!(ticket(&app, id).await.answered);
}

#[tokio::test]
async fn status_change_updates_the_card_in_place_and_adds_a_thread_line() {
    let app = spawn_app().await;
    let created = freshdesk(
        41,
        "{ticket_action:created}",
        json!({"ticket_subject": "Lost bag", "ticket_status": "Open", "ticket_source": "Email"}),
    );
    let id = deliver(&app, "freshdesk", &created).await;
    drain(&app).await;
    let solved = freshdesk(
        41,
        "{status:{from:Open,to:Resolved}}",
        json!({"ticket_subject": "Lost bag", "ticket_status": "Resolved", "ticket_source": "Email"}),
    );
    assert_eq!(deliver(&app, "freshdesk", &solved).await, id);
    drain(&app).await;

    assert_eq!(
        posts_in(&app, QUEUE).await.len(),
        1,
        "one card, updated in place"
    );
    let card = app
        .state
        .services
        .store
        .posted_message(&format!("card:{id}"))
        .await
        .unwrap()
        .unwrap();
    let updates = app.slack.calls_to("chat.update").await;
    assert_eq!(updates.len(), 1);
    assert_eq!(
        (updates[0]["channel"].as_str(), updates[0]["ts"].as_str()),
        (Some(card.channel.as_str()), Some(card.ts.as_str()))
    );
    assert!(text_of(&updates[0]).contains("Solved"));
    let replies = thread_replies(&app).await;
    assert_eq!(replies.len(), 1);
    assert_eq!(replies[0]["thread_ts"], card.ts.as_str());
    assert_eq!(replies[0]["text"], "Status: Open → Solved");
    assert_eq!(ticket(&app, id).await.status, "solved");
}

#[tokio::test]
async fn second_missed_call_from_the_same_number_adds_to_the_open_card() {
    let app = spawn_app().await;
    let first = deliver(&app, "freshdesk", &freshdesk_missed_call(51, "+1 555 0100")).await;
    drain(&app).await;
    let second = deliver(
        &app,
        "freshdesk",
        &freshdesk_missed_call(52, "+1 (555) 0100"),
    )
    .await;
    drain(&app).await;

    assert_eq!(second, first, "folded into the open card");
    assert_eq!(ticket_count(&app).await, 1);
    assert_eq!(posts_in(&app, QUEUE).await.len(), 1, "no second card");
    assert_eq!(ticket(&app, first).await.missed_calls, 2);
    let updates = app.slack.calls_to("chat.update").await;
    assert!(text_of(updates.last().unwrap()).contains("2 missed calls from +1 555 0100"));
    let replies = thread_replies(&app).await;
    assert_eq!(replies.len(), 1);
    assert!(replies[0]["text"]
        .as_str()
        .unwrap()
        .contains("Another missed call"));
}

#[tokio::test]
async fn customer_reply_marks_the_card_and_posts_it_for_pickup() {
    let app = spawn_app().await;
    let t = json!({"customer": {"name": "Bo", "email": "bo@example.com"}, "message": "Where is my refund?"});
    let id = deliver(&app, "generic", &generic("t-9", "ticket", "900", t.clone())).await;
    drain(&app).await;
    let mut reply = generic("r-9", "customer_reply", "900", t);
    reply["message"] = json!("Any news?");
    deliver(&app, "generic", &reply).await;
    drain(&app).await;

    let update = app.slack.calls_to("chat.update").await;
    assert!(text_of(update.last().unwrap()).contains("Customer replied"));
    let queue = posts_in(&app, QUEUE).await;
    assert_eq!(queue.len(), 2, "the card and the pickup line: {queue:?}");
    assert!(queue[1]["text"].as_str().unwrap().contains("nobody has it"));
    assert!(thread_replies(&app).await[0]["text"]
        .as_str()
        .unwrap()
        .contains("Any news?"));
    assert!(ticket(&app, id).await.customer_replied_at.is_some());
}
