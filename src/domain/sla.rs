//! SLA clocks (seeds 001, 003), pure: which policy a ticket falls under, how long its team
//! has to answer, in business hours or around the clock, and where its clock stands.
//!
//! A clock holds the time already used (`used_ms`) and, while it runs, the instant its
//! current run began (`since`). Its due time is `since` plus what is left of the target,
//! counted in the policy's hours ([`Hours::add`]); pausing adds the run's open time to
//! `used_ms` and stops counting, so a pause is never counted and a restart keeps the time
//! already used. The first agent response meets the clock. A sweep asks [`SlaState::step`]
//! what is due (a warning at `warn_at` of the target, then the breach) through one indexed
//! column, `next_at`.

mod clock;
mod hours;

pub use clock::{ClockKind, SlaState, SlaStep};
pub use hours::Hours;

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The playbook's `[sla]` section.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct SlaConfig {
    /// The fraction of the target at which the owner (or the queue) is warned.
    pub warn_at: f64,
    /// Start a next-response clock when the customer writes again after an answer (for
    /// policies with a `next_response` target).
    pub next_response: bool,
    /// Who hears of a breach besides the owner: an escalation level or target key, unless
    /// the policy names its own (seed 001: the Brand Lead, L3, owns social timeliness).
    pub breach_notify: Option<String>,
    /// How often the sweep looks for warnings and breaches, in seconds.
    pub sweep_seconds: i64,
    /// First match wins, in this order.
    #[serde(rename = "policy")]
    pub policies: Vec<SlaPolicy>,
    /// Business hours by name, for policies that count only working time.
    #[serde(rename = "calendar")]
    pub calendars: BTreeMap<String, CalendarConfig>,
}

/// One `[[sla.policy]]`: which tickets it covers and the target.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SlaPolicy {
    pub name: String,
    /// Card kinds it covers (`social`, `email`, `missed_call`, ...); empty: any kind.
    #[serde(default)]
    pub kinds: Vec<String>,
    /// Priorities it covers (`urgent`, `high`, `medium`, `low`); empty: any.
    #[serde(default)]
    pub priorities: Vec<String>,
    /// Departments it covers, as the helpdesk names them; empty: any.
    #[serde(default)]
    pub departments: Vec<String>,
    /// The first-response target: "2h", "45m", "1h30m", "2d" (24 h of the policy's time).
    pub first_response: String,
    /// The next-response target, when `[sla] next_response` is on.
    #[serde(default)]
    pub next_response: Option<String>,
    /// A `[sla.calendar.NAME]`: count only its business hours. None: around the clock.
    #[serde(default)]
    pub calendar: Option<String>,
    /// What a helpdesk status of pending (waiting on the customer) does to the clock.
    #[serde(default)]
    pub pending: PendingRule,
    /// Who hears of a breach (overrides `[sla] breach_notify`).
    #[serde(default)]
    pub notify: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PendingRule {
    /// Pending is the agent's answer: the clock is met.
    #[default]
    Stop,
    /// Pending waits on the customer: the clock pauses and runs again when the ticket
    /// is open again.
    Pause,
}

/// `[sla.calendar.NAME]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarConfig {
    /// IANA time zone; the team's when absent.
    #[serde(default)]
    pub timezone: Option<String>,
    /// Weekly windows: "Mon-Fri 09:00-18:00", "Sat 10:00-14:00".
    pub hours: Vec<String>,
    /// Closed days, "YYYY-MM-DD".
    #[serde(default)]
    pub holidays: Vec<String>,
}

impl Default for SlaConfig {
    /// Seed 001's social clock (2 h from creation, around the clock, the Brand Lead told),
    /// seed 003's priority x department targets in business hours (email is Medium).
    fn default() -> Self {
        let policy =
            |name: &str, kinds: &[&str], prio: &[&str], dept: &[&str], first: &str| SlaPolicy {
                name: name.into(),
                kinds: kinds.iter().map(|s| s.to_string()).collect(),
                priorities: prio.iter().map(|s| s.to_string()).collect(),
                departments: dept.iter().map(|s| s.to_string()).collect(),
                first_response: first.into(),
                next_response: None,
                calendar: Some("support".into()),
                pending: PendingRule::Stop,
                notify: None,
            };
        let paid = &["Paid Support"];
        let cards = &["email", "ticket", "missed_chat", "missed_call"];
        let mut policies = vec![
            SlaPolicy {
                calendar: None,
                next_response: Some("2h".into()),
                ..policy("social", &["social"], &[], &[], "2h")
            },
            policy("paid-urgent", cards, &["urgent", "high"], paid, "1h"),
            policy("paid-medium", cards, &["medium"], paid, "4h"),
            policy("paid-low", cards, &["low"], paid, "8h"),
            policy("urgent", cards, &["urgent", "high"], &[], "8h"),
            policy("medium", cards, &["medium"], &[], "24h"),
            policy("low", cards, &["low"], &[], "48h"),
        ];
        for p in &mut policies {
            if p.name != "social" {
                p.next_response = None;
            }
        }
        let mut calendars = BTreeMap::new();
        calendars.insert(
            "support".to_string(),
            CalendarConfig {
                timezone: None,
                hours: vec!["Mon-Fri 09:00-18:00".into()],
                holidays: Vec::new(),
            },
        );
        Self {
            warn_at: 0.75,
            next_response: false,
            breach_notify: Some("L3".into()),
            sweep_seconds: 60,
            policies,
            calendars,
        }
    }
}

fn covers(list: &[String], value: Option<&str>) -> bool {
    list.is_empty() || value.is_some_and(|v| list.iter().any(|l| l.eq_ignore_ascii_case(v)))
}

impl SlaConfig {
    /// The first policy that covers a ticket of this kind, priority and department.
    pub fn policy_for(
        &self,
        kind: &str,
        priority: &str,
        department: Option<&str>,
    ) -> Option<&SlaPolicy> {
        self.policies.iter().find(|p| {
            covers(&p.kinds, Some(kind))
                && covers(&p.priorities, Some(priority))
                && covers(&p.departments, department)
        })
    }

    pub fn policy(&self, name: &str) -> Option<&SlaPolicy> {
        self.policies.iter().find(|p| p.name == name)
    }

    /// The hours a policy counts in; `team_tz` when its calendar names none.
    pub fn hours_for(&self, policy: &SlaPolicy, team_tz: chrono_tz::Tz) -> Hours {
        policy
            .calendar
            .as_deref()
            .and_then(|c| self.calendars.get(c))
            .and_then(|c| Hours::parse(c, team_tz).ok())
            .unwrap_or(Hours::Always)
    }

    /// Every problem, with its key (for `cxbot check`).
    pub fn problems(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if !(self.warn_at > 0.0 && self.warn_at < 1.0) {
            out.push((
                "sla.warn_at".into(),
                format!("expected a fraction between 0 and 1, got {}", self.warn_at),
            ));
        }
        if self.sweep_seconds < 1 {
            out.push(("sla.sweep_seconds".into(), "expected at least 1".into()));
        }
        for (name, c) in &self.calendars {
            if let Err(e) = Hours::parse(c, chrono_tz::UTC) {
                out.push((format!("sla.calendar.{name}"), e));
            }
        }
        let mut seen = std::collections::HashSet::new();
        for (i, p) in self.policies.iter().enumerate() {
            let key = format!("sla.policy[{i}]");
            if !seen.insert(p.name.as_str()) {
                out.push((
                    format!("{key}.name"),
                    format!("{:?} is listed twice", p.name),
                ));
            }
            if parse_duration(&p.first_response).is_none() {
                out.push((
                    format!("{key}.first_response"),
                    format!(
                        "expected a duration such as \"2h\" or \"45m\", got {:?}",
                        p.first_response
                    ),
                ));
            }
            if let Some(n) = p
                .next_response
                .as_deref()
                .filter(|n| parse_duration(n).is_none())
            {
                out.push((
                    format!("{key}.next_response"),
                    format!("expected a duration such as \"2h\" or \"45m\", got {n:?}"),
                ));
            }
            if let Some(c) = p
                .calendar
                .as_deref()
                .filter(|c| !self.calendars.contains_key(*c))
            {
                out.push((
                    format!("{key}.calendar"),
                    format!("{c:?} is not a [sla.calendar.*]"),
                ));
            }
        }
        out
    }
}

/// "2h", "45m", "1h30m", "2d" (24 h) in milliseconds; None when malformed or zero.
pub fn parse_duration(s: &str) -> Option<i64> {
    let mut total: i64 = 0;
    let mut num = String::new();
    for c in s.trim().chars() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let n: i64 = num.parse().ok()?;
        num.clear();
        let unit = match c {
            'd' => 86_400_000,
            'h' => 3_600_000,
            'm' => 60_000,
            _ => return None,
        };
        total = total.checked_add(n.checked_mul(unit)?)?;
    }
    (num.is_empty() && total > 0).then_some(total)
}

#[cfg(test)]
mod tests;
