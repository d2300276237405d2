//! The SQL of [`TicketStore`](super::TicketStore), the same in both dialects, written once
//! and instantiated for each store (as `shared.rs` does for jobs and the inbox).

/// Implements `TicketStore` for a store type over a sqlx database.
macro_rules! impl_ticket_store {
    ($store:ty, $db:ty) => {
        impl $store {
            const TICKET_BY_REF_SQL: &'static str = concat!(
                "SELECT ", $crate::db::tickets::ticket_columns!(),
                " FROM tickets WHERE helpdesk = $1 AND external_id = $2"
            );
            /// A customer's tickets but one ($2), newest first, at most $3.
            const CUSTOMER_TICKETS_SQL: &'static str = concat!(
                "SELECT ", $crate::db::tickets::ticket_columns!(),
                " FROM tickets WHERE customer_id = $1 AND id <> $2 ORDER BY opened_at DESC, id DESC LIMIT $3"
            );

            /// Finds the customer by email or phone key and fills in what we learnt, or
            /// records a new one (then `true`). None when the event says nothing to match on.
            async fn upsert_customer(
                conn: &mut <$db as sqlx::Database>::Connection,
                c: &$crate::db::CustomerInput,
                now: i64,
            ) -> $crate::db::StoreResult<Option<(i64, bool)>> {
                if c.email.is_none() && c.phone_key.is_none() {
                    return Ok(None);
                }
                let found: Option<i64> = sqlx::query_scalar(
                    concat!("SELECT id FROM ", $crate::db::tickets::customers_matching!(), " ORDER BY id LIMIT 1"),
                )
                .bind(&c.email)
                .bind(&c.phone_key)
                .fetch_optional(&mut *conn)
                .await?;
                if let Some(id) = found {
                    // What the helpdesk says now wins; what it left out is kept.
                    sqlx::query(
                        "UPDATE customers SET name = COALESCE($2, name), email = COALESCE($3, email), \
                         phone = COALESCE($4, phone), phone_key = COALESCE($5, phone_key), \
                         order_id = COALESCE($6, order_id), updated_at = $7 WHERE id = $1",
                    )
                    .bind(id)
                    .bind(&c.name)
                    .bind(&c.email)
                    .bind(&c.phone)
                    .bind(&c.phone_key)
                    .bind(&c.order_id)
                    .bind(now)
                    .execute(&mut *conn)
                    .await?;
                    return Ok(Some((id, false)));
                }
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO customers (name, email, phone, phone_key, order_id, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
                )
                .bind(&c.name)
                .bind(&c.email)
                .bind(&c.phone)
                .bind(&c.phone_key)
                .bind(&c.order_id)
                .bind(now)
                .fetch_one(&mut *conn)
                .await?;
                Ok(Some((id, true)))
            }
        }

        #[async_trait::async_trait]
        impl $crate::db::TicketStore for $store {
            async fn record_intake(
                &self,
                event: &$crate::db::IntakeRequest<'_>,
                plan: &$crate::db::IntakePlanner<'_>,
            ) -> $crate::db::StoreResult<$crate::db::IntakeRecorded> {
                let now = event.now;
                let mut tx = self.begin_write().await?;
                let fresh = sqlx::query(
                    "INSERT INTO event_inbox (event_key, source, received_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                )
                .bind(event.key)
                .bind(event.source)
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                    == 1;
                if !fresh {
                    tx.commit().await?;
                    return Ok($crate::db::IntakeRecorded { fresh: false, ticket_id: None, new_ticket: false });
                }
                let customer = Self::upsert_customer(&mut tx, event.customer, now).await?;
                let customer_id = customer.map(|(id, _)| id);
                let new_customer = customer.is_some_and(|(_, new)| new);
                let existing = sqlx::query_as::<_, $crate::db::TicketRow>(Self::TICKET_BY_REF_SQL)
                .bind(event.helpdesk)
                .bind(event.external_id)
                .fetch_optional(&mut *tx)
                .await?;
                // A customer recorded just now has no other tickets.
                let customer_tickets = match customer_id.filter(|_| !new_customer) {
                    None => Vec::new(),
                    Some(cid) => sqlx::query_as::<_, $crate::db::TicketRow>(Self::CUSTOMER_TICKETS_SQL)
                    .bind(cid)
                    .bind(existing.as_ref().map_or(0, |t| t.id))
                    .bind($crate::db::tickets::CUSTOMER_TICKETS_LIMIT)
                    .fetch_all(&mut *tx)
                    .await?,
                };
                let ctx = $crate::db::IntakeContext { existing, customer_tickets, customer_id, new_customer };
                let $crate::db::IntakePlan { write, mark_answered, jobs } = plan(&ctx);
                let (ticket_id, new_ticket) = match write {
                    $crate::db::TicketWrite::Insert(t) => {
                        let id: i64 = sqlx::query_scalar(
                            "INSERT INTO tickets (helpdesk, external_id, kind, status, priority, subject, url, customer_id, \
                             customer_name, customer_email, customer_phone, customer_order_id, department, group_name, tags, \
                             message, social, review, channel, claimed_by, answered, customer_replied_at, missed_calls, \
                             opened_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, \
                             $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $25) RETURNING id",
                        )
                        .bind(&t.helpdesk).bind(&t.external_id).bind(&t.kind).bind(&t.status).bind(&t.priority)
                        .bind(&t.subject).bind(&t.url).bind(t.customer_id).bind(&t.customer_name).bind(&t.customer_email)
                        .bind(&t.customer_phone).bind(&t.customer_order_id).bind(&t.department).bind(&t.group_name)
                        .bind(&t.tags).bind(&t.message).bind(&t.social).bind(&t.review).bind(&t.channel)
                        .bind(&t.claimed_by).bind(t.answered).bind(t.customer_replied_at).bind(t.missed_calls)
                        .bind(t.opened_at).bind(now)
                        .fetch_one(&mut *tx)
                        .await?;
                        (id, true)
                    }
                    $crate::db::TicketWrite::Update(t) => {
                        sqlx::query(
                            "UPDATE tickets SET kind = $2, status = $3, priority = $4, subject = $5, url = $6, customer_id = $7, \
                             customer_name = $8, customer_email = $9, customer_phone = $10, customer_order_id = $11, \
                             department = $12, group_name = $13, tags = $14, message = $15, social = $16, review = $17, \
                             channel = $18, answered = $19, customer_replied_at = $20, missed_calls = $21, opened_at = $22, \
                             updated_at = $23, \
                             last_activity_at = CASE WHEN claimed_by IS NULL THEN last_activity_at ELSE $23 END WHERE id = $1",
                        )
                        .bind(t.id).bind(&t.kind).bind(&t.status).bind(&t.priority).bind(&t.subject).bind(&t.url)
                        .bind(t.customer_id).bind(&t.customer_name).bind(&t.customer_email).bind(&t.customer_phone)
                        .bind(&t.customer_order_id).bind(&t.department).bind(&t.group_name).bind(&t.tags)
                        .bind(&t.message).bind(&t.social).bind(&t.review).bind(&t.channel).bind(t.answered)
                        .bind(t.customer_replied_at).bind(t.missed_calls).bind(t.opened_at).bind(now)
                        .execute(&mut *tx)
                        .await?;
                        (t.id, false)
                    }
                };
                for id in mark_answered {
                    sqlx::query("UPDATE tickets SET answered = $2, updated_at = $3 WHERE id = $1")
                        .bind(id)
                        .bind(true)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                }
                Self::insert_jobs(&mut tx, &jobs(ticket_id), now).await?;
                tx.commit().await?;
                Ok($crate::db::IntakeRecorded { fresh: true, ticket_id: Some(ticket_id), new_ticket })
            }

            async fn ticket(&self, id: i64) -> $crate::db::StoreResult<Option<$crate::db::TicketRow>> {
                Ok(sqlx::query_as(concat!("SELECT ", $crate::db::tickets::ticket_columns!(), " FROM tickets WHERE id = $1"))
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn ticket_by_ref(
                &self,
                helpdesk: &str,
                external_id: &str,
            ) -> $crate::db::StoreResult<Option<$crate::db::TicketRow>> {
                Ok(sqlx::query_as(Self::TICKET_BY_REF_SQL)
                .bind(helpdesk)
                .bind(external_id)
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn open_tickets_for_contact(
                &self,
                email: Option<&str>,
                phone_key: Option<&str>,
            ) -> $crate::db::StoreResult<Vec<$crate::db::TicketRow>> {
                Ok(sqlx::query_as(concat!(
                    "SELECT ", $crate::db::tickets::ticket_columns!(),
                    " FROM tickets WHERE status NOT IN ('solved', 'closed') AND customer_id IN \
                      (SELECT id FROM ", $crate::db::tickets::customers_matching!(), ") \
                      ORDER BY opened_at, id"
                ))
                .bind(email)
                .bind(phone_key)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn customer(&self, id: i64) -> $crate::db::StoreResult<Option<$crate::db::CustomerRow>> {
                Ok(sqlx::query_as("SELECT id, name, email, phone, order_id, helpdesk_ids FROM customers WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn recent_tickets(
                &self,
                customer_id: i64,
                except: i64,
                limit: i64,
            ) -> $crate::db::StoreResult<Vec<$crate::db::TicketRow>> {
                Ok(sqlx::query_as(Self::CUSTOMER_TICKETS_SQL)
                .bind(customer_id)
                .bind(except)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn import_customers(
                &self,
                rows: &[$crate::db::CustomerInput],
                now: i64,
                jobs: &[$crate::db::NewJob],
            ) -> $crate::db::StoreResult<usize> {
                let mut tx = self.begin_write().await?;
                let mut written = 0;
                for c in rows {
                    if Self::upsert_customer(&mut tx, c, now).await?.is_some() {
                        written += 1;
                    }
                }
                Self::insert_jobs(&mut tx, jobs, now).await?;
                tx.commit().await?;
                Ok(written)
            }

            async fn customer_by_contact(
                &self,
                email: Option<&str>,
                phone_key: Option<&str>,
            ) -> $crate::db::StoreResult<Option<$crate::db::CustomerRow>> {
                Ok(sqlx::query_as(
                    concat!(
                        "SELECT id, name, email, phone, order_id, helpdesk_ids FROM customers WHERE id = \
                         (SELECT id FROM ", $crate::db::tickets::customers_matching!(), " ORDER BY id LIMIT 1)"
                    ),
                )
                .bind(email)
                .bind(phone_key)
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn ticket_count(&self) -> $crate::db::StoreResult<i64> {
                Ok(sqlx::query_scalar("SELECT COUNT(*) FROM tickets").fetch_one(&self.pool).await?)
            }
        }
    };
}

pub(crate) use impl_ticket_store;
