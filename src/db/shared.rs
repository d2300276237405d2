//! SQL that reads the same in both dialects, written once and instantiated for each store.
//! Dialect-specific statements are associated consts on each store (`LEASE_SQL`, ...; an
//! `Option` where PostgreSQL merges several statements into one round trip), and each store
//! provides `begin_write()` (SQLite: `BEGIN IMMEDIATE`) and `insert_jobs` (SQLite: one INSERT
//! a job, taking pace slots; PostgreSQL: one INSERT for all).

/// Implements the dialect-neutral traits for a store type over a sqlx database.
macro_rules! impl_shared_store {
    ($store:ty) => {
        impl $store {
            /// A leased job put back until `$2` without counting the attempt; `$3` = 1 keeps
            /// `$2` as its pace slot; `$4`, if given, is noted as its last error.
            const DEFER_SQL: &'static str =
                "UPDATE jobs SET run_at = $2, locked_until = NULL, attempts = attempts - 1, \
                 paced_at = CASE WHEN $3 = 1 THEN $2 ELSE NULL END, \
                 last_error = COALESCE($4, last_error), updated_at = $5 WHERE id = $1";
            /// An event recorded once: no row when its key was seen before.
            const INBOX_SQL: &'static str =
                "INSERT INTO event_inbox (event_key, source, received_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";

            /// Runs a conditional write (an UPDATE of ticket `id` that may match nothing, an
            /// inbox INSERT that may conflict); when it wrote its row, writes the audit row
            /// (about ticket `id`) and the jobs, all or nothing. Answers whether it wrote.
            /// PostgreSQL does it in one statement (`GUARDED_CHANGE_SQL`: one round trip
            /// instead of four or five, needing no transaction of its own); SQLite in a unit on
            /// its writer, where a statement costs no round trip.
            async fn guarded_update(
                &self,
                sql: &'static str,
                args: &[$crate::db::exec::Arg<'_>],
                id: i64,
                now: i64,
                audit: Option<&$crate::db::Audit<'_>>,
                jobs: &[$crate::db::NewJob],
            ) -> $crate::db::StoreResult<bool> {
                if Self::one_statement(jobs) {
                    let mut w = self.begin_single().await?;
                    let changed = Self::guarded_write(&mut *w, sql, args, id, now, audit, jobs).await?;
                    w.commit().await?;
                    return Ok(changed);
                }
                let mut tx = self.begin_write().await?;
                let changed = Self::guarded_write(&mut *tx, sql, args, id, now, audit, jobs).await?;
                tx.commit().await?;
                Ok(changed)
            }

            /// Whether a guarded write of these jobs is surely one statement
            /// (`GUARDED_CHANGE_SQL` takes at most [`JOB_BATCH`](crate::db::jobs::JOB_BATCH)
            /// jobs after coalescing).
            fn one_statement(jobs: &[$crate::db::NewJob]) -> bool {
                Self::GUARDED_CHANGE_SQL.is_some() && jobs.len() <= $crate::db::jobs::JOB_BATCH
            }

            /// `guarded_update` on a connection the caller holds (a transaction of its own,
            /// or one statement in autocommit when [`one_statement`](Self::one_statement)).
            async fn guarded_write<C: $crate::db::exec::Conn>(
                conn: &mut C,
                sql: &'static str,
                args: &[$crate::db::exec::Arg<'_>],
                id: i64,
                now: i64,
                audit: Option<&$crate::db::Audit<'_>>,
                jobs: &[$crate::db::NewJob],
            ) -> $crate::db::StoreResult<bool> {
                if let Some(sql_for) = Self::GUARDED_CHANGE_SQL {
                    let wanted = $crate::db::jobs::coalesced_in_batch(jobs);
                    if wanted.len() <= $crate::db::jobs::JOB_BATCH {
                        let mut all = args.to_vec();
                        if let Some(a) = audit {
                            all.extend_from_slice(args![a.action, a.actor, a.target, a.source.as_str(), a.detail, now]);
                        }
                        $crate::db::jobs::push_job_args(&mut all, &wanted, now);
                        let sql = sql_for(sql, args.len(), audit.is_some(), wanted.len());
                        return Ok(conn.scalar(sql, &all).await? == Some(1));
                    }
                }
                let changed = conn.exec(sql, args).await? == 1;
                if changed {
                    if let Some(a) = audit {
                        Self::write_audit(conn, id, a, now).await?;
                    }
                    Self::insert_jobs(conn, jobs, now).await?;
                }
                Ok(changed)
            }
        }

        #[async_trait::async_trait]
        impl $crate::db::JobStore for $store {
            async fn enqueue(&self, jobs: &[$crate::db::NewJob], now: i64) -> $crate::db::StoreResult<()> {
                let mut tx = self.begin_write().await?;
                Self::insert_jobs(&mut *tx, jobs, now).await?;
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
                let mut rows = w.rows::<$crate::db::JobRow>(Self::LEASE_SQL, args![lease_until, worker, now, limit]).await?;
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
                if let Some(sql) = Self::COMPLETE_SQL {
                    let mut w = self.begin_single().await?;
                    w.exec(
                        sql,
                        args![id, now, posted.map(|p| p.msg_key.as_str()), posted.map(|p| p.channel.as_str()),
                              posted.map(|p| p.ts.as_str())],
                    )
                    .await?;
                    w.commit().await?;
                    return Ok(());
                }
                let mut tx = self.begin_write().await?;
                if let Some(p) = posted {
                    tx.exec(
                        "INSERT INTO slack_messages (msg_key, channel, ts, posted_at) VALUES ($1, $2, $3, $4) \
                         ON CONFLICT (msg_key) DO UPDATE SET channel = excluded.channel, ts = excluded.ts",
                        args![&p.msg_key, &p.channel, &p.ts, now],
                    )
                    .await?;
                }
                // Keyed jobs stay as 'done' so their key keeps deduplicating; the rest go.
                tx.exec("DELETE FROM jobs WHERE id = $1 AND dedupe_key IS NULL AND recurring = 0", args![id]).await?;
                tx.exec(
                    "UPDATE jobs SET state = 'done', locked_until = NULL, last_error = NULL, updated_at = $2 WHERE id = $1",
                    args![id, now],
                )
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn retry_job(&self, id: i64, run_at: i64, error: &str, now: i64) -> $crate::db::StoreResult<()> {
                let mut w = self.begin_single().await?;
                w.exec(
                    "UPDATE jobs SET run_at = $2, locked_until = NULL, paced_at = NULL, last_error = $3, updated_at = $4 WHERE id = $1",
                    args![id, run_at, error, now],
                )
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
                w.exec(Self::DEFER_SQL, args![id, run_at, paced as i64, note, now]).await?;
                w.commit().await?;
                Ok(())
            }

            async fn park_job(&self, id: i64, error: &str, now: i64) -> $crate::db::StoreResult<()> {
                let mut w = self.begin_single().await?;
                w.exec(
                    "UPDATE jobs SET state = 'dead', locked_until = NULL, last_error = $2, updated_at = $3 WHERE id = $1",
                    args![id, error, now],
                )
                .await?;
                w.commit().await?;
                Ok(())
            }

            async fn take_pace_turns(
                &self,
                jobs: &[(i64, &str)],
                now: i64,
                interval_ms: i64,
            ) -> $crate::db::StoreResult<Vec<Option<i64>>> {
                let turn = |slot: i64| (slot > now).then_some(slot);
                if jobs.is_empty() {
                    return Ok(Vec::new());
                }
                if let Some(sql_for) = Self::PACE_TURNS_SQL {
                    let mut all: Vec<$crate::db::exec::Arg<'_>> = vec![now.into(), interval_ms.into()];
                    for (id, key) in jobs {
                        all.extend_from_slice(args![*id, *key]);
                    }
                    let mut w = self.begin_single().await?;
                    let slots = w.rows::<(i64,)>(sql_for(jobs.len()), &all).await?;
                    w.commit().await?;
                    if slots.len() != jobs.len() {
                        return Err($crate::db::StoreError::Corrupt(format!(
                            "{} pace slots for {} jobs", slots.len(), jobs.len()
                        )));
                    }
                    return Ok(slots.into_iter().map(|(slot,)| turn(slot)).collect());
                }
                let mut tx = self.begin_write().await?;
                let mut turns = Vec::with_capacity(jobs.len());
                for (id, key) in jobs {
                    let slot = tx
                        .scalar(Self::PACE_SQL, args![*key, now, interval_ms])
                        .await?
                        .ok_or_else(|| $crate::db::StoreError::Corrupt(format!("no pace slot for {key}")))?
                        - interval_ms;
                    if slot > now {
                        tx.exec(Self::DEFER_SQL, args![*id, slot, 1_i64, None::<&str>, now]).await?;
                    }
                    turns.push(turn(slot));
                }
                tx.commit().await?;
                Ok(turns)
            }

            async fn push_pace_slot(&self, key: &str, at: i64) -> $crate::db::StoreResult<()> {
                let mut w = self.begin_single().await?;
                w.exec(Self::PUSH_PACE_SQL, args![key, at, at - $crate::db::PACE_INTERVAL_MS]).await?;
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
                let passed = w
                    .scalar(
                        "INSERT INTO pace_slots (pace_key, next_at, last_sent_at) VALUES ($1, $2, $2) \
                         ON CONFLICT (pace_key) DO UPDATE SET last_sent_at = $2 \
                         WHERE pace_slots.last_sent_at IS NULL OR pace_slots.last_sent_at <= $3 RETURNING last_sent_at",
                        args![key, now, now - interval_ms],
                    )
                    .await?;
                if passed.is_some() {
                    w.commit().await?;
                    return Ok(None);
                }
                let last = w.scalar("SELECT last_sent_at FROM pace_slots WHERE pace_key = $1", args![key]).await?;
                w.commit().await?;
                Ok(Some(last.unwrap_or(now) + interval_ms))
            }

            async fn job_counts(&self) -> $crate::db::StoreResult<Vec<(String, i64)>> {
                let rows: Vec<(String, i64)> =
                    sqlx::query_as("SELECT state, COUNT(*) FROM jobs GROUP BY state ORDER BY state")
                        .fetch_all(&mut *self.sqlx_reader().await?)
                        .await?;
                Ok(rows)
            }

            async fn list_jobs(&self, state: $crate::db::JobState) -> $crate::db::StoreResult<Vec<$crate::db::JobRow>> {
                let rows = sqlx::query_as::<_, $crate::db::JobRow>(
                    "SELECT id, name, payload, run_at, attempts, locked_until, last_error, dedupe_key, pace_key, paced_at, state, created_at \
                     FROM jobs WHERE state = $1 ORDER BY run_at, id",
                )
                .bind(state.as_str())
                .fetch_all(&mut *self.sqlx_reader().await?)
                .await?;
                Ok(rows)
            }

            async fn dead_jobs(&self, limit: i64) -> $crate::db::StoreResult<Vec<$crate::db::DeadJobRow>> {
                let rows = sqlx::query_as::<_, $crate::db::DeadJobRow>(
                    "SELECT id, name, attempts, updated_at AS parked_at, last_error FROM jobs \
                     WHERE state = 'dead' ORDER BY updated_at DESC, id DESC LIMIT $1",
                )
                .bind(limit)
                .fetch_all(&mut *self.sqlx_reader().await?)
                .await?;
                Ok(rows)
            }

            async fn dead_job_counts(&self) -> $crate::db::StoreResult<Vec<(String, i64)>> {
                let rows: Vec<(String, i64)> = sqlx::query_as(
                    "SELECT name, COUNT(*) FROM jobs WHERE state = 'dead' GROUP BY name ORDER BY name",
                )
                .fetch_all(&mut *self.sqlx_reader().await?)
                .await?;
                Ok(rows)
            }

            async fn requeue_dead_jobs(&self, id: Option<i64>, now: i64) -> $crate::db::StoreResult<u64> {
                // A recurring job keeps its run_at: (name, run_at) is what keeps replicas from
                // running one occurrence twice. It is in the past, so it is due now anyway.
                // `paced_at` cleared: a paced job takes a fresh channel slot when leased.
                const ONE: &str = "UPDATE jobs SET state = 'pending', attempts = 0, \
                     run_at = CASE WHEN recurring = 1 THEN run_at ELSE $1 END, \
                     locked_until = NULL, locked_by = NULL, paced_at = NULL, updated_at = $1 \
                     WHERE state = 'dead' AND id = $2";
                const ALL: &str = "UPDATE jobs SET state = 'pending', attempts = 0, \
                     run_at = CASE WHEN recurring = 1 THEN run_at ELSE $1 END, \
                     locked_until = NULL, locked_by = NULL, paced_at = NULL, updated_at = $1 \
                     WHERE state = 'dead'";
                let mut w = self.begin_single().await?;
                let n = match id {
                    Some(id) => w.exec(ONE, args![now, id]).await?,
                    None => w.exec(ALL, args![now]).await?,
                };
                w.commit().await?;
                Ok(n)
            }

            async fn job_state(&self, id: i64) -> $crate::db::StoreResult<Option<String>> {
                Ok(sqlx::query_scalar("SELECT state FROM jobs WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut *self.sqlx_reader().await?)
                    .await?)
            }

            async fn job_pending(&self, coalesce_key: &str) -> $crate::db::StoreResult<bool> {
                let found: Option<i64> = sqlx::query_scalar(
                    "SELECT id FROM jobs WHERE coalesce_key = $1 AND state = 'pending' LIMIT 1",
                )
                .bind(coalesce_key)
                .fetch_optional(&mut *self.sqlx_reader().await?)
                .await?;
                Ok(found.is_some())
            }

            async fn earlier_job_pending(&self, prefix: &str, id: i64) -> $crate::db::StoreResult<bool> {
                // substr, not LIKE: a prefix holding `_` or `%` means itself.
                let found: Option<i64> = sqlx::query_scalar(
                    "SELECT id FROM jobs WHERE state = 'pending' AND id < $2 \
                     AND substr(dedupe_key, 1, length($1)) = $1 LIMIT 1",
                )
                .bind(prefix)
                .bind(id)
                .fetch_optional(&mut *self.sqlx_reader().await?)
                .await?;
                Ok(found.is_some())
            }

            async fn next_run_at(&self) -> $crate::db::StoreResult<Option<i64>> {
                // One step down the pending index: a point read. Not `MIN(run_at)`: a
                // PostgreSQL connection plans its prepared statement once, and planned on an
                // empty table (a fresh database, the first poll) MIN becomes an aggregate over
                // the whole index, which the connection then keeps using (20-30 ms a poll at
                // 100,000 pending jobs, seen in issue 22); ORDER BY ... LIMIT 1 is a walk to
                // the index's first entry whatever the table held when it was planned.
                self.reader()
                    .await?
                    .scalar("SELECT run_at FROM jobs WHERE state = 'pending' ORDER BY run_at LIMIT 1", args![])
                    .await
            }

            async fn prune_done_jobs(&self, before: i64) -> $crate::db::StoreResult<u64> {
                let mut w = self.begin_single().await?;
                let done = w.exec("DELETE FROM jobs WHERE state = 'done' AND updated_at < $1", args![before]).await?;
                w.commit().await?;
                Ok(done)
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
                self.guarded_update(Self::INBOX_SQL, args![key, source, now], 0, now, None, jobs).await
            }

            async fn event_recorded(&self, key: &str) -> $crate::db::StoreResult<bool> {
                Ok(self
                    .reader()
                    .await?
                    // COUNT: a BIGINT on PostgreSQL, as `scalar` reads (SELECT 1 is an INT4).
                    .scalar("SELECT COUNT(*) FROM event_inbox WHERE event_key = $1", args![key])
                    .await?
                    .is_some_and(|n| n > 0))
            }

            async fn event_count(&self) -> $crate::db::StoreResult<i64> {
                Ok(sqlx::query_scalar("SELECT COUNT(*) FROM event_inbox").fetch_one(&mut *self.sqlx_reader().await?).await?)
            }
        }

        #[async_trait::async_trait]
        impl $crate::db::MessageStore for $store {
            async fn posted_message(&self, key: &str) -> $crate::db::StoreResult<Option<$crate::db::PostedMessage>> {
                self.reader().await?.row::<$crate::db::PostedMessage>("SELECT msg_key, channel, ts FROM slack_messages WHERE msg_key = $1", args![key]).await
            }
        }
    };
}

pub(crate) use impl_shared_store;
