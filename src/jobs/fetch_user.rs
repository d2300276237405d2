//! `FetchSlackUser`: the first time cxbot sees someone, users.info gives their name and
//! time zone (for times shown to them, and later shift-aware reminders).

use super::{Job, JobOutcome, JobResult};
use crate::db::NewJob;
use crate::service::Services;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FetchSlackUser {
    pub user: String,
}

impl FetchSlackUser {
    /// Deduplicated per user while its done row is kept (30 days), then refreshed.
    pub fn new_for(user: &str, now: i64) -> NewJob {
        let mut job = FetchSlackUser {
            user: user.to_string(),
        }
        .new_job(now);
        job.dedupe_key = Some(format!("users.info:{user}"));
        job
    }
}

#[async_trait]
impl Job for FetchSlackUser {
    const NAME: &'static str = "fetch_slack_user";

    async fn run(self, services: &Services) -> JobResult {
        let info = services.slack.user_info(&self.user).await?;
        services
            .store
            .save_slack_user(
                &self.user,
                &info.name,
                info.tz.as_deref(),
                services.now_ms(),
            )
            .await?;
        Ok(JobOutcome::Done)
    }
}
