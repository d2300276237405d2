//! Auto-assignment (issue 21), off by default: with `[assignment] auto = "round_robin"`,
//! each new card of a kind it covers gets an `auto_assign` job from intake, which gives it
//! to the next person available, in team order after the one who had the last card:
//! the people on shift (`/cx on`, or inside their schedule), or the whole team when nobody
//! is on and no member has a schedule; anyone holding `[claims] max_open` open claims is
//! passed over. The rotation's position is a row in the database, moved in the same
//! transaction as the assignment (`QueueStore::auto_assign_ticket`), so replicas share
//! it and a restart keeps it. The assignment itself is the claim service's
//! ([`claim::assign_auto`](super::claim::assign_auto)): audited, reversible with Release.
//! Nobody available: the card stays in the queue, and `[unclaimed]` applies.

use super::claim::assign_auto;
use super::{Result, Services};
use crate::domain::queue::next_in_turn;
use std::collections::HashMap;

/// The rotation's name in `assignment_turns` (one rotation for the team).
const ROTATION: &str = "auto";

/// How often an assignment is tried again when another replica took the turn meanwhile.
const ATTEMPTS: usize = 5;

/// The people a new card may go to now, in the team's order (then anyone else on shift).
pub async fn available(services: &Services, now: i64) -> Result<Vec<String>> {
    let pb = &services.playbook;
    let mut on: Vec<String> = super::shifts::everyone_on(services, now)
        .await?
        .into_iter()
        .map(|(u, _)| u)
        .collect();
    if on.is_empty() && pb.team.members.iter().all(|m| m.schedule.is_empty()) {
        return Ok(pb.team.members.iter().map(|m| m.slack_id.clone()).collect());
    }
    let rank = |u: &String| {
        pb.team
            .members
            .iter()
            .position(|m| &m.slack_id == u)
            .unwrap_or(usize::MAX)
    };
    on.sort_by(|a, b| rank(a).cmp(&rank(b)).then_with(|| a.cmp(b)));
    Ok(on)
}

/// Gives new card `id` to the next person available; None when it went to nobody (the
/// switch is off for its kind, someone already has it or had it, or nobody is available).
pub async fn auto_assign(services: &Services, id: i64) -> Result<Option<String>> {
    let pb = &services.playbook;
    let store = &services.store;
    let limit = pb.claims.max_open;
    for _ in 0..ATTEMPTS {
        let Some(t) = store.ticket(id).await? else {
            return Ok(None);
        };
        // Claimed (or claimed and released) since intake: a person decided; leave it.
        let fresh = t.claimed_by.is_none() && t.claim.claim_seq == 0;
        if !fresh || !t.is_open() || t.answered || t.quiet || !pb.assignment.covers(&t.kind) {
            return Ok(None);
        }
        let now = services.now_ms();
        let people = available(services, now).await?;
        let mut open = HashMap::new();
        if limit > 0 {
            for p in &people {
                open.insert(p.clone(), store.claims_of(p).await?.len() as i64);
            }
        }
        let (last, turn) = store.assignment_turn(ROTATION).await?;
        let at_limit = |u: &str| limit > 0 && open.get(u).is_some_and(|n| *n >= limit);
        let Some(to) = next_in_turn(&people, last.as_deref(), at_limit) else {
            tracing::info!(
                ticket = id,
                "auto-assignment: nobody available; the card stays in the queue"
            );
            return Ok(None);
        };
        if assign_auto(services, &t, to, (ROTATION, turn), now).await? {
            return Ok(Some(to.to_string()));
        }
    }
    Ok(None)
}
