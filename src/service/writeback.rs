//! Two-way helpdesks, the service side: which changes are written back (as a
//! `helpdesk_write` job in the change's own transaction), who each Slack person is in each
//! helpdesk, and what an assignee change made in the helpdesk does to the claim.
//!
//! The API calls themselves are the jobs' (`jobs/helpdesk_*.rs`): the service decides,
//! stores and words; it never talks to a helpdesk.

use super::claim::{lease_timer, owner_jobs, ticket};
use super::{Result, Services};
use crate::db::NewJob;
use crate::db::{AgentRow, Audit};
use crate::domain::claim::Source;
use crate::domain::notice::CardLine;
use crate::domain::ticket::Ticket;
use crate::domain::writeback::{HelpdeskWrite, WriteCause};
use crate::jobs::enqueue::{self, AssigneeChanged};

/// The write-back job for a change to `t`, if its helpdesk is writable and the playbook
/// writes this cause; `fill` says what to write. `key` names the change uniquely (it
/// dedupes the job and marks the note).
pub fn job(
    services: &Services,
    t: &Ticket,
    cause: WriteCause,
    key: String,
    now: i64,
    fill: impl FnOnce(&mut HelpdeskWrite),
) -> Option<NewJob> {
    if !services.writes_to.contains(&t.helpdesk.as_str())
        || !services.playbook.helpdesk.writes(cause)
    {
        return None;
    }
    let mut w = HelpdeskWrite::new(t.id, &t.helpdesk, &t.external_id, cause, key);
    fill(&mut w);
    (!w.is_empty()).then(|| enqueue::helpdesk_write(w, now))
}

/// How a note in the helpdesk names a Slack person: the playbook's name, else Slack's.
pub async fn person_name(services: &Services, user: &str) -> String {
    if let Some(m) = services.playbook.member(user) {
        return m.name.clone();
    }
    match services.store.slack_user(user).await {
        Ok(Some(u)) => u.name,
        _ => user.to_string(),
    }
}

/// How messages name a helpdesk.
pub fn display_name(helpdesk: &str) -> String {
    match helpdesk {
        "freshdesk" => "Freshdesk".into(),
        "zendesk" => "Zendesk".into(),
        "zoho" => "Zoho Desk".into(),
        "hubspot" => "HubSpot".into(),
        "intercom" => "Intercom".into(),
        other => other.to_string(),
    }
}

/// A person's agent id in a helpdesk: the playbook's, else the one matched earlier.
pub async fn known_agent(
    services: &Services,
    user: &str,
    helpdesk: &str,
) -> Result<Option<AgentRow>> {
    let member = services.playbook.member(user);
    let from_playbook = member.and_then(|m| match helpdesk {
        "freshdesk" => m.freshdesk_agent_id.clone(),
        "zendesk" => m.zendesk_user_id.clone(),
        _ => None,
    });
    if let Some(agent_id) = from_playbook {
        return Ok(Some(AgentRow {
            user_id: user.to_string(),
            helpdesk: helpdesk.to_string(),
            agent_id,
            email: member.and_then(|m| m.email.clone()),
            source: "playbook".into(),
            matched_at: 0,
        }));
    }
    Ok(services.store.agent_of(user, helpdesk).await?)
}

/// The email a person is matched by: the playbook's, else their Slack profile's.
pub async fn email_of(services: &Services, user: &str) -> Result<Option<String>> {
    if let Some(email) = services.playbook.member(user).and_then(|m| m.email.clone()) {
        return Ok(Some(email.trim().to_lowercase()));
    }
    Ok(services.store.slack_user(user).await?.and_then(|u| u.email))
}

/// Remembers a match found by email.
pub async fn remember(
    services: &Services,
    user: &str,
    helpdesk: &str,
    agent_id: &str,
    email: Option<&str>,
) -> Result<()> {
    services
        .store
        .save_agent(&AgentRow {
            user_id: user.to_string(),
            helpdesk: helpdesk.to_string(),
            agent_id: agent_id.to_string(),
            email: email.map(str::to_string),
            source: "email".into(),
            matched_at: services.now_ms(),
        })
        .await?;
    Ok(())
}

/// The Slack person behind a helpdesk agent: the playbook's ids, a stored match, or a team
/// member with the agent's email.
pub async fn slack_user_of(
    services: &Services,
    helpdesk: &str,
    agent_id: &str,
    agent_email: Option<&str>,
) -> Result<Option<String>> {
    let members = &services.playbook.team.members;
    let by_id = members.iter().find(|m| {
        let id = match helpdesk {
            "freshdesk" => m.freshdesk_agent_id.as_deref(),
            "zendesk" => m.zendesk_user_id.as_deref(),
            _ => None,
        };
        id == Some(agent_id)
    });
    if let Some(m) = by_id {
        return Ok(Some(m.slack_id.clone()));
    }
    if let Some(row) = services.store.user_of_agent(helpdesk, agent_id).await? {
        return Ok(Some(row.user_id));
    }
    let email = agent_email.map(|e| e.trim().to_lowercase());
    Ok(email.and_then(|e| {
        members
            .iter()
            .find(|m| {
                m.email
                    .as_deref()
                    .is_some_and(|me| me.eq_ignore_ascii_case(&e))
            })
            .map(|m| m.slack_id.clone())
    }))
}

/// What `/cx whoami` shows: each helpdesk and who the person is there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WhoAmI {
    pub user: String,
    pub email: Option<String>,
    /// (helpdesk display name, the match if any), for each helpdesk cxbot writes to, and
    /// any other the person was matched in.
    pub helpdesks: Vec<(String, Option<AgentRow>)>,
}

pub async fn whoami(services: &Services, user: &str) -> Result<WhoAmI> {
    let mut helpdesks = Vec::new();
    let mut names: Vec<String> = services.writes_to.iter().map(|s| s.to_string()).collect();
    for row in services.store.agents_of(user).await? {
        if !names.contains(&row.helpdesk) {
            names.push(row.helpdesk.clone());
        }
    }
    for name in ["freshdesk", "zendesk"] {
        let in_playbook = services.playbook.member(user).is_some_and(|m| match name {
            "freshdesk" => m.freshdesk_agent_id.is_some(),
            _ => m.zendesk_user_id.is_some(),
        });
        if in_playbook && !names.iter().any(|n| n == name) {
            names.push(name.to_string());
        }
    }
    for name in names {
        let found = known_agent(services, user, &name).await?;
        helpdesks.push((display_name(&name), found));
    }
    Ok(WhoAmI {
        user: user.to_string(),
        email: email_of(services, user).await?,
        helpdesks,
    })
}

/// An assignee change reported by the helpdesk. Cxbot's own write coming back (an echo)
/// or a change to who already holds the claim does nothing; otherwise the claim moves to
/// the agent's Slack person (or is released when the ticket was unassigned), and the
/// card's thread says so "from Freshdesk". Nothing is written back for it.
pub async fn follow_assignee(services: &Services, change: &AssigneeChanged) -> Result<()> {
    let now = services.now_ms();
    let value = change.agent_id.clone().unwrap_or_default();
    if services
        .store
        .take_echo(
            &change.helpdesk,
            &change.external_id,
            "assignee",
            &value,
            now,
        )
        .await?
    {
        tracing::debug!(ticket = change.ticket_id, "assignee echo of our own write");
        return Ok(());
    }
    if !services.playbook.helpdesk.follow_assignee {
        return Ok(());
    }
    let t = ticket(services, change.ticket_id).await?;
    if !t.is_open() {
        return Ok(());
    }
    let helpdesk = display_name(&change.helpdesk);
    let to = match &change.agent_id {
        Some(agent) => {
            slack_user_of(
                services,
                &change.helpdesk,
                agent,
                change.agent_email.as_deref(),
            )
            .await?
        }
        None => None,
    };
    let previous = t.claimed_by.clone();
    if to.is_some() && to == previous || change.agent_id.is_none() && previous.is_none() {
        return Ok(());
    }
    let line = CardLine::HelpdeskAssigned {
        helpdesk: helpdesk.clone(),
        to: to.clone(),
        from: previous.clone(),
        agent: change.agent_id.clone().filter(|_| to.is_none()),
    };
    let seq = t.claim.claim_seq;
    match (&change.agent_id, &to) {
        (Some(_), Some(user)) => {
            let audit = Audit {
                action: "assign",
                actor: user,
                target: Some(user),
                source: Source::Helpdesk,
                detail: previous.as_deref(),
            };
            let mut homes = vec![user.as_str()];
            homes.extend(previous.as_deref());
            let mut jobs = owner_jobs(&t, line, &homes, now);
            jobs.push(lease_timer(services, &t, seq + 1, now));
            jobs.push(enqueue::fetch_user(user, now));
            services
                .store
                .assign_ticket(t.id, seq, user, now, &audit, &jobs)
                .await?;
        }
        (None, _) => {
            let owner = previous.clone().unwrap_or_default();
            let audit = Audit {
                action: "release",
                actor: &owner,
                target: Some(&owner),
                source: Source::Helpdesk,
                detail: None,
            };
            let jobs = owner_jobs(&t, line, &[owner.as_str()], now);
            services
                .store
                .release_ticket(t.id, seq, now, &audit, &jobs)
                .await?;
        }
        (Some(_), None) => {
            // Nobody to give it to: say so, leave the claim.
            services
                .store
                .enqueue(&[enqueue::card_line(&t, line, now)], now)
                .await?;
        }
    }
    services.wake_worker();
    Ok(())
}
