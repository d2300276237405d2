//! The Slack install in the store: whether Slack stopped cxbot (uninstalled, or its bot
//! token revoked), the playbook's `#names` resolved to channel ids, and which posted
//! message sits at a channel and ts (a reaction names its message that way).

use super::{PostedMessage, StoreResult};
use async_trait::async_trait;
use serde::Serialize;

/// Slack stopped cxbot: the event that said so, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct SlackStopRow {
    /// `app_uninstalled` or `tokens_revoked`.
    pub event: String,
    pub at: i64,
}

/// A `#name` (without the `#`) and the id it was resolved to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ChannelIdRow {
    pub name: String,
    pub channel_id: String,
}

#[async_trait]
pub trait SlackStore: Send + Sync {
    /// Why posting is stopped; None while cxbot may post.
    async fn slack_stop(&self) -> StoreResult<Option<SlackStopRow>>;
    /// Records that Slack stopped cxbot; the first such event is kept. True when recorded now.
    async fn record_slack_stop(&self, event: &str, at: i64) -> StoreResult<bool>;
    /// Posting may resume; the stop that was cleared, if there was one.
    async fn clear_slack_stop(&self) -> StoreResult<Option<SlackStopRow>>;
    /// The channel id a `#name` was resolved to.
    async fn channel_id(&self, name: &str) -> StoreResult<Option<String>>;
    /// Remembers resolved names; a name resolved before keeps its first id.
    async fn save_channel_ids(&self, ids: &[ChannelIdRow], now: i64) -> StoreResult<()>;
    /// The message cxbot posted at `ts` in `channel` (an id).
    async fn message_at(&self, channel: &str, ts: &str) -> StoreResult<Option<PostedMessage>>;
}
