//! Classification and routing of intake events: pure, and driven by the playbook.
//!
//! How it works. [`classify`] looks at one [`IntakeEvent`] and decides which card it is about
//! ([`CardKind`]) and its priority; [`route`] turns that into a playbook channel key (plus
//! extra keys to notify). The card kind describes the *ticket* (a customer reply on a missed
//! call ticket is still a missed-call card), the event kind says what happened to it.
//!
//! Order of the rules, first match wins:
//! 1. an app review (the event says so or carries a review);
//! 2. the helpdesk said missed call / missed chat;
//! 3. the subject starts with a missed-call prefix ("Missed call", "Voicemail") and the source
//!    is allowed (phone), or a missed-chat prefix ("Offline message from", chat). A ticket with
//!    no source at all is judged on its subject, since many webhook templates omit the source;
//! 4. social: the event says so, carries a social platform, has a social source, or is in a
//!    social group ("Social Media"); then Marketing instead when its subject or message contains
//!    a marketing keyword or it has a marketing tag (seed 001: CX does not answer promotions or
//!    influencer offers);
//! 5. an email ticket; 6. any other ticket.
//!
//! Priority is the helpdesk's when it sent one; otherwise `priority.by_source`, otherwise
//! `priority.default` (seed 003: email is Medium). Departments are matched case-insensitively
//! to the configured names and carried over with the tags.
//!
//! Routing: each card kind has a channel key (`queue`, `social`, `marketing`, `mobile`,
//! `inhouse` by default; beta app reviews have their own). The leads channel is also notified
//! when the priority is at least `leads.min_priority` and the event is news: a new item, or a
//! priority change that crossed the threshold (not a reply or a status change on a ticket the
//! leads already heard about), and never for the kinds in `leads.skip` (Marketing by default).
//!
//! Adding a card kind: add the variant, its rule in `classify`, its key in [`CardChannels`], the
//! same key in `cxbot.example.toml`, and a test. A new helpdesk needs nothing here unless it
//! has a new way of saying "missed call" or "social", which belongs in the config.

use crate::domain::intake::{Change, EventKind, IntakeEvent, Priority, Source};
use serde::{Deserialize, Serialize};
use std::fmt;

mod config;

pub use config::*;

/// What a card is about; decides its channel and template.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CardKind {
    MissedCall,
    MissedChat,
    Social,
    Marketing,
    Email,
    Ticket,
    AppReview,
}

/// A key of the playbook's `[channels]` table (`queue`, `social`, ...), not a Slack id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ChannelKey(String);

impl ChannelKey {
    pub fn new(key: impl Into<String>) -> Self {
        Self(key.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ChannelKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Classified {
    pub kind: CardKind,
    /// What happened, as the helpdesk said it.
    pub event: EventKind,
    pub priority: Priority,
    /// False when `priority` came from the config defaults.
    pub priority_from_helpdesk: bool,
    pub department: Option<String>,
    pub tags: Vec<String>,
    /// Why this card kind, for logs and the card's context line.
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Route {
    pub channel: ChannelKey,
    /// Also notified (the leads); never contains `channel`.
    pub also: Vec<ChannelKey>,
    pub reason: String,
}

fn eq_ci(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

impl SubjectRule {
    fn matching_prefix(&self, subject: &str, source: Option<&Source>) -> Option<&str> {
        if let Some(source) = source {
            if !self.sources.is_empty() && !self.sources.contains(source) {
                return None;
            }
        }
        let subject = subject.trim_start().to_lowercase();
        self.subject_prefixes
            .iter()
            .find(|p| !p.trim().is_empty() && subject.starts_with(&p.trim().to_lowercase()))
            .map(String::as_str)
    }
}

fn social_reason(e: &IntakeEvent, cfg: &SocialRule) -> Option<String> {
    if e.kind == EventKind::Social {
        return Some("the helpdesk said social".into());
    }
    if let Some(s) = &e.social {
        return Some(format!("from {}", s.platform.as_str()));
    }
    if let Some(source) = e.ticket.source.as_ref().filter(|s| cfg.sources.contains(s)) {
        return Some(format!("source {}", source.as_str()));
    }
    let group = e.ticket.group.as_deref()?;
    cfg.groups
        .iter()
        .any(|g| eq_ci(g, group))
        .then(|| format!("group \"{group}\""))
}

fn marketing_reason(e: &IntakeEvent, cfg: &MarketingRule) -> Option<String> {
    if let Some(tag) = e
        .ticket
        .tags
        .iter()
        .find(|t| cfg.tags.iter().any(|m| eq_ci(m, t)))
    {
        return Some(format!("tag \"{tag}\""));
    }
    let text = [e.ticket.subject.as_deref(), e.message.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join("\n")
        .to_lowercase();
    cfg.keywords
        .iter()
        .find(|k| !k.trim().is_empty() && text.contains(&k.trim().to_lowercase()))
        .map(|k| format!("keyword \"{}\"", k.trim()))
}

pub fn classify(e: &IntakeEvent, cfg: &ClassificationConfig) -> Classified {
    let subject = e.ticket.subject.as_deref().unwrap_or("");
    let source = e.ticket.source.as_ref();
    let (kind, reason) = if e.kind == EventKind::AppReview || e.review.is_some() {
        (CardKind::AppReview, "app review".to_owned())
    } else if e.kind == EventKind::MissedCall {
        (CardKind::MissedCall, "the helpdesk said missed call".into())
    } else if e.kind == EventKind::MissedChat {
        (CardKind::MissedChat, "the helpdesk said missed chat".into())
    } else if let Some(p) = cfg.missed_call.matching_prefix(subject, source) {
        (CardKind::MissedCall, format!("subject starts with \"{p}\""))
    } else if let Some(p) = cfg.missed_chat.matching_prefix(subject, source) {
        (CardKind::MissedChat, format!("subject starts with \"{p}\""))
    } else if let Some(why) = social_reason(e, &cfg.social) {
        match marketing_reason(e, &cfg.marketing) {
            Some(m) => (
                CardKind::Marketing,
                format!("social ({why}), marketing ({m})"),
            ),
            None => (CardKind::Social, format!("social ({why})")),
        }
    } else if source == Some(&Source::Email) {
        (CardKind::Email, "email ticket".into())
    } else {
        (CardKind::Ticket, "ticket".into())
    };
    let said = e.ticket.priority.or(match e.change {
        Some(Change::Priority { to, .. }) => to,
        _ => None,
    });
    let (priority, priority_from_helpdesk) = match said {
        Some(p) => (p, true),
        None => (
            source
                .and_then(|s| cfg.priority.by_source.get(s))
                .copied()
                .unwrap_or(cfg.priority.default),
            false,
        ),
    };
    let department = e.ticket.department.as_deref().map(|d| {
        cfg.departments
            .iter()
            .find(|known| eq_ci(known, d))
            .map_or_else(|| d.trim().to_owned(), Clone::clone)
    });
    let mut tags: Vec<String> = Vec::new();
    for t in &e.ticket.tags {
        if !tags.iter().any(|seen| eq_ci(seen, t)) {
            tags.push(t.clone());
        }
    }
    Classified {
        kind,
        event: e.kind,
        priority,
        priority_from_helpdesk,
        department,
        tags,
        reason,
    }
}

/// Whether this event is news to the leads at priority `min`.
fn news_for_leads(c: &Classified, e: &IntakeEvent, min: Priority) -> bool {
    match (c.event, e.change) {
        (EventKind::TicketPriority, Some(Change::Priority { from, .. })) => {
            from.is_none_or(|f| f < min)
        }
        (EventKind::TicketPriority, _) => true,
        (kind, _) => kind.is_new_item(),
    }
}

pub fn route(c: &Classified, e: &IntakeEvent, cfg: &RoutingConfig) -> Route {
    let cards = &cfg.cards;
    let beta = e.review.as_ref().is_some_and(|r| r.beta);
    let channel = match c.kind {
        CardKind::MissedCall => &cards.missed_call,
        CardKind::MissedChat => &cards.missed_chat,
        CardKind::Email => &cards.email,
        CardKind::Ticket => &cards.ticket,
        CardKind::Social => &cards.social,
        CardKind::Marketing => &cards.marketing,
        CardKind::AppReview if beta => &cards.beta_review,
        CardKind::AppReview => &cards.app_review,
    };
    let mut reason = format!(
        "{}{} -> {channel}",
        if beta { "beta " } else { "" },
        c.reason
    );
    let mut also = Vec::new();
    let leads = &cfg.leads;
    if leads.enabled
        && !leads.skip.contains(&c.kind)
        && c.priority >= leads.min_priority
        && news_for_leads(c, e, leads.min_priority)
        && leads.channel != *channel
    {
        also.push(leads.channel.clone());
        reason.push_str(&format!(
            "; priority {} -> also {}",
            c.priority.as_str(),
            leads.channel
        ));
    }
    Route {
        channel: channel.clone(),
        also,
        reason,
    }
}

#[cfg(test)]
mod tests;
