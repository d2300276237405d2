//! Ownership use cases: claim, release, assign, escalate, and the claim lease. A `/cx`
//! command, a card button, the escalation modal and the lease timer all call these.
//!
//! A refusal (already claimed, not yours, solved, unknown ticket) is an `Error::User` whose
//! text tells the person what to do instead; the edge shows it ephemerally. Every change
//! is one store transaction: the conditional UPDATE, the audit row, and the jobs (card
//! re-render, thread line, App Home refresh, lease timer).

use super::cards::{sync, thread_line};
use super::{Error, Result, Services};
use crate::db::{Audit, NewJob};
use crate::domain::claim::Source;
use crate::domain::ticket::Ticket;
use crate::domain::claim::{lease_step, may_release, LeaseState, LeaseStep};
use crate::domain::escalation::{mention_markup, title_of, Target};
use crate::domain::team::Level;
use crate::jobs::claim_lease::CheckClaimLease;
use crate::jobs::fetch_user::FetchSlackUser;
use crate::jobs::publish_home::PublishHome;
use crate::jobs::slack_call::SlackCall;
use crate::jobs::Job;
use crate::domain::ticket::TicketQuery;
use crate::slack::views::card::{esc, headline, ticket_link};
use crate::slack::views::claim::{lease_dm, ticket_ref};
use crate::slack::views::Reply;
use chrono_tz::Tz;

/// Who is acting, and from where.
#[derive(Debug, Clone, Copy)]
pub struct Actor<'a> {
    pub user: &'a str,
    pub source: Source,
}

fn user_error<T>(msg: impl Into<String>) -> Result<T> {
    Err(Error::User(msg.into()))
}

/// Finds the ticket an agent named; an unknown or ambiguous reference lists what matched.
pub async fn resolve(services: &Services, q: &TicketQuery) -> Result<Ticket> {
    let mut found = services
        .store
        .tickets_by_number(q.helpdesk.as_deref(), &q.number)
        .await?;
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => user_error(format!(
            "No ticket {q} is known to cxbot. Check the number in the helpdesk{}.",
            if q.helpdesk.is_some() {
                ""
            } else {
                ", or prefix the helpdesk (`zendesk:4521`)"
            }
        )),
        _ => {
            let list: Vec<String> = found
                .iter()
                .map(|t| format!("`{}:{}` ({})", t.helpdesk, t.external_id, headline(t)))
                .collect();
            user_error(format!(
                "{q} matches tickets in several helpdesks: {}. Name the helpdesk, e.g. `{}:{}`.",
                list.join(", "),
                found[0].helpdesk,
                found[0].external_id
            ))
        }
    }
}

pub async fn ticket(services: &Services, id: i64) -> Result<Ticket> {
    match services.store.ticket(id).await? {
        Some(t) => Ok(t),
        None => user_error("That ticket no longer exists in cxbot."),
    }
}

/// The jobs that follow a change of owner.
fn owner_jobs(t: &Ticket, line: String, homes: &[&str], now: i64) -> Vec<NewJob> {
    let mut jobs = vec![sync(t, now), thread_line(t, line, now)];
    jobs.extend(homes.iter().map(|u| PublishHome::after_change(u, now)));
    jobs
}

fn lease_timer(services: &Services, t: &Ticket, seq: i64, last_activity: i64) -> NewJob {
    let at = services
        .playbook
        .claims
        .check_at(crate::clock::from_ms(last_activity))
        .timestamp_millis();
    CheckClaimLease::at(t.id, seq, at)
}

/// "10:32" in the viewer's time zone (from Slack), else the team's.
async fn local_time(services: &Services, viewer: &str, at_ms: i64) -> String {
    let tz: Tz = services.user_tz(viewer).await;
    crate::clock::from_ms(at_ms)
        .with_timezone(&tz)
        .format("%H:%M")
        .to_string()
}

fn how(source: Source) -> &'static str {
    match source {
        Source::Button | Source::Home => "button",
        Source::Command => "/cx",
        Source::Modal => "modal",
        Source::LeaseExpiry => "lease expiry",
    }
}

pub async fn claim(services: &Services, id: i64, actor: Actor<'_>) -> Result<Reply> {
    claim_resolved(services, ticket(services, id).await?, actor).await
}

/// [`claim`] of a ticket already read (`/cx claim 4521` found it by its number).
///
/// The claim is written only if the ticket's claim number is still the one read; if it
/// moved on (claimed and released in between) and the ticket is free again, it tries again
/// from a fresh read.
pub async fn claim_resolved(
    services: &Services,
    mut t: Ticket,
    actor: Actor<'_>,
) -> Result<Reply> {
    let now = services.now_ms();
    let audit = Audit {
        action: "claim",
        actor: actor.user,
        target: None,
        source: actor.source,
        detail: None,
    };
    for _ in 0..3 {
        if !t.is_open() || t.claimed_by.is_some() {
            break;
        }
        let seq = t.claim.claim_seq;
        let mut jobs = owner_jobs(
            &t,
            format!(
                ":raising_hand: Claimed by <@{}> ({})",
                actor.user,
                how(actor.source)
            ),
            &[actor.user],
            now,
        );
        jobs.push(lease_timer(services, &t, seq + 1, now));
        jobs.push(FetchSlackUser::new_for(actor.user, now));
        if services
            .store
            .claim_ticket(t.id, seq, actor.user, now, &audit, &jobs)
            .await?
        {
            services.wake_worker();
            return Ok(Reply::text(format!(
                "You claimed {}: {}",
                ticket_ref(&t),
                ticket_link(&t)
            )));
        }
        // Lost: say why (or try again), from the state as it is now.
        t = ticket(services, t.id).await?;
    }
    if !t.is_open() {
        return user_error(format!(
            "{} is {}: there is nothing to claim.",
            ticket_ref(&t),
            t.status
        ));
    }
    match (&t.claimed_by, t.claim.claimed_at) {
        (Some(owner), Some(at)) if owner == actor.user => user_error(format!("{} is already yours (since {}).", ticket_ref(&t), local_time(services, actor.user, at).await)),
        (Some(owner), Some(at)) => user_error(format!(
            "{} is already claimed by <@{owner}> at {}. Ask them, or a lead, if it should change hands.",
            ticket_ref(&t),
            local_time(services, actor.user, at).await
        )),
        _ => user_error(format!("{} changed while you clicked; try again.", ticket_ref(&t))),
    }
}

pub async fn release(services: &Services, id: i64, actor: Actor<'_>) -> Result<Reply> {
    let now = services.now_ms();
    let t = ticket(services, id).await?;
    let Some(owner) = t.claimed_by.clone() else {
        return user_error(format!(
            "{} is not claimed, so there is nothing to release.",
            ticket_ref(&t)
        ));
    };
    if !may_release(
        actor.user,
        Some(&owner),
        services.playbook.is_lead(actor.user),
    ) {
        return user_error(format!(
            "{} is <@{owner}>'s claim: only they or a lead can release it.",
            ticket_ref(&t)
        ));
    }
    let by = if owner == actor.user {
        String::new()
    } else {
        format!(" by <@{}>", actor.user)
    };
    let audit = Audit {
        action: "release",
        actor: actor.user,
        target: Some(&owner),
        source: actor.source,
        detail: None,
    };
    let jobs = owner_jobs(
        &t,
        format!(":leftwards_arrow_with_hook: <@{owner}>'s claim released{by}; back in the queue"),
        &[&owner],
        now,
    );
    if services
        .store
        .release_ticket(id, t.claim.claim_seq, now, &audit, &jobs)
        .await?
    {
        services.wake_worker();
        Ok(Reply::text(format!(
            "Released {}: it is back in the queue.",
            ticket_ref(&t)
        )))
    } else {
        user_error(format!(
            "{} changed while you clicked; look at its card and try again.",
            ticket_ref(&t)
        ))
    }
}

pub async fn assign(services: &Services, id: i64, actor: Actor<'_>, to: &str) -> Result<Reply> {
    if !services.playbook.is_lead(actor.user) {
        return user_error(
            "Only a lead can assign tickets. Ask a lead, or `/cx claim` it yourself.",
        );
    }
    let now = services.now_ms();
    let mut t = ticket(services, id).await?;
    // Written only if the claim number is still the one read: if the ticket changed hands
    // in between, the audit and the App Homes to refresh change too, so read again.
    for attempt in 0..4 {
        if !t.is_open() {
            return user_error(format!(
                "{} is {}: reopen it in the helpdesk first.",
                ticket_ref(&t),
                t.status
            ));
        }
        if attempt == 3 {
            break;
        }
        let previous = t.claimed_by.clone();
        let audit = Audit {
            action: "assign",
            actor: actor.user,
            target: Some(to),
            source: actor.source,
            detail: previous.as_deref(),
        };
        let mut homes = vec![to];
        if let Some(p) = previous.as_deref() {
            homes.push(p);
        }
        let seq = t.claim.claim_seq;
        let mut jobs = owner_jobs(
            &t,
            format!(
                ":busts_in_silhouette: Assigned to <@{to}> by <@{}>",
                actor.user
            ),
            &homes,
            now,
        );
        jobs.push(lease_timer(services, &t, seq + 1, now));
        jobs.push(FetchSlackUser::new_for(to, now));
        if services
            .store
            .assign_ticket(id, seq, to, now, &audit, &jobs)
            .await?
        {
            services.wake_worker();
            return Ok(Reply::text(format!(
                "Assigned {} to <@{to}>.",
                ticket_ref(&t)
            )));
        }
        t = ticket(services, id).await?;
    }
    user_error(format!(
        "{} changed while you assigned it; try again.",
        ticket_ref(&t)
    ))
}

/// One rung above both the person's level and the ticket's last escalation.
pub fn next_rung(services: &Services, user: &str, t: &Ticket) -> Option<Target> {
    let pb = &services.playbook;
    let mine = pb.member(user).and_then(|m| m.level);
    let current = t.claim.escalated_to.as_deref().and_then(Level::from_key);
    pb.escalation.next_rung(mine, current)
}

/// Escalates to `target` (a key such as "L3" or "developers"), or one rung up the ladder.
pub async fn escalate(
    services: &Services,
    id: i64,
    actor: Actor<'_>,
    target: Option<&str>,
    reason: Option<&str>,
) -> Result<Reply> {
    let now = services.now_ms();
    let t = ticket(services, id).await?;
    let pb = &services.playbook;
    let target = match target {
        Some(key) => pb.escalation.find(key).ok_or_else(|| {
            Error::User(format!(
                "`{key}` is not an escalation target in the playbook."
            ))
        })?,
        None => next_rung(services, actor.user, &t).ok_or_else(|| {
                Error::User(format!(
                    "{} is already at the top of the ladder. Use the card's Escalate button to pick a named target (developers, sales).",
                    ticket_ref(&t)
                ))
            })?,
    };
    let channel = pb.resolve_channel(&target.channel).ok_or_else(|| {
        Error::User(format!(
            "The playbook's escalation target {} has no usable channel.",
            target.key
        ))
    })?;
    let reason_text = reason.map(str::trim).filter(|r| !r.is_empty());
    let mention = target
        .mention
        .as_deref()
        .map(|m| format!("{} ", mention_markup(m)))
        .unwrap_or_default();
    let notice = format!(
        "{mention}:arrow_double_up: *Escalated to {}* by <@{}>: {}  ·  {}\n*Reason:* {}",
        target.title,
        actor.user,
        esc(&headline(&t)),
        ticket_link(&t),
        reason_text.map(esc).unwrap_or_else(|| "none given".into())
    );
    let audit = Audit {
        action: "escalate",
        actor: actor.user,
        target: Some(&target.key),
        source: actor.source,
        detail: reason_text,
    };
    let line = format!(
        ":arrow_double_up: Escalated to {} by <@{}>{}",
        title_of(&target.key),
        actor.user,
        reason_text
            .map(|r| format!(": {}", esc(r)))
            .unwrap_or_default()
    );
    let jobs = vec![
        sync(&t, now),
        thread_line(&t, line, now),
        SlackCall::post(channel.clone(), notice).new_job(now),
    ];
    if services
        .store
        .escalate_ticket(id, &target.key, now, &audit, &jobs)
        .await?
    {
        services.wake_worker();
        Ok(Reply::text(format!(
            "Escalated {} to {} ({channel}).",
            ticket_ref(&t),
            target.title
        )))
    } else {
        user_error("That ticket no longer exists in cxbot.")
    }
}

/// The lease DM's Keep: the owner is still on it.
pub async fn keep(services: &Services, id: i64, seq: i64, actor: Actor<'_>) -> Result<Reply> {
    let now = services.now_ms();
    let t = ticket(services, id).await?;
    if t.claimed_by.as_deref() != Some(actor.user) || t.claim.claim_seq != seq {
        return user_error(format!(
            "That check-in is out of date: {} is no longer your claim.",
            ticket_ref(&t)
        ));
    }
    let mut jobs = vec![lease_timer(services, &t, seq, now)];
    if let Some(asked) = t.claim.lease_asked_at {
        jobs.push(
            SlackCall::Update {
                key: lease_dm_key(id, seq, asked),
                text: format!(":white_check_mark: You kept {}. cxbot will check again after {} min without activity.", ticket_ref(&t), services.playbook.claims.lease_minutes),
                blocks: None,
            }
            .new_job(now),
        );
    }
    services.store.renew_claim(id, seq, now, &jobs).await?;
    services.wake_worker();
    Ok(Reply::text(format!("Kept {}.", ticket_ref(&t))))
}

/// The lease DM's Release: like `release`, but only for the claim the DM was about.
pub async fn release_from_lease(
    services: &Services,
    id: i64,
    seq: i64,
    actor: Actor<'_>,
) -> Result<Reply> {
    let t = ticket(services, id).await?;
    if t.claim.claim_seq != seq || t.claimed_by.is_none() {
        return user_error(format!(
            "That check-in is out of date: {} is no longer that claim.",
            ticket_ref(&t)
        ));
    }
    release(services, id, actor).await
}

pub fn lease_dm_key(id: i64, seq: i64, asked_at: i64) -> String {
    format!("lease:{id}:{seq}:{asked_at}")
}

/// The lease timer: ask the idle owner, or release a claim nobody answered for.
pub async fn check_lease(services: &Services, id: i64, seq: i64) -> Result<()> {
    let Some(t) = services.store.ticket(id).await? else {
        return Ok(());
    };
    if !t.is_open() {
        return Ok(());
    }
    let now = services.clock.now();
    let now_ms = now.timestamp_millis();
    let policy = &services.playbook.claims;
    // A ticket on a running follow-up cadence is waiting on the customer by design: its
    // claim is not idle, so the lease is held (checked again one lease period later).
    if t.claimed_by.is_some() && t.claim.claim_seq == seq {
        if let Some(f) = services.store.followup(id).await? {
            if f.active == 1 {
                let at = policy.check_at(now).timestamp_millis();
                services
                    .store
                    .renew_claim(id, seq, now_ms, &[CheckClaimLease::at(id, seq, at)])
                    .await?;
                return Ok(());
            }
        }
    }
    let state = LeaseState {
        claimed: t.claimed_by.is_some(),
        claim_seq: t.claim.claim_seq,
        last_activity: crate::clock::from_ms(
            t.claim
                .last_activity_at
                .or(t.claim.claimed_at)
                .unwrap_or(now_ms),
        ),
        asked_at: t.claim.lease_asked_at.map(crate::clock::from_ms),
    };
    match lease_step(policy, &state, seq, now) {
        LeaseStep::Stale => Ok(()),
        LeaseStep::NotYet(at) => {
            services
                .store
                .enqueue(
                    &[CheckClaimLease::at(id, seq, at.timestamp_millis())],
                    now_ms,
                )
                .await?;
            Ok(())
        }
        LeaseStep::Ask => {
            let owner = t.claimed_by.clone().unwrap_or_default();
            let idle = (now - state.last_activity).num_minutes();
            let dm = lease_dm(&t, seq, idle, policy.grace_minutes);
            let jobs = vec![
                SlackCall::Dm {
                    key: Some(lease_dm_key(id, seq, now_ms)),
                    user: owner,
                    text: dm.text,
                    blocks: Some(dm.blocks),
                }
                .new_job(now_ms),
                CheckClaimLease::at(id, seq, policy.expire_at(now).timestamp_millis()),
            ];
            services
                .store
                .mark_lease_asked(id, seq, now_ms, &jobs)
                .await?;
            Ok(())
        }
        LeaseStep::Expire => {
            let owner = t.claimed_by.clone().unwrap_or_default();
            let audit = Audit {
                action: "lease_expired",
                actor: &owner,
                target: Some(&owner),
                source: Source::LeaseExpiry,
                detail: None,
            };
            let jobs = owner_jobs(
                &t,
                format!(":alarm_clock: Claim expired: <@{owner}> did not answer the check-in; back in the queue"),
                &[&owner],
                now_ms,
            );
            services
                .store
                .release_ticket(id, seq, now_ms, &audit, &jobs)
                .await?;
            Ok(())
        }
    }
}
