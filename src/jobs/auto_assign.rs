//! `AutoAssign`: a new card goes to the next person available (`service::assignment`);
//! nobody available leaves it in the queue.

use super::{Job, JobContext, JobError, JobOutcome, JobResult};
use crate::service::assignment;
use async_trait::async_trait;

pub use super::enqueue::AutoAssign;

#[async_trait]
impl Job for AutoAssign {
    async fn run(self, cx: &JobContext) -> JobResult {
        assignment::auto_assign(cx, self.ticket_id)
            .await
            .map_err(|e| JobError::Retry(e.to_string()))?;
        Ok(JobOutcome::Done)
    }
}
