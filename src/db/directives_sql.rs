//! SQL for [`DirectiveStore`](super::DirectiveStore), the same in both dialects.

macro_rules! impl_directive_store {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::db::DirectiveStore for $store {
            async fn create_directive(
                &self,
                d: &$crate::db::NewDirective<'_>,
                now: i64,
                jobs: &(dyn Fn(i64) -> Vec<$crate::db::NewJob> + Send + Sync),
            ) -> $crate::db::StoreResult<i64> {
                let mut tx = self.begin_write().await?;
                let id = tx.scalar(
                    "INSERT INTO directives (author, text, audience, until_at, ended_at, created_at) \
                     VALUES ($1, $2, $3, $4, NULL, $5) RETURNING id",
                    args![d.author, d.text, d.audience, d.until_at, now],
                ).await?.ok_or_else(|| $crate::db::StoreError::Corrupt("no directive id".into()))?;
                Self::insert_jobs(&mut *tx, &jobs(id), now).await?;
                tx.commit().await?;
                Ok(id)
            }

            async fn directive(&self, id: i64) -> $crate::db::StoreResult<Option<$crate::domain::directive::Directive>> {
                self.reader().await?.row::<$crate::domain::directive::Directive>(
                    "SELECT id, author, text, audience, until_at, ended_at, created_at FROM directives WHERE id = $1",
                    args![id],
                ).await
            }

            async fn live_directives(&self, now: i64) -> $crate::db::StoreResult<Vec<$crate::domain::directive::Directive>> {
                self.reader().await?.rows::<$crate::domain::directive::Directive>(
                    "SELECT id, author, text, audience, until_at, ended_at, created_at FROM directives \
                     WHERE ended_at IS NULL AND (until_at IS NULL OR until_at > $1) ORDER BY id",
                    args![now],
                ).await
            }

            async fn acknowledge(
                &self,
                id: i64,
                user: &str,
                now: i64,
                jobs: &(dyn Fn(i64) -> Vec<$crate::db::NewJob> + Send + Sync),
            ) -> $crate::db::StoreResult<Option<i64>> {
                let mut tx = self.begin_write().await?;
                let fresh = tx.exec(
                    "INSERT INTO directive_acks (directive_id, user_id, at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                    args![id, user, now],
                ).await? == 1;
                let earlier = if fresh {
                    let count = tx.scalar("SELECT COUNT(*) FROM directive_acks WHERE directive_id = $1", args![id])
                        .await?.unwrap_or(0);
                    Self::insert_jobs(&mut *tx, &jobs(count), now).await?;
                    None
                } else {
                    tx.scalar("SELECT at FROM directive_acks WHERE directive_id = $1 AND user_id = $2", args![id, user]).await?
                };
                tx.commit().await?;
                Ok(earlier)
            }

            async fn acknowledgements(&self, id: i64) -> $crate::db::StoreResult<Vec<(String, i64)>> {
                Ok(self.reader().await?.rows::<$crate::db::directives::AckRow>(
                    "SELECT user_id, at FROM directive_acks WHERE directive_id = $1 ORDER BY at, user_id",
                    args![id],
                ).await?.into_iter().map(|r| (r.user_id, r.at)).collect())
            }

            async fn end_directive(&self, id: i64, now: i64, jobs: &[$crate::db::NewJob]) -> $crate::db::StoreResult<bool> {
                let mut tx = self.begin_write().await?;
                let ended = tx.exec(
                    "UPDATE directives SET ended_at = $2 WHERE id = $1 AND ended_at IS NULL",
                    args![id, now],
                ).await? == 1;
                if ended {
                    Self::insert_jobs(&mut *tx, jobs, now).await?;
                }
                tx.commit().await?;
                Ok(ended)
            }

            async fn record_summary(&self, day: &str, now: i64, late: bool, jobs: &[$crate::db::NewJob]) -> $crate::db::StoreResult<bool> {
                let mut tx = self.begin_write().await?;
                let fresh = tx.exec(
                    "INSERT INTO summaries (day, posted_at, late) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                    args![day, now, i64::from(late)],
                ).await? == 1;
                if fresh {
                    Self::insert_jobs(&mut *tx, jobs, now).await?;
                }
                tx.commit().await?;
                Ok(fresh)
            }

            async fn has_summary(&self, day: &str) -> $crate::db::StoreResult<bool> {
                Ok(self.reader().await?.scalar("SELECT CAST(1 AS BIGINT) FROM summaries WHERE day = $1", args![day]).await?.is_some())
            }

            async fn tickets_created(&self, from: i64, to: i64) -> $crate::db::StoreResult<Vec<$crate::domain::ticket::Ticket>> {
                self.reader().await?.rows::<$crate::domain::ticket::Ticket>(concat!(
                    "SELECT ", $crate::db::tickets::ticket_columns!(),
                    " FROM tickets WHERE created_at >= $1 AND created_at < $2 AND NOT quiet ORDER BY created_at, id"
                ), args![from, to]).await
            }

            async fn audit_between(&self, from: i64, to: i64) -> $crate::db::StoreResult<Vec<$crate::db::AuditRow>> {
                self.reader().await?.rows::<$crate::db::AuditRow>(
                    "SELECT ticket_id, action, actor, target, source, detail, at FROM ticket_audit \
                     WHERE at >= $1 AND at < $2 ORDER BY at",
                    args![from, to],
                ).await
            }

            async fn remind_directive(
                &self,
                id: i64,
                user: &str,
                day: &str,
                now: i64,
                jobs: &[$crate::db::NewJob],
            ) -> $crate::db::StoreResult<bool> {
                let mut tx = self.begin_write().await?;
                let fresh = tx.exec(
                    "INSERT INTO directive_reminders (directive_id, user_id, day) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                    args![id, user, day],
                ).await? == 1;
                if fresh {
                    Self::insert_jobs(&mut *tx, jobs, now).await?;
                }
                tx.commit().await?;
                Ok(fresh)
            }
        }
    };
}

pub(crate) use impl_directive_store;
