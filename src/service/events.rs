//! Slack events: recorded in the inbox by `event_id` (a retry is acknowledged and does
//! nothing, even while the first delivery is in flight) together with the jobs they cause.

use super::{Result, Services};
use crate::jobs::enqueue;

/// What cxbot acts on in a Slack event (the edge reads the envelope).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlackEvent<'a> {
    /// Someone opened their App Home's Home tab.
    HomeOpened { user: &'a str },
    /// Anything else: recorded so a retry is recognised, nothing to do.
    Other,
}

/// Returns false when the event was seen before. A `redelivery` (Slack says it is sending
/// the event again) is looked up first, a read: it was usually recorded, and then nothing is
/// written; if it was not (the first delivery failed), it is recorded as any other.
pub async fn accept_slack_event(
    services: &Services,
    event_id: &str,
    event: SlackEvent<'_>,
    redelivery: bool,
) -> Result<bool> {
    let key = format!("slack:{event_id}");
    if redelivery && services.store.event_recorded(&key).await? {
        return Ok(false);
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
    if fresh && !jobs.is_empty() {
        services.wake_worker();
    }
    Ok(fresh)
}
