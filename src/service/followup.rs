//! Follow-up cadences (seed 002): start, record attempts, stop, snooze, and the overdue
//! list; the reminder timer and a customer's new contact are in `service::reminder`.
//!
//! The cadence rules are pure (`domain::cadence`); this module stores a ticket's run, and
//! every change bumps the run's revision and schedules exactly one reminder check
//! carrying it. A check whose revision is stale does nothing.

use super::claim::{ticket, Actor};
use super::{refuse, Error, Refusal, Result, Services};
use crate::db::{FollowupRow, NewJob};
use crate::domain::cadence::{
    choose_cadence, effective_cadence, Cadence, CadenceRun, MarkOutcome, StopReason,
};
use crate::domain::calendar::local_date;
use crate::domain::notice::CardLine;
use crate::domain::ticket::Ticket;
use crate::domain::writeback::{Assignee, WriteCause};
use crate::jobs::enqueue;
use chrono::{Duration, NaiveDate};

pub use crate::domain::cadence::Contact;

/// What a follow-up command or button did (a refusal is an `Error::Refused`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FollowUpOutcome {
    /// `status` is the run's status line ("day 1 of 6, next: ...").
    Started {
        status: String,
    },
    Status {
        number: String,
        status: String,
    },
    Recorded {
        number: String,
        day: u32,
        /// The step's internal note, as the agent should write it in the helpdesk.
        note: Option<String>,
        /// The run's status line; None when the cadence is complete.
        next: Option<String>,
    },
    AlreadyRecorded {
        number: String,
    },
    Stopped {
        number: String,
    },
    Snoozed {
        number: String,
    },
}

/// One line of `/cx followup overdue`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverdueLine {
    pub ticket: Ticket,
    pub status: String,
}

pub(super) struct Loaded {
    pub row: FollowupRow,
    pub run: CadenceRun,
    pub cadence: Cadence,
}

pub(super) async fn load(services: &Services, t: &Ticket) -> Result<Option<Loaded>> {
    let Some(row) = services.store.followup(t.id).await? else {
        return Ok(None);
    };
    let run: CadenceRun = serde_json::from_str(&row.run)
        .map_err(|e| Error::Refused(Refusal::Said(format!("stored follow-up unreadable: {e}"))))?;
    let pb = &services.playbook;
    let Some(cadence) = effective_cadence(
        &pb.cadences,
        &pb.cadence_variants,
        &run.cadence,
        run.variant.as_ref(),
    ) else {
        return refuse(Refusal::CadenceGone {
            number: t.external_id.clone(),
            cadence: run.cadence.to_string(),
        });
    };
    Ok(Some(Loaded { row, run, cadence }))
}

async fn load_active(services: &Services, t: &Ticket) -> Result<Loaded> {
    match load(services, t).await? {
        Some(l) if l.row.active == 1 => Ok(l),
        _ => refuse(Refusal::NoFollowUp {
            number: t.external_id.clone(),
        }),
    }
}

/// Saves a changed run (a new revision) with its thread line and the next reminder check,
/// in one write.
pub(super) async fn save(
    services: &Services,
    t: &Ticket,
    prev: Option<&FollowupRow>,
    run: &CadenceRun,
    by: &str,
    line: CardLine,
) -> Result<()> {
    save_with(services, t, prev, run, by, line, None).await
}

/// [`save`] with one more job in the same transaction (a step's write-back).
async fn save_with(
    services: &Services,
    t: &Ticket,
    prev: Option<&FollowupRow>,
    run: &CadenceRun,
    by: &str,
    line: CardLine,
    extra: Option<NewJob>,
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
    let mut jobs: Vec<NewJob> = vec![enqueue::card_line(t, line, now)];
    if !run.finished {
        jobs.push(enqueue::followup_check(t.id, rev, now));
    }
    jobs.extend(extra);
    if services
        .store
        .save_followup(&row, prev.map(|p| p.rev), now, &jobs)
        .await?
    {
        services.wake_worker();
        Ok(())
    } else {
        refuse(Refusal::FollowUpRaced {
            number: t.external_id.clone(),
        })
    }
}

pub async fn start(
    services: &Services,
    id: i64,
    actor: Actor<'_>,
    cadence: Option<&str>,
    from: Option<NaiveDate>,
) -> Result<FollowUpOutcome> {
    let t = ticket(services, id).await?;
    let pb = &services.playbook;
    let tz = pb.tz();
    let now = services.clock.now();
    if !t.is_open() {
        return refuse(Refusal::NoOneToFollowUp {
            number: t.external_id,
            status: t.status,
        });
    }
    let existing = load(services, &t).await.ok().flatten();
    if let Some(l) = existing.as_ref().filter(|l| l.row.active == 1) {
        return refuse(Refusal::FollowUpRunning {
            number: t.external_id,
            status: l.run.status_line(&l.cadence, tz, now),
        });
    }
    let today = local_date(now, tz);
    let start_date = from.unwrap_or(today);
    if start_date > today {
        return refuse(Refusal::StartInFuture { date: start_date });
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
            .ok_or(Error::Refused(Refusal::NoDefaultCadence))?
            .start(start_date),
        Some(name) => {
            let base = pb
                .cadences
                .iter()
                .find(|c| c.name.as_str().eq_ignore_ascii_case(name))
                .ok_or_else(|| {
                    Error::Refused(Refusal::UnknownCadence {
                        name: name.to_string(),
                        known: pb.cadence_names(),
                    })
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
    let line = CardLine::FollowUpStarted {
        by: actor.user.to_string(),
        cadence: run.cadence.to_string(),
        day_one: start_date,
    };
    let prev = existing.as_ref().map(|l| &l.row);
    save(services, &t, prev, &run, actor.user, line).await?;
    Ok(FollowUpOutcome::Started {
        status: run.status_line(&effective, tz, now),
    })
}

/// `/cx followup <ticket>`: where the ticket is in its cadence; with no follow-up yet, it
/// starts the one the playbook picks for the ticket.
pub async fn status_or_start(
    services: &Services,
    id: i64,
    actor: Actor<'_>,
) -> Result<FollowUpOutcome> {
    let t = ticket(services, id).await?;
    match load(services, &t).await? {
        Some(l) => Ok(FollowUpOutcome::Status {
            status: l
                .run
                .status_line(&l.cadence, services.playbook.tz(), services.clock.now()),
            number: t.external_id,
        }),
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
) -> Result<FollowUpOutcome> {
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
            return refuse(Refusal::StaleReminder {
                number: t.external_id,
            });
        }
    }
    let step = l.cadence.steps.get(index).cloned();
    match l.run.mark_done(&l.cadence, index, now) {
        Ok(MarkOutcome::AlreadyDone) => {
            return Ok(FollowUpOutcome::AlreadyRecorded {
                number: t.external_id,
            })
        }
        Ok(_) => {}
        Err(e) => return refuse(Refusal::Said(e.to_string())),
    }
    let implied = step
        .as_ref()
        .and_then(|s| s.note.as_ref())
        .map(|n| n.render(actor.user));
    let day = step.as_ref().map_or(0, |s| s.day);
    let line = CardLine::FollowUpDone {
        by: actor.user.to_string(),
        day,
        note: implied.clone(),
        extra: note.map(str::to_string),
    };
    let next = (!l.run.finished).then(|| l.run.status_line(&l.cadence, tz, now));
    let write = match &step {
        Some(s) => {
            let name = super::writeback::person_name(services, actor.user).await;
            let helpdesk_note = s.note.as_ref().map(|n| n.render(&name));
            let note = match (helpdesk_note, note.map(str::trim).filter(|n| !n.is_empty())) {
                (Some(n), Some(extra)) => Some(format!("{n}\n{extra}")),
                (n, None) => n,
                (None, Some(extra)) => Some(extra.to_string()),
            };
            let assignee = s
                .assignee
                .as_ref()
                .filter(|_| s.action.is_final())
                .map(|a| Assignee::Named(a.render(&name)));
            super::writeback::job(
                services,
                &t,
                WriteCause::FollowUp,
                format!("followup-{}-{}", t.id, l.row.rev + 1),
                services.now_ms(),
                |w| {
                    w.note = note;
                    w.status = s.set_status;
                    w.assignee = assignee;
                },
            )
        }
        None => None,
    };
    save_with(services, &t, Some(&l.row), &l.run, actor.user, line, write).await?;
    // For the summary's figures: who logged which step, and whether it closed or escalated.
    let kind = match step.as_ref().map(|s| s.action) {
        Some(crate::domain::cadence::StepAction::Close) => "close",
        Some(crate::domain::cadence::StepAction::Escalate) => "escalate",
        _ => "attempt",
    };
    services
        .store
        .record_audit(
            t.id,
            &crate::db::Audit {
                action: "followup_done",
                actor: actor.user,
                target: None,
                source: actor.source,
                detail: Some(kind),
            },
            services.now_ms(),
        )
        .await?;
    // A logged attempt is the agent's response: the SLA clock is met.
    super::sla::meet(services, &t, services.now_ms()).await?;
    if t.claimed_by.is_some() {
        // A logged attempt is activity: the claim's lease starts again.
        services
            .store
            .renew_claim(t.id, t.claim.claim_seq, services.now_ms(), &[])
            .await?;
    }
    Ok(FollowUpOutcome::Recorded {
        number: t.external_id,
        day,
        note: implied,
        next,
    })
}

pub async fn stop(
    services: &Services,
    id: i64,
    actor: Actor<'_>,
    replied: bool,
) -> Result<FollowUpOutcome> {
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
    let line = CardLine::FollowUpStopped {
        by: actor.user.to_string(),
        customer_replied: replied,
    };
    save(services, &t, Some(&l.row), &l.run, actor.user, line).await?;
    Ok(FollowUpOutcome::Stopped {
        number: t.external_id,
    })
}

pub async fn snooze(
    services: &Services,
    id: i64,
    actor: Actor<'_>,
    expect: (i64, usize),
) -> Result<FollowUpOutcome> {
    let t = ticket(services, id).await?;
    let mut l = load_active(services, &t).await?;
    if expect.0 != l.row.rev {
        return refuse(Refusal::StaleReminder {
            number: t.external_id,
        });
    }
    let now = services.clock.now();
    l.run
        .snooze(now + Duration::hours(1), now)
        .map_err(|e| Error::Refused(Refusal::Said(e.to_string())))?;
    let line = CardLine::FollowUpSnoozed {
        by: actor.user.to_string(),
    };
    save(services, &t, Some(&l.row), &l.run, actor.user, line).await?;
    Ok(FollowUpOutcome::Snoozed {
        number: t.external_id,
    })
}

pub async fn overdue(services: &Services) -> Result<Vec<OverdueLine>> {
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
    Ok(lines)
}
