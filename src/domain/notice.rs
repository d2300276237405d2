//! What cxbot tells people after the fact, as data: a service decides a [`Notice`], a job
//! carries it (it is stored in the job's payload, so it must stay readable across
//! upgrades: add variants and optional fields, never rename one), and a view in
//! `slack::views::notice` renders it when the job runs. Nothing here knows Block Kit.
//!
//! To add a message: a variant here (or a [`CardLine`] for the card's thread), its words
//! in `slack::views::notice`, and a service that enqueues it through `jobs::enqueue`.

use super::claim::Source;
use super::ticket::Ticket;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A message about a ticket or to a person. Tickets are carried whole where the message
/// shows the ticket (headline, link): the message says what it was when it was decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "notice", rename_all = "snake_case")]
pub enum Notice {
    /// Lines in a card's thread, one message.
    CardLines { lines: Vec<CardLine> },
    /// To the escalation target's channel.
    Escalated {
        ticket: Box<Ticket>,
        title: String,
        /// Who the target's channel should ping (`@here`, a user group, a person).
        mention: Option<String>,
        by: String,
        reason: Option<String>,
    },
    /// To the leads' channels: a ticket they are told about (priority, route).
    ForLeads { ticket: Box<Ticket> },
    /// To the queue channel: a customer replied on a ticket nobody has.
    Pickup { ticket: Box<Ticket> },
    /// The claim lease's check-in DM ("still on #4521?").
    LeaseAsk {
        ticket: Box<Ticket>,
        seq: i64,
        idle_minutes: i64,
        grace_minutes: i64,
    },
    /// Replaces the check-in DM once its owner kept the claim.
    LeaseKept {
        ticket: Box<Ticket>,
        lease_minutes: i64,
    },
    /// An SLA clock reached its warning: to the owner, or the queue when unclaimed.
    SlaWarning { ticket: Box<Ticket>, due_at: i64 },
    /// An SLA clock ran out: to the owner (or the queue), and to the level responsible.
    SlaBreached {
        ticket: Box<Ticket>,
        due_at: i64,
        owner: Option<String>,
        /// Who the responsible level's channel should ping.
        mention: Option<String>,
    },
    /// A customer replied on a ticket whose owner is off shift: to the queue, naming the
    /// owner and when they are next on.
    ReplyWhileAway {
        ticket: Box<Ticket>,
        owner: String,
        next_shift: Option<i64>,
    },
    /// A customer replied on the owner's ticket while they are on: a DM.
    ReplyForOwner { ticket: Box<Ticket> },
    /// A check-in prompt (seed 004), with the queue at that moment.
    CheckinPrompt {
        name: String,
        day: String,
        unclaimed: i64,
        near_breach: i64,
        my_followups_due: i64,
        /// Live directives they have not acknowledged.
        #[serde(default)]
        directives: i64,
    },
    /// To the leads: who missed one check-in window.
    CheckinsMissed {
        name: String,
        day: String,
        users: Vec<String>,
    },
    /// To the leads: who is inside their window and has not said `/cx on`.
    LateStarts { users: Vec<(String, i64)> },
    /// To someone still on well past their window.
    StillOn { since: i64 },
    /// A lead's directive: to cx-only with Acknowledge and the count (team), or to the
    /// broader channel (all). Re-rendered in place as people acknowledge.
    Directive {
        id: i64,
        author: String,
        text: String,
        team: bool,
        acked: i64,
        of: i64,
        ended: bool,
    },
    /// One page of the daily summary (the first is the message, the rest its thread).
    DailySummary {
        summary: Box<super::summary::Summary>,
        page: usize,
    },
    /// The week's figures beside the week before's (Monday, to the leads).
    Weekly {
        this: Box<super::summary::Summary>,
        before: Box<super::summary::Summary>,
    },
    /// The leads' digest.
    Digest { digest: Box<super::summary::Digest> },
    /// To the leads: a card nobody claimed within `[unclaimed]`'s time for its kind (once
    /// per ticket), with the card's buttons.
    Unclaimed {
        ticket: Box<Ticket>,
        /// How long it had waited when the sweep found it.
        waited_ms: i64,
    },
    /// A reminder to someone who has not acknowledged a directive.
    DirectiveReminder {
        id: i64,
        author: String,
        text: String,
    },
    /// A follow-up step is due.
    FollowUpDue {
        ticket: Box<Ticket>,
        instructions: String,
        /// The run's revision and the step's index, for the buttons: a click on an old
        /// reminder is recognised and refused.
        rev: i64,
        step: usize,
        overdue: bool,
        /// Who should act: the owner by DM (None), or whoever is on in the queue channel.
        whose: Option<Whose>,
    },
}

/// Why a follow-up reminder went to the queue channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "whose", rename_all = "snake_case")]
pub enum Whose {
    OffShift { owner: String },
    Unclaimed,
}

/// One line of a card's thread: the ticket's history as people read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "line", rename_all = "snake_case")]
pub enum CardLine {
    Claimed {
        by: String,
        via: Source,
    },
    Released {
        owner: String,
        /// Someone else (a lead) released it.
        by: Option<String>,
    },
    Assigned {
        to: String,
        by: String,
    },
    /// Auto-assignment (`[assignment] auto`) gave the new card to `to`.
    AutoAssigned {
        to: String,
    },
    Escalated {
        /// The escalation target's key ("L3", "developers").
        to: String,
        by: String,
        reason: Option<String>,
    },
    LeaseExpired {
        owner: String,
    },
    CalledBack {
        by: String,
        notes: String,
    },
    CallerRecorded {
        by: String,
        name: String,
    },
    /// ✅ on the card: solved in cxbot, and being resolved in the helpdesk.
    MarkedDone {
        by: String,
        /// How messages name the helpdesk ("Freshdesk").
        helpdesk: String,
    },
    StatusChanged {
        from: String,
        to: String,
    },
    PriorityChanged {
        from: String,
        to: String,
    },
    CustomerReplied {
        message: Option<String>,
    },
    /// A blank missed chat is answered by the customer's later ticket.
    WroteAgain {
        later: Box<Ticket>,
    },
    AnotherMissedCall {
        phone: Option<String>,
        at_ms: i64,
        calls: i64,
    },
    FollowUpStarted {
        by: String,
        cadence: String,
        day_one: NaiveDate,
    },
    FollowUpDone {
        by: String,
        day: u32,
        /// The step's internal note, rendered for the agent.
        note: Option<String>,
        /// What the agent added.
        extra: Option<String>,
    },
    FollowUpStopped {
        by: String,
        customer_replied: bool,
    },
    FollowUpSnoozed {
        by: String,
    },
    /// The ticket was solved or closed under a running follow-up.
    FollowUpClosed {
        status: String,
    },
    /// The customer called or wrote again; `why` says how ("new missed call from ...").
    FollowUpRestarted {
        why: String,
    },
    FollowUpAnswered {
        why: String,
    },
    FollowUpDue {
        instructions: String,
    },
    SlaWarning {
        due_at: i64,
    },
    SlaBreached {
        due_at: i64,
    },
    /// Someone changed the assignee in the helpdesk ("Freshdesk"); the claim followed.
    /// `to`: the Slack person it went to; `agent` when nobody in Slack matches them.
    HelpdeskAssigned {
        helpdesk: String,
        to: Option<String>,
        from: Option<String>,
        agent: Option<String>,
    },
    /// The helpdesk refused a write-back; nothing will retry it.
    HelpdeskRefused {
        helpdesk: String,
        /// "set the assignee", "add the callback note"...
        what: String,
        reason: String,
    },
}
