//! Write-back: what cxbot tells a helpdesk after something happens in Slack, as data.
//!
//! A service that changes a ticket (a claim, a follow-up step, a callback...) puts one
//! [`HelpdeskWrite`] in a `helpdesk_write` job, in the same transaction as the change; the
//! job (the edge, `jobs/helpdesk_write.rs`) resolves who the Slack people are in the
//! helpdesk and calls its API (`crate::helpdesk`). Nothing here knows a vendor's URLs.
//!
//! Each write is idempotent when retried: an assignee or a status is set (the same request
//! twice changes nothing), and a note carries a reference ([`HelpdeskWrite::reference`])
//! that a retry looks for before adding the note again.

use super::cadence::TicketStatus;
use serde::{Deserialize, Serialize};

/// Why cxbot writes: each is switched on or off in the playbook's `[helpdesk]` section.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WriteCause {
    /// A claim (or an assignment, a hand-off) sets the assignee.
    Claim,
    /// A release (or a lapsed lease) clears it.
    Release,
    /// A follow-up step done: its internal note, status and final assignee.
    FollowUp,
    /// A callback's notes become a private note on the missed-call ticket.
    Callback,
    /// An escalation: a private note naming the level and the reason.
    Escalation,
    /// A recorded caller updates the helpdesk contact's name and email.
    Caller,
    /// ✅ on a card: the ticket's status becomes solved (Freshdesk: Resolved).
    Done,
}

impl WriteCause {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Claim => "claim",
            Self::Release => "release",
            Self::FollowUp => "followup",
            Self::Callback => "callback",
            Self::Escalation => "escalation",
            Self::Caller => "caller",
            Self::Done => "done",
        }
    }

    /// How the card's thread names the write when the helpdesk refuses it.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Claim => "set the assignee",
            Self::Release => "clear the assignee",
            Self::FollowUp => "record the follow-up step",
            Self::Callback => "add the callback note",
            Self::Escalation => "add the escalation note",
            Self::Caller => "update the contact",
            Self::Done => "resolve the ticket",
        }
    }
}

/// Who the ticket goes to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "to", content = "name", rename_all = "snake_case")]
pub enum Assignee {
    /// A Slack user: the job finds their helpdesk agent.
    Person(String),
    /// Nobody (a release).
    Nobody,
    /// A cadence's text such as "Unresponsive Customers/Ana": a group, and after a `/` an
    /// agent by name (a team member's name, or the helpdesk agent's).
    Named(String),
}

impl Assignee {
    /// "Unresponsive Customers/Ana" -> (Some("Unresponsive Customers"), Some("Ana")); a text
    /// without `/` is a group only.
    pub fn group_and_agent(text: &str) -> (Option<&str>, Option<&str>) {
        fn clean(s: &str) -> Option<&str> {
            Some(s.trim()).filter(|s| !s.is_empty())
        }
        match text.split_once('/') {
            Some((group, agent)) => (clean(group), clean(agent)),
            None => (clean(text), None),
        }
    }
}

/// The contact fields a recorded caller sets.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactUpdate {
    pub name: Option<String>,
    pub email: Option<String>,
    /// The number the contact is found by.
    pub phone: Option<String>,
}

/// One write to one helpdesk ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HelpdeskWrite {
    /// cxbot's ticket id (the card whose thread hears of a refusal).
    pub ticket_id: i64,
    pub helpdesk: String,
    pub external_id: String,
    pub cause: WriteCause,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee: Option<Assignee>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<TicketStatus>,
    /// A private (internal) note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<ContactUpdate>,
    /// Unique per write (the audit/claim it came from): the note's reference.
    pub key: String,
}

/// The marker a note ends with; a retry finds it in the ticket's notes and adds nothing,
/// and the helpdesk's webhook for the note is recognised as cxbot's own.
pub const NOTE_MARK: &str = "cxbot ref ";

impl HelpdeskWrite {
    pub fn new(
        ticket_id: i64,
        helpdesk: &str,
        external_id: &str,
        cause: WriteCause,
        key: String,
    ) -> Self {
        Self {
            ticket_id,
            helpdesk: helpdesk.to_string(),
            external_id: external_id.to_string(),
            cause,
            assignee: None,
            status: None,
            note: None,
            contact: None,
            key,
        }
    }

    /// The note's reference: `cxbot ref <key>`.
    pub fn reference(&self) -> String {
        format!("{NOTE_MARK}{}", self.key)
    }

    /// The note as sent: the text, then its reference on a line of its own.
    pub fn note_body(&self) -> Option<String> {
        self.note
            .as_ref()
            .map(|n| format!("{}\n\n— {}", n.trim_end(), self.reference()))
    }

    /// Nothing to write (a follow-up step with no note, status or assignee).
    pub fn is_empty(&self) -> bool {
        self.assignee.is_none()
            && self.status.is_none()
            && self.note.is_none()
            && self.contact.is_none()
    }
}

/// The status word (cxbot's intake vocabulary) the helpdesk's webhook will report after
/// cxbot sets `s`: on hold reads as pending; Zendesk cannot be set to closed, so cxbot
/// sends solved there.
pub fn echoed_status(helpdesk: &str, s: TicketStatus) -> &'static str {
    match s {
        TicketStatus::Open => "open",
        TicketStatus::Pending | TicketStatus::Hold => "pending",
        TicketStatus::Solved => "solved",
        TicketStatus::Closed if helpdesk == "zendesk" => "solved",
        TicketStatus::Closed => "closed",
    }
}

/// True when a note's text is one cxbot wrote (its reference is in it).
pub fn is_own_note(text: &str) -> bool {
    text.contains(NOTE_MARK)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_assignee_splits_group_and_agent() {
        assert_eq!(
            Assignee::group_and_agent("Unresponsive Customers/Ana"),
            (Some("Unresponsive Customers"), Some("Ana"))
        );
        assert_eq!(
            Assignee::group_and_agent("Refunds"),
            (Some("Refunds"), None)
        );
        assert_eq!(Assignee::group_and_agent(" /Ana "), (None, Some("Ana")));
    }

    #[test]
    fn a_note_carries_its_reference_and_is_recognised() {
        let mut w = HelpdeskWrite::new(7, "freshdesk", "4521", WriteCause::FollowUp, "f7-2".into());
        assert!(w.is_empty());
        w.note = Some("Internal note: 2/3\n".into());
        let body = w.note_body().unwrap();
        assert_eq!(body, "Internal note: 2/3\n\n— cxbot ref f7-2");
        assert!(is_own_note(&body));
        assert!(!is_own_note("Internal note: 2/3"));
        let json = serde_json::to_string(&w).unwrap();
        assert_eq!(serde_json::from_str::<HelpdeskWrite>(&json).unwrap(), w);
    }

    #[test]
    fn assignee_serializes_as_tagged_data() {
        let a = Assignee::Person("U1".into());
        assert_eq!(
            serde_json::to_value(&a).unwrap(),
            serde_json::json!({"to": "person", "name": "U1"})
        );
        assert_eq!(
            serde_json::to_value(Assignee::Nobody).unwrap(),
            serde_json::json!({"to": "nobody"})
        );
    }
}

/// The playbook's `[helpdesk]` section: what cxbot writes back, and what an event about a
/// ticket it has never seen does.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct HelpdeskPolicy {
    /// A claim (assignment, hand-off) sets the helpdesk assignee.
    pub write_claims: bool,
    /// A release (or a lapsed lease) clears it.
    pub write_releases: bool,
    /// A follow-up step done adds its note and sets its status (and final assignee).
    pub write_followups: bool,
    /// A callback's notes become a private note on the missed-call ticket.
    pub write_callbacks: bool,
    /// An escalation adds a private note naming the level and reason.
    pub write_escalations: bool,
    /// A recorded caller updates the helpdesk contact's name and email.
    pub write_callers: bool,
    /// ✅ on a card resolves the ticket in the helpdesk (without it, ✅ is refused).
    pub write_done: bool,
    /// An assignee change made in the helpdesk moves the claim in Slack.
    pub follow_assignee: bool,
    /// An event about a ticket cxbot has never seen that is not a creation (a status change
    /// on an old ticket): "record" keeps it quietly, no card; "post" makes a card.
    pub unseen_tickets: UnseenTickets,
    /// How long an echo of cxbot's own write is expected, in seconds.
    pub echo_seconds: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UnseenTickets {
    Record,
    Post,
}

impl Default for HelpdeskPolicy {
    fn default() -> Self {
        Self {
            write_claims: true,
            write_releases: true,
            write_followups: true,
            write_callbacks: true,
            write_escalations: true,
            write_callers: true,
            write_done: true,
            follow_assignee: true,
            unseen_tickets: UnseenTickets::Record,
            echo_seconds: 600,
        }
    }
}

impl HelpdeskPolicy {
    pub fn writes(&self, cause: WriteCause) -> bool {
        match cause {
            WriteCause::Claim => self.write_claims,
            WriteCause::Release => self.write_releases,
            WriteCause::FollowUp => self.write_followups,
            WriteCause::Callback => self.write_callbacks,
            WriteCause::Escalation => self.write_escalations,
            WriteCause::Caller => self.write_callers,
            WriteCause::Done => self.write_done,
        }
    }
}
