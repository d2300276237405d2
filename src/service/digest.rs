//! The leads' digest (issue 17): what needs the leads now, posted to the leads channel at
//! `[digest] times` (once per time, across replicas: recorded in `summaries` under
//! `digest:<date> <time>`; a time missed by more than an hour is skipped, since a digest
//! is a snapshot), shown on demand by `/cx digest`, posted by a lead with `/cx digest now`.

use super::{refuse, Refusal, Result, Services};
use crate::domain::notice::Notice;
use crate::domain::summary::{age_buckets, Digest, DIGEST_LIST};
use crate::jobs::enqueue::{self, To};
use chrono::TimeZone;

/// A digest time is skipped when cxbot comes back more than this after it.
const STALE_MS: i64 = 3_600_000;

/// The digest as of now.
pub async fn build(services: &Services) -> Result<Digest> {
    let store = &services.store;
    let now = services.now_ms();
    let unclaimed = store.unclaimed(1_000).await?;
    let opened: Vec<i64> = unclaimed.iter().map(|t| t.opened_at).collect();
    let near_breach = super::sla::near_breach(services, DIGEST_LIST)
        .await?
        .into_iter()
        .map(|t| *t.for_notice())
        .collect();
    let mut overdue_followups = Vec::new();
    for f in store
        .overdue_followups(now)
        .await?
        .into_iter()
        .take(DIGEST_LIST)
    {
        if let Some(t) = store.ticket(f.ticket_id).await? {
            overdue_followups.push(*t.for_notice());
        }
    }
    let lease = services.playbook.claims.lease_minutes * 60_000;
    let mut idle_claims = Vec::new();
    for m in &services.playbook.team.members {
        for t in store.claims_of(&m.slack_id).await? {
            let last = t
                .claim
                .last_activity_at
                .or(t.claim.claimed_at)
                .unwrap_or(now);
            if now - last > lease && idle_claims.len() < DIGEST_LIST {
                idle_claims.push(*t.for_notice());
            }
        }
    }
    let on_shift = super::shifts::everyone_on(services, now)
        .await?
        .into_iter()
        .map(|(u, _)| u)
        .collect();
    Ok(Digest {
        at: now,
        unclaimed_by_age: age_buckets(&opened, now),
        near_breach,
        overdue_followups,
        idle_claims,
        on_shift,
        unclaimed_past_time: store.unclaimed_told_count().await?,
    })
}

/// Posts the digest to the leads channel; `key` makes it once.
async fn post(services: &Services, key: Option<&str>) -> Result<bool> {
    let pb = &services.playbook;
    let Some(channel) = pb.channel(&pb.digest.channel).map(str::to_string) else {
        return Ok(false);
    };
    let now = services.now_ms();
    let digest = Box::new(build(services).await?);
    let to = To::Channel {
        channel,
        key: key.map(str::to_string),
    };
    let jobs = [enqueue::notice(to, Notice::Digest { digest }, now)];
    let fresh = match key {
        Some(k) => services.store.record_summary(k, now, false, &jobs).await?,
        None => {
            services.store.enqueue(&jobs, now).await?;
            true
        }
    };
    if fresh {
        services.wake_worker();
    }
    Ok(fresh)
}

/// `/cx digest now` (leads).
pub async fn post_now(services: &Services, user: &str) -> Result<()> {
    if !services.playbook.is_lead(user) {
        return refuse(Refusal::Said(
            "Only a lead can post the digest to the leads channel; `/cx digest` shows it to you."
                .into(),
        ));
    }
    post(services, None).await?;
    Ok(())
}

/// The clock: each of today's digest times that has come (within the hour), once.
pub async fn due(services: &Services, now: i64) -> Result<()> {
    let pb = &services.playbook;
    let tz = pb.tz();
    let today = crate::clock::from_ms(now).with_timezone(&tz).date_naive();
    for t in pb.digest.at() {
        let Some(at) = tz
            .from_local_datetime(&today.and_time(t))
            .earliest()
            .map(|d| d.timestamp_millis())
        else {
            continue;
        };
        if now < at || now - at > STALE_MS {
            continue;
        }
        let key = format!("digest:{today} {}", t.format("%H:%M"));
        if services.store.has_summary(&key).await? {
            continue;
        }
        post(services, Some(&key)).await?;
    }
    Ok(())
}
