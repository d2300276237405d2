//! The stage the script plays on: the manual clock, and the worker drained at each step so
//! every job runs at its own simulated time (the requests the script sends are `send.rs`).
//! What Slack was asked to show is printed as the clock reaches it.

use super::print::Printer;
use super::slack::SlackStandIn;
use super::{Pace, Team};
use crate::app::AppState;
use crate::clock::{Clock, ManualClock};
use crate::jobs::worker::Worker;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use serde_json::Value;
use std::collections::HashSet;
use std::sync::atomic::AtomicU64;
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
    pub(super) http: reqwest::Client,
    pub(super) base: String,
    pace: Pace,
    /// The day the script is on (team time zone).
    pub day: NaiveDate,
    /// Daytime stops are at most one per this many ms (0: at every due job, so at every
    /// minute's sweep). The quiet days after the first use a few minutes.
    pub step_ms: i64,
    pub(super) requests: AtomicU64,
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
