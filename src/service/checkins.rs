//! The shift side of the team's clock (seed 004), run by each sweep: the three daily
//! check-in prompts for everyone on shift (in their own time), the missed ones listed to
//! the leads once per window, scheduled people who have not said `/cx on` listed to the
//! leads once per window, and one "still on?" DM to someone well past their window.
//! Every one of these is recorded once by its key, so a repeated sweep says nothing twice.

use super::shifts::{everyone_on, queue_counts};
use super::{Result, Services};
use crate::db::{CheckinRow, NewJob};
use crate::domain::notice::Notice;
use crate::jobs::enqueue::{self, To};

/// Someone with no schedule who said `/cx on` is asked "still on?" (once) after this many
/// hours plus `[shifts] overstay_minutes`.
const FLEXIBLE_SHIFT_HOURS: i64 = 10;

/// One pass at `now`.
pub async fn sweep(services: &Services, now: i64) -> Result<()> {
    prompt(services, now).await?;
    missed(services, now).await?;
    late_starts(services, now).await?;
    still_on(services, now).await?;
    Ok(())
}

async fn prompt(services: &Services, now: i64) -> Result<()> {
    let pb = &services.playbook;
    if pb.shifts.checkins.is_empty() {
        return Ok(());
    }
    for (user, _) in everyone_on(services, now).await? {
        let schedule = pb.schedule(&user);
        let tz = match schedule.as_ref().and_then(|h| h.tz()) {
            Some(tz) => tz,
            None => services.user_tz(&user).await,
        };
        let shift_end = schedule
            .as_ref()
            .and_then(|h| h.window_at(now))
            .map(|w| w.1);
        for (name, day, closes_at) in pb.shifts.checkins_open(tz, now, shift_end) {
            let day = day.to_string();
            if services.store.has_checkin(&user, &day, &name).await? {
                continue;
            }
            let (unclaimed, near_breach, my_followups_due) = queue_counts(services, &user).await?;
            let directives = super::directives::unacknowledged(services, &user)
                .await?
                .len() as i64;
            let notice = Notice::CheckinPrompt {
                name: name.clone(),
                day: day.clone(),
                unclaimed,
                near_breach,
                my_followups_due,
                directives,
            };
            let to = To::Dm {
                user: user.clone(),
                key: Some(format!("checkin:{user}:{day}:{name}")),
            };
            let row = CheckinRow {
                user_id: user.clone(),
                day,
                name,
                prompted_at: now,
                closes_at,
                checked_at: None,
                missed_at: None,
            };
            if services
                .store
                .prompt_checkin(&row, &[enqueue::notice(to, notice, now)])
                .await?
            {
                services.wake_worker();
            }
        }
    }
    Ok(())
}

/// One leads message per missed window, listing everyone who missed it.
async fn missed(services: &Services, now: i64) -> Result<()> {
    let Some(leads) = services.playbook.channel("leads").map(str::to_string) else {
        return Ok(());
    };
    let jobs = move |rows: &[CheckinRow]| -> Vec<NewJob> {
        let mut windows: Vec<(String, String, Vec<String>)> = Vec::new();
        for r in rows {
            match windows
                .iter_mut()
                .find(|(n, d, _)| *n == r.name && *d == r.day)
            {
                Some(w) => w.2.push(r.user_id.clone()),
                None => windows.push((r.name.clone(), r.day.clone(), vec![r.user_id.clone()])),
            }
        }
        windows
            .into_iter()
            .map(|(name, day, users)| {
                let to = To::Channel {
                    channel: leads.clone(),
                    key: Some(format!("checkins-missed:{day}:{name}:{}", users.join(","))),
                };
                enqueue::notice(to, Notice::CheckinsMissed { name, day, users }, now)
            })
            .collect()
    };
    if !services
        .store
        .close_missed_checkins(now, &jobs)
        .await?
        .is_empty()
    {
        services.wake_worker();
    }
    Ok(())
}

/// Scheduled people inside their window, past the grace, who have not said `/cx on`.
async fn late_starts(services: &Services, now: i64) -> Result<()> {
    let pb = &services.playbook;
    let Some(leads) = pb.channel("leads").map(str::to_string) else {
        return Ok(());
    };
    let grace = pb.shifts.start_grace_minutes * 60_000;
    let mut late = Vec::new();
    for m in &pb.team.members {
        let Some((start, _)) = pb.schedule(&m.slack_id).and_then(|h| h.window_at(now)) else {
            continue;
        };
        if now < start + grace {
            continue;
        }
        let row = services.store.shift(&m.slack_id).await?;
        let said_since_start = row
            .as_ref()
            .is_some_and(|r| r.on_since.is_some() || r.off_at.is_some_and(|at| at >= start));
        if !said_since_start {
            late.push((m.slack_id.clone(), start));
        }
    }
    if late.is_empty() {
        return Ok(());
    }
    let jobs = move |fresh: &[(String, i64)]| -> Vec<NewJob> {
        let to = To::Channel {
            channel: leads.clone(),
            key: None,
        };
        vec![enqueue::notice(
            to,
            Notice::LateStarts {
                users: fresh.to_vec(),
            },
            now,
        )]
    };
    if !services
        .store
        .record_late(&late, now, &jobs)
        .await?
        .is_empty()
    {
        services.wake_worker();
    }
    Ok(())
}

/// One DM to someone still on `overstay_minutes` after the window they started in ended.
async fn still_on(services: &Services, now: i64) -> Result<()> {
    let pb = &services.playbook;
    let overstay = pb.shifts.overstay_minutes * 60_000;
    for row in services.store.shifts_on().await? {
        let Some(since) = row.on_since else { continue };
        if row.nudged_for == Some(since) {
            continue;
        }
        // The end of the window they started in (or, a little early, the one that opened
        // next); someone with no schedule is asked after FLEXIBLE_SHIFT_HOURS on.
        let end = match pb.schedule(&row.user_id) {
            Some(h) => {
                let window = h
                    .window_at(since)
                    .or_else(|| h.window_at(h.next_start(since)?));
                match window {
                    Some((_, end)) => end,
                    None => continue,
                }
            }
            None => since + FLEXIBLE_SHIFT_HOURS * 3_600_000,
        };
        if now < end + overstay {
            continue;
        }
        let to = To::Dm {
            user: row.user_id.clone(),
            key: Some(format!("still-on:{}:{since}", row.user_id)),
        };
        let job = enqueue::notice(to, Notice::StillOn { since }, now);
        if services
            .store
            .nudge_shift(&row.user_id, since, now, &[job])
            .await?
        {
            services.wake_worker();
        }
    }
    Ok(())
}

/// The prompt's Checked in button. False: already checked in, or the window closed.
pub async fn checked_in(services: &Services, user: &str, day: &str, name: &str) -> Result<bool> {
    Ok(services
        .store
        .check_in(user, day, name, services.now_ms())
        .await?)
}
