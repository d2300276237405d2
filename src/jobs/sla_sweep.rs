//! `SlaSweep`: one run of the SLA sweep (`service::sla::sweep`), which queues the next.

use super::{Job, JobContext, JobError, JobOutcome, JobResult};
use crate::service::sla;
use async_trait::async_trait;

pub use super::enqueue::SlaSweep;

#[async_trait]
impl Job for SlaSweep {
    async fn run(self, cx: &JobContext) -> JobResult {
        sla::sweep(cx)
            .await
            .map_err(|e| JobError::Retry(e.to_string()))?;
        Ok(JobOutcome::Done)
    }
}
