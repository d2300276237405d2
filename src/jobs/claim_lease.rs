//! `CheckClaimLease`: the claim lease timer. It carries the claim number it was set for,
//! so after a release, a new claim or a Keep, an old timer does nothing.

use super::{Job, JobError, JobOutcome, JobResult};
use crate::db::NewJob;
use crate::service::{claim, Services};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckClaimLease {
    pub ticket_id: i64,
    pub claim_seq: i64,
}

impl CheckClaimLease {
    /// The timer for claim `seq` of a ticket, due at `at`; one per (claim, instant).
    pub fn at(ticket_id: i64, claim_seq: i64, at: i64) -> NewJob {
        let mut job = CheckClaimLease {
            ticket_id,
            claim_seq,
        }
        .new_job(at);
        job.dedupe_key = Some(format!("lease:{ticket_id}:{claim_seq}:{at}"));
        job
    }
}

#[async_trait]
impl Job for CheckClaimLease {
    const NAME: &'static str = "check_claim_lease";

    async fn run(self, services: &Services) -> JobResult {
        claim::check_lease(services, self.ticket_id, self.claim_seq)
            .await
            .map_err(|e| JobError::Retry(e.to_string()))?;
        Ok(JobOutcome::Done)
    }
}
