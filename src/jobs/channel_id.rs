//! A playbook names channels as `#cx-queue`; Slack's channel id is what stays when the
//! channel is renamed. The first post to a `#name` resolves every `#name` the playbook
//! configures with one paged `conversations.list` (public and private channels; archived
//! ones do not count) and remembers the ids in the store, which every replica shares;
//! later posts go to the id, whatever the channel is called by then. A name that cannot
//! be resolved (not found, the scope missing) is posted to by name, as before, with one
//! warning per process.

use super::{JobContext, JobError};
use crate::db::ChannelIdRow;
use crate::slack::api::{SlackError, STOPPED_CODE};
use crate::slack::live::playbook_channels;
use std::collections::BTreeSet;

/// Where to post for `channel`: its id when it is a `#name` cxbot could resolve; else as given.
pub(super) async fn channel_id(cx: &JobContext, channel: &str) -> Result<String, JobError> {
    let Some(name) = channel.strip_prefix('#') else {
        return Ok(channel.to_string());
    };
    if let Some(id) = cx.slack.channel_ids.read().expect("ids lock").get(name) {
        return Ok(id.clone());
    }
    if let Some(id) = cx.store.channel_id(name).await? {
        remember(cx, name, &id);
        return Ok(id);
    }
    // One listing per process at a time; whoever waited finds the answer in the store.
    let mut unresolved = cx.slack.unresolved_names.lock().await;
    if unresolved.contains(name) {
        return Ok(channel.to_string());
    }
    if let Some(id) = cx.store.channel_id(name).await? {
        remember(cx, name, &id);
        return Ok(id);
    }
    let listed = match cx.slack.list_channels().await {
        Ok(listed) => listed,
        Err(e @ SlackError::RateLimited { .. }) => return Err(e.into()),
        Err(SlackError::Permanent { code, hint }) if code == STOPPED_CODE => {
            return Err(JobError::Permanent(format!("{code}: {hint}")))
        }
        Err(e) => {
            tracing::warn!(channel, error = %e, "could not resolve the channel's id (conversations.list); posting to its name");
            unresolved.insert(name.to_string());
            return Ok(channel.to_string());
        }
    };
    let mut wanted: BTreeSet<String> = playbook_channels(&cx.playbook)
        .into_iter()
        .filter_map(|(_, c)| c.strip_prefix('#').map(str::to_string))
        .collect();
    wanted.insert(name.to_string());
    let found: Vec<ChannelIdRow> = wanted
        .iter()
        .filter_map(|w| {
            listed
                .iter()
                .find(|c| !c.is_archived && c.name.as_deref() == Some(w.as_str()))
                .map(|c| ChannelIdRow {
                    name: w.clone(),
                    channel_id: c.id.clone(),
                })
        })
        .collect();
    cx.store.save_channel_ids(&found, cx.now_ms()).await?;
    // What the store now holds (a name another replica resolved first keeps its id).
    for f in &found {
        if let Some(id) = cx.store.channel_id(&f.name).await? {
            remember(cx, &f.name, &id);
        }
    }
    for w in wanted {
        if !found.iter().any(|f| f.name == w) {
            tracing::warn!(channel = %format!("#{w}"), "no such channel in Slack (or private without the bot): posting to its name; give the playbook its id, or invite the bot");
            unresolved.insert(w);
        }
    }
    let id = cx
        .slack
        .channel_ids
        .read()
        .expect("ids lock")
        .get(name)
        .cloned();
    Ok(id.unwrap_or_else(|| channel.to_string()))
}

fn remember(cx: &JobContext, name: &str, id: &str) {
    cx.slack
        .channel_ids
        .write()
        .expect("ids lock")
        .insert(name.to_string(), id.to_string());
}
