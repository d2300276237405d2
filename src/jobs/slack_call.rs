//! `SlackCall`: one Slack Web API call with content already rendered (a reply to a button,
//! and rows queued before notices were rendered by their job), and the sending that
//! `SendNotice` shares. Messages with a `key` are posted once: a retry
//! after Slack accepted the message finds the key recorded and stops. Content that must
//! reflect the latest state (ticket cards, the App Home) has its own jobs that re-render.

use super::{Job, JobContext, JobError, JobOutcome, JobResult};
use crate::db::PostedMessage;
use crate::slack::api::Posted;
use async_trait::async_trait;
use slack_morphism::prelude::*;

pub use super::enqueue::SlackCall;

fn content(text: &str, blocks: &Option<Vec<SlackBlock>>) -> SlackMessageContent {
    SlackMessageContent::new()
        .with_text(text.to_string())
        .opt_blocks(blocks.clone())
}

/// A keyed message Slack already accepted (a retry after success) is not posted again.
async fn already_posted(cx: &JobContext, key: &Option<String>) -> Result<bool, JobError> {
    Ok(match key {
        Some(k) => cx.store.posted_message(k).await?.is_some(),
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
    async fn run(self, cx: &JobContext) -> JobResult {
        send(self, cx).await
    }
}

/// Makes the call. A keyed post or DM Slack already accepted is not sent again.
pub(super) async fn send(call: SlackCall, cx: &JobContext) -> JobResult {
    {
        let slack = &cx.slack;
        // Stopped by Slack: park now, not after retrying a parent that cannot be posted.
        slack.check_stopped()?;
        match call {
            SlackCall::Post {
                key,
                channel,
                text,
                blocks,
                thread,
            } => {
                if already_posted(cx, &key).await? {
                    return Ok(JobOutcome::Done);
                }
                let thread_ts = match &thread {
                    None => None,
                    Some(parent) => match cx.store.posted_message(parent).await? {
                        Some(p) => Some(p.ts),
                        None => {
                            return Err(JobError::Retry(format!(
                                "parent message {parent} is not posted yet"
                            )))
                        }
                    },
                };
                let channel = super::channel_id::channel_id(cx, &channel).await?;
                let posted = slack
                    .post_message(&channel, content(&text, &blocks), thread_ts.as_deref())
                    .await?;
                Ok(posted_outcome(key, posted))
            }
            SlackCall::Update { key, text, blocks } => {
                let Some(p) = cx.store.posted_message(&key).await? else {
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
                if already_posted(cx, &key).await? {
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
