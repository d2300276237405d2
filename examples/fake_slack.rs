//! A fake Slack Web API for load runs: answers the methods cxbot calls the way Slack does
//! (shapes as in `tests/api/helpers.rs`), optionally refuses with 429 + `Retry-After` a
//! channel posted to faster than once per `--min-interval-ms`, and prints per-second and
//! final counts (posts, updates, 429s, each channel's achieved rate).
//!
//! ```text
//! cargo run --release --example fake_slack -- --listen 127.0.0.1:3100 [--enforce-rate] [--exit-after 600]
//! SLACK_API_URL=http://127.0.0.1:3100/ cxbot serve
//! ```
//!
//! Stops on Ctrl-C or SIGTERM, or after `--exit-after` accepted chat.postMessage calls (then waits
//! `--linger-ms` for stragglers, so late 429s still show in the summary).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use clap::Parser;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

#[derive(Debug, Parser)]
#[command(
    name = "fake_slack",
    about = "A fake Slack Web API for cxbot load runs"
)]
struct Args {
    #[arg(long, default_value = "127.0.0.1:3100")]
    listen: String,
    /// Answer 429 (Retry-After) to a chat.postMessage less than --min-interval-ms after the
    /// previous accepted one in the same channel.
    #[arg(long)]
    enforce_rate: bool,
    #[arg(long, default_value_t = 1000)]
    min_interval_ms: u64,
    /// Stop after this many accepted chat.postMessage calls.
    #[arg(long)]
    exit_after: Option<u64>,
    /// After --exit-after is reached, keep answering this long before the summary.
    #[arg(long, default_value_t = 1500)]
    linger_ms: u64,
    /// Added latency per call, like the real API's tens of milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// No per-second lines, only the summary.
    #[arg(long)]
    quiet: bool,
    /// One line per chat.postMessage: ms since start, channel, gap since the channel's
    /// last accepted post, accepted or 429 (to see why a pacer trips the limit).
    #[arg(long)]
    log_posts: bool,
}

#[derive(Default)]
struct Channel {
    /// As cxbot named it (`#cx-queue` or an id).
    name: String,
    posts: u64,
    limited: u64,
    first: Option<Instant>,
    last: Option<Instant>,
    /// Smallest gap between two accepted posts.
    min_gap: Option<Duration>,
}

#[derive(Default)]
struct Counts {
    by_method: BTreeMap<String, u64>,
    posts: u64,
    limited: u64,
    channels: BTreeMap<String, Channel>,
    ts_seq: u64,
}

struct Fake {
    args: Args,
    counts: Mutex<Counts>,
    started: Instant,
    done: Notify,
}

/// Slack resolves `#name` to a channel id; a stable hash keeps distinct names distinct.
fn channel_id(raw: &str) -> String {
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

impl Fake {
    fn post_message(&self, p: &Value) -> Response {
        let raw = p["channel"].as_str().unwrap_or("C000");
        let channel = channel_id(raw);
        let now = Instant::now();
        let mut c = self.counts.lock().expect("counts");
        let interval = Duration::from_millis(self.args.min_interval_ms);
        let ch = c
            .channels
            .entry(channel.clone())
            .or_insert_with(|| Channel {
                name: raw.to_string(),
                ..Channel::default()
            });
        let gap = ch.last.map(|last| now.duration_since(last));
        let refuse = self.args.enforce_rate && gap.is_some_and(|g| g < interval);
        if self.args.log_posts {
            println!(
                "post {:>9.1} ms  {channel}  gap {:>8}  {}",
                now.duration_since(self.started).as_secs_f64() * 1000.0,
                gap.map_or("-".into(), |g| format!("{:.1}", g.as_secs_f64() * 1000.0)),
                if refuse { "429" } else { "ok" }
            );
        }
        if refuse {
            ch.limited += 1;
            let wait = interval.saturating_sub(now.duration_since(ch.last.expect("last")));
            c.limited += 1;
            let retry_after = wait.as_secs_f64().ceil().max(1.0) as u64;
            return (
                StatusCode::TOO_MANY_REQUESTS,
                [("retry-after", retry_after.to_string())],
                Json(json!({"ok": false, "error": "ratelimited"})),
            )
                .into_response();
        }
        if let Some(last) = ch.last {
            let gap = now.duration_since(last);
            ch.min_gap = Some(ch.min_gap.map_or(gap, |g| g.min(gap)));
        }
        ch.posts += 1;
        ch.first.get_or_insert(now);
        ch.last = Some(now);
        c.posts += 1;
        c.ts_seq += 1;
        let ts = ts(c.ts_seq);
        if self.args.exit_after.is_some_and(|n| c.posts == n) {
            self.done.notify_one();
        }
        drop(c);
        Json(json!({
            "ok": true, "channel": channel, "ts": ts,
            "message": {"type": "message", "text": p["text"], "ts": ts, "bot_id": "BCXBOT"}
        }))
        .into_response()
    }

    fn answer(&self, method: &str, p: &Value) -> Response {
        let mut view = p["view"].clone();
        let reply = match method {
            "chat.postMessage" => return self.post_message(p),
            "chat.update" => json!({
                "ok": true, "channel": p["channel"], "ts": p["ts"], "text": p["text"],
                "message": {"text": p["text"]}
            }),
            "chat.postEphemeral" => {
                let mut c = self.counts.lock().expect("counts");
                c.ts_seq += 1;
                json!({"ok": true, "message_ts": ts(c.ts_seq)})
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
                let user = p["users"].as_str().unwrap_or("U0");
                let first = user.split(',').next().unwrap_or(user);
                json!({"ok": true, "channel": {"id": format!("D{}", first.trim_start_matches('U'))}})
            }
            "users.info" => {
                let user = p["user"].as_str().unwrap_or("U0");
                json!({"ok": true, "user": {
                    "id": user, "name": user.to_lowercase(), "real_name": format!("Agent {user}"),
                    "tz": "America/New_York", "tz_offset": -18000,
                    "profile": {"display_name": format!("agent-{}", user.to_lowercase()), "real_name": format!("Agent {user}")}
                }})
            }
            "auth.test" => json!({
                "ok": true, "url": "https://fake.slack.com/", "team": "Fake", "user": "cxbot",
                "team_id": "T0FAKE", "user_id": "UCXBOT", "bot_id": "BCXBOT"
            }),
            m if m.starts_with("response_url") => json!({"ok": true}),
            _ => json!({"ok": false, "error": "unknown_method"}),
        };
        Json(reply).into_response()
    }
}

async fn call(State(fake): State<Arc<Fake>>, uri: Uri, body: Bytes) -> Response {
    if fake.args.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(fake.args.latency_ms)).await;
    }
    let method = uri
        .path()
        .trim_start_matches('/')
        .trim_start_matches("api/");
    let method = method.split('/').next().unwrap_or_default().to_string();
    *fake
        .counts
        .lock()
        .expect("counts")
        .by_method
        .entry(method.clone())
        .or_default() += 1;
    fake.answer(&method, &params(&uri, &body))
}

fn per_second(fake: Arc<Fake>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.tick().await;
        let (mut posts, mut limited, mut calls) = (0, 0, 0);
        loop {
            tick.tick().await;
            let c = fake.counts.lock().expect("counts");
            let all: u64 = c.by_method.values().sum();
            if all != calls {
                println!(
                    "t={:>4}s  calls/s {:>6}  posts/s {:>5}  429s/s {:>4}  posts {:>7}  channels {}",
                    fake.started.elapsed().as_secs(),
                    all - calls,
                    c.posts - posts,
                    c.limited - limited,
                    c.posts,
                    c.channels.len()
                );
            }
            (posts, limited, calls) = (c.posts, c.limited, all);
        }
    });
}

fn summary(fake: &Fake) {
    let c = fake.counts.lock().expect("counts");
    let allowed = 1000.0 / fake.args.min_interval_ms.max(1) as f64;
    println!(
        "\nfake_slack summary after {:.1} s",
        fake.started.elapsed().as_secs_f64()
    );
    for (m, n) in &c.by_method {
        println!("  {m:<22} {n:>8}");
    }
    println!(
        "  posts accepted {}, 429s {} (rate {})",
        c.posts,
        c.limited,
        if fake.args.enforce_rate {
            "enforced"
        } else {
            "not enforced"
        }
    );
    println!("  channel                    posts   429s   span s   posts/s   % of {allowed}/s   min gap ms");
    for (id, ch) in &c.channels {
        let span = match (ch.first, ch.last) {
            (Some(f), Some(l)) => l.duration_since(f).as_secs_f64(),
            _ => 0.0,
        };
        // Rate between the first and the last post: n posts span n-1 intervals.
        let rate = if span > 0.0 {
            (ch.posts - 1) as f64 / span
        } else {
            0.0
        };
        println!(
            "  {:<24} {:>7} {:>6} {:>8.1} {:>9.3} {:>12.1} {:>12}",
            format!("{id} {}", if ch.name == *id { "" } else { &ch.name }),
            ch.posts,
            ch.limited,
            span,
            rate,
            100.0 * rate / allowed,
            ch.min_gap
                .map_or("-".into(), |g| format!("{:.0}", g.as_secs_f64() * 1000.0)),
        );
    }
}

/// `kill <pid>` (SIGTERM) also ends with the summary.
async fn terminated() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            term.recv().await;
            return;
        }
    }
    std::future::pending::<()>().await
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let listener = tokio::net::TcpListener::bind(&args.listen)
        .await
        .unwrap_or_else(|e| panic!("cannot listen on {}: {e}", args.listen));
    println!(
        "fake_slack on http://{}/ (rate {})",
        listener.local_addr().expect("addr"),
        if args.enforce_rate {
            "enforced"
        } else {
            "not enforced"
        }
    );
    let quiet = args.quiet;
    let linger = Duration::from_millis(args.linger_ms);
    let fake = Arc::new(Fake {
        args,
        counts: Mutex::default(),
        started: Instant::now(),
        done: Notify::new(),
    });
    if !quiet {
        per_second(fake.clone());
    }
    let app = Router::new().fallback(call).with_state(fake.clone());
    let stop = {
        let fake = fake.clone();
        async move {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = terminated() => {}
                _ = async { fake.done.notified().await; tokio::time::sleep(linger).await } => {}
            }
        }
    };
    axum::serve(listener, app)
        .with_graceful_shutdown(stop)
        .await
        .expect("server");
    summary(&fake);
}
