//! SQL that reads the same in both dialects, written once and instantiated for each store.
//! Dialect-specific statements are associated consts on each store (`LEASE_SQL`, ...), and
//! each store provides `begin_write()` (SQLite: `BEGIN IMMEDIATE`).

/// Implements the dialect-neutral traits for a store type over a sqlx database.
macro_rules! impl_shared_store {
    ($store:ty, $db:ty) => {
        impl $store {
            async fn insert_jobs(
                conn: &mut <$db as sqlx::Database>::Connection,
                jobs: &[$crate::db::NewJob],
                now: i64,
            ) -> $crate::db::StoreResult<()> {
                for job in jobs {
                    // Where the store says so (SQLite), a paced job takes its channel's next
                    // slot now, in this transaction, so the worker leases it once, at its
                    // turn. A keyed job (which may turn out to be a duplicate) takes its slot
                    // when it first runs instead. A job that coalesces with one already
                    // waiting is not queued (and takes no slot).
                    let (run_at, paced_at) = match (&job.pace_key, &job.dedupe_key, Self::QUEUE_PACE_SQL) {
                        // (A job for later takes its slot when it runs: reserving it now would
                        // hold the channel's posts back until then.)
                        (Some(key), None, Some(sql)) if job.run_at <= now => {
                            let next: Option<i64> = sqlx::query_scalar(sql)
                                .bind(key)
                                .bind(job.run_at)
                                .bind($crate::db::PACE_INTERVAL_MS)
                                .bind(&job.coalesce_key)
                                .fetch_optional(&mut *conn)
                                .await?;
                            let Some(next) = next else { continue };
                            let slot = next - $crate::db::PACE_INTERVAL_MS;
                            (slot, Some(slot))
                        }
                        _ => {
                            if let Some(key) = &job.coalesce_key {
                                let waiting: Option<i64> = sqlx::query_scalar(Self::COALESCE_SQL)
                                .bind(key)
                                .fetch_optional(&mut *conn)
                                .await?;
                                if waiting.is_some() {
                                    continue;
                                }
                            }
                            (job.run_at, None)
                        }
                    };
                    sqlx::query(
                        "INSERT INTO jobs (name, payload, run_at, dedupe_key, recurring, pace_key, paced_at, coalesce_key, \
                         state, created_at, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', $9, $9) ON CONFLICT DO NOTHING",
                    )
                    .bind(job.name)
                    .bind(&job.payload)
                    .bind(run_at)
                    .bind(&job.dedupe_key)
                    .bind(job.recurring as i64)
                    .bind(&job.pace_key)
                    .bind(paced_at)
                    .bind(&job.coalesce_key)
                    .bind(now)
                    .execute(&mut *conn)
                    .await?;
                }
                Ok(())
            }
        }

        #[async_trait::async_trait]
        impl $crate::db::JobStore for $store {
            async fn enqueue(&self, jobs: &[$crate::db::NewJob], now: i64) -> $crate::db::StoreResult<()> {
                let mut tx = self.begin_write().await?;
                Self::insert_jobs(&mut tx, jobs, now).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn lease_jobs(
                &self,
                now: i64,
                lease_until: i64,
                limit: i64,
                worker: &str,
            ) -> $crate::db::StoreResult<Vec<$crate::db::JobRow>> {
                let mut w = self.begin_single().await?;
                let mut rows = sqlx::query_as::<_, $crate::db::JobRow>(Self::LEASE_SQL)
                    .bind(lease_until)
                    .bind(worker)
                    .bind(now)
                    .bind(limit)
                    .fetch_all(&mut *w)
                    .await?;
                // RETURNING does not promise the subquery's order.
                rows.sort_by_key(|r| (r.run_at, r.id));
                w.commit().await?;
                Ok(rows)
            }

            async fn complete_job(
                &self,
                id: i64,
                now: i64,
                posted: Option<&$crate::db::PostedMessage>,
            ) -> $crate::db::StoreResult<()> {
                let mut tx = self.begin_write().await?;
                if let Some(p) = posted {
                    sqlx::query(
                        "INSERT INTO slack_messages (msg_key, channel, ts, posted_at) VALUES ($1, $2, $3, $4) \
                         ON CONFLICT (msg_key) DO UPDATE SET channel = excluded.channel, ts = excluded.ts",
                    )
                    .bind(&p.msg_key)
                    .bind(&p.channel)
                    .bind(&p.ts)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                }
                // Keyed jobs stay as 'done' so their key keeps deduplicating; the rest go.
                sqlx::query("DELETE FROM jobs WHERE id = $1 AND dedupe_key IS NULL AND recurring = 0")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "UPDATE jobs SET state = 'done', locked_until = NULL, last_error = NULL, updated_at = $2 WHERE id = $1",
                )
                .bind(id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn retry_job(&self, id: i64, run_at: i64, error: &str, now: i64) -> $crate::db::StoreResult<()> {
                let mut w = self.begin_single().await?;
                sqlx::query(
                    "UPDATE jobs SET run_at = $2, locked_until = NULL, paced_at = NULL, last_error = $3, updated_at = $4 WHERE id = $1",
                )
                .bind(id)
                .bind(run_at)
                .bind(error)
                .bind(now)
                .execute(&mut *w)
                .await?;
                w.commit().await?;
                Ok(())
            }

            async fn defer_job(
                &self,
                id: i64,
                run_at: i64,
                paced: bool,
                note: Option<&str>,
                now: i64,
            ) -> $crate::db::StoreResult<()> {
                let mut w = self.begin_single().await?;
                sqlx::query(
                    "UPDATE jobs SET run_at = $2, locked_until = NULL, attempts = attempts - 1, \
                     paced_at = CASE WHEN $3 = 1 THEN $2 ELSE NULL END, \
                     last_error = COALESCE($4, last_error), updated_at = $5 WHERE id = $1",
                )
                .bind(id)
                .bind(run_at)
                .bind(paced as i64)
                .bind(note)
                .bind(now)
                .execute(&mut *w)
                .await?;
                w.commit().await?;
                Ok(())
            }

            async fn park_job(&self, id: i64, error: &str, now: i64) -> $crate::db::StoreResult<()> {
                let mut w = self.begin_single().await?;
                sqlx::query(
                    "UPDATE jobs SET state = 'dead', locked_until = NULL, last_error = $2, updated_at = $3 WHERE id = $1",
                )
                .bind(id)
                .bind(error)
                .bind(now)
                .execute(&mut *w)
                .await?;
                w.commit().await?;
                Ok(())
            }

            async fn reserve_pace_slot(&self, key: &str, now: i64, interval_ms: i64) -> $crate::db::StoreResult<i64> {
                let mut w = self.begin_single().await?;
                let next: i64 = sqlx::query_scalar(Self::PACE_SQL)
                    .bind(key)
                    .bind(now)
                    .bind(interval_ms)
                    .fetch_one(&mut *w)
                    .await?;
                w.commit().await?;
                Ok(next - interval_ms)
            }

            async fn push_pace_slot(&self, key: &str, at: i64) -> $crate::db::StoreResult<()> {
                let mut w = self.begin_single().await?;
                sqlx::query(Self::PUSH_PACE_SQL)
                    .bind(key)
                    .bind(at)
                    .bind(at - $crate::db::PACE_INTERVAL_MS)
                    .execute(&mut *w)
                    .await?;
                w.commit().await?;
                Ok(())
            }

            async fn pass_send_gate(
                &self,
                key: &str,
                now: i64,
                interval_ms: i64,
            ) -> $crate::db::StoreResult<Option<i64>> {
                let mut w = self.begin_single().await?;
                let passed: Option<i64> = sqlx::query_scalar(
                    "INSERT INTO pace_slots (pace_key, next_at, last_sent_at) VALUES ($1, $2, $2) \
                     ON CONFLICT (pace_key) DO UPDATE SET last_sent_at = $2 \
                     WHERE pace_slots.last_sent_at IS NULL OR pace_slots.last_sent_at <= $3 RETURNING last_sent_at",
                )
                .bind(key)
                .bind(now)
                .bind(now - interval_ms)
                .fetch_optional(&mut *w)
                .await?;
                if passed.is_some() {
                    w.commit().await?;
                    return Ok(None);
                }
                let last: Option<i64> = sqlx::query_scalar("SELECT last_sent_at FROM pace_slots WHERE pace_key = $1")
                    .bind(key)
                    .fetch_one(&mut *w)
                    .await?;
                w.commit().await?;
                Ok(Some(last.unwrap_or(now) + interval_ms))
            }

            async fn job_counts(&self) -> $crate::db::StoreResult<Vec<(String, i64)>> {
                let rows: Vec<(String, i64)> =
                    sqlx::query_as("SELECT state, COUNT(*) FROM jobs GROUP BY state ORDER BY state")
                        .fetch_all(&self.pool)
                        .await?;
                Ok(rows)
            }

            async fn list_jobs(&self, state: $crate::db::JobState) -> $crate::db::StoreResult<Vec<$crate::db::JobRow>> {
                let rows = sqlx::query_as::<_, $crate::db::JobRow>(
                    "SELECT id, name, payload, run_at, attempts, locked_until, last_error, dedupe_key, pace_key, paced_at, state \
                     FROM jobs WHERE state = $1 ORDER BY run_at, id",
                )
                .bind(state.as_str())
                .fetch_all(&self.pool)
                .await?;
                Ok(rows)
            }

            async fn next_run_at(&self) -> $crate::db::StoreResult<Option<i64>> {
                let next: Option<i64> = sqlx::query_scalar("SELECT MIN(run_at) FROM jobs WHERE state = 'pending'")
                    .fetch_one(&self.pool)
                    .await?;
                Ok(next)
            }

            async fn prune_done_jobs(&self, before: i64) -> $crate::db::StoreResult<u64> {
                let mut w = self.begin_single().await?;
                let done = sqlx::query("DELETE FROM jobs WHERE state = 'done' AND updated_at < $1")
                    .bind(before)
                    .execute(&mut *w)
                    .await?;
                w.commit().await?;
                Ok(done.rows_affected())
            }
        }

        #[async_trait::async_trait]
        impl $crate::db::InboxStore for $store {
            async fn record_event(
                &self,
                key: &str,
                source: &str,
                now: i64,
                jobs: &[$crate::db::NewJob],
            ) -> $crate::db::StoreResult<bool> {
                let mut tx = self.begin_write().await?;
                let inserted = sqlx::query(
                    "INSERT INTO event_inbox (event_key, source, received_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                )
                .bind(key)
                .bind(source)
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                    == 1;
                if inserted {
                    Self::insert_jobs(&mut tx, jobs, now).await?;
                }
                tx.commit().await?;
                Ok(inserted)
            }

            async fn event_count(&self) -> $crate::db::StoreResult<i64> {
                Ok(sqlx::query_scalar("SELECT COUNT(*) FROM event_inbox").fetch_one(&self.pool).await?)
            }
        }

        #[async_trait::async_trait]
        impl $crate::db::MessageStore for $store {
            async fn posted_message(&self, key: &str) -> $crate::db::StoreResult<Option<$crate::db::PostedMessage>> {
                Ok(sqlx::query_as("SELECT msg_key, channel, ts FROM slack_messages WHERE msg_key = $1")
                    .bind(key)
                    .fetch_optional(&self.pool)
                    .await?)
            }
        }
    };
}

pub(crate) use impl_shared_store;
