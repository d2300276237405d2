//! Tickets (one per helpdesk ticket, i.e. one per card) and the customers intake has seen.
//!
//! Intake is read-then-decide-then-write: the service's `plan` closure sees the ticket as
//! stored (and the customer's other open tickets) and says what to write and which jobs to
//! enqueue, and [`TicketStore::record_intake`] runs it inside the same write transaction that
//! records the inbox key, so a duplicate delivery or a concurrent one changes nothing twice.
//! The rules live in the service; this module only applies them.

use super::{NewJob, StoreResult};
use crate::domain::ticket::Ticket;
use async_trait::async_trait;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct CustomerRow {
    pub id: i64,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub order_id: Option<String>,
    pub helpdesk_ids: String,
}

/// Who an intake event is from; `email` lower-cased and `phone_key` the phone's match key
/// (the service normalises them: `domain::phone`), so the same person matches however a helpdesk spells them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomerInput {
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub phone_key: Option<String>,
    pub order_id: Option<String>,
}

/// The event being recorded: its inbox key and the ticket and customer it is about.
#[derive(Debug, Clone)]
pub struct IntakeRequest<'a> {
    pub key: &'a str,
    /// The inbox `source` column (the provider).
    pub source: &'a str,
    pub now: i64,
    pub helpdesk: &'a str,
    pub external_id: &'a str,
    pub customer: &'a CustomerInput,
}

/// What the plan closure sees.
#[derive(Debug, Clone)]
pub struct IntakeContext {
    /// The stored ticket with this helpdesk and external id.
    pub existing: Option<Ticket>,
    /// The customer's other tickets (any status, matched through the customer), newest
    /// first, at most [`CUSTOMER_TICKETS_LIMIT`].
    pub customer_tickets: Vec<Ticket>,
    /// The customer record the event matched or created.
    pub customer_id: Option<i64>,
    /// No stored customer matched the event's email or phone: this one was created now, so
    /// they have no other tickets and no follow-ups running.
    pub new_customer: bool,
}

/// What to write. `ticket.id` is ignored for an insert; the jobs get the id written.
pub struct IntakePlan {
    pub write: TicketWrite,
    /// Other tickets of the customer to mark "already answered" (blank missed chats).
    pub mark_answered: Vec<i64>,
    pub jobs: Box<dyn FnOnce(i64) -> Vec<NewJob> + Send>,
    /// An update writes the ticket's SLA clock only when the plan changed it, so a plan
    /// made from a row read without a lock (a repeat call's open card) cannot undo a
    /// warning, a breach or a met clock written meanwhile by the sweep or an agent.
    pub write_sla: bool,
}

pub enum TicketWrite {
    /// A new ticket (card).
    Insert(Box<Ticket>),
    /// Every mutable column of an existing ticket (`claimed_by` and `created_at` are kept).
    Update(Box<Ticket>),
}

pub type IntakePlanner<'a> = dyn Fn(&IntakeContext) -> IntakePlan + Send + Sync + 'a;

/// How many of a customer's tickets intake looks at (repeat calls, "already answered").
pub const CUSTOMER_TICKETS_LIMIT: i64 = 50;

/// What intake reads in its transaction before it plans: whether the event is new (its
/// inbox key recorded now), the customer matched or created (`true`: created), the ticket
/// the event is about, and, where the store reserves it with the lookup (PostgreSQL), the
/// id a new ticket will take. A repeated event reads nothing else and changes nothing.
#[derive(Debug, Clone, Default)]
pub(crate) struct IntakeLookup {
    pub fresh: bool,
    pub customer: Option<(i64, bool)>,
    pub existing: Option<Ticket>,
    pub next_id: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IntakeRecorded {
    /// False: the event key was seen before; nothing was written or enqueued.
    pub fresh: bool,
    /// The ticket written (None for a duplicate).
    pub ticket_id: Option<i64>,
    /// True when a new ticket row (a new card) was inserted.
    pub new_ticket: bool,
}

#[async_trait]
pub trait TicketStore: Send + Sync {
    /// In one transaction: records `key` in the inbox (a duplicate returns `fresh: false`
    /// and does nothing else), upserts the customer, reads the context, runs `plan`, writes
    /// its ticket and answered marks, and enqueues its jobs. Events of one ticket are applied
    /// one after the other: `plan` sees what the one before wrote (it may run more than once
    /// when a concurrent event created the ticket first, so it must not have side effects).
    async fn record_intake(
        &self,
        event: &IntakeRequest<'_>,
        plan: &IntakePlanner<'_>,
    ) -> StoreResult<IntakeRecorded>;
    async fn ticket(&self, id: i64) -> StoreResult<Option<Ticket>>;
    async fn ticket_by_ref(&self, helpdesk: &str, external_id: &str)
        -> StoreResult<Option<Ticket>>;
    /// Open tickets of the customer matching this email or phone key, oldest first.
    async fn open_tickets_for_contact(
        &self,
        email: Option<&str>,
        phone_key: Option<&str>,
    ) -> StoreResult<Vec<Ticket>>;
    async fn customer(&self, id: i64) -> StoreResult<Option<CustomerRow>>;
    /// The customer's most recent tickets, newest first, without `except`.
    async fn recent_tickets(
        &self,
        customer_id: i64,
        except: i64,
        limit: i64,
    ) -> StoreResult<Vec<Ticket>>;
    async fn ticket_count(&self) -> StoreResult<i64>;
    /// Loads customers in one transaction (matched by email or phone, as intake matches),
    /// with the jobs the change causes. Returns how many rows were written.
    async fn import_customers(
        &self,
        rows: &[CustomerInput],
        now: i64,
        jobs: &[NewJob],
    ) -> StoreResult<usize>;
    /// Open tickets whose SLA clock has a warning or a breach due by `now`, earliest first
    /// (one range of the `tickets_sla_next` index).
    async fn sla_due(&self, now: i64, limit: i64) -> StoreResult<Vec<Ticket>>;
    /// Writes a ticket's SLA clock if it is still the one read (its run start and next
    /// instant, `seen`), with an audit row and jobs. False when it changed meanwhile.
    async fn save_sla(
        &self,
        id: i64,
        seen: (Option<i64>, Option<i64>),
        sla: &crate::domain::sla::SlaState,
        now: i64,
        audit: Option<&super::Audit<'_>>,
        jobs: &[NewJob],
    ) -> StoreResult<bool>;
    async fn customer_by_contact(
        &self,
        email: Option<&str>,
        phone_key: Option<&str>,
    ) -> StoreResult<Option<CustomerRow>>;
    /// A data migration SQL cannot make (the key is libphonenumber's, see
    /// `service::contacts::rekey_phones`): every customer's `phone_key` becomes
    /// `key(phone)`, in one transaction that also records `name` in `data_migrations`.
    /// None when `name` was recorded before, by this process or by another one: on
    /// PostgreSQL a replica starting at the same moment waits on the first one's row and
    /// then finds it. Else how many customers' keys changed.
    async fn rekey_customer_phones(
        &self,
        name: &str,
        key: &PhoneKeyFn,
        now: i64,
    ) -> StoreResult<Option<u64>>;
}

/// A phone number's match key (`domain::phone::phone_key` with the playbook's region).
pub type PhoneKeyFn = dyn Fn(&str) -> Option<String> + Send + Sync;

/// A customer's phone and its match key (`rekey_customer_phones`).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PhoneKeyRow {
    pub id: i64,
    pub phone: String,
    pub phone_key: Option<String>,
}

/// The columns of `tickets`, in `Ticket` field order (the decoders in `exec.rs` read them by position) (a macro so `concat!` makes static SQL).
macro_rules! ticket_columns {
    () => {
        "id, helpdesk, external_id, kind, status, priority, subject, url, customer_id, \
         customer_name, customer_email, customer_phone, customer_order_id, department, group_name, tags, \
         message, social, review, channel, claimed_by, answered, customer_replied_at, missed_calls, \
         opened_at, created_at, updated_at, claimed_at, claim_seq, last_activity_at, lease_asked_at, \
         escalated_to, escalated_by, escalated_at, called_back_by, called_back_at, \
         sla_policy, sla_kind, sla_budget_ms, sla_used_ms, sla_since, sla_due_at, sla_warn_at, sla_next_at, \
         sla_warned_at, sla_breached_at, sla_met_at, quiet, unclaimed_due_at, unclaimed_told_at, auto_seq"
    };
}

pub(crate) use ticket_columns;

/// The ids of customers whose email is $1 or whose phone key is $2, as a derived table. Two
/// index lookups joined by UNION ALL: PostgreSQL's generic plan for `(email = $1) OR
/// (phone_key = $2)` with NULL checks walked the whole table in id order (seen in issue 7's
/// profile), so every intake from a new customer scanned all customers.
macro_rules! customers_matching {
    () => {
        "(SELECT id FROM customers WHERE email = $1 \
          UNION ALL SELECT id FROM customers WHERE phone_key = $2) AS matching"
    };
}

pub(crate) use customers_matching;
