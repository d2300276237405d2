//! Ownership in the store: claims (one atomic conditional UPDATE, so of ten simultaneous
//! clicks exactly one wins), releases, assignments, escalations, lease bookkeeping, the
//! audit trail, and the Slack users cxbot has looked up. Every change writes its audit row
//! and enqueues its jobs in the same transaction.

use super::{NewJob, StoreResult};
use crate::domain::claim::Source;
use crate::domain::ticket::Ticket;
use async_trait::async_trait;
use serde::Serialize;

/// One audit entry to write with a change.
#[derive(Debug, Clone, Copy)]
pub struct Audit<'a> {
    pub action: &'a str,
    pub actor: &'a str,
    pub target: Option<&'a str>,
    pub source: Source,
    pub detail: Option<&'a str>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct AuditRow {
    pub ticket_id: i64,
    pub action: String,
    pub actor: String,
    pub target: Option<String>,
    pub source: String,
    pub detail: Option<String>,
    pub at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct SlackUserRow {
    pub user_id: String,
    pub name: String,
    pub tz: Option<String>,
    pub fetched_at: i64,
    /// From the profile (users:read.email); how a person is matched to a helpdesk agent.
    pub email: Option<String>,
}

#[async_trait]
pub trait ClaimStore: Send + Sync {
    /// Claims an open, unclaimed ticket whose claim number is still `seen_seq` (as read);
    /// the claim is then number `seen_seq + 1`, which its jobs (the lease timer) carry.
    /// false (nothing written) when it is claimed, solved, closed, unknown, or claimed and
    /// released since it was read.
    async fn claim_ticket(
        &self,
        id: i64,
        seen_seq: i64,
        user: &str,
        now: i64,
        audit: &Audit<'_>,
        jobs: &[NewJob],
    ) -> StoreResult<bool>;
    /// Gives an open ticket to `user` whoever holds it (a lead's reassignment), if its claim
    /// number is still `seen_seq`; the new claim is `seen_seq + 1`.
    async fn assign_ticket(
        &self,
        id: i64,
        seen_seq: i64,
        user: &str,
        now: i64,
        audit: &Audit<'_>,
        jobs: &[NewJob],
    ) -> StoreResult<bool>;
    /// Releases claim number `seq`; false when that claim is no longer current.
    async fn release_ticket(
        &self,
        id: i64,
        seq: i64,
        now: i64,
        audit: &Audit<'_>,
        jobs: &[NewJob],
    ) -> StoreResult<bool>;
    /// Records a missed call's callback once; false when someone already called back.
    async fn record_callback(
        &self,
        id: i64,
        user: &str,
        now: i64,
        audit: &Audit<'_>,
        jobs: &[NewJob],
    ) -> StoreResult<bool>;
    async fn escalate_ticket(
        &self,
        id: i64,
        target: &str,
        now: i64,
        audit: &Audit<'_>,
        jobs: &[NewJob],
    ) -> StoreResult<bool>;
    /// Marks an open ticket solved (✅ on its card); false when it was already solved or
    /// closed (someone else's ✅ won, or the helpdesk solved it first).
    async fn mark_ticket_done(
        &self,
        id: i64,
        now: i64,
        audit: &Audit<'_>,
        jobs: &[NewJob],
    ) -> StoreResult<bool>;
    /// Activity on claim `seq` (Keep, a follow-up): its lease starts again from `now`.
    async fn renew_claim(&self, id: i64, seq: i64, now: i64, jobs: &[NewJob]) -> StoreResult<bool>;
    /// The owner of claim `seq` was asked "still on it?".
    async fn mark_lease_asked(
        &self,
        id: i64,
        seq: i64,
        now: i64,
        jobs: &[NewJob],
    ) -> StoreResult<bool>;
    /// Tickets with this helpdesk number (in any helpdesk, or in `helpdesk`).
    async fn tickets_by_number(
        &self,
        helpdesk: Option<&str>,
        number: &str,
    ) -> StoreResult<Vec<Ticket>>;
    /// Open tickets with no change since `before`, longest quiet first (the fringe list
    /// filters them by the playbook's tags and groups). No index serves it (one on every
    /// ticket change would tax intake for a list read a few times an hour): it reads the
    /// open tickets.
    async fn quiet_open(&self, before: i64, limit: i64) -> StoreResult<Vec<Ticket>>;
    /// A user's open claims, oldest first.
    async fn claims_of(&self, user: &str) -> StoreResult<Vec<Ticket>>;
    /// Open unclaimed tickets needing action: missed calls first, then priority, then age.
    async fn unclaimed(&self, limit: i64) -> StoreResult<Vec<Ticket>>;
    /// How many such tickets, counted up to one past [`UNCLAIMED_COUNT_CAP`](crate::domain::claim::UNCLAIMED_COUNT_CAP) (a count past
    /// it would read every unclaimed ticket on each App Home refresh).
    async fn unclaimed_count(&self) -> StoreResult<i64>;
    async fn audit_for(&self, ticket_id: i64) -> StoreResult<Vec<AuditRow>>;
    async fn slack_user(&self, user: &str) -> StoreResult<Option<SlackUserRow>>;
    /// An audit entry on its own (a follow-up step logged, for the summary's figures).
    async fn record_audit(&self, ticket_id: i64, audit: &Audit<'_>, now: i64) -> StoreResult<()>;
    async fn save_slack_user(
        &self,
        user: &str,
        name: &str,
        tz: Option<&str>,
        email: Option<&str>,
        now: i64,
    ) -> StoreResult<()>;
}

/// Makes $2 the owner of open ticket $1 at $3, as claim number $4 + 1 if its number is
/// still $4 (claim adds its own condition).
macro_rules! take_ownership {
    () => {
        "UPDATE tickets SET claimed_by = $2, claimed_at = $3, last_activity_at = $3, lease_asked_at = NULL, quiet = FALSE, \
         claim_seq = claim_seq + 1, updated_at = $3 WHERE id = $1 AND claim_seq = $4 AND status NOT IN ('solved', 'closed')"
    };
}
pub(crate) use take_ownership;

/// Open tickets that need someone: not solved or closed, not marketing's, not a blank chat
/// the customer already followed up.
macro_rules! needs_action {
    () => {
        "status NOT IN ('solved', 'closed') AND kind <> 'marketing' AND NOT answered AND NOT quiet"
    };
}
pub(crate) use needs_action;
