//! `PublishHome`: renders a user's App Home from current state and publishes it.

use super::{Job, JobOutcome, JobResult};
use crate::db::NewJob;
use crate::service::{self, Services};
use crate::slack::views::home::home_view;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishHome {
    pub user: String,
}

/// How long a refresh after a change waits, so that it takes in the changes that follow.
/// An agent working the queue changes their claims several times a minute; publishing
/// after each one spent a core on views.publish under load (issue 7), and Slack rate-limits
/// the method per workspace.
pub const REFRESH_DELAY_MS: i64 = 3_000;

impl PublishHome {
    /// The person opened the tab: publish now, not left to a refresh that waits.
    pub fn opened(user: &str, now: i64) -> NewJob {
        NewJob {
            coalesce_key: None,
            ..Self::for_user(user).new_job(now)
        }
    }

    /// What the tab shows changed: one refresh `REFRESH_DELAY_MS` later shows this change
    /// and every one until then.
    pub fn after_change(user: &str, now: i64) -> NewJob {
        Self::for_user(user).new_job(now + REFRESH_DELAY_MS)
    }

    fn for_user(user: &str) -> Self {
        Self {
            user: user.to_string(),
        }
    }
}

#[async_trait]
impl Job for PublishHome {
    const NAME: &'static str = "publish_home";

    fn coalesce_key(&self) -> Option<String> {
        Some(format!("publish_home:{}", self.user))
    }

    async fn run(self, services: &Services) -> JobResult {
        let data = service::home::home_data(services, &self.user)
            .await
            .map_err(|e| super::JobError::Retry(e.to_string()))?;
        services
            .slack
            .publish_home(&self.user, home_view(&data))
            .await?;
        Ok(JobOutcome::Done)
    }
}
