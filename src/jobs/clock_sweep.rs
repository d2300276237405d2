//! `ClockSweep`: one run of the team's clock (`service::clock::sweep`), which queues the
//! next.

use super::{Job, JobContext, JobError, JobOutcome, JobResult};
use crate::service::clock;
use async_trait::async_trait;

pub use super::enqueue::ClockSweep;

#[async_trait]
impl Job for ClockSweep {
    async fn run(self, cx: &JobContext) -> JobResult {
        clock::sweep(cx)
            .await
            .map_err(|e| JobError::Retry(e.to_string()))?;
        Ok(JobOutcome::Done)
    }
}
