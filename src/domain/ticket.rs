//! A ticket as the rest of cxbot sees it (one helpdesk ticket, one card), and how people
//! name one in `/cx`.
//!
//! The db layer produces [`Ticket`]s from its rows (`db::tickets` decodes the columns);
//! views, services and jobs take this type only, so a migration that changes a column
//! changes the decoding in `db/`, not every template. `kind`, `status` and `priority` hold
//! the domain enums' `as_str()` (`routing::CardKind`, `intake::TicketStatus`,
//! `intake::Priority`), the words the store keeps and the cards show.

use super::sla::SlaState;
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ticket {
    pub id: i64,
    pub helpdesk: String,
    pub external_id: String,
    pub kind: String,
    pub status: String,
    pub priority: String,
    pub subject: Option<String>,
    pub url: Option<String>,
    pub customer_id: Option<i64>,
    pub customer_name: Option<String>,
    pub customer_email: Option<String>,
    pub customer_phone: Option<String>,
    pub customer_order_id: Option<String>,
    pub department: Option<String>,
    pub group_name: Option<String>,
    /// JSON array of strings (see [`Ticket::tag_list`]).
    pub tags: String,
    pub message: Option<String>,
    /// JSON of `domain::intake::Social`.
    pub social: Option<String>,
    /// JSON of `domain::intake::Review`.
    pub review: Option<String>,
    pub channel: String,
    pub claimed_by: Option<String>,
    pub answered: bool,
    pub customer_replied_at: Option<i64>,
    pub missed_calls: i64,
    pub opened_at: i64,
    pub created_at: i64,
    pub updated_at: i64,
    /// Ownership details (written by claims only; intake keeps them).
    pub claim: Claim,
    /// The SLA clock (absent from notices queued before SLAs existed).
    #[serde(default)]
    pub sla: SlaState,
    /// Recorded quietly: an old ticket cxbot first heard of from a status change. No card
    /// until the customer writes or someone claims it.
    #[serde(default)]
    pub quiet: bool,
}

/// A ticket's claim, lease, escalation and callback.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claim {
    pub claimed_at: Option<i64>,
    /// Numbers each claim; a lease timer carries the number it was set for.
    pub claim_seq: i64,
    pub last_activity_at: Option<i64>,
    pub lease_asked_at: Option<i64>,
    /// An escalation target key ("L3", "developers").
    pub escalated_to: Option<String>,
    pub escalated_by: Option<String>,
    pub escalated_at: Option<i64>,
    /// A missed call's callback (the notes are in the audit trail).
    pub called_back_by: Option<String>,
    pub called_back_at: Option<i64>,
    /// `[unclaimed]`: when the card is re-announced to the leads if nobody holds it then
    /// (None: not armed, or already settled by the sweep).
    #[serde(default)]
    pub unclaimed_due_at: Option<i64>,
    /// When it was re-announced (once per ticket).
    #[serde(default)]
    pub unclaimed_told_at: Option<i64>,
    /// The claim number an auto-assignment made: while it is the current claim, the card
    /// says "(auto)".
    #[serde(default)]
    pub auto_seq: Option<i64>,
}

impl Ticket {
    pub fn tag_list(&self) -> Vec<String> {
        serde_json::from_str(&self.tags).unwrap_or_default()
    }

    pub fn is_open(&self) -> bool {
        !matches!(self.status.as_str(), "solved" | "closed")
    }

    pub fn is_missed_call(&self) -> bool {
        self.kind == "missed_call"
    }

    /// The ticket as a queued notice carries it: without the customer's message, which
    /// notices never show (they show the headline and the link), so the job stays small.
    pub fn for_notice(&self) -> Box<Ticket> {
        Box::new(Ticket {
            message: None,
            ..self.clone()
        })
    }
}

/// How people name a ticket: `4521`, `#4521`, or `zendesk:4521` when helpdesks share
/// numbers. A rule about names, not wire format: `/cx`, Socket Mode and the demo share it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketQuery {
    pub helpdesk: Option<String>,
    pub number: String,
}

impl TicketQuery {
    pub fn parse(s: &str) -> Option<TicketQuery> {
        let (helpdesk, rest) = match s.split_once(':') {
            Some((h, r))
                if !h.is_empty() && h.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') =>
            {
                (Some(h.to_ascii_lowercase()), r)
            }
            Some(_) => return None,
            None => (None, s),
        };
        let number = rest.trim_start_matches('#');
        let valid = !number.is_empty()
            && number.len() <= 64
            && number
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
        valid.then(|| TicketQuery {
            helpdesk,
            number: number.to_string(),
        })
    }
}

impl fmt::Display for TicketQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.helpdesk {
            Some(h) => write!(f, "{h}:{}", self.number),
            None => write!(f, "#{}", self.number),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::{Ticket, TicketQuery};

    /// An open email ticket, for tests that need one.
    pub(crate) fn ticket() -> Ticket {
        Ticket {
            id: 1,
            helpdesk: "zendesk".into(),
            external_id: "4521".into(),
            kind: "email".into(),
            status: "open".into(),
            priority: "medium".into(),
            subject: Some("Where is my refund?".into()),
            url: None,
            customer_id: None,
            customer_name: Some("Ana Lima".into()),
            customer_email: Some("ana@example.com".into()),
            customer_phone: None,
            customer_order_id: None,
            department: None,
            group_name: None,
            tags: "[]".into(),
            message: Some("I asked for a refund two weeks ago.".into()),
            social: None,
            review: None,
            channel: "C0QUEUE".into(),
            claimed_by: None,
            answered: false,
            customer_replied_at: None,
            missed_calls: 0,
            opened_at: 0,
            created_at: 0,
            updated_at: 0,
            claim: Default::default(),
            sla: Default::default(),
            quiet: false,
        }
    }

    #[test]
    fn a_notice_carries_the_ticket_without_the_message() {
        let t = ticket();
        let n = t.for_notice();
        assert_eq!(n.message, None);
        assert_eq!(
            Ticket {
                message: t.message.clone(),
                ..*n
            },
            t
        );
    }

    #[test]
    fn ticket_names_parse_with_or_without_helpdesk() {
        let q = TicketQuery::parse("#4521").unwrap();
        assert_eq!((q.helpdesk, q.number.as_str()), (None, "4521"));
        let q = TicketQuery::parse("Zendesk:4521").unwrap();
        assert_eq!(q.helpdesk.as_deref(), Some("zendesk"));
        assert_eq!(q.to_string(), "zendesk:4521");
        assert_eq!(TicketQuery::parse("a b:1"), None);
        assert_eq!(TicketQuery::parse("#"), None);
    }
}
