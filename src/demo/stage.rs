//! The stage the script plays on: the manual clock, the worker drained at each step, and
//! real signed HTTP requests to the app's own listener, as Slack and the helpdesks send
//! them. What Slack was asked to show is printed as the clock reaches it.

use super::print::Printer;
use super::slack::SlackStandIn;
use super::{Pace, Team};
use crate::app::AppState;
use crate::clock::{Clock, ManualClock};
use crate::jobs::worker::Worker;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use serde_json::{json, Value};
use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// The made-up secrets the demo's app is configured with and its requests are signed with.
pub const SIGNING_SECRET: &str = "demo-signing-secret";
pub const FRESHDESK_TOKEN: &str = "demo-freshdesk-token";
pub const ZENDESK_SECRET: &str = "demo-zendesk-secret";
pub const GENERIC_SECRET: &str = "demo-generic-secret";

/// Nights pass in steps of this size: one sweep each, not one a minute.
const NIGHT_STEP_MS: i64 = 15 * 60_000;
/// Jobs due within this long run on time even when the day is passed in steps.
const PACED_MS: i64 = 30_000;
/// A pause under `--speed` is never longer than this (real time).
const MAX_PAUSE: std::time::Duration = std::time::Duration::from_millis(1_500);

pub struct Stage {
    pub clock: Arc<ManualClock>,
    pub state: AppState,
    pub worker: Worker,
    pub slack: SlackStandIn,
    pub team: Team,
    pub out: Printer,
    http: reqwest::Client,
    base: String,
    pace: Pace,
    /// The day the script is on (team time zone).
    pub day: NaiveDate,
    /// Daytime stops are at most one per this many ms (0: at every due job, so at every
    /// minute's sweep). The quiet days after the first use a few minutes.
    pub step_ms: i64,
    requests: AtomicU64,
    pub jobs: usize,
    /// Recorded calls already printed.
    seen: usize,
    /// Messages (by ts) whose check-in button was clicked.
    checked_in: HashSet<String>,
}

/// A card's place in Slack, for a click on it.
#[derive(Debug, Clone)]
pub struct Card {
    pub channel: String,
    pub ts: String,
}

impl Stage {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        clock: Arc<ManualClock>,
        state: AppState,
        worker: Worker,
        slack: SlackStandIn,
        team: Team,
        out: Printer,
        base: String,
        pace: Pace,
    ) -> Self {
        let day = clock.now().with_timezone(&team.tz).date_naive();
        Self {
            clock,
            state,
            worker,
            slack,
            team,
            out,
            http: reqwest::Client::new(),
            base,
            pace,
            day,
            step_ms: 0,
            requests: AtomicU64::new(0),
            jobs: 0,
            seen: 0,
            checked_in: HashSet::new(),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    fn local(&self, h: u32, m: u32) -> DateTime<Utc> {
        let naive = self.day.and_hms_opt(h, m, 0).expect("a valid time of day");
        self.team
            .tz
            .from_local_datetime(&naive)
            .earliest()
            .expect("the demo's days have no DST gap")
            .with_timezone(&Utc)
    }

    /// Plays the clock on to `h:m` today: every job due on the way runs at its own time.
    pub async fn at(&mut self, h: u32, m: u32) -> anyhow::Result<()> {
        let target = self.local(h, m);
        self.advance_to(target, self.step_ms).await
    }

    /// The next day at `h:m`, passing the night (and the day's evening) in 15-minute steps.
    pub async fn next_day(&mut self, h: u32, m: u32) -> anyhow::Result<()> {
        self.day = self.day.succ_opt().expect("a next day");
        let target = self.local(h, m);
        self.advance_to(target, NIGHT_STEP_MS).await?;
        self.pause(60 * 60_000).await;
        self.out.day_heading(self.day);
        Ok(())
    }

    async fn advance_to(&mut self, target: DateTime<Utc>, step_ms: i64) -> anyhow::Result<()> {
        let target = target.timestamp_millis();
        loop {
            self.drain().await?;
            let now = self.clock.now_ms();
            let next = self.state.services.store.next_run_at().await?;
            let mut at = match next {
                Some(n) if n <= target => n.max(now + 1),
                _ => break,
            };
            if step_ms > 0 && at - now > PACED_MS {
                // At most one stop per step: round up to the step's boundary. A job due in
                // the next seconds (a paced post, a 429's Retry-After) runs on time.
                at = at.max(now - now.rem_euclid(step_ms) + step_ms).min(target);
            }
            if step_ms < NIGHT_STEP_MS {
                self.pause(at - now).await;
            }
            self.clock.set(crate::clock::from_ms(at));
        }
        let now = self.clock.now_ms();
        if target > now {
            if step_ms < NIGHT_STEP_MS {
                self.pause(target - now).await;
            }
            self.clock.set(crate::clock::from_ms(target));
        }
        self.drain().await
    }

    /// Under `--speed N`, N simulated minutes take a real second.
    async fn pause(&self, simulated_ms: i64) {
        if let Pace::Speed(per_second) = self.pace {
            let minutes = simulated_ms as f64 / 60_000.0;
            let real = std::time::Duration::from_secs_f64((minutes / per_second).max(0.0));
            tokio::time::sleep(real.min(MAX_PAUSE)).await;
        }
    }

    /// Runs every job due now, then prints what Slack was asked to show.
    pub async fn drain(&mut self) -> anyhow::Result<()> {
        self.jobs += self.worker.run_until_empty().await?;
        self.flush();
        Ok(())
    }

    /// Prints the calls recorded since the last flush.
    pub fn flush(&mut self) {
        let calls = self.slack.calls_since(self.seen);
        self.seen += calls.len();
        for c in &calls {
            self.out.call(c, &self.slack, &self.team);
        }
    }

    /// Requests sent to the app so far.
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    async fn post(
        &self,
        path: &str,
        body: String,
        content_type: &str,
        headers: Vec<(&'static str, String)>,
    ) -> anyhow::Result<(u16, Value)> {
        let mut req = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", content_type)
            .body(body);
        for (k, v) in headers {
            req = req.header(k, v);
        }
        self.requests.fetch_add(1, Ordering::Relaxed);
        let res = req.send().await?;
        let status = res.status().as_u16();
        let text = res.text().await?;
        let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        if status >= 400 {
            anyhow::bail!("POST {path} answered {status}: {value}");
        }
        Ok((status, value))
    }

    /// A helpdesk webhook, signed as that helpdesk signs it; returns cxbot's ticket id.
    pub async fn hook(&mut self, provider: &str, body: Value) -> anyhow::Result<i64> {
        use crate::webhooks::auth::{sign_generic, sign_zendesk};
        let body = body.to_string();
        let now = self.now();
        let headers = match provider {
            "freshdesk" => vec![("x-cxbot-token", FRESHDESK_TOKEN.to_string())],
            "zendesk" => {
                let ts = now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
                vec![
                    (
                        "x-zendesk-webhook-signature",
                        sign_zendesk(&ts, body.as_bytes(), ZENDESK_SECRET),
                    ),
                    ("x-zendesk-webhook-signature-timestamp", ts),
                ]
            }
            _ => vec![
                ("x-cxbot-timestamp", now.timestamp().to_string()),
                (
                    "x-cxbot-signature",
                    sign_generic(now.timestamp(), body.as_bytes(), GENERIC_SECRET),
                ),
            ],
        };
        let path = format!("/hooks/{provider}");
        let (_, reply) = self.post(&path, body, "application/json", headers).await?;
        self.drain().await?;
        reply["ticket"]
            .as_i64()
            .ok_or_else(|| anyhow::anyhow!("{path} accepted no ticket: {reply}"))
    }

    fn slack_headers(&self, body: &str) -> Vec<(&'static str, String)> {
        let ts = self.now().timestamp().to_string();
        let sig = crate::slack::verify::sign(SIGNING_SECRET.as_bytes(), &ts, body.as_bytes());
        vec![
            ("x-slack-request-timestamp", ts),
            ("x-slack-signature", sig),
        ]
    }

    /// `/cx <text>` typed by `user` in the queue channel; prints it and the first `lines`
    /// lines of the answer only they see.
    pub async fn command(&mut self, user: &str, text: &str, lines: usize) -> anyhow::Result<()> {
        let name = self.team.name(user);
        // As typed: a mention reads "@Dana" in the message box.
        let typed = text.replace("<@", "@").replace('>', "");
        let typed = super::PEOPLE
            .iter()
            .fold(typed, |t, p| t.replace(&format!("@{}", p.id), &format!("@{}", p.name)));
        self.out.action(self.now(), &name, &format!("/cx {typed}"));
        let reply = self.command_quietly(user, text).await?;
        self.out.private_reply(&reply, lines, &self.team);
        self.drain().await
    }

    /// A command whose answer is not printed (the routine of the later days).
    pub async fn command_quietly(&mut self, user: &str, text: &str) -> anyhow::Result<Value> {
        let queue = crate::demo::slack::channel_id(&self.team.queue);
        let body = serde_urlencoded::to_string([
            ("token", "legacy"),
            ("team_id", "T0DEMO"),
            ("team_domain", "demo"),
            ("channel_id", queue.as_str()),
            ("channel_name", self.team.queue.trim_start_matches('#')),
            ("user_id", user),
            ("user_name", &self.team.name(user).to_lowercase()),
            ("command", "/cx"),
            ("text", text),
            ("api_app_id", "A0DEMO"),
            (
                "response_url",
                "https://hooks.slack.com/commands/T0DEMO/1/x",
            ),
            ("trigger_id", "111.222.demo"),
        ])?;
        let headers = self.slack_headers(&body);
        let (_, reply) = self
            .post(
                "/slack/commands",
                body,
                "application/x-www-form-urlencoded",
                headers,
            )
            .await?;
        Ok(reply)
    }

    /// An interactivity payload (a click or a form submitted).
    pub async fn interact(&self, payload: &Value) -> anyhow::Result<Value> {
        let body = serde_urlencoded::to_string([("payload", payload.to_string())])?;
        let headers = self.slack_headers(&body);
        let (_, reply) = self
            .post(
                "/slack/interactivity",
                body,
                "application/x-www-form-urlencoded",
                headers,
            )
            .await?;
        Ok(reply)
    }

    /// Several people acting at once: the same as [`Stage::interact`], on a shared borrow.
    pub async fn interact_detached(&self, payload: &Value) -> anyhow::Result<Value> {
        self.interact(payload).await
    }

    /// A `block_actions` payload: `user` clicked `action_id` with `value` on `on`.
    pub fn click_payload(&self, user: &str, action_id: &str, value: &str, on: &Card) -> Value {
        json!({
            "type": "block_actions",
            "user": {"id": user, "username": self.team.name(user).to_lowercase(), "team_id": "T0DEMO"},
            "api_app_id": "A0DEMO",
            "trigger_id": "111.222.demo",
            "team": {"id": "T0DEMO", "domain": "demo"},
            "response_url": "https://hooks.slack.com/actions/T0DEMO/1/x",
            "container": {"type": "message", "message_ts": on.ts, "channel_id": on.channel},
            "channel": {"id": on.channel},
            "message": {"ts": on.ts, "type": "message"},
            "actions": [{"type": "button", "action_id": action_id, "block_id": "b", "value": value,
                         "action_ts": format!("{}.000100", self.now().timestamp())}]
        })
    }

    /// `user` clicks a button (named `label` in the narration) on `on`.
    pub async fn click(
        &mut self,
        user: &str,
        label: &str,
        action_id: &str,
        value: &str,
        on: &Card,
    ) -> anyhow::Result<()> {
        let name = self.team.name(user);
        self.out
            .action(self.now(), &name, &format!("clicks {label}"));
        let payload = self.click_payload(user, action_id, value, on);
        self.interact(&payload).await?;
        self.drain().await
    }

    /// A form (modal) submitted by `user`.
    pub async fn submit(
        &mut self,
        user: &str,
        callback_id: &str,
        metadata: &str,
        values: Value,
    ) -> anyhow::Result<()> {
        let payload = json!({
            "type": "view_submission",
            "user": {"id": user},
            "view": {"id": "V0DEMO", "callback_id": callback_id, "private_metadata": metadata,
                     "state": {"values": values}}
        });
        self.interact(&payload).await?;
        self.drain().await
    }

    /// The buttons `action_id` on the messages posted so far, newest first: (value, where
    /// the message is, the user whose DM it is in).
    fn buttons(&self, action_id: &str) -> Vec<(String, Card, Option<String>)> {
        let mut found = Vec::new();
        for c in self.slack.calls_since(0).into_iter().rev() {
            if c.method != "chat.postMessage" || c.status != 200 {
                continue;
            }
            let Some(value) = button_value(&c.params["blocks"], action_id) else {
                continue;
            };
            let channel = c.answer["channel"].as_str().unwrap_or_default().to_string();
            let user = self.slack.dm_user(&channel);
            let ts = c.answer["ts"].as_str().unwrap_or_default().to_string();
            found.push((value, Card { channel, ts }, user));
        }
        found
    }

    /// Everyone but `except` clicks Checked in on the prompts they have not answered yet
    /// (one line for all of them; the thanks each gets is counted, not printed).
    pub async fn answer_checkins(&mut self, except: &[&str]) -> anyhow::Result<()> {
        let mut prompts = self.buttons("cx_checked_in");
        prompts.reverse();
        let mut who = Vec::new();
        let mut clicks = Vec::new();
        for (value, card, user) in prompts {
            let Some(user) = user else {
                continue;
            };
            // A prompt seen is dealt with: answered now, or (for `except`) left to lapse.
            if !self.checked_in.insert(card.ts.clone()) || except.contains(&user.as_str()) {
                continue;
            }
            let name = self.team.name(&user);
            if !who.contains(&name) {
                who.push(name);
            }
            clicks.push(self.click_payload(&user, "cx_checked_in", &value, &card));
        }
        if clicks.is_empty() {
            return Ok(());
        }
        self.out
            .action(self.now(), &who.join(", "), "click Checked in on their DMs");
        for c in &clicks {
            self.interact(c).await?;
        }
        self.out.mute_private = true;
        let drained = self.drain().await;
        self.out.mute_private = false;
        drained
    }

    /// `user` clicks Acknowledge on the latest directive.
    pub async fn acknowledge(&mut self, user: &str) -> anyhow::Result<()> {
        let (value, card, _) = self
            .buttons("cx_directive_ack")
            .into_iter()
            .next()
            .ok_or_else(|| anyhow::anyhow!("no directive to acknowledge"))?;
        self.click(user, "Acknowledge", "cx_directive_ack", &value, &card)
            .await
    }

    /// Where ticket `id`'s card was posted.
    pub async fn card(&self, id: i64) -> anyhow::Result<Card> {
        let posted = self
            .state
            .services
            .store
            .posted_message(&format!("card:{id}"))
            .await?
            .ok_or_else(|| anyhow::anyhow!("ticket {id} has no card yet"))?;
        Ok(Card {
            channel: posted.channel,
            ts: posted.ts,
        })
    }
}

/// The value of the first button `action_id` in a message's blocks.
fn button_value(blocks: &Value, action_id: &str) -> Option<String> {
    match blocks {
        Value::Object(m) => {
            if m.get("action_id").and_then(Value::as_str) == Some(action_id) {
                return m.get("value").and_then(Value::as_str).map(str::to_string);
            }
            m.values().find_map(|v| button_value(v, action_id))
        }
        Value::Array(a) => a.iter().find_map(|v| button_value(v, action_id)),
        Value::String(s) if s.starts_with('[') => {
            button_value(&serde_json::from_str(s).unwrap_or(Value::Null), action_id)
        }
        _ => None,
    }
}

/// The demo's first morning: Monday 23 November 2026, 07:50 in `tz`.
pub fn first_morning(tz: chrono_tz::Tz) -> DateTime<Utc> {
    tz.with_ymd_and_hms(2026, 11, 23, 7, 50, 0)
        .earliest()
        .expect("a plain morning")
        .with_timezone(&Utc)
}
