//! SQL for [`FollowupStore`](super::FollowupStore), the same in both dialects.

macro_rules! impl_followup_store {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::db::FollowupStore for $store {
            async fn followup(&self, ticket_id: i64) -> $crate::db::StoreResult<Option<$crate::db::FollowupRow>> {
                self.reader().await?.row::<$crate::db::FollowupRow>("SELECT ticket_id, run, rev, active, reminded_step, overdue_at, started_by, updated_at \
                     FROM followups WHERE ticket_id = $1", args![ticket_id]).await
            }

            async fn save_followup(
                &self,
                row: &$crate::db::FollowupRow,
                read_rev: Option<i64>,
                now: i64,
                jobs: &[$crate::db::NewJob],
            ) -> $crate::db::StoreResult<bool> {
                let mut tx = self.begin_write().await?;
                let sql = match read_rev {
                    None => "INSERT INTO followups (ticket_id, run, rev, active, reminded_step, overdue_at, started_by, updated_at) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (ticket_id) DO NOTHING",
                    Some(_) => "UPDATE followups SET run = $2, rev = $3, active = $4, reminded_step = $5, overdue_at = $6, \
                                started_by = $7, updated_at = $8 WHERE ticket_id = $1 AND rev = $9",
                };
                let written = tx
                    .exec(
                        sql,
                        args![row.ticket_id, &row.run, row.rev, row.active, row.reminded_step, row.overdue_at,
                              &row.started_by, now, read_rev.unwrap_or(-1)],
                    )
                    .await?
                    == 1;
                if written {
                    Self::insert_jobs(&mut *tx, jobs, now).await?;
                }
                tx.commit().await?;
                Ok(written)
            }

            async fn overdue_followups(&self, now: i64) -> $crate::db::StoreResult<Vec<$crate::db::FollowupRow>> {
                Ok(sqlx::query_as(
                    "SELECT ticket_id, run, rev, active, reminded_step, overdue_at, started_by, updated_at \
                     FROM followups WHERE active = 1 AND overdue_at <= $1 ORDER BY overdue_at, ticket_id LIMIT 200",
                )
                .bind(now)
                .fetch_all(&mut *self.sqlx_reader().await?)
                .await?)
            }
        }
    };
}

pub(crate) use impl_followup_store;
