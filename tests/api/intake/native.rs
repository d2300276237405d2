//! Native intake for Intercom, HubSpot and Zoho Desk, end to end: each helpdesk's own signature
//! or token, the card posted to the fake Slack and the ticket row, a redelivery acknowledged as
//! a duplicate, and forged, stale or unsigned requests refused with nothing stored.

use super::*;
use cxbot::config::Settings;
use cxbot::webhooks::auth::{sign_hubspot_v3, sign_intercom};

/// The secrets `helpers::settings` gives the test app.
const INTERCOM_SECRET: &str = "ic-secret";
const HUBSPOT_SECRET: &str = "hs-secret";
const ZOHO_TOKEN: &str = "zoho-token";

fn fixture(rel: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/helpdesk/{rel}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

async fn nothing_stored(app: &TestApp) {
    drain(app).await;
    assert_eq!(ticket_count(app).await, 0);
    assert_eq!(app.state.services.store.event_count().await.unwrap(), 0);
    assert!(app.slack.calls().await.is_empty());
}

async fn reply(res: reqwest::Response) -> (u16, Value) {
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

// ---- Intercom ----

async fn post_intercom(app: &TestApp, body: &str, signature: Option<String>) -> reqwest::Response {
    let headers: Vec<(&str, String)> = signature
        .map(|s| vec![("x-hub-signature", s)])
        .unwrap_or_default();
    app.post_raw("/hooks/intercom", body, "application/json", &headers)
        .await
}

async fn intercom(app: &TestApp, body: &Value) -> (u16, Value) {
    let body = body.to_string();
    let sig = sign_intercom(body.as_bytes(), INTERCOM_SECRET);
    reply(post_intercom(app, &body, Some(sig)).await).await
}

/// An Intercom (API 2.x) notification about conversation 215471000012345, `secs` seconds
/// before the app's clock.
fn intercom_notification(app: &TestApp, topic: &str, id: &str, secs: i64) -> Value {
    let mut v: Value = serde_json::from_str(&fixture(
        "intercom/conversation.user.replied.handwritten.json",
    ))
    .unwrap();
    v["topic"] = json!(topic);
    v["id"] = json!(id);
    v["created_at"] = json!(app.now() - secs);
    v["data"]["item"]["created_at"] = json!(app.now() - 120);
    if topic == "conversation.admin.closed" {
        v["data"]["item"]["state"] = json!("closed");
    }
    v
}

#[tokio::test]
async fn intercom_conversation_reply_and_close_with_its_real_signature() {
    let app = spawn_app().await;
    let created = intercom_notification(&app, "conversation.user.created", "notif_1", 60);
    let (status, body) = intercom(&app, &created).await;
    assert_eq!(
        (status, &body["ok"], &body["duplicate"]),
        (200, &json!(true), &json!(false)),
        "{body}"
    );
    let id = body["ticket"].as_i64().unwrap();
    drain(&app).await;

    let cards = posts_in(&app, QUEUE).await;
    assert_eq!(cards.len(), 1, "{cards:?}");
    let text = text_of(&cards[0]);
    assert!(text.contains("Ana Lima"), "{text}");
    assert!(
        text.contains("Hi, my bus ticket for Friday has the wrong date."),
        "{text}"
    );
    let t = ticket(&app, id).await;
    assert_eq!(
        (t.helpdesk.as_str(), t.external_id.as_str(), t.kind.as_str()),
        ("intercom", "215471000012345", "ticket")
    );
    assert_eq!((t.status.as_str(), t.priority.as_str()), ("open", "medium"));
    assert_eq!(t.channel, QUEUE);
    assert_eq!(t.customer_email.as_deref(), Some("ana.lima@example.com"));
    assert_eq!(
        t.message.as_deref(),
        Some("Hi, my bus ticket for Friday has the wrong date.")
    );
    assert_eq!(
        t.url.as_deref(),
        Some("https://app.intercom.com/a/inbox/k7w3cxbt/inbox/conversation/215471000012345")
    );

    // Intercom redelivers the same notification (same id): acknowledged, nothing new.
    let mut again = created.clone();
    again["delivery_attempts"] = json!(2);
    let (status, body) = intercom(&app, &again).await;
    assert_eq!((status, &body["duplicate"]), (200, &json!(true)), "{body}");
    drain(&app).await;
    assert_eq!(posts_in(&app, QUEUE).await.len(), 1);
    assert_eq!(ticket_count(&app).await, 1);

    let replied = intercom_notification(&app, "conversation.user.replied", "notif_2", 30);
    let (status, body) = intercom(&app, &replied).await;
    assert_eq!((status, body["ticket"].as_i64()), (200, Some(id)), "{body}");
    drain(&app).await;
    assert!(thread_replies(&app)
        .await
        .iter()
        .any(|r| r["text"].as_str().unwrap().contains("Booking A-77")));
    assert!(ticket(&app, id).await.customer_replied_at.is_some());

    let closed = intercom_notification(&app, "conversation.admin.closed", "notif_3", 10);
    let (status, _) = intercom(&app, &closed).await;
    assert_eq!(status, 200);
    drain(&app).await;
    assert_eq!(ticket(&app, id).await.status, "solved");
    assert_eq!(ticket_count(&app).await, 1, "one conversation, one ticket");
}

#[tokio::test]
async fn intercom_forged_or_unsigned_is_401_and_ping_is_202_with_nothing_stored() {
    let app = spawn_app().await;
    let body = fixture("intercom/conversation.user.created.intercom_archive.json");
    let forged = [
        None,
        Some(sign_intercom(body.as_bytes(), "not-the-secret")),
        Some(sign_intercom(b"{}", INTERCOM_SECRET)),
        Some(sign_intercom(body.as_bytes(), INTERCOM_SECRET).replace("sha1=", "sha256=")),
    ];
    for signature in forged {
        let res = post_intercom(&app, &body, signature.clone()).await;
        assert_eq!(res.status(), 401, "{signature:?}");
    }
    let ping = fixture("intercom/ping.zulip.json");
    let res = post_intercom(
        &app,
        &ping,
        Some(sign_intercom(ping.as_bytes(), INTERCOM_SECRET)),
    )
    .await;
    let (status, body) = reply(res).await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["ignored"], "Intercom topic `ping` is not used");
    nothing_stored(&app).await;
}

// ---- HubSpot ----

/// Posts `body` to `path` signed as HubSpot signs it: POST + `url` + body + `ts` (ms).
async fn post_hubspot(
    app: &TestApp,
    path: &str,
    url: &str,
    body: &str,
    ts: i64,
    secret: &str,
) -> reqwest::Response {
    let ts = ts.to_string();
    let sig = sign_hubspot_v3("POST", url, body.as_bytes(), &ts, secret);
    app.post_raw(
        path,
        body,
        "application/json",
        &[
            ("x-hubspot-signature-v3", sig),
            ("x-hubspot-request-timestamp", ts),
        ],
    )
    .await
}

/// The URL HubSpot called when no CXBOT_PUBLIC_URL is set: https, the Host header, the path.
fn local_url(app: &TestApp, path: &str) -> String {
    format!(
        "https://{}{path}",
        app.address.trim_start_matches("http://")
    )
}

fn hubspot_events(app: &TestApp, object_id: u64) -> Value {
    let at = app.now() * 1000;
    json!([
        {"eventId": 101, "subscriptionId": 7, "portalId": 62515, "appId": 4400, "occurredAt": at - 2000,
         "subscriptionType": "ticket.creation", "attemptNumber": 0, "objectId": object_id, "changeSource": "FORM"},
        {"eventId": 102, "subscriptionId": 8, "portalId": 62515, "appId": 4400, "occurredAt": at - 1000,
         "subscriptionType": "ticket.propertyChange", "attemptNumber": 0, "objectId": object_id,
         "propertyName": "hs_ticket_priority", "propertyValue": "HIGH", "changeSource": "CRM_UI"},
        {"eventId": 103, "subscriptionId": 9, "portalId": 62515, "appId": 4400, "occurredAt": at - 500,
         "subscriptionType": "contact.creation", "attemptNumber": 0, "objectId": 9001}
    ])
}

#[tokio::test]
async fn hubspot_signed_batch_makes_one_card_and_a_redelivery_is_a_duplicate() {
    let app = spawn_app().await;
    let body = hubspot_events(&app, 501).to_string();
    let url = local_url(&app, "/hooks/hubspot");
    let res = post_hubspot(
        &app,
        "/hooks/hubspot",
        &url,
        &body,
        app.now() * 1000,
        HUBSPOT_SECRET,
    )
    .await;
    let (status, reply_body) = reply(res).await;
    assert_eq!(status, 200, "{reply_body}");
    let id = reply_body["tickets"][0].as_i64().expect("a ticket id");
    assert_eq!(
        reply_body["tickets"],
        json!([id, id]),
        "created, then its priority"
    );
    assert_eq!(
        reply_body["results"][2]["ignored"],
        "HubSpot event `contact.creation` is not used"
    );
    drain(&app).await;

    let cards = posts_in(&app, QUEUE).await;
    assert_eq!(cards.len(), 1, "{cards:?}");
    assert!(text_of(&cards[0]).contains("hubspot #501"), "{}", cards[0]);
    let t = ticket(&app, id).await;
    assert_eq!(
        (t.helpdesk.as_str(), t.external_id.as_str(), t.kind.as_str()),
        ("hubspot", "501", "ticket")
    );
    assert_eq!(t.priority, "high", "the second event of the batch");
    assert_eq!(
        t.url.as_deref(),
        Some("https://app.hubspot.com/contacts/62515/record/0-5/501")
    );
    assert!(
        !posts_in(&app, LEADS).await.is_empty(),
        "a raise to High tells the leads"
    );

    // HubSpot retries the whole batch (a later timestamp, so a new signature).
    app.advance(Duration::seconds(30));
    let res = post_hubspot(
        &app,
        "/hooks/hubspot",
        &url,
        &body,
        app.now() * 1000,
        HUBSPOT_SECRET,
    )
    .await;
    let (status, again) = reply(res).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["tickets"], json!([]));
    assert_eq!(again["results"][0]["duplicate"], true);
    assert_eq!(again["results"][1]["duplicate"], true);
    drain(&app).await;
    assert_eq!(ticket_count(&app).await, 1);
    assert_eq!(posts_in(&app, QUEUE).await.len(), 1);
}

#[tokio::test]
async fn hubspot_forged_stale_or_unsigned_is_401_and_stores_nothing() {
    let app = spawn_app().await;
    let body = hubspot_events(&app, 502).to_string();
    let path = "/hooks/hubspot";
    let url = local_url(&app, path);
    let now_ms = app.now() * 1000;
    let cases = [
        ("wrong secret", url.clone(), now_ms, "not-the-secret"),
        ("stale", url.clone(), now_ms - 301_000, HUBSPOT_SECRET),
        (
            "another URL",
            local_url(&app, "/hooks/generic"),
            now_ms,
            HUBSPOT_SECRET,
        ),
        (
            "http, not https",
            url.replace("https://", "http://"),
            now_ms,
            HUBSPOT_SECRET,
        ),
    ];
    for (what, signed_url, ts, secret) in cases {
        let res = post_hubspot(&app, path, &signed_url, &body, ts, secret).await;
        assert_eq!(res.status(), 401, "{what}");
    }
    let res = app.post_raw(path, &body, "application/json", &[]).await;
    assert_eq!(res.status(), 401, "unsigned");
    nothing_stored(&app).await;

    // The same request, fresh and signed for the URL it reached: accepted.
    let res = post_hubspot(&app, path, &url, &body, now_ms, HUBSPOT_SECRET).await;
    assert_eq!(res.status(), 200);
}

fn public_url(s: &mut Settings) {
    s.public_url = Some("https://cxbot.example.com/".into());
}

#[tokio::test]
async fn hubspot_signs_the_public_url_when_cxbot_public_url_is_set() {
    let app = spawn_app_with(TestOptions {
        settings: Some(public_url),
        ..Default::default()
    })
    .await;
    let body = hubspot_events(&app, 503).to_string();
    let path = "/hooks/hubspot?portal=62515";
    let now_ms = app.now() * 1000;
    let res = post_hubspot(
        &app,
        path,
        &local_url(&app, path),
        &body,
        now_ms,
        HUBSPOT_SECRET,
    )
    .await;
    assert_eq!(
        res.status(),
        401,
        "the local address is not what HubSpot called"
    );
    assert_eq!(ticket_count(&app).await, 0);
    let public = "https://cxbot.example.com/hooks/hubspot?portal=62515";
    let res = post_hubspot(&app, path, public, &body, now_ms, HUBSPOT_SECRET).await;
    let (status, reply_body) = reply(res).await;
    assert_eq!(status, 200, "{reply_body}");
    assert_eq!(ticket_count(&app).await, 1);
}

#[tokio::test]
async fn hubspot_behind_a_proxy_signs_the_forwarded_host() {
    let app = spawn_app().await;
    let body = hubspot_events(&app, 504).to_string();
    let ts = (app.now() * 1000).to_string();
    let url = "https://hooks.ourbus.example/hooks/hubspot";
    let sig = sign_hubspot_v3("POST", url, body.as_bytes(), &ts, HUBSPOT_SECRET);
    let res = app
        .post_raw(
            "/hooks/hubspot",
            &body,
            "application/json",
            &[
                ("x-hubspot-signature-v3", sig),
                ("x-hubspot-request-timestamp", ts),
                ("x-forwarded-proto", "https".into()),
                ("x-forwarded-host", "hooks.ourbus.example".into()),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn a_malformed_event_refuses_the_whole_batch() {
    let app = spawn_app().await;
    let mut events = hubspot_events(&app, 505);
    events[1].as_object_mut().unwrap().remove("objectId");
    let body = events.to_string();
    let url = local_url(&app, "/hooks/hubspot");
    let res = post_hubspot(
        &app,
        "/hooks/hubspot",
        &url,
        &body,
        app.now() * 1000,
        HUBSPOT_SECRET,
    )
    .await;
    let (status, reply_body) = reply(res).await;
    assert_eq!(status, 422, "{reply_body}");
    assert_eq!(reply_body["field"], "[1].objectId");
    nothing_stored(&app).await;
}

// ---- Zoho Desk ----

async fn post_zoho(
    app: &TestApp,
    query: &str,
    body: &str,
    headers: &[(&str, String)],
) -> reqwest::Response {
    app.post_raw(
        &format!("/hooks/zoho{query}"),
        body,
        "application/json",
        headers,
    )
    .await
}

/// A hand-written Zoho Desk fixture (its events are at 13:59:30 to 14:17:40 UTC on the day the
/// test clock starts, 14:00).
fn zoho_events(name: &str) -> String {
    fixture(&format!("zoho_desk/{name}"))
}

#[tokio::test]
async fn zoho_ticket_update_and_reply_with_the_token_in_the_url() {
    let app = spawn_app().await;
    let token = format!("?token={ZOHO_TOKEN}");
    // Zoho's check when the webhook is saved: a GET that must get 200.
    let res = app.get(&format!("/hooks/zoho{token}")).await;
    assert_eq!(res.status(), 200);

    let res = post_zoho(
        &app,
        &token,
        &zoho_events("ticket_add.handwritten.json"),
        &[],
    )
    .await;
    let (status, body) = reply(res).await;
    assert_eq!(status, 200, "{body}");
    let id = body["tickets"][0].as_i64().expect("a ticket id");
    assert_eq!(
        body["results"][1]["ignored"],
        "Zoho Desk event `Contact_Add` is not used"
    );
    drain(&app).await;
    let cards = posts_in(&app, QUEUE).await;
    assert_eq!(cards.len(), 1, "{cards:?}");
    assert!(
        text_of(&cards[0]).contains("Missed call from +1 555 0100"),
        "{}",
        cards[0]
    );
    let t = ticket(&app, id).await;
    assert_eq!(
        (t.helpdesk.as_str(), t.external_id.as_str(), t.kind.as_str()),
        ("zoho", "31138000012001001", "missed_call")
    );
    assert_eq!((t.priority.as_str(), t.status.as_str()), ("high", "open"));
    assert_eq!(t.department.as_deref(), Some("Paid Support"));
    assert_eq!(t.customer_name.as_deref(), Some("Ana Lima"));
    assert_eq!(t.customer_phone.as_deref(), Some("+1 555 0100"));

    let res = post_zoho(
        &app,
        &token,
        &zoho_events("ticket_update.handwritten.json"),
        &[],
    )
    .await;
    let (status, body) = reply(res).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["tickets"], json!([id, id]), "status and priority");
    drain(&app).await;
    let t = ticket(&app, id).await;
    assert_eq!((t.status.as_str(), t.priority.as_str()), ("pending", "low"));

    let thread = zoho_events("thread_add.handwritten.json");
    let res = post_zoho(&app, &token, &thread, &[]).await;
    let (status, body) = reply(res).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["results"][1]["ignored"],
        "thread direction `out` (not from the customer)"
    );
    drain(&app).await;
    assert!(thread_replies(&app).await.iter().any(|r| r["text"]
        .as_str()
        .unwrap()
        .contains("I can be reached after 5pm.")));
    assert!(ticket(&app, id).await.customer_replied_at.is_some());

    // A redelivery of the reply is a duplicate, by the header token this time.
    let res = post_zoho(&app, "", &thread, &[("x-cxbot-token", ZOHO_TOKEN.into())]).await;
    let (status, body) = reply(res).await;
    assert_eq!(
        (status, &body["results"][0]["duplicate"]),
        (200, &json!(true)),
        "{body}"
    );
    assert_eq!(ticket_count(&app).await, 1);
}

#[tokio::test]
async fn zoho_answers_ignored_events_and_its_validation_post_with_200() {
    let app = spawn_app().await;
    let token = format!("?token={ZOHO_TOKEN}");
    let res = post_zoho(&app, &token, "", &[]).await;
    assert_eq!(res.status(), 200, "an empty POST is Zoho's validation");
    let only_contact = json!([{"eventType": "Contact_Add", "orgId": "1", "payload": {"id": "2"}}]);
    let (status, body) = reply(post_zoho(&app, &token, &only_contact.to_string(), &[]).await).await;
    assert_eq!(status, 200, "Zoho counts anything but 200 as a failure");
    assert_eq!(body["ignored"], "Zoho Desk event `Contact_Add` is not used");
    nothing_stored(&app).await;
}

#[tokio::test]
async fn zoho_without_the_right_token_is_401_and_stores_nothing() {
    let app = spawn_app().await;
    let body = zoho_events("ticket_add.handwritten.json");
    for (query, headers) in [
        ("", vec![]),
        ("?token=wrong", vec![]),
        ("?token=zoho-toke", vec![]),
        ("?tok=zoho-token", vec![]),
        ("", vec![("x-cxbot-token", "wrong".to_string())]),
    ] {
        let res = post_zoho(&app, query, &body, &headers).await;
        assert_eq!(res.status(), 401, "{query} {headers:?}");
    }
    assert_eq!(app.get("/hooks/zoho?token=wrong").await.status(), 401);
    assert_eq!(app.get("/hooks/zoho").await.status(), 401);
    nothing_stored(&app).await;
}

fn no_native_secrets(s: &mut Settings) {
    s.intercom_client_secret = None;
    s.hubspot_client_secret = None;
    s.zoho_webhook_token = Some("   ".into());
}

#[tokio::test]
async fn a_helpdesk_whose_secret_is_unset_is_refused() {
    let app = spawn_app_with(TestOptions {
        settings: Some(no_native_secrets),
        ..Default::default()
    })
    .await;
    let body = intercom_notification(&app, "conversation.user.created", "notif_1", 60).to_string();
    let res = post_intercom(
        &app,
        &body,
        Some(sign_intercom(body.as_bytes(), INTERCOM_SECRET)),
    )
    .await;
    assert_eq!(res.status(), 401, "INTERCOM_CLIENT_SECRET unset");
    let events = hubspot_events(&app, 506).to_string();
    let url = local_url(&app, "/hooks/hubspot");
    let res = post_hubspot(
        &app,
        "/hooks/hubspot",
        &url,
        &events,
        app.now() * 1000,
        HUBSPOT_SECRET,
    )
    .await;
    assert_eq!(res.status(), 401, "HUBSPOT_CLIENT_SECRET unset");
    let res = post_zoho(
        &app,
        "?token=%20%20%20",
        &zoho_events("ticket_add.handwritten.json"),
        &[],
    )
    .await;
    assert_eq!(res.status(), 401, "ZOHO_WEBHOOK_TOKEN blank is unset");
    nothing_stored(&app).await;
}
