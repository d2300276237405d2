//! The daily event summary (issue 17, seed 000): once a day at `[summary] time`, the 24
//! hours before it, to `[summary] channel` (cx-only). The clock's sweep asks [`due`] every
//! slot; a day is recorded once (`summaries`, keyed by the local date) in the same write
//! as its messages, so replicas and restarts never post it twice, and a day missed while
//! cxbot was down is posted once when it is back, marked late. The figures are
//! `domain::summary::summarize`, a pure function over the stored rows.

use super::{Result, Services};
use crate::domain::notice::Notice;
use crate::domain::summary::{summarize, AuditEntry, Summary};
use crate::domain::ticket::Ticket;
use crate::jobs::enqueue::{self, To};
use chrono::{Duration, NaiveDate, TimeZone};
use std::collections::BTreeMap;

/// A summary more than this late is marked late.
const LATE_MS: i64 = 15 * 60_000;

/// The instant of `day`'s summary, in the team's time zone.
fn summary_at(services: &Services, day: NaiveDate) -> Option<i64> {
    let pb = &services.playbook;
    let at = pb.summary.at()?;
    pb.tz()
        .from_local_datetime(&day.and_time(at))
        .earliest()
        .map(|d| d.timestamp_millis())
}

/// Posts today's summary once its time has come, and yesterday's if it was missed while
/// cxbot was down (only when the day before that was posted: a new install does not
/// start with a late summary).
pub async fn due(services: &Services, now: i64) -> Result<()> {
    let today = crate::clock::from_ms(now)
        .with_timezone(&services.playbook.tz())
        .date_naive();
    let yesterday = today - Duration::days(1);
    let store = &services.store;
    for day in [yesterday, today] {
        let Some(at) = summary_at(services, day) else {
            continue;
        };
        if now < at || store.has_summary(&day.to_string()).await? {
            continue;
        }
        if day == yesterday
            && !store
                .has_summary(&(day - Duration::days(1)).to_string())
                .await?
        {
            continue;
        }
        post(services, day, at, now).await?;
    }
    Ok(())
}

/// Mondays at the first `[digest]` time: the 7 days before beside the 7 before those, to
/// the digest's channel, once (recorded under `weekly:<date>`; within the hour only).
pub async fn weekly_due(services: &Services, now: i64) -> Result<()> {
    use chrono::Datelike;
    let pb = &services.playbook;
    let tz = pb.tz();
    let local = crate::clock::from_ms(now).with_timezone(&tz);
    let (Some(first), chrono::Weekday::Mon) = (pb.digest.at().into_iter().min(), local.weekday())
    else {
        return Ok(());
    };
    let Some(at) = tz
        .from_local_datetime(&local.date_naive().and_time(first))
        .earliest()
        .map(|d| d.timestamp_millis())
    else {
        return Ok(());
    };
    let key = format!("weekly:{}", local.date_naive());
    if now < at || now - at > 3_600_000 || services.store.has_summary(&key).await? {
        return Ok(());
    }
    let Some(channel) = pb.channel(&pb.digest.channel).map(str::to_string) else {
        return Ok(());
    };
    const WEEK: i64 = 7 * 86_400_000;
    let this = Box::new(compute_between(services, at - WEEK, at).await?);
    let before = Box::new(compute_between(services, at - 2 * WEEK, at - WEEK).await?);
    let to = To::Channel {
        channel,
        key: Some(key.clone()),
    };
    let jobs = [enqueue::notice(to, Notice::Weekly { this, before }, now)];
    if services
        .store
        .record_summary(&key, now, false, &jobs)
        .await?
    {
        services.wake_worker();
    }
    Ok(())
}

/// The figures of the 24 hours before `to`.
pub async fn compute(services: &Services, to: i64) -> Result<Summary> {
    compute_between(services, to - 86_400_000, to).await
}

/// Which window `/cx stats` reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Today,
    Yesterday,
    Week,
}

/// `/cx stats [today|yesterday|week] [@agent]`: the summary's figures over the period
/// (team time zone), for one person when asked.
pub async fn stats(services: &Services, period: Period, agent: Option<&str>) -> Result<Summary> {
    let now = services.now_ms();
    let tz = services.playbook.tz();
    let today = crate::clock::from_ms(now).with_timezone(&tz).date_naive();
    let midnight =
        |d: NaiveDate| crate::domain::calendar::local_day_start(d, tz).timestamp_millis();
    // Up to and including this millisecond.
    let (from, to) = match period {
        Period::Today => (midnight(today), now + 1),
        Period::Yesterday => (midnight(today - Duration::days(1)), midnight(today)),
        Period::Week => (now + 1 - 7 * 86_400_000, now + 1),
    };
    let mut s = compute_between(services, from, to).await?;
    if let Some(a) = agent {
        s.agents.retain(|u, _| u == a);
    }
    Ok(s)
}

/// The figures of [from, to).
async fn compute_between(services: &Services, from: i64, to: i64) -> Result<Summary> {
    let store = &services.store;
    let received = store.tickets_created(from, to).await?;
    let audit: Vec<AuditEntry> = store
        .audit_between(from, to)
        .await?
        .into_iter()
        .map(|a| AuditEntry {
            ticket_id: a.ticket_id,
            action: a.action,
            actor: a.actor,
            target: a.target,
            detail: a.detail,
            at: a.at,
        })
        .collect();
    let mut tickets: BTreeMap<i64, Ticket> = received.iter().map(|t| (t.id, t.clone())).collect();
    for a in &audit {
        if !tickets.contains_key(&a.ticket_id) {
            if let Some(t) = store.ticket(a.ticket_id).await? {
                tickets.insert(t.id, t);
            }
        }
    }
    let mut s = summarize(from, to, &received, &audit, &tickets);
    s.timezone = services.playbook.team.timezone.clone();
    let day = crate::clock::from_ms(to - 1)
        .with_timezone(&services.playbook.tz())
        .date_naive()
        .to_string();
    for m in &services.playbook.team.members {
        let rows = store.checkins_of(&m.slack_id).await?;
        let of_day: Vec<_> = rows.iter().filter(|r| r.day == day).collect();
        if !of_day.is_empty() {
            let checked = of_day.iter().filter(|r| r.checked_at.is_some()).count() as i64;
            s.checkins
                .insert(m.slack_id.clone(), (of_day.len() as i64, checked));
        }
    }
    for d in super::directives::status(services).await? {
        if d.directive.tracks_acks() && !d.missing.is_empty() {
            s.directives_missing
                .push((d.directive.id, d.missing.len() as i64));
        }
    }
    s.fringe = super::home::fringe(services).await?.len() as i64;
    s.followups_overdue = store.overdue_followups(to).await?.len() as i64;
    Ok(s)
}

async fn post(services: &Services, day: NaiveDate, at: i64, now: i64) -> Result<bool> {
    let pb = &services.playbook;
    let Some(channel) = pb.channel(&pb.summary.channel).map(str::to_string) else {
        return Ok(false);
    };
    let mut summary = compute(services, at).await?;
    summary.late = now - at > LATE_MS;
    let key = format!("summary:{day}");
    let pages = summary.page_count();
    let summary = Box::new(summary);
    let mut jobs = Vec::with_capacity(pages);
    for page in 0..pages {
        let to = if page == 0 {
            To::Channel {
                channel: channel.clone(),
                key: Some(key.clone()),
            }
        } else {
            To::Reply {
                channel: channel.clone(),
                parent: key.clone(),
            }
        };
        let notice = Notice::DailySummary {
            summary: summary.clone(),
            page,
        };
        jobs.push(enqueue::notice(to, notice, now));
    }
    let fresh = services
        .store
        .record_summary(&day.to_string(), now, summary.late, &jobs)
        .await?;
    if fresh {
        services.wake_worker();
    }
    Ok(fresh)
}
