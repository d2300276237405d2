//! The `[classification]` and `[routing]` tables of the playbook. `Default` is the seeds'
//! behaviour, and the same tables in `cxbot.example.toml` spell out exactly that (a test in
//! `config::playbook` checks it).

use super::{CardKind, ChannelKey};
use crate::domain::intake::{Priority, Source};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// `[classification]`. Leave a table out to keep its default; a table you write must be
/// complete (so a half-written rule never silently mixes with defaults).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClassificationConfig {
    /// Canonical department names; an event's department matching one case-insensitively
    /// is reported with this spelling.
    pub departments: Vec<String>,
    pub missed_call: SubjectRule,
    pub missed_chat: SubjectRule,
    pub social: SocialRule,
    pub marketing: MarketingRule,
    pub priority: PriorityDefaults,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubjectRule {
    /// Case-insensitive prefixes of the trimmed subject.
    pub subject_prefixes: Vec<String>,
    /// Sources the rule applies to; `[]` = any. A ticket without a source always qualifies.
    pub sources: Vec<Source>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SocialRule {
    pub sources: Vec<Source>,
    /// Helpdesk group names, case-insensitive.
    pub groups: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarketingRule {
    /// Case-insensitive substrings of the subject or the message.
    pub keywords: Vec<String>,
    /// Case-insensitive tag names.
    pub tags: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriorityDefaults {
    /// When the helpdesk sent no priority and the source is not in `by_source`.
    pub default: Priority,
    pub by_source: BTreeMap<Source, Priority>,
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

impl Default for ClassificationConfig {
    /// The seeds' behaviour; `cxbot.example.toml` spells out the same values.
    fn default() -> Self {
        Self {
            departments: strings(&["Paid Support", "Community", "Trials"]),
            missed_call: SubjectRule {
                subject_prefixes: strings(&["Missed call", "Voicemail"]),
                sources: vec![Source::Phone],
            },
            missed_chat: SubjectRule {
                subject_prefixes: strings(&["Offline message from"]),
                sources: vec![Source::Chat],
            },
            social: SocialRule {
                sources: vec![Source::Social],
                groups: strings(&["Social Media"]),
            },
            marketing: MarketingRule {
                keywords: strings(&[
                    "promotion",
                    "promo code",
                    "influencer",
                    "collab",
                    "sponsor",
                    "partnership",
                    "giveaway",
                    "ambassador",
                ]),
                tags: strings(&["marketing"]),
            },
            priority: PriorityDefaults {
                default: Priority::Low,
                by_source: BTreeMap::from([
                    (Source::Email, Priority::Medium),
                    (Source::Phone, Priority::Medium),
                    (Source::Chat, Priority::Medium),
                ]),
            },
        }
    }
}

/// `[routing]`: card kind -> channel key, and when the leads hear about it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RoutingConfig {
    pub cards: CardChannels,
    pub leads: LeadsRule,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CardChannels {
    pub missed_call: ChannelKey,
    pub missed_chat: ChannelKey,
    pub email: ChannelKey,
    pub ticket: ChannelKey,
    pub social: ChannelKey,
    pub marketing: ChannelKey,
    pub app_review: ChannelKey,
    /// Reviews of beta builds, answered in-house (seed 003).
    pub beta_review: ChannelKey,
}

impl Default for CardChannels {
    fn default() -> Self {
        let key = ChannelKey::new;
        Self {
            missed_call: key("queue"),
            missed_chat: key("queue"),
            email: key("queue"),
            ticket: key("queue"),
            social: key("social"),
            marketing: key("marketing"),
            app_review: key("mobile"),
            beta_review: key("inhouse"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LeadsRule {
    pub enabled: bool,
    pub channel: ChannelKey,
    pub min_priority: Priority,
    pub skip: Vec<CardKind>,
}

impl Default for LeadsRule {
    fn default() -> Self {
        Self {
            enabled: true,
            channel: ChannelKey::new("leads"),
            min_priority: Priority::High,
            skip: vec![CardKind::Marketing],
        }
    }
}

impl RoutingConfig {
    /// Every channel key this config can route to, sorted and deduplicated, for the config
    /// check to look up in `[channels]`.
    pub fn referenced_channels(&self) -> Vec<ChannelKey> {
        let c = &self.cards;
        let mut keys: BTreeSet<&ChannelKey> = [
            &c.missed_call,
            &c.missed_chat,
            &c.email,
            &c.ticket,
            &c.social,
            &c.marketing,
            &c.app_review,
            &c.beta_review,
        ]
        .into_iter()
        .collect();
        if self.leads.enabled {
            keys.insert(&self.leads.channel);
        }
        keys.into_iter().cloned().collect()
    }
}
