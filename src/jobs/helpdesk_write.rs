//! `helpdesk_write`: one write-back to a Freshdesk or Zendesk ticket (see
//! `domain::writeback`), and the two other helpdesk jobs: `helpdesk_assignee` (a change made
//! in the helpdesk, for the claim) and `helpdesk_enrich` (a Zendesk ticket's requester and
//! link, fetched once per requester).
//!
//! A write resolves who the Slack people are in the helpdesk (the playbook's ids, a stored
//! match, else their email: the playbook's or the Slack profile's, looked up among the
//! helpdesk's agents and remembered), then: the note (unless a note with its reference is
//! already there: a retry after a crash adds nothing), the ticket's assignee/group/status
//! (an idempotent PUT), the requester. Before a field is set, the echo its webhook will
//! bring back is recorded, so that webhook changes nothing visible.
//!
//! A 429 waits for Retry-After; a timeout or 5xx retries with the worker's backoff (and
//! parks after its attempts); a refusal (403, 404, a validation error, an agent nobody
//! can find) parks at once and says why in the card's thread and on /metrics
//! (`cxbot_helpdesk_writes_total{outcome="refused"}`).

use super::{Attempt, Job, JobContext, JobError, JobOutcome, JobResult};
use crate::db::RequesterRow;
use crate::domain::notice::CardLine;
use crate::domain::writeback::{echoed_status, Assignee, HelpdeskWrite};
use crate::helpdesk::{ApiError, HelpdeskApi, TicketUpdate};
use crate::service::writeback as wb;
use async_trait::async_trait;

pub use super::enqueue::{AssigneeChanged, EnrichFromHelpdesk, WriteToHelpdesk};

/// Why a write cannot be done; `Refused` is said in the card's thread.
enum Failure {
    Api(ApiError),
    /// A person or group the helpdesk does not know.
    Unresolved(String),
    Store(String),
}

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Self {
        Failure::Api(e)
    }
}

impl From<crate::service::Error> for Failure {
    fn from(e: crate::service::Error) -> Self {
        Failure::Store(e.to_string())
    }
}

impl From<crate::db::StoreError> for Failure {
    fn from(e: crate::db::StoreError) -> Self {
        Failure::Store(e.to_string())
    }
}

/// How often a write looks again for the ticket's earlier write to finish.
const EARLIER_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

#[async_trait]
impl Job for WriteToHelpdesk {
    /// A write waits (without using up its attempts) while an earlier write to the same
    /// ticket is still to run, so the helpdesk shows the notes in the order they happened
    /// (a callback, then the escalation), whichever worker or replica holds each.
    async fn run_attempt(self, cx: &JobContext, attempt: &Attempt) -> JobResult {
        if let Some(id) = attempt.job_id {
            let prefix = super::enqueue::helpdesk_writes_of(&self.write);
            if cx.store.earlier_job_pending(&prefix, id).await? {
                return Err(JobError::Waiting(
                    EARLIER_WAIT,
                    format!(
                        "an earlier write to ticket {} is still to run",
                        self.write.ticket_id
                    ),
                ));
            }
        }
        self.run(cx).await
    }

    async fn run(self, cx: &JobContext) -> JobResult {
        let w = self.write;
        let Some(api) = cx.helpdesks.get(&w.helpdesk).cloned() else {
            // Its credentials were removed since: nothing to write to.
            tracing::warn!(helpdesk = %w.helpdesk, "write-back skipped: no API credentials");
            return Ok(JobOutcome::Done);
        };
        let outcome = apply(cx, api.as_ref(), &w).await;
        let label = |o: &'static str| {
            metrics::counter!("cxbot_helpdesk_writes_total",
                "helpdesk" => w.helpdesk.clone(), "cause" => w.cause.as_str(), "outcome" => o)
            .increment(1);
        };
        match outcome {
            Ok(()) => {
                label("written");
                Ok(JobOutcome::Done)
            }
            Err(Failure::Api(ApiError::RateLimited(after))) => {
                label("rate_limited");
                Err(JobError::RateLimited(after))
            }
            Err(Failure::Api(ApiError::Transient(m))) | Err(Failure::Store(m)) => {
                label("retried");
                Err(JobError::Retry(m))
            }
            Err(Failure::Api(ApiError::Refused { reason, status, .. })) => {
                label("refused");
                refused(cx, &w, api.name(), format!("{reason} ({status})")).await
            }
            Err(Failure::Unresolved(reason)) => {
                label("refused");
                refused(cx, &w, api.name(), reason).await
            }
        }
    }
}

/// Says in the card's thread why the write was refused, then parks the job.
async fn refused(cx: &JobContext, w: &HelpdeskWrite, helpdesk: &str, reason: String) -> JobResult {
    if let Some(t) = cx.store.ticket(w.ticket_id).await? {
        let line = CardLine::HelpdeskRefused {
            helpdesk: helpdesk.to_string(),
            what: w.cause.describe().to_string(),
            reason: reason.clone(),
        };
        let now = cx.now_ms();
        cx.store
            .enqueue(&[super::enqueue::card_line(&t, line, now)], now)
            .await?;
        cx.wake_worker();
    }
    Err(JobError::Permanent(format!(
        "{helpdesk} refused to {} on ticket {}: {reason}",
        w.cause.describe(),
        w.external_id
    )))
}

async fn apply(cx: &JobContext, api: &dyn HelpdeskApi, w: &HelpdeskWrite) -> Result<(), Failure> {
    // Resolve first: a person the helpdesk does not know refuses the whole write before
    // any part of it is sent.
    let mut update = TicketUpdate {
        status: w.status,
        ..TicketUpdate::default()
    };
    match &w.assignee {
        None => {}
        Some(Assignee::Nobody) => update.assignee = Some(None),
        Some(Assignee::Person(user)) => {
            update.assignee = Some(Some(agent_for(cx, api, &w.helpdesk, user).await?));
        }
        Some(Assignee::Named(text)) => {
            let (group, agent) = Assignee::group_and_agent(text);
            if let Some(group) = group {
                match api.group_by_name(group).await? {
                    Some(id) => update.group = Some(id),
                    None => {
                        return Err(Failure::Unresolved(format!(
                            "there is no group named \"{group}\" in {}",
                            api.name()
                        )))
                    }
                }
            }
            if let Some(agent) = agent {
                update.assignee = Some(Some(agent_named(cx, api, &w.helpdesk, agent).await?));
            }
        }
    }
    if let Some(body) = w.note_body() {
        if !api.has_note(&w.external_id, &w.reference()).await? {
            api.add_private_note(&w.external_id, &body).await?;
        }
    }
    if !update.is_empty() {
        let expires = cx.now_ms() + i64::from(cx.playbook.helpdesk.echo_seconds) * 1_000;
        if let Some(status) = update.status {
            cx.store
                .expect_echo(
                    &w.helpdesk,
                    &w.external_id,
                    "status",
                    echoed_status(&w.helpdesk, status),
                    expires,
                )
                .await?;
        }
        if let Some(assignee) = &update.assignee {
            let value = assignee.clone().unwrap_or_default();
            cx.store
                .expect_echo(&w.helpdesk, &w.external_id, "assignee", &value, expires)
                .await?;
        }
        api.update_ticket(&w.external_id, &update).await?;
    }
    if let Some(contact) = &w.contact {
        if contact.name.is_some() || contact.email.is_some() {
            api.update_requester(&w.external_id, contact).await?;
        }
    }
    Ok(())
}

/// A Slack person's agent id: known, or found by email and remembered.
async fn agent_for(
    cx: &JobContext,
    api: &dyn HelpdeskApi,
    helpdesk: &str,
    user: &str,
) -> Result<String, Failure> {
    if let Some(row) = wb::known_agent(cx, user, helpdesk).await? {
        return Ok(row.agent_id);
    }
    let mut email = wb::email_of(cx, user).await?;
    if email.is_none() {
        // Never looked up, or looked up before users:read.email was granted.
        if let Ok(info) = cx.slack.user_info(user).await {
            cx.store
                .save_slack_user(
                    user,
                    &info.name,
                    info.tz.as_deref(),
                    info.email.as_deref(),
                    cx.now_ms(),
                )
                .await?;
            email = info.email;
        }
    }
    let Some(email) = email else {
        return Err(Failure::Unresolved(format!(
            "cxbot cannot tell who <@{user}> is in {}: their Slack profile shows no email \
             (grant the app users:read.email) and the playbook gives no {} for them",
            api.name(),
            id_key(helpdesk)
        )));
    };
    match api.agent_by_email(&email).await? {
        Some(agent) => {
            wb::remember(cx, user, helpdesk, &agent.id, Some(&email)).await?;
            Ok(agent.id)
        }
        None => Err(Failure::Unresolved(format!(
            "no {} agent has the email {email} (<@{user}>'s); set {} for them in the playbook",
            api.name(),
            id_key(helpdesk)
        ))),
    }
}

/// An agent named by a cadence: a team member by name, else the helpdesk's agent by name.
async fn agent_named(
    cx: &JobContext,
    api: &dyn HelpdeskApi,
    helpdesk: &str,
    name: &str,
) -> Result<String, Failure> {
    let member = cx
        .playbook
        .team
        .members
        .iter()
        .find(|m| m.name.eq_ignore_ascii_case(name) || m.slack_id == name)
        .map(|m| m.slack_id.clone());
    if let Some(user) = member {
        return agent_for(cx, api, helpdesk, &user).await;
    }
    match api.agent_by_name(name).await? {
        Some(agent) => Ok(agent.id),
        None => Err(Failure::Unresolved(format!(
            "there is no agent named \"{name}\" in {}",
            api.name()
        ))),
    }
}

fn id_key(helpdesk: &str) -> &'static str {
    if helpdesk == "zendesk" {
        "zendesk_user_id"
    } else {
        "freshdesk_agent_id"
    }
}

#[async_trait]
impl Job for AssigneeChanged {
    async fn run(self, cx: &JobContext) -> JobResult {
        wb::follow_assignee(cx, &self)
            .await
            .map_err(|e| JobError::Retry(e.to_string()))?;
        Ok(JobOutcome::Done)
    }
}

#[async_trait]
impl Job for EnrichFromHelpdesk {
    async fn run(self, cx: &JobContext) -> JobResult {
        let Some(api) = cx.helpdesks.get(&self.helpdesk).cloned() else {
            return Ok(JobOutcome::Done);
        };
        let Some(t) = cx.store.ticket(self.ticket_id).await? else {
            return Ok(JobOutcome::Done);
        };
        let _one_at_a_time = cx
            .helpdesks
            .single_flight(&format!("{}:{}", self.helpdesk, self.requester_id))
            .await;
        let cached = cx
            .store
            .requester(&self.helpdesk, &self.requester_id)
            .await?;
        let requester = match cached {
            Some(r) => r,
            None => {
                let found = match api.requester(&self.requester_id).await {
                    Ok(found) => found,
                    Err(ApiError::RateLimited(after)) => return Err(JobError::RateLimited(after)),
                    Err(ApiError::Transient(m)) => return Err(JobError::Retry(m)),
                    Err(e @ ApiError::Refused { .. }) => {
                        return Err(JobError::Permanent(e.to_string()))
                    }
                };
                let row = RequesterRow {
                    helpdesk: self.helpdesk.clone(),
                    requester_id: self.requester_id.clone(),
                    name: found.as_ref().and_then(|r| r.name.clone()),
                    email: found.as_ref().and_then(|r| r.email.clone()),
                    phone: found.as_ref().and_then(|r| r.phone.clone()),
                    fetched_at: cx.now_ms(),
                };
                cx.store.save_requester(&row).await?;
                row
            }
        };
        crate::service::intake::enrich(
            cx,
            &t,
            Some(api.ticket_url(&t.external_id)),
            requester.name,
            requester.email,
            requester.phone,
        )
        .await
        .map_err(|e| JobError::Retry(e.to_string()))?;
        Ok(JobOutcome::Done)
    }
}
