//! SQL for [`QueueStore`](super::QueueStore), the same in both dialects.

macro_rules! impl_queue_store {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::db::QueueStore for $store {
            async fn unclaimed_due(&self, now: i64, limit: i64) -> $crate::db::StoreResult<Vec<$crate::domain::ticket::Ticket>> {
                self.reader().await?.rows::<$crate::domain::ticket::Ticket>(concat!(
                    "SELECT ", $crate::db::tickets::ticket_columns!(),
                    " FROM tickets WHERE unclaimed_due_at IS NOT NULL AND unclaimed_due_at <= $1 \
                     ORDER BY unclaimed_due_at, id LIMIT $2"
                ), args![now, limit]).await
            }

            async fn settle_unclaimed(
                &self,
                id: i64,
                seen_due: i64,
                told_at: Option<i64>,
                audit: Option<&$crate::db::Audit<'_>>,
                jobs: &[$crate::db::NewJob],
            ) -> $crate::db::StoreResult<bool> {
                let now = told_at.unwrap_or(seen_due);
                self.guarded_update(
                    "UPDATE tickets SET unclaimed_due_at = NULL, unclaimed_told_at = COALESCE($3, unclaimed_told_at) \
                     WHERE id = $1 AND unclaimed_due_at = $2",
                    args![id, seen_due, told_at],
                    id, now, audit, jobs,
                )
                .await
            }

            async fn unclaimed_told_count(&self) -> $crate::db::StoreResult<i64> {
                let sql = concat!(
                    "SELECT COUNT(*) FROM tickets WHERE claimed_by IS NULL AND unclaimed_told_at IS NOT NULL AND ",
                    $crate::db::claims::needs_action!()
                );
                Ok(self.reader().await?.scalar(sql, args![]).await?.unwrap_or(0))
            }

            async fn assignment_turn(&self, name: &str) -> $crate::db::StoreResult<(Option<String>, i64)> {
                let row = self.reader().await?.row::<$crate::db::TurnRow>(
                    "SELECT last_user, turn FROM assignment_turns WHERE name = $1",
                    args![name],
                ).await?;
                Ok(row.map_or((None, 0), |r| (r.last_user, r.turn)))
            }

            async fn auto_assign_ticket(
                &self,
                id: i64,
                seen_seq: i64,
                user: &str,
                turn: (&str, i64),
                now: i64,
                audit: &$crate::db::Audit<'_>,
                jobs: &[$crate::db::NewJob],
            ) -> $crate::db::StoreResult<bool> {
                let mut tx = self.begin_write().await?;
                tx.exec(
                    "INSERT INTO assignment_turns (name, last_user, turn, at) VALUES ($1, NULL, 0, $2) ON CONFLICT DO NOTHING",
                    args![turn.0, now],
                ).await?;
                let moved = tx.exec(
                    "UPDATE assignment_turns SET last_user = $2, turn = turn + 1, at = $4 WHERE name = $1 AND turn = $3",
                    args![turn.0, user, turn.1, now],
                ).await? == 1;
                if !moved {
                    // Dropped uncommitted: rolled back.
                    return Ok(false);
                }
                // The claim's own UPDATE (`take_ownership!`), marking the claim number as auto.
                let taken = Self::guarded_write(
                    &mut *tx,
                    "UPDATE tickets SET claimed_by = $2, claimed_at = $3, last_activity_at = $3, lease_asked_at = NULL, \
                     quiet = FALSE, auto_seq = claim_seq + 1, claim_seq = claim_seq + 1, updated_at = $3 \
                     WHERE id = $1 AND claim_seq = $4 AND status NOT IN ('solved', 'closed') AND claimed_by IS NULL",
                    args![id, user, now, seen_seq],
                    id, now, Some(audit), jobs,
                ).await?;
                if taken {
                    tx.commit().await?;
                }
                Ok(taken)
            }
        }
    };
}

pub(crate) use impl_queue_store;
