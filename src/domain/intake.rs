//! One helpdesk event, after the edge has parsed it and before classification.
//!
//! Every helpdesk webhook (see `crate::webhooks`) ends as an [`IntakeEvent`]. The event says
//! what the provider said, in our vocabulary; it does not decide anything. Deciding which card
//! it becomes and where that card goes is `crate::domain::routing`.
//!
//! Names parse leniently (case, spaces, hyphens and a few provider spellings are accepted) but
//! always into a closed set; a value that matters and is unknown stays visible as `Other(name)`
//! rather than being guessed.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

mod vocab;

pub use vocab::*;

/// A ticket in a helpdesk: displays as `zendesk:4521`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TicketRef {
    pub helpdesk: Helpdesk,
    pub external_id: String,
}

impl fmt::Display for TicketRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.helpdesk, self.external_id)
    }
}

/// What happened, as the provider said it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    MissedCall,
    MissedChat,
    /// A ticket was created.
    Ticket,
    CustomerReply,
    TicketStatus,
    /// The ticket's priority changed (Freshdesk `{priority:{..}}`, Zendesk
    /// `ticket.priority_changed`). Kept apart from `TicketStatus` because a raise to High or
    /// Urgent is news for the leads while a status change is not.
    TicketPriority,
    Social,
    AppReview,
    /// The ticket's assignee changed in the helpdesk (see [`IntakeEvent::assignee`]).
    TicketAssignee,
}

impl EventKind {
    pub const ALL: [EventKind; 9] = [
        Self::MissedCall,
        Self::MissedChat,
        Self::Ticket,
        Self::CustomerReply,
        Self::TicketStatus,
        Self::TicketPriority,
        Self::Social,
        Self::AppReview,
        Self::TicketAssignee,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::MissedCall => "missed_call",
            Self::MissedChat => "missed_chat",
            Self::Ticket => "ticket",
            Self::CustomerReply => "customer_reply",
            Self::TicketStatus => "ticket_status",
            Self::TicketPriority => "ticket_priority",
            Self::Social => "social",
            Self::AppReview => "app_review",
            Self::TicketAssignee => "ticket_assignee",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        let name = normalize_name(name);
        Self::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// True when the event brings something new to the queue rather than updating a card.
    pub fn is_new_item(self) -> bool {
        !matches!(
            self,
            Self::CustomerReply | Self::TicketStatus | Self::TicketPriority | Self::TicketAssignee
        )
    }
}

/// Where a social item came from. `kind` is optional because a helpdesk ticket whose source
/// is "Facebook" says the platform but not whether it was a DM, a comment or a mention.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Social {
    pub platform: SocialPlatform,
    pub kind: Option<SocialKind>,
    pub brand: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    pub store: ReviewStore,
    /// 1..=5, checked at the edge.
    pub rating: u8,
    pub app_version: Option<String>,
    /// Reviews of beta builds are answered in-house (seed 003).
    pub beta: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketInfo {
    pub external_id: String,
    pub url: Option<String>,
    pub subject: Option<String>,
    pub priority: Option<Priority>,
    pub status: Option<TicketStatus>,
    pub source: Option<Source>,
    pub group: Option<String>,
    pub department: Option<String>,
    pub tags: Vec<String>,
    pub created_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Customer {
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub order_id: Option<String>,
}

/// The before/after of a `TicketStatus` or `TicketPriority` event, when the provider says it.
/// `None` on either side means the provider sent a value we could not map.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "field", rename_all = "snake_case")]
pub enum Change {
    Status {
        from: Option<TicketStatus>,
        to: Option<TicketStatus>,
    },
    Priority {
        from: Option<Priority>,
        to: Option<Priority>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntakeEvent {
    /// Idempotency key: a redelivery of the same event has the same key (see each webhook
    /// module for how it is built).
    pub key: String,
    pub helpdesk: Helpdesk,
    /// As the provider said it; classification may refine it.
    pub kind: EventKind,
    pub occurred_at: DateTime<Utc>,
    pub ticket: TicketInfo,
    pub customer: Customer,
    /// Plain text, never HTML.
    pub message: Option<String>,
    pub social: Option<Social>,
    pub review: Option<Review>,
    pub change: Option<Change>,
    /// For `TicketAssignee`: who the helpdesk now says has the ticket.
    #[serde(default)]
    pub assignee: Option<Assignment>,
    /// The helpdesk's id for the requester, when the event names them only by id (Zendesk's
    /// event mode): cxbot fetches the rest (`helpdesk_enrich`).
    #[serde(default)]
    pub requester_id: Option<String>,
}

/// A helpdesk assignee: the agent's id (None: unassigned) and, when the webhook says it,
/// their email.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    pub agent_id: Option<String>,
    pub agent_email: Option<String>,
}

impl IntakeEvent {
    /// A bare event: the parsers fill in the rest field by field.
    pub fn new(
        key: String,
        helpdesk: Helpdesk,
        kind: EventKind,
        occurred_at: DateTime<Utc>,
        external_id: String,
    ) -> Self {
        Self {
            key,
            helpdesk,
            kind,
            occurred_at,
            ticket: TicketInfo {
                external_id,
                ..TicketInfo::default()
            },
            customer: Customer::default(),
            message: None,
            social: None,
            review: None,
            change: None,
            assignee: None,
            requester_id: None,
        }
    }

    pub fn ticket_ref(&self) -> TicketRef {
        TicketRef {
            helpdesk: self.helpdesk.clone(),
            external_id: self.ticket.external_id.clone(),
        }
    }
}

#[cfg(test)]
mod tests;
