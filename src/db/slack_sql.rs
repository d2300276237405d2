//! SQL for [`SlackStore`](super::SlackStore), the same in both dialects.

macro_rules! impl_slack_store {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::db::SlackStore for $store {
            async fn slack_stop(&self) -> $crate::db::StoreResult<Option<$crate::db::SlackStopRow>> {
                self.reader().await?.row::<$crate::db::SlackStopRow>(
                    "SELECT event, at FROM slack_stop WHERE id = 1",
                    args![],
                ).await
            }

            async fn record_slack_stop(&self, event: &str, at: i64) -> $crate::db::StoreResult<bool> {
                let mut tx = self.begin_write().await?;
                let n = tx.exec(
                    "INSERT INTO slack_stop (id, event, at) VALUES (1, $1, $2) ON CONFLICT (id) DO NOTHING",
                    args![event, at],
                ).await?;
                tx.commit().await?;
                Ok(n == 1)
            }

            async fn clear_slack_stop(&self) -> $crate::db::StoreResult<Option<$crate::db::SlackStopRow>> {
                let mut tx = self.begin_write().await?;
                let was = tx.row::<$crate::db::SlackStopRow>(
                    "SELECT event, at FROM slack_stop WHERE id = 1",
                    args![],
                ).await?;
                if was.is_some() {
                    tx.exec("DELETE FROM slack_stop WHERE id = 1", args![]).await?;
                }
                tx.commit().await?;
                Ok(was)
            }

            async fn channel_id(&self, name: &str) -> $crate::db::StoreResult<Option<String>> {
                Ok(self.reader().await?.row::<$crate::db::ChannelIdRow>(
                    "SELECT name, channel_id FROM slack_channel_ids WHERE name = $1",
                    args![name],
                ).await?.map(|r| r.channel_id))
            }

            async fn save_channel_ids(&self, ids: &[$crate::db::ChannelIdRow], now: i64) -> $crate::db::StoreResult<()> {
                if ids.is_empty() {
                    return Ok(());
                }
                let mut tx = self.begin_write().await?;
                for r in ids {
                    tx.exec(
                        "INSERT INTO slack_channel_ids (name, channel_id, resolved_at) VALUES ($1, $2, $3) \
                         ON CONFLICT (name) DO NOTHING",
                        args![&r.name, &r.channel_id, now],
                    ).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn message_at(&self, channel: &str, ts: &str) -> $crate::db::StoreResult<Option<$crate::db::PostedMessage>> {
                self.reader().await?.row::<$crate::db::PostedMessage>(
                    "SELECT msg_key, channel, ts FROM slack_messages WHERE ts = $1 AND channel = $2",
                    args![ts, channel],
                ).await
            }
        }
    };
}

pub(crate) use impl_slack_store;
