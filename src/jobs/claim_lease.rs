//! `CheckClaimLease`: the claim lease timer. It carries the claim number it was set for,
//! so after a release, a new claim or a Keep, an old timer does nothing.

use super::{Job, JobContext, JobError, JobOutcome, JobResult};
use crate::service::lease;
use async_trait::async_trait;

pub use super::enqueue::CheckClaimLease;

#[async_trait]
impl Job for CheckClaimLease {
    async fn run(self, cx: &JobContext) -> JobResult {
        lease::check_lease(cx, self.ticket_id, self.claim_seq)
            .await
            .map_err(|e| JobError::Retry(e.to_string()))?;
        Ok(JobOutcome::Done)
    }
}
