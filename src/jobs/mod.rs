//! Durable jobs. Every Slack Web API call (but `views.open`) and every timer is a row in
//! the `jobs` table, enqueued in the same transaction as the state change that caused it,
//! and run by the [`worker::Worker`]: at least once, with handlers that re-read state
//! before acting, so a retried or stale job is harmless.
//!
//! Direction: services enqueue through [`enqueue`] (payloads and their constructors, no
//! service code); the handlers here run a payload and call the services, as a button
//! does. Handlers that talk to Slack render through `slack::views` and call the Web API
//! through [`JobContext::slack`]; services never see either.
//!
//! To add a job: its payload struct in `enqueue.rs` with `impl Payload` and a unique
//! `NAME` (never rename one: stored rows refer to it) and a constructor the services
//! call; its handler in its own file under `jobs/` (`impl Job`: `run` re-reads what it
//! acts on, then calls a service or Slack); register it in [`registry`]. A handler whose
//! work an earlier attempt may have done without living to record it (a Slack post whose
//! answer was lost) overrides `run_attempt` and checks first (`slack_call::read_back`).

pub mod auto_assign;
mod channel_id;
pub mod claim_lease;
pub mod clock_sweep;
pub mod customer_contacted;
pub mod enqueue;
pub mod fetch_user;
pub mod followup_reminder;
pub mod heartbeat;
pub mod helpdesk_write;
pub mod publish_home;
pub mod reply_waiting;
pub mod send_notice;
pub mod slack_call;
pub mod sync_card;
pub mod worker;

pub use enqueue::Payload;

use crate::db::{PostedMessage, StoreError};
use crate::service::Services;
use crate::slack::api::{SlackApi, SlackError};
use async_trait::async_trait;
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
    /// Waits for another job still to run (a thread line for a card not posted yet, which
    /// may wait out a killed process's 5-minute lease): run again after this long; not
    /// counted as a failure, so the line is not parked before its card is posted.
    #[error("{1}")]
    Waiting(Duration, String),
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

/// What a running job can reach: the services (as a button's handler does) and the
/// Slack Web API, which only jobs and the edge's inline `views.open` call.
pub struct JobContext {
    pub services: Arc<Services>,
    pub slack: Arc<SlackApi>,
    /// The helpdesk APIs (write-back, lookups); only jobs call them.
    pub helpdesks: crate::helpdesk::Helpdesks,
}

impl std::ops::Deref for JobContext {
    type Target = Services;
    fn deref(&self) -> &Services {
        &self.services
    }
}

/// Which run of its job this is, for a handler whose earlier run may have done its work
/// without living to record it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// 1 on the first run. A lease counts one; a pace or Retry-After deferral gives it back
    /// (Slack did not take the call), a failure or a lease that ran out (a crash) does not.
    pub number: i64,
    /// When the job was queued: no run of it started earlier.
    pub queued_at_ms: i64,
    /// What the last failed run said (kept when `cxbot jobs retry` requeues a parked job).
    pub last_error: Option<String>,
    /// The job's row id, the same on every run of it (a requeue keeps it); `None` when a
    /// handler is run outside the worker. Thread lines are tagged with it (`line:<id>`).
    pub job_id: Option<i64>,
}

impl Attempt {
    /// The first run of a job queued at `queued_at_ms`.
    pub fn first(queued_at_ms: i64) -> Self {
        Self {
            number: 1,
            queued_at_ms,
            last_error: None,
            job_id: None,
        }
    }

    /// Could an earlier run have reached Slack without its outcome being recorded? Yes
    /// after any run that did not complete: a timeout or a reset after the request left, a
    /// crash (its lease ran out), or a parked job requeued. No on a first run, or when
    /// every earlier run was put back by a 429 (Slack refused it).
    pub fn may_have_posted(&self) -> bool {
        self.number > 1
            || self
                .last_error
                .as_deref()
                .is_some_and(|e| e != RATE_LIMITED_NOTE)
    }
}

/// What a job deferred by a 429 notes as its last error.
pub const RATE_LIMITED_NOTE: &str = "rate limited (429)";

/// A payload's handler.
#[async_trait]
pub trait Job: Payload {
    async fn run(self, cx: &JobContext) -> JobResult;

    /// Runs knowing which attempt this is. Handlers whose work Slack may already have done
    /// on an earlier attempt (a post, whose answer was lost) read back first; the rest run.
    async fn run_attempt(self, cx: &JobContext, _attempt: &Attempt) -> JobResult
    where
        Self: Sized,
    {
        self.run(cx).await
    }
}

type BoxedRun =
    fn(String, Arc<JobContext>, Attempt) -> Pin<Box<dyn Future<Output = JobResult> + Send>>;

fn run_erased<J: Job>(
    payload: String,
    cx: Arc<JobContext>,
    attempt: Attempt,
) -> Pin<Box<dyn Future<Output = JobResult> + Send>> {
    Box::pin(async move {
        let job: J = serde_json::from_str(&payload)?;
        job.run_attempt(&cx, &attempt).await
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

    /// Every registered job name, sorted.
    pub fn names(&self) -> Vec<&'static str> {
        let mut names: Vec<&'static str> = self.handlers.keys().copied().collect();
        names.sort_unstable();
        names
    }
}

/// Every job the worker knows.
pub fn registry() -> Registry {
    Registry {
        handlers: HashMap::new(),
    }
    .with::<slack_call::SlackCall>()
    .with::<send_notice::SendNotice>()
    .with::<clock_sweep::ClockSweep>()
    .with::<reply_waiting::ReplyWaiting>()
    .with::<publish_home::PublishHome>()
    .with::<claim_lease::CheckClaimLease>()
    .with::<fetch_user::FetchSlackUser>()
    .with::<followup_reminder::SendFollowUpReminder>()
    .with::<customer_contacted::CustomerContacted>()
    .with::<sync_card::SyncCard>()
    .with::<helpdesk_write::WriteToHelpdesk>()
    .with::<helpdesk_write::AssigneeChanged>()
    .with::<helpdesk_write::EnrichFromHelpdesk>()
    .with::<auto_assign::AutoAssign>()
}
