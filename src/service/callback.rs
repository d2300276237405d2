//! A missed call's callback (seed 000): recorded once with its notes in the card's thread,
//! so the team never calls the same person back twice.

use super::claim::{ticket, Actor};
use super::{refuse, Refusal, Result, Services};
use crate::db::Audit;
use crate::domain::notice::CardLine;
use crate::domain::ticket::Ticket;
use crate::jobs::enqueue;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallbackOutcome {
    Recorded {
        ticket: Box<Ticket>,
    },
    /// The write lost to a concurrent change that left the call still to return.
    TryAgain,
}

/// Refuses before the notes modal opens when the call was already returned.
pub async fn check_callable(services: &Services, id: i64) -> Result<Ticket> {
    let t = ticket(services, id).await?;
    if !t.is_missed_call() {
        return refuse(Refusal::NotAMissedCall {
            number: t.external_id,
        });
    }
    if let Some(by) = t.claim.called_back_by {
        return refuse(Refusal::AlreadyCalledBack {
            number: t.external_id,
            by,
        });
    }
    Ok(t)
}

pub async fn record(
    services: &Services,
    id: i64,
    actor: Actor<'_>,
    notes: &str,
) -> Result<CallbackOutcome> {
    let t = check_callable(services, id).await?;
    let now = services.now_ms();
    let notes = notes.trim();
    let audit = Audit {
        action: "called_back",
        actor: actor.user,
        target: None,
        source: actor.source,
        detail: Some(notes),
    };
    let line = CardLine::CalledBack {
        by: actor.user.to_string(),
        notes: notes.to_string(),
    };
    let mut jobs = vec![enqueue::card(&t, now), enqueue::card_line(&t, line, now)];
    let note = format!(
        "Called back by {}: {notes}",
        super::writeback::person_name(services, actor.user).await
    );
    jobs.extend(super::writeback::job(
        services,
        &t,
        crate::domain::writeback::WriteCause::Callback,
        format!("callback-{}-{now}", t.id),
        now,
        |w| w.note = Some(note),
    ));
    if services
        .store
        .record_callback(id, actor.user, now, &audit, &jobs)
        .await?
    {
        // Calling back is the team's response: the SLA clock is met.
        super::sla::meet(services, &t, now).await?;
        services.wake_worker();
        Ok(CallbackOutcome::Recorded {
            ticket: Box::new(t),
        })
    } else {
        check_callable(services, id)
            .await
            .map(|_| CallbackOutcome::TryAgain)
    }
}
