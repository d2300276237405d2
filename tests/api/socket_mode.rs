//! Socket Mode end to end against a local WebSocket server that speaks Slack's envelope
//! protocol: the fake Slack's apps.connections.open hands out its ws:// URL, the server
//! says hello and sends envelopes (slash_commands, interactive, events_api, disconnect)
//! and records what cxbot sends back. Each envelope must be acknowledged once, within
//! Slack's 3 s, and acted on once (the row stored, the Slack call made).

use crate::helpers::*;
use crate::intake::{deliver, drain, freshdesk_missed_call, ticket};
use cxbot::config::playbook::EXAMPLE_PLAYBOOK;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

const AGENT: &str = "U0AGENT01";
const OTHER: &str = "U0AGENT02";
/// Opens the App Home and claims nothing (a claim refreshes its claimer's home).
const VISITOR: &str = "U0AGENT03";
/// Slack's limit for an acknowledgement.
const ACK_LIMIT: Duration = Duration::from_secs(3);

/// The Socket Mode side of the fake Slack: every connection cxbot opens, in order.
struct SlackSocketServer {
    url: String,
    connections: mpsc::UnboundedReceiver<Connection>,
}

impl SlackSocketServer {
    async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("ws://{}/link/", listener.local_addr().unwrap());
        let (tx, connections) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let tx = tx.clone();
                tokio::spawn(async move {
                    let path = Arc::new(Mutex::new(String::new()));
                    let seen = path.clone();
                    // The signature is tungstenite's handshake callback's.
                    #[allow(clippy::result_large_err)]
                    let record = move |req: &Request, res: Response| {
                        *seen.lock().unwrap() = req.uri().to_string();
                        Ok(res)
                    };
                    if let Ok(ws) = tokio_tungstenite::accept_hdr_async(tcp, record).await {
                        let path = path.lock().unwrap().clone();
                        let _ = tx.send(Connection { ws, path });
                    }
                });
            }
        });
        Self { url, connections }
    }

    /// The next connection cxbot opens.
    async fn accept(&mut self) -> Connection {
        tokio::time::timeout(Duration::from_secs(10), self.connections.recv())
            .await
            .expect("cxbot connected within 10 s")
            .expect("the server runs")
    }
}

struct Connection {
    ws: WebSocketStream<TcpStream>,
    /// The URL cxbot connected to (`/link/?ticket=N`).
    path: String,
}

impl Connection {
    async fn send(&mut self, frame: Value) {
        self.ws
            .send(Message::text(frame.to_string()))
            .await
            .expect("frame sent");
    }

    async fn hello(&mut self) {
        self.send(json!({
            "type": "hello", "num_connections": 1,
            "connection_info": {"app_id": "A0001"},
            "debug_info": {"host": "applink-test", "build_number": 1, "approximate_connection_time": 3600}
        }))
        .await;
    }

    /// The next text frame within `within`; None on a timeout or a closed connection.
    async fn next_frame(&mut self, within: Duration) -> Option<Value> {
        let deadline = Instant::now() + within;
        loop {
            let left = deadline.checked_duration_since(Instant::now())?;
            match tokio::time::timeout(left, self.ws.next()).await {
                Err(_) => return None,
                Ok(None | Some(Err(_)) | Some(Ok(Message::Close(_)))) => return None,
                Ok(Some(Ok(Message::Text(t)))) => {
                    return Some(serde_json::from_str(t.as_str()).expect("cxbot sends JSON"))
                }
                Ok(Some(Ok(_))) => continue,
            }
        }
    }

    /// Whether cxbot closes the connection within `within` (sending nothing else first).
    async fn closes_within(&mut self, within: Duration) -> bool {
        match tokio::time::timeout(within, self.ws.next()).await {
            Err(_) => false,
            Ok(None | Some(Err(_)) | Some(Ok(Message::Close(_)))) => true,
            Ok(Some(Ok(other))) => panic!("expected a close, got {other:?}"),
        }
    }

    /// Sends an envelope and returns its acknowledgement, which must come within 3 s.
    async fn deliver(&mut self, envelope: Value) -> Value {
        let id = envelope["envelope_id"].as_str().unwrap().to_string();
        let sent = Instant::now();
        self.send(envelope).await;
        let ack = self
            .next_frame(ACK_LIMIT)
            .await
            .unwrap_or_else(|| panic!("no acknowledgement of {id} within 3 s"));
        assert!(sent.elapsed() < ACK_LIMIT);
        assert_eq!(ack["envelope_id"], id.as_str(), "{ack}");
        ack
    }

    /// Nothing more arrives for a while: every envelope was acknowledged only once.
    async fn assert_quiet(&mut self) {
        if let Some(extra) = self.next_frame(Duration::from_millis(300)).await {
            panic!("unexpected frame: {extra}");
        }
    }
}

fn slash_command(envelope_id: &str, user: &str, text: &str) -> Value {
    json!({
        "envelope_id": envelope_id, "type": "slash_commands", "accepts_response_payload": true,
        "payload": {
            "token": "legacy", "team_id": "T0001", "team_domain": "example",
            "channel_id": "C0QUEUE01", "channel_name": "cx-queue", "user_id": user,
            "user_name": user.to_lowercase(), "command": "/cx", "text": text,
            "api_app_id": "A0001", "is_enterprise_install": "false",
            "response_url": "https://hooks.slack.com/commands/T0001/1/x", "trigger_id": "111.222.trigger"
        }
    })
}

fn click(envelope_id: &str, user: &str, action_id: &str, value: &str) -> Value {
    json!({
        "envelope_id": envelope_id, "type": "interactive", "accepts_response_payload": false,
        "payload": {
            "type": "block_actions",
            "user": {"id": user, "username": user.to_lowercase(), "team_id": "T0001"},
            "api_app_id": "A0001", "trigger_id": "111.222.trigger",
            "team": {"id": "T0001", "domain": "example"},
            "container": {"type": "message", "message_ts": "1700000000.000002", "channel_id": "C0QUEUE01"},
            "channel": {"id": "C0QUEUE01", "name": "cx-queue"},
            "message": {"ts": "1700000000.000002", "type": "message"},
            "response_url": "https://hooks.slack.com/actions/T0001/1/x",
            "actions": [{"type": "button", "action_id": action_id, "block_id": "b", "value": value, "action_ts": "1700000000.1"}]
        }
    })
}

fn home_opened(envelope_id: &str, event_id: &str, user: &str, retry: u32) -> Value {
    json!({
        "envelope_id": envelope_id, "type": "events_api", "accepts_response_payload": false,
        "retry_attempt": retry, "retry_reason": if retry == 0 { "" } else { "timeout" },
        "payload": {
            "token": "legacy", "team_id": "T0001", "api_app_id": "A0001", "type": "event_callback",
            "event_id": event_id, "event_time": 1700000000,
            "event": {"type": "app_home_opened", "user": user, "channel": "D0001", "tab": "home", "event_ts": "1700000000.1"}
        }
    })
}

fn team_playbook() -> String {
    format!(
        "{EXAMPLE_PLAYBOOK}\n[[team.member]]\nslack_id = \"{AGENT}\"\nname = \"Ana\"\nlevel = \"L1\"\n\
         [[team.member]]\nslack_id = \"{OTHER}\"\nname = \"Ben\"\nlevel = \"L2\"\n"
    )
}

async fn socket_app(backend: Backend, server: &SlackSocketServer) -> TestApp {
    spawn_app_with(TestOptions {
        backend,
        playbook: Some(team_playbook()),
        socket_url: Some(server.url.clone()),
        ..Default::default()
    })
    .await
}

async fn audit_sources(app: &TestApp, id: i64) -> Vec<String> {
    let audit = app.state.services.store.audit_for(id).await.unwrap();
    audit.into_iter().map(|a| a.source).collect()
}

#[tokio::test]
async fn a_command_a_button_and_an_event_are_each_acked_once_and_acted_on_once() {
    for backend in backends() {
        let mut server = SlackSocketServer::start().await;
        let app = socket_app(backend, &server).await;
        let mut conn = server.accept().await;
        assert_eq!(conn.path, "/link/?ticket=1");
        let opened = app.slack.server.received_requests().await.unwrap();
        let open = opened
            .iter()
            .find(|r| r.url.path() == "/apps.connections.open")
            .expect("cxbot asked for a WebSocket URL");
        assert_eq!(
            open.headers.get("authorization").unwrap(),
            &format!("Bearer {APP_TOKEN}"),
            "with the app-level token"
        );
        conn.hello().await;
        // Helpdesk webhooks still come in over HTTP.
        let claimed_by_command =
            deliver(&app, "freshdesk", &freshdesk_missed_call(11, "+1 555 0100")).await;
        let claimed_by_button =
            deliver(&app, "freshdesk", &freshdesk_missed_call(12, "+1 555 0101")).await;
        drain(&app).await;
        let updates_before = app.slack.calls_to("chat.update").await.len();
        let events_before = app.state.services.store.event_count().await.unwrap();

        // A slash command: the ephemeral reply is the acknowledgement's payload.
        let ack = conn
            .deliver(slash_command("env-cmd-1", AGENT, "claim #11"))
            .await;
        assert_eq!(ack["payload"]["response_type"], "ephemeral", "{ack}");
        let said = ack["payload"]["text"].as_str().unwrap();
        assert!(said.contains("You claimed #11"), "{said}");
        assert!(ack["payload"]["blocks"].is_array(), "{ack}");
        assert_eq!(
            ticket(&app, claimed_by_command).await.claimed_by.as_deref(),
            Some(AGENT)
        );
        assert_eq!(
            audit_sources(&app, claimed_by_command).await,
            vec!["command"]
        );

        // A button: a bare acknowledgement, the work done once.
        let ack = conn
            .deliver(click(
                "env-btn-1",
                OTHER,
                "cx_claim",
                &claimed_by_button.to_string(),
            ))
            .await;
        assert_eq!(ack, json!({"envelope_id": "env-btn-1"}));
        assert_eq!(
            ticket(&app, claimed_by_button).await.claimed_by.as_deref(),
            Some(OTHER)
        );
        assert_eq!(audit_sources(&app, claimed_by_button).await, vec!["button"]);

        // An event, delivered twice (Slack's retry of the same event_id in a new envelope):
        // both acknowledged, acted on once.
        let ack = conn
            .deliver(home_opened("env-evt-1", "Ev0SOCKET1", VISITOR, 0))
            .await;
        assert_eq!(ack, json!({"envelope_id": "env-evt-1"}));
        let ack = conn
            .deliver(home_opened("env-evt-2", "Ev0SOCKET1", VISITOR, 1))
            .await;
        assert_eq!(ack, json!({"envelope_id": "env-evt-2"}));
        let events = app.state.services.store.event_count().await.unwrap();
        assert_eq!(
            events - events_before,
            1,
            "one event recorded for two deliveries"
        );

        // /cx help over the socket: the same words as over HTTP.
        let ack = conn
            .deliver(slash_command("env-cmd-2", AGENT, "help"))
            .await;
        assert_eq!(
            ack["payload"],
            app.command(AGENT, "help").await,
            "{backend:?}"
        );

        conn.assert_quiet().await;
        drain(&app).await;
        let published: Vec<Value> = app
            .slack
            .calls_to("views.publish")
            .await
            .into_iter()
            .filter(|p| p["user_id"] == VISITOR)
            .collect();
        assert_eq!(
            published.len(),
            1,
            "one home tab for two deliveries, {backend:?}"
        );
        assert_eq!(published[0]["view"]["type"], "home");
        let updates = app.slack.calls_to("chat.update").await;
        let claimed: Vec<&Value> = updates[updates_before..]
            .iter()
            .filter(|u| u.to_string().contains("Claimed by"))
            .collect();
        assert_eq!(claimed.len(), 2, "each card updated once: {claimed:?}");
        let ts: Vec<&str> = claimed.iter().map(|u| u["ts"].as_str().unwrap()).collect();
        assert_ne!(ts[0], ts[1], "two different cards");
        assert_eq!(app.slack.calls_to("apps.connections.open").await.len(), 1);
    }
}

#[tokio::test]
async fn a_modal_error_travels_back_as_the_acknowledgement_payload() {
    let mut server = SlackSocketServer::start().await;
    let _app = socket_app(Backend::Sqlite, &server).await;
    let mut conn = server.accept().await;
    conn.hello().await;
    let submission = json!({
        "envelope_id": "env-view-1", "type": "interactive", "accepts_response_payload": true,
        "payload": {
            "type": "view_submission",
            "user": {"id": AGENT, "username": "ana", "team_id": "T0001"},
            "view": {"id": "V1", "callback_id": "cx_record_caller_modal", "private_metadata": "",
                     "state": {"values": {}}}
        }
    });
    let ack = conn.deliver(submission).await;
    assert_eq!(ack["payload"]["response_action"], "errors", "{ack}");
    assert!(
        ack["payload"]["errors"]["caller_name"]
            .as_str()
            .unwrap()
            .contains("lost its ticket"),
        "{ack}"
    );
    conn.assert_quiet().await;
}

#[tokio::test]
async fn after_a_disconnect_it_opens_a_new_connection_and_is_served_there() {
    let mut server = SlackSocketServer::start().await;
    let app = socket_app(Backend::Sqlite, &server).await;
    let mut first = server.accept().await;
    assert_eq!(first.path, "/link/?ticket=1");
    first.hello().await;
    let ack = first.deliver(slash_command("env-1", AGENT, "queue")).await;
    assert_eq!(ack["payload"]["response_type"], "ephemeral");

    let asked = Instant::now();
    first
        .send(json!({"type": "disconnect", "reason": "refresh_requested", "debug_info": {"host": "wss-test"}}))
        .await;
    let mut second = server.accept().await;
    assert!(
        asked.elapsed() < Duration::from_secs(1),
        "reconnected promptly, not after a backoff: {:?}",
        asked.elapsed()
    );
    assert_eq!(
        second.path, "/link/?ticket=2",
        "a fresh URL from apps.connections.open"
    );
    assert_eq!(app.slack.calls_to("apps.connections.open").await.len(), 2);
    assert!(
        first.closes_within(Duration::from_secs(2)).await,
        "the old connection is closed"
    );

    second.hello().await;
    let ack = second
        .deliver(home_opened("env-2", "Ev0AFTER01", AGENT, 0))
        .await;
    assert_eq!(ack, json!({"envelope_id": "env-2"}));
    let ack = second
        .deliver(slash_command("env-3", AGENT, "clam 4521"))
        .await;
    assert!(
        ack["payload"]["text"]
            .as_str()
            .unwrap()
            .contains("`clam` is not a /cx subcommand"),
        "{ack}"
    );
    second.assert_quiet().await;
    app.run_pending_jobs().await;
    assert_eq!(app.slack.calls_to("views.publish").await.len(), 1);
}

#[tokio::test]
async fn without_a_signing_secret_http_slack_requests_are_refused_and_the_rest_is_served() {
    let mut server = SlackSocketServer::start().await;
    let app = spawn_app_with(TestOptions {
        socket_url: Some(server.url.clone()),
        settings: Some(|s| s.slack_signing_secret = None),
        ..Default::default()
    })
    .await;
    let mut conn = server.accept().await;
    conn.hello().await;
    let res = app.command_raw(AGENT, "help").await;
    assert_eq!(res.status(), 401, "nothing can verify a /slack/* request");
    assert_eq!(app.get("/healthz").await.status(), 200);
    let ack = conn.deliver(slash_command("env-1", AGENT, "help")).await;
    assert_eq!(ack["payload"]["response_type"], "ephemeral");
}

#[tokio::test]
async fn a_connection_lost_without_a_disconnect_is_reopened_after_a_backoff() {
    let mut server = SlackSocketServer::start().await;
    let app = socket_app(Backend::Sqlite, &server).await;
    let first = server.accept().await;
    let lost = Instant::now();
    drop(first);
    let mut second = server.accept().await;
    let waited = lost.elapsed();
    assert!(
        waited >= Duration::from_millis(900) && waited < Duration::from_secs(3),
        "the first backoff is 1 s: {waited:?}"
    );
    assert_eq!(second.path, "/link/?ticket=2");
    second.hello().await;
    let ack = second.deliver(slash_command("env-1", AGENT, "help")).await;
    assert_eq!(ack["payload"]["response_type"], "ephemeral");
    assert_eq!(app.slack.calls_to("apps.connections.open").await.len(), 2);
}

/// Slack's URLs are wss://: the handshake goes through rustls (the crypto provider the app
/// installs at start). A server that is not TLS fails the handshake; cxbot keeps running
/// and asks for a new URL after the backoff.
#[tokio::test]
async fn a_failed_tls_handshake_is_retried_after_a_backoff() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("wss://{}/link/", listener.local_addr().unwrap());
    let accepted = tokio::spawn(async move {
        let mut n = 0;
        while n < 2 {
            let (tcp, _) = listener.accept().await.unwrap();
            drop(tcp);
            n += 1;
        }
        n
    });
    let app = spawn_app_with(TestOptions {
        socket_url: Some(url),
        ..Default::default()
    })
    .await;
    let tries = tokio::time::timeout(Duration::from_secs(5), accepted)
        .await
        .expect("a second attempt within the backoff")
        .unwrap();
    assert_eq!(tries, 2);
    assert!(app.slack.calls_to("apps.connections.open").await.len() >= 2);
    assert_eq!(app.get("/healthz").await.status(), 200, "still serving");
}
