//! `PublishHome`: renders a user's App Home from current state and publishes it.

use super::{Job, JobOutcome, JobResult};
use crate::service::{self, Services};
use crate::slack::views::home::home_view;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishHome {
    pub user: String,
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
