//! New cards: each provider, each route.

use super::*;

#[tokio::test]
async fn freshdesk_missed_call_posts_a_card_to_the_queue() {
    let app = spawn_app().await;
    let id = deliver(&app, "freshdesk", &freshdesk_missed_call(11, "+1 555 0100")).await;
    drain(&app).await;

    let cards = posts_in(&app, QUEUE).await;
    assert_eq!(cards.len(), 1, "{cards:?}");
    let text = text_of(&cards[0]);
    assert!(text.contains("Missed call from +1 555 0100"), "{text}");
    assert!(text.contains("Unknown number"), "{text}");
    assert!(
        text.contains(r#""action_id":"cx_claim""#) && text.contains(r#""action_id":"cx_escalate""#),
        "Claim and Escalate buttons: {text}"
    );
    let t = ticket(&app, id).await;
    assert_eq!(
        (t.helpdesk.as_str(), t.external_id.as_str(), t.kind.as_str()),
        ("freshdesk", "11", "missed_call")
    );
    assert_eq!((t.channel.as_str(), t.missed_calls), (QUEUE, 1));
    assert_eq!(t.customer_phone.as_deref(), Some("+1 555 0100"));
}

#[tokio::test]
async fn freshdesk_social_ticket_goes_to_the_social_channel() {
    let app = spawn_app().await;
    let body = freshdesk(
        21,
        "{ticket_action:created}",
        json!({"ticket_subject": "Where is my bus?", "ticket_source": "Facebook",
               "requester_name": "Sam", "requester_email": "sam@example.com"}),
    );
    let id = deliver(&app, "freshdesk", &body).await;
    drain(&app).await;
    let cards = posts_in(&app, SOCIAL).await;
    assert_eq!(cards.len(), 1);
    assert!(text_of(&cards[0]).contains("Facebook"), "{}", cards[0]);
    assert!(posts_in(&app, QUEUE).await.is_empty());
    assert_eq!(ticket(&app, id).await.kind, "social");
}

#[tokio::test]
async fn zendesk_signed_ticket_event_posts_a_card() {
    let app = spawn_app().await;
    let body = json!({"type": "zen:event-type:ticket.created", "account_id": 1, "id": "evt-1",
        "time": "2026-11-23T13:59:00Z", "zendesk_event_version": "2022-11-06", "subject": "zen:ticket:4521",
        "detail": {"id": "4521", "subject": "Refund please", "description": "My trip was cancelled",
            "status": "NEW", "priority": "NORMAL", "requester_id": "900", "tags": ["refund"],
            "via": {"channel": "email"}, "created_at": "2026-11-23T13:58:00Z"},
        "event": {"meta": {}}});
    let id = deliver(&app, "zendesk", &body).await;
    drain(&app).await;
    let cards = posts_in(&app, QUEUE).await;
    assert_eq!(cards.len(), 1);
    let text = text_of(&cards[0]);
    assert!(
        text.contains("Refund please") && text.contains("My trip was cancelled"),
        "{text}"
    );
    let t = ticket(&app, id).await;
    assert_eq!(
        (t.helpdesk.as_str(), t.external_id.as_str()),
        ("zendesk", "4521")
    );
    assert_eq!((t.kind.as_str(), t.priority.as_str()), ("email", "medium"));
    assert_eq!(t.tag_list(), ["refund"]);
}

#[tokio::test]
async fn zendesk_bad_signature_is_401_and_stores_nothing() {
    let app = spawn_app().await;
    let body = json!({"type": "zen:event-type:ticket.created", "id": "evt-2"}).to_string();
    let mut headers = auth_headers(&app, "zendesk", &body);
    headers[0].1 = sign_zendesk(&headers[1].1, body.as_bytes(), "wrong-secret");
    let res = app
        .post_raw("/hooks/zendesk", &body, "application/json", &headers)
        .await;
    assert_eq!(res.status(), 401);
    drain(&app).await;
    assert_eq!(ticket_count(&app).await, 0);
    assert_eq!(app.state.services.store.event_count().await.unwrap(), 0);
    assert!(app.slack.calls().await.is_empty());
}

#[tokio::test]
async fn marketing_social_goes_to_marketing_and_not_social() {
    let app = spawn_app().await;
    let body = generic(
        "evt-m1",
        "social",
        "s-1",
        json!({"message": "Hi! We'd love an influencer collab with your brand",
               "social": {"platform": "instagram", "kind": "dm", "brand": "OurBus"}}),
    );
    let id = deliver(&app, "generic", &body).await;
    drain(&app).await;
    let cards = posts_in(&app, MARKETING).await;
    assert_eq!(cards.len(), 1);
    assert!(text_of(&cards[0]).contains("Instagram DM to OurBus"));
    assert!(posts_in(&app, SOCIAL).await.is_empty());
    assert!(posts_in(&app, QUEUE).await.is_empty());
    assert_eq!(ticket(&app, id).await.kind, "marketing");
}

#[tokio::test]
async fn app_reviews_go_to_mobile_and_beta_reviews_in_house() {
    let app = spawn_app().await;
    let review = |id: &str, beta: bool| {
        generic(
            id,
            "app_review",
            id,
            json!({"message": "Crashes on start", "helpdesk": "appfollow",
                   "review": {"store": "google_play", "rating": 2, "app_version": "4.1.0", "beta": beta}}),
        )
    };
    deliver(&app, "generic", &review("r-1", false)).await;
    let beta = deliver(&app, "generic", &review("r-2", true)).await;
    drain(&app).await;
    let mobile = posts_in(&app, MOBILE).await;
    assert_eq!(mobile.len(), 1);
    assert!(text_of(&mobile[0]).contains("2★ review of 4.1.0 on Google Play"));
    let inhouse = posts_in(&app, INHOUSE).await;
    assert_eq!(inhouse.len(), 1);
    assert!(text_of(&inhouse[0]).contains("(beta)"));
    assert_eq!(ticket(&app, beta).await.channel, INHOUSE);
}

#[tokio::test]
async fn high_priority_also_notifies_the_leads_once() {
    let app = spawn_app().await;
    let body = freshdesk(
        31,
        "{ticket_action:created}",
        json!({"ticket_subject": "Bus never came", "ticket_priority": "High", "ticket_source": "Email"}),
    );
    let id = deliver(&app, "freshdesk", &body).await;
    drain(&app).await;
    assert_eq!(posts_in(&app, QUEUE).await.len(), 1);
    let leads = posts_in(&app, LEADS).await;
    assert_eq!(leads.len(), 1);
    assert!(
        leads[0]["text"].as_str().unwrap().contains("High priority"),
        "{}",
        leads[0]
    );
    let notice = app
        .state
        .services
        .store
        .posted_message(&format!("leads:{id}"))
        .await
        .unwrap();
    assert!(
        notice.is_some(),
        "recorded under leads:{id}, so it is posted once"
    );
}
