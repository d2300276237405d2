//! Shifts (seed 004): `/cx on` with its briefing, `/cx off` with the hand-over, `/cx who`,
//! whether someone is on (for leases, reminders and customer replies), and the customer
//! reply that nobody would otherwise see. The timed parts (check-ins, late starts, the
//! "still on?" DM) are `service::checkins`.

use super::claim::ticket;
use super::{Result, Services};
use crate::db::ShiftRow;
use crate::domain::notice::Notice;
use crate::domain::shift::{is_on, Said};
use crate::domain::ticket::Ticket;
use crate::jobs::enqueue::{self, To};

/// How many tickets each part of a briefing lists.
const BRIEFING_LIST: i64 = 5;

/// `/cx on`: the shift started (or was already on) and what is waiting.
#[derive(Debug, Clone, PartialEq)]
pub struct Briefing {
    pub already_on: bool,
    pub unclaimed: Vec<Ticket>,
    pub unclaimed_count: i64,
    /// Open tickets whose SLA clock is due within `[shifts] near_breach_minutes`.
    pub near_breach: Vec<Ticket>,
    pub mine: Vec<Ticket>,
    /// Their claims with a follow-up step due by the end of today.
    pub followups_due: Vec<Ticket>,
    /// The texts of live directives they have not acknowledged.
    pub directives: Vec<String>,
    pub now_ms: i64,
}

/// `/cx off`: the shift ended (or was not on) and what the person still holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Handover {
    pub was_on: bool,
    pub claims: Vec<Ticket>,
    /// Teammates on shift now, who can take a ticket over: (user, name).
    pub on_shift: Vec<(String, String)>,
    pub now_ms: i64,
}

/// `/cx who`.
#[derive(Debug, Clone, PartialEq)]
pub struct Who {
    /// (user, on since: None when on by their schedule only).
    pub on: Vec<(String, Option<i64>)>,
    /// (user, their next window's start), soonest first.
    pub next: Vec<(String, i64)>,
}

fn said(row: Option<&ShiftRow>) -> Option<Said> {
    let row = row?;
    match (row.on_since, row.off_at) {
        (Some(since), _) => Some(Said::On(since)),
        (None, Some(at)) => Some(Said::Off(at)),
        (None, None) => None,
    }
}

/// Is `user` on shift at `now`? None when cxbot cannot tell (no schedule, never said).
pub async fn on_shift(services: &Services, user: &str, now: i64) -> Result<Option<bool>> {
    let row = services.store.shift(user).await?;
    let schedule = services.playbook.schedule(user);
    Ok(is_on(said(row.as_ref()), schedule.as_ref(), now))
}

/// Everyone on shift now: who said `/cx on`, and scheduled members inside their window
/// who did not say `/cx off` in it.
pub async fn everyone_on(services: &Services, now: i64) -> Result<Vec<(String, Option<i64>)>> {
    let mut on: Vec<(String, Option<i64>)> = services
        .store
        .shifts_on()
        .await?
        .into_iter()
        .map(|r| (r.user_id, r.on_since))
        .collect();
    for m in &services.playbook.team.members {
        if on.iter().any(|(u, _)| *u == m.slack_id) {
            continue;
        }
        if on_shift(services, &m.slack_id, now).await? == Some(true) {
            on.push((m.slack_id.clone(), None));
        }
    }
    Ok(on)
}

/// The shift's briefing data (also what a check-in prompt counts).
async fn briefing(services: &Services, user: &str, already_on: bool) -> Result<Briefing> {
    let store = &services.store;
    let now = services.now_ms();
    let near_breach = super::sla::near_breach(services, BRIEFING_LIST as usize).await?;
    let mine = store.claims_of(user).await?;
    let end_of_day = {
        let tz = services.user_tz(user).await;
        let today = crate::clock::from_ms(now).with_timezone(&tz).date_naive();
        crate::domain::calendar::local_day_start(today + chrono::Duration::days(1), tz)
            .timestamp_millis()
    };
    let mut followups_due = Vec::new();
    for f in store.overdue_followups(end_of_day).await? {
        if let Some(t) = mine.iter().find(|t| t.id == f.ticket_id) {
            followups_due.push(t.clone());
        }
    }
    Ok(Briefing {
        already_on,
        unclaimed: store.unclaimed(BRIEFING_LIST).await?,
        unclaimed_count: store.unclaimed_count().await?,
        near_breach,
        mine,
        followups_due,
        directives: super::directives::unacknowledged(services, user)
            .await?
            .into_iter()
            .map(|d| d.text)
            .collect(),
        now_ms: now,
    })
}

/// `/cx on`.
pub async fn start(services: &Services, user: &str) -> Result<Briefing> {
    let now = services.now_ms();
    let started = services
        .store
        .start_shift(user, now, &[enqueue::fetch_user(user, now)])
        .await?;
    if started {
        services.wake_worker();
    }
    briefing(services, user, !started).await
}

/// The counts a check-in prompt shows.
pub async fn queue_counts(services: &Services, user: &str) -> Result<(i64, i64, i64)> {
    let b = briefing(services, user, true).await?;
    Ok((
        b.unclaimed_count,
        b.near_breach.len() as i64,
        b.followups_due.len() as i64,
    ))
}

/// `/cx off`.
pub async fn end(services: &Services, user: &str) -> Result<Handover> {
    let now = services.now_ms();
    let was_on = services.store.end_shift(user, now, &[]).await?;
    let claims = services.store.claims_of(user).await?;
    let on_shift = everyone_on(services, now)
        .await?
        .into_iter()
        .map(|(u, _)| u)
        .filter(|u| u != user)
        .map(|u| {
            let name = services
                .playbook
                .member(&u)
                .map_or_else(|| u.clone(), |m| m.name.clone());
            (u, name)
        })
        .collect();
    Ok(Handover {
        was_on,
        claims,
        on_shift,
        now_ms: now,
    })
}

/// `/cx who`.
pub async fn who(services: &Services) -> Result<Who> {
    let now = services.now_ms();
    let on = everyone_on(services, now).await?;
    let mut next: Vec<(String, i64)> = services
        .playbook
        .team
        .members
        .iter()
        .filter(|m| !on.iter().any(|(u, _)| *u == m.slack_id))
        .filter_map(|m| {
            let start = services.playbook.schedule(&m.slack_id)?.next_start(now)?;
            Some((m.slack_id.clone(), start))
        })
        .collect();
    next.sort_by_key(|(u, at)| (*at, u.clone()));
    Ok(Who { on, next })
}

/// A customer replied on a claimed ticket: the owner hears of it if they are on shift;
/// if they are off (or, with no schedule, idle past the claim lease) the queue channel
/// does, with when the owner is next on. (An unclaimed ticket's reply is posted for pickup
/// by intake.)
pub async fn reply_waiting(services: &Services, id: i64) -> Result<()> {
    let t = ticket(services, id).await?;
    let Some(owner) = t.claimed_by.clone() else {
        return Ok(());
    };
    if !t.is_open() {
        return Ok(());
    }
    let now = services.now_ms();
    let away = match on_shift(services, &owner, now).await? {
        Some(on) => !on,
        None => {
            let idle = now
                - t.claim
                    .last_activity_at
                    .or(t.claim.claimed_at)
                    .unwrap_or(now);
            idle > services.playbook.claims.lease_minutes * 60_000
        }
    };
    let key = Some(format!(
        "reply:{id}:{}",
        t.customer_replied_at.unwrap_or(now)
    ));
    let job = if away {
        let queue = services
            .playbook
            .channel("queue")
            .unwrap_or(&t.channel)
            .to_string();
        let next_shift = services
            .playbook
            .schedule(&owner)
            .and_then(|h| h.next_start(now));
        let notice = Notice::ReplyWhileAway {
            ticket: t.for_notice(),
            owner,
            next_shift,
        };
        enqueue::notice(
            To::Channel {
                channel: queue,
                key,
            },
            notice,
            now,
        )
    } else {
        let notice = Notice::ReplyForOwner {
            ticket: t.for_notice(),
        };
        enqueue::notice(To::Dm { user: owner, key }, notice, now)
    };
    services.store.enqueue(&[job], now).await?;
    services.wake_worker();
    Ok(())
}
