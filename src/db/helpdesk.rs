//! Two-way helpdesks in the store: who each Slack person is in each helpdesk, the echoes
//! cxbot expects of its own writes, and requesters fetched from a helpdesk's API.

use super::{NewJob, StoreResult};
use async_trait::async_trait;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct AgentRow {
    pub user_id: String,
    pub helpdesk: String,
    pub agent_id: String,
    pub email: Option<String>,
    /// `playbook` or `email`.
    pub source: String,
    pub matched_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct RequesterRow {
    pub helpdesk: String,
    pub requester_id: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub fetched_at: i64,
}

/// What a helpdesk told cxbot about a ticket it had only an id for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Enrichment {
    pub url: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

#[async_trait]
pub trait HelpdeskStore: Send + Sync {
    async fn agent_of(&self, user: &str, helpdesk: &str) -> StoreResult<Option<AgentRow>>;
    /// The Slack person matched to a helpdesk agent.
    async fn user_of_agent(&self, helpdesk: &str, agent_id: &str) -> StoreResult<Option<AgentRow>>;
    async fn agents_of(&self, user: &str) -> StoreResult<Vec<AgentRow>>;
    /// Records (or replaces) a person's agent in one helpdesk.
    async fn save_agent(&self, row: &AgentRow) -> StoreResult<()>;
    /// Remembers that cxbot is about to set `field` to `value` on a ticket.
    async fn expect_echo(
        &self,
        helpdesk: &str,
        external_id: &str,
        field: &str,
        value: &str,
        expires_at: i64,
    ) -> StoreResult<()>;
    /// Consumes one unexpired expectation matching the webhook: true when it was an echo.
    async fn take_echo(
        &self,
        helpdesk: &str,
        external_id: &str,
        field: &str,
        value: &str,
        now: i64,
    ) -> StoreResult<bool>;
    async fn requester(&self, helpdesk: &str, id: &str) -> StoreResult<Option<RequesterRow>>;
    async fn save_requester(&self, row: &RequesterRow) -> StoreResult<()>;
    /// Fills in what the ticket lacks (link, customer) and links the customer directory's
    /// entry with that email or phone; `jobs` (the card's re-render) in the same transaction.
    /// False when nothing was missing.
    async fn enrich_ticket(
        &self,
        ticket_id: i64,
        e: &Enrichment,
        phone_key: Option<&str>,
        now: i64,
        jobs: &[NewJob],
    ) -> StoreResult<bool>;
}
