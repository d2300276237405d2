//! The crash run's moving parts: `cxbot serve` as a child process (started, SIGKILLed,
//! restarted on the same port and database), the in-process Slack stand-in that records
//! every call, and the mixed load: one "story" per ticket (intake, a claim race by slash
//! command and button, a follow-up, a status change or a customer reply, an event).
//!
//! What is retried after a transport error is what Slack and helpdesks retry: webhooks and
//! events, with the same id. Slash commands and clicks are not (Slack does not either).

use super::payloads::{Ids, Req, Ticket};
use chrono::{DateTime, SecondsFormat, Utc};
use cxbot::clock::SystemClock;
use cxbot::demo::slack::{Options, SlackStandIn};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const SIGNING_SECRET: &str = "crash-signing-secret-0123456789";
pub const WEBHOOK_SECRET: &str = "crash-webhook-secret";
/// Distinct people in the claim races (ULOAD00000..).
pub const USERS: u64 = 10;

/// SplitMix64: small, seedable, good enough to pick actions and kill moments.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next_u64() % (hi - lo + 1)
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }
}

/// The playbook the run uses: the built-in one, reminders at any hour (a follow-up's
/// day-1 reminder goes out as soon as it starts), no leads' digest, and a channel per card
/// kind (posts are paced to one a second per channel: one queue channel would make the
/// final drain take minutes).
pub fn playbook() -> String {
    cxbot::config::playbook::EXAMPLE_PLAYBOOK
        .replace(
            "queue = \"#cx-queue\"",
            "queue = \"#cx-queue\"\nticket = \"#cx-ticket\"\nmissed_call = \"#cx-calls\"\nmissed_chat = \"#cx-chats\"",
        )
        .replace("missed_call = \"queue\"", "missed_call = \"missed_call\"")
        .replace("missed_chat = \"queue\"", "missed_chat = \"missed_chat\"")
        .replace("ticket = \"queue\"", "ticket = \"ticket\"")
        .replace(
            "working_hours = \"09:00-18:00\"",
            "working_hours = \"00:00-23:59\"",
        )
        .replace("times = [\"09:00\", \"15:00\"]", "times = []")
}

/// A Slack stand-in on a free port that records every call.
pub async fn fake_slack() -> (SlackStandIn, String) {
    let mut opts = Options::new(Arc::new(SystemClock));
    opts.record = true;
    let slack = SlackStandIn::new(opts);
    let addr = slack.start().await.expect("fake Slack listens");
    (slack, format!("http://{addr}/"))
}

/// A free local port (bound, then released for the child to take).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// `cxbot serve` as a child process.
pub struct Server {
    pub bin: PathBuf,
    pub env: Vec<(String, String)>,
    pub listen: String,
    pub log: PathBuf,
    child: Option<Child>,
    http: reqwest::Client,
}

impl Server {
    pub fn new(bin: PathBuf, db_url: &str, slack_url: &str, dir: &std::path::Path) -> Self {
        let listen = format!("127.0.0.1:{}", free_port());
        let config = dir.join("crash.toml");
        std::fs::write(&config, playbook()).expect("playbook written");
        let env = [
            ("DATABASE_URL", db_url.to_string()),
            ("SLACK_API_URL", slack_url.to_string()),
            ("SLACK_SIGNING_SECRET", SIGNING_SECRET.to_string()),
            ("SLACK_BOT_TOKEN", "xoxb-crash-token".to_string()),
            ("CXBOT_WEBHOOK_SECRET", WEBHOOK_SECRET.to_string()),
            ("CXBOT_LISTEN", listen.clone()),
            ("CXBOT_CONFIG", config.display().to_string()),
            ("CXBOT_LOG", "warn".to_string()),
        ];
        Self {
            bin,
            env: env.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
            listen,
            log: dir.join("cxbot.log"),
            child: None,
            http: reqwest::Client::new(),
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.listen)
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Starts it and waits for `/readyz` (a start that exits, e.g. the port still held, is
    /// tried again).
    pub async fn start(&mut self, deadline: Duration) -> Result<Duration, String> {
        let began = Instant::now();
        loop {
            let log = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.log)
                .map_err(|e| format!("log {}: {e}", self.log.display()))?;
            let err = log.try_clone().map_err(|e| e.to_string())?;
            let child = Command::new(&self.bin)
                .arg("serve")
                .envs(self.env.iter().map(|(k, v)| (k, v)))
                .stdin(Stdio::null())
                .stdout(log)
                .stderr(err)
                .spawn()
                .map_err(|e| format!("spawn {}: {e}", self.bin.display()))?;
            self.child = Some(child);
            loop {
                if began.elapsed() > deadline {
                    return Err(format!(
                        "cxbot not ready within {deadline:?} (log: {})",
                        self.log.display()
                    ));
                }
                if let Some(Ok(Some(_))) = self.child.as_mut().map(Child::try_wait) {
                    self.child = None;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    break;
                }
                let ready = self
                    .http
                    .get(format!("{}/readyz", self.url()))
                    .timeout(Duration::from_millis(500))
                    .send()
                    .await
                    .is_ok_and(|r| r.status().is_success());
                if ready {
                    return Ok(began.elapsed());
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }

    /// SIGKILL, then reap.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// What one kind of request got.
#[derive(Debug, Default, Clone)]
pub struct Counts {
    pub sent: u64,
    pub ok: u64,
    pub refused: BTreeMap<u16, u64>,
    pub transport: u64,
}

/// A claim's answer, as the person saw it.
#[derive(Debug, Clone)]
pub struct ClaimSeen {
    pub number: String,
    pub user: String,
    pub button: bool,
    pub status: Option<u16>,
    pub text: String,
}

/// Everything the load saw.
#[derive(Debug, Default)]
pub struct Seen {
    pub counts: BTreeMap<&'static str, Counts>,
    /// Ticket number -> the internal id of an accepted (2xx) intake (None: answered as a
    /// duplicate of an attempt a kill cut off).
    pub accepted: BTreeMap<String, Option<i64>>,
    /// Intakes never answered 2xx (given up at the end of the run).
    pub unanswered: Vec<String>,
    pub claims: Vec<ClaimSeen>,
}

pub struct Load {
    pub ids: Ids,
    /// Event ids must differ from `ids`' (`Ev<run>L<i>`): a second run id for home events.
    pub home: Ids,
    pub url: String,
    pub http: reqwest::Client,
    pub seen: Mutex<Seen>,
    /// Set when the load should stop starting stories.
    pub stop: AtomicBool,
    next_story: AtomicU64,
    next_req: AtomicU64,
    seed: u64,
}

fn ids(run: u32, event_type: &str) -> Ids {
    Ids {
        run,
        users: USERS,
        response_url: String::new(),
        signing_secret: SIGNING_SECRET.into(),
        webhook_secret: Some(WEBHOOK_SECRET.into()),
        spread_kinds: true,
        event_type: event_type.into(),
    }
}

enum Sent {
    Answer(u16, String),
    Transport,
}

impl Load {
    /// `run` makes the ids of this run (five digits keep ticket numbers twelve long).
    pub fn new(url: String, seed: u64, run: u32, response_url: String) -> Self {
        let mut a = ids(run, "app_mention");
        let mut b = ids(run + 1, "app_home_opened");
        a.response_url = response_url.clone();
        b.response_url = response_url;
        Self {
            ids: a,
            home: b,
            url,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(5))
                .build()
                .expect("client"),
            seen: Mutex::default(),
            stop: AtomicBool::new(false),
            next_story: AtomicU64::new(0),
            next_req: AtomicU64::new(1),
            seed,
        }
    }

    fn seen(&self) -> std::sync::MutexGuard<'_, Seen> {
        self.seen.lock().unwrap_or_else(|e| e.into_inner())
    }

    async fn send(&self, kind: &'static str, req: Req) -> Sent {
        let mut b = self
            .http
            .post(format!("{}{}", self.url, req.path))
            .header("content-type", req.content_type);
        for (k, v) in &req.headers {
            b = b.header(*k, v.as_str());
        }
        let out = match b.body(req.body.to_vec()).send().await {
            Ok(r) => {
                let status = r.status().as_u16();
                match r.text().await {
                    Ok(t) => Sent::Answer(status, t),
                    Err(_) => Sent::Transport,
                }
            }
            Err(_) => Sent::Transport,
        };
        let mut seen = self.seen();
        let c = seen.counts.entry(kind).or_default();
        c.sent += 1;
        match &out {
            Sent::Answer(s, _) if (200..300).contains(s) => c.ok += 1,
            Sent::Answer(s, _) => *c.refused.entry(*s).or_default() += 1,
            Sent::Transport => c.transport += 1,
        }
        out
    }

    /// Sends until a 2xx (same event, fresh signature), unless the run is over and
    /// `give_up` says so. Returns the 2xx body.
    async fn until_accepted(
        &self,
        kind: &'static str,
        make: impl Fn() -> Req,
        give_up: &AtomicBool,
    ) -> Option<String> {
        loop {
            match self.send(kind, make()).await {
                Sent::Answer(s, body) if (200..300).contains(&s) => return Some(body),
                Sent::Answer(s, body) if s < 500 => {
                    eprintln!("crash: {kind} refused with {s}: {body}");
                    return None;
                }
                _ => {}
            }
            if give_up.load(Ordering::Relaxed) {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn req_id(&self) -> u64 {
        self.next_req.fetch_add(1, Ordering::Relaxed)
    }

    /// A later event on a ticket (`ticket_status`, `customer_reply`), its own event id.
    fn update(&self, seq: u64, number: &str, kind: &str, status: &str, n: u32) -> Req {
        let now = Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true);
        let mut ev = json!({
            "id": format!("crash-{}-{seq}-{kind}-{n}", self.ids.run),
            "type": kind,
            "occurred_at": now,
            "ticket": {"id": number, "status": status},
        });
        if kind == "customer_reply" {
            ev["message"] = json!("Any news? I am still waiting.");
            ev["customer"] = json!({"email": format!("c{seq}@example.com")});
        }
        self.ids.webhook(&ev)
    }

    /// One ticket's story; `give_up` is set when the run ends.
    pub async fn story(&self, give_up: &AtomicBool) {
        let seq = self.next_story.fetch_add(1, Ordering::Relaxed);
        let mut rng = Rng::new(self.seed ^ seq.wrapping_mul(0x2545_f491_4f6c_dd1d));
        let number = self.ids.ticket_number(seq);
        let Some(body) = self
            .until_accepted("intake", || self.ids.intake(seq), give_up)
            .await
        else {
            self.seen().unanswered.push(number);
            return;
        };
        let id = serde_json::from_str::<Value>(&body)
            .ok()
            .and_then(|v| v["ticket"].as_i64());
        // A repeat of an event stored before a kill cut its answer off is answered
        // `duplicate` with no ticket id: the claims then go by command only.
        self.seen().accepted.insert(number.clone(), id);
        let t = Ticket {
            number: number.clone(),
            id: id.unwrap_or_default(),
        };
        // The claim race: 1-3 people at once, each by command or button.
        let racers = rng.range(1, 3);
        let first = rng.range(0, USERS - 1);
        let mut race = Vec::new();
        for r in 0..racers {
            let user = (first + r) % USERS;
            let button = rng.chance(50) && id.is_some();
            let t = t.clone();
            race.push(async move {
                // The user is picked by `i % USERS`; the request id keeps `i` distinct.
                let i = self.req_id() * USERS + user;
                let req = if button {
                    self.ids.button(i, &t)
                } else {
                    self.ids.claim(i, &t)
                };
                let kind = if button { "button" } else { "claim" };
                let sent = self.send(kind, req).await;
                let (status, text) = match sent {
                    Sent::Answer(s, b) => (Some(s), b),
                    Sent::Transport => (None, String::new()),
                };
                self.seen().claims.push(ClaimSeen {
                    number: t.number.clone(),
                    user: format!("ULOAD{user:05}"),
                    button,
                    status,
                    text,
                });
            });
        }
        futures_util::future::join_all(race).await;
        let by = |user: u64| self.req_id() * USERS + user;
        if rng.chance(50) {
            self.send(
                "followup",
                self.ids.slash(by(first), &format!("followup {number}")),
            )
            .await;
            if rng.chance(40) {
                self.send(
                    "followup",
                    self.ids
                        .slash(by(first), &format!("followup {number} done")),
                )
                .await;
            }
        }
        let roll = rng.range(0, 99);
        if roll < 30 {
            let status = if rng.chance(50) { "pending" } else { "solved" };
            self.until_accepted(
                "status",
                || self.update(seq, &number, "ticket_status", status, 0),
                give_up,
            )
            .await;
        } else if roll < 55 {
            self.until_accepted(
                "reply",
                || self.update(seq, &number, "customer_reply", "open", 0),
                give_up,
            )
            .await;
        }
        if rng.chance(30) {
            let i = self.req_id();
            let (ids, kind) = if rng.chance(50) {
                (&self.ids, "mention")
            } else {
                (&self.home, "home")
            };
            self.until_accepted(kind, || ids.event(i), give_up).await;
        }
    }
}

/// Runs stories, at most `concurrency` at once, about `per_second` started a second,
/// until `load.stop` is set; stories still running finish (retrying their webhooks
/// until accepted, or until `give_up`).
pub async fn drive(load: Arc<Load>, concurrency: usize, per_second: f64, give_up: Arc<AtomicBool>) {
    let permits = Arc::new(tokio::sync::Semaphore::new(concurrency.max(1)));
    let gap = Duration::from_secs_f64(1.0 / per_second.max(0.01));
    let mut tasks = tokio::task::JoinSet::new();
    while !load.stop.load(Ordering::Relaxed) {
        let permit = permits.clone().acquire_owned().await.expect("semaphore");
        let (l, g) = (load.clone(), give_up.clone());
        tasks.spawn(async move {
            l.story(&g).await;
            drop(permit);
        });
        tokio::time::sleep(gap).await;
        while tasks.try_join_next().is_some() {}
    }
    while tasks.join_next().await.is_some() {}
}

/// When each kill happened (to tell a duplicate the post-accept window explains from one
/// it does not).
pub type Kills = Vec<DateTime<Utc>>;
