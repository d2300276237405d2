//! SQL for [`ShiftStore`](super::ShiftStore), the same in both dialects.

macro_rules! impl_shift_store {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::db::ShiftStore for $store {
            async fn shift(&self, user: &str) -> $crate::db::StoreResult<Option<$crate::db::ShiftRow>> {
                self.reader().await?.row::<$crate::db::ShiftRow>(
                    "SELECT user_id, on_since, off_at, nudged_for, updated_at FROM shifts WHERE user_id = $1",
                    args![user],
                ).await
            }

            async fn shifts_on(&self) -> $crate::db::StoreResult<Vec<$crate::db::ShiftRow>> {
                self.reader().await?.rows::<$crate::db::ShiftRow>(
                    "SELECT user_id, on_since, off_at, nudged_for, updated_at FROM shifts \
                     WHERE on_since IS NOT NULL ORDER BY on_since, user_id",
                    args![],
                ).await
            }

            async fn start_shift(&self, user: &str, now: i64, jobs: &[$crate::db::NewJob]) -> $crate::db::StoreResult<bool> {
                let mut tx = self.begin_write().await?;
                let started = tx.exec(
                    "INSERT INTO shifts (user_id, on_since, off_at, nudged_for, updated_at) VALUES ($1, $2, NULL, NULL, $2) \
                     ON CONFLICT (user_id) DO UPDATE SET on_since = $2, updated_at = $2 WHERE shifts.on_since IS NULL",
                    args![user, now],
                ).await? == 1;
                if started {
                    tx.exec("INSERT INTO shift_log (user_id, action, at) VALUES ($1, 'on', $2) ON CONFLICT DO NOTHING", args![user, now]).await?;
                    Self::insert_jobs(&mut *tx, jobs, now).await?;
                }
                tx.commit().await?;
                Ok(started)
            }

            async fn end_shift(&self, user: &str, now: i64, jobs: &[$crate::db::NewJob]) -> $crate::db::StoreResult<bool> {
                let mut tx = self.begin_write().await?;
                let ended = tx.exec(
                    "UPDATE shifts SET on_since = NULL, off_at = $2, updated_at = $2 WHERE user_id = $1 AND on_since IS NOT NULL",
                    args![user, now],
                ).await? == 1;
                if ended {
                    tx.exec("INSERT INTO shift_log (user_id, action, at) VALUES ($1, 'off', $2) ON CONFLICT DO NOTHING", args![user, now]).await?;
                    Self::insert_jobs(&mut *tx, jobs, now).await?;
                }
                tx.commit().await?;
                Ok(ended)
            }

            async fn nudge_shift(&self, user: &str, on_since: i64, now: i64, jobs: &[$crate::db::NewJob]) -> $crate::db::StoreResult<bool> {
                let mut tx = self.begin_write().await?;
                let nudged = tx.exec(
                    "UPDATE shifts SET nudged_for = $2, updated_at = $3 WHERE user_id = $1 AND on_since = $2 \
                     AND (nudged_for IS NULL OR nudged_for <> $2)",
                    args![user, on_since, now],
                ).await? == 1;
                if nudged {
                    Self::insert_jobs(&mut *tx, jobs, now).await?;
                }
                tx.commit().await?;
                Ok(nudged)
            }

            async fn record_late(
                &self,
                late: &[(String, i64)],
                now: i64,
                jobs: &(dyn for<'r> Fn(&'r [(String, i64)]) -> Vec<$crate::db::NewJob> + Send + Sync),
            ) -> $crate::db::StoreResult<Vec<(String, i64)>> {
                let mut tx = self.begin_write().await?;
                let mut fresh = Vec::new();
                for (user, start) in late {
                    if tx.exec(
                        "INSERT INTO shift_log (user_id, action, at) VALUES ($1, 'late', $2) ON CONFLICT DO NOTHING",
                        args![user, *start],
                    ).await? == 1 {
                        fresh.push((user.clone(), *start));
                    }
                }
                if !fresh.is_empty() {
                    Self::insert_jobs(&mut *tx, &jobs(&fresh), now).await?;
                }
                tx.commit().await?;
                Ok(fresh)
            }

            async fn prompt_checkin(&self, r: &$crate::db::CheckinRow, jobs: &[$crate::db::NewJob]) -> $crate::db::StoreResult<bool> {
                let mut tx = self.begin_write().await?;
                let fresh = tx.exec(
                    "INSERT INTO checkins (user_id, day, name, prompted_at, closes_at, checked_at, missed_at) \
                     VALUES ($1, $2, $3, $4, $5, NULL, NULL) ON CONFLICT DO NOTHING",
                    args![&r.user_id, &r.day, &r.name, r.prompted_at, r.closes_at],
                ).await? == 1;
                if fresh {
                    Self::insert_jobs(&mut *tx, jobs, r.prompted_at).await?;
                }
                tx.commit().await?;
                Ok(fresh)
            }

            async fn check_in(&self, user: &str, day: &str, name: &str, now: i64) -> $crate::db::StoreResult<bool> {
                let mut tx = self.begin_write().await?;
                let done = tx.exec(
                    "UPDATE checkins SET checked_at = $4 WHERE user_id = $1 AND day = $2 AND name = $3 \
                     AND checked_at IS NULL AND missed_at IS NULL AND closes_at > $4",
                    args![user, day, name, now],
                ).await? == 1;
                tx.commit().await?;
                Ok(done)
            }

            async fn close_missed_checkins(
                &self,
                now: i64,
                jobs: &(dyn for<'r> Fn(&'r [$crate::db::CheckinRow]) -> Vec<$crate::db::NewJob> + Send + Sync),
            ) -> $crate::db::StoreResult<Vec<$crate::db::CheckinRow>> {
                let mut tx = self.begin_write().await?;
                // One statement: a click between a read and a write cannot be reported missed.
                let missed = tx.rows::<$crate::db::CheckinRow>(
                    "UPDATE checkins SET missed_at = $1 \
                     WHERE checked_at IS NULL AND missed_at IS NULL AND closes_at <= $1 \
                     RETURNING user_id, day, name, prompted_at, closes_at, checked_at, missed_at",
                    args![now],
                ).await?;
                if !missed.is_empty() {
                    Self::insert_jobs(&mut *tx, &jobs(&missed), now).await?;
                }
                tx.commit().await?;
                Ok(missed)
            }

            async fn has_checkin(&self, user: &str, day: &str, name: &str) -> $crate::db::StoreResult<bool> {
                Ok(self.reader().await?.scalar(
                    "SELECT CAST(1 AS BIGINT) FROM checkins WHERE user_id = $1 AND day = $2 AND name = $3",
                    args![user, day, name],
                ).await?.is_some())
            }

            async fn checkins_of(&self, user: &str) -> $crate::db::StoreResult<Vec<$crate::db::CheckinRow>> {
                self.reader().await?.rows::<$crate::db::CheckinRow>(
                    "SELECT user_id, day, name, prompted_at, closes_at, checked_at, missed_at FROM checkins \
                     WHERE user_id = $1 ORDER BY prompted_at",
                    args![user],
                ).await
            }
        }
    };
}

pub(crate) use impl_shift_store;
