//! The HTTP edge: duplicates, 401/404/422/202, and a 429 from Slack.

use super::*;
use wiremock::ResponseTemplate;

async fn nothing_stored(app: &TestApp) {
    drain(app).await;
    assert_eq!(ticket_count(app).await, 0);
    assert_eq!(app.state.services.store.event_count().await.unwrap(), 0);
    assert!(app.slack.calls().await.is_empty());
}

#[tokio::test]
async fn a_duplicate_delivery_makes_one_card() {
    let app = spawn_app().await;
    let body = generic("evt-dup", "ticket", "42", json!({"message": "Hello"}));
    let id = deliver(&app, "generic", &body).await;
    let res = hook(&app, "generic", &body).await;
    assert_eq!(res.status(), 200);
    let reply: Value = res.json().await.unwrap();
    assert_eq!(reply["duplicate"], true, "{reply}");
    drain(&app).await;
    assert_eq!(posts_in(&app, QUEUE).await.len(), 1);
    assert!(app.slack.calls_to("chat.update").await.is_empty());
    assert_eq!(ticket_count(&app).await, 1);
    assert_eq!(ticket(&app, id).await.external_id, "42");
}

#[tokio::test]
async fn bad_or_missing_auth_is_401_and_stores_nothing() {
    let app = spawn_app().await;
    let fd = freshdesk_missed_call(11, "+1 555 0100").to_string();
    for headers in [vec![], vec![("x-cxbot-token", "nope".to_string())]] {
        let res = app
            .post_raw("/hooks/freshdesk", &fd, "application/json", &headers)
            .await;
        assert_eq!(res.status(), 401);
    }
    let body = generic("evt-1", "ticket", "1", json!({})).to_string();
    let mut stale = auth_headers(&app, "generic", &body);
    app.advance(Duration::minutes(6));
    let res = app
        .post_raw("/hooks/generic", &body, "application/json", &stale)
        .await;
    assert_eq!(res.status(), 401, "outside the 5-minute window");
    stale[1].1 = "v0=00".into();
    let res = app
        .post_raw("/hooks/generic", &body, "application/json", &stale)
        .await;
    assert_eq!(res.status(), 401);
    nothing_stored(&app).await;

    // HTTP Basic with the token as password is accepted too (Freshdesk's own auth UI).
    let basic = format!("Basic {}", base64_encode("cxbot:fd-token"));
    let res = app
        .post_raw(
            "/hooks/freshdesk",
            &fd,
            "application/json",
            &[("authorization", basic)],
        )
        .await;
    assert_eq!(res.status(), 200);
}

fn base64_encode(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(s)
}

#[tokio::test]
async fn malformed_payloads_are_422_naming_the_field() {
    let app = spawn_app().await;
    let mut body = generic("evt-1", "ticket", "1", json!({}));
    body["ticket"].as_object_mut().unwrap().remove("id");
    let res = hook(&app, "generic", &body).await;
    assert_eq!(res.status(), 422);
    let reply: Value = res.json().await.unwrap();
    assert_eq!(reply["field"], "ticket.id", "{reply}");
    assert!(reply["error"].as_str().unwrap().contains("ticket.id"));

    let raw = "{not json";
    let headers = auth_headers(&app, "generic", raw);
    let res = app
        .post_raw("/hooks/generic", raw, "application/json", &headers)
        .await;
    assert_eq!(res.status(), 422);
    let reply: Value = res.json().await.unwrap();
    assert_eq!(reply["field"], "body");
    nothing_stored(&app).await;
}

#[tokio::test]
async fn an_event_type_cxbot_does_not_use_is_202_and_ignored() {
    let app = spawn_app().await;
    let res = hook(
        &app,
        "generic",
        &generic("evt-1", "survey_completed", "1", json!({})),
    )
    .await;
    assert_eq!(res.status(), 202);
    let note = freshdesk(11, "{note_type:private}", json!({}));
    assert_eq!(hook(&app, "freshdesk", &note).await.status(), 202);
    nothing_stored(&app).await;
}

#[tokio::test]
async fn an_unknown_provider_is_404() {
    let app = spawn_app().await;
    let res = hook(&app, "kayako", &json!({})).await;
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn a_429_on_the_card_post_still_ends_with_exactly_one_card() {
    let app = spawn_app().await;
    app.slack
        .fail_next(
            "chat.postMessage",
            1,
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "2")
                .set_body_json(json!({"ok": false, "error": "ratelimited"})),
        )
        .await;
    let id = deliver(&app, "freshdesk", &freshdesk_missed_call(11, "+1 555 0100")).await;
    drain(&app).await;
    let cards = posts_in(&app, QUEUE).await;
    assert_eq!(cards.len(), 2, "the 429'd attempt and the one that worked");
    assert!(app
        .state
        .services
        .store
        .posted_message(&format!("card:{id}"))
        .await
        .unwrap()
        .is_some());
    assert!(
        app.slack.calls_to("chat.update").await.is_empty(),
        "exactly one card"
    );
}
