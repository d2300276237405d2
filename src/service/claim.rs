//! Ownership use cases: claim, release, assign, escalate. A `/cx` command, a card button
//! and the escalation modal call these; the lease (check-in, Keep, expiry) is in
//! `service::lease`.
//!
//! A refusal (already claimed, not yours, solved, unknown ticket) is an
//! `Error::Refused`; the edge words it. Every change is one store transaction: the
//! conditional UPDATE, the audit row, and the jobs (card re-render, thread line, App Home
//! refresh, lease timer).

use super::writeback;
use super::{refuse, Error, Refusal, Result, Services};
use crate::db::{Audit, NewJob};
use crate::domain::claim::{may_release, Source};
use crate::domain::escalation::Target;
use crate::domain::notice::{CardLine, Notice};
use crate::domain::team::Level;
use crate::domain::ticket::{Ticket, TicketQuery};
use crate::domain::writeback::{Assignee, WriteCause};
use crate::jobs::enqueue::{self, To};
use chrono::NaiveTime;
use chrono_tz::Tz;

/// Who is acting, and from where.
#[derive(Debug, Clone, Copy)]
pub struct Actor<'a> {
    pub user: &'a str,
    pub source: Source,
}

/// What an ownership change did (a refusal is an `Error::Refused`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimOutcome {
    Claimed {
        ticket: Ticket,
    },
    Released {
        ticket: Ticket,
    },
    Assigned {
        ticket: Ticket,
        to: String,
    },
    Escalated {
        ticket: Ticket,
        /// The target's title ("L3 Brand Lead").
        title: String,
        channel: String,
    },
    /// The owner kept a claim from the lease check-in.
    Kept {
        ticket: Ticket,
    },
}

/// Finds the ticket an agent named; an unknown or ambiguous reference lists what matched.
pub async fn resolve(services: &Services, q: &TicketQuery) -> Result<Ticket> {
    let mut found = services
        .store
        .tickets_by_number(q.helpdesk.as_deref(), &q.number)
        .await?;
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => refuse(Refusal::UnknownTicket { query: q.clone() }),
        _ => refuse(Refusal::AmbiguousTicket {
            query: q.clone(),
            matches: found,
        }),
    }
}

pub async fn ticket(services: &Services, id: i64) -> Result<Ticket> {
    match services.store.ticket(id).await? {
        Some(t) => Ok(t),
        None => refuse(Refusal::NoSuchTicket),
    }
}

/// The write-back of a new owner (`None`: released) for claim number `seq`.
pub(super) fn assignee_write(
    services: &Services,
    t: &Ticket,
    owner: Option<&str>,
    seq: i64,
    now: i64,
) -> Option<NewJob> {
    let (cause, assignee, verb) = match owner {
        Some(user) => (
            WriteCause::Claim,
            Assignee::Person(user.to_string()),
            "claim",
        ),
        None => (WriteCause::Release, Assignee::Nobody, "release"),
    };
    writeback::job(
        services,
        t,
        cause,
        format!("{verb}-{}-{seq}", t.id),
        now,
        |w| w.assignee = Some(assignee),
    )
}

/// The jobs that follow a change of owner.
pub(super) fn owner_jobs(t: &Ticket, line: CardLine, homes: &[&str], now: i64) -> Vec<NewJob> {
    let mut jobs = vec![enqueue::card(t, now), enqueue::card_line(t, line, now)];
    jobs.extend(homes.iter().map(|u| enqueue::home_changed(u, now)));
    jobs
}

pub(super) fn lease_timer(services: &Services, t: &Ticket, seq: i64, last_activity: i64) -> NewJob {
    let at = services
        .playbook
        .claims
        .check_at(crate::clock::from_ms(last_activity))
        .timestamp_millis();
    enqueue::lease_check(t.id, seq, at)
}

/// A time as the viewer reads it: in their time zone (from Slack), else the team's.
async fn local_time(services: &Services, viewer: &str, at_ms: i64) -> NaiveTime {
    let tz: Tz = services.user_tz(viewer).await;
    crate::clock::from_ms(at_ms).with_timezone(&tz).time()
}

pub async fn claim(services: &Services, id: i64, actor: Actor<'_>) -> Result<ClaimOutcome> {
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
) -> Result<ClaimOutcome> {
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
        let line = CardLine::Claimed {
            by: actor.user.to_string(),
            via: actor.source,
        };
        let mut jobs = owner_jobs(&t, line, &[actor.user], now);
        jobs.push(lease_timer(services, &t, seq + 1, now));
        jobs.push(enqueue::fetch_user(actor.user, now));
        jobs.extend(assignee_write(services, &t, Some(actor.user), seq + 1, now));
        if services
            .store
            .claim_ticket(t.id, seq, actor.user, now, &audit, &jobs)
            .await?
        {
            services.wake_worker();
            return Ok(ClaimOutcome::Claimed { ticket: t });
        }
        // Lost: say why (or try again), from the state as it is now.
        t = ticket(services, t.id).await?;
    }
    let number = t.external_id.clone();
    if !t.is_open() {
        return refuse(Refusal::NothingToClaim {
            number,
            status: t.status,
        });
    }
    match (t.claimed_by, t.claim.claimed_at) {
        (Some(owner), Some(at)) if owner == actor.user => refuse(Refusal::AlreadyYours {
            number,
            since: local_time(services, actor.user, at).await,
        }),
        (Some(holder), Some(at)) => refuse(Refusal::ClaimedBy {
            number,
            holder,
            since: local_time(services, actor.user, at).await,
        }),
        _ => refuse(Refusal::ClaimRaced { number }),
    }
}

pub async fn release(services: &Services, id: i64, actor: Actor<'_>) -> Result<ClaimOutcome> {
    let now = services.now_ms();
    let t = ticket(services, id).await?;
    let number = || t.external_id.clone();
    let Some(owner) = t.claimed_by.clone() else {
        return refuse(Refusal::NotClaimed { number: number() });
    };
    if !may_release(
        actor.user,
        Some(&owner),
        services.playbook.is_lead(actor.user),
    ) {
        return refuse(Refusal::NotYours {
            number: number(),
            owner,
        });
    }
    let audit = Audit {
        action: "release",
        actor: actor.user,
        target: Some(&owner),
        source: actor.source,
        detail: None,
    };
    let line = CardLine::Released {
        owner: owner.clone(),
        by: (owner != actor.user).then(|| actor.user.to_string()),
    };
    let mut jobs = owner_jobs(&t, line, &[&owner], now);
    jobs.extend(assignee_write(services, &t, None, t.claim.claim_seq, now));
    if services
        .store
        .release_ticket(id, t.claim.claim_seq, now, &audit, &jobs)
        .await?
    {
        services.wake_worker();
        Ok(ClaimOutcome::Released { ticket: t })
    } else {
        refuse(Refusal::ReleaseRaced { number: number() })
    }
}

pub async fn assign(
    services: &Services,
    id: i64,
    actor: Actor<'_>,
    to: &str,
) -> Result<ClaimOutcome> {
    if !services.playbook.is_lead(actor.user) {
        return refuse(Refusal::LeadsOnlyAssign);
    }
    reassign(services, id, actor, to).await
}

/// `/cx off`'s "Hand to...": the owner (or a lead) gives a claim to someone on shift.
pub async fn hand_off(
    services: &Services,
    id: i64,
    actor: Actor<'_>,
    to: &str,
) -> Result<ClaimOutcome> {
    let t = ticket(services, id).await?;
    let owner = t.claimed_by.clone();
    if owner.as_deref() != Some(actor.user) && !services.playbook.is_lead(actor.user) {
        return match owner {
            Some(owner) => refuse(Refusal::NotYours {
                number: t.external_id,
                owner,
            }),
            None => refuse(Refusal::NotClaimed {
                number: t.external_id,
            }),
        };
    }
    reassign(services, id, actor, to).await
}

/// Gives the ticket to `to` (whoever held it), written against the claim number read.
async fn reassign(
    services: &Services,
    id: i64,
    actor: Actor<'_>,
    to: &str,
) -> Result<ClaimOutcome> {
    let now = services.now_ms();
    let mut t = ticket(services, id).await?;
    // Written only if the claim number is still the one read: if the ticket changed hands
    // in between, the audit and the App Homes to refresh change too, so read again.
    for attempt in 0..4 {
        if !t.is_open() {
            return refuse(Refusal::ReopenFirst {
                number: t.external_id,
                status: t.status,
            });
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
        let line = CardLine::Assigned {
            to: to.to_string(),
            by: actor.user.to_string(),
        };
        let jobs = assignment_jobs(services, &t, to, line, &homes, now);
        if services
            .store
            .assign_ticket(id, seq, to, now, &audit, &jobs)
            .await?
        {
            services.wake_worker();
            return Ok(ClaimOutcome::Assigned {
                ticket: t,
                to: to.to_string(),
            });
        }
        t = ticket(services, id).await?;
    }
    refuse(Refusal::AssignRaced {
        number: t.external_id,
    })
}

/// The jobs of an assignment to `to` (a lead's, a hand-off, or auto-assignment's): the
/// card and its thread line, the App Homes, the new claim's lease timer, the person looked
/// up, the helpdesk's assignee.
fn assignment_jobs(
    services: &Services,
    t: &Ticket,
    to: &str,
    line: CardLine,
    homes: &[&str],
    now: i64,
) -> Vec<NewJob> {
    let seq = t.claim.claim_seq;
    let mut jobs = owner_jobs(t, line, homes, now);
    jobs.push(lease_timer(services, t, seq + 1, now));
    jobs.push(enqueue::fetch_user(to, now));
    jobs.extend(assignee_write(services, t, Some(to), seq + 1, now));
    jobs
}

/// Auto-assignment (`service::assignment`) of unclaimed ticket `t`, as read, to `to`,
/// taking turn `turn` of its rotation: an assignment like a lead's (audited as "assign",
/// source auto; the thread says "Assigned to @Ana (auto)", which notifies her; Release
/// undoes it), written only if nobody claimed the ticket and nobody took the turn since
/// they were read. False when either moved on.
pub async fn assign_auto(
    services: &Services,
    t: &Ticket,
    to: &str,
    turn: (&str, i64),
    now: i64,
) -> Result<bool> {
    let audit = Audit {
        action: "assign",
        actor: "cxbot",
        target: Some(to),
        source: Source::Auto,
        detail: None,
    };
    let line = CardLine::AutoAssigned { to: to.to_string() };
    let jobs = assignment_jobs(services, t, to, line, &[to], now);
    let done = services
        .store
        .auto_assign_ticket(t.id, t.claim.claim_seq, to, turn, now, &audit, &jobs)
        .await?;
    if done {
        services.wake_worker();
    }
    Ok(done)
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
) -> Result<ClaimOutcome> {
    let now = services.now_ms();
    let t = ticket(services, id).await?;
    let pb = &services.playbook;
    let target = match target {
        Some(key) => pb.escalation.find(key).ok_or_else(|| {
            Error::Refused(Refusal::UnknownTarget {
                key: key.to_string(),
            })
        })?,
        None => next_rung(services, actor.user, &t).ok_or_else(|| {
            Error::Refused(Refusal::TopOfLadder {
                number: t.external_id.clone(),
            })
        })?,
    };
    let channel = pb.resolve_channel(&target.channel).ok_or_else(|| {
        Error::Refused(Refusal::TargetWithoutChannel {
            key: target.key.clone(),
        })
    })?;
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    let audit = Audit {
        action: "escalate",
        actor: actor.user,
        target: Some(&target.key),
        source: actor.source,
        detail: reason,
    };
    let line = CardLine::Escalated {
        to: target.key.clone(),
        by: actor.user.to_string(),
        reason: reason.map(str::to_string),
    };
    let notice = Notice::Escalated {
        ticket: t.for_notice(),
        title: target.title.clone(),
        mention: target.mention.clone(),
        by: actor.user.to_string(),
        reason: reason.map(str::to_string),
    };
    let to = To::Channel {
        channel: channel.clone(),
        key: None,
    };
    let mut jobs = vec![
        enqueue::card(&t, now),
        enqueue::card_line(&t, line, now),
        enqueue::notice(to, notice, now),
    ];
    let note = format!(
        "Escalated to {} by {}{}",
        target.title,
        writeback::person_name(services, actor.user).await,
        reason.map(|r| format!(": {r}")).unwrap_or_default()
    );
    jobs.extend(writeback::job(
        services,
        &t,
        WriteCause::Escalation,
        format!("escalate-{}-{now}", t.id),
        now,
        |w| w.note = Some(note),
    ));
    if services
        .store
        .escalate_ticket(id, &target.key, now, &audit, &jobs)
        .await?
    {
        services.wake_worker();
        Ok(ClaimOutcome::Escalated {
            ticket: t,
            title: target.title,
            channel,
        })
    } else {
        refuse(Refusal::NoSuchTicket)
    }
}
