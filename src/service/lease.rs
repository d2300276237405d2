//! The claim lease: the timer's check-in DM to an idle owner, their Keep or Release, and
//! the release of a claim nobody answered for (`domain::claim` has the rules).

use super::claim::{lease_timer, owner_jobs, release, ticket, Actor, ClaimOutcome};
use super::{refuse, Refusal, Result, Services};
use crate::db::Audit;
use crate::domain::claim::{lease_step, LeaseState, LeaseStep, Source};
use crate::domain::notice::{CardLine, Notice};
use crate::jobs::enqueue::{self, To};

/// The key the check-in DM is recorded under, so Keep can replace it.
pub fn lease_dm_key(id: i64, seq: i64, asked_at: i64) -> String {
    format!("lease:{id}:{seq}:{asked_at}")
}

/// The check-in DM's Keep: the owner is still on it.
pub async fn keep(
    services: &Services,
    id: i64,
    seq: i64,
    actor: Actor<'_>,
) -> Result<ClaimOutcome> {
    let now = services.now_ms();
    let t = ticket(services, id).await?;
    if t.claimed_by.as_deref() != Some(actor.user) || t.claim.claim_seq != seq {
        return refuse(Refusal::CheckInOutOfDate {
            number: t.external_id,
            yours: true,
        });
    }
    let mut jobs = vec![lease_timer(services, &t, seq, now)];
    if let Some(asked) = t.claim.lease_asked_at {
        let kept = Notice::LeaseKept {
            ticket: t.for_notice(),
            lease_minutes: services.playbook.claims.lease_minutes,
        };
        let to = To::Update {
            key: lease_dm_key(id, seq, asked),
        };
        jobs.push(enqueue::notice(to, kept, now));
    }
    services.store.renew_claim(id, seq, now, &jobs).await?;
    services.wake_worker();
    Ok(ClaimOutcome::Kept { ticket: t })
}

/// The check-in DM's Release: like `release`, but only for the claim the DM was about.
pub async fn release_from_lease(
    services: &Services,
    id: i64,
    seq: i64,
    actor: Actor<'_>,
) -> Result<ClaimOutcome> {
    let t = ticket(services, id).await?;
    if t.claim.claim_seq != seq || t.claimed_by.is_none() {
        return refuse(Refusal::CheckInOutOfDate {
            number: t.external_id,
            yours: false,
        });
    }
    release(services, id, actor).await
}

/// The lease timer: ask the idle owner, or release a claim nobody answered for.
pub async fn check_lease(services: &Services, id: i64, seq: i64) -> Result<()> {
    let Some(t) = services.store.ticket(id).await? else {
        return Ok(());
    };
    if !t.is_open() {
        return Ok(());
    }
    let now = services.clock.now();
    let now_ms = now.timestamp_millis();
    let policy = &services.playbook.claims;
    // A ticket on a running follow-up cadence is waiting on the customer by design: its
    // claim is not idle, so the lease is held (checked again one lease period later).
    if t.claimed_by.is_some() && t.claim.claim_seq == seq {
        if let Some(f) = services.store.followup(id).await? {
            if f.active == 1 {
                let at = policy.check_at(now).timestamp_millis();
                services
                    .store
                    .renew_claim(id, seq, now_ms, &[enqueue::lease_check(id, seq, at)])
                    .await?;
                return Ok(());
            }
        }
    }
    let state = LeaseState {
        claimed: t.claimed_by.is_some(),
        claim_seq: t.claim.claim_seq,
        last_activity: crate::clock::from_ms(
            t.claim
                .last_activity_at
                .or(t.claim.claimed_at)
                .unwrap_or(now_ms),
        ),
        asked_at: t.claim.lease_asked_at.map(crate::clock::from_ms),
    };
    let step = lease_step(policy, &state, seq, now);
    // The lease counts shift time: an owner who is off shift is not asked, and their claim
    // does not lapse, until they are back (the lease starts again at their next shift).
    if matches!(step, LeaseStep::Ask | LeaseStep::Expire) {
        let owner = t.claimed_by.clone().unwrap_or_default();
        if super::shifts::on_shift(services, &owner, now_ms).await? == Some(false) {
            let back = services
                .playbook
                .schedule(&owner)
                .and_then(|h| h.next_start(now_ms))
                // Flexible hours, off by /cx off: look again in one lease period.
                .unwrap_or(now_ms);
            let at = policy
                .check_at(crate::clock::from_ms(back))
                .timestamp_millis();
            services
                .store
                .renew_claim(id, seq, back, &[enqueue::lease_check(id, seq, at)])
                .await?;
            return Ok(());
        }
    }
    match step {
        LeaseStep::Stale => Ok(()),
        LeaseStep::NotYet(at) => {
            services
                .store
                .enqueue(
                    &[enqueue::lease_check(id, seq, at.timestamp_millis())],
                    now_ms,
                )
                .await?;
            Ok(())
        }
        LeaseStep::Ask => {
            let owner = t.claimed_by.clone().unwrap_or_default();
            let ask = Notice::LeaseAsk {
                idle_minutes: (now - state.last_activity).num_minutes(),
                grace_minutes: policy.grace_minutes,
                seq,
                ticket: t.for_notice(),
            };
            let to = To::Dm {
                user: owner,
                key: Some(lease_dm_key(id, seq, now_ms)),
            };
            let jobs = vec![
                enqueue::notice(to, ask, now_ms),
                enqueue::lease_check(id, seq, policy.expire_at(now).timestamp_millis()),
            ];
            services
                .store
                .mark_lease_asked(id, seq, now_ms, &jobs)
                .await?;
            Ok(())
        }
        LeaseStep::Expire => {
            let owner = t.claimed_by.clone().unwrap_or_default();
            let audit = Audit {
                action: "lease_expired",
                actor: &owner,
                target: Some(&owner),
                source: Source::LeaseExpiry,
                detail: None,
            };
            let line = CardLine::LeaseExpired {
                owner: owner.clone(),
            };
            let mut jobs = owner_jobs(&t, line, &[&owner], now_ms);
            jobs.extend(super::claim::assignee_write(
                services, &t, None, seq, now_ms,
            ));
            services
                .store
                .release_ticket(id, seq, now_ms, &audit, &jobs)
                .await?;
            Ok(())
        }
    }
}
