//! Durable jobs. Every Slack Web API call (but `views.open`) and every timer is a row in
//! the `jobs` table, enqueued in the same transaction as the state change that caused it,
//! and run by the [`worker::Worker`]: at least once, with handlers that re-read state
//! before acting, so a retried or stale job is harmless.
//!
//! To add a job: a struct in its own file under `jobs/`, `impl Job` with a unique
//! `NAME` (never rename one: stored rows refer to it), register it in [`registry`], and
//! enqueue it with [`Job::new_job`] from the service layer.

pub mod claim_lease;
pub mod customer_contacted;
pub mod fetch_user;
pub mod followup_reminder;
pub mod publish_home;
pub mod slack_call;
pub mod sync_card;
pub mod worker;

use crate::db::{NewJob, PostedMessage, StoreError};
use crate::service::Services;
use crate::slack::api::SlackError;
use async_trait::async_trait;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

/// What a job achieved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobOutcome {
    Done,
    /// Slack accepted a message; recorded in the same transaction that completes the job.
    Posted(PostedMessage),
}

#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// Slack said 429: run again at Retry-After; not counted as a failure.
    #[error("rate limited; retry after {0:?}")]
    RateLimited(Duration),
    /// Worth retrying with backoff (5xx, timeout, database busy).
    #[error("{0}")]
    Retry(String),
    /// Will never succeed: park the job and tell the operator what to do.
    #[error("{0}")]
    Permanent(String),
}

impl From<SlackError> for JobError {
    fn from(e: SlackError) -> Self {
        match e {
            SlackError::RateLimited { retry_after } => JobError::RateLimited(retry_after),
            SlackError::Transient(m) => JobError::Retry(m),
            SlackError::Permanent { code, hint } => JobError::Permanent(format!("{code}: {hint}")),
        }
    }
}

impl From<StoreError> for JobError {
    fn from(e: StoreError) -> Self {
        JobError::Retry(e.to_string())
    }
}

impl From<serde_json::Error> for JobError {
    fn from(e: serde_json::Error) -> Self {
        JobError::Permanent(format!("bad job payload: {e}"))
    }
}

pub type JobResult = Result<JobOutcome, JobError>;

#[async_trait]
pub trait Job: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// Unique and stable: stored rows name their handler by it.
    const NAME: &'static str;

    /// The Slack channel this job posts into, if any: posts to one channel are paced.
    fn pace_key(&self) -> Option<String> {
        None
    }

    /// Jobs that would do the same work (re-render one card, refresh one App Home): a new
    /// one is not queued while an equal one waits to run.
    fn coalesce_key(&self) -> Option<String> {
        None
    }

    async fn run(self, services: &Services) -> JobResult;

    /// A row to insert, due at `run_at` (unix ms).
    fn new_job(&self, run_at: i64) -> NewJob {
        NewJob {
            name: Self::NAME,
            payload: serde_json::to_string(self).expect("job payloads serialize"),
            run_at,
            dedupe_key: None,
            recurring: false,
            pace_key: self.pace_key(),
            coalesce_key: self.coalesce_key(),
        }
    }
}

type BoxedRun = fn(String, Arc<Services>) -> Pin<Box<dyn Future<Output = JobResult> + Send>>;

fn run_erased<J: Job>(
    payload: String,
    services: Arc<Services>,
) -> Pin<Box<dyn Future<Output = JobResult> + Send>> {
    Box::pin(async move {
        let job: J = serde_json::from_str(&payload)?;
        job.run(&services).await
    })
}

/// Job name -> handler.
#[derive(Clone)]
pub struct Registry {
    handlers: HashMap<&'static str, BoxedRun>,
}

impl Registry {
    fn with<J: Job>(mut self) -> Self {
        let previous = self.handlers.insert(J::NAME, run_erased::<J>);
        assert!(previous.is_none(), "job name {} registered twice", J::NAME);
        self
    }

    pub fn get(&self, name: &str) -> Option<BoxedRun> {
        self.handlers.get(name).copied()
    }
}

/// Every job the worker knows.
pub fn registry() -> Registry {
    Registry {
        handlers: HashMap::new(),
    }
    .with::<slack_call::SlackCall>()
    .with::<publish_home::PublishHome>()
    .with::<claim_lease::CheckClaimLease>()
    .with::<fetch_user::FetchSlackUser>()
    .with::<followup_reminder::SendFollowUpReminder>()
    .with::<customer_contacted::CustomerContacted>()
    .with::<sync_card::SyncCard>()
}
