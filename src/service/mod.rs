//! The use cases. A slash command, a button and a scheduled job all call the same function
//! here. Service functions read state, apply `domain` rules, and write the new state and
//! the jobs it causes in one store transaction; they never call Slack directly.

pub mod callback;
pub mod cards;
pub mod claim;
pub mod contacts;
pub mod events;
pub mod followup;
pub mod home;
pub mod intake;
mod intake_plan;
pub mod notify;

use crate::clock::SharedClock;
use crate::config::Playbook;
use crate::db::{SharedStore, StoreError};
use crate::slack::api::SlackApi;
use std::sync::Arc;
use tokio::sync::Notify;

/// What every use case and job needs.
pub struct Services {
    pub store: SharedStore,
    pub clock: SharedClock,
    pub playbook: Arc<Playbook>,
    pub slack: Arc<SlackApi>,
    /// Wakes this process's worker when a request enqueued work.
    pub work: Arc<Notify>,
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
    /// The user asked for something that cannot be done; shown to them as is.
    #[error("{0}")]
    User(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub type Result<T> = std::result::Result<T, Error>;
