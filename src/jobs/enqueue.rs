//! The Enqueue interface: every job's payload and the constructors the service layer
//! calls to queue one. It holds no service code and runs nothing: a service builds
//! [`NewJob`]s here with domain data and writes them in the same store transaction as
//! the change that causes them; the handlers (one file per job beside this one) run
//! them later and call the services. So the arrows are one way: services -> this file,
//! job handlers -> services.
//!
//! A payload is stored as JSON in the `jobs` table: a field or variant added must have a
//! default (old rows still decode), and `NAME`s never change.

use crate::db::NewJob;
use crate::domain::cadence::Contact;
use crate::domain::notice::{CardLine, Notice};
use crate::domain::ticket::Ticket;
use crate::domain::writeback::HelpdeskWrite;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use slack_morphism::prelude::SlackBlock;

/// A job's stored form: its handler's name, and what makes two jobs the same work.
pub trait Payload: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// Unique and stable: stored rows name their handler by it.
    const NAME: &'static str;

    /// The Slack channel this job posts into, if any: posts to one channel are paced.
    fn pace_key(&self) -> Option<String> {
        None
    }

    /// Jobs that would do the same work (re-render one card, refresh one App Home): a new
    /// one is not queued while an equal one waits to run.
    fn coalesce_key(&self) -> Option<String> {
        None
    }

    /// A row to insert, due at `run_at` (unix ms).
    fn new_job(&self, run_at: i64) -> NewJob {
        NewJob {
            name: Self::NAME,
            payload: serde_json::to_string(self).expect("job payloads serialize"),
            run_at,
            dedupe_key: None,
            recurring: false,
            pace_key: self.pace_key(),
            coalesce_key: self.coalesce_key(),
        }
    }
}

/// Re-render the ticket's card (posted the first time, updated in place after).
pub fn card(t: &Ticket, now: i64) -> NewJob {
    SyncCard {
        ticket_id: t.id,
        channel: t.channel.clone(),
    }
    .new_job(now)
}

/// One line in the card's thread (posted after the card exists).
pub fn card_line(t: &Ticket, line: CardLine, now: i64) -> NewJob {
    card_lines(t, vec![line], now)
}

/// Several lines in the card's thread, as one message.
pub fn card_lines(t: &Ticket, lines: Vec<CardLine>, now: i64) -> NewJob {
    notice(
        To::Thread {
            channel: t.channel.clone(),
            ticket_id: t.id,
        },
        Notice::CardLines { lines },
        now,
    )
}

/// A message rendered when it is sent.
pub fn notice(to: To, notice: Notice, now: i64) -> NewJob {
    SendNotice { to, notice }.new_job(now)
}

/// A message already rendered by the edge (a reply to a button, the load tools' posts).
pub fn rendered(call: SlackCall, now: i64) -> NewJob {
    call.new_job(now)
}

/// How long a refresh after a change waits, so that it takes in the changes that follow.
/// An agent working the queue changes their claims several times a minute; publishing
/// after each one spent a core on views.publish under load (issue 7), and Slack rate-limits
/// the method per workspace.
pub const REFRESH_DELAY_MS: i64 = 3_000;

/// The person opened their App Home: publish now, not left to a refresh that waits.
pub fn home_opened(user: &str, now: i64) -> NewJob {
    NewJob {
        coalesce_key: None,
        ..PublishHome::for_user(user).new_job(now)
    }
}

/// What someone's App Home shows changed: one refresh `REFRESH_DELAY_MS` later shows this
/// change and every one until then.
pub fn home_changed(user: &str, now: i64) -> NewJob {
    PublishHome::for_user(user).new_job(now + REFRESH_DELAY_MS)
}

/// The lease timer for claim `seq` of a ticket, due at `at`; one per (claim, instant).
pub fn lease_check(ticket_id: i64, claim_seq: i64, at: i64) -> NewJob {
    let mut job = CheckClaimLease {
        ticket_id,
        claim_seq,
    }
    .new_job(at);
    job.dedupe_key = Some(format!("lease:{ticket_id}:{claim_seq}:{at}"));
    job
}

/// users.info for someone cxbot acts for: deduplicated per user while its done row is kept
/// (30 days), then refreshed.
pub fn fetch_user(user: &str, now: i64) -> NewJob {
    let mut job = FetchSlackUser {
        user: user.to_string(),
    }
    .new_job(now);
    job.dedupe_key = Some(format!("users.info:{user}"));
    job
}

/// The next look at a follow-up run at revision `rev`, at `at` (now, or later).
pub fn followup_check(ticket_id: i64, rev: i64, at: i64) -> NewJob {
    let mut job = SendFollowUpReminder { ticket_id, rev }.new_job(at);
    job.dedupe_key = Some(format!("followup:{ticket_id}:{rev}:{at}"));
    job
}

/// A customer called or wrote again: their running follow-ups restart (or stop).
pub fn customer_contacted(
    email: Option<String>,
    phone_key: Option<String>,
    contact: Contact,
    why: String,
    now: i64,
) -> NewJob {
    CustomerContacted {
        email,
        phone_key,
        contact,
        why,
    }
    .new_job(now)
}

/// The team clock's sweep of the slot starting at `slot_at` (`every` ms long), due then;
/// one per slot, however many replicas or restarts queue it.
pub fn clock_sweep(slot_at: i64, every: i64) -> NewJob {
    let mut job = ClockSweep {}.new_job(slot_at);
    job.dedupe_key = Some(format!("clock_sweep:{}", slot_at / every.max(1)));
    job
}

/// A customer replied on a claimed ticket: tell the owner, or the queue if they are away.
pub fn reply_waiting(ticket_id: i64, now: i64) -> NewJob {
    ReplyWaiting { ticket_id }.new_job(now)
}

/// A write to the ticket's helpdesk (write-back); one per write key, however often queued.
/// The key starts with the ticket's [`helpdesk_writes_of`] prefix, so the ticket's writes
/// run in the order they were queued.
pub fn helpdesk_write(write: HelpdeskWrite, now: i64) -> NewJob {
    let key = format!("{}{}", helpdesk_writes_of(&write), write.key);
    let mut job = WriteToHelpdesk { write }.new_job(now);
    job.dedupe_key = Some(key);
    job
}

/// What the dedupe key of every write to `write`'s ticket starts with.
pub fn helpdesk_writes_of(write: &HelpdeskWrite) -> String {
    format!("helpdesk:{}:{}:", write.helpdesk, write.ticket_id)
}

/// The helpdesk says a ticket's assignee changed: the claim follows (or it was our echo).
pub fn helpdesk_assignee(change: AssigneeChanged, now: i64) -> NewJob {
    change.new_job(now)
}

/// Fetch what the helpdesk's event left out (Zendesk's event mode names only the
/// requester's id): the ticket's link and the customer, for the card.
pub fn helpdesk_enrich(ticket_id: i64, helpdesk: &str, requester_id: &str, now: i64) -> NewJob {
    let mut job = EnrichFromHelpdesk {
        ticket_id,
        helpdesk: helpdesk.to_string(),
        requester_id: requester_id.to_string(),
    }
    .new_job(now);
    job.dedupe_key = Some(format!("helpdesk_enrich:{ticket_id}"));
    job
}

/// Auto-assignment of a new card (`[assignment] auto`); once per ticket.
pub fn auto_assign(ticket_id: i64, now: i64) -> NewJob {
    let mut job = AutoAssign { ticket_id }.new_job(now);
    job.dedupe_key = Some(format!("auto_assign:{ticket_id}"));
    job
}

/// Where a [`Notice`] goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "to", rename_all = "snake_case")]
pub enum To {
    /// The ticket's card thread.
    Thread { channel: String, ticket_id: i64 },
    /// A channel; a `key` posts it once (a retry after Slack accepted it stops).
    Channel {
        channel: String,
        key: Option<String>,
    },
    /// A DM; a `key` as above.
    Dm { user: String, key: Option<String> },
    /// Replaces the message posted under `key`.
    Update { key: String },
    /// In the thread of the message posted under `parent` (after it exists).
    Reply { channel: String, parent: String },
}

/// `send_notice`: renders a [`Notice`] and sends it where [`To`] says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendNotice {
    pub to: To,
    pub notice: Notice,
}

impl Payload for SendNotice {
    const NAME: &'static str = "send_notice";

    fn pace_key(&self) -> Option<String> {
        match &self.to {
            To::Thread { channel, .. }
            | To::Channel { channel, .. }
            | To::Reply { channel, .. } => Some(channel.clone()),
            To::Dm { user, .. } => Some(format!("dm:{user}")),
            To::Update { .. } => None,
        }
    }
}

/// `slack_call`: one Slack Web API call with content rendered when it was enqueued.
/// Messages with a `key` are posted once. (Services queue [`SendNotice`]s; this carries
/// what the edge rendered, and rows queued before notices existed.)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "call", rename_all = "snake_case")]
pub enum SlackCall {
    /// chat.postMessage; `thread` is the key of the message to reply under.
    Post {
        key: Option<String>,
        channel: String,
        text: String,
        blocks: Option<Vec<SlackBlock>>,
        thread: Option<String>,
    },
    /// chat.update of a message posted earlier under `key`.
    Update {
        key: String,
        text: String,
        blocks: Option<Vec<SlackBlock>>,
    },
    /// chat.postEphemeral: only `user` sees it.
    Ephemeral {
        channel: String,
        user: String,
        text: String,
        blocks: Option<Vec<SlackBlock>>,
    },
    /// conversations.open + chat.postMessage to a user.
    Dm {
        key: Option<String>,
        user: String,
        text: String,
        blocks: Option<Vec<SlackBlock>>,
    },
}

impl SlackCall {
    pub fn post(channel: impl Into<String>, text: impl Into<String>) -> Self {
        SlackCall::Post {
            key: None,
            channel: channel.into(),
            text: text.into(),
            blocks: None,
            thread: None,
        }
    }

    /// Tells one person something: ephemeral in the channel where they clicked, or a DM
    /// when the click came from the App Home.
    pub fn tell(user: &str, channel: Option<&str>, text: String, blocks: Vec<SlackBlock>) -> Self {
        match channel {
            Some(ch) => SlackCall::Ephemeral {
                channel: ch.to_string(),
                user: user.to_string(),
                text,
                blocks: Some(blocks),
            },
            None => SlackCall::Dm {
                key: None,
                user: user.to_string(),
                text,
                blocks: Some(blocks),
            },
        }
    }
}

impl Payload for SlackCall {
    const NAME: &'static str = "slack_call";

    fn pace_key(&self) -> Option<String> {
        match self {
            SlackCall::Post { channel, .. } => Some(channel.clone()),
            SlackCall::Dm { user, .. } => Some(format!("dm:{user}")),
            SlackCall::Update { .. } | SlackCall::Ephemeral { .. } => None,
        }
    }
}

/// `sync_card`: makes a ticket's card show the ticket as it is now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncCard {
    pub ticket_id: i64,
    /// The ticket's Slack channel: the pace key, so card posts obey the per-channel limit.
    pub channel: String,
}

impl SyncCard {
    /// The key the card is recorded under once Slack accepted it; its thread hangs off it.
    pub fn card_key(ticket_id: i64) -> String {
        format!("card:{ticket_id}")
    }

    /// The ticket whose card a posted message's key names (`card:42` -> 42).
    pub fn ticket_of_key(key: &str) -> Option<i64> {
        key.strip_prefix("card:")?.parse().ok()
    }

    /// The coalesce key of the job that posts the card recorded under `msg_key`, if it is
    /// a card's key.
    pub fn job_key_of(msg_key: &str) -> Option<String> {
        Some(format!("sync_card:{}", Self::ticket_of_key(msg_key)?))
    }
}

impl Payload for SyncCard {
    const NAME: &'static str = "sync_card";

    fn pace_key(&self) -> Option<String> {
        Some(self.channel.clone())
    }

    fn coalesce_key(&self) -> Option<String> {
        Self::job_key_of(&Self::card_key(self.ticket_id))
    }
}

/// `publish_home`: renders a user's App Home from current state and publishes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishHome {
    pub user: String,
}

impl PublishHome {
    fn for_user(user: &str) -> Self {
        Self {
            user: user.to_string(),
        }
    }
}

impl Payload for PublishHome {
    const NAME: &'static str = "publish_home";

    fn coalesce_key(&self) -> Option<String> {
        Some(format!("publish_home:{}", self.user))
    }
}

/// `check_claim_lease`: the claim lease timer, for the claim number it was set for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckClaimLease {
    pub ticket_id: i64,
    pub claim_seq: i64,
}

impl Payload for CheckClaimLease {
    const NAME: &'static str = "check_claim_lease";
}

/// `fetch_slack_user`: users.info for a person's name and time zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FetchSlackUser {
    pub user: String,
}

impl Payload for FetchSlackUser {
    const NAME: &'static str = "fetch_slack_user";
}

/// `send_follow_up_reminder`: a look at a follow-up run at the revision it was set for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendFollowUpReminder {
    pub ticket_id: i64,
    pub rev: i64,
}

impl Payload for SendFollowUpReminder {
    const NAME: &'static str = "send_follow_up_reminder";
}

/// `customer_contacted`: a customer's new contact, for their running follow-ups.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerContacted {
    pub email: Option<String>,
    pub phone_key: Option<String>,
    pub contact: Contact,
    /// Said in the card's thread: "new missed call from +1 555 0100".
    pub why: String,
}

impl Payload for CustomerContacted {
    const NAME: &'static str = "customer_contacted";
}

/// `clock_sweep`: the team's clock (SLA warnings and breaches, check-ins, late starts),
/// then the next slot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockSweep {}

impl Payload for ClockSweep {
    const NAME: &'static str = "clock_sweep";
}

/// `reply_waiting`: a customer reply on a claimed ticket, for its owner or the queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplyWaiting {
    pub ticket_id: i64,
}

impl Payload for ReplyWaiting {
    const NAME: &'static str = "reply_waiting";
}

/// `helpdesk_write`: one write-back to a helpdesk ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WriteToHelpdesk {
    pub write: HelpdeskWrite,
}

impl Payload for WriteToHelpdesk {
    const NAME: &'static str = "helpdesk_write";
}

/// `helpdesk_assignee`: an assignee change the helpdesk reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssigneeChanged {
    pub ticket_id: i64,
    pub helpdesk: String,
    pub external_id: String,
    /// The new assignee's agent id; None when the ticket was unassigned.
    pub agent_id: Option<String>,
    /// Their email, when the webhook said it.
    #[serde(default)]
    pub agent_email: Option<String>,
}

impl Payload for AssigneeChanged {
    const NAME: &'static str = "helpdesk_assignee";
}

/// `helpdesk_enrich`: the requester and link of a ticket the webhook described by ids.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrichFromHelpdesk {
    pub ticket_id: i64,
    pub helpdesk: String,
    pub requester_id: String,
}

impl Payload for EnrichFromHelpdesk {
    const NAME: &'static str = "helpdesk_enrich";
}

/// `auto_assign`: gives a new card to the next person available (round robin).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AutoAssign {
    pub ticket_id: i64,
}

impl Payload for AutoAssign {
    const NAME: &'static str = "auto_assign";
}

#[cfg(test)]
#[path = "enqueue_tests.rs"]
mod tests;
