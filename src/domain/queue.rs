//! Two queue rules (issue 21), pure: how long a card may wait unclaimed before the leads
//! hear of it (`[unclaimed]`), and who a new card goes to when auto-assignment is on
//! (`[assignment]`, round robin over the people available, skipping anyone at the claim
//! limit).

use super::sla::parse_duration;
use serde::{Deserialize, Serialize};

/// The playbook's `[unclaimed]` section: per card kind, how long a new card may wait with
/// nobody holding it before it is re-announced (once) to `channel`. "off" switches a kind
/// off. The wait counts in the hours of the SLA policy that covers the ticket (business
/// hours for seed 003's email and ticket policies, around the clock for social), so a card
/// that arrives at night is re-announced the next working morning, not at 3 am.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct UnclaimedPolicy {
    /// A `[channels]` key (or a channel id or #name).
    pub channel: String,
    pub missed_call: String,
    pub missed_chat: String,
    pub email: String,
    pub ticket: String,
    pub social: String,
    pub app_review: String,
}

impl Default for UnclaimedPolicy {
    /// Seed 000 calls missed calls back first (15 min); chats and social messages are
    /// live conversations with a 2 h social SLA (seed 001): 30 min; email and helpdesk
    /// tickets have SLAs in hours to days (seed 003): 2 h; store reviews are answered in
    /// batches with no SLA: off.
    fn default() -> Self {
        Self {
            channel: "leads".into(),
            missed_call: "15m".into(),
            missed_chat: "30m".into(),
            email: "2h".into(),
            ticket: "2h".into(),
            social: "30m".into(),
            app_review: "off".into(),
        }
    }
}

fn is_off(s: &str) -> bool {
    let s = s.trim();
    s.eq_ignore_ascii_case("off") || s.is_empty()
}

impl UnclaimedPolicy {
    fn by_kind(&self) -> [(&'static str, &str); 6] {
        [
            ("missed_call", &self.missed_call),
            ("missed_chat", &self.missed_chat),
            ("email", &self.email),
            ("ticket", &self.ticket),
            ("social", &self.social),
            ("app_review", &self.app_review),
        ]
    }

    /// How long a card of `kind` may wait unclaimed (ms); None: never re-announced
    /// (switched off, or marketing's, which is not the CX queue's).
    pub fn wait_ms(&self, kind: &str) -> Option<i64> {
        let (_, v) = self.by_kind().into_iter().find(|(k, _)| *k == kind)?;
        if is_off(v) {
            return None;
        }
        parse_duration(v)
    }

    /// Problems for `cxbot check`.
    pub fn problems(&self) -> Vec<(String, String)> {
        self.by_kind()
            .into_iter()
            .filter(|(_, v)| !is_off(v) && parse_duration(v).is_none())
            .map(|(k, v)| {
                (
                    format!("unclaimed.{k}"),
                    format!("expected a duration such as \"15m\", \"2h\" or \"off\", got {v:?}"),
                )
            })
            .collect()
    }
}

/// `[assignment] auto`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AutoMode {
    /// People claim cards themselves (the default).
    #[default]
    Off,
    /// Each new card goes to the next person available, in team order.
    RoundRobin,
}

/// The playbook's `[assignment]` section.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct AssignmentPolicy {
    pub auto: AutoMode,
    /// Card kinds auto-assigned; empty: every kind (marketing never: not the CX queue's).
    pub kinds: Vec<String>,
}

/// The card kinds auto-assignment may name (marketing is not the CX queue's).
const ASSIGNABLE: [&str; 6] = [
    "missed_call",
    "missed_chat",
    "email",
    "ticket",
    "social",
    "app_review",
];

impl AssignmentPolicy {
    /// Problems for `cxbot check`.
    pub fn problems(&self) -> Vec<(String, String)> {
        self.kinds
            .iter()
            .filter(|k| !ASSIGNABLE.iter().any(|a| a.eq_ignore_ascii_case(k)))
            .map(|k| {
                (
                    "assignment.kinds".to_string(),
                    format!("expected card kinds among {ASSIGNABLE:?}, got {k:?}"),
                )
            })
            .collect()
    }

    /// Is a new card of `kind` auto-assigned?
    pub fn covers(&self, kind: &str) -> bool {
        self.auto != AutoMode::Off
            && kind != "marketing"
            && (self.kinds.is_empty() || self.kinds.iter().any(|k| k.eq_ignore_ascii_case(kind)))
    }
}

/// Round robin: the first of `candidates` (in the team's order) after `last`, wrapping
/// around, that is not at the claim limit. `last` not among them (off shift now, or never
/// assigned): from the start. None when everyone is at the limit (or nobody is on).
pub fn next_in_turn<'a>(
    candidates: &'a [String],
    last: Option<&str>,
    at_limit: impl Fn(&str) -> bool,
) -> Option<&'a str> {
    let n = candidates.len();
    let start = last
        .and_then(|l| candidates.iter().position(|c| c == l))
        .map_or(0, |i| i + 1);
    (0..n)
        .map(|k| candidates[(start + k) % n].as_str())
        .find(|c| !at_limit(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn people(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn round_robin_alternates_and_wraps() {
        let c = people(&["ana", "ben"]);
        let free = |_: &str| false;
        assert_eq!(next_in_turn(&c, None, free), Some("ana"));
        assert_eq!(next_in_turn(&c, Some("ana"), free), Some("ben"));
        assert_eq!(next_in_turn(&c, Some("ben"), free), Some("ana"));
        // The last one went off shift: start again from the first.
        assert_eq!(next_in_turn(&c, Some("cy"), free), Some("ana"));
    }

    #[test]
    fn someone_at_the_limit_is_skipped_and_everyone_at_it_is_nobody() {
        let c = people(&["ana", "ben", "cy"]);
        assert_eq!(next_in_turn(&c, Some("ana"), |u| u == "ben"), Some("cy"));
        assert_eq!(next_in_turn(&c, Some("cy"), |u| u == "ana"), Some("ben"));
        assert_eq!(next_in_turn(&c, None, |_| true), None);
        assert_eq!(next_in_turn(&[], None, |_| false), None);
    }

    #[test]
    fn waits_per_kind_with_off_and_bad_values_named() {
        let p = UnclaimedPolicy::default();
        assert_eq!(p.wait_ms("missed_call"), Some(15 * 60_000));
        assert_eq!(p.wait_ms("social"), Some(30 * 60_000));
        assert_eq!(p.wait_ms("app_review"), None);
        assert_eq!(p.wait_ms("marketing"), None);
        assert!(p.problems().is_empty());
        let bad = UnclaimedPolicy {
            email: "soon".into(),
            ..p
        };
        assert_eq!(bad.problems()[0].0, "unclaimed.email");
    }

    #[test]
    fn auto_assignment_is_off_by_default_and_covers_its_kinds() {
        let p = AssignmentPolicy::default();
        assert!(!p.covers("missed_call"));
        let on = AssignmentPolicy {
            auto: AutoMode::RoundRobin,
            kinds: Vec::new(),
        };
        assert!(on.covers("email") && !on.covers("marketing"));
        let some = AssignmentPolicy {
            kinds: vec!["social".into()],
            ..on
        };
        assert!(some.covers("social") && !some.covers("email"));
        assert!(some.problems().is_empty());
        let typo = AssignmentPolicy {
            kinds: vec!["calls".into()],
            ..some
        };
        assert_eq!(typo.problems()[0].0, "assignment.kinds");
    }
}
