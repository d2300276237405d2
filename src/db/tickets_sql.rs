//! The SQL of [`TicketStore`](super::TicketStore), the same in both dialects, written once
//! and instantiated for each store (as `shared.rs` does for jobs and the inbox).

/// Implements `TicketStore` for a store type over a sqlx database.
macro_rules! impl_ticket_store {
    ($store:ty) => {
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
            async fn upsert_customer<C: $crate::db::exec::Conn>(
                conn: &mut C,
                c: &$crate::db::CustomerInput,
                now: i64,
            ) -> $crate::db::StoreResult<Option<(i64, bool)>> {
                if c.email.is_none() && c.phone_key.is_none() {
                    return Ok(None);
                }
                if let Some(sql) = Self::UPSERT_CUSTOMER_SQL {
                    let id = conn
                        .scalar(sql, args![&c.email, &c.phone_key, &c.name, &c.phone, &c.order_id, now])
                        .await?
                        .ok_or_else(|| $crate::db::StoreError::Corrupt("a customer upsert returned no id".into()))?;
                    return Ok(Some((id.abs(), id < 0)));
                }
                let found = conn
                    .scalar(
                        concat!("SELECT id FROM ", $crate::db::tickets::customers_matching!(), " ORDER BY id LIMIT 1"),
                        args![&c.email, &c.phone_key],
                    )
                    .await?;
                if let Some(id) = found {
                    // What the helpdesk says now wins; what it left out is kept.
                    conn.exec(
                        "UPDATE customers SET name = COALESCE($2, name), email = COALESCE($3, email), \
                         phone = COALESCE($4, phone), phone_key = COALESCE($5, phone_key), \
                         order_id = COALESCE($6, order_id), updated_at = $7 WHERE id = $1",
                        args![id, &c.name, &c.email, &c.phone, &c.phone_key, &c.order_id, now],
                    )
                    .await?;
                    return Ok(Some((id, false)));
                }
                let id = conn
                    .scalar(
                        "INSERT INTO customers (name, email, phone, phone_key, order_id, created_at, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
                        args![&c.name, &c.email, &c.phone, &c.phone_key, &c.order_id, now],
                    )
                    .await?
                    .ok_or_else(|| $crate::db::StoreError::Corrupt("a customer insert returned no id".into()))?;
                Ok(Some((id, true)))
            }

            /// Records the event's inbox key; if it is new, upserts the customer and reads the
            /// ticket (`IntakeLookup`). PostgreSQL does it in one statement that also reserves
            /// a new ticket's id (`INTAKE_LOOKUP_SQL`); SQLite in three on its writer.
            async fn intake_lookup<C: $crate::db::exec::Conn>(
                conn: &mut C,
                event: &$crate::db::IntakeRequest<'_>,
            ) -> $crate::db::StoreResult<$crate::db::tickets::IntakeLookup> {
                let c = event.customer;
                if let Some(sql) = Self::INTAKE_LOOKUP_SQL {
                    return conn
                        .row::<$crate::db::tickets::IntakeLookup>(
                            sql,
                            args![&c.email, &c.phone_key, &c.name, &c.phone, &c.order_id, event.now, event.key,
                                  event.source, event.helpdesk, event.external_id],
                        )
                        .await?
                        .ok_or_else(|| $crate::db::StoreError::Corrupt("an intake lookup returned no row".into()));
                }
                if conn.exec(Self::INBOX_SQL, args![event.key, event.source, event.now]).await? != 1 {
                    return Ok(Default::default());
                }
                let customer = Self::upsert_customer(conn, c, event.now).await?;
                let existing = conn
                    .row::<$crate::domain::ticket::Ticket>(Self::TICKET_BY_REF_SQL, args![event.helpdesk, event.external_id])
                    .await?;
                Ok($crate::db::tickets::IntakeLookup { fresh: true, customer, existing, next_id: None })
            }

            /// `record_intake`, once: one transaction.
            async fn record_intake_once(
                &self,
                event: &$crate::db::IntakeRequest<'_>,
                plan: &$crate::db::IntakePlanner<'_>,
            ) -> $crate::db::StoreResult<$crate::db::IntakeRecorded> {
                let now = event.now;
                let mut tx = self.begin_write().await?;
                let found = Self::intake_lookup(&mut *tx, event).await?;
                if !found.fresh {
                    tx.commit().await?;
                    return Ok($crate::db::IntakeRecorded { fresh: false, ticket_id: None, new_ticket: false });
                }
                let customer_id = found.customer.map(|(id, _)| id);
                let new_customer = found.customer.is_some_and(|(_, new)| new);
                // A customer recorded just now has no other tickets.
                let customer_tickets = match customer_id.filter(|_| !new_customer) {
                    None => Vec::new(),
                    Some(cid) => {
                        let except = found.existing.as_ref().map_or(0, |t| t.id);
                        tx.rows::<$crate::domain::ticket::Ticket>(
                            Self::CUSTOMER_TICKETS_SQL,
                            args![cid, except, $crate::db::tickets::CUSTOMER_TICKETS_LIMIT],
                        )
                        .await?
                    }
                };
                let ctx = $crate::db::IntakeContext { existing: found.existing, customer_tickets, customer_id, new_customer };
                let $crate::db::IntakePlan { write, mark_answered, jobs, write_sla } = plan(&ctx);
                for id in mark_answered {
                    tx.exec("UPDATE tickets SET answered = $2, updated_at = $3 WHERE id = $1", args![id, true, now])
                        .await?;
                }
                // The ticket and its jobs are one guarded write (one statement on PostgreSQL),
                // so a new ticket's id is reserved first for the jobs to name it.
                let ticket_id = match &write {
                    $crate::db::TicketWrite::Update(t) => t.id,
                    $crate::db::TicketWrite::Insert(_) => match found.next_id {
                        Some(id) => id,
                        None => tx.scalar(Self::NEXT_TICKET_ID_SQL, args![]).await?.ok_or_else(|| {
                            $crate::db::StoreError::Corrupt("no ticket id was reserved".into())
                        })?,
                    },
                };
                let jobs = jobs(ticket_id);
                let written = match &write {
                    $crate::db::TicketWrite::Insert(t) => Self::guarded_write(
                        &mut *tx,
                        "INSERT INTO tickets (id, helpdesk, external_id, kind, status, priority, subject, url, customer_id, \
                         customer_name, customer_email, customer_phone, customer_order_id, department, group_name, tags, \
                         message, social, review, channel, claimed_by, answered, customer_replied_at, missed_calls, \
                         opened_at, created_at, updated_at, sla_policy, sla_kind, sla_budget_ms, sla_used_ms, \
                         sla_since, sla_due_at, sla_warn_at, sla_next_at, sla_warned_at, sla_breached_at, sla_met_at, quiet, \
                         unclaimed_due_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, \
                         $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $26, \
                         $27, $28, $29, $30, $31, $32, $33, $34, $35, $36, $37, $38, $39)",
                        args![ticket_id, &t.helpdesk, &t.external_id, &t.kind, &t.status, &t.priority, &t.subject,
                              &t.url, t.customer_id, &t.customer_name, &t.customer_email, &t.customer_phone,
                              &t.customer_order_id, &t.department, &t.group_name, &t.tags, &t.message, &t.social,
                              &t.review, &t.channel, &t.claimed_by, t.answered, t.customer_replied_at,
                              t.missed_calls, t.opened_at, now,
                              &t.sla.policy, &t.sla.kind, t.sla.budget_ms, t.sla.used_ms, t.sla.since,
                              t.sla.due_at, t.sla.warn_at, t.sla.next_at, t.sla.warned_at, t.sla.breached_at,
                              t.sla.met_at, t.quiet, t.claim.unclaimed_due_at],
                        ticket_id, now, None, &jobs,
                    )
                    .await?,
                    $crate::db::TicketWrite::Update(t) => Self::guarded_write(
                        &mut *tx,
                        "UPDATE tickets SET kind = $2, status = $3, priority = $4, subject = $5, url = $6, customer_id = $7, \
                         customer_name = $8, customer_email = $9, customer_phone = $10, customer_order_id = $11, \
                         department = $12, group_name = $13, tags = $14, message = $15, social = $16, review = $17, \
                         channel = $18, answered = $19, customer_replied_at = $20, missed_calls = $21, opened_at = $22, \
                         updated_at = $23, quiet = $36, \
                         sla_policy = CASE WHEN $35 THEN $24 ELSE sla_policy END, \
                         sla_kind = CASE WHEN $35 THEN $25 ELSE sla_kind END, \
                         sla_budget_ms = CASE WHEN $35 THEN $26 ELSE sla_budget_ms END, \
                         sla_used_ms = CASE WHEN $35 THEN $27 ELSE sla_used_ms END, \
                         sla_since = CASE WHEN $35 THEN $28 ELSE sla_since END, \
                         sla_due_at = CASE WHEN $35 THEN $29 ELSE sla_due_at END, \
                         sla_warn_at = CASE WHEN $35 THEN $30 ELSE sla_warn_at END, \
                         sla_next_at = CASE WHEN $35 THEN $31 ELSE sla_next_at END, \
                         sla_warned_at = CASE WHEN $35 THEN $32 ELSE sla_warned_at END, \
                         sla_breached_at = CASE WHEN $35 THEN $33 ELSE sla_breached_at END, \
                         sla_met_at = CASE WHEN $35 THEN $34 ELSE sla_met_at END, \
                         last_activity_at = CASE WHEN claimed_by IS NULL THEN last_activity_at ELSE $23 END WHERE id = $1",
                        args![t.id, &t.kind, &t.status, &t.priority, &t.subject, &t.url, t.customer_id,
                              &t.customer_name, &t.customer_email, &t.customer_phone, &t.customer_order_id,
                              &t.department, &t.group_name, &t.tags, &t.message, &t.social, &t.review, &t.channel,
                              t.answered, t.customer_replied_at, t.missed_calls, t.opened_at, now,
                              &t.sla.policy, &t.sla.kind, t.sla.budget_ms, t.sla.used_ms, t.sla.since,
                              t.sla.due_at, t.sla.warn_at, t.sla.next_at, t.sla.warned_at, t.sla.breached_at,
                              t.sla.met_at, write_sla, t.quiet],
                        ticket_id, now, None, &jobs,
                    )
                    .await?,
                };
                if !written {
                    // Tickets are never deleted: the row read above is still there.
                    return Err($crate::db::StoreError::Corrupt(format!("ticket {ticket_id} was not written")));
                }
                tx.commit().await?;
                Ok($crate::db::IntakeRecorded {
                    fresh: true,
                    ticket_id: Some(ticket_id),
                    new_ticket: matches!(write, $crate::db::TicketWrite::Insert(_)),
                })
            }
        }

        #[async_trait::async_trait]
        impl $crate::db::TicketStore for $store {
            async fn record_intake(
                &self,
                event: &$crate::db::IntakeRequest<'_>,
                plan: &$crate::db::IntakePlanner<'_>,
            ) -> $crate::db::StoreResult<$crate::db::IntakeRecorded> {
                // On PostgreSQL, two events may create one ticket at once (see
                // `INTAKE_LOOKUP_SQL`): the one that loses is rolled back whole and runs
                // again, and then finds the ticket the other wrote.
                let mut again = 2;
                loop {
                    match self.record_intake_once(event, plan).await {
                        Err(e) if e.lost_a_race() && again > 0 => {
                            again -= 1;
                            tracing::debug!(key = event.key, error = %e, "intake lost a race; running it again");
                        }
                        done => return done,
                    }
                }
            }

            async fn ticket(&self, id: i64) -> $crate::db::StoreResult<Option<$crate::domain::ticket::Ticket>> {
                self.reader().await?.row::<$crate::domain::ticket::Ticket>(concat!("SELECT ", $crate::db::tickets::ticket_columns!(), " FROM tickets WHERE id = $1"), args![id]).await
            }

            async fn ticket_by_ref(
                &self,
                helpdesk: &str,
                external_id: &str,
            ) -> $crate::db::StoreResult<Option<$crate::domain::ticket::Ticket>> {
                self.reader().await?.row::<$crate::domain::ticket::Ticket>(Self::TICKET_BY_REF_SQL, args![helpdesk, external_id]).await
            }

            async fn open_tickets_for_contact(
                &self,
                email: Option<&str>,
                phone_key: Option<&str>,
            ) -> $crate::db::StoreResult<Vec<$crate::domain::ticket::Ticket>> {
                let sql = concat!(
                    "SELECT ", $crate::db::tickets::ticket_columns!(),
                    " FROM tickets WHERE status NOT IN ('solved', 'closed') AND customer_id IN \
                      (SELECT id FROM ", $crate::db::tickets::customers_matching!(), ") \
                      ORDER BY opened_at, id"
                );
                self.reader().await?.rows::<$crate::domain::ticket::Ticket>(sql, args![email, phone_key]).await
            }

            async fn customer(&self, id: i64) -> $crate::db::StoreResult<Option<$crate::db::CustomerRow>> {
                self.reader().await?.row::<$crate::db::CustomerRow>("SELECT id, name, email, phone, order_id, helpdesk_ids FROM customers WHERE id = $1", args![id]).await
            }

            async fn recent_tickets(
                &self,
                customer_id: i64,
                except: i64,
                limit: i64,
            ) -> $crate::db::StoreResult<Vec<$crate::domain::ticket::Ticket>> {
                self.reader().await?.rows::<$crate::domain::ticket::Ticket>(Self::CUSTOMER_TICKETS_SQL, args![customer_id, except, limit]).await
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
                    if Self::upsert_customer(&mut *tx, c, now).await?.is_some() {
                        written += 1;
                    }
                }
                Self::insert_jobs(&mut *tx, jobs, now).await?;
                tx.commit().await?;
                Ok(written)
            }

            async fn sla_due(&self, now: i64, limit: i64) -> $crate::db::StoreResult<Vec<$crate::domain::ticket::Ticket>> {
                self.reader().await?.rows::<$crate::domain::ticket::Ticket>(concat!(
                    "SELECT ", $crate::db::tickets::ticket_columns!(),
                    " FROM tickets WHERE sla_next_at IS NOT NULL AND sla_next_at <= $1 ORDER BY sla_next_at, id LIMIT $2"
                ), args![now, limit]).await
            }

            async fn save_sla(
                &self,
                id: i64,
                seen: (Option<i64>, Option<i64>),
                s: &$crate::domain::sla::SlaState,
                now: i64,
                audit: Option<&$crate::db::Audit<'_>>,
                jobs: &[$crate::db::NewJob],
            ) -> $crate::db::StoreResult<bool> {
                self.guarded_update(
                    "UPDATE tickets SET sla_policy = $4, sla_kind = $5, sla_budget_ms = $6, sla_used_ms = $7, \
                     sla_since = $8, sla_due_at = $9, sla_warn_at = $10, sla_next_at = $11, sla_warned_at = $12, \
                     sla_breached_at = $13, sla_met_at = $14 \
                     WHERE id = $1 AND sla_since IS NOT DISTINCT FROM $2 AND sla_next_at IS NOT DISTINCT FROM $3 \
                     AND sla_met_at IS NULL",
                    args![id, seen.0, seen.1, &s.policy, &s.kind, s.budget_ms, s.used_ms, s.since, s.due_at,
                          s.warn_at, s.next_at, s.warned_at, s.breached_at, s.met_at],
                    id, now, audit, jobs,
                )
                .await
            }

            async fn customer_by_contact(
                &self,
                email: Option<&str>,
                phone_key: Option<&str>,
            ) -> $crate::db::StoreResult<Option<$crate::db::CustomerRow>> {
                let sql = concat!(
                    "SELECT id, name, email, phone, order_id, helpdesk_ids FROM customers WHERE id = \
                     (SELECT id FROM ", $crate::db::tickets::customers_matching!(), " ORDER BY id LIMIT 1)"
                );
                self.reader().await?.row::<$crate::db::CustomerRow>(sql, args![email, phone_key]).await
            }

            async fn rekey_customer_phones(
                &self,
                name: &str,
                key: &$crate::db::tickets::PhoneKeyFn,
                now: i64,
            ) -> $crate::db::StoreResult<Option<u64>> {
                let mut tx = self.begin_write().await?;
                let first = tx.exec(
                    "INSERT INTO data_migrations (name, applied_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
                    args![name, now],
                ).await?;
                if first == 0 {
                    tx.commit().await?;
                    return Ok(None);
                }
                let rows = tx.rows::<$crate::db::tickets::PhoneKeyRow>(
                    "SELECT id, phone, phone_key FROM customers WHERE phone IS NOT NULL ORDER BY id",
                    args![],
                ).await?;
                let mut changed = 0;
                for r in rows {
                    let new = key(&r.phone);
                    if new != r.phone_key {
                        changed += tx.exec(
                            "UPDATE customers SET phone_key = $2 WHERE id = $1",
                            args![r.id, &new],
                        ).await?;
                    }
                }
                tx.commit().await?;
                Ok(Some(changed))
            }

            async fn ticket_count(&self) -> $crate::db::StoreResult<i64> {
                Ok(sqlx::query_scalar("SELECT COUNT(*) FROM tickets").fetch_one(&mut *self.sqlx_reader().await?).await?)
            }
        }
    };
}

pub(crate) use impl_ticket_store;
