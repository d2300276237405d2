//! Row types shared by both backends.

use serde::{Deserialize, Serialize};

/// A message Slack accepted: where it is, so later changes update it in place and history
/// goes in its thread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct PostedMessage {
    pub msg_key: String,
    pub channel: String,
    pub ts: String,
}
