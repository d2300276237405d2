//! `SlackCall`: one Slack Web API call with content already rendered (a reply to a button,
//! and rows queued before notices were rendered by their job), and the sending that
//! `SendNotice` shares. Messages with a `key` are posted once: a retry
//! after Slack accepted the message finds the key recorded and stops; a retry after an
//! attempt whose answer was lost reads back first ([`read_back`]). Content that must
//! reflect the latest state (ticket cards, the App Home) has its own jobs that re-render.

use super::{Attempt, Job, JobContext, JobError, JobOutcome, JobResult};
use crate::db::PostedMessage;
use crate::slack::api::{Posted, SlackError};
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

/// Before posting `key` to `channel` again (in the thread of `thread_ts`, for a thread
/// line): the message an earlier attempt of this job may have posted without living to
/// record it (`crate::slack::readback`). A first attempt asks nothing. When Slack refuses
/// the read (the history scopes not granted yet), the job posts as it did before read-back
/// existed, and says so.
pub(super) async fn read_back(
    cx: &JobContext,
    attempt: &Attempt,
    channel: &str,
    thread_ts: Option<&str>,
    key: &str,
) -> Result<Option<Posted>, JobError> {
    if !attempt.may_have_posted() {
        return Ok(None);
    }
    let found = match thread_ts {
        None => {
            cx.slack
                .find_posted(channel, key, attempt.queued_at_ms)
                .await
        }
        Some(ts) => {
            cx.slack
                .find_reply(channel, ts, key, attempt.queued_at_ms)
                .await
        }
    };
    match found {
        Ok(Some(found)) => {
            tracing::info!(key, channel = %found.channel, ts = %found.ts, "an earlier attempt had posted it; adopted, not posted again");
            metrics::counter!("cxbot_posts_adopted_total").increment(1);
            Ok(Some(found))
        }
        Ok(None) => Ok(None),
        Err(SlackError::Permanent { code, hint }) => {
            tracing::warn!(key, %code, %hint, "could not read back before posting again (grant the history scopes: reinstall from manifest.yml); posting");
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

/// The metadata key a post carries: its own, or for an unkeyed thread line its job's
/// (`line:<job id>`), so a run after a lost answer can find it in the thread.
fn metadata_key(
    key: &Option<String>,
    thread_ts: Option<&str>,
    attempt: &Attempt,
) -> Option<String> {
    match (key, thread_ts, attempt.job_id) {
        (Some(k), _, _) => Some(k.clone()),
        (None, Some(_), Some(id)) => Some(crate::slack::readback::line_key(id)),
        _ => None,
    }
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
        send(self, cx, &Attempt::first(0)).await
    }

    async fn run_attempt(self, cx: &JobContext, attempt: &Attempt) -> JobResult {
        send(self, cx, attempt).await
    }
}

/// Makes the call. A keyed post or DM Slack already accepted is not sent again.
pub(super) async fn send(call: SlackCall, cx: &JobContext, attempt: &Attempt) -> JobResult {
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
                        None => return Err(parent_not_posted(cx, parent).await?),
                    },
                };
                let channel = super::channel_id::channel_id(cx, &channel).await?;
                // A keyed post is read back in the channel, a thread line in its thread.
                let tag = metadata_key(&key, thread_ts.as_deref(), attempt);
                if let Some(k) = &tag {
                    if let Some(found) =
                        read_back(cx, attempt, &channel, thread_ts.as_deref(), k).await?
                    {
                        return Ok(posted_outcome(key, found));
                    }
                }
                let posted = slack
                    .post_message(
                        &channel,
                        tag.as_deref(),
                        content(&text, &blocks),
                        thread_ts.as_deref(),
                    )
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
                if let Some(k) = &key {
                    if let Some(found) = read_back(cx, attempt, &channel, None, k).await? {
                        return Ok(posted_outcome(key, found));
                    }
                }
                let posted = slack
                    .post_message(&channel, key.as_deref(), content(&text, &blocks), None)
                    .await?;
                Ok(posted_outcome(key, posted))
            }
        }
    }
}
