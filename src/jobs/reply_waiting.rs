//! `ReplyWaiting`: a customer replied on a claimed ticket; the owner hears of it if they
//! are on shift, the queue channel if they are away (`service::shifts::reply_waiting`).

use super::{Job, JobContext, JobError, JobOutcome, JobResult};
use crate::service::shifts;
use async_trait::async_trait;

pub use super::enqueue::ReplyWaiting;

#[async_trait]
impl Job for ReplyWaiting {
    async fn run(self, cx: &JobContext) -> JobResult {
        shifts::reply_waiting(cx, self.ticket_id)
            .await
            .map_err(|e| JobError::Retry(e.to_string()))?;
        Ok(JobOutcome::Done)
    }
}
