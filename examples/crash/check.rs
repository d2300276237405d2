//! The crash run's verdict, from the Slack stand-in's record and the database once the last
//! restart has drained the jobs: every accepted webhook has exactly one card; every card's
//! last post or update shows the ticket as stored; no message (a reminder, a DM, a thread
//! line, a leads' notice) was posted twice; no claim has two winners; no job is stuck.
//!
//! A message posted twice with a kill between the two posts is the post-accept window
//! (Slack accepted it, the process died before the job's completion committed, the retry
//! posted again); it is counted apart from a duplicate no kill explains.

use super::run::{Kills, Seen};
use chrono::{DateTime, Utc};
use cxbot::demo::slack::Call;
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// The database behind the server, read directly (both dialects take `$N`).
pub enum Db {
    Sqlite(sqlx::SqlitePool),
    Pg(sqlx::PgPool),
}

macro_rules! rows {
    ($db:expr, $t:ty, $sql:expr) => {{
        let sql: String = $sql.to_string();
        match $db {
            Db::Sqlite(p) => {
                sqlx::query_as::<_, $t>(sqlx::AssertSqlSafe(sql.clone()))
                    .fetch_all(p)
                    .await
            }
            Db::Pg(p) => {
                sqlx::query_as::<_, $t>(sqlx::AssertSqlSafe(sql.clone()))
                    .fetch_all(p)
                    .await
            }
        }
        .map_err(|e| format!("{sql}: {e}"))
    }};
}

type JobLine = (i64, String, i64, i64, Option<i64>, Option<String>);
type HeldLine = (i64, String, String);

impl Db {
    pub async fn connect(url: &str) -> Result<Self, String> {
        if url.starts_with("postgres") {
            Ok(Db::Pg(
                sqlx::PgPool::connect(url)
                    .await
                    .map_err(|e| e.to_string())?,
            ))
        } else {
            Ok(Db::Sqlite(
                sqlx::SqlitePool::connect(url)
                    .await
                    .map_err(|e| e.to_string())?,
            ))
        }
    }

    /// Jobs the worker still has to do now: due (or nearly), waiting for their channel's
    /// pace slot, or waiting to retry. Recurring timers are not counted.
    /// Jobs leased by an earlier (killed) process are not counted: `live` is the running
    /// server's pid, the first part of its worker id.
    /// While such jobs are held, a thread line waiting for a held card ("not posted yet")
    /// waits with it and is not counted either. With `wait_held`, all of them count.
    pub async fn work_left(&self, now: i64, live: u32, wait_held: bool) -> Result<i64, String> {
        if wait_held {
            let sql = format!(
                "SELECT COUNT(*) FROM jobs WHERE state = 'pending' AND recurring = 0 AND \
                 (run_at <= {} OR pace_key IS NOT NULL OR last_error IS NOT NULL)",
                now + 2_000
            );
            let r: Vec<(i64,)> = rows!(self, (i64,), sql)?;
            return Ok(r.first().map_or(0, |r| r.0));
        }
        let waiting = if self.held(now, live).await?.is_empty() {
            ""
        } else {
            "AND (last_error IS NULL OR last_error NOT LIKE '%not posted yet%')"
        };
        let sql = format!(
            "SELECT COUNT(*) FROM jobs WHERE state = 'pending' AND recurring = 0 AND \
             (run_at <= {} OR pace_key IS NOT NULL OR last_error IS NOT NULL) AND \
             (locked_until IS NULL OR locked_until <= {now} OR locked_by LIKE '{live}-%') {waiting}",
            now + 2_000
        );
        let r: Vec<(i64,)> = rows!(self, (i64,), sql)?;
        Ok(r.first().map_or(0, |r| r.0))
    }

    /// Pending jobs past due by more than `grace_ms`: (id, name, run_at, attempts,
    /// locked_until, last_error).
    pub async fn overdue(&self, now: i64, grace_ms: i64) -> Result<Vec<JobLine>, String> {
        let sql = format!(
            "SELECT id, name, run_at, attempts, locked_until, last_error FROM jobs \
             WHERE state = 'pending' AND run_at <= {} ORDER BY id",
            now - grace_ms
        );
        rows!(self, JobLine, sql)
    }

    /// Pending jobs still leased (by a killed process, once the server is idle): (id, name,
    /// payload).
    pub async fn held(&self, now: i64, live: u32) -> Result<Vec<HeldLine>, String> {
        let sql = format!(
            "SELECT id, name, payload FROM jobs WHERE state = 'pending' AND locked_until > {now} \
             AND locked_by NOT LIKE '{live}-%' ORDER BY id"
        );
        rows!(self, HeldLine, sql)
    }

    pub async fn dead(&self) -> Result<Vec<JobLine>, String> {
        rows!(
            self,
            JobLine,
            "SELECT id, name, run_at, attempts, locked_until, last_error FROM jobs WHERE state = 'dead' ORDER BY id"
        )
    }

    pub async fn close(&self) {
        match self {
            Db::Sqlite(p) => p.close().await,
            Db::Pg(p) => p.close().await,
        }
    }
}

/// Waits until the worker has nothing left to do now (or `deadline`); returns how long.
pub async fn drain(
    db: &Db,
    live: u32,
    wait_held: bool,
    deadline: Duration,
) -> Result<(Duration, bool), String> {
    let began = Instant::now();
    let mut quiet = 0;
    while began.elapsed() < deadline {
        let left = db
            .work_left(Utc::now().timestamp_millis(), live, wait_held)
            .await?;
        quiet = if left == 0 { quiet + 1 } else { 0 };
        // Twice in a row: a job that finished may have queued another.
        if quiet >= 2 {
            return Ok((began.elapsed(), true));
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    Ok((began.elapsed(), false))
}

#[derive(Debug, Default)]
pub struct Report {
    pub tickets: usize,
    pub cards: usize,
    pub updates: usize,
    pub dms: usize,
    /// Accepted webhooks (or stored tickets) with no card.
    pub lost: Vec<String>,
    /// Duplicates no kill explains.
    pub duplicates: Vec<String>,
    /// Duplicates with a kill between the two posts: the post-accept window.
    pub window_duplicates: Vec<String>,
    /// Cards whose last post or update does not show the stored state.
    pub stale: Vec<String>,
    /// A claim answered "You claimed" to someone who is not the stored owner, or two winners.
    pub claim_conflicts: Vec<String>,
    pub stuck: Vec<String>,
    pub dead: Vec<String>,
    /// Jobs a killed process had leased whose lease (5 min) has not run out yet, with the
    /// cards they leave missing or stale: explained, not failures (the full run waits them
    /// out; a short CI run on PostgreSQL may not).
    pub held: Vec<String>,
    /// Tickets stored though their webhook never got a 2xx (the kill came after the commit).
    pub stored_unanswered: usize,
    pub claims_won: usize,
}

impl Report {
    /// Losses, unexplained duplicates, stale cards, claim conflicts, stuck or dead jobs.
    pub fn failures(&self) -> usize {
        self.lost.len()
            + self.duplicates.len()
            + self.stale.len()
            + self.claim_conflicts.len()
            + self.stuck.len()
            + self.dead.len()
    }
}

fn ok_post(c: &Call) -> bool {
    c.method == "chat.postMessage" && c.status == 200 && c.answer["ok"] == true
}

fn blocks_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A card's ticket number, from its context line ("generic #123 · routed to this channel").
fn card_number(c: &Call) -> Option<String> {
    let blocks = blocks_text(&c.params["blocks"]);
    let at = blocks.find("routed to this channel as")?;
    let head = &blocks[..at];
    let hash = head.rfind(" #")?;
    let digits: String = head[hash + 2..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    (!digits.is_empty()).then_some(digits)
}

/// "2 posts of X (a kill between)" goes to the window list; otherwise a duplicate.
fn classify(r: &mut Report, what: String, times: &[DateTime<Utc>], kills: &Kills) {
    let (first, last) = (times[0], times[times.len() - 1]);
    if kills.iter().any(|k| *k >= first && *k <= last) {
        r.window_duplicates.push(what);
    } else {
        r.duplicates.push(what);
    }
}

type TicketRow = (i64, String, String, String, Option<String>);

pub async fn check(
    db: &Db,
    live: u32,
    calls: &[Call],
    seen: &Seen,
    kills: &Kills,
) -> Result<Report, String> {
    let mut r = Report::default();
    let now = Utc::now().timestamp_millis();
    let held = db.held(now, live).await?;
    let held_tickets: std::collections::BTreeSet<i64> = held
        .iter()
        .filter_map(|(_, _, p)| serde_json::from_str::<Value>(p).ok()?["ticket_id"].as_i64())
        .collect();
    for (id, name, payload) in &held {
        r.held.push(format!("job {id} {name} {payload}"));
    }
    for (id, name, run_at, attempts, locked, err) in db.overdue(now, 5_000).await? {
        if locked.is_some_and(|l| l > now) {
            continue;
        }
        if !held.is_empty() && err.as_deref().is_some_and(|e| e.contains("not posted yet")) {
            r.held
                .push(format!("job {id} {name}: waits for a held card ({err:?})"));
            continue;
        }
        r.stuck.push(format!(
            "job {id} {name}: due {} s ago, attempts {attempts}, locked_until {locked:?}, last error {err:?}",
            (now - run_at) / 1000
        ));
    }
    for (id, name, _, attempts, _, err) in db.dead().await? {
        r.dead.push(format!(
            "job {id} {name} after {attempts} attempts: {err:?}"
        ));
    }
    let tickets: Vec<TicketRow> = rows!(
        db,
        TicketRow,
        "SELECT id, external_id, status, priority, claimed_by FROM tickets ORDER BY id"
    )?;
    let posted: Vec<(String, String, String)> = rows!(
        db,
        (String, String, String),
        "SELECT msg_key, channel, ts FROM slack_messages"
    )?;
    let posted: BTreeMap<String, (String, String)> =
        posted.into_iter().map(|(k, c, t)| (k, (c, t))).collect();
    let audit: Vec<(i64, i64)> = rows!(
        db,
        (i64, i64),
        "SELECT ticket_id, COUNT(*) FROM ticket_audit WHERE action = 'claim' GROUP BY ticket_id"
    )?;
    let audit: BTreeMap<i64, i64> = audit.into_iter().collect();
    r.tickets = tickets.len();

    // Cards by ticket number; every other accepted post by what it says and where.
    let mut cards: BTreeMap<String, Vec<&Call>> = BTreeMap::new();
    let mut others: BTreeMap<String, Vec<DateTime<Utc>>> = BTreeMap::new();
    for c in calls.iter().filter(|c| ok_post(c)) {
        match card_number(c) {
            Some(n) => cards.entry(n).or_default().push(c),
            None => {
                let channel = c.answer["channel"].as_str().unwrap_or_default();
                if channel.starts_with('D') {
                    r.dms += 1;
                }
                let key = format!(
                    "{} thread {} {:?} {}",
                    channel,
                    c.params["thread_ts"].as_str().unwrap_or("-"),
                    c.params["text"].as_str().unwrap_or_default(),
                    blocks_text(&c.params["blocks"])
                );
                others.entry(key).or_default().push(c.at);
            }
        }
    }
    r.cards = cards.values().map(Vec::len).sum();
    r.updates = calls
        .iter()
        .filter(|c| c.method == "chat.update" && c.status == 200)
        .count();
    for (key, times) in others.iter().filter(|(_, t)| t.len() > 1) {
        let short: String = key.chars().take(160).collect();
        classify(
            &mut r,
            format!("{} posts of {short}", times.len()),
            times,
            kills,
        );
    }

    let numbers: BTreeMap<&str, &TicketRow> = tickets.iter().map(|t| (t.1.as_str(), t)).collect();
    for number in seen.accepted.keys() {
        if !numbers.contains_key(number.as_str()) {
            r.lost
                .push(format!("#{number}: answered 2xx, no ticket stored"));
        }
    }
    for (id, number, status, priority, claimed_by) in &tickets {
        if !seen.accepted.contains_key(number) {
            r.stored_unanswered += 1;
        }
        if held_tickets.contains(id) {
            r.held.push(format!(
                "#{number}: its card waits for a killed process's lease"
            ));
            continue;
        }
        let posts = cards.get(number).map(Vec::as_slice).unwrap_or_default();
        match posts.len() {
            0 => {
                r.lost.push(format!("#{number}: no card posted"));
                continue;
            }
            1 => {}
            n => {
                let times: Vec<_> = posts.iter().map(|c| c.at).collect();
                classify(&mut r, format!("{n} cards for #{number}"), &times, kills);
            }
        }
        let Some((channel, ts)) = posted.get(&format!("card:{id}")) else {
            r.lost
                .push(format!("#{number}: card posted but not recorded"));
            continue;
        };
        // The card as Slack shows it: its post, then the updates to that ts.
        let last = calls.iter().rfind(|c| {
            (ok_post(c) && c.answer["ts"] == ts.as_str() && c.answer["channel"] == channel.as_str())
                || (c.method == "chat.update"
                    && c.status == 200
                    && c.params["ts"] == ts.as_str()
                    && c.params["channel"] == channel.as_str())
        });
        let Some(last) = last else {
            r.lost.push(format!(
                "#{number}: the recorded card {channel}/{ts} was never posted"
            ));
            continue;
        };
        let text = last.params["text"].as_str().unwrap_or_default();
        let blocks = blocks_text(&last.params["blocks"]);
        let owner = match claimed_by {
            Some(u) => format!("*Claimed by* <@{u}>"),
            None => "*Assignee:* nobody yet".into(),
        };
        if !text.ends_with(&format!("({priority}, {status})")) || !blocks.contains(&owner) {
            r.stale.push(format!(
                "#{number}: stored {status}/{priority}/{claimed_by:?}, card says {text:?} (owner shown: {})",
                blocks.contains(&owner)
            ));
        }
        if audit.get(id).copied().unwrap_or(0) > 1 {
            r.claim_conflicts.push(format!(
                "#{number}: {} claims in the audit trail",
                audit[id]
            ));
        }
        let winners: std::collections::BTreeSet<&str> = seen
            .claims
            .iter()
            .filter(|c| c.number == *number && c.text.contains("You claimed #"))
            .map(|c| c.user.as_str())
            .collect();
        r.claims_won += usize::from(claimed_by.is_some());
        if winners.len() > 1 {
            r.claim_conflicts
                .push(format!("#{number}: told {winners:?} they claimed it"));
        }
        if let Some(w) = winners.iter().next() {
            if claimed_by.as_deref() != Some(*w) {
                r.claim_conflicts.push(format!(
                    "#{number}: {w} was told they claimed it, stored owner {claimed_by:?}"
                ));
            }
        }
    }
    Ok(r)
}
