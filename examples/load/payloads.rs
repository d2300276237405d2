//! The requests the load tool sends: each one different (distinct ticket, event and message
//! ids) and signed the way Slack and the generic webhook sign theirs.

use chrono::{SecondsFormat, Utc};
use cxbot::webhooks::auth::{sign_generic, GENERIC_SIGNATURE_HEADER, GENERIC_TIMESTAMP_HEADER};
use hyper::body::Bytes;
use serde_json::json;

/// The `challenge` of the `url_verification` body (`examples/bare.rs` answers with it).
pub const CHALLENGE: &str = "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P";

/// One request, ready to send.
#[derive(Clone)]
pub struct Req {
    pub path: &'static str,
    pub content_type: &'static str,
    pub headers: Vec<(&'static str, String)>,
    pub body: Bytes,
}

/// The requests of a file written by `--emit` (see there for the format), for `--from`.
/// Paths, content types and header names are few: each distinct one is kept once, for the
/// life of the process.
pub fn read_emitted(text: &str) -> Result<Vec<Req>, String> {
    let mut seen = std::collections::HashMap::<&str, &'static str>::new();
    let mut keep = |s: &str| -> &'static str {
        if let Some(k) = seen.get(s) {
            return k;
        }
        let k: &'static str = Box::leak(s.to_owned().into_boxed_str());
        seen.insert(k, k);
        k
    };
    let mut reqs = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let fields: Vec<&str> = line.split('\t').collect();
        let (path, body) = (fields[0], fields[fields.len() - 1]);
        if fields.len() < 3 || !path.starts_with('/') {
            return Err(format!("line {}: not a path, headers and a body", n + 1));
        }
        let mut req = Req {
            path: keep(path),
            content_type: "",
            headers: Vec::new(),
            body: Bytes::copy_from_slice(body.as_bytes()),
        };
        for h in &fields[1..fields.len() - 1] {
            let (name, value) = h
                .split_once(": ")
                .ok_or_else(|| format!("line {}: `{h}` is not a header", n + 1))?;
            if name.eq_ignore_ascii_case("content-type") {
                req.content_type = keep(value);
            } else {
                req.headers.push((keep(name), value.to_owned()));
            }
        }
        reqs.push(req);
    }
    Ok(reqs)
}

/// A ticket created by the prepare step: its helpdesk number (what agents type after
/// `/cx claim`) and cxbot's internal id (what a Claim button carries as its value).
#[derive(Debug, Clone)]
pub struct Ticket {
    pub number: String,
    pub id: i64,
}

/// What every payload needs to know.
pub struct Ids {
    /// Distinguishes this run's ids from earlier runs against the same database.
    pub run: u32,
    pub users: u64,
    pub response_url: String,
    pub signing_secret: String,
    pub webhook_secret: Option<String>,
    /// Intake cycles through the eight card kinds (for the multi-channel pacing run).
    pub spread_kinds: bool,
    pub event_type: String,
}

fn unix_now() -> i64 {
    Utc::now().timestamp()
}

impl Ids {
    /// The helpdesk ticket number of intake event `seq`: digits only, like a real helpdesk.
    pub fn ticket_number(&self, seq: u64) -> String {
        format!("{}{seq:07}", self.run)
    }

    fn user(&self, i: u64) -> (String, String) {
        let n = i % self.users.max(1);
        (format!("ULOAD{n:05}"), format!("agent{n}"))
    }

    fn slack_signed(&self, path: &'static str, content_type: &'static str, body: String) -> Req {
        let ts = unix_now().to_string();
        let sig = cxbot::slack::verify::sign(self.signing_secret.as_bytes(), &ts, body.as_bytes());
        Req {
            path,
            content_type,
            headers: vec![
                (cxbot::slack::verify::TIMESTAMP_HEADER, ts),
                (cxbot::slack::verify::SIGNATURE_HEADER, sig),
            ],
            body: Bytes::from(body),
        }
    }

    /// `POST /hooks/generic` creating ticket `seq` (event id `load-<run>-<seq>`).
    pub fn intake(&self, seq: u64) -> Req {
        let number = self.ticket_number(seq);
        let now = Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true);
        let mut ev = json!({
            "id": format!("load-{}-{seq}", self.run),
            "type": "ticket",
            "occurred_at": now,
            "ticket": {
                "id": number,
                "url": format!("https://desk.example.com/tickets/{number}"),
                "subject": format!("Load test ticket {seq}: where is my order?"),
                "priority": "medium", "status": "open", "source": "email",
                "created_at": now,
            },
            "customer": {"name": format!("Customer {seq}"), "email": format!("c{seq}@example.com")},
            "message": "Hello, I ordered last week and nothing has arrived yet. Can you check?",
        });
        if self.spread_kinds {
            spread(&mut ev, seq);
        }
        self.webhook(&ev)
    }

    /// `POST /hooks/generic` with any event in cxbot's generic format, signed.
    pub fn webhook(&self, ev: &serde_json::Value) -> Req {
        let body = ev.to_string();
        let secret = self.webhook_secret.as_deref().unwrap_or_default();
        let ts = unix_now();
        Req {
            path: "/hooks/generic",
            content_type: "application/json",
            headers: vec![
                (GENERIC_TIMESTAMP_HEADER, ts.to_string()),
                (
                    GENERIC_SIGNATURE_HEADER,
                    sign_generic(ts, body.as_bytes(), secret),
                ),
            ],
            body: Bytes::from(body),
        }
    }

    /// A signed `/cx <text>` from user `i` (of `users`).
    pub fn slash(&self, i: u64, text: &str) -> Req {
        let (user_id, user_name) = self.user(i);
        let trigger = format!("{i}.{}.load", self.run);
        let body = serde_urlencoded::to_string([
            ("token", "load"),
            ("team_id", "T0LOAD"),
            ("team_domain", "load"),
            ("channel_id", "C0LOADQ"),
            ("channel_name", "cx-queue"),
            ("user_id", &user_id),
            ("user_name", &user_name),
            ("command", "/cx"),
            ("text", text),
            ("api_app_id", "A0LOAD"),
            ("response_url", &self.response_url),
            ("trigger_id", &trigger),
        ])
        .expect("form encodes");
        self.slack_signed("/slack/commands", "application/x-www-form-urlencoded", body)
    }

    /// A signed `/cx help`.
    pub fn help(&self, i: u64) -> Req {
        self.slash(i, "help")
    }

    /// A signed `/cx claim <number>`.
    pub fn claim(&self, i: u64, t: &Ticket) -> Req {
        self.slash(i, &format!("claim {}", t.number))
    }

    /// A signed block_actions click on a card's Claim button: action_id `cx_claim`, value
    /// the ticket's internal id as a decimal string; a distinct message ts per click.
    pub fn button(&self, i: u64, t: &Ticket) -> Req {
        let (user_id, user_name) = self.user(i);
        let ts = format!("{}.{:06}", 1_700_000_000 + i / 1_000_000, i % 1_000_000);
        let now = format!("{}.000100", unix_now());
        let payload = json!({
            "type": "block_actions",
            "user": {"id": user_id, "username": user_name, "name": user_name, "team_id": "T0LOAD"},
            "api_app_id": "A0LOAD", "token": "load",
            "container": {"type": "message", "message_ts": ts, "channel_id": "C0LOADQ", "is_ephemeral": false},
            "trigger_id": format!("{i}.{}.load", self.run),
            "team": {"id": "T0LOAD", "domain": "load"},
            "channel": {"id": "C0LOADQ", "name": "cx-queue"},
            "message": {"type": "message", "ts": ts, "text": "ticket card", "bot_id": "BCXBOT"},
            "response_url": self.response_url,
            "actions": [{
                "action_id": "cx_claim", "block_id": "card_actions", "type": "button",
                "value": t.id.to_string(), "action_ts": now,
                "text": {"type": "plain_text", "text": "Claim"},
            }],
        });
        let body =
            serde_urlencoded::to_string([("payload", payload.to_string())]).expect("form encodes");
        self.slack_signed(
            "/slack/interactivity",
            "application/x-www-form-urlencoded",
            body,
        )
    }

    /// A signed `url_verification` (the challenge `examples/bare.rs --reply challenge` echoes).
    pub fn challenge(&self) -> Req {
        let body = json!({
            "token": "load", "challenge": CHALLENGE, "type": "url_verification",
        })
        .to_string();
        self.slack_signed("/slack/events", "application/json", body)
    }

    /// One event_callback redelivered: the same event id (`Ev<run>R`) every time, with
    /// `X-Slack-Retry-Num: 1`, so every request after the first repeats a recorded event.
    pub fn retry(&self) -> Req {
        let mut req = self.event_with_id(0, format!("Ev{}R", self.run));
        req.headers.push(("x-slack-retry-num", "1".into()));
        req.headers
            .push(("x-slack-retry-reason", "http_timeout".into()));
        req
    }

    /// A signed block_actions click on an action id cxbot does not know (a button of a
    /// removed feature on an old message): acknowledged, nothing done.
    pub fn unknown_action(&self, i: u64) -> Req {
        let (user_id, user_name) = self.user(i);
        let payload = json!({
            "type": "block_actions",
            "user": {"id": user_id, "username": user_name, "name": user_name, "team_id": "T0LOAD"},
            "api_app_id": "A0LOAD", "token": "load", "trigger_id": format!("{i}.{}.load", self.run),
            "team": {"id": "T0LOAD"}, "channel": {"id": "C0LOADQ"},
            "message": {"type": "message", "ts": "1700000000.000100"},
            "response_url": self.response_url,
            "actions": [{"action_id": "load_unknown_action", "block_id": "old_card", "type": "button", "value": "42"}],
        });
        let body =
            serde_urlencoded::to_string([("payload", payload.to_string())]).expect("form encodes");
        self.slack_signed(
            "/slack/interactivity",
            "application/x-www-form-urlencoded",
            body,
        )
    }

    /// A signed event_callback with a distinct event id (`app_mention` by default).
    pub fn event(&self, i: u64) -> Req {
        self.event_with_id(i, format!("Ev{}L{i}", self.run))
    }

    fn event_with_id(&self, i: u64, event_id: String) -> Req {
        let (user_id, _) = self.user(i);
        let now = unix_now();
        let ts = format!("{now}.{:06}", i % 1_000_000);
        let mut event = json!({
            "type": self.event_type, "user": user_id, "text": "<@UCXBOT> what is in the queue?",
            "ts": ts, "channel": "C0LOADQ", "event_ts": ts,
        });
        if self.event_type == "app_home_opened" {
            event["tab"] = json!("home");
            event["channel"] = json!(format!("D{user_id}"));
        }
        let body = json!({
            "token": "load", "team_id": "T0LOAD", "api_app_id": "A0LOAD",
            "event": event, "type": "event_callback",
            "event_id": event_id, "event_time": now,
            "authorizations": [{"team_id": "T0LOAD", "user_id": "UCXBOT", "is_bot": true}],
        })
        .to_string();
        self.slack_signed("/slack/events", "application/json", body)
    }
}

/// Rewrites an intake event into one of the eight card kinds, by `seq`, so a playbook that
/// gives each kind its own channel spreads cards over eight channels.
fn spread(ev: &mut serde_json::Value, seq: u64) {
    let t = &mut ev["ticket"];
    match seq % 8 {
        0 => {} // email
        1 => t["source"] = json!("portal"),
        2 => {
            ev["type"] = json!("missed_call");
            ev["ticket"]["source"] = json!("phone");
            ev["customer"]["phone"] = json!(format!("+1 555 {:07}", seq % 10_000_000));
        }
        3 => {
            ev["type"] = json!("missed_chat");
            ev["ticket"]["source"] = json!("chat");
        }
        4 | 5 => {
            ev["type"] = json!("social");
            ev["ticket"]["source"] = json!("social");
            ev["social"] = json!({"platform": "facebook", "kind": "dm", "brand": "OurBus"});
            if seq % 8 == 5 {
                ev["message"] = json!("Hi! Influencer here, would love a promo code collab.");
            }
        }
        _ => {
            ev["type"] = json!("app_review");
            ev["ticket"]["source"] = json!("app_store");
            ev["review"] = json!({"store": "google_play", "rating": 2, "app_version": "4.1.0", "beta": seq % 8 == 7});
        }
    }
}
