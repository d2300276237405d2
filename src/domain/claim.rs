//! Ownership rules, pure: who may release or reassign a ticket, when a claim's lease needs
//! a check-in and when it lapses, and where an escalation goes next on the ladder.
//!
//! A claim lease (our differentiator): a claim with no activity for `lease` gets a DM to
//! its owner ("still on #4521?", Keep / Release); without an answer within `grace` it is
//! released back to the queue. Activity (a follow-up logged, a helpdesk status change,
//! Keep) renews it. Each claim has a generation number (`claim_seq`): timers carry the
//! generation they were set for, so a timer from an earlier claim is a no-op.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// Where an ownership change came from (stored in the audit trail).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Button,
    Command,
    Modal,
    LeaseExpiry,
    /// The SLA sweep (a breach recorded for the digests).
    Sla,
    Home,
    /// A change made in the helpdesk (its assignee), followed in Slack.
    Helpdesk,
    /// Auto-assignment (`[assignment] auto`): cxbot gave a new card to someone.
    Auto,
    /// The team clock's sweep: an unclaimed card re-announced to the leads.
    Clock,
    /// An emoji reaction on the card (👀 claim, ✅ done, 🚨 escalate).
    Reaction,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Button => "button",
            Source::Command => "command",
            Source::Modal => "modal",
            Source::LeaseExpiry => "lease_expiry",
            Source::Sla => "sla",
            Source::Home => "home",
            Source::Helpdesk => "helpdesk",
            Source::Auto => "auto",
            Source::Clock => "clock",
            Source::Reaction => "reaction",
        }
    }
}

/// What an emoji reaction on a ticket card does: the same use case as the card's button
/// (or `/cx` command). Any other emoji is just an emoji.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardReaction {
    /// 👀 `eyes`: claim it.
    Claim,
    /// ✅ `white_check_mark`: mark it done (resolved in the helpdesk, where cxbot writes).
    Done,
    /// 🚨 `rotating_light`: escalate one rung up the ladder.
    Escalate,
}

impl CardReaction {
    /// The emoji's name as Slack sends it; a skin tone (`name::skin-tone-2`) is the same emoji.
    pub fn from_emoji(name: &str) -> Option<Self> {
        match name.split("::").next().unwrap_or(name) {
            "eyes" => Some(Self::Claim),
            "white_check_mark" => Some(Self::Done),
            "rotating_light" => Some(Self::Escalate),
            _ => None,
        }
    }
}

/// An unclaimed count stops just past this: nobody acts on the exact number of a queue
/// that long, and counting it would walk the whole queue on every App Home. People read
/// "1000+".
pub const UNCLAIMED_COUNT_CAP: i64 = 1_000;

/// The playbook's `[claims]` section.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LeasePolicy {
    /// Minutes without activity before the owner is asked "still on it?".
    #[serde(default = "default_lease")]
    pub lease_minutes: i64,
    /// Minutes the owner has to answer before the claim is released.
    #[serde(default = "default_grace")]
    pub grace_minutes: i64,
    /// Open claims per person at which auto-assignment passes them over (0: no limit).
    /// Claims by hand and a lead's assignments are not held to it.
    #[serde(default)]
    pub max_open: i64,
}

fn default_lease() -> i64 {
    120
}

fn default_grace() -> i64 {
    30
}

impl Default for LeasePolicy {
    fn default() -> Self {
        Self {
            lease_minutes: default_lease(),
            grace_minutes: default_grace(),
            max_open: 0,
        }
    }
}

impl LeasePolicy {
    /// When to ask the owner, given the claim's last activity.
    pub fn check_at(&self, last_activity: DateTime<Utc>) -> DateTime<Utc> {
        last_activity + Duration::minutes(self.lease_minutes)
    }

    /// When an unanswered check releases the claim.
    pub fn expire_at(&self, asked_at: DateTime<Utc>) -> DateTime<Utc> {
        asked_at + Duration::minutes(self.grace_minutes)
    }

    /// Problems for `cxbot check`.
    pub fn problems(&self) -> Vec<(String, String)> {
        let mut p = Vec::new();
        if !(5..=7 * 24 * 60).contains(&self.lease_minutes) {
            p.push((
                "claims.lease_minutes".into(),
                "expected 5 to 10080 minutes".into(),
            ));
        }
        if !(1..=24 * 60).contains(&self.grace_minutes) {
            p.push((
                "claims.grace_minutes".into(),
                "expected 1 to 1440 minutes".into(),
            ));
        }
        if self.max_open < 0 {
            p.push((
                "claims.max_open".into(),
                "expected 0 (no limit) or more".into(),
            ));
        }
        p
    }
}

/// What the lease timer should do when it fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeaseStep {
    /// Not due (activity renewed it, or the claim changed): reschedule at this time, or drop.
    NotYet(DateTime<Utc>),
    /// Ask the owner.
    Ask,
    /// The owner did not answer: release.
    Expire,
    /// The timer belongs to an earlier claim, or the ticket is no longer claimed.
    Stale,
}

/// The claim as the lease timer sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeaseState {
    pub claimed: bool,
    pub claim_seq: i64,
    pub last_activity: DateTime<Utc>,
    pub asked_at: Option<DateTime<Utc>>,
}

/// Decides a lease timer set for generation `seq`.
pub fn lease_step(
    policy: &LeasePolicy,
    state: &LeaseState,
    seq: i64,
    now: DateTime<Utc>,
) -> LeaseStep {
    if !state.claimed || state.claim_seq != seq {
        return LeaseStep::Stale;
    }
    match state.asked_at {
        // Asked, and no activity since: expire once the grace is over.
        Some(asked) if asked >= state.last_activity => {
            let at = policy.expire_at(asked);
            if now >= at {
                LeaseStep::Expire
            } else {
                LeaseStep::NotYet(at)
            }
        }
        _ => {
            let at = policy.check_at(state.last_activity);
            if now >= at {
                LeaseStep::Ask
            } else {
                LeaseStep::NotYet(at)
            }
        }
    }
}

/// May `actor` release or reassign a claim owned by `owner`?
pub fn may_release(actor: &str, owner: Option<&str>, actor_is_lead: bool) -> bool {
    actor_is_lead || owner == Some(actor)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(min: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 14, 0, 0).unwrap() + Duration::minutes(min)
    }

    fn state(last: i64, asked: Option<i64>) -> LeaseState {
        LeaseState {
            claimed: true,
            claim_seq: 3,
            last_activity: t(last),
            asked_at: asked.map(t),
        }
    }

    #[test]
    fn ask_after_the_lease_then_expire_after_the_grace() {
        let p = LeasePolicy::default();
        assert_eq!(
            lease_step(&p, &state(0, None), 3, t(119)),
            LeaseStep::NotYet(t(120))
        );
        assert_eq!(lease_step(&p, &state(0, None), 3, t(120)), LeaseStep::Ask);
        assert_eq!(
            lease_step(&p, &state(0, Some(120)), 3, t(149)),
            LeaseStep::NotYet(t(150))
        );
        assert_eq!(
            lease_step(&p, &state(0, Some(120)), 3, t(150)),
            LeaseStep::Expire
        );
    }

    #[test]
    fn activity_renews_the_lease() {
        let p = LeasePolicy::default();
        // Activity after the question (Keep, a follow-up): a fresh lease from then.
        assert_eq!(
            lease_step(&p, &state(130, Some(120)), 3, t(150)),
            LeaseStep::NotYet(t(250))
        );
        assert_eq!(
            lease_step(&p, &state(60, None), 3, t(120)),
            LeaseStep::NotYet(t(180))
        );
    }

    #[test]
    fn timers_of_earlier_claims_are_stale() {
        let p = LeasePolicy::default();
        assert_eq!(lease_step(&p, &state(0, None), 2, t(500)), LeaseStep::Stale);
        let mut released = state(0, None);
        released.claimed = false;
        assert_eq!(lease_step(&p, &released, 3, t(500)), LeaseStep::Stale);
    }

    #[test]
    fn only_the_owner_or_a_lead_releases() {
        assert!(may_release("U1", Some("U1"), false));
        assert!(!may_release("U2", Some("U1"), false));
        assert!(may_release("U2", Some("U1"), true));
    }

    #[test]
    fn policy_bounds_are_checked() {
        let bad = LeasePolicy {
            lease_minutes: 1,
            grace_minutes: 0,
            max_open: -1,
        };
        assert_eq!(bad.problems().len(), 3);
        assert!(LeasePolicy::default().problems().is_empty());
    }
}
