//! `FetchSlackUser`: the first time cxbot sees someone, users.info gives their name and
//! time zone (for times shown to them, and later shift-aware reminders).

use super::{Job, JobContext, JobOutcome, JobResult};
use async_trait::async_trait;

pub use super::enqueue::FetchSlackUser;

#[async_trait]
impl Job for FetchSlackUser {
    async fn run(self, cx: &JobContext) -> JobResult {
        let info = cx.slack.user_info(&self.user).await?;
        cx.store
            .save_slack_user(
                &self.user,
                &info.name,
                info.tz.as_deref(),
                info.email.as_deref(),
                cx.now_ms(),
            )
            .await?;
        Ok(JobOutcome::Done)
    }
}
