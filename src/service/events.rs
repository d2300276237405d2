//! Slack events: recorded in the inbox by `event_id` (a retry is acknowledged and does
//! nothing, even while the first delivery is in flight) together with the jobs they cause.
//!
//! A reaction on a card runs the same use case as the card's button or `/cx` command
//! (👀 `claim::claim`, 🚨 `claim::escalate` one rung up, ✅ `done::mark_done`), with the
//! same one-winner guarantee: two people reacting 👀 at once make one claim, and the other
//! is told why, in the channel, as a button's loser is. A reaction on any other message is
//! ignored.

use super::claim::{self, Actor};
use super::{done, install, Error, Refusal, Result, Services};
use crate::domain::claim::{CardReaction, Source};
use crate::jobs::enqueue::{self, SyncCard};

/// What cxbot acts on in a Slack event (the edge reads the envelope).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlackEvent<'a> {
    /// Someone opened their App Home's Home tab.
    HomeOpened { user: &'a str },
    /// The app was uninstalled, or its bot token revoked: stop posting.
    Stopped(install::Stop),
    /// A person added a workflow emoji to a message (maybe a card) at `channel` + `ts`.
    Reacted {
        user: &'a str,
        reaction: CardReaction,
        channel: &'a str,
        ts: &'a str,
    },
    /// Anything else: recorded so a retry is recognised, nothing to do.
    Other,
}

/// What came of an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventOutcome {
    /// Seen before: nothing done.
    Duplicate,
    Accepted,
    /// A reaction's use case said no: the edge tells `user` in `channel`, as for a button.
    Refused {
        user: String,
        channel: String,
        refusal: Refusal,
    },
}

/// Event keys this process has seen recorded in the inbox (committed: a key is added only
/// after the store said it is there), the latest [`RecordedEvents::CAPACITY`]. Slack's
/// redelivery of an event this process recorded is answered from here with no read; one
/// recorded by another replica, or forgotten, is looked up in the store as before.
#[derive(Debug)]
pub struct RecordedEvents(crate::recent::RecentKeys<String>);

impl Default for RecordedEvents {
    fn default() -> Self {
        Self(crate::recent::RecentKeys::new(Self::CAPACITY))
    }
}

impl RecordedEvents {
    /// Slack retries an event three times within about five minutes: a few minutes of a
    /// busy workspace's events.
    pub const CAPACITY: usize = 20_000;

    pub fn contains(&self, key: &str) -> bool {
        self.0.contains(key)
    }

    /// `key` is recorded in the store (for good: only room makes it forgotten).
    pub fn insert(&self, key: &str) {
        if !self.0.contains(key) {
            self.0.insert(key.to_string(), i64::MAX, 0);
        }
    }
}

/// Records an event once by its `event_id`. A `redelivery` (Slack says it is sending the
/// event again) of an event this process recorded is known at once (no database); any
/// other is looked up first, a read: it was usually recorded, and then nothing is
/// written; if it was not (the first delivery failed), it is recorded as any other.
pub async fn accept_slack_event(
    services: &Services,
    event_id: &str,
    event: SlackEvent<'_>,
    redelivery: bool,
) -> Result<EventOutcome> {
    let key = format!("slack:{event_id}");
    if services.recorded_events.contains(&key) {
        return Ok(EventOutcome::Duplicate);
    }
    if redelivery && services.store.event_recorded(&key).await? {
        services.recorded_events.insert(&key);
        return Ok(EventOutcome::Duplicate);
    }
    let now = services.now_ms();
    let mut jobs = Vec::new();
    if let SlackEvent::HomeOpened { user } = event {
        jobs.push(enqueue::home_opened(user, now));
    }
    let fresh = services
        .store
        .record_event(&key, "slack", now, &jobs)
        .await?;
    services.recorded_events.insert(&key);
    if !fresh {
        return Ok(EventOutcome::Duplicate);
    }
    if !jobs.is_empty() {
        services.wake_worker();
    }
    match event {
        SlackEvent::Stopped(stop) => install::record_stop(services, stop).await?,
        SlackEvent::Reacted {
            user,
            reaction,
            channel,
            ts,
        } => {
            if let Err(Error::Refused(refusal)) = react(services, user, reaction, channel, ts).await
            {
                return Ok(EventOutcome::Refused {
                    user: user.to_string(),
                    channel: channel.to_string(),
                    refusal,
                });
            }
        }
        SlackEvent::HomeOpened { .. } | SlackEvent::Other => {}
    }
    Ok(EventOutcome::Accepted)
}

/// The card at `channel` + `ts`, and the use case its emoji stands for.
async fn react(
    services: &Services,
    user: &str,
    reaction: CardReaction,
    channel: &str,
    ts: &str,
) -> Result<()> {
    let Some(message) = services.store.message_at(channel, ts).await? else {
        return Ok(());
    };
    let Some(id) = SyncCard::ticket_of_key(&message.msg_key) else {
        return Ok(());
    };
    let actor = Actor {
        user,
        source: Source::Reaction,
    };
    let done = match reaction {
        CardReaction::Claim => claim::claim(services, id, actor).await.map(drop),
        CardReaction::Escalate => claim::escalate(services, id, actor, None, None)
            .await
            .map(drop),
        CardReaction::Done => done::mark_done(services, id, actor).await.map(drop),
    };
    if let Err(Error::Store(e)) = &done {
        tracing::error!(error = %e, ?reaction, "a card reaction could not be recorded");
    }
    done
}
