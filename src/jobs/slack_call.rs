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

/// A thread line whose card's job is still to run (paced, or leased by a process that
/// was killed) waits for it without using up its attempts; any other missing parent is
/// retried with backoff, and parked after the last attempt.
async fn parent_not_posted(cx: &JobContext, parent: &str) -> Result<JobError, JobError> {
    let why = format!("parent message {parent} is not posted yet");
    let card_job = super::enqueue::SyncCard::job_key_of(parent);
    Ok(match card_job {
        Some(k) if cx.store.job_pending(&k).await? => JobError::Waiting(PARENT_WAIT, why),
        _ => JobError::Retry(why),
    })
}

/// How often a thread line looks again for its card.
const PARENT_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

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
                        None => return Err(parent_not_posted(cx, parent).await?),
                    },
                };
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
