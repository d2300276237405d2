//! SLA clocks in use (issue 16; the arithmetic is `domain::sla`): intake starts, pauses,
//! re-budgets and meets a ticket's clock in the same write as the ticket (see
//! [`SlaRules`], called by the intake plan); an agent's response (a follow-up step logged,
//! a callback) meets it; and the team clock's sweep (`service::clock`) reads the clocks
//! due a warning or a breach through one indexed range (`tickets_sla_next`) and tells
//! people.

use super::{Result, Services};
use crate::db::Audit;
use crate::domain::claim::Source;
use crate::domain::notice::{CardLine, Notice};
use crate::domain::sla::{
    parse_duration, ClockKind, Hours, PendingRule, SlaConfig, SlaState, SlaStep,
};
use crate::domain::ticket::Ticket;
use crate::jobs::enqueue::{self, To};
use std::collections::BTreeMap;

/// How many due clocks one sweep run handles (the next run takes the rest).
const SWEEP_BATCH: i64 = 500;

/// The playbook's SLA rules with the team's time zone, for the intake plan (pure).
#[derive(Clone, Copy)]
pub struct SlaRules<'a> {
    pub cfg: &'a SlaConfig,
    /// Each policy's hours, by name (`Playbook::sla_hours`, parsed once).
    pub hours: &'a BTreeMap<String, Hours>,
}

const ALWAYS: Hours = Hours::Always;

impl SlaRules<'_> {
    pub(super) fn hours_of(&self, policy: Option<&str>) -> &Hours {
        policy.and_then(|p| self.hours.get(p)).unwrap_or(&ALWAYS)
    }

    /// A new ticket's clock, from its creation (seed 001: "2 hours from ticket creation").
    pub fn start(&self, t: &Ticket, now: i64) -> SlaState {
        if !t.is_open() {
            return SlaState::default();
        }
        let Some(p) = self
            .cfg
            .policy_for(&t.kind, &t.priority, t.department.as_deref())
        else {
            return SlaState::default();
        };
        let Some(budget) = parse_duration(&p.first_response) else {
            return SlaState::default();
        };
        let hours = self.hours_of(Some(&p.name));
        let at = t.opened_at.min(now);
        let mut s = SlaState::start(
            &p.name,
            ClockKind::First,
            budget,
            at,
            now,
            hours,
            self.cfg.warn_at,
        );
        if t.status == "pending" {
            match p.pending {
                PendingRule::Stop => s.meet(now, hours),
                PendingRule::Pause => s.pause(now, hours),
            }
        }
        s
    }

    /// What a helpdesk update does to the clock: `old` as stored, `new` as it will be.
    pub fn update(&self, old: &Ticket, new: &mut Ticket, customer_replied: bool, now: i64) {
        let mut s = old.sla.clone();
        if s.policy.is_none() {
            // Stored before SLAs, or no policy matched before: one may now.
            if new.priority != old.priority || new.department != old.department {
                new.sla = self.start(new, now);
            }
            return;
        }
        let first = s.kind.as_deref() == Some(ClockKind::First.as_str());
        if first && (new.priority != old.priority || new.department != old.department) {
            if let Some(p) =
                self.cfg
                    .policy_for(&new.kind, &new.priority, new.department.as_deref())
            {
                if let Some(budget) = parse_duration(&p.first_response) {
                    s.rebudget(
                        &p.name,
                        budget,
                        self.hours_of(Some(&p.name)),
                        self.cfg.warn_at,
                    );
                }
            }
        }
        let hours = self.hours_of(s.policy.as_deref());
        let pending = s
            .policy
            .as_deref()
            .and_then(|p| self.cfg.policy(p))
            .map_or(PendingRule::Stop, |p| p.pending);
        if new.status != old.status {
            match new.status.as_str() {
                "solved" | "closed" => s.meet(now, hours),
                "pending" if pending == PendingRule::Pause => s.pause(now, hours),
                "pending" => s.meet(now, hours),
                _ => s.resume(now, hours, self.cfg.warn_at),
            }
        }
        if customer_replied {
            if s.is_paused() {
                s.resume(now, hours, self.cfg.warn_at);
            } else if s.met_at.is_some() && self.cfg.next_response && new.is_open() {
                let next = s
                    .policy
                    .as_deref()
                    .and_then(|p| self.cfg.policy(p))
                    .and_then(|p| Some((p, parse_duration(p.next_response.as_deref()?)?)));
                if let Some((p, budget)) = next {
                    s = SlaState::start(
                        &p.name,
                        ClockKind::Next,
                        budget,
                        now,
                        now,
                        hours,
                        self.cfg.warn_at,
                    );
                }
            }
        }
        new.sla = s;
    }
}

fn rules(services: &Services) -> SlaRules<'_> {
    SlaRules {
        cfg: &services.playbook.sla,
        hours: services.playbook.sla_hours(),
    }
}

/// The agent answered (a follow-up step logged, a callback made): the clock is met, with
/// the card's re-render in the same write. A clock that changed since `t` was read (the
/// sweep warned meanwhile) is read again. False when there was no clock to meet.
pub async fn meet(services: &Services, t: &Ticket, now: i64) -> Result<bool> {
    let mut t = t.clone();
    for _ in 0..3 {
        if t.sla.policy.is_none() || t.sla.met_at.is_some() {
            return Ok(false);
        }
        let mut s = t.sla.clone();
        s.meet(now, rules(services).hours_of(s.policy.as_deref()));
        let jobs = [enqueue::card(&t, now)];
        if services
            .store
            .save_sla(t.id, (t.sla.since, t.sla.next_at), &s, now, None, &jobs)
            .await?
        {
            services.wake_worker();
            return Ok(true);
        }
        match services.store.ticket(t.id).await? {
            Some(fresh) => t = fresh,
            None => return Ok(false),
        }
    }
    Ok(false)
}

/// Open tickets whose clock runs out within `[shifts] near_breach_minutes` and has not yet
/// (the briefing's and the digest's "near an SLA breach"), soonest warning first.
pub async fn near_breach(services: &Services, limit: usize) -> Result<Vec<Ticket>> {
    let near = services.now_ms() + services.playbook.shifts.near_breach_minutes * 60_000;
    Ok(services
        .store
        .sla_due(near, 200)
        .await?
        .into_iter()
        .filter(|t| t.sla.breached_at.is_none() && t.sla.due_at.is_some_and(|d| d <= near))
        .take(limit)
        .collect())
}

/// One sweep: warn or breach every clock due by `now`.
pub async fn sweep(services: &Services, now: i64) -> Result<usize> {
    let due = services.store.sla_due(now, SWEEP_BATCH).await?;
    let mut told = 0;
    for t in due {
        let mut s = t.sla.clone();
        let Some(step) = s.step(now) else {
            continue;
        };
        let (jobs, breach) = tell(services, &t, step, now);
        let audit = breach.then_some(Audit {
            action: "sla_breach",
            actor: "cxbot",
            target: t.claimed_by.as_deref(),
            source: Source::Sla,
            detail: t.sla.policy.as_deref(),
        });
        if services
            .store
            .save_sla(
                t.id,
                (t.sla.since, t.sla.next_at),
                &s,
                now,
                audit.as_ref(),
                &jobs,
            )
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

/// The jobs that tell people of a warning or a breach; true for a breach.
fn tell(
    services: &Services,
    t: &Ticket,
    step: SlaStep,
    now: i64,
) -> (Vec<crate::db::NewJob>, bool) {
    let pb = &services.playbook;
    let due_at = t.sla.due_at.unwrap_or(now);
    let queue = pb.channel("queue").unwrap_or(&t.channel).to_string();
    let key = |what: &str| Some(format!("sla-{what}:{}:{due_at}", t.id));
    let owner_or_queue = |what: &str| match &t.claimed_by {
        Some(u) => To::Dm {
            user: u.clone(),
            key: key(what),
        },
        None => To::Channel {
            channel: queue.clone(),
            key: key(what),
        },
    };
    let mut jobs = vec![enqueue::card(t, now)];
    match step {
        SlaStep::Warn => {
            jobs.push(enqueue::card_line(t, CardLine::SlaWarning { due_at }, now));
            let warning = Notice::SlaWarning {
                ticket: t.for_notice(),
                due_at,
            };
            jobs.push(enqueue::notice(owner_or_queue("warn"), warning, now));
            (jobs, false)
        }
        SlaStep::Breach => {
            jobs.push(enqueue::card_line(t, CardLine::SlaBreached { due_at }, now));
            let breach = |mention: Option<String>| Notice::SlaBreached {
                ticket: t.for_notice(),
                due_at,
                owner: t.claimed_by.clone(),
                mention,
            };
            jobs.push(enqueue::notice(owner_or_queue("breach"), breach(None), now));
            let responsible = t
                .sla
                .policy
                .as_deref()
                .and_then(|p| pb.sla.policy(p))
                .and_then(|p| p.notify.clone())
                .or_else(|| pb.sla.breach_notify.clone())
                .and_then(|k| pb.escalation.find(&k));
            if let Some(target) = responsible {
                if let Some(channel) = pb.resolve_channel(&target.channel) {
                    let to = To::Channel {
                        channel,
                        key: key("breach-level"),
                    };
                    jobs.push(enqueue::notice(to, breach(target.mention.clone()), now));
                }
            }
            (jobs, true)
        }
    }
}
