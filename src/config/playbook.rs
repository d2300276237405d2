//! The playbook: the team's procedures as data (channels, team, routing, cadences, SLAs,
//! check-ins, digests). Parsed strictly (`deny_unknown_fields`, so a typo is reported, not
//! ignored) and validated; every problem names its key.
//!
//! To add a section: add a field with `#[serde(default)]`, validate it in
//! [`Playbook::validate`], document it in `cxbot.example.toml` (which is also the built-in
//! default, so the example can never drift from what runs).

use super::Problem;
use crate::domain::cadence::{self, default_cadences, default_variants, Cadence, Variant};
use crate::domain::claim::LeasePolicy;
use crate::domain::escalation::EscalationConfig;
use crate::domain::queue::{AssignmentPolicy, UnclaimedPolicy};
use crate::domain::routing::{ChannelKey, ClassificationConfig, RoutingConfig};
use crate::domain::shift::{DigestPolicy, FringePolicy, ShiftPolicy, SummaryPolicy};
use crate::domain::sla::{Hours, SlaConfig};
use crate::domain::team::Level;
use chrono::NaiveTime;
use chrono_tz::Tz;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The example playbook, which is also the built-in default.
pub const EXAMPLE_PLAYBOOK: &str = include_str!("../../cxbot.example.toml");

/// Channel keys every playbook must define.
pub const REQUIRED_CHANNELS: &[(&str, &str)] = &[
    ("queue", "the CX queue channel where tickets land"),
    ("social", "social media messages"),
    (
        "marketing",
        "promotions and influencer offers for the marketing team",
    ),
    ("leads", "the leads' channel: urgent notices and digests"),
    (
        "cx_only",
        "the team's own channel: directives and summaries",
    ),
    (
        "customer_experience",
        "the broader customer-experience channel",
    ),
];

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Playbook {
    pub team: Team,
    /// Channel key -> Slack channel (an ID such as C0123ABCD, or #name).
    pub channels: BTreeMap<String, String>,
    /// How a helpdesk event becomes a card (missed call, social, ...).
    #[serde(default)]
    pub classification: ClassificationConfig,
    /// Which `[channels]` key each card kind goes to, and when the leads hear of it.
    #[serde(default)]
    pub routing: RoutingConfig,
    #[serde(default)]
    pub wording: Wording,
    /// Claim leases: when an idle owner is asked "still on it?" and when the claim lapses.
    #[serde(default)]
    pub claims: LeasePolicy,
    /// The escalation ladder and named targets.
    #[serde(default)]
    pub escalation: EscalationConfig,
    /// Follow-up cadences (`[[cadence]]`); without any, the seed's refund and general ones.
    #[serde(default = "default_cadences", rename = "cadence")]
    pub cadences: Vec<Cadence>,
    /// Special queues' variants of a cadence (`[[cadence_variant]]`).
    #[serde(default = "default_variants", rename = "cadence_variant")]
    pub cadence_variants: Vec<Variant>,
    /// When follow-up reminders go out.
    #[serde(default)]
    pub followups: FollowupPolicy,
    /// SLA clocks: first- (and next-) response targets, business hours, who hears of a
    /// breach.
    #[serde(default)]
    pub sla: SlaConfig,
    /// Shifts and check-ins: overstay and late-start rules, the daily check-in prompts.
    #[serde(default)]
    pub shifts: ShiftPolicy,
    /// Tickets on a long engineering hold, listed under their own heading.
    #[serde(default)]
    pub fringe: FringePolicy,
    /// The daily event summary.
    #[serde(default)]
    pub summary: SummaryPolicy,
    /// The leads' digest.
    #[serde(default)]
    pub digest: DigestPolicy,
    /// Two-way helpdesks: what cxbot writes back, and unseen tickets.
    #[serde(default)]
    pub helpdesk: crate::domain::writeback::HelpdeskPolicy,
    /// How long a new card may wait unclaimed, per kind, before the leads hear of it.
    #[serde(default)]
    pub unclaimed: UnclaimedPolicy,
    /// Auto-assignment of new cards (off by default).
    #[serde(default)]
    pub assignment: AssignmentPolicy,
    /// Customers' contact details: the country of numbers written without a country code.
    #[serde(default)]
    pub contacts: crate::domain::phone::ContactsPolicy,
    /// Each SLA policy's hours, parsed once (intake asks for them on every new ticket).
    #[serde(skip)]
    sla_hours: std::sync::OnceLock<BTreeMap<String, Hours>>,
}

/// The `[followups]` section.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FollowupPolicy {
    /// Local working hours, "HH:MM-HH:MM": a step's reminder goes out at the start of its
    /// day's working hours (team time zone); an owner off shift (by their own Slack time
    /// zone) gets it in the queue channel instead, for whoever is on.
    pub working_hours: String,
}

impl Default for FollowupPolicy {
    fn default() -> Self {
        Self {
            working_hours: "09:00-18:00".into(),
        }
    }
}

impl FollowupPolicy {
    /// (start, end) of the working day.
    pub fn hours(&self) -> Option<(NaiveTime, NaiveTime)> {
        let (a, b) = self.working_hours.split_once('-')?;
        let a = NaiveTime::parse_from_str(a.trim(), "%H:%M").ok()?;
        let b = NaiveTime::parse_from_str(b.trim(), "%H:%M").ok()?;
        (a < b).then_some((a, b))
    }
}

/// Text cxbot writes for the team to send to customers; teams reword it in the playbook.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Wording {
    /// The follow-up for a blank missed chat; `{name}` is the customer's first name.
    pub missed_chat_follow_up: String,
}

impl Default for Wording {
    fn default() -> Self {
        Self {
            missed_chat_follow_up: "Hi {name}, we saw that you submitted your email to start a chat \
                with us, but you did not enter a message. Is there something we can help you with now?"
                .to_string(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Team {
    /// IANA time zone the team counts days in, e.g. America/New_York.
    pub timezone: String,
    #[serde(default, rename = "member")]
    pub members: Vec<Member>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Member {
    /// Slack user id, e.g. U0123ABCD.
    pub slack_id: String,
    pub name: String,
    #[serde(default)]
    pub level: Option<Level>,
    #[serde(default)]
    pub lead: bool,
    /// Working windows, e.g. ["Mon-Fri 07:00-13:00 America/Chicago"] (the zone is theirs;
    /// without one, the team's). None: flexible hours, on by `/cx on` only.
    #[serde(default)]
    pub schedule: Vec<String>,
    /// Their work email: how cxbot finds their helpdesk agent when no id is given (else
    /// their Slack profile's email).
    #[serde(default)]
    pub email: Option<String>,
    /// Their Freshdesk agent id (Admin > Agents: the number in the agent's URL).
    #[serde(default, deserialize_with = "id_text")]
    pub freshdesk_agent_id: Option<String>,
    /// Their Zendesk user id.
    #[serde(default, deserialize_with = "id_text")]
    pub zendesk_user_id: Option<String>,
}

/// A helpdesk id written as a number or as a string.
fn id_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Id {
        Number(u64),
        Text(String),
    }
    Ok(match Option::<Id>::deserialize(d)? {
        Some(Id::Number(n)) => Some(n.to_string()),
        Some(Id::Text(t)) => Some(t.trim().to_string()).filter(|t| !t.is_empty()),
        None => None,
    })
}

impl Playbook {
    /// Parses and validates; returns every problem found.
    pub fn parse(text: &str) -> Result<Playbook, Vec<Problem>> {
        let pb: Playbook = toml::from_str(text).map_err(|e| {
            let key = e
                .span()
                .map(|s| format!("playbook (line {})", line_of(text, s.start)))
                .unwrap_or_else(|| "playbook".to_string());
            vec![Problem::new(key, e.message().to_string())]
        })?;
        let problems = pb.validate();
        if problems.is_empty() {
            Ok(pb)
        } else {
            Err(problems)
        }
    }

    pub fn validate(&self) -> Vec<Problem> {
        let mut problems: Vec<Problem> = self
            .claims
            .problems()
            .into_iter()
            .chain(self.escalation.problems())
            .chain(self.sla.problems())
            .chain(self.shifts.problems())
            .chain(self.unclaimed.problems())
            .chain(self.assignment.problems())
            .chain(self.contacts.problems())
            .map(|(k, m)| Problem::new(k, m))
            .collect();
        if self.resolve_channel(&self.unclaimed.channel).is_none() {
            problems.push(Problem::new(
                "unclaimed.channel",
                format!(
                    "{:?} is neither a [channels] key nor a channel id or #name",
                    self.unclaimed.channel
                ),
            ));
        }
        if self.summary.at().is_none() {
            problems.push(Problem::new(
                "summary.time",
                format!("expected \"HH:MM\", got {:?}", self.summary.time),
            ));
        }
        if !self.channels.contains_key(&self.summary.channel) {
            problems.push(Problem::new(
                "summary.channel",
                format!(
                    "channel key {:?} is not defined in [channels]",
                    self.summary.channel
                ),
            ));
        }
        if self.digest.at().len() != self.digest.times.len() {
            problems.push(Problem::new(
                "digest.times",
                format!("expected times as \"HH:MM\", got {:?}", self.digest.times),
            ));
        }
        if !self.channels.contains_key(&self.digest.channel) {
            problems.push(Problem::new(
                "digest.channel",
                format!(
                    "channel key {:?} is not defined in [channels]",
                    self.digest.channel
                ),
            ));
        }
        if self.fringe.after_days < 1 {
            problems.push(Problem::new(
                "fringe.after_days",
                format!("expected 1 or more, got {}", self.fringe.after_days),
            ));
        }
        if self.followups.hours().is_none() {
            problems.push(Problem::new(
                "followups.working_hours",
                format!(
                    "expected \"HH:MM-HH:MM\" with the start first, got {:?}",
                    self.followups.working_hours
                ),
            ));
        }
        for p in cadence::validate(&self.cadences, &self.cadence_variants) {
            problems.push(Problem::new(
                p.path.clone(),
                format!("expected {}", p.expected),
            ));
        }
        for t in self.escalation.all() {
            if self.resolve_channel(&t.channel).is_none() {
                problems.push(Problem::new(
                    format!("escalation ({})", t.key),
                    format!(
                        "channel {:?} is neither a [channels] key nor a channel id or #name",
                        t.channel
                    ),
                ));
            }
        }
        for (i, p) in self.sla.policies.iter().enumerate() {
            let told = p.notify.as_ref().or(self.sla.breach_notify.as_ref());
            if let Some(k) = told.filter(|k| self.escalation.find(k).is_none()) {
                problems.push(Problem::new(
                    format!("sla.policy[{i}] ({})", p.name),
                    format!("breach notify {k:?} is not an escalation level or target"),
                ));
            }
        }
        if self.team.timezone.parse::<Tz>().is_err() {
            problems.push(Problem::new(
                "team.timezone",
                format!(
                    "expected an IANA time zone such as America/New_York, got {:?}",
                    self.team.timezone
                ),
            ));
        }
        for (key, what) in REQUIRED_CHANNELS {
            if !self.channels.contains_key(*key) {
                problems.push(Problem::new(
                    format!("channels.{key}"),
                    format!("missing: the channel for {what}"),
                ));
            }
        }
        for (key, value) in &self.channels {
            if !is_channel_ref(value) {
                problems.push(Problem::new(
                    format!("channels.{key}"),
                    format!("expected a channel id (C0123ABCD) or #name, got {value:?}"),
                ));
            }
        }
        for (field, key) in self.routed_channels() {
            if !self.channels.contains_key(key.as_str()) {
                problems.push(Problem::new(
                    format!("routing.{field}"),
                    format!(
                        "channel key {:?} is not defined in [channels]",
                        key.as_str()
                    ),
                ));
            }
        }
        if self.wording.missed_chat_follow_up.trim().is_empty() {
            problems.push(Problem::new(
                "wording.missed_chat_follow_up",
                "must not be empty",
            ));
        }
        let mut seen = std::collections::HashSet::new();
        for (i, m) in self.team.members.iter().enumerate() {
            if !is_user_id(&m.slack_id) {
                problems.push(Problem::new(
                    format!("team.member[{i}].slack_id"),
                    format!(
                        "expected a Slack user id such as U0123ABCD, got {:?}",
                        m.slack_id
                    ),
                ));
            }
            if let Err(e) = crate::domain::shift::schedule(&m.schedule, self.tz()) {
                problems.push(Problem::new(format!("team.member[{i}].schedule"), e));
            }
            if !seen.insert(m.slack_id.as_str()) {
                problems.push(Problem::new(
                    format!("team.member[{i}].slack_id"),
                    "listed twice",
                ));
            }
        }
        problems
    }

    /// Every channel key routing can send to, with the field that names it.
    fn routed_channels(&self) -> Vec<(&'static str, &ChannelKey)> {
        let c = &self.routing.cards;
        let mut keys = vec![
            ("cards.missed_call", &c.missed_call),
            ("cards.missed_chat", &c.missed_chat),
            ("cards.email", &c.email),
            ("cards.ticket", &c.ticket),
            ("cards.social", &c.social),
            ("cards.marketing", &c.marketing),
            ("cards.app_review", &c.app_review),
            ("cards.beta_review", &c.beta_review),
        ];
        if self.routing.leads.enabled {
            keys.push(("leads.channel", &self.routing.leads.channel));
        }
        keys
    }

    pub fn tz(&self) -> Tz {
        self.team.timezone.parse().unwrap_or(Tz::UTC)
    }

    /// The Slack channel for a channel key.
    pub fn channel(&self, key: &str) -> Option<&str> {
        self.channels.get(key).map(String::as_str)
    }

    pub fn member(&self, slack_id: &str) -> Option<&Member> {
        self.team.members.iter().find(|m| m.slack_id == slack_id)
    }

    /// A channel named by a `[channels]` key, or given directly as an id or #name.
    pub fn resolve_channel(&self, key_or_channel: &str) -> Option<String> {
        self.channel(key_or_channel)
            .map(str::to_string)
            .or_else(|| is_channel_ref(key_or_channel).then(|| key_or_channel.to_string()))
    }

    /// The hours each SLA policy counts in, by policy name (parsed on first use).
    pub fn sla_hours(&self) -> &BTreeMap<String, Hours> {
        self.sla_hours.get_or_init(|| {
            self.sla
                .policies
                .iter()
                .map(|p| (p.name.clone(), self.sla.hours_for(p, self.tz())))
                .collect()
        })
    }

    /// A member's working windows (None: no schedule, or not a member).
    pub fn schedule(&self, slack_id: &str) -> Option<Hours> {
        let m = self.member(slack_id)?;
        crate::domain::shift::schedule(&m.schedule, self.tz())
            .ok()
            .flatten()
    }

    pub fn is_lead(&self, slack_id: &str) -> bool {
        self.member(slack_id).is_some_and(|m| m.lead)
    }

    pub fn cadence_names(&self) -> Vec<String> {
        self.cadences
            .iter()
            .map(|c| c.name.as_str().to_string())
            .collect()
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

fn is_channel_ref(v: &str) -> bool {
    let id = v.len() >= 9
        && v.starts_with(['C', 'G', 'D'])
        && v.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    let name = v.len() > 1
        && v.starts_with('#')
        && v[1..]
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_.".contains(c));
    id || name
}

fn is_user_id(v: &str) -> bool {
    v.len() >= 9
        && v.starts_with(['U', 'W'])
        && v.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

#[cfg(test)]
#[path = "playbook_tests.rs"]
mod tests;
