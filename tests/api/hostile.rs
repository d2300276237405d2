//! Hostile input at the HTTP edge: bodies at and over the size limit, deep JSON nesting,
//! invalid UTF-8, wrong content types, huge numbers, duplicate signature headers, unicode
//! everywhere, and customer text that tries to @channel or plant a link in the card. Each
//! ends in a 4xx naming what was wrong (and nothing stored) or in a card that shows the
//! text harmlessly. The parsers' own property tests (arbitrary bytes, mutated fixtures) sit
//! beside them in `src/`.

use crate::helpers::*;
use crate::intake::{auth_headers, deliver, drain, generic, hook, posts_in, ticket_count, QUEUE};
use cxbot::slack::routes::MAX_BODY;
use serde_json::{json, Value};

async fn nothing_stored(app: &TestApp) {
    drain(app).await;
    assert_eq!(ticket_count(app).await, 0);
    assert_eq!(app.state.services.store.event_count().await.unwrap(), 0);
    assert!(app.slack.calls_to("chat.postMessage").await.is_empty());
}

/// POSTs raw bytes with the headers given.
async fn post_bytes(
    app: &TestApp,
    path: &str,
    body: Vec<u8>,
    content_type: &str,
    headers: &[(&str, String)],
) -> reqwest::Response {
    let mut req = app
        .client
        .post(format!("{}{path}", app.address))
        .header("content-type", content_type)
        .body(body);
    for (k, v) in headers {
        req = req.header(*k, v);
    }
    req.send().await.expect("request sent")
}

fn slack_headers(app: &TestApp, body: &[u8]) -> Vec<(&'static str, String)> {
    let ts = app.now();
    vec![
        ("x-slack-request-timestamp", ts.to_string()),
        ("x-slack-signature", sign(ts, body)),
    ]
}

async fn error_of(res: reqwest::Response) -> (u16, Value) {
    let status = res.status().as_u16();
    let body = res.json().await.unwrap_or(Value::Null);
    (status, body)
}

#[tokio::test]
async fn a_body_at_the_limit_is_read_and_one_byte_over_is_413() {
    let app = spawn_app().await;
    // A slash command of exactly MAX_BODY bytes: its text is long, and cxbot says so.
    let head = "user_id=U0AGENT01&command=%2Fcx&trigger_id=t1&text=claim+";
    let body = format!("{head}{}", "9".repeat(MAX_BODY - head.len()));
    assert_eq!(body.len(), MAX_BODY);
    let res = post_bytes(
        &app,
        "/slack/commands",
        body.clone().into_bytes(),
        "application/x-www-form-urlencoded",
        &slack_headers(&app, body.as_bytes()),
    )
    .await;
    assert_eq!(res.status(), 200, "at the limit it is read");
    let over = format!("{body}9");
    let res = post_bytes(
        &app,
        "/slack/commands",
        over.clone().into_bytes(),
        "application/x-www-form-urlencoded",
        &slack_headers(&app, over.as_bytes()),
    )
    .await;
    assert_eq!(res.status(), 413);
    // The same on a webhook, before any signature is looked at.
    let big = format!("{{\"id\": \"{}\"}}", "x".repeat(MAX_BODY));
    let res = app
        .post_raw("/hooks/generic", &big, "application/json", &[])
        .await;
    assert_eq!(res.status(), 413);
    nothing_stored(&app).await;
}

#[tokio::test]
async fn deep_nesting_is_refused_without_a_crash() {
    let app = spawn_app().await;
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let event =
        format!("{{\"type\": \"event_callback\", \"event_id\": \"Ev1\", \"event\": {deep}}}");
    let res = post_bytes(
        &app,
        "/slack/events",
        event.clone().into_bytes(),
        "application/json",
        &slack_headers(&app, event.as_bytes()),
    )
    .await;
    let (status, err) = error_of(res).await;
    assert_eq!(status, 400, "{err}");
    assert!(err["error"]
        .as_str()
        .unwrap()
        .contains("malformed event body"));

    let body = format!("{{\"id\": \"e1\", \"type\": \"ticket\", \"ticket\": {deep}}}");
    let headers = auth_headers(&app, "generic", &body);
    let res = app
        .post_raw("/hooks/generic", &body, "application/json", &headers)
        .await;
    let (status, err) = error_of(res).await;
    assert_eq!(status, 422, "{err}");
    assert_eq!(err["field"], "body", "{err}");
    nothing_stored(&app).await;
}

#[tokio::test]
async fn invalid_utf8_is_a_4xx_naming_the_body() {
    let app = spawn_app().await;
    let mut body = b"user_id=U0AGENT01&command=%2Fcx&trigger_id=t1&text=claim+".to_vec();
    body.extend_from_slice(&[0xff, 0xfe, 0xc3, 0x28]);
    let res = post_bytes(
        &app,
        "/slack/commands",
        body.clone(),
        "application/x-www-form-urlencoded",
        &slack_headers(&app, &body),
    )
    .await;
    let status = res.status().as_u16();
    assert!(
        status == 200 || status == 400,
        "a command with broken text is answered or refused, never a 5xx: {status}"
    );

    let mut json_body = br#"{"type": "event_callback", "event_id": "Ev1", "event": {"type": "app_home_opened", "user": ""#.to_vec();
    json_body.extend_from_slice(&[0xff, 0xfe]);
    json_body.extend_from_slice(br#""}}"#);
    let res = post_bytes(
        &app,
        "/slack/events",
        json_body.clone(),
        "application/json",
        &slack_headers(&app, &json_body),
    )
    .await;
    assert_eq!(res.status(), 400);

    let mut hook_body = br#"{"id": "e1", "type": "ticket", "occurred_at": "2026-11-23T13:59:00Z", "ticket": {"id": ""#.to_vec();
    hook_body.extend_from_slice(&[0xc3, 0x28]);
    hook_body.extend_from_slice(br#""}}"#);
    let ts = app.now();
    let sig = cxbot::webhooks::auth::sign_generic(ts, &hook_body, "cx-secret");
    let res = post_bytes(
        &app,
        "/hooks/generic",
        hook_body,
        "application/json",
        &[
            ("x-cxbot-timestamp", ts.to_string()),
            ("x-cxbot-signature", sig),
        ],
    )
    .await;
    let (status, err) = error_of(res).await;
    assert_eq!(status, 422, "{err}");
    assert_eq!(err["field"], "body");
    nothing_stored(&app).await;
}

#[tokio::test]
async fn wrong_content_types_are_refused_by_what_the_body_lacks() {
    let app = spawn_app().await;
    // JSON sent to the form endpoints: no `user_id` field, no `payload` field.
    let json_body = json!({"user_id": "U0AGENT01", "text": "claim 1"}).to_string();
    let res = post_bytes(
        &app,
        "/slack/commands",
        json_body.clone().into_bytes(),
        "application/json",
        &slack_headers(&app, json_body.as_bytes()),
    )
    .await;
    let (status, err) = error_of(res).await;
    assert_eq!(status, 400, "{err}");
    assert!(err["error"]
        .as_str()
        .unwrap()
        .contains("malformed slash command"));
    // A new second: the same body and time again would be the same signature, a replay.
    app.advance(chrono::Duration::seconds(1));
    let res = post_bytes(
        &app,
        "/slack/interactivity",
        json_body.clone().into_bytes(),
        "application/json",
        &slack_headers(&app, json_body.as_bytes()),
    )
    .await;
    let (status, err) = error_of(res).await;
    assert_eq!(status, 400, "{err}");
    assert!(err["error"].as_str().unwrap().contains("payload"));
    // A form sent to the JSON endpoints.
    app.advance(chrono::Duration::seconds(1));
    let form = "type=event_callback&event_id=Ev1";
    let res = post_bytes(
        &app,
        "/slack/events",
        form.into(),
        "application/x-www-form-urlencoded",
        &slack_headers(&app, form.as_bytes()),
    )
    .await;
    assert_eq!(res.status(), 400);
    let headers = auth_headers(&app, "generic", form);
    let res = app
        .post_raw("/hooks/generic", form, "text/plain", &headers)
        .await;
    let (status, err) = error_of(res).await;
    assert_eq!(status, 422, "{err}");
    assert_eq!(err["field"], "body");
    nothing_stored(&app).await;
}

#[tokio::test]
async fn huge_numbers_are_refused_or_read_as_text_never_a_crash() {
    let app = spawn_app().await;
    for id in [
        json!(1e308),
        json!(u64::MAX),
        json!(-1),
        json!("99999999999999999999999999"),
    ] {
        let res = hook(
            &app,
            "generic",
            &generic("e-big", "ticket", "1", json!({"ticket": {"id": id}})),
        )
        .await;
        let status = res.status().as_u16();
        let body: Value = res.json().await.unwrap();
        assert!(status == 200 || status == 422, "{id}: {status} {body}");
        if status == 422 {
            assert_eq!(body["field"], "ticket.id", "{body}");
        }
    }
    let raw = r#"{"id": "e-huge", "type": "app_review", "occurred_at": "2026-11-23T13:59:00Z",
                  "ticket": {"id": "1"}, "review": {"store": "google_play", "rating": 1e999999}}"#;
    let headers = auth_headers(&app, "generic", raw);
    let res = app
        .post_raw("/hooks/generic", raw, "application/json", &headers)
        .await;
    let (status, err) = error_of(res).await;
    assert_eq!(status, 422, "{err}");
    // Commands and buttons with numbers past i64.
    let reply = app
        .command("U0AGENT01", "claim 99999999999999999999999")
        .await;
    assert!(reply.to_string().len() > 10, "answered: {reply}");
    let res = app
        .click(
            "U0AGENT01",
            "cx_claim",
            "99999999999999999999999",
            Some("1.2"),
        )
        .await;
    assert_eq!(
        res.status(),
        200,
        "an unusable value is acknowledged and ignored"
    );
    let res = app
        .click(
            "U0AGENT01",
            "cx_lease_keep",
            "9223372036854775807:-9223372036854775808",
            Some("1.2"),
        )
        .await;
    assert_eq!(res.status(), 200);
    app.run_pending_jobs().await;
    let res = app.get("/healthz").await;
    assert_eq!(res.status(), 200, "still serving");
}

#[tokio::test]
async fn two_signature_headers_are_refused() {
    let app = spawn_app().await;
    let body = serde_urlencoded::to_string([
        ("user_id", "U0AGENT01"),
        ("command", "/cx"),
        ("text", "help"),
        ("trigger_id", &trigger_id()),
    ])
    .unwrap();
    let good = slack_headers(&app, body.as_bytes());
    for order in [
        vec![
            good[0].clone(),
            good[1].clone(),
            ("x-slack-signature", "v0=00".into()),
        ],
        vec![
            good[0].clone(),
            ("x-slack-signature", "v0=00".into()),
            good[1].clone(),
        ],
    ] {
        let res = post_bytes(
            &app,
            "/slack/commands",
            body.clone().into_bytes(),
            "application/x-www-form-urlencoded",
            &order,
        )
        .await;
        assert_eq!(res.status(), 401, "ambiguous: which one was signed?");
    }
    // Two timestamps, too.
    let two_ts = vec![
        good[0].clone(),
        ("x-slack-request-timestamp", "1".into()),
        good[1].clone(),
    ];
    let res = post_bytes(
        &app,
        "/slack/commands",
        body.clone().into_bytes(),
        "application/x-www-form-urlencoded",
        &two_ts,
    )
    .await;
    assert_eq!(res.status(), 401);
    // And on a webhook: two tokens.
    let fd = crate::intake::freshdesk_missed_call(11, "+1 555 0100").to_string();
    let res = app
        .post_raw(
            "/hooks/freshdesk",
            &fd,
            "application/json",
            &[
                ("x-cxbot-token", "fd-token".into()),
                ("x-cxbot-token", "other".into()),
            ],
        )
        .await;
    assert_eq!(res.status(), 401);
    nothing_stored(&app).await;
    // One of each still works.
    let res = post_bytes(
        &app,
        "/slack/commands",
        body.clone().into_bytes(),
        "application/x-www-form-urlencoded",
        &good,
    )
    .await;
    assert_eq!(res.status(), 200);
}

/// Every string under a Block Kit or message body, with the key it sits under.
fn strings(v: &Value, key: &str, out: &mut Vec<(String, String)>) {
    match v {
        Value::String(s) => out.push((key.to_string(), s.clone())),
        Value::Array(a) => a.iter().for_each(|x| strings(x, key, out)),
        Value::Object(m) => m.iter().for_each(|(k, x)| strings(x, k, out)),
        _ => {}
    }
}

/// The texts Slack parses for mentions and links: the message's `text` and every
/// `mrkdwn` text object (a `plain_text` one is shown as it is, never parsed).
fn parsed_texts(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Array(a) => a.iter().for_each(|x| parsed_texts(x, out)),
        Value::Object(m) => {
            if m.get("type").and_then(Value::as_str) == Some("mrkdwn") {
                if let Some(Value::String(t)) = m.get("text") {
                    out.push(t.clone());
                }
            }
            m.values().for_each(|x| parsed_texts(x, out));
        }
        _ => {}
    }
}

#[tokio::test]
async fn customer_text_cannot_ping_the_channel_or_plant_a_link() {
    let app = spawn_app().await;
    let evil = "<!channel> <http://evil.example|click here> & <@U0LEAD001> <!here> <#C0LEADS01>";
    deliver(
        &app,
        "generic",
        &generic(
            "e-evil",
            "missed_chat",
            "66",
            json!({
                "ticket": {"id": "66", "subject": evil},
                "customer": {"name": "<!everyone> Mallory", "email": "m@evil.example"},
                "message": evil
            }),
        ),
    )
    .await;
    drain(&app).await;
    let cards = posts_in(&app, QUEUE).await;
    assert_eq!(cards.len(), 1);
    let mut parsed = vec![cards[0]["text"].as_str().unwrap().to_string()];
    parsed_texts(&cards[0]["blocks"], &mut parsed);
    let shown = parsed.join("\n");
    assert!(
        shown.contains("&lt;!channel&gt;"),
        "escaped, still shown: {shown}"
    );
    for bad in [
        "<!channel>",
        "<!here>",
        "<!everyone>",
        "<http://evil",
        "<@U0LEAD001>",
        "<#C0LEADS01>",
    ] {
        assert!(
            !shown.contains(bad),
            "{bad} reached Slack unescaped: {shown}"
        );
    }
    assert!(!shown.contains(" & "), "a bare & is escaped too: {shown}");
    // The header repeats the headline as plain_text, which Slack shows as typed.
    assert_eq!(cards[0]["blocks"][0]["text"]["type"], "plain_text");
}

#[tokio::test]
async fn unicode_subjects_and_names_survive_and_are_cut_on_characters() {
    let app = spawn_app().await;
    let subject = format!("Réclamation 退款 🚌💥 עברית e\u{301} {}", "ñ".repeat(4_000));
    deliver(
        &app,
        "generic",
        &generic(
            "e-uni",
            "ticket",
            "77",
            json!({"ticket": {"id": "77", "subject": subject}, "customer": {"name": "Zoë 山田 👩🏽‍💻"}}),
        ),
    )
    .await;
    drain(&app).await;
    let cards = posts_in(&app, QUEUE).await;
    assert_eq!(cards.len(), 1);
    let body = cards[0].to_string();
    assert!(body.contains("退款 🚌💥 עברית"), "{body}");
    assert!(body.contains("Zoë 山田 👩🏽‍💻"), "{body}");
    let mut all = Vec::new();
    strings(&cards[0]["blocks"], "", &mut all);
    for (k, s) in &all {
        if k == "text" {
            assert!(
                s.chars().count() <= 3_000,
                "a block text of {} characters",
                s.chars().count()
            );
        }
    }
    let t = crate::intake::ticket(&app, 1).await;
    assert!(t.subject.unwrap().starts_with("Réclamation 退款"));
}
