//! Directives in the store: the directive, each member's acknowledgement (the primary key
//! makes a second click a no-op), and the reminder DMs (once a day per person).

use super::{NewJob, StoreResult};
use crate::domain::directive::Directive;
use async_trait::async_trait;

/// What `create_directive` writes.
#[derive(Debug, Clone)]
pub struct NewDirective<'a> {
    pub author: &'a str,
    pub text: &'a str,
    pub audience: &'a str,
    pub until_at: Option<i64>,
}

#[async_trait]
pub trait DirectiveStore: Send + Sync {
    /// Writes the directive and the jobs built from its id, in one transaction.
    async fn create_directive(
        &self,
        d: &NewDirective<'_>,
        now: i64,
        jobs: &(dyn Fn(i64) -> Vec<NewJob> + Send + Sync),
    ) -> StoreResult<i64>;
    async fn directive(&self, id: i64) -> StoreResult<Option<Directive>>;
    /// Directives not ended and not expired at `now`, oldest first.
    async fn live_directives(&self, now: i64) -> StoreResult<Vec<Directive>>;
    /// Records `user`'s acknowledgement with `jobs`; None when recorded now, or the time of
    /// the earlier one (nothing written).
    async fn acknowledge(
        &self,
        id: i64,
        user: &str,
        now: i64,
        jobs: &(dyn Fn(i64) -> Vec<NewJob> + Send + Sync),
    ) -> StoreResult<Option<i64>>;
    /// (user, at) of every acknowledgement, in order.
    async fn acknowledgements(&self, id: i64) -> StoreResult<Vec<(String, i64)>>;
    /// Ends a live directive early (false: already ended).
    async fn end_directive(&self, id: i64, now: i64, jobs: &[NewJob]) -> StoreResult<bool>;
    /// Records the day's summary once (false: already posted, by this replica or another),
    /// with the jobs that post it.
    async fn record_summary(
        &self,
        day: &str,
        now: i64,
        late: bool,
        jobs: &[NewJob],
    ) -> StoreResult<bool>;
    async fn has_summary(&self, day: &str) -> StoreResult<bool>;
    /// Tickets created in [from, to), oldest first.
    async fn tickets_created(
        &self,
        from: i64,
        to: i64,
    ) -> StoreResult<Vec<crate::domain::ticket::Ticket>>;
    /// Audit entries written in [from, to), oldest first.
    async fn audit_between(&self, from: i64, to: i64) -> StoreResult<Vec<super::AuditRow>>;
    /// Records the day's reminder for a person, with its DM (false: already reminded today).
    async fn remind_directive(
        &self,
        id: i64,
        user: &str,
        day: &str,
        now: i64,
        jobs: &[NewJob],
    ) -> StoreResult<bool>;
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub(crate) struct AckRow {
    pub user_id: String,
    pub at: i64,
}
