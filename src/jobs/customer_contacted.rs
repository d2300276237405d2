//! `CustomerContacted`: enqueued by intake in the same transaction as the event, so a
//! customer's new call or email durably restarts (and a reply stops) their follow-ups.

use super::{Job, JobError, JobOutcome, JobResult};
use crate::service::followup::{self, Contact};
use crate::service::Services;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerContacted {
    pub email: Option<String>,
    pub phone_key: Option<String>,
    pub contact: Contact,
    /// Said in the card's thread: "new missed call from +1 555 0100".
    pub why: String,
}

#[async_trait]
impl Job for CustomerContacted {
    const NAME: &'static str = "customer_contacted";

    async fn run(self, services: &Services) -> JobResult {
        followup::on_contact(
            services,
            self.email.as_deref(),
            self.phone_key.as_deref(),
            self.contact,
            &self.why,
        )
        .await
        .map_err(|e| JobError::Retry(e.to_string()))?;
        Ok(JobOutcome::Done)
    }
}
