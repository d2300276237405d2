//! The follow-up reminder timer and a customer's new contact (seed 002).
//!
//! A reminder check that finds a step due sends one reminder (a catch-up after downtime is
//! one reminder, not one per missed day) at the start of the team's working hours on the
//! step's day, by DM to the owner, or to the queue channel when the owner is off shift or
//! there is none. A customer who calls or writes again restarts their running follow-ups
//! from day 1; a reply stops them.

use super::followup::{load, save};
use super::{Result, Services};
use crate::db::FollowupRow;
use crate::domain::cadence::{step_instructions, Contact, StopReason};
use crate::domain::calendar::{local_date, local_day_start};
use crate::domain::contact::{contact_actions, ContactInfo};
use crate::domain::notice::{CardLine, Notice, Whose};
use crate::jobs::enqueue::{self, To};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

/// When the reminder for a step whose day starts at `due_at` goes out: the start of the
/// team's working hours that day.
fn reminder_time(services: &Services, due_at: DateTime<Utc>) -> DateTime<Utc> {
    let tz = services.playbook.tz();
    let (start, _) = services.playbook.followups.hours().unwrap_or_default();
    let date = local_date(due_at, tz);
    let midnight = local_day_start(date, tz);
    let at = date
        .and_time(start)
        .and_local_timezone(tz)
        .earliest()
        .map_or(midnight, |t| t.with_timezone(&Utc));
    at.max(due_at)
}

/// Is `user` within working hours now, by their own time zone (from Slack) or the team's?
/// By their shift (`/cx on`, their schedule) when cxbot knows it, else by the team's
/// working hours in their own time zone.
async fn on_shift(services: &Services, user: &str, now: DateTime<Utc>) -> bool {
    if let Ok(Some(on)) = super::shifts::on_shift(services, user, now.timestamp_millis()).await {
        return on;
    }
    let tz: Tz = services.user_tz(user).await;
    let Some((start, end)) = services.playbook.followups.hours() else {
        return true;
    };
    let local = now.with_timezone(&tz).time();
    local >= start && local < end
}

/// The reminder job: send the due step's reminder once, then wait for the next step.
pub async fn remind(services: &Services, id: i64, rev: i64) -> Result<()> {
    let Some(t) = services.store.ticket(id).await? else {
        return Ok(());
    };
    let Ok(Some(l)) = load(services, &t).await else {
        return Ok(());
    };
    if l.row.rev != rev || l.row.active != 1 {
        return Ok(());
    }
    let tz = services.playbook.tz();
    let now = services.clock.now();
    let now_ms = now.timestamp_millis();
    if !t.is_open() {
        let mut run = l.run.clone();
        run.stop(StopReason::TicketSolved, now);
        return save(
            services,
            &t,
            Some(&l.row),
            &run,
            "cxbot",
            CardLine::FollowUpClosed {
                status: t.status.clone(),
            },
        )
        .await;
    }
    let next_check = |from_index: usize| {
        l.run
            .step_window(&l.cadence, tz, from_index)
            .map(|(_, due_at, _)| reminder_time(services, due_at).timestamp_millis())
    };
    let Some(due) = l.run.due(&l.cadence, tz, now) else {
        // Not due yet (or snoozed): look again when it will be.
        if let Some(at) = l.run.next_wakeup(&l.cadence, tz) {
            let at = reminder_time(services, at)
                .timestamp_millis()
                .max(now_ms + 1);
            services
                .store
                .enqueue(&[enqueue::followup_check(id, rev, at)], now_ms)
                .await?;
        }
        return Ok(());
    };
    let send_at = reminder_time(services, due.due_at);
    if now < send_at && l.run.snoozed_until.is_none_or(|s| s <= now) {
        services
            .store
            .enqueue(
                &[enqueue::followup_check(id, rev, send_at.timestamp_millis())],
                now_ms,
            )
            .await?;
        return Ok(());
    }
    if l.row.reminded_step == Some(due.index as i64) {
        // Already reminded: look again when the next step's day comes.
        if let Some(at) = next_check(due.index + 1) {
            services
                .store
                .enqueue(
                    &[enqueue::followup_check(id, rev, at.max(now_ms + 1))],
                    now_ms,
                )
                .await?;
        }
        return Ok(());
    }
    let owner = t.claimed_by.clone();
    let agent = match &owner {
        Some(u) => services
            .store
            .slack_user(u)
            .await?
            .map(|s| s.name)
            .unwrap_or_else(|| u.clone()),
        None => "your name".into(),
    };
    let contact = ContactInfo {
        email: t.customer_email.clone(),
        phone: t.customer_phone.clone(),
        order_id: t.customer_order_id.clone(),
        message_text: format!(
            "{} {}",
            t.subject.as_deref().unwrap_or_default(),
            t.message.as_deref().unwrap_or_default()
        ),
    };
    let instructions = step_instructions(&l.cadence, due.step, &agent, &contact_actions(&contact));
    let overdue = now >= due.overdue_at;
    let mut jobs = Vec::new();
    let dm_owner = match &owner {
        Some(u) => on_shift(services, u, now).await,
        None => false,
    };
    let key = Some(format!("followup:{id}:{rev}:{}", due.index));
    let (to, whose) = match (dm_owner, &owner) {
        (true, Some(u)) => (
            To::Dm {
                user: u.clone(),
                key,
            },
            None,
        ),
        _ => {
            let whose = match &owner {
                Some(u) => Whose::OffShift { owner: u.clone() },
                None => Whose::Unclaimed,
            };
            let queue = services
                .playbook
                .channel("queue")
                .unwrap_or(&t.channel)
                .to_string();
            (
                To::Channel {
                    channel: queue,
                    key,
                },
                Some(whose),
            )
        }
    };
    let reminder = Notice::FollowUpDue {
        ticket: t.for_notice(),
        instructions: instructions.clone(),
        rev,
        step: due.index,
        overdue,
        whose,
    };
    jobs.push(enqueue::notice(to, reminder, now_ms));
    jobs.push(enqueue::card_line(
        &t,
        CardLine::FollowUpDue { instructions },
        now_ms,
    ));
    if let Some(at) = next_check(due.index + 1) {
        jobs.push(enqueue::followup_check(id, rev, at.max(now_ms + 1)));
    }
    let row = FollowupRow {
        reminded_step: Some(due.index as i64),
        overdue_at: Some(due.overdue_at.timestamp_millis()),
        ..l.row.clone()
    };
    services
        .store
        .save_followup(&row, Some(rev), now_ms, &jobs)
        .await?;
    Ok(())
}

/// The customer wrote or called again (seed 002: restart from the beginning; a reply stops).
pub async fn on_contact(
    services: &Services,
    email: Option<&str>,
    phone_key: Option<&str>,
    contact: Contact,
    why: &str,
) -> Result<()> {
    let tickets = services
        .store
        .open_tickets_for_contact(email, phone_key)
        .await?;
    let now = services.clock.now();
    for t in tickets {
        let Ok(Some(mut l)) = load(services, &t).await else {
            continue;
        };
        if l.row.active != 1 {
            continue;
        }
        let line = match contact {
            Contact::Restart => {
                l.run.restart(local_date(now, services.playbook.tz()));
                CardLine::FollowUpRestarted {
                    why: why.to_string(),
                }
            }
            Contact::Replied => {
                l.run.stop(StopReason::CustomerReplied, now);
                CardLine::FollowUpAnswered {
                    why: why.to_string(),
                }
            }
        };
        save(services, &t, Some(&l.row), &l.run, "cxbot", line).await?;
    }
    Ok(())
}
