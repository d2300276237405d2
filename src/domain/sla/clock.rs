//! A ticket's SLA clock: the time used, the current run, and what the sweep finds due.

use super::Hours;
use serde::{Deserialize, Serialize};

/// Which response a clock times.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockKind {
    First,
    Next,
}

impl ClockKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ClockKind::First => "first",
            ClockKind::Next => "next",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "first" => Some(ClockKind::First),
            "next" => Some(ClockKind::Next),
            _ => None,
        }
    }
}

/// A ticket's SLA clock as stored (all instants unix ms). No policy: no clock.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SlaState {
    pub policy: Option<String>,
    pub kind: Option<String>,
    /// The target, in the policy's hours.
    pub budget_ms: Option<i64>,
    /// Time used before the current run (or in all, once paused or met).
    pub used_ms: i64,
    /// The current run's start; None while paused or once met.
    pub since: Option<i64>,
    pub due_at: Option<i64>,
    pub warn_at: Option<i64>,
    /// The sweep's key: the next warning or breach; None when nothing is pending.
    pub next_at: Option<i64>,
    pub warned_at: Option<i64>,
    pub breached_at: Option<i64>,
    pub met_at: Option<i64>,
}

/// What the sweep found due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlaStep {
    Warn,
    Breach,
}

impl SlaState {
    /// A clock for `policy` started at `at` with `budget_ms` to answer. A clock whose due
    /// time has already passed when it is started (a ticket cxbot first hears of late) is
    /// marked breached at its due time, and its sweep is not armed: nobody is told of a
    /// breach that happened before cxbot kept the clock.
    pub fn start(
        policy: &str,
        kind: ClockKind,
        budget_ms: i64,
        at: i64,
        now: i64,
        hours: &Hours,
        warn_at: f64,
    ) -> SlaState {
        let mut s = SlaState {
            policy: Some(policy.to_string()),
            kind: Some(kind.as_str().to_string()),
            budget_ms: Some(budget_ms),
            used_ms: 0,
            since: Some(at),
            ..SlaState::default()
        };
        s.recompute(hours, warn_at);
        if let Some(due) = s.due_at.filter(|due| *due <= now) {
            s.warned_at = Some(due);
            s.breached_at = Some(due);
            s.next_at = None;
        } else if s.warn_at.is_some_and(|w| w <= now) {
            s.warned_at = s.warn_at;
            s.next_at = s.due_at;
        }
        s
    }

    pub fn is_running(&self) -> bool {
        self.policy.is_some() && self.since.is_some()
    }

    pub fn is_paused(&self) -> bool {
        self.policy.is_some() && self.since.is_none() && self.met_at.is_none()
    }

    /// Time used by `now`, in the policy's hours.
    pub fn used_by(&self, now: i64, hours: &Hours) -> i64 {
        match self.since {
            Some(since) => self.used_ms + hours.elapsed(since, now),
            None => self.used_ms,
        }
    }

    /// Due, warning and sweep times from the time used and the target.
    pub fn recompute(&mut self, hours: &Hours, warn_at: f64) {
        let (Some(since), Some(budget)) = (self.since, self.budget_ms) else {
            self.due_at = None;
            self.warn_at = None;
            self.next_at = None;
            return;
        };
        let left = (budget - self.used_ms).max(0);
        self.due_at = Some(hours.add(since, left));
        let warn_budget = (budget as f64 * warn_at) as i64;
        self.warn_at = Some(hours.add(since, (warn_budget - self.used_ms).max(0)));
        self.next_at = if self.warned_at.is_none() {
            self.warn_at
        } else if self.breached_at.is_none() {
            self.due_at
        } else {
            None
        };
    }

    /// Stops counting, keeping the time used.
    pub fn pause(&mut self, now: i64, hours: &Hours) {
        if let Some(since) = self.since.take() {
            self.used_ms += hours.elapsed(since, now.max(since));
        }
        self.recompute(hours, 0.0);
    }

    /// Counts again from `now`.
    pub fn resume(&mut self, now: i64, hours: &Hours, warn_at: f64) {
        if self.is_paused() {
            self.since = Some(now);
            self.recompute(hours, warn_at);
        }
    }

    /// The response came: the clock stops for good.
    pub fn meet(&mut self, now: i64, hours: &Hours) {
        if self.policy.is_some() && self.met_at.is_none() {
            self.pause(now, hours);
            self.met_at = Some(now);
        }
    }

    /// Another policy now applies (a priority or department change): its target, the time
    /// already used.
    pub fn rebudget(&mut self, policy: &str, budget_ms: i64, hours: &Hours, warn_at: f64) {
        if self.met_at.is_some() {
            return;
        }
        self.policy = Some(policy.to_string());
        self.budget_ms = Some(budget_ms);
        self.recompute(hours, warn_at);
    }

    /// What is due by `now`, if anything; applies it (the caller stores the result).
    pub fn step(&mut self, now: i64) -> Option<SlaStep> {
        self.since?;
        if self.breached_at.is_none() && self.due_at.is_some_and(|d| d <= now) {
            self.breached_at = Some(now);
            self.warned_at.get_or_insert(now);
            self.next_at = None;
            return Some(SlaStep::Breach);
        }
        if self.warned_at.is_none() && self.warn_at.is_some_and(|w| w <= now) {
            self.warned_at = Some(now);
            self.next_at = self.due_at;
            return Some(SlaStep::Warn);
        }
        None
    }
}
