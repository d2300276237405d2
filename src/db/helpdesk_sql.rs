//! SQL for [`HelpdeskStore`](super::HelpdeskStore), the same in both dialects.

macro_rules! impl_helpdesk_store {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::db::HelpdeskStore for $store {
            async fn agent_of(&self, user: &str, helpdesk: &str) -> $crate::db::StoreResult<Option<$crate::db::AgentRow>> {
                self.reader().await?.row::<$crate::db::AgentRow>(
                    "SELECT user_id, helpdesk, agent_id, email, source, matched_at FROM helpdesk_agents \
                     WHERE user_id = $1 AND helpdesk = $2",
                    args![user, helpdesk],
                ).await
            }

            async fn user_of_agent(&self, helpdesk: &str, agent_id: &str) -> $crate::db::StoreResult<Option<$crate::db::AgentRow>> {
                self.reader().await?.row::<$crate::db::AgentRow>(
                    "SELECT user_id, helpdesk, agent_id, email, source, matched_at FROM helpdesk_agents \
                     WHERE helpdesk = $1 AND agent_id = $2 ORDER BY matched_at DESC",
                    args![helpdesk, agent_id],
                ).await
            }

            async fn agents_of(&self, user: &str) -> $crate::db::StoreResult<Vec<$crate::db::AgentRow>> {
                self.reader().await?.rows::<$crate::db::AgentRow>(
                    "SELECT user_id, helpdesk, agent_id, email, source, matched_at FROM helpdesk_agents \
                     WHERE user_id = $1 ORDER BY helpdesk",
                    args![user],
                ).await
            }

            async fn save_agent(&self, r: &$crate::db::AgentRow) -> $crate::db::StoreResult<()> {
                let mut tx = self.begin_write().await?;
                tx.exec(
                    "INSERT INTO helpdesk_agents (user_id, helpdesk, agent_id, email, source, matched_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (user_id, helpdesk) DO UPDATE SET \
                     agent_id = $3, email = $4, source = $5, matched_at = $6",
                    args![&r.user_id, &r.helpdesk, &r.agent_id, &r.email, &r.source, r.matched_at],
                ).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn expect_echo(&self, helpdesk: &str, external_id: &str, field: &str, value: &str, expires_at: i64) -> $crate::db::StoreResult<()> {
                let mut tx = self.begin_write().await?;
                tx.exec(
                    "INSERT INTO helpdesk_echoes (helpdesk, external_id, field, value, expires_at) VALUES ($1, $2, $3, $4, $5)",
                    args![helpdesk, external_id, field, value, expires_at],
                ).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn take_echo(&self, helpdesk: &str, external_id: &str, field: &str, value: &str, now: i64) -> $crate::db::StoreResult<bool> {
                let mut tx = self.begin_write().await?;
                // The oldest live expectation is the one this webhook answers.
                let taken = tx.exec(
                    "DELETE FROM helpdesk_echoes WHERE id = (SELECT id FROM helpdesk_echoes \
                     WHERE helpdesk = $1 AND external_id = $2 AND field = $3 AND value = $4 AND expires_at > $5 \
                     ORDER BY id LIMIT 1)",
                    args![helpdesk, external_id, field, value, now],
                ).await? == 1;
                tx.exec(
                    "DELETE FROM helpdesk_echoes WHERE helpdesk = $1 AND external_id = $2 AND expires_at <= $3",
                    args![helpdesk, external_id, now],
                ).await?;
                tx.commit().await?;
                Ok(taken)
            }

            async fn requester(&self, helpdesk: &str, id: &str) -> $crate::db::StoreResult<Option<$crate::db::RequesterRow>> {
                self.reader().await?.row::<$crate::db::RequesterRow>(
                    "SELECT helpdesk, requester_id, name, email, phone, fetched_at FROM helpdesk_requesters \
                     WHERE helpdesk = $1 AND requester_id = $2",
                    args![helpdesk, id],
                ).await
            }

            async fn save_requester(&self, r: &$crate::db::RequesterRow) -> $crate::db::StoreResult<()> {
                let mut tx = self.begin_write().await?;
                tx.exec(
                    "INSERT INTO helpdesk_requesters (helpdesk, requester_id, name, email, phone, fetched_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (helpdesk, requester_id) DO UPDATE SET \
                     name = $3, email = $4, phone = $5, fetched_at = $6",
                    args![&r.helpdesk, &r.requester_id, &r.name, &r.email, &r.phone, r.fetched_at],
                ).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn enrich_ticket(
                &self,
                ticket_id: i64,
                e: &$crate::db::Enrichment,
                phone_key: Option<&str>,
                now: i64,
                jobs: &[$crate::db::NewJob],
            ) -> $crate::db::StoreResult<bool> {
                let mut tx = self.begin_write().await?;
                let customer = tx.scalar(
                    concat!("SELECT MIN(id) FROM ", $crate::db::tickets::customers_matching!()),
                    args![&e.email, phone_key],
                ).await?;
                let changed = tx.exec(
                    "UPDATE tickets SET url = COALESCE(url, $2), customer_name = COALESCE(customer_name, $3), \
                     customer_email = COALESCE(customer_email, $4), customer_phone = COALESCE(customer_phone, $5), \
                     customer_id = COALESCE(customer_id, $6), updated_at = $7 \
                     WHERE id = $1 AND ((url IS NULL AND $2 IS NOT NULL) OR (customer_name IS NULL AND $3 IS NOT NULL) \
                     OR (customer_email IS NULL AND $4 IS NOT NULL) OR (customer_phone IS NULL AND $5 IS NOT NULL) \
                     OR (customer_id IS NULL AND $6 IS NOT NULL))",
                    args![ticket_id, &e.url, &e.name, &e.email, &e.phone, customer, now],
                ).await? == 1;
                if changed {
                    Self::insert_jobs(&mut *tx, jobs, now).await?;
                }
                tx.commit().await?;
                Ok(changed)
            }
        }
    };
}

pub(crate) use impl_helpdesk_store;
