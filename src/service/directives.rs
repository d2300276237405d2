//! Directives (seed 000): a lead posts an instruction to cx-only, each member of the
//! playbook's team acknowledges it once, the message counts them in place; `--all` posts a
//! general update to the broader channel, untracked. Unacknowledged live directives are in
//! the `/cx on` briefing, and a reminder DM goes to each member who has not acknowledged,
//! once a day from the day after it was posted, while they are on shift.

use super::claim::Actor;
use super::{refuse, Refusal, Result, Services};
use crate::db::NewDirective;
use crate::domain::directive::{missing, Directive};
use crate::domain::notice::Notice;
use crate::jobs::enqueue::{self, To};
use chrono::NaiveDate;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DirectiveOutcome {
    Posted {
        id: i64,
        channel: String,
        team: bool,
    },
    Acknowledged {
        id: i64,
        acked: i64,
        of: i64,
    },
    Ended {
        id: i64,
    },
}

/// One live directive and who has not acknowledged it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectiveStatus {
    pub directive: Directive,
    pub acked: usize,
    pub missing: Vec<String>,
}

fn team(services: &Services) -> Vec<String> {
    services
        .playbook
        .team
        .members
        .iter()
        .map(|m| m.slack_id.clone())
        .collect()
}

fn message_key(id: i64) -> String {
    format!("directive:{id}")
}

fn message(d: &Directive, acked: i64, of: i64, ended: bool) -> Notice {
    Notice::Directive {
        id: d.id,
        author: d.author.clone(),
        text: d.text.clone(),
        team: d.tracks_acks(),
        acked,
        of,
        ended,
    }
}

/// `/cx directive [--all] [--until DATE] <text>` (leads).
pub async fn post(
    services: &Services,
    actor: Actor<'_>,
    text: &str,
    until: Option<NaiveDate>,
    all: bool,
) -> Result<DirectiveOutcome> {
    let pb = &services.playbook;
    if !pb.is_lead(actor.user) {
        return refuse(Refusal::LeadsOnlyDirective);
    }
    let text = text.trim();
    if text.is_empty() {
        return refuse(Refusal::EmptyDirective);
    }
    let key = if all {
        "customer_experience"
    } else {
        "cx_only"
    };
    let Some(channel) = pb.channel(key).map(str::to_string) else {
        return refuse(Refusal::Said(format!(
            "The playbook has no `{key}` channel in [channels]."
        )));
    };
    let now = services.now_ms();
    // --until 2026-12-01: live through that day in the team's time zone.
    let until_at = until.map(|d| {
        crate::domain::calendar::local_day_start(d + chrono::Duration::days(1), pb.tz())
            .timestamp_millis()
    });
    let audience = if all { "all" } else { "team" };
    let of = team(services).len() as i64;
    let (author, body, to_channel) = (actor.user.to_string(), text.to_string(), channel.clone());
    let jobs = move |id: i64| {
        let d = Directive {
            id,
            author: author.clone(),
            text: body.clone(),
            audience: audience.to_string(),
            until_at,
            ended_at: None,
            created_at: now,
        };
        let to = To::Channel {
            channel: to_channel.clone(),
            key: Some(message_key(id)),
        };
        vec![enqueue::notice(to, message(&d, 0, of, false), now)]
    };
    let id = services
        .store
        .create_directive(
            &NewDirective {
                author: actor.user,
                text,
                audience,
                until_at,
            },
            now,
            &jobs,
        )
        .await?;
    services.wake_worker();
    Ok(DirectiveOutcome::Posted {
        id,
        channel,
        team: !all,
    })
}

async fn live(services: &Services, id: i64) -> Result<Directive> {
    match services.store.directive(id).await? {
        Some(d) if d.is_live(services.now_ms()) => Ok(d),
        _ => refuse(Refusal::NoSuchDirective { id }),
    }
}

/// The Acknowledge button: recorded once; the message's count is updated in place.
pub async fn acknowledge(services: &Services, id: i64, user: &str) -> Result<DirectiveOutcome> {
    let d = live(services, id).await?;
    if !d.tracks_acks() {
        return refuse(Refusal::NoSuchDirective { id });
    }
    let now = services.now_ms();
    let of = team(services).len() as i64;
    let update = |acked: i64| {
        let to = To::Update {
            key: message_key(id),
        };
        vec![
            enqueue::notice(to, message(&d, acked, of, false), now),
            enqueue::home_changed(user, now),
        ]
    };
    match services.store.acknowledge(id, user, now, &update).await? {
        None => {
            services.wake_worker();
            let acked = services.store.acknowledgements(id).await?.len() as i64;
            Ok(DirectiveOutcome::Acknowledged { id, acked, of })
        }
        Some(at) => {
            let tz = services.user_tz(user).await;
            refuse(Refusal::AlreadyAcknowledged {
                since: crate::clock::from_ms(at).with_timezone(&tz).time(),
            })
        }
    }
}

/// `/cx directive status`: the live directives and, for the tracked ones, who is missing.
pub async fn status(services: &Services) -> Result<Vec<DirectiveStatus>> {
    let team = team(services);
    let mut out = Vec::new();
    for d in services.store.live_directives(services.now_ms()).await? {
        let acks = services.store.acknowledgements(d.id).await?;
        let missing = if d.tracks_acks() {
            missing(&team, &acks).into_iter().cloned().collect()
        } else {
            Vec::new()
        };
        out.push(DirectiveStatus {
            acked: acks.len(),
            missing,
            directive: d,
        });
    }
    Ok(out)
}

/// `/cx directive end <n>` (leads): the message says it ended.
pub async fn end(services: &Services, actor: Actor<'_>, id: i64) -> Result<DirectiveOutcome> {
    if !services.playbook.is_lead(actor.user) {
        return refuse(Refusal::LeadsOnlyDirective);
    }
    let d = live(services, id).await?;
    let now = services.now_ms();
    let acked = services.store.acknowledgements(id).await?.len() as i64;
    let of = team(services).len() as i64;
    let to = To::Update {
        key: message_key(id),
    };
    let jobs = [enqueue::notice(to, message(&d, acked, of, true), now)];
    if !services.store.end_directive(id, now, &jobs).await? {
        return refuse(Refusal::NoSuchDirective { id });
    }
    services.wake_worker();
    Ok(DirectiveOutcome::Ended { id })
}

/// The live tracked directives `user` has not acknowledged (the briefing's slot).
pub async fn unacknowledged(services: &Services, user: &str) -> Result<Vec<Directive>> {
    let mut out = Vec::new();
    for d in services.store.live_directives(services.now_ms()).await? {
        if !d.tracks_acks() {
            continue;
        }
        let acks = services.store.acknowledgements(d.id).await?;
        if !acks.iter().any(|(u, _)| u == user) {
            out.push(d);
        }
    }
    Ok(out)
}

/// The clock's daily reminders: each member on shift who has not acknowledged a live
/// directive posted before today (team time zone) gets one DM a day.
pub async fn remind(services: &Services, now: i64) -> Result<()> {
    let tz = services.playbook.tz();
    let today = crate::clock::from_ms(now).with_timezone(&tz).date_naive();
    let team = team(services);
    for d in services.store.live_directives(now).await? {
        if !d.tracks_acks() {
            continue;
        }
        let posted = crate::clock::from_ms(d.created_at)
            .with_timezone(&tz)
            .date_naive();
        if posted >= today {
            continue;
        }
        let acks = services.store.acknowledgements(d.id).await?;
        for user in missing(&team, &acks) {
            if super::shifts::on_shift(services, user, now).await? != Some(true) {
                continue;
            }
            let to = To::Dm {
                user: user.clone(),
                key: Some(format!("directive-reminder:{}:{user}:{today}", d.id)),
            };
            let notice = Notice::DirectiveReminder {
                id: d.id,
                author: d.author.clone(),
                text: d.text.clone(),
            };
            let day = today.to_string();
            if services
                .store
                .remind_directive(d.id, user, &day, now, &[enqueue::notice(to, notice, now)])
                .await?
            {
                services.wake_worker();
            }
        }
    }
    Ok(())
}
