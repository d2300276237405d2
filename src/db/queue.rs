//! The queue features' state (issue 21): each ticket's unclaimed timer (set at intake,
//! settled once by the team clock's sweep: re-announced, or dropped because someone holds
//! the card) and auto-assignment's round robin, one row per rotation shared by every
//! replica, moved in the same transaction as the assignment it made.

use super::{Audit, NewJob, StoreResult};
use crate::domain::ticket::Ticket;
use async_trait::async_trait;
use serde::Serialize;

/// A rotation's state: who had the last card, and how many it has handed out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct TurnRow {
    pub last_user: Option<String>,
    pub turn: i64,
}

#[async_trait]
pub trait QueueStore: Send + Sync {
    /// Tickets whose unclaimed timer is due by `now`, earliest first (one range of the
    /// `tickets_unclaimed_due` index). The sweep decides what each one needs.
    async fn unclaimed_due(&self, now: i64, limit: i64) -> StoreResult<Vec<Ticket>>;
    /// Settles ticket `id`'s unclaimed timer if it is still `seen_due`: cleared, with
    /// `told_at` recorded when it was re-announced, and the audit row and jobs. False (and
    /// nothing written) when another sweep settled it first.
    async fn settle_unclaimed(
        &self,
        id: i64,
        seen_due: i64,
        told_at: Option<i64>,
        audit: Option<&Audit<'_>>,
        jobs: &[NewJob],
    ) -> StoreResult<bool>;
    /// Open tickets still unclaimed that were re-announced (the digest's count).
    async fn unclaimed_told_count(&self) -> StoreResult<i64>;
    /// A rotation's last person and turn number; `(None, 0)` before its first assignment.
    async fn assignment_turn(&self, name: &str) -> StoreResult<(Option<String>, i64)>;
    /// Auto-assignment: gives open, unclaimed ticket `id` (claim number still `seen_seq`)
    /// to `user` as claim `seen_seq + 1`, marked as made automatically, and moves rotation
    /// `turn.0` on from turn `turn.1` to `user`; with the audit row and jobs, all or
    /// nothing. False when the ticket was claimed meanwhile or another replica took the
    /// turn first.
    #[allow(clippy::too_many_arguments)]
    async fn auto_assign_ticket(
        &self,
        id: i64,
        seen_seq: i64,
        user: &str,
        turn: (&str, i64),
        now: i64,
        audit: &Audit<'_>,
        jobs: &[NewJob],
    ) -> StoreResult<bool>;
}
