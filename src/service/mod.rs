//! The use cases. A slash command, a button and a scheduled job all call the same function
//! here. Service functions read state, apply `domain` rules, and write the new state and
//! the jobs it causes in one store transaction; they never call Slack directly.
//!
//! What a service may import: `domain`, `db`, `config`, `clock`, and `jobs::enqueue` (the
//! payloads it queues, built from domain data: card re-renders, `domain::notice` messages,
//! timers). Never `slack`, `http` or a job handler. A use case returns an outcome (a
//! struct or enum of domain data) or `Error::Refused(Refusal)`; the edges (slash commands,
//! buttons, modals, Socket Mode later) word both through their views, and job handlers
//! call use cases as a button does.
//!
//! To add a use case: a function here taking `&Services` and plain or domain arguments,
//! returning its outcome type; a `Refusal` variant for each new way to say no; the words
//! in `slack::views`; then call it from `slack::dispatch` (a `/cx` subcommand),
//! `slack::interactions` (a button) or a job handler.

pub mod assignment;
pub mod callback;
pub mod checkins;
pub mod claim;
pub mod clock;
pub mod contacts;
pub mod digest;
pub mod directives;
pub mod done;
pub mod events;
pub mod followup;
pub mod home;
pub mod install;
pub mod intake;
mod intake_plan;
pub mod lease;
pub mod notify;
pub mod ops;
pub mod refusal;
pub mod reminder;
pub mod shifts;
pub mod sla;
pub mod summary;
pub mod unclaimed;
pub mod writeback;

pub use refusal::Refusal;

use crate::clock::SharedClock;
use crate::config::Playbook;
use crate::db::{SharedStore, StoreError};
use std::sync::Arc;
use tokio::sync::Notify;

/// What every use case and job needs.
pub struct Services {
    pub store: SharedStore,
    pub clock: SharedClock,
    pub playbook: Arc<Playbook>,
    /// Wakes this process's worker when a request enqueued work.
    pub work: Arc<Notify>,
    /// The helpdesks cxbot has API credentials for ("freshdesk", "zendesk"): changes to
    /// their tickets are written back (`service::writeback`).
    pub writes_to: Vec<&'static str>,
    /// Slack events this process saw recorded: a redelivery of one needs no read.
    pub recorded_events: Arc<events::RecordedEvents>,
}

/// A refusal as an error, for `?`.
pub(crate) fn refuse<T>(r: Refusal) -> Result<T> {
    Err(Error::Refused(r))
}

impl Services {
    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// A person's time zone: theirs from Slack (users.info), else the team's.
    pub async fn user_tz(&self, user: &str) -> chrono_tz::Tz {
        match self.store.slack_user(user).await {
            Ok(Some(u)) => {
                u.tz.and_then(|z| z.parse().ok())
                    .unwrap_or_else(|| self.playbook.tz())
            }
            _ => self.playbook.tz(),
        }
    }

    /// Tell the local worker there is something to do now.
    pub fn wake_worker(&self) {
        self.work.notify_one();
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The user asked for something that cannot be done; each edge words it.
    #[error("refused: {0:?}")]
    Refused(Refusal),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub type Result<T> = std::result::Result<T, Error>;
