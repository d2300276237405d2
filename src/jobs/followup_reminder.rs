//! `SendFollowUpReminder`: looks at a ticket's follow-up run (at the revision it was set
//! for) and sends the due step's reminder once, then schedules the next look.

use super::{Job, JobError, JobOutcome, JobResult};
use crate::service::{followup, Services};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendFollowUpReminder {
    pub ticket_id: i64,
    pub rev: i64,
}

#[async_trait]
impl Job for SendFollowUpReminder {
    const NAME: &'static str = "send_follow_up_reminder";

    async fn run(self, services: &Services) -> JobResult {
        followup::remind(services, self.ticket_id, self.rev)
            .await
            .map_err(|e| JobError::Retry(e.to_string()))?;
        Ok(JobOutcome::Done)
    }
}
