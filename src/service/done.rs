//! Marking a ticket done from Slack (✅ on its card). cxbot resolves tickets only where it
//! writes back (`service::writeback`: the helpdesk's API credentials and the playbook's
//! `write_done`): the ticket is solved in cxbot and its card re-rendered in the same
//! transaction as the helpdesk write that resolves it there. Elsewhere ✅ is refused with
//! what to do instead (resolve it in the helpdesk; its webhook updates the card), so cxbot
//! never shows a ticket solved that the helpdesk still has open.

use super::claim::{ticket, Actor};
use super::writeback;
use super::{refuse, Refusal, Result, Services};
use crate::db::Audit;
use crate::domain::cadence::TicketStatus;
use crate::domain::notice::CardLine;
use crate::domain::ticket::Ticket;
use crate::domain::writeback::WriteCause;
use crate::jobs::enqueue;

pub async fn mark_done(services: &Services, id: i64, actor: Actor<'_>) -> Result<Ticket> {
    let now = services.now_ms();
    let t = ticket(services, id).await?;
    if !t.is_open() {
        return refuse(Refusal::AlreadyDone {
            number: t.external_id,
            status: t.status,
        });
    }
    let helpdesk = writeback::display_name(&t.helpdesk);
    let Some(write) = writeback::job(
        services,
        &t,
        WriteCause::Done,
        format!("done-{}-{now}", t.id),
        now,
        |w| w.status = Some(TicketStatus::Solved),
    ) else {
        return refuse(Refusal::DoneInHelpdesk {
            number: t.external_id,
            helpdesk,
        });
    };
    let audit = Audit {
        action: "done",
        actor: actor.user,
        target: None,
        source: actor.source,
        detail: None,
    };
    let line = CardLine::MarkedDone {
        by: actor.user.to_string(),
        helpdesk,
    };
    let mut jobs = vec![enqueue::card(&t, now), enqueue::card_line(&t, line, now)];
    if let Some(owner) = t.claimed_by.as_deref() {
        jobs.push(enqueue::home_changed(owner, now));
    }
    jobs.push(write);
    if services
        .store
        .mark_ticket_done(id, now, &audit, &jobs)
        .await?
    {
        services.wake_worker();
        return Ok(t);
    }
    // Someone else's ✅ (or the helpdesk) solved it first.
    let t = ticket(services, id).await?;
    refuse(Refusal::AlreadyDone {
        number: t.external_id,
        status: t.status,
    })
}
