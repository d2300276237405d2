//! Slack events: recorded in the inbox by `event_id` (a retry is acknowledged and does
//! nothing, even while the first delivery is in flight) together with the jobs they cause.

use super::{Result, Services};
use crate::jobs::publish_home::PublishHome;
use crate::slack::events::EventCallback;

/// Returns false when the event was seen before.
pub async fn accept_slack_event(services: &Services, cb: &EventCallback) -> Result<bool> {
    let now = services.now_ms();
    let mut jobs = Vec::new();
    if !cb.event.is_from_bot() {
        if let ("app_home_opened", Some(user), Some("home")) = (
            cb.event.kind.as_str(),
            &cb.event.user,
            cb.event.tab.as_deref(),
        ) {
            jobs.push(PublishHome::opened(user, now));
        }
    }
    let fresh = services
        .store
        .record_event(&format!("slack:{}", cb.event_id), "slack", now, &jobs)
        .await?;
    if fresh && !jobs.is_empty() {
        services.wake_worker();
    }
    Ok(fresh)
}
