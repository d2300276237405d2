//! Follow-up runs in the store. Writes are optimistic: a save names the revision it read,
//! and loses (returns false, writes nothing) if another writer got there first.

use super::{NewJob, StoreResult};
use async_trait::async_trait;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct FollowupRow {
    pub ticket_id: i64,
    /// JSON of `domain::cadence::CadenceRun`.
    pub run: String,
    pub rev: i64,
    pub active: i64,
    pub reminded_step: Option<i64>,
    pub overdue_at: Option<i64>,
    pub started_by: String,
    pub updated_at: i64,
}

#[async_trait]
pub trait FollowupStore: Send + Sync {
    async fn followup(&self, ticket_id: i64) -> StoreResult<Option<FollowupRow>>;
    /// Writes `row` if the stored revision is still `read_rev` (`None`: no row yet), and
    /// enqueues `jobs` in the same transaction. False when someone else changed it.
    async fn save_followup(
        &self,
        row: &FollowupRow,
        read_rev: Option<i64>,
        now: i64,
        jobs: &[NewJob],
    ) -> StoreResult<bool>;
    /// Active runs whose reminded step was not done by the end of its day.
    async fn overdue_followups(&self, now: i64) -> StoreResult<Vec<FollowupRow>>;
}
