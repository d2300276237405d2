//! SQL for [`ClaimStore`](super::ClaimStore), the same in both dialects.

macro_rules! impl_claim_store {
    ($store:ty) => {
        impl $store {
            async fn write_audit<C: $crate::db::exec::Conn>(
                conn: &mut C,
                ticket_id: i64,
                audit: &$crate::db::Audit<'_>,
                now: i64,
            ) -> $crate::db::StoreResult<()> {
                conn.exec(
                    "INSERT INTO ticket_audit (ticket_id, action, actor, target, source, detail, at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    args![ticket_id, audit.action, audit.actor, audit.target, audit.source.as_str(), audit.detail, now],
                )
                .await?;
                Ok(())
            }
        }

        #[async_trait::async_trait]
        impl $crate::db::ClaimStore for $store {
            async fn claim_ticket(
                &self,
                id: i64,
                seen_seq: i64,
                user: &str,
                now: i64,
                audit: &$crate::db::Audit<'_>,
                jobs: &[$crate::db::NewJob],
            ) -> $crate::db::StoreResult<bool> {
                self.guarded_update(
                    concat!($crate::db::claims::take_ownership!(), " AND claimed_by IS NULL"),
                    args![id, user, now, seen_seq],
                    id, now, Some(audit), jobs,
                )
                .await
            }

            async fn assign_ticket(
                &self,
                id: i64,
                seen_seq: i64,
                user: &str,
                now: i64,
                audit: &$crate::db::Audit<'_>,
                jobs: &[$crate::db::NewJob],
            ) -> $crate::db::StoreResult<bool> {
                // A lead's assignment takes the ticket from whoever holds it.
                self.guarded_update($crate::db::claims::take_ownership!(), args![id, user, now, seen_seq], id, now, Some(audit), jobs)
                    .await
            }

            async fn release_ticket(
                &self,
                id: i64,
                seq: i64,
                now: i64,
                audit: &$crate::db::Audit<'_>,
                jobs: &[$crate::db::NewJob],
            ) -> $crate::db::StoreResult<bool> {
                self.guarded_update(
                    "UPDATE tickets SET claimed_by = NULL, claimed_at = NULL, lease_asked_at = NULL, updated_at = $3 \
                     WHERE id = $1 AND claim_seq = $2 AND claimed_by IS NOT NULL",
                    args![id, seq, now],
                    id, now, Some(audit), jobs,
                )
                .await
            }

            async fn record_callback(
                &self,
                id: i64,
                user: &str,
                now: i64,
                audit: &$crate::db::Audit<'_>,
                jobs: &[$crate::db::NewJob],
            ) -> $crate::db::StoreResult<bool> {
                self.guarded_update(
                    "UPDATE tickets SET called_back_by = $2, called_back_at = $3, updated_at = $3, \
                     last_activity_at = CASE WHEN claimed_by IS NULL THEN last_activity_at ELSE $3 END \
                     WHERE id = $1 AND called_back_by IS NULL",
                    args![id, user, now],
                    id, now, Some(audit), jobs,
                )
                .await
            }

            async fn escalate_ticket(
                &self,
                id: i64,
                target: &str,
                now: i64,
                audit: &$crate::db::Audit<'_>,
                jobs: &[$crate::db::NewJob],
            ) -> $crate::db::StoreResult<bool> {
                self.guarded_update(
                    "UPDATE tickets SET escalated_to = $2, escalated_by = $3, escalated_at = $4, updated_at = $4, \
                     last_activity_at = CASE WHEN claimed_by IS NULL THEN last_activity_at ELSE $4 END WHERE id = $1",
                    args![id, target, audit.actor, now],
                    id, now, Some(audit), jobs,
                )
                .await
            }

            async fn mark_ticket_done(
                &self,
                id: i64,
                now: i64,
                audit: &$crate::db::Audit<'_>,
                jobs: &[$crate::db::NewJob],
            ) -> $crate::db::StoreResult<bool> {
                self.guarded_update(
                    "UPDATE tickets SET status = 'solved', updated_at = $2 WHERE id = $1 AND status NOT IN ('solved', 'closed')",
                    args![id, now],
                    id, now, Some(audit), jobs,
                )
                .await
            }

            async fn renew_claim(&self, id: i64, seq: i64, now: i64, jobs: &[$crate::db::NewJob]) -> $crate::db::StoreResult<bool> {
                self.guarded_update(
                    "UPDATE tickets SET last_activity_at = $3 WHERE id = $1 AND claim_seq = $2 AND claimed_by IS NOT NULL",
                    args![id, seq, now],
                    id, now, None, jobs,
                )
                .await
            }

            async fn mark_lease_asked(&self, id: i64, seq: i64, now: i64, jobs: &[$crate::db::NewJob]) -> $crate::db::StoreResult<bool> {
                self.guarded_update(
                    "UPDATE tickets SET lease_asked_at = $3 WHERE id = $1 AND claim_seq = $2 AND claimed_by IS NOT NULL",
                    args![id, seq, now],
                    id, now, None, jobs,
                )
                .await
            }

            async fn tickets_by_number(&self, helpdesk: Option<&str>, number: &str) -> $crate::db::StoreResult<Vec<$crate::domain::ticket::Ticket>> {
                self.reader().await?.rows::<$crate::domain::ticket::Ticket>(concat!(
                    "SELECT ", $crate::db::tickets::ticket_columns!(),
                    " FROM tickets WHERE external_id = $1 AND ($2 IS NULL OR helpdesk = $2) ORDER BY helpdesk"
                ), args![number, helpdesk]).await
            }

            async fn quiet_open(&self, before: i64, limit: i64) -> $crate::db::StoreResult<Vec<$crate::domain::ticket::Ticket>> {
                self.reader().await?.rows::<$crate::domain::ticket::Ticket>(concat!(
                    "SELECT ", $crate::db::tickets::ticket_columns!(),
                    " FROM tickets WHERE status NOT IN ('solved', 'closed') AND updated_at <= $1 \
                     ORDER BY updated_at, id LIMIT $2"
                ), args![before, limit]).await
            }

            async fn claims_of(&self, user: &str) -> $crate::db::StoreResult<Vec<$crate::domain::ticket::Ticket>> {
                self.reader().await?.rows::<$crate::domain::ticket::Ticket>(concat!(
                    "SELECT ", $crate::db::tickets::ticket_columns!(),
                    " FROM tickets WHERE claimed_by = $1 AND status NOT IN ('solved', 'closed') ORDER BY claimed_at, id LIMIT 200"
                ), args![user]).await
            }

            async fn unclaimed(&self, limit: i64) -> $crate::db::StoreResult<Vec<$crate::domain::ticket::Ticket>> {
                self.reader().await?.rows::<$crate::domain::ticket::Ticket>(concat!(
                    "SELECT ", $crate::db::tickets::ticket_columns!(),
                    " FROM tickets WHERE claimed_by IS NULL AND ", $crate::db::claims::needs_action!(),
                    " ORDER BY CASE WHEN kind = 'missed_call' THEN 0 ELSE 1 END, \
                      CASE priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END, opened_at, id LIMIT $1"
                ), args![limit]).await
            }

            async fn unclaimed_count(&self) -> $crate::db::StoreResult<i64> {
                let sql = concat!(
                    "SELECT COUNT(*) FROM (SELECT 1 FROM tickets WHERE claimed_by IS NULL AND ",
                    $crate::db::claims::needs_action!(),
                    " LIMIT $1) AS capped"
                );
                let count = self.reader().await?.scalar(sql, args![$crate::domain::claim::UNCLAIMED_COUNT_CAP + 1]).await?;
                Ok(count.unwrap_or(0))
            }

            async fn audit_for(&self, ticket_id: i64) -> $crate::db::StoreResult<Vec<$crate::db::AuditRow>> {
                self.reader().await?.rows::<$crate::db::AuditRow>("SELECT ticket_id, action, actor, target, source, detail, at FROM ticket_audit WHERE ticket_id = $1 ORDER BY id", args![ticket_id]).await
            }

            async fn record_audit(&self, ticket_id: i64, audit: &$crate::db::Audit<'_>, now: i64) -> $crate::db::StoreResult<()> {
                let mut tx = self.begin_write().await?;
                Self::write_audit(&mut *tx, ticket_id, audit, now).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn slack_user(&self, user: &str) -> $crate::db::StoreResult<Option<$crate::db::SlackUserRow>> {
                self.reader().await?.row::<$crate::db::SlackUserRow>("SELECT user_id, name, tz, fetched_at, email FROM slack_users WHERE user_id = $1", args![user]).await
            }

            async fn save_slack_user(&self, user: &str, name: &str, tz: Option<&str>, email: Option<&str>, now: i64) -> $crate::db::StoreResult<()> {
                let mut w = self.begin_single().await?;
                w.exec(
                    "INSERT INTO slack_users (user_id, name, tz, fetched_at, email) VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (user_id) DO UPDATE SET name = excluded.name, tz = excluded.tz, fetched_at = excluded.fetched_at, \
                     email = COALESCE(excluded.email, slack_users.email)",
                    args![user, name, tz, now, email],
                )
                .await?;
                w.commit().await?;
                Ok(())
            }
        }
    };
}

pub(crate) use impl_claim_store;
