//! The team's clock: every `[sla] sweep_seconds`, one `clock_sweep` job warns and breaches
//! the SLA clocks due (`service::sla`), re-announces cards left unclaimed past their time
//! (`service::unclaimed`), runs the shift routines (`service::checkins`) and
//! reminds unacknowledged directives (`service::directives`).
//!
//! The sweep is a chain of jobs, one per time slot; the slot is its dedupe key, so
//! replicas and restarts never run a slot twice. [`arm`] queues the next slot at start,
//! and each run queues the one after it.

use super::{checkins, digest, directives, sla, summary, unclaimed, Result, Services};
use crate::jobs::enqueue;

/// Queues the sweep of the slot after `now`'s (a slot already queued is kept).
async fn queue_next(services: &Services, now: i64) -> Result<()> {
    let every = services.playbook.sla.sweep_seconds.max(1) * 1000;
    services
        .store
        .enqueue(
            &[enqueue::clock_sweep(now - now % every + every, every)],
            now,
        )
        .await?;
    Ok(())
}

/// Queues the sweep for the next slot, at start.
pub async fn arm(services: &Services) -> Result<()> {
    queue_next(services, services.now_ms()).await
}

/// One run: the next slot is queued first (so a run that fails, however often, never
/// stops the clock), then SLA warnings and breaches, check-ins, late starts, overstays and
/// directive reminders.
pub async fn sweep(services: &Services) -> Result<()> {
    let now = services.now_ms();
    queue_next(services, now).await?;
    sla::sweep(services, now).await?;
    unclaimed::sweep(services, now).await?;
    checkins::sweep(services, now).await?;
    directives::remind(services, now).await?;
    summary::due(services, now).await?;
    digest::due(services, now).await?;
    summary::weekly_due(services, now).await?;
    Ok(())
}
