//! `PublishHome`: renders a user's App Home from current state and publishes it.

use super::{Job, JobContext, JobOutcome, JobResult};
use crate::service;
use crate::slack::views::home::home_view;
use async_trait::async_trait;

pub use super::enqueue::{PublishHome, REFRESH_DELAY_MS};

#[async_trait]
impl Job for PublishHome {
    async fn run(self, cx: &JobContext) -> JobResult {
        let data = service::home::home_data(cx, &self.user)
            .await
            .map_err(|e| super::JobError::Retry(e.to_string()))?;
        cx.slack.publish_home(&self.user, home_view(&data)).await?;
        Ok(JobOutcome::Done)
    }
}
