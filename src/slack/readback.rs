//! Read-back: closing the window between "Slack accepted a post" and "cxbot recorded it".
//!
//! Slack's `chat.postMessage` takes no idempotency key, so a post whose answer was lost (a
//! timeout after the request left, a connection reset, a crash before the job's outcome was
//! committed) cannot tell by itself whether the message exists. cxbot tags every keyed post
//! (a card, a keyed notice or DM) with message metadata `{"event_type": "cxbot_post",
//! "event_payload": {"key": "card:42"}}`; a job that runs again after such an attempt first
//! asks `conversations.history` (with `include_all_metadata`, from shortly before the job was
//! queued) for a message carrying its key, and adopts its `ts` instead of posting again.
//!
//! Thread lines ("Claimed by @Ana") have no key of their own: each is tagged with its job's
//! ([`line_key`], `line:<job id>`, the same on every run of that job), and a run after such
//! an attempt reads the thread with `conversations.replies` instead ([`SlackApi::find_reply`]).
//!
//! The cost is one history (or replies) call per retried keyed post or thread line, never on
//! a first attempt. It needs the history scopes (`channels:history`, `groups:history`,
//! `im:history`); a workspace that has not granted them yet gets a warning and the old
//! behaviour (post again).

use super::api::{Posted, SlackApi, SlackError};
use slack_morphism::prelude::*;
use std::collections::HashMap;

/// The metadata event type of cxbot's keyed posts.
pub const POST_METADATA_TYPE: &str = "cxbot_post";
/// The history read starts this long before the job was queued: Slack's clock and ours
/// may disagree by a little.
pub const READ_BACK_MARGIN_MS: i64 = 5 * 60 * 1_000;
/// Pages of history read at most (200 messages each) before giving up and posting.
const READ_BACK_PAGES: usize = 10;

/// The metadata a keyed post carries.
pub fn metadata(key: &str) -> SlackMessageMetadata {
    SlackMessageMetadata::new(POST_METADATA_TYPE.to_string())
        .with_event_payload(HashMap::from([("key".to_string(), key.to_string())]))
}

/// The metadata key of a thread line posted by job `job_id`: stable across the job's runs,
/// never recorded as a posted message (nothing updates a line later).
pub fn line_key(job_id: i64) -> String {
    format!("line:{job_id}")
}

/// Is this message metadata cxbot's for `key`?
pub fn carries_key(meta: Option<&SlackMessageMetadata>, key: &str) -> bool {
    meta.is_some_and(|m| {
        m.event_type == POST_METADATA_TYPE
            && m.event_payload
                .as_ref()
                .and_then(|p| p.get("key"))
                .is_some_and(|k| k == key)
    })
}

/// Slack's `oldest` for a read-back of a job queued at `queued_at_ms`.
pub fn oldest_ts(queued_at_ms: i64) -> String {
    let from = (queued_at_ms - READ_BACK_MARGIN_MS).max(0);
    format!("{}.{:06}", from / 1_000, (from % 1_000) * 1_000)
}

impl SlackApi {
    /// A post to a `#name` answers with the channel's id: remembered for read-backs only
    /// (where to post is `jobs::channel_id`'s choice, from `conversations.list`).
    pub(super) fn learn_channel_id(&self, asked: &str, id: &str) {
        if asked.starts_with('#') {
            let mut ids = self.posted_channel_ids.lock().expect("channel ids");
            if ids.len() >= 10_000 {
                ids.clear();
            }
            ids.insert(asked.to_string(), id.to_string());
        }
    }

    /// The id of a channel given as an id or a `#name` (history takes ids only).
    async fn channel_id(&self, channel: &str) -> Result<Option<String>, SlackError> {
        let Some(name) = channel.strip_prefix('#') else {
            return Ok(Some(channel.to_string()));
        };
        if let Some(id) = self.channel_ids.read().expect("channel ids").get(name) {
            return Ok(Some(id.clone()));
        }
        if let Some(id) = self
            .posted_channel_ids
            .lock()
            .expect("channel ids")
            .get(channel)
        {
            return Ok(Some(id.clone()));
        }
        let found = self
            .list_channels()
            .await?
            .into_iter()
            .find(|c| c.name.as_deref() == Some(name))
            .map(|c| c.id);
        if let Some(id) = &found {
            self.learn_channel_id(channel, id);
        }
        Ok(found)
    }

    /// The message cxbot posted to `channel` under `key` by a job queued at `queued_at_ms`,
    /// if Slack has it (newest first, at most [`READ_BACK_PAGES`] pages).
    pub async fn find_posted(
        &self,
        channel: &str,
        key: &str,
        queued_at_ms: i64,
    ) -> Result<Option<Posted>, SlackError> {
        let Some(id) = self.channel_id(channel).await? else {
            return Ok(None);
        };
        let oldest = oldest_ts(queued_at_ms);
        find_keyed(id.clone(), key, |cursor| {
            let req = SlackApiConversationsHistoryRequest::new()
                .with_channel(id.clone().into())
                .with_oldest(oldest.clone().into())
                .with_include_all_metadata(true)
                .with_limit(200)
                .opt_cursor(cursor.map(SlackCursorId::new));
            async move {
                let res = self
                    .call(
                        "conversations.history",
                        self.session().conversations_history(&req),
                    )
                    .await?;
                Ok((res.messages, res.response_metadata))
            }
        })
        .await
    }

    /// The reply cxbot posted under `key` in the thread of `thread_ts` in `channel` by a job
    /// queued at `queued_at_ms`, if Slack has it (at most [`READ_BACK_PAGES`] pages).
    /// slack-morphism's replies request has no `include_all_metadata`: sent as Slack's
    /// query parameters.
    pub async fn find_reply(
        &self,
        channel: &str,
        thread_ts: &str,
        key: &str,
        queued_at_ms: i64,
    ) -> Result<Option<Posted>, SlackError> {
        let Some(id) = self.channel_id(channel).await? else {
            return Ok(None);
        };
        let oldest = oldest_ts(queued_at_ms);
        find_keyed(id.clone(), key, |cursor| {
            let (id, oldest) = (&id, &oldest);
            async move {
                let params: Vec<(&str, Option<&str>)> = vec![
                    ("channel", Some(id)),
                    ("ts", Some(thread_ts)),
                    ("oldest", Some(oldest)),
                    ("include_all_metadata", Some("true")),
                    ("limit", Some("200")),
                    ("cursor", cursor.as_deref()),
                ];
                let res: SlackApiConversationsRepliesResponse = self
                    .call(
                        "conversations.replies",
                        self.session().http_session_api.http_get(
                            "conversations.replies",
                            &params,
                            None,
                        ),
                    )
                    .await?;
                Ok((res.messages, res.response_metadata))
            }
        })
        .await
    }
}

/// One page of a channel's or a thread's messages, and what Slack says of the next.
type Page = (Vec<SlackHistoryMessage>, Option<SlackResponseMetadata>);

/// Pages through `page` (asked with the previous page's cursor) for the message carrying
/// `key`, at most [`READ_BACK_PAGES`] pages: where it is in channel `id`.
async fn find_keyed<F, Fut>(
    id: String,
    key: &str,
    mut page: F,
) -> Result<Option<Posted>, SlackError>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: std::future::Future<Output = Result<Page, SlackError>>,
{
    let mut cursor: Option<String> = None;
    for _ in 0..READ_BACK_PAGES {
        let (messages, meta) = page(cursor.take()).await?;
        if let Some(m) = messages
            .iter()
            .find(|m| carries_key(m.content.metadata.as_ref(), key))
        {
            return Ok(Some(Posted {
                channel: id,
                ts: m.origin.ts.to_string(),
            }));
        }
        cursor = meta
            .and_then(|m| m.next_cursor)
            .map(|c| c.value().to_string())
            .filter(|c| !c.is_empty());
        if cursor.is_none() {
            break;
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyed_metadata_is_recognised_and_nothing_else_is() {
        let m = metadata("card:42");
        assert!(carries_key(Some(&m), "card:42"));
        assert!(!carries_key(Some(&m), "card:4"));
        assert!(!carries_key(None, "card:42"));
        let other = SlackMessageMetadata::new("someone_else".into())
            .with_event_payload(HashMap::from([("key".to_string(), "card:42".to_string())]));
        assert!(!carries_key(Some(&other), "card:42"));
    }

    #[test]
    fn oldest_starts_before_the_job_was_queued() {
        assert_eq!(oldest_ts(1_700_000_300_250), "1700000000.250000");
        assert_eq!(oldest_ts(0), "0.000000");
    }
}
