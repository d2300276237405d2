//! Shifts and check-ins in the store: who said `/cx on` (and when), the log of shift
//! changes, and the daily check-in prompts. Each change enqueues its jobs in the same
//! transaction; a prompt, a late start or a nudge is recorded once (by its key), so a
//! repeated sweep says nothing twice.

use super::{NewJob, StoreResult};
use async_trait::async_trait;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ShiftRow {
    pub user_id: String,
    pub on_since: Option<i64>,
    pub off_at: Option<i64>,
    pub nudged_for: Option<i64>,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct CheckinRow {
    pub user_id: String,
    pub day: String,
    pub name: String,
    pub prompted_at: i64,
    pub closes_at: i64,
    pub checked_at: Option<i64>,
    pub missed_at: Option<i64>,
}

#[async_trait]
pub trait ShiftStore: Send + Sync {
    async fn shift(&self, user: &str) -> StoreResult<Option<ShiftRow>>;
    /// Everyone who said `/cx on` and not `/cx off` since.
    async fn shifts_on(&self) -> StoreResult<Vec<ShiftRow>>;
    /// Starts a shift (false, nothing written, when already on) with its log row.
    async fn start_shift(&self, user: &str, now: i64, jobs: &[NewJob]) -> StoreResult<bool>;
    /// Ends a shift (false when not on) with its log row.
    async fn end_shift(&self, user: &str, now: i64, jobs: &[NewJob]) -> StoreResult<bool>;
    /// Records the "still on?" DM for the shift that started at `on_since` (false: already).
    async fn nudge_shift(
        &self,
        user: &str,
        on_since: i64,
        now: i64,
        jobs: &[NewJob],
    ) -> StoreResult<bool>;
    /// Records late starts, `(user, window start)`, each once; `jobs` (the leads' list) are
    /// written only when at least one is new. Returns the new ones.
    async fn record_late(
        &self,
        late: &[(String, i64)],
        now: i64,
        jobs: &(dyn for<'r> Fn(&'r [(String, i64)]) -> Vec<NewJob> + Send + Sync),
    ) -> StoreResult<Vec<(String, i64)>>;
    /// Records a check-in prompt once per (user, day, name), with its DM. False: already.
    async fn prompt_checkin(&self, row: &CheckinRow, jobs: &[NewJob]) -> StoreResult<bool>;
    /// The person clicked Checked in (false: already checked, missed, or no such prompt).
    async fn check_in(&self, user: &str, day: &str, name: &str, now: i64) -> StoreResult<bool>;
    /// Prompts whose window closed unchecked, marked missed now (each once), with `jobs`
    /// built from them written in the same transaction.
    async fn close_missed_checkins(
        &self,
        now: i64,
        jobs: &(dyn for<'r> Fn(&'r [CheckinRow]) -> Vec<NewJob> + Send + Sync),
    ) -> StoreResult<Vec<CheckinRow>>;
    /// Was this prompt already sent?
    async fn has_checkin(&self, user: &str, day: &str, name: &str) -> StoreResult<bool>;
    async fn checkins_of(&self, user: &str) -> StoreResult<Vec<CheckinRow>>;
}
