//! No secret in any log line or response: a representative set of flows (webhooks accepted
//! and refused on every helpdesk endpoint, commands, clicks, an event, the worker posting,
//! Slack failing, helpdesk write-back) run with every log at TRACE captured in memory, with
//! distinctive values for every configured token, signing secret and helpdesk key; none of
//! them may appear in the log or in any answer.

use crate::helpers::*;
use chrono::SecondsFormat;
use cxbot::clock::Clock;
use cxbot::config::Settings;
use cxbot::webhooks::auth::{sign_generic, sign_intercom, sign_zendesk};
use serde_json::json;
use std::io::Write;
use std::sync::Mutex;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

const BOT_TOKEN_X: &str = "xoxb-SECRET-bot-7f3a91c2";
const SIGNING_X: &str = "SECRET-signing-5be0d4a8";
const FD_HOOK_X: &str = "SECRET-fd-hook-0c9e12aa";
const ZD_HOOK_X: &str = "SECRET-zd-hook-9d1f7b33";
const GENERIC_X: &str = "SECRET-generic-41aa07ee";
const INTERCOM_X: &str = "SECRET-intercom-c3d2e1f0";
const HUBSPOT_X: &str = "SECRET-hubspot-77b6a5c4";
const ZOHO_X: &str = "SECRET-zoho-0f1e2d3c";
const FD_API_X: &str = "SECRET-fd-api-a1b2c3d4";
const ZD_API_X: &str = "SECRET-zd-api-e5f6a7b8";

const ALL: &[&str] = &[
    BOT_TOKEN_X,
    SIGNING_X,
    FD_HOOK_X,
    ZD_HOOK_X,
    GENERIC_X,
    INTERCOM_X,
    HUBSPOT_X,
    ZOHO_X,
    FD_API_X,
    ZD_API_X,
];

fn distinctive(s: &mut Settings) {
    s.slack_bot_token = Some(BOT_TOKEN_X.into());
    s.slack_signing_secret = Some(SIGNING_X.into());
    s.freshdesk_webhook_token = Some(FD_HOOK_X.into());
    s.zendesk_webhook_secret = Some(ZD_HOOK_X.into());
    s.cxbot_webhook_secret = Some(GENERIC_X.into());
    s.intercom_client_secret = Some(INTERCOM_X.into());
    s.hubspot_client_secret = Some(HUBSPOT_X.into());
    s.zoho_webhook_token = Some(ZOHO_X.into());
    s.freshdesk_api_key = Some(FD_API_X.into());
    s.zendesk_api_token = Some(ZD_API_X.into());
    s.log = "trace".into();
}

/// Where captured lines go.
static CAPTURED: Mutex<Vec<u8>> = Mutex::new(Vec::new());

thread_local! {
    /// Set on the thread of the test that captures: only its events are written.
    static CAPTURING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

struct Buffer;

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        CAPTURED.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A process-wide subscriber (a scoped one loses events to callsites other tests register
/// concurrently) that writes every level, `log` records included, but only for events on
/// a thread that is capturing; other tests' events are skipped by one thread-local check.
fn capture_on_this_thread() {
    use tracing_subscriber::filter::dynamic_filter_fn;
    use tracing_subscriber::prelude::*;
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        let layer = tracing_subscriber::fmt::layer()
            .with_ansi(false)
            .with_writer(|| Buffer)
            // Asked per event: a plain `filter_fn` decides once per callsite, on whichever
            // thread reaches it first.
            .with_filter(dynamic_filter_fn(|_, _| CAPTURING.with(|c| c.get())));
        tracing_subscriber::registry()
            .with(layer)
            .try_init()
            .expect("no other global subscriber in the test binary");
    });
    CAPTURING.with(|c| c.set(true));
}

fn slack_signed(app: &TestApp, body: &str) -> Vec<(&'static str, String)> {
    let ts = app.now();
    vec![
        ("x-slack-request-timestamp", ts.to_string()),
        (
            "x-slack-signature",
            cxbot::slack::verify::sign(SIGNING_X.as_bytes(), &ts.to_string(), body.as_bytes()),
        ),
    ]
}

/// Every flow of this test, on a current-thread runtime so the app's tasks log through the
/// subscriber this thread installed.
#[tokio::test]
async fn no_configured_secret_appears_in_any_log_line_or_answer() {
    capture_on_this_thread();

    let helpdesk = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(401).set_body_json(json!({"code": "invalid_credentials"})),
        )
        .mount(&helpdesk)
        .await;
    let app = spawn_app_with(TestOptions {
        settings: Some(distinctive),
        freshdesk_url: Some(helpdesk.uri()),
        zendesk_url: Some(helpdesk.uri()),
        ..Default::default()
    })
    .await;
    let mut answers = Vec::new();

    // Webhooks: accepted with the right secret, refused with a wrong one, on each endpoint.
    let fd = crate::intake::freshdesk_missed_call(11, "+1 555 0100").to_string();
    for token in [FD_HOOK_X, "wrong"] {
        let r = app
            .post_raw(
                "/hooks/freshdesk",
                &fd,
                "application/json",
                &[("x-cxbot-token", token.into())],
            )
            .await;
        answers.push(r.text().await.unwrap());
    }
    let generic = json!({"id": "e1", "type": "ticket", "occurred_at": "2026-11-23T13:59:00Z",
                         "helpdesk": "zoho", "ticket": {"id": "7", "subject": "Refund"}})
    .to_string();
    let ts = app.now();
    let r = app
        .post_raw(
            "/hooks/generic",
            &generic,
            "application/json",
            &[
                ("x-cxbot-timestamp", ts.to_string()),
                (
                    "x-cxbot-signature",
                    sign_generic(ts, generic.as_bytes(), GENERIC_X),
                ),
            ],
        )
        .await;
    answers.push(r.text().await.unwrap());
    let zd = std::fs::read_to_string(format!(
        "{}/tests/fixtures/helpdesk/zendesk/trigger_payload.ticket_update.zendesk_go.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let zts = app.clock.now().to_rfc3339_opts(SecondsFormat::Secs, true);
    for secret in [ZD_HOOK_X, "wrong"] {
        let r = app
            .post_raw(
                "/hooks/zendesk",
                &zd,
                "application/json",
                &[
                    (
                        "x-zendesk-webhook-signature",
                        sign_zendesk(&zts, zd.as_bytes(), secret),
                    ),
                    ("x-zendesk-webhook-signature-timestamp", zts.clone()),
                ],
            )
            .await;
        answers.push(r.text().await.unwrap());
    }
    let ic = std::fs::read_to_string(format!(
        "{}/tests/fixtures/helpdesk/intercom/conversation.user.created.intercom_archive.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    for secret in [INTERCOM_X, "wrong"] {
        let r = app
            .post_raw(
                "/hooks/intercom",
                &ic,
                "application/json",
                &[("x-hub-signature", sign_intercom(ic.as_bytes(), secret))],
            )
            .await;
        answers.push(r.text().await.unwrap());
    }
    let zoho = std::fs::read_to_string(format!(
        "{}/tests/fixtures/helpdesk/zoho_desk/ticket_add.handwritten.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    for token in [ZOHO_X, "wrong"] {
        let r = app
            .post_raw(
                &format!("/hooks/zoho?token={token}"),
                &zoho,
                "application/json",
                &[],
            )
            .await;
        answers.push(r.text().await.unwrap());
        answers.push(
            app.get(&format!("/hooks/zoho?token={token}"))
                .await
                .text()
                .await
                .unwrap(),
        );
    }
    let r = app
        .post_raw(
            "/hooks/hubspot",
            "[]",
            "application/json",
            &[("x-hubspot-signature-v3", "d3Jvbmc=".into())],
        )
        .await;
    answers.push(r.text().await.unwrap());

    // Slack: a command, a click, an event, a bad signature.
    let cmd = serde_urlencoded::to_string([
        ("user_id", "U0AGENT01"),
        ("command", "/cx"),
        ("text", "claim 11"),
        ("trigger_id", &trigger_id()),
    ])
    .unwrap();
    let headers = slack_signed(&app, &cmd);
    let r = app
        .post_raw(
            "/slack/commands",
            &cmd,
            "application/x-www-form-urlencoded",
            &headers,
        )
        .await;
    answers.push(r.text().await.unwrap());
    let r = app
        .post_raw(
            "/slack/commands",
            &cmd,
            "application/x-www-form-urlencoded",
            &[
                ("x-slack-request-timestamp", app.now().to_string()),
                ("x-slack-signature", "v0=00".into()),
            ],
        )
        .await;
    answers.push(r.text().await.unwrap());
    let click = json!({"type": "block_actions", "user": {"id": "U0AGENT02"}, "trigger_id": trigger_id(),
        "channel": {"id": "C0QUEUE01"}, "message": {"ts": "1.2"},
        "actions": [{"action_id": "cx_release", "block_id": "b", "value": "1"}]});
    let body = serde_urlencoded::to_string([("payload", click.to_string())]).unwrap();
    let headers = slack_signed(&app, &body);
    let r = app
        .post_raw(
            "/slack/interactivity",
            &body,
            "application/x-www-form-urlencoded",
            &headers,
        )
        .await;
    answers.push(r.text().await.unwrap());
    let event = json!({"type": "event_callback", "event_id": "Ev1", "event_time": app.now(),
        "event": {"type": "app_home_opened", "user": "U0AGENT01", "tab": "home"}})
    .to_string();
    let headers = slack_signed(&app, &event);
    let r = app
        .post_raw("/slack/events", &event, "application/json", &headers)
        .await;
    answers.push(r.text().await.unwrap());

    // The worker: Slack fails once (500), then refuses the token on another call.
    app.slack
        .fail_next("chat.postMessage", 1, ResponseTemplate::new(500))
        .await;
    app.slack
        .fail_next(
            "views.publish",
            1,
            ResponseTemplate::new(200).set_body_json(json!({"ok": false, "error": "invalid_auth"})),
        )
        .await;
    crate::intake::drain(&app).await;
    answers.push(app.get("/metrics").await.text().await.unwrap());

    CAPTURING.with(|c| c.set(false));
    let log = String::from_utf8_lossy(&CAPTURED.lock().unwrap()).to_string();
    std::fs::write(std::env::temp_dir().join("cxbot-secrets-log.txt"), &log).ok();
    assert!(
        log.contains("rejected webhook"),
        "the log was captured: {} bytes: {}",
        log.len(),
        &log[..log.len().min(3000)]
    );
    assert!(
        log.contains("TRACE") || log.contains("DEBUG"),
        "at debug and trace level"
    );
    assert!(
        app.slack.calls_to("chat.postMessage").await.len() >= 2,
        "the worker posted, through a failure"
    );
    for secret in ALL {
        assert!(!log.contains(secret), "{secret} is in the log");
        for a in &answers {
            assert!(!a.contains(secret), "{secret} is in an answer: {a}");
        }
    }
}
