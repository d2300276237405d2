//! Follow-up cadences (seed 002): start, record attempts, stop, restart, remind.
//!
//! The cadence rules are pure (`domain::cadence`); this module stores a ticket's run, and
//! every change bumps the run's revision and schedules exactly one `SendFollowUpReminder`
//! carrying it. A reminder whose revision is stale does nothing; one that finds a step due
//! sends one reminder (a catch-up after downtime is one reminder, not one per missed day)
//! at the start of the team's working hours on the step's day, by DM to the owner, or to
//! the queue channel when the owner is off shift or there is none.

use super::cards::thread_line;
use super::claim::{ticket, Actor};
use super::{Error, Result, Services};
use crate::db::{FollowupRow, NewJob};
use crate::domain::ticket::Ticket;
use crate::domain::cadence::{
    choose_cadence, effective_cadence, step_instructions, Cadence, CadenceRun, MarkOutcome,
    StopReason,
};
use crate::domain::calendar::{local_date, local_day_start};
use crate::domain::contact::{contact_actions, ContactInfo};
use crate::jobs::followup_reminder::SendFollowUpReminder;
use crate::jobs::slack_call::SlackCall;
use crate::jobs::Job;
use crate::slack::commands::USAGE;
use crate::slack::views::claim::ticket_ref;
use crate::slack::views::followup::{self as views, step_value, OverdueLine};
use crate::slack::views::Reply;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;

fn followup_usage() -> String {
    USAGE
        .iter()
        .filter(|(u, _)| u.starts_with("/cx followup"))
        .map(|(u, _)| format!("`{u}`"))
        .collect::<Vec<_>>()
        .join("\n")
}

struct Loaded {
    row: FollowupRow,
    run: CadenceRun,
    cadence: Cadence,
}

async fn load(services: &Services, t: &Ticket) -> Result<Option<Loaded>> {
    let Some(row) = services.store.followup(t.id).await? else {
        return Ok(None);
    };
    let run: CadenceRun = serde_json::from_str(&row.run)
        .map_err(|e| Error::User(format!("stored follow-up unreadable: {e}")))?;
    let pb = &services.playbook;
    let Some(cadence) = effective_cadence(
        &pb.cadences,
        &pb.cadence_variants,
        &run.cadence,
        run.variant.as_ref(),
    ) else {
        return Err(Error::User(format!(
            "{}'s follow-up uses cadence \"{}\", which is no longer in the playbook. `/cx followup {} stop`, then start another.",
            ticket_ref(t),
            run.cadence,
            t.external_id
        )));
    };
    Ok(Some(Loaded { row, run, cadence }))
}

async fn load_active(services: &Services, t: &Ticket) -> Result<Loaded> {
    match load(services, t).await? {
        Some(l) if l.row.active == 1 => Ok(l),
        _ => Err(Error::User(format!(
            "No follow-up is running on {}. Start one with `/cx followup {}`.",
            ticket_ref(t),
            t.external_id
        ))),
    }
}

/// The next reminder for a run at revision `rev`, checked at `at` (now, or later).
fn reminder_job(ticket_id: i64, rev: i64, at: i64) -> NewJob {
    let mut job = SendFollowUpReminder { ticket_id, rev }.new_job(at);
    job.dedupe_key = Some(format!("followup:{ticket_id}:{rev}:{at}"));
    job
}

/// Saves a changed run (a new revision) with its thread line and the next reminder check.
async fn save(
    services: &Services,
    t: &Ticket,
    prev: Option<&FollowupRow>,
    run: &CadenceRun,
    by: &str,
    line: String,
) -> Result<()> {
    let now = services.now_ms();
    let rev = prev.map_or(1, |p| p.rev + 1);
    let row = FollowupRow {
        ticket_id: t.id,
        run: serde_json::to_string(run).expect("runs serialize"),
        rev,
        active: i64::from(!run.finished),
        reminded_step: None,
        overdue_at: None,
        started_by: prev.map_or_else(|| by.to_string(), |p| p.started_by.clone()),
        updated_at: now,
    };
    let mut jobs = vec![thread_line(t, line, now)];
    if !run.finished {
        jobs.push(reminder_job(t.id, rev, now));
    }
    if services
        .store
        .save_followup(&row, prev.map(|p| p.rev), now, &jobs)
        .await?
    {
        services.wake_worker();
        Ok(())
    } else {
        Err(Error::User(format!(
            "{}'s follow-up changed at the same moment; try again.",
            ticket_ref(t)
        )))
    }
}

pub async fn start(
    services: &Services,
    id: i64,
    actor: Actor<'_>,
    cadence: Option<&str>,
    from: Option<NaiveDate>,
) -> Result<Reply> {
    let t = ticket(services, id).await?;
    let pb = &services.playbook;
    let tz = pb.tz();
    let now = services.clock.now();
    if !t.is_open() {
        return Err(Error::User(format!(
            "{} is {}: there is no one to follow up.",
            ticket_ref(&t),
            t.status
        )));
    }
    let existing = load(services, &t).await.ok().flatten();
    if let Some(l) = existing.as_ref().filter(|l| l.row.active == 1) {
        return Err(Error::User(format!(
            "{} already has a follow-up running: {}. Use `/cx followup {} stop` first to start over.",
            ticket_ref(&t),
            l.run.status_line(&l.cadence, tz, now),
            t.external_id
        )));
    }
    let today = local_date(now, tz);
    let start_date = from.unwrap_or(today);
    if start_date > today {
        return Err(Error::User(format!(
            "`from {start_date}` is in the future: day 1 can be today or earlier.\n{}",
            followup_usage()
        )));
    }
    let text = format!(
        "{} {}",
        t.subject.as_deref().unwrap_or_default(),
        t.message.as_deref().unwrap_or_default()
    );
    let tags = t.tag_list();
    let chosen = choose_cadence(
        &tags,
        t.group_name.as_deref(),
        &text,
        &pb.cadences,
        &pb.cadence_variants,
    );
    let run = match cadence {
        None => chosen
            .ok_or_else(|| Error::User("The playbook has no default cadence.".into()))?
            .start(start_date),
        Some(name) => {
            let base = pb
                .cadences
                .iter()
                .find(|c| c.name.as_str().eq_ignore_ascii_case(name))
                .ok_or_else(|| {
                    Error::User(format!(
                        "`{name}` is not a cadence in the playbook (it has: {}).\n{}",
                        pb.cadence_names().join(", "),
                        followup_usage()
                    ))
                })?;
            // A special queue's variant still applies when it is a variant of this cadence.
            let variant = chosen
                .and_then(|c| c.variant)
                .filter(|v| v.base == base.name)
                .map(|v| v.name.clone());
            CadenceRun::start(base, variant, start_date)
        }
    };
    let effective = effective_cadence(
        &pb.cadences,
        &pb.cadence_variants,
        &run.cadence,
        run.variant.as_ref(),
    )
    .expect("chosen from the playbook");
    let line = format!(
        ":repeat: Follow-up started by <@{}>: {} cadence, day 1 = {start_date}",
        actor.user, run.cadence
    );
    save(
        services,
        &t,
        existing.as_ref().map(|l| &l.row),
        &run,
        actor.user,
        line,
    )
    .await?;
    Ok(Reply::text(format!(
        "Started: {}",
        run.status_line(&effective, tz, now)
    )))
}

/// `/cx followup <ticket>`: where the ticket is in its cadence; with no follow-up yet, it
/// starts the one the playbook picks for the ticket.
pub async fn status_or_start(services: &Services, id: i64, actor: Actor<'_>) -> Result<Reply> {
    let t = ticket(services, id).await?;
    match load(services, &t).await? {
        Some(l) => Ok(Reply::text(format!(
            "{}: {}",
            ticket_ref(&t),
            l.run
                .status_line(&l.cadence, services.playbook.tz(), services.clock.now())
        ))),
        None => start(services, id, actor, None, None).await,
    }
}

/// Records the due step's attempt. From a reminder button, `expect` is (rev, step) and a
/// stale reminder is refused.
pub async fn done(
    services: &Services,
    id: i64,
    actor: Actor<'_>,
    note: Option<&str>,
    expect: Option<(i64, usize)>,
) -> Result<Reply> {
    let t = ticket(services, id).await?;
    let mut l = load_active(services, &t).await?;
    let tz = services.playbook.tz();
    let now = services.clock.now();
    let index = l
        .run
        .due(&l.cadence, tz, now)
        .map_or(l.run.next_step, |d| d.index);
    if let Some((rev, step)) = expect {
        if rev != l.row.rev || step != index {
            return Err(Error::User(format!(
                "That reminder is out of date. `/cx followup {}` shows where the ticket is now.",
                t.external_id
            )));
        }
    }
    let step = l.cadence.steps.get(index).cloned();
    match l.run.mark_done(&l.cadence, index, now) {
        Ok(MarkOutcome::AlreadyDone) => {
            return Ok(Reply::text(format!(
                "That step of {} is already recorded.",
                ticket_ref(&t)
            )))
        }
        Ok(_) => {}
        Err(e) => return Err(Error::User(format!("{e}"))),
    }
    let implied = step
        .as_ref()
        .and_then(|s| s.note.as_ref())
        .map(|n| format!(" Internal note: {}", n.render(actor.user)));
    let extra = note.map(|n| format!(" ({n})")).unwrap_or_default();
    let day = step.as_ref().map_or(0, |s| s.day);
    let line = format!(
        ":white_check_mark: Day {day} follow-up done by <@{}>.{}{extra}",
        actor.user,
        implied.clone().unwrap_or_default()
    );
    let next = if l.run.finished {
        "The cadence is complete.".to_string()
    } else {
        l.run.status_line(&l.cadence, tz, now)
    };
    save(services, &t, Some(&l.row), &l.run, actor.user, line).await?;
    if t.claimed_by.is_some() {
        // A logged attempt is activity: the claim's lease starts again.
        services
            .store
            .renew_claim(t.id, t.claim.claim_seq, services.now_ms(), &[])
            .await?;
    }
    Ok(Reply::text(format!(
        "Recorded day {day} on {}.{} Next: {next}",
        ticket_ref(&t),
        implied.unwrap_or_default()
    )))
}

pub async fn stop(services: &Services, id: i64, actor: Actor<'_>, replied: bool) -> Result<Reply> {
    let t = ticket(services, id).await?;
    let mut l = load_active(services, &t).await?;
    let reason = if replied {
        StopReason::CustomerReplied
    } else {
        StopReason::Manual {
            by: actor.user.to_string(),
        }
    };
    l.run.stop(reason, services.clock.now());
    let line = if replied {
        format!(
            ":speech_balloon: The customer replied: follow-up stopped by <@{}>",
            actor.user
        )
    } else {
        format!(":no_entry_sign: Follow-up stopped by <@{}>", actor.user)
    };
    save(services, &t, Some(&l.row), &l.run, actor.user, line).await?;
    Ok(Reply::text(format!(
        "Stopped the follow-up on {}.",
        ticket_ref(&t)
    )))
}

pub async fn snooze(
    services: &Services,
    id: i64,
    actor: Actor<'_>,
    expect: (i64, usize),
) -> Result<Reply> {
    let t = ticket(services, id).await?;
    let mut l = load_active(services, &t).await?;
    if expect.0 != l.row.rev {
        return Err(Error::User(format!(
            "That reminder is out of date. `/cx followup {}` shows where the ticket is now.",
            t.external_id
        )));
    }
    let now = services.clock.now();
    l.run
        .snooze(now + Duration::hours(1), now)
        .map_err(|e| Error::User(e.to_string()))?;
    save(
        services,
        &t,
        Some(&l.row),
        &l.run,
        actor.user,
        format!(":zzz: Follow-up reminder snoozed 1 h by <@{}>", actor.user),
    )
    .await?;
    Ok(Reply::text(format!(
        "Snoozed {} for an hour.",
        ticket_ref(&t)
    )))
}

pub async fn overdue(services: &Services) -> Result<Reply> {
    let now = services.clock.now();
    let mut lines = Vec::new();
    for row in services
        .store
        .overdue_followups(now.timestamp_millis())
        .await?
    {
        let Some(t) = services.store.ticket(row.ticket_id).await? else {
            continue;
        };
        if let Ok(Some(l)) = load(services, &t).await {
            lines.push(OverdueLine {
                status: l.run.status_line(&l.cadence, services.playbook.tz(), now),
                ticket: t,
            });
        }
    }
    Ok(views::overdue(&lines))
}

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
async fn on_shift(services: &Services, user: &str, now: DateTime<Utc>) -> bool {
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
            format!(":lock: Ticket {}: follow-up stopped", t.status),
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
                .enqueue(&[reminder_job(id, rev, at)], now_ms)
                .await?;
        }
        return Ok(());
    };
    let send_at = reminder_time(services, due.due_at);
    if now < send_at && l.run.snoozed_until.is_none_or(|s| s <= now) {
        services
            .store
            .enqueue(&[reminder_job(id, rev, send_at.timestamp_millis())], now_ms)
            .await?;
        return Ok(());
    }
    if l.row.reminded_step == Some(due.index as i64) {
        // Already reminded: look again when the next step's day comes.
        if let Some(at) = next_check(due.index + 1) {
            services
                .store
                .enqueue(&[reminder_job(id, rev, at.max(now_ms + 1))], now_ms)
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
    let value = step_value(id, rev, due.index);
    let overdue = now >= due.overdue_at;
    let mut jobs = Vec::new();
    let dm_owner = match &owner {
        Some(u) => on_shift(services, u, now).await,
        None => false,
    };
    let key = Some(format!("followup:{id}:{rev}:{}", due.index));
    if let (true, Some(u)) = (dm_owner, &owner) {
        let r = views::reminder(&t, &instructions, &value, "", overdue);
        jobs.push(
            SlackCall::Dm {
                key,
                user: u.clone(),
                text: r.text,
                blocks: Some(r.blocks),
            }
            .new_job(now_ms),
        );
    } else {
        let whose = match &owner {
            Some(u) => format!("<@{u}> is off shift: whoever is on, please take this one."),
            None => "Nobody has claimed this ticket: whoever is on, please take it.".to_string(),
        };
        let queue = services
            .playbook
            .channel("queue")
            .unwrap_or(&t.channel)
            .to_string();
        let r = views::reminder(&t, &instructions, &value, &whose, overdue);
        jobs.push(
            SlackCall::Post {
                key,
                channel: queue,
                text: r.text,
                blocks: Some(r.blocks),
                thread: None,
            }
            .new_job(now_ms),
        );
    }
    jobs.push(thread_line(&t, format!(":date: {instructions}"), now_ms));
    if let Some(at) = next_check(due.index + 1) {
        jobs.push(reminder_job(id, rev, at.max(now_ms + 1)));
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

pub use crate::domain::cadence::Contact;

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
                format!(":repeat: Follow-up restarted from day 1: {why}")
            }
            Contact::Replied => {
                l.run.stop(StopReason::CustomerReplied, now);
                format!(":speech_balloon: Follow-up stopped: {why}")
            }
        };
        save(services, &t, Some(&l.row), &l.run, "cxbot", line).await?;
    }
    Ok(())
}
