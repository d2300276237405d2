//! `SlackCall`: one Slack Web API call with content rendered when it was enqueued (notices,
//! thread lines, DMs, ephemeral replies). Messages with a `key` are posted once: a retry
//! after Slack accepted the message finds the key recorded and stops. Content that must
//! reflect the latest state (ticket cards, the App Home) has its own jobs that re-render.

use super::{Job, JobError, JobOutcome, JobResult};
use crate::db::PostedMessage;
use crate::service::Services;
use crate::slack::api::Posted;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use slack_morphism::prelude::*;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "call", rename_all = "snake_case")]
pub enum SlackCall {
    /// chat.postMessage; `thread` is the key of the message to reply under.
    Post {
        key: Option<String>,
        channel: String,
        text: String,
        blocks: Option<Vec<SlackBlock>>,
        thread: Option<String>,
    },
    /// chat.update of a message posted earlier under `key`.
    Update {
        key: String,
        text: String,
        blocks: Option<Vec<SlackBlock>>,
    },
    /// chat.postEphemeral: only `user` sees it.
    Ephemeral {
        channel: String,
        user: String,
        text: String,
        blocks: Option<Vec<SlackBlock>>,
    },
    /// conversations.open + chat.postMessage to a user.
    Dm {
        key: Option<String>,
        user: String,
        text: String,
        blocks: Option<Vec<SlackBlock>>,
    },
}

impl SlackCall {
    pub fn post(channel: impl Into<String>, text: impl Into<String>) -> Self {
        SlackCall::Post {
            key: None,
            channel: channel.into(),
            text: text.into(),
            blocks: None,
            thread: None,
        }
    }
}

fn content(text: &str, blocks: &Option<Vec<SlackBlock>>) -> SlackMessageContent {
    SlackMessageContent::new()
        .with_text(text.to_string())
        .opt_blocks(blocks.clone())
}

/// A keyed message Slack already accepted (a retry after success) is not posted again.
async fn already_posted(services: &Services, key: &Option<String>) -> Result<bool, JobError> {
    Ok(match key {
        Some(k) => services.store.posted_message(k).await?.is_some(),
        None => false,
    })
}

/// Keyed posts are recorded in the transaction that completes the job.
fn posted_outcome(key: Option<String>, posted: Posted) -> JobOutcome {
    match key {
        Some(msg_key) => JobOutcome::Posted(PostedMessage {
            msg_key,
            channel: posted.channel,
            ts: posted.ts,
        }),
        None => JobOutcome::Done,
    }
}

#[async_trait]
impl Job for SlackCall {
    const NAME: &'static str = "slack_call";

    fn pace_key(&self) -> Option<String> {
        match self {
            SlackCall::Post { channel, .. } => Some(channel.clone()),
            SlackCall::Dm { user, .. } => Some(format!("dm:{user}")),
            SlackCall::Update { .. } | SlackCall::Ephemeral { .. } => None,
        }
    }

    async fn run(self, services: &Services) -> JobResult {
        let slack = &services.slack;
        match self {
            SlackCall::Post {
                key,
                channel,
                text,
                blocks,
                thread,
            } => {
                if already_posted(services, &key).await? {
                    return Ok(JobOutcome::Done);
                }
                let thread_ts = match &thread {
                    None => None,
                    Some(parent) => match services.store.posted_message(parent).await? {
                        Some(p) => Some(p.ts),
                        None => {
                            return Err(JobError::Retry(format!(
                                "parent message {parent} is not posted yet"
                            )))
                        }
                    },
                };
                let posted = slack
                    .post_message(&channel, content(&text, &blocks), thread_ts.as_deref())
                    .await?;
                Ok(posted_outcome(key, posted))
            }
            SlackCall::Update { key, text, blocks } => {
                let Some(p) = services.store.posted_message(&key).await? else {
                    return Err(JobError::Retry(format!("message {key} is not posted yet")));
                };
                slack
                    .update_message(&p.channel, &p.ts, content(&text, &blocks))
                    .await?;
                Ok(JobOutcome::Done)
            }
            SlackCall::Ephemeral {
                channel,
                user,
                text,
                blocks,
            } => {
                slack
                    .post_ephemeral(&channel, &user, content(&text, &blocks))
                    .await?;
                Ok(JobOutcome::Done)
            }
            SlackCall::Dm {
                key,
                user,
                text,
                blocks,
            } => {
                if already_posted(services, &key).await? {
                    return Ok(JobOutcome::Done);
                }
                let channel = slack.open_dm(&user).await?;
                let posted = slack
                    .post_message(&channel, content(&text, &blocks), None)
                    .await?;
                Ok(posted_outcome(key, posted))
            }
        }
    }
}
