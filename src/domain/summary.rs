//! The daily event summary's figures (issue 17, seeds 000 and 001), pure: one function over
//! the tickets received in the window and the audit entries written in it, so every
//! figure can be counted by hand from the rows and is unit-tested here.

use super::ticket::Ticket;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One audit entry, as the summary reads it (`ticket_audit`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub ticket_id: i64,
    pub action: String,
    pub actor: String,
    pub target: Option<String>,
    pub detail: Option<String>,
    pub at: i64,
}

/// What the summary says about one day.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// The window, [from, to) in unix ms, and the zone it is shown in.
    pub from: i64,
    pub to: i64,
    pub timezone: String,
    /// Posted after its time (cxbot was down then).
    pub late: bool,
    /// Tickets received, by kind ("missed_call", "social dm", ...), with how many are
    /// still open and unclaimed.
    pub received: BTreeMap<String, (i64, i64)>,
    /// Minutes from a ticket's creation to its claim, for tickets received in the window:
    /// median and 90th percentile.
    pub claim_minutes: Option<(i64, i64)>,
    /// Minutes to the first response (the SLA clock met).
    pub response_minutes: Option<(i64, i64)>,
    /// SLA warnings and breaches by channel.
    pub sla_warnings: BTreeMap<String, i64>,
    pub sla_breaches: BTreeMap<String, i64>,
    /// Escalations by target.
    pub escalations: BTreeMap<String, i64>,
    pub missed_calls: i64,
    pub callbacks: i64,
    /// Follow-up steps logged: attempts, closed as unresponsive, escalated (final steps);
    /// and how many runs are overdue at the summary's time.
    pub followups_done: i64,
    pub followups_closed: i64,
    pub followups_escalated: i64,
    pub followups_overdue: i64,
    /// Per person: claims, escalations, callbacks, social tickets claimed.
    pub agents: BTreeMap<String, AgentFigures>,
    /// Check-ins per person: (prompted, checked).
    pub checkins: BTreeMap<String, (i64, i64)>,
    /// Live directives and how many have not acknowledged them.
    pub directives_missing: Vec<(i64, i64)>,
    /// Tickets on a long engineering hold.
    pub fringe: i64,
    /// Cards re-announced to the leads for waiting unclaimed past `[unclaimed]`'s time,
    /// by kind.
    #[serde(default)]
    pub unclaimed_escalations: BTreeMap<String, i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentFigures {
    pub claims: i64,
    pub escalations: i64,
    pub callbacks: i64,
    pub social: i64,
    #[serde(default)]
    pub followups: i64,
    /// Tickets received in the window whose first response came while they held them.
    #[serde(default)]
    pub first_responses: i64,
}

/// The leads' digest (issue 17): what needs them now. Each list holds at most
/// [`DIGEST_LIST`] tickets; the counts are complete.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Digest {
    pub at: i64,
    /// Unclaimed tickets by age: "under 1 h", "1-4 h", "4-24 h", "over a day".
    pub unclaimed_by_age: Vec<(String, i64)>,
    pub near_breach: Vec<Ticket>,
    pub overdue_followups: Vec<Ticket>,
    /// Claims with no activity for longer than the lease.
    pub idle_claims: Vec<Ticket>,
    pub on_shift: Vec<String>,
    /// Of the unclaimed, those re-announced for waiting past `[unclaimed]`'s time for their
    /// kind (and still nobody's).
    #[serde(default)]
    pub unclaimed_past_time: i64,
}

pub const DIGEST_LIST: usize = 10;

impl Digest {
    pub fn is_all_clear(&self) -> bool {
        self.unclaimed_by_age.iter().all(|(_, n)| *n == 0)
            && self.near_breach.is_empty()
            && self.overdue_followups.is_empty()
            && self.idle_claims.is_empty()
    }
}

/// Unclaimed tickets' ages into the digest's buckets.
pub fn age_buckets(opened: &[i64], now: i64) -> Vec<(String, i64)> {
    const H: i64 = 3_600_000;
    let mut b = [0i64; 4];
    for o in opened {
        let age = now - o;
        let i = match age {
            a if a < H => 0,
            a if a < 4 * H => 1,
            a if a < 24 * H => 2,
            _ => 3,
        };
        b[i] += 1;
    }
    ["under 1 h", "1-4 h", "4-24 h", "over a day"]
        .iter()
        .zip(b)
        .map(|(l, n)| (l.to_string(), n))
        .collect()
}

/// People listed per message: the per-agent table is the part of a summary that grows,
/// so a long one pages into its thread, never past Slack's limits.
pub const AGENTS_PER_PAGE: usize = 40;

impl Summary {
    /// How many messages the summary takes (the first, then its thread).
    pub fn page_count(&self) -> usize {
        self.agents.len().div_ceil(AGENTS_PER_PAGE).max(1)
    }
}

/// The kind a ticket is counted under: the card kind, social split by DM, comment or
/// mention where the helpdesk said.
fn kind_of(t: &Ticket) -> String {
    if t.kind == "social" {
        let kind = t
            .social
            .as_deref()
            .and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok())
            .and_then(|v| v.get("kind").and_then(|k| k.as_str()).map(str::to_string));
        if let Some(k) = kind {
            return format!("social {k}");
        }
    }
    t.kind.clone()
}

/// The median and 90th percentile (nearest rank) of `v`, in whole minutes.
pub fn percentiles(mut v: Vec<i64>) -> Option<(i64, i64)> {
    if v.is_empty() {
        return None;
    }
    v.sort_unstable();
    let rank = |p: usize| v[((v.len() * p).div_ceil(100)).clamp(1, v.len()) - 1] / 60_000;
    Some((rank(50), rank(90)))
}

/// The figures of [from, to): `received` are the tickets created in it, `audit` the
/// entries written in it, `tickets` every ticket an entry names (for its kind and channel).
pub fn summarize(
    from: i64,
    to: i64,
    received: &[Ticket],
    audit: &[AuditEntry],
    tickets: &BTreeMap<i64, Ticket>,
) -> Summary {
    let mut s = Summary {
        from,
        to,
        ..Summary::default()
    };
    let mut claim_times = Vec::new();
    let mut response_times = Vec::new();
    for t in received {
        let open = t.is_open() && t.claimed_by.is_none() && t.sla.met_at.is_none();
        let e = s.received.entry(kind_of(t)).or_default();
        e.0 += 1;
        e.1 += i64::from(open);
        if let Some(at) = t.claim.claimed_at {
            claim_times.push(at - t.opened_at);
        }
        if t.sla.kind.as_deref() == Some("first") {
            if let Some(met) = t.sla.met_at {
                response_times.push(met - t.opened_at);
                if let Some(owner) = &t.claimed_by {
                    s.agents.entry(owner.clone()).or_default().first_responses += 1;
                }
            }
        }
        if t.is_missed_call() {
            s.missed_calls += t.missed_calls.max(1);
        }
        if t.sla.warned_at.is_some_and(|w| w >= from && w < to) && t.sla.breached_at.is_none() {
            *s.sla_warnings.entry(t.channel.clone()).or_default() += 1;
        }
    }
    s.claim_minutes = percentiles(claim_times);
    s.response_minutes = percentiles(response_times);
    for a in audit.iter().filter(|a| a.at >= from && a.at < to) {
        let t = tickets.get(&a.ticket_id);
        match a.action.as_str() {
            "claim" | "assign" => {
                let who = if a.action == "assign" {
                    a.target.clone().unwrap_or_default()
                } else {
                    a.actor.clone()
                };
                let f = s.agents.entry(who).or_default();
                f.claims += 1;
                f.social += i64::from(t.is_some_and(|t| t.kind == "social"));
            }
            "escalate" => {
                *s.escalations
                    .entry(a.target.clone().unwrap_or_default())
                    .or_default() += 1;
                s.agents.entry(a.actor.clone()).or_default().escalations += 1;
            }
            "called_back" => {
                s.callbacks += 1;
                s.agents.entry(a.actor.clone()).or_default().callbacks += 1;
            }
            "followup_done" => {
                s.followups_done += 1;
                match a.target.as_deref().or(a.detail.as_deref()) {
                    Some("close") => s.followups_closed += 1,
                    Some("escalate") => s.followups_escalated += 1,
                    _ => {}
                }
                s.agents.entry(a.actor.clone()).or_default().followups += 1;
            }
            "unclaimed_escalation" => {
                let kind = a
                    .detail
                    .clone()
                    .or_else(|| t.map(|t| t.kind.clone()))
                    .unwrap_or_default();
                *s.unclaimed_escalations.entry(kind).or_default() += 1;
            }
            "sla_breach" => {
                let channel = t.map(|t| t.channel.clone()).unwrap_or_default();
                *s.sla_breaches.entry(channel).or_default() += 1;
            }
            _ => {}
        }
    }
    s
}

#[cfg(test)]
#[path = "summary_tests.rs"]
mod tests;
