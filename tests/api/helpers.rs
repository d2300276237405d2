//! The test harness: `spawn_app()` runs the real app on port 0 with a fresh database and a
//! fake Slack Web API that answers like Slack and records every call; helpers sign
//! requests with the app's injected clock; `run_pending_jobs()` drains the worker.

use chrono::{DateTime, TimeZone, Utc};
use cxbot::app::{AppState, Application, WorkerMode};
use cxbot::clock::ManualClock;
use cxbot::config::{LogFormat, Needs, Settings};
use cxbot::jobs::worker::Worker;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

pub const SIGNING_SECRET: &str = "test-signing-secret-0123456789";
pub const BOT_TOKEN: &str = "xoxb-test-token";
pub const APP_TOKEN: &str = "xapp-1-A0001-test-token";

/// Monday 2026-11-23 09:00 in New York.
pub fn start_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 14, 0, 0).unwrap()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The backends to run store-level tests on: SQLite always, PostgreSQL when
/// TEST_DATABASE_URL is set (and then it must be reachable: no silent skip).
pub fn backends() -> Vec<Backend> {
    let mut b = vec![Backend::Sqlite];
    if std::env::var("TEST_DATABASE_URL").is_ok() {
        b.push(Backend::Postgres);
    }
    b
}

/// A fresh, empty database for one test.
pub struct TestDb {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

/// A store on a fresh database of `backend`, migrated (keep the `TestDb` alive with it).
pub async fn open(backend: Backend) -> (cxbot::db::SharedStore, TestDb) {
    let tdb = fresh_db(backend).await;
    let store = cxbot::db::open(&tdb.url, cxbot::db::OpenMode::Tool)
        .await
        .expect("store opens and migrates");
    (store, tdb)
}

/// The payloads of the pending jobs, in run order.
pub async fn pending_payloads(store: &cxbot::db::SharedStore) -> Vec<String> {
    let jobs = store.list_jobs(cxbot::db::JobState::Pending).await.unwrap();
    jobs.into_iter().map(|j| j.payload).collect()
}

pub async fn fresh_db(backend: Backend) -> TestDb {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}", dir.path().join("cxbot.db").display());
            TestDb {
                url,
                _dir: Some(dir),
            }
        }
        Backend::Postgres => {
            let base = std::env::var("TEST_DATABASE_URL").expect("TEST_DATABASE_URL");
            let name = format!("cxbot_t_{}", uuid::Uuid::new_v4().simple());
            let conn = sqlx::PgPool::connect(&base)
                .await
                .unwrap_or_else(|e| panic!("TEST_DATABASE_URL is set but PostgreSQL is unreachable ({e}); unset it to run SQLite only"));
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&conn)
                .await
                .expect("create test database");
            conn.close().await;
            let (prefix, _) = base
                .rsplit_once('/')
                .expect("TEST_DATABASE_URL names a database");
            TestDb {
                url: format!("{prefix}/{name}"),
                _dir: None,
            }
        }
    }
}

/// Messages the fake Slack accepted, oldest first: `{channel, ts, text, thread_ts,
/// metadata}` (what conversations.history and conversations.replies read back).
pub type Accepted = Arc<Mutex<Vec<Value>>>;

/// The channel id the fake gives a `#name` (`#cx-queue` -> `C9`).
pub fn fake_channel_id(channel: &str) -> String {
    if channel.starts_with('#') {
        format!("C{}", channel.len())
    } else {
        channel.to_string()
    }
}

/// Answers chat.postMessage like Slack: echoes the channel, a fresh ts, the message, and
/// keeps it (with its metadata) for conversations.history. With a delay, the message is
/// accepted at once and the answer comes late (a timeout after Slack took the post).
#[derive(Clone)]
struct PostMessageResponder {
    counter: Arc<AtomicU64>,
    accepted: Accepted,
    delay: Option<std::time::Duration>,
}

impl Respond for PostMessageResponder {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
        let n = self.counter.fetch_add(1, Ordering::SeqCst) + 1;
        let ts = format!("1700000000.{n:06}");
        let channel = fake_channel_id(body["channel"].as_str().unwrap_or("C000"));
        self.accepted.lock().unwrap().push(json!({
            "channel": channel, "ts": ts, "text": body["text"], "thread_ts": body["thread_ts"],
            "metadata": body["metadata"], "blocks": body["blocks"]
        }));
        let answer = ResponseTemplate::new(200).set_body_json(json!({
            "ok": true, "channel": channel, "ts": ts,
            "message": {"type": "message", "text": body["text"], "ts": ts, "bot_id": "BCXBOT"}
        }));
        match self.delay {
            Some(d) => answer.set_delay(d),
            None => answer,
        }
    }
}

/// conversations.history (`thread: false`: newest first, top-level only) or
/// conversations.replies (`thread: true`: the parent named by `ts`, then its replies, oldest
/// first) over the accepted messages, with their metadata when `include_all_metadata` is
/// asked for. `oldest` is recorded with the call but not applied: the fake's ts are not on
/// the app's clock.
struct ReadBackResponder {
    accepted: Accepted,
    thread: bool,
}

impl Respond for ReadBackResponder {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let query = |key: &str| {
            req.url
                .query_pairs()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.to_string())
        };
        let channel = query("channel").unwrap_or_default();
        let parent = query("ts").unwrap_or_default();
        let with_metadata = query("include_all_metadata").as_deref() == Some("true");
        let accepted = self.accepted.lock().unwrap();
        let in_view = |m: &&Value| {
            m["channel"] == channel.as_str()
                && if self.thread {
                    m["thread_ts"] == parent.as_str()
                        || (m["ts"] == parent.as_str() && m["thread_ts"].is_null())
                } else {
                    m["thread_ts"].is_null()
                }
        };
        let found: Vec<&Value> = if self.thread {
            accepted.iter().filter(in_view).collect()
        } else {
            accepted.iter().rev().filter(in_view).collect()
        };
        let messages: Vec<Value> = found
            .into_iter()
            .map(|m| {
                let mut msg = json!({"type": "message", "ts": m["ts"], "text": m["text"], "bot_id": "BCXBOT"});
                if self.thread {
                    msg["thread_ts"] = json!(parent);
                }
                if with_metadata && !m["metadata"].is_null() {
                    msg["metadata"] = m["metadata"].clone();
                }
                msg
            })
            .collect();
        ResponseTemplate::new(200).set_body_json(json!({
            "ok": true, "messages": messages, "has_more": false,
            "response_metadata": {"next_cursor": ""}
        }))
    }
}

/// Answers views.publish / views.open with the view plus the state Slack adds.
struct ViewResponder;

impl Respond for ViewResponder {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
        let mut view = body["view"].clone();
        view["id"] = json!("V0FAKE");
        view["team_id"] = json!("T0FAKE");
        view["hash"] = json!("1700000000.abc");
        ResponseTemplate::new(200).set_body_json(json!({"ok": true, "view": view}))
    }
}

struct UpdateResponder;

impl Respond for UpdateResponder {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
        ResponseTemplate::new(200).set_body_json(json!({
            "ok": true, "channel": body["channel"], "ts": body["ts"], "text": body["text"],
            "message": {"text": body["text"]}
        }))
    }
}

/// A channel the fake Slack knows (conversations.info, conversations.list).
#[derive(Debug, Clone)]
pub struct FakeChannel {
    pub id: String,
    pub name: String,
    pub is_member: bool,
    pub is_private: bool,
}

impl FakeChannel {
    fn json(&self) -> Value {
        json!({
            "id": self.id, "name": self.name, "name_normalized": self.name, "created": 1_700_000_000,
            "is_channel": !self.is_private, "is_group": false, "is_im": false, "is_private": self.is_private,
            "is_archived": false, "is_member": self.is_member
        })
    }
}

/// What the fake workspace holds for `cxbot check --live`: its channels and the scopes the
/// token was granted (auth.test's `x-oauth-scopes`).
#[derive(Debug, Default)]
pub struct FakeWorkspace {
    pub channels: Vec<FakeChannel>,
    pub scopes: Vec<String>,
}

/// conversations.list pages this many channels at a time, whatever `limit` asks, so a
/// test with a few channels still follows `next_cursor`.
pub const FAKE_LIST_PAGE: usize = 3;

struct WorkspaceResponder {
    workspace: Arc<Mutex<FakeWorkspace>>,
    method: &'static str,
}

impl Respond for WorkspaceResponder {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let ws = self.workspace.lock().unwrap();
        let query = |key: &str| {
            req.url
                .query_pairs()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.to_string())
        };
        match self.method {
            "auth.test" => ResponseTemplate::new(200)
                .insert_header("x-oauth-scopes", ws.scopes.join(",").as_str())
                .set_body_json(json!({
                    "ok": true, "url": "https://example.slack.com/", "team": "Example Team",
                    "user": "cxbot", "team_id": "T0001", "user_id": "U0CXBOT01", "bot_id": "B0CXBOT01"
                })),
            "conversations.info" => {
                let id = query("channel").unwrap_or_default();
                match ws.channels.iter().find(|c| c.id == id) {
                    Some(c) => ResponseTemplate::new(200)
                        .set_body_json(json!({"ok": true, "channel": c.json()})),
                    None => ResponseTemplate::new(200)
                        .set_body_json(json!({"ok": false, "error": "channel_not_found"})),
                }
            }
            _ => {
                let start: usize = query("cursor").and_then(|c| c.parse().ok()).unwrap_or(0);
                let page: Vec<Value> = ws
                    .channels
                    .iter()
                    .skip(start)
                    .take(FAKE_LIST_PAGE)
                    .map(FakeChannel::json)
                    .collect();
                let next = start + page.len();
                let cursor = if next < ws.channels.len() {
                    next.to_string()
                } else {
                    String::new()
                };
                ResponseTemplate::new(200).set_body_json(json!({
                    "ok": true, "channels": page, "response_metadata": {"next_cursor": cursor}
                }))
            }
        }
    }
}

/// The fake Slack Web API.
pub struct FakeSlack {
    pub server: MockServer,
    /// Channels and granted scopes; by default no channels and every scope cxbot needs.
    pub workspace: Arc<Mutex<FakeWorkspace>>,
    /// Every message chat.postMessage accepted, as Slack would now show it.
    pub accepted: Accepted,
    posts: PostMessageResponder,
}

impl FakeSlack {
    pub async fn start() -> Self {
        let server = MockServer::start().await;
        let accepted: Accepted = Arc::default();
        let posts = PostMessageResponder {
            counter: Arc::new(AtomicU64::new(0)),
            accepted: accepted.clone(),
            delay: None,
        };
        Mock::given(method("POST"))
            .and(path("/chat.postMessage"))
            .respond_with(posts.clone())
            .with_priority(10)
            .mount(&server)
            .await;
        // slack-morphism calls conversations.history as GET with a query string.
        Mock::given(path("/conversations.history"))
            .respond_with(ReadBackResponder {
                accepted: accepted.clone(),
                thread: false,
            })
            .with_priority(10)
            .mount(&server)
            .await;
        // cxbot sends conversations.replies as a GET too (with include_all_metadata).
        Mock::given(path("/conversations.replies"))
            .respond_with(ReadBackResponder {
                accepted: accepted.clone(),
                thread: true,
            })
            .with_priority(10)
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path("/chat.update"))
            .respond_with(UpdateResponder)
            .with_priority(10)
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path("/chat.postEphemeral"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!({"ok": true, "message_ts": "1700000000.999999"})),
            )
            .with_priority(10)
            .mount(&server)
            .await;
        for p in [
            "/views.publish",
            "/views.open",
            "/views.push",
            "/views.update",
        ] {
            Mock::given(method("POST"))
                .and(path(p))
                .respond_with(ViewResponder)
                .with_priority(10)
                .mount(&server)
                .await;
        }
        Mock::given(method("POST"))
            .and(path("/conversations.open"))
            .respond_with(|req: &Request| {
                let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
                // slack-morphism sends `users` as a JSON array; Slack also takes "U1,U2".
                let user = match &body["users"] {
                    Value::Array(a) => a.first().and_then(|u| u.as_str()).unwrap_or("U0").to_string(),
                    v => v.as_str().unwrap_or("U0").split(',').next().unwrap_or("U0").to_string(),
                };
                ResponseTemplate::new(200).set_body_json(json!({"ok": true, "channel": {"id": format!("D{}", user.trim_start_matches('U'))}}))
            })
            .with_priority(10)
            .mount(&server)
            .await;
        // slack-morphism calls users.info as GET with the user in the query string.
        Mock::given(path("/users.info"))
            .respond_with(|req: &Request| {
                let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
                let from_query = req.url.query_pairs().find(|(k, _)| k == "user").map(|(_, v)| v.to_string());
                let user = from_query.or_else(|| body["user"].as_str().map(str::to_string)).unwrap_or_else(|| "U0".into());
                ResponseTemplate::new(200).set_body_json(json!({"ok": true, "user": {
                    "id": user, "name": user.to_lowercase(), "real_name": format!("Agent {user}"),
                    "tz": "America/New_York", "tz_offset": -18000,
                    "profile": {"display_name": format!("agent-{}", user.to_lowercase()), "real_name": format!("Agent {user}"),
                                "email": format!("{}@acme.test", user.to_lowercase())}
                }}))
            })
            .with_priority(10)
            .mount(&server)
            .await;
        let workspace = Arc::new(Mutex::new(FakeWorkspace {
            channels: Vec::new(),
            scopes: cxbot::slack::api::required_scopes()
                .into_iter()
                .map(str::to_string)
                .collect(),
        }));
        // slack-morphism calls these as GET with their parameters in the query string.
        for m in ["auth.test", "conversations.info", "conversations.list"] {
            Mock::given(path(format!("/{m}")))
                .respond_with(WorkspaceResponder {
                    workspace: workspace.clone(),
                    method: m,
                })
                .with_priority(10)
                .mount(&server)
                .await;
        }
        Self {
            server,
            workspace,
            accepted,
            posts,
        }
    }

    /// The next `times` posts are accepted (kept, visible to conversations.history) but
    /// answered only after `delay`: past the client's timeout, cxbot never hears of them.
    pub async fn accept_but_answer_late(&self, times: u64, delay: std::time::Duration) {
        let mut late = self.posts.clone();
        late.delay = Some(delay);
        Mock::given(method("POST"))
            .and(path("/chat.postMessage"))
            .respond_with(late)
            .up_to_n_times(times)
            .with_priority(1)
            .mount(&self.server)
            .await;
    }

    /// The accepted messages whose metadata carries cxbot's `key`.
    pub fn accepted_with_key(&self, key: &str) -> Vec<Value> {
        self.accepted
            .lock()
            .unwrap()
            .iter()
            .filter(|m| m["metadata"]["event_payload"]["key"] == key)
            .cloned()
            .collect()
    }

    /// Adds a channel to the fake workspace.
    pub fn add_channel(&self, id: &str, name: &str, is_member: bool) {
        self.workspace.lock().unwrap().channels.push(FakeChannel {
            id: id.into(),
            name: name.trim_start_matches('#').into(),
            is_member,
            is_private: false,
        });
    }

    /// The token's granted scopes become exactly these.
    pub fn grant_scopes(&self, scopes: &[&str]) {
        self.workspace.lock().unwrap().scopes = scopes.iter().map(|s| s.to_string()).collect();
    }

    pub fn url(&self) -> String {
        format!("{}/", self.server.uri())
    }

    /// Every call made, in order: (method, JSON body).
    pub async fn calls(&self) -> Vec<(String, Value)> {
        self.server
            .received_requests()
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|r| {
                let body = serde_json::from_slice(&r.body).unwrap_or_else(|_| {
                    // GET calls carry their parameters in the query string.
                    Value::Object(
                        r.url
                            .query_pairs()
                            .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
                            .collect(),
                    )
                });
                (r.url.path().trim_start_matches('/').to_string(), body)
            })
            .collect()
    }

    /// The bodies of every call to one method.
    pub async fn calls_to(&self, method_name: &str) -> Vec<Value> {
        self.calls()
            .await
            .into_iter()
            .filter(|(m, _)| m == method_name)
            .map(|(_, b)| b)
            .collect()
    }

    /// Answers apps.connections.open with `url?ticket=N`, N counting from 1.
    pub async fn hand_out_sockets(&self, url: String) {
        let tickets = AtomicU64::new(0);
        Mock::given(method("POST"))
            .and(path("/apps.connections.open"))
            .respond_with(move |_: &Request| {
                let n = tickets.fetch_add(1, Ordering::SeqCst) + 1;
                ResponseTemplate::new(200)
                    .set_body_json(json!({"ok": true, "url": format!("{url}?ticket={n}")}))
            })
            .with_priority(10)
            .mount(&self.server)
            .await;
    }

    /// Makes the next `times` calls to `method_name` (POST, or GET for the methods
    /// slack-morphism calls that way) answer with `response`.
    pub async fn fail_next(&self, method_name: &str, times: u64, response: ResponseTemplate) {
        Mock::given(path(format!("/{method_name}")))
            .respond_with(response)
            .up_to_n_times(times)
            .with_priority(1)
            .mount(&self.server)
            .await;
    }
}

pub struct TestOptions {
    pub backend: Backend,
    pub playbook: Option<String>,
    pub slack_timeout_ms: u64,
    pub signing_secret: Option<String>,
    pub start: Option<DateTime<Utc>>,
    /// Share another app's database (a second replica).
    pub db_url: Option<String>,
    /// Share another app's fake Slack.
    pub slack_url: Option<String>,
    /// Changes to the settings before they are loaded (a secret unset, CXBOT_PUBLIC_URL).
    pub settings: Option<fn(&mut Settings)>,
    /// A fake Freshdesk / Zendesk API for write-back (its base URL).
    pub freshdesk_url: Option<String>,
    pub zendesk_url: Option<String>,
    /// Socket Mode: SLACK_APP_TOKEN is set and the fake Slack's apps.connections.open
    /// hands out this WebSocket URL (with `?ticket=N`, N counting the calls).
    pub socket_url: Option<String>,
    /// The app reaches the fake Slack through a proxy that drops these connections.
    pub slack_faults: Option<Arc<crate::fault_proxy::FaultPlan>>,
}

impl Default for TestOptions {
    fn default() -> Self {
        Self {
            backend: Backend::Sqlite,
            playbook: None,
            // Generous: a loaded CI machine must not turn a slow local fake into a retry the
            // test does not wait for. Tests of timeouts set their own.
            slack_timeout_ms: 10_000,
            signing_secret: None,
            start: None,
            db_url: None,
            slack_url: None,
            settings: None,
            freshdesk_url: None,
            zendesk_url: None,
            socket_url: None,
            slack_faults: None,
        }
    }
}

pub struct TestApp {
    pub address: String,
    pub slack: FakeSlack,
    pub clock: Arc<ManualClock>,
    pub state: AppState,
    pub worker: Worker,
    pub client: reqwest::Client,
    pub db: TestDb,
    _playbook_dir: tempfile::TempDir,
    /// Dropped with the TestApp: the app shuts down (a Socket Mode client of an earlier
    /// app in the same test would otherwise keep calling a pooled fake Slack now serving
    /// the next one).
    _stop: tokio::sync::oneshot::Sender<()>,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(TestOptions::default()).await
}

pub fn settings(db_url: &str, slack_url: &str) -> Settings {
    Settings {
        slack_signing_secret: Some(SIGNING_SECRET.into()),
        slack_bot_token: Some(BOT_TOKEN.into()),
        slack_app_token: None,
        slack_api_url: slack_url.into(),
        slack_timeout_ms: 2_000,
        database_url: db_url.into(),
        listen: "127.0.0.1:0".into(),
        config: None,
        log_format: LogFormat::Human,
        log: "warn".into(),
        freshdesk_webhook_token: Some("fd-token".into()),
        zendesk_webhook_secret: Some("zd-secret".into()),
        cxbot_webhook_secret: Some("cx-secret".into()),
        freshdesk_domain: None,
        freshdesk_api_key: None,
        zendesk_subdomain: None,
        zendesk_email: None,
        zendesk_api_token: None,
        helpdesk_timeout_ms: 10_000,
        intercom_client_secret: Some("ic-secret".into()),
        hubspot_client_secret: Some("hs-secret".into()),
        zoho_webhook_token: Some("zoho-token".into()),
        public_url: None,
        worker_concurrency: 8,
    }
}

pub async fn spawn_app_with(opts: TestOptions) -> TestApp {
    let slack = FakeSlack::start().await;
    let db = match opts.db_url {
        Some(url) => TestDb { url, _dir: None },
        None => fresh_db(opts.backend).await,
    };
    let dir = tempfile::tempdir().unwrap();
    let slack_url = match (opts.slack_url, opts.slack_faults) {
        (Some(url), _) => url,
        (None, Some(plan)) => crate::fault_proxy::start(slack.url(), plan).await,
        (None, None) => slack.url(),
    };
    let mut s = settings(&db.url, &slack_url);
    s.slack_timeout_ms = opts.slack_timeout_ms;
    if let Some(secret) = opts.signing_secret {
        s.slack_signing_secret = Some(secret);
    }
    if let Some(url) = opts.freshdesk_url {
        s.freshdesk_domain = Some(url);
        s.freshdesk_api_key = Some("fd-api-key".into());
    }
    if let Some(url) = opts.zendesk_url {
        s.zendesk_subdomain = Some(url);
        s.zendesk_email = Some("cxbot@acme.test".into());
        s.zendesk_api_token = Some("zd-api-token".into());
    }
    if let Some(url) = opts.socket_url {
        s.slack_app_token = Some(APP_TOKEN.into());
        slack.hand_out_sockets(url).await;
    }
    if let Some(tweak) = opts.settings {
        tweak(&mut s);
    }
    // Without a playbook of their own, tests get the built-in one less the leads' digest at
    // 09:00 and 15:00 (their clock starts at 09:00, and a digest in every test's Slack would
    // be noise in what each one counts); the digest's own tests give it its times.
    let text = opts.playbook.clone().unwrap_or_else(|| {
        cxbot::config::playbook::EXAMPLE_PLAYBOOK
            .replace("times = [\"09:00\", \"15:00\"]", "times = []")
    });
    let p = dir.path().join("cxbot.toml");
    std::fs::write(&p, text).unwrap();
    s.config = Some(p);
    let config = s.load(Needs::Everything).expect("test config is valid");
    let clock = Arc::new(ManualClock::new(opts.start.unwrap_or_else(start_time)));
    let app = Application::build(config, clock.clone(), WorkerMode::Manual)
        .await
        .expect("app builds");
    let address = format!("http://{}", app.local_addr());
    let state = app.state();
    let worker = app.worker();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(app.run_until(async move {
        let _ = stopped.await;
    }));
    TestApp {
        address,
        slack,
        clock,
        state,
        worker,
        client: reqwest::Client::new(),
        db,
        _playbook_dir: dir,
        _stop: stop,
    }
}

/// A fresh trigger id (`111.222.triggerN`), as Slack gives each command and click: the
/// app refuses an identical signed request twice as a replay.
pub fn trigger_id() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    format!("111.222.trigger{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

pub fn sign(timestamp: i64, body: &[u8]) -> String {
    cxbot::slack::verify::sign(SIGNING_SECRET.as_bytes(), &timestamp.to_string(), body)
}

impl TestApp {
    pub fn now(&self) -> i64 {
        use cxbot::clock::Clock;
        self.clock.now().timestamp()
    }

    pub fn advance(&self, by: chrono::Duration) {
        self.clock.advance(by);
    }

    /// Drains the worker at the clock's current time.
    pub async fn run_pending_jobs(&self) -> usize {
        self.worker.run_until_empty().await.expect("worker runs")
    }

    /// POSTs `body` with a valid signature at the clock's time.
    pub async fn post_signed(
        &self,
        path: &str,
        body: &str,
        content_type: &str,
    ) -> reqwest::Response {
        let ts = self.now();
        self.post_raw(
            path,
            body,
            content_type,
            &[
                ("x-slack-request-timestamp", ts.to_string()),
                ("x-slack-signature", sign(ts, body.as_bytes())),
            ],
        )
        .await
    }

    pub async fn post_raw(
        &self,
        path: &str,
        body: &str,
        content_type: &str,
        headers: &[(&str, String)],
    ) -> reqwest::Response {
        let mut req = self
            .client
            .post(format!("{}{}", self.address, path))
            .header("content-type", content_type)
            .body(body.to_string());
        for (k, v) in headers {
            req = req.header(*k, v);
        }
        req.send().await.expect("request sent")
    }

    /// `/cx <text>` from `user`; returns the JSON reply.
    pub async fn command(&self, user: &str, text: &str) -> Value {
        let res = self.command_raw(user, text).await;
        assert_eq!(res.status(), 200, "slash command status");
        res.json().await.expect("JSON reply")
    }

    pub async fn command_raw(&self, user: &str, text: &str) -> reqwest::Response {
        let body = serde_urlencoded::to_string([
            ("token", "legacy"),
            ("team_id", "T0001"),
            ("team_domain", "example"),
            ("channel_id", "C0QUEUE01"),
            ("channel_name", "cx-queue"),
            ("user_id", user),
            ("user_name", &user.to_lowercase()),
            ("command", "/cx"),
            ("text", text),
            ("api_app_id", "A0001"),
            ("response_url", "https://hooks.slack.com/commands/T0001/1/x"),
            ("trigger_id", &trigger_id()),
        ])
        .unwrap();
        self.post_signed(
            "/slack/commands",
            &body,
            "application/x-www-form-urlencoded",
        )
        .await
    }

    pub async fn event(&self, event: &Value, retry: Option<u32>) -> reqwest::Response {
        let body = event.to_string();
        let ts = self.now();
        let mut headers = vec![
            ("x-slack-request-timestamp", ts.to_string()),
            ("x-slack-signature", sign(ts, body.as_bytes())),
        ];
        if let Some(n) = retry {
            headers.push(("x-slack-retry-num", n.to_string()));
            headers.push(("x-slack-retry-reason", "http_timeout".to_string()));
        }
        self.post_raw("/slack/events", &body, "application/json", &headers)
            .await
    }

    /// An interactivity payload (form field `payload`).
    pub async fn interact(&self, payload: &Value) -> reqwest::Response {
        let body = serde_urlencoded::to_string([("payload", payload.to_string())]).unwrap();
        self.post_signed(
            "/slack/interactivity",
            &body,
            "application/x-www-form-urlencoded",
        )
        .await
    }

    /// A block_actions click of `action_id` with `value` by `user` on message `ts`.
    pub async fn click(
        &self,
        user: &str,
        action_id: &str,
        value: &str,
        message_ts: Option<&str>,
    ) -> reqwest::Response {
        let mut payload = json!({
            "type": "block_actions",
            "user": {"id": user, "username": user.to_lowercase(), "team_id": "T0001"},
            "api_app_id": "A0001",
            "trigger_id": trigger_id(),
            "team": {"id": "T0001", "domain": "example"},
            "response_url": "https://hooks.slack.com/actions/T0001/1/x",
            "actions": [{"type": "button", "action_id": action_id, "block_id": "b", "value": value, "action_ts": "1700000000.1"}]
        });
        if let Some(ts) = message_ts {
            payload["container"] =
                json!({"type": "message", "message_ts": ts, "channel_id": "C0QUEUE01"});
            payload["channel"] = json!({"id": "C0QUEUE01", "name": "cx-queue"});
            payload["message"] = json!({"ts": ts, "type": "message"});
        }
        self.interact(&payload).await
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{}", self.address, path))
            .send()
            .await
            .expect("request sent")
    }
}
