//! `CustomerContacted`: enqueued by intake in the same transaction as the event, so a
//! customer's new call or email durably restarts (and a reply stops) their follow-ups.

use super::{Job, JobContext, JobError, JobOutcome, JobResult};
use crate::service::reminder;
use async_trait::async_trait;

pub use super::enqueue::CustomerContacted;

#[async_trait]
impl Job for CustomerContacted {
    async fn run(self, cx: &JobContext) -> JobResult {
        reminder::on_contact(
            cx,
            self.email.as_deref(),
            self.phone_key.as_deref(),
            self.contact,
            &self.why,
        )
        .await
        .map_err(|e| JobError::Retry(e.to_string()))?;
        Ok(JobOutcome::Done)
    }
}
