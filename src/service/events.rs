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

/// Returns false when the event was seen before.
pub async fn accept_slack_event(
    services: &Services,
    event_id: &str,
    event: SlackEvent<'_>,
) -> Result<bool> {
    let now = services.now_ms();
    let mut jobs = Vec::new();
    if let SlackEvent::HomeOpened { user } = event {
        jobs.push(enqueue::home_opened(user, now));
    }
    let fresh = services
        .store
        .record_event(&format!("slack:{event_id}"), "slack", now, &jobs)
        .await?;
    if fresh && !jobs.is_empty() {
        services.wake_worker();
    }
    Ok(fresh)
}
