//! The team's clock: every `[sla] sweep_seconds`, one `clock_sweep` job warns and breaches
//! the SLA clocks due (`service::sla`) and runs the shift routines (`service::checkins`).
//!
//! The sweep is a chain of jobs, one per time slot; the slot is its dedupe key, so
//! replicas and restarts never run a slot twice. [`arm`] queues the next slot at start,
//! and each run queues the one after it.

use super::{checkins, directives, sla, Result, Services};
use crate::jobs::enqueue;

fn every_ms(services: &Services) -> i64 {
    services.playbook.sla.sweep_seconds.max(1) * 1000
}

/// Queues the sweep for the next slot (a slot already queued is kept).
pub async fn arm(services: &Services) -> Result<()> {
    let now = services.now_ms();
    let every = every_ms(services);
    services
        .store
        .enqueue(
            &[enqueue::clock_sweep(now - now % every + every, every)],
            now,
        )
        .await?;
    Ok(())
}

/// One run: the next slot is queued first (so a run that fails, however often, never
/// stops the clock), then SLA warnings and breaches, check-ins, late starts, overstays.
pub async fn sweep(services: &Services) -> Result<()> {
    let now = services.now_ms();
    let every = every_ms(services);
    services
        .store
        .enqueue(
            &[enqueue::clock_sweep(now - now % every + every, every)],
            now,
        )
        .await?;
    sla::sweep(services, now).await?;
    checkins::sweep(services, now).await?;
    directives::remind(services, now).await?;
    Ok(())
}
