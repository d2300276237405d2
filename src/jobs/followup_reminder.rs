//! `SendFollowUpReminder`: looks at a ticket's follow-up run (at the revision it was set
//! for) and sends the due step's reminder once, then schedules the next look.

use super::{Job, JobContext, JobError, JobOutcome, JobResult};
use crate::service::reminder;
use async_trait::async_trait;

pub use super::enqueue::SendFollowUpReminder;

#[async_trait]
impl Job for SendFollowUpReminder {
    async fn run(self, cx: &JobContext) -> JobResult {
        reminder::remind(cx, self.ticket_id, self.rev)
            .await
            .map_err(|e| JobError::Retry(e.to_string()))?;
        Ok(JobOutcome::Done)
    }
}
