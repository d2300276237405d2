//! Unclaimed cards escalate on time (issue 21): a new card's due time is set at intake
//! from `[unclaimed]`'s wait for its kind ([`due_at`], counted in the hours of the SLA
//! policy that covers the ticket, from when the card was posted), and the team clock's
//! sweep (`service::clock`) reads the due ones through one indexed range and settles each
//! once: nobody holds the card then, so it is re-announced to the leads' channel (with
//! its buttons) and an `unclaimed_escalation` audit row counts it for the summaries; or
//! someone does (claimed or auto-assigned, and held at the time), so it is dropped.
//!
//! Once per ticket: the timer is armed only when a card is first posted and is cleared by
//! the write that settles it, guarded by its due time, so a second sweep, a replica or a
//! restart finds nothing to do (the message's key also posts it once). A release never
//! re-arms it: a card that was held and handed back has already been seen, is back in the
//! queue with a thread line, and stays in the digest's unclaimed count.

use super::sla::SlaRules;
use super::{Result, Services};
use crate::db::Audit;
use crate::domain::claim::Source;
use crate::domain::notice::Notice;
use crate::domain::queue::UnclaimedPolicy;
use crate::domain::ticket::Ticket;
use crate::jobs::enqueue::{self, To};

/// How many due timers one sweep run settles (the next run takes the rest).
const SWEEP_BATCH: i64 = 500;

/// When a card posted at `now` is re-announced if nobody holds it; None when its kind is
/// switched off (or it is not a card the queue works: marketing's, quiet, closed).
pub fn due_at(policy: &UnclaimedPolicy, sla: SlaRules<'_>, t: &Ticket, now: i64) -> Option<i64> {
    if !t.is_open() || t.quiet {
        return None;
    }
    let wait = policy.wait_ms(&t.kind)?;
    Some(sla.hours_of(t.sla.policy.as_deref()).add(now, wait))
}

/// Is the card still waiting for someone (as the queue counts it)?
fn waiting(t: &Ticket) -> bool {
    t.claimed_by.is_none()
        && t.is_open()
        && !t.answered
        && !t.quiet
        && t.kind != "marketing"
        && t.claim.unclaimed_told_at.is_none()
}

/// One sweep: every timer due by `now` is settled, re-announcing the cards nobody holds.
/// Answers how many were re-announced.
pub async fn sweep(services: &Services, now: i64) -> Result<usize> {
    let store = &services.store;
    let pb = &services.playbook;
    let channel = pb.resolve_channel(&pb.unclaimed.channel);
    let mut told = 0;
    for t in store.unclaimed_due(now, SWEEP_BATCH).await? {
        let Some(seen) = t.claim.unclaimed_due_at else {
            continue;
        };
        let Some(channel) = channel.clone().filter(|_| waiting(&t)) else {
            store.settle_unclaimed(t.id, seen, None, None, &[]).await?;
            continue;
        };
        let notice = Notice::Unclaimed {
            ticket: t.for_notice(),
            waited_ms: now - t.created_at,
        };
        let to = To::Channel {
            channel,
            key: Some(format!("unclaimed:{}", t.id)),
        };
        let audit = Audit {
            action: "unclaimed_escalation",
            actor: "cxbot",
            target: None,
            source: Source::Clock,
            detail: Some(&t.kind),
        };
        let jobs = [enqueue::notice(to, notice, now)];
        if store
            .settle_unclaimed(t.id, seen, Some(now), Some(&audit), &jobs)
            .await?
        {
            told += 1;
        }
    }
    if told > 0 {
        services.wake_worker();
    }
    Ok(told)
}
