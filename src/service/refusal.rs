//! Why a use case said no, as data. A service returns `Error::Refused(Refusal)`; each
//! edge words it (`slack::views::refusal` for Slack), so the same refusal reads right in
//! a slash command, a button's reply, a modal's field error or, later, Socket Mode.
//!
//! Tickets are named by their helpdesk number (`number`, shown as `#4521`).

use crate::domain::ticket::{Ticket, TicketQuery};
use chrono::{NaiveDate, NaiveTime};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    // Finding the ticket.
    /// The ticket a button or form named is gone.
    NoSuchTicket,
    UnknownTicket {
        query: TicketQuery,
    },
    AmbiguousTicket {
        query: TicketQuery,
        matches: Vec<Ticket>,
    },

    // Ownership.
    NothingToClaim {
        number: String,
        status: String,
    },
    AlreadyYours {
        number: String,
        /// In the viewer's time zone.
        since: NaiveTime,
    },
    ClaimedBy {
        number: String,
        holder: String,
        since: NaiveTime,
    },
    ClaimRaced {
        number: String,
    },
    NotClaimed {
        number: String,
    },
    NotYours {
        number: String,
        owner: String,
    },
    ReleaseRaced {
        number: String,
    },
    LeadsOnlyAssign,
    ReopenFirst {
        number: String,
        status: String,
    },
    AssignRaced {
        number: String,
    },
    /// ✅ on a ticket already solved or closed.
    AlreadyDone {
        number: String,
        status: String,
    },
    /// ✅ on a ticket of a helpdesk cxbot does not write to (no API credentials, or
    /// `write_done = false`): it is resolved there, and the card follows the helpdesk.
    DoneInHelpdesk {
        number: String,
        /// How messages name the helpdesk ("Zoho Desk").
        helpdesk: String,
    },
    UnknownTarget {
        key: String,
    },
    TopOfLadder {
        number: String,
    },
    TargetWithoutChannel {
        key: String,
    },
    /// A lease check-in's button after the claim moved on; `yours`: the ticket is still
    /// claimed, by someone else or under a later claim.
    CheckInOutOfDate {
        number: String,
        yours: bool,
    },

    // Callbacks and callers.
    NotAMissedCall {
        number: String,
    },
    AlreadyCalledBack {
        number: String,
        by: String,
    },
    NoNumberToName,
    CallerNameMissing,
    NotAnEmail {
        given: String,
    },

    // Follow-ups.
    NoOneToFollowUp {
        number: String,
        status: String,
    },
    FollowUpRunning {
        number: String,
        status: String,
    },
    StartInFuture {
        date: NaiveDate,
    },
    NoDefaultCadence,
    UnknownCadence {
        name: String,
        known: Vec<String>,
    },
    CadenceGone {
        number: String,
        cadence: String,
    },
    NoFollowUp {
        number: String,
    },
    FollowUpRaced {
        number: String,
    },
    StaleReminder {
        number: String,
    },

    // Directives.
    LeadsOnlyDirective,
    NoSuchDirective {
        id: i64,
    },
    AlreadyAcknowledged {
        since: NaiveTime,
    },
    EmptyDirective,

    /// A rule's own words (a cadence's, the playbook's), shown as they are.
    Said(String),
}
