//! A Slack Web API stand-in: an axum router that answers the methods cxbot calls the way
//! Slack does (`chat.postMessage`, `chat.update`, `chat.postEphemeral`, `conversations.open`,
//! `users.info`, `views.publish` / `open` / `push` / `update`, `auth.test`, and for the
//! read-back of a post whose answer was lost, `conversations.history` and (for a thread
//! line) `conversations.replies` over the messages it accepted with metadata and
//! `conversations.list` over the channels posted to), optionally
//! refuses a channel posted to faster than once per interval with 429 + `Retry-After`, and
//! counts (and, if asked, records) every call.
//!
//! Time comes from a [`SharedClock`]: the demo gives it its manual clock, so the rate limit
//! holds in simulated time, the same time the worker paces by; the load runs'
//! `examples/fake_slack.rs` gives it the system clock.

use crate::clock::SharedClock;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

/// A person the stand-in's `users.info` knows; anyone else is "Agent U...".
#[derive(Debug, Clone)]
pub struct Person {
    pub name: String,
    pub tz: String,
}

/// What the stand-in saw of one `chat.postMessage` (for a live log of posts).
#[derive(Debug, Clone)]
pub struct PostSeen {
    pub at: DateTime<Utc>,
    /// The channel id the post resolved to.
    pub channel: String,
    /// Since the channel's previous accepted post.
    pub gap: Option<Duration>,
    pub accepted: bool,
    /// Accepted posts so far, this one included.
    pub posts: u64,
}

type OnPost = Box<dyn Fn(&PostSeen) + Send + Sync>;

pub struct Options {
    pub clock: SharedClock,
    /// Refuse (429 + Retry-After) a `chat.postMessage` less than this after the channel's
    /// previous accepted one; `None` accepts every post.
    pub min_interval: Option<Duration>,
    /// Added to every call, like the real API's tens of milliseconds (real time).
    pub latency: std::time::Duration,
    /// Keep every call (method, parameters, answer): the demo prints from them. A load run
    /// leaves it off and keeps only the counts.
    pub record: bool,
    /// Slack user id -> who `users.info` says they are.
    pub people: HashMap<String, Person>,
    pub on_post: Option<OnPost>,
}

impl Options {
    pub fn new(clock: SharedClock) -> Self {
        Self {
            clock,
            min_interval: None,
            latency: std::time::Duration::ZERO,
            record: false,
            people: HashMap::new(),
            on_post: None,
        }
    }
}

/// One call as the stand-in answered it.
#[derive(Debug, Clone)]
pub struct Call {
    pub at: DateTime<Utc>,
    pub method: String,
    pub params: Value,
    pub status: u16,
    pub answer: Value,
}

#[derive(Debug, Clone, Default)]
pub struct ChannelStats {
    /// As cxbot named it (`#cx-queue` or an id).
    pub name: String,
    pub posts: u64,
    pub limited: u64,
    pub first: Option<DateTime<Utc>>,
    pub last: Option<DateTime<Utc>>,
    /// Smallest gap between two accepted posts.
    pub min_gap: Option<Duration>,
}

#[derive(Debug, Clone, Default)]
pub struct Stats {
    pub by_method: BTreeMap<String, u64>,
    pub posts: u64,
    pub limited: u64,
    /// By channel id.
    pub channels: BTreeMap<String, ChannelStats>,
}

#[derive(Default)]
struct Ledger {
    stats: Stats,
    ts_seq: u64,
    calls: Vec<Call>,
    /// DM channel id -> the user it is with.
    dms: HashMap<String, String>,
    /// Channel id -> (ts, metadata) of each accepted top-level post that carried metadata,
    /// oldest first: what `conversations.history` reads back.
    keyed: HashMap<String, Vec<(String, Value)>>,
    /// (channel id, thread ts) -> (ts, metadata) of each accepted reply that carried
    /// metadata, oldest first: what `conversations.replies` reads back.
    keyed_replies: HashMap<(String, String), Vec<(String, Value)>>,
}

struct Inner {
    opts: Options,
    state: Mutex<Ledger>,
}

/// The stand-in; cheap to clone.
#[derive(Clone)]
pub struct SlackStandIn(Arc<Inner>);

/// Slack resolves `#name` to a channel id; a stable hash keeps distinct names distinct.
pub fn channel_id(raw: &str) -> String {
    match raw.strip_prefix('#') {
        Some(name) => {
            let h = name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
                (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
            });
            format!("C{:08X}", h as u32)
        }
        None => raw.to_string(),
    }
}

/// The DM channel Slack opens with a user (`U0ANA` -> `D0ANA`).
pub fn dm_id(user: &str) -> String {
    format!("D{}", user.trim_start_matches('U'))
}

/// The call's parameters: a JSON body, a form body, and the query string, merged.
fn params(uri: &Uri, body: &[u8]) -> Value {
    let mut map: Map<String, Value> = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => m,
        _ => serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
            .unwrap_or_default()
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect(),
    };
    if let Some(q) = uri.query() {
        for (k, v) in serde_urlencoded::from_str::<Vec<(String, String)>>(q).unwrap_or_default() {
            map.entry(k).or_insert(Value::String(v));
        }
    }
    Value::Object(map)
}

fn ts(seq: u64) -> String {
    format!("{}.{:06}", 1_700_000_000 + seq / 1_000_000, seq % 1_000_000)
}

impl SlackStandIn {
    pub fn new(opts: Options) -> Self {
        Self(Arc::new(Inner {
            opts,
            state: Mutex::default(),
        }))
    }

    /// Answers every path as a Web API method (`/chat.postMessage`, `/api/chat.postMessage`).
    pub fn router(&self) -> Router {
        Router::new().fallback(call).with_state(self.clone())
    }

    /// Serves on 127.0.0.1 on a free port until the process ends; returns the address.
    pub async fn start(&self) -> std::io::Result<SocketAddr> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let router = self.router();
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Ok(addr)
    }

    pub fn stats(&self) -> Stats {
        self.lock().stats.clone()
    }

    /// The recorded calls from index `from` on (empty unless `record` is set).
    pub fn calls_since(&self, from: usize) -> Vec<Call> {
        let s = self.lock();
        s.calls
            .get(from..)
            .map(<[Call]>::to_vec)
            .unwrap_or_default()
    }

    /// The user a DM channel id is with, once cxbot has opened it.
    pub fn dm_user(&self, channel: &str) -> Option<String> {
        self.lock().dms.get(channel).cloned()
    }

    /// The name cxbot posted to for a channel id (`#cx-queue`).
    pub fn channel_name(&self, id: &str) -> Option<String> {
        self.lock().stats.channels.get(id).map(|c| c.name.clone())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Ledger> {
        self.0.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn now(&self) -> DateTime<Utc> {
        self.0.opts.clock.now()
    }

    fn post_message(&self, p: &Value) -> (StatusCode, Option<u64>, Value) {
        let raw = p["channel"].as_str().unwrap_or("C000");
        let channel = channel_id(raw);
        let now = self.now();
        let mut s = self.lock();
        let ch = s
            .stats
            .channels
            .entry(channel.clone())
            .or_insert_with(|| ChannelStats {
                name: raw.to_string(),
                ..ChannelStats::default()
            });
        let gap = ch.last.map(|last| now - last);
        let limit = self.0.opts.min_interval;
        let refuse = matches!((limit, gap), (Some(l), Some(g)) if g < l);
        let outcome = if refuse {
            ch.limited += 1;
            s.stats.limited += 1;
            let wait = limit.unwrap_or_default() - gap.unwrap_or_default();
            let retry_after = (wait.num_milliseconds() as f64 / 1000.0).ceil().max(1.0) as u64;
            (
                StatusCode::TOO_MANY_REQUESTS,
                Some(retry_after),
                json!({"ok": false, "error": "ratelimited"}),
            )
        } else {
            if let Some(g) = gap {
                ch.min_gap = Some(ch.min_gap.map_or(g, |m| m.min(g)));
            }
            ch.posts += 1;
            ch.first.get_or_insert(now);
            ch.last = Some(now);
            s.stats.posts += 1;
            s.ts_seq += 1;
            let ts = ts(s.ts_seq);
            if p["metadata"].is_object() {
                let keyed = (ts.clone(), p["metadata"].clone());
                match p["thread_ts"].as_str() {
                    None => s.keyed.entry(channel.clone()).or_default().push(keyed),
                    Some(parent) => s
                        .keyed_replies
                        .entry((channel.clone(), parent.to_string()))
                        .or_default()
                        .push(keyed),
                }
            }
            (
                StatusCode::OK,
                None,
                json!({
                    "ok": true, "channel": channel, "ts": ts,
                    "message": {"type": "message", "text": p["text"], "ts": ts, "bot_id": "BCXBOT"}
                }),
            )
        };
        let seen = PostSeen {
            at: now,
            channel,
            gap,
            accepted: !refuse,
            posts: s.stats.posts,
        };
        drop(s);
        if let Some(f) = &self.0.opts.on_post {
            f(&seen);
        }
        outcome
    }

    fn user_info(&self, user: &str) -> Value {
        match self.0.opts.people.get(user) {
            Some(p) => json!({"ok": true, "user": {
                "id": user, "name": p.name.to_lowercase(), "real_name": p.name, "tz": p.tz,
                "profile": {"display_name": p.name, "real_name": p.name}
            }}),
            None => json!({"ok": true, "user": {
                "id": user, "name": user.to_lowercase(), "real_name": format!("Agent {user}"),
                "tz": "America/New_York", "tz_offset": -18000,
                "profile": {"display_name": format!("agent-{}", user.to_lowercase()), "real_name": format!("Agent {user}")}
            }}),
        }
    }

    /// The keyed messages of a channel, newest first, with their metadata when asked for
    /// (`include_all_metadata`). `oldest` is not applied: the stand-in's ts count posts,
    /// they are not on a clock.
    fn history(&self, p: &Value) -> Value {
        let channel = p["channel"].as_str().unwrap_or_default();
        let with_metadata =
            p["include_all_metadata"] == "true" || p["include_all_metadata"] == true;
        let s = self.lock();
        let messages: Vec<Value> = s
            .keyed
            .get(channel)
            .map(|msgs| {
                msgs.iter()
                    .rev()
                    .map(|(ts, meta)| {
                        let mut m = json!({"type": "message", "ts": ts, "bot_id": "BCXBOT"});
                        if with_metadata {
                            m["metadata"] = meta.clone();
                        }
                        m
                    })
                    .collect()
            })
            .unwrap_or_default();
        json!({"ok": true, "messages": messages, "has_more": false,
               "response_metadata": {"next_cursor": ""}})
    }

    /// The keyed replies in a thread, oldest first, with their metadata when asked for
    /// (the parent is left out: cxbot looks for a reply). `oldest` is not applied.
    fn replies(&self, p: &Value) -> Value {
        let channel = p["channel"].as_str().unwrap_or_default().to_string();
        let parent = p["ts"].as_str().unwrap_or_default().to_string();
        let with_metadata =
            p["include_all_metadata"] == "true" || p["include_all_metadata"] == true;
        let s = self.lock();
        let messages: Vec<Value> = s
            .keyed_replies
            .get(&(channel, parent.clone()))
            .map(|msgs| {
                msgs.iter()
                    .map(|(ts, meta)| {
                        let mut m = json!({"type": "message", "ts": ts, "thread_ts": parent,
                                           "bot_id": "BCXBOT"});
                        if with_metadata {
                            m["metadata"] = meta.clone();
                        }
                        m
                    })
                    .collect()
            })
            .unwrap_or_default();
        json!({"ok": true, "messages": messages, "has_more": false,
               "response_metadata": {"next_cursor": ""}})
    }

    /// The channels posted to by `#name`, so a read-back can find a name's id.
    fn channel_list(&self) -> Value {
        let s = self.lock();
        let channels: Vec<Value> = s
            .stats
            .channels
            .iter()
            .filter_map(|(id, c)| {
                let name = c.name.strip_prefix('#')?;
                Some(
                    json!({"id": id, "name": name, "is_channel": true, "is_member": true,
                            "is_archived": false, "is_private": false, "created": 1_700_000_000}),
                )
            })
            .collect();
        json!({"ok": true, "channels": channels, "response_metadata": {"next_cursor": ""}})
    }

    /// Status, Retry-After and body for one call.
    fn answer(&self, method: &str, p: &Value) -> (StatusCode, Option<u64>, Value) {
        let mut view = p["view"].clone();
        let reply = match method {
            "chat.postMessage" => return self.post_message(p),
            "chat.update" => json!({
                "ok": true, "channel": p["channel"], "ts": p["ts"], "text": p["text"],
                "message": {"text": p["text"]}
            }),
            "chat.postEphemeral" => {
                let mut s = self.lock();
                s.ts_seq += 1;
                json!({"ok": true, "message_ts": ts(s.ts_seq)})
            }
            "views.publish" | "views.open" | "views.push" | "views.update" => {
                if view.is_string() {
                    view = serde_json::from_str(view.as_str().unwrap_or("{}")).unwrap_or_default();
                }
                view["id"] = json!("V0FAKE");
                view["team_id"] = json!("T0FAKE");
                view["hash"] = json!("1700000000.abc");
                json!({"ok": true, "view": view})
            }
            "conversations.open" => {
                // slack-morphism sends `users` as a JSON array; Slack also takes "U1,U2".
                let user = match &p["users"] {
                    Value::Array(a) => a.first().and_then(Value::as_str).unwrap_or("U0"),
                    v => v.as_str().unwrap_or("U0").split(',').next().unwrap_or("U0"),
                }
                .trim()
                .to_string();
                let id = dm_id(&user);
                self.lock().dms.insert(id.clone(), user);
                json!({"ok": true, "channel": {"id": id}})
            }
            "users.info" => self.user_info(p["user"].as_str().unwrap_or("U0")),
            "conversations.history" => self.history(p),
            "conversations.replies" => self.replies(p),
            "conversations.list" => self.channel_list(),
            "auth.test" => json!({
                "ok": true, "url": "https://fake.slack.com/", "team": "Fake", "user": "cxbot",
                "team_id": "T0FAKE", "user_id": "UCXBOT", "bot_id": "BCXBOT"
            }),
            m if m.starts_with("response_url") => json!({"ok": true}),
            _ => json!({"ok": false, "error": "unknown_method"}),
        };
        (StatusCode::OK, None, reply)
    }
}

async fn call(State(slack): State<SlackStandIn>, uri: Uri, body: Bytes) -> Response {
    let latency = slack.0.opts.latency;
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let method = uri
        .path()
        .trim_start_matches('/')
        .trim_start_matches("api/");
    let method = method.split('/').next().unwrap_or_default().to_string();
    *slack
        .lock()
        .stats
        .by_method
        .entry(method.clone())
        .or_default() += 1;
    let p = params(&uri, &body);
    let (status, retry_after, answer) = slack.answer(&method, &p);
    if slack.0.opts.record {
        let at = slack.now();
        slack.lock().calls.push(Call {
            at,
            method,
            params: p,
            status: status.as_u16(),
            answer: answer.clone(),
        });
    }
    match retry_after {
        Some(secs) => (status, [("retry-after", secs.to_string())], Json(answer)).into_response(),
        None => (status, Json(answer)).into_response(),
    }
}

#[cfg(test)]
#[path = "slack_tests.rs"]
mod tests;
