//! What one intake event writes, decided from the stored state inside the intake
//! transaction (see `service::intake`). Pure: state in, rows and jobs out.

use super::intake::is_blank;
use crate::db::{IntakeContext, IntakePlan, NewJob, TicketWrite};
use crate::domain::intake::{Change, EventKind, IntakeEvent};
use crate::domain::notice::{CardLine, Notice};
use crate::domain::phone::{phone_key, Region};
use crate::domain::routing::{CardKind, Classified};
use crate::domain::ticket::Ticket;
use crate::domain::writeback::UnseenTickets;
use crate::jobs::enqueue::{self, card_line, card_lines, To};

/// The event with everything the service resolved outside the transaction.
pub struct Inputs<'a> {
    pub event: &'a IntakeEvent,
    pub classified: &'a Classified,
    /// The Slack channel the card goes to.
    pub channel: String,
    /// Slack channels also told (the leads), per the route.
    pub leads: Vec<String>,
    /// Where customer replies nobody has are posted for pickup.
    pub queue: String,
    pub phone_key: Option<String>,
    /// The playbook's default region, to key a stored ticket's number as `phone_key` was.
    pub region: Region,
    /// The playbook's SLA policies: a new ticket's clock, and what an update does to it.
    pub sla: super::sla::SlaRules<'a>,
    pub now: i64,
    /// The webhook reports a change cxbot itself just wrote to the helpdesk: the row
    /// follows it, the thread hears nothing.
    pub echo: bool,
    /// What an update about a ticket never seen does (the playbook's `[helpdesk]`).
    pub unseen: UnseenTickets,
    /// The helpdesk's API can tell who the requester is (`helpdesk_enrich`).
    pub can_enrich: bool,
    /// How long a new card may wait unclaimed (`[unclaimed]`).
    pub unclaimed: &'a crate::domain::queue::UnclaimedPolicy,
    /// Auto-assignment (`[assignment]`): a new card of a kind it covers gets its job.
    pub assignment: &'a crate::domain::queue::AssignmentPolicy,
}

/// An update that is not news by itself: recorded quietly when its ticket is unknown, or
/// is one cxbot keeps quiet.
fn is_update_only(kind: EventKind) -> bool {
    matches!(
        kind,
        EventKind::TicketStatus | EventKind::TicketPriority | EventKind::TicketAssignee
    )
}

pub fn kind_str(k: CardKind) -> &'static str {
    match k {
        CardKind::MissedCall => "missed_call",
        CardKind::MissedChat => "missed_chat",
        CardKind::Social => "social",
        CardKind::Marketing => "marketing",
        CardKind::Email => "email",
        CardKind::Ticket => "ticket",
        CardKind::AppReview => "app_review",
    }
}

pub fn plan(i: &Inputs<'_>, ctx: &IntakeContext) -> IntakePlan {
    if let Some(t) = &ctx.existing {
        if i.event.kind == EventKind::TicketAssignee {
            return assignee_changed(i, t);
        }
        if t.quiet && i.event.kind != EventKind::CustomerReply {
            return quietly(i, ctx, t);
        }
        return update(i, ctx, t);
    }
    if is_update_only(i.event.kind) && i.unseen == UnseenTickets::Record {
        let mut row = new_row(i, ctx);
        row.quiet = true;
        return IntakePlan {
            write: TicketWrite::Insert(Box::new(row)),
            write_sla: false,
            mark_answered: Vec::new(),
            jobs: Box::new(|_| Vec::new()),
        };
    }
    if i.classified.kind == CardKind::MissedCall {
        if let Some(open) = open_call_from_same_number(i, ctx) {
            return repeat_call(i, open);
        }
    }
    let mut row = new_row(i, ctx);
    row.sla = i.sla.start(&row, i.now);
    // The other order: the customer's later contact reached us before the blank chat did.
    row.answered = row.kind == "missed_chat"
        && is_blank(row.message.as_deref())
        && ctx.customer_tickets.iter().any(|o| {
            (o.opened_at > row.opened_at && counts_as_contact(o))
                || o.customer_replied_at.is_some_and(|at| at > row.opened_at)
        });
    if !row.answered {
        row.claim.unclaimed_due_at = super::unclaimed::due_at(i.unclaimed, i.sla, &row, i.now);
    }
    let auto_assign = !row.answered && i.assignment.covers(&row.kind);
    let (answered, answered_jobs) = answered_chats(i, ctx, &row);
    let leads = i.leads.clone();
    let now = i.now;
    let enrich = i
        .event
        .requester_id
        .clone()
        .filter(|_| i.can_enrich && (row.customer_email.is_none() || row.url.is_none()));
    IntakePlan {
        write: TicketWrite::Insert(Box::new(row.clone())),
        write_sla: true,
        mark_answered: answered,
        jobs: Box::new(move |id| {
            row.id = id;
            let mut jobs = vec![enqueue::card(&row, now)];
            if let Some(requester) = &enrich {
                jobs.push(enqueue::helpdesk_enrich(id, &row.helpdesk, requester, now));
            }
            jobs.extend(leads.iter().map(|ch| leads_notice(&row, ch, now)));
            jobs.extend(answered_jobs);
            if auto_assign {
                jobs.push(enqueue::auto_assign(id, now));
            }
            jobs
        }),
    }
}

/// Keyed `leads:{id}`, so the leads hear about a ticket once however often it is raised.
fn leads_notice(t: &Ticket, channel: &str, now: i64) -> NewJob {
    let to = To::Channel {
        channel: channel.to_string(),
        key: Some(format!("leads:{}", t.id)),
    };
    let notice = Notice::ForLeads {
        ticket: t.for_notice(),
    };
    enqueue::notice(to, notice, now)
}

/// A ticket that shows we spoke with the customer: not a missed call, not another blank chat.
fn counts_as_contact(t: &Ticket) -> bool {
    t.kind != "missed_call" && !(t.kind == "missed_chat" && is_blank(t.message.as_deref()))
}

/// The customer's open blank missed chats from before this contact: already answered now.
fn answered_chats(i: &Inputs<'_>, ctx: &IntakeContext, by: &Ticket) -> (Vec<i64>, Vec<NewJob>) {
    let contact = match i.event.kind {
        EventKind::CustomerReply => true,
        k if k.is_new_item() => counts_as_contact(by),
        _ => false,
    };
    if !contact {
        return (Vec::new(), Vec::new());
    }
    let at = i.event.occurred_at.timestamp_millis();
    let chats: Vec<&Ticket> = ctx
        .customer_tickets
        .iter()
        .filter(|t| {
            t.kind == "missed_chat"
                && !t.answered
                && t.is_open()
                && is_blank(t.message.as_deref())
                && t.opened_at <= at
        })
        .collect();
    let mut jobs = Vec::new();
    for t in &chats {
        jobs.push(enqueue::card(t, i.now));
        let line = CardLine::WroteAgain {
            later: by.for_notice(),
        };
        jobs.push(card_line(t, line, i.now));
    }
    (chats.iter().map(|t| t.id).collect(), jobs)
}

fn open_call_from_same_number<'c>(i: &Inputs<'_>, ctx: &'c IntakeContext) -> Option<&'c Ticket> {
    let key = i.phone_key.as_deref()?;
    ctx.customer_tickets.iter().find(|t| {
        t.kind == "missed_call"
            && t.is_open()
            && t.customer_phone
                .as_deref()
                .and_then(|p| phone_key(p, i.region))
                .as_deref()
                == Some(key)
    })
}

/// A second call while the first is open: one card, its count and thread say so.
fn repeat_call(i: &Inputs<'_>, open: &Ticket) -> IntakePlan {
    let mut t = open.clone();
    t.missed_calls += 1;
    let line = CardLine::AnotherMissedCall {
        phone: t.customer_phone.clone(),
        at_ms: i.event.occurred_at.timestamp_millis(),
        calls: t.missed_calls,
    };
    let now = i.now;
    IntakePlan {
        write: TicketWrite::Update(Box::new(t.clone())),
        write_sla: false,
        mark_answered: Vec::new(),
        jobs: Box::new(move |_| vec![enqueue::card(&t, now), card_line(&t, line, now)]),
    }
}

fn new_row(i: &Inputs<'_>, ctx: &IntakeContext) -> Ticket {
    let e = i.event;
    let c = i.classified;
    let status = e
        .ticket
        .status
        .or(match e.change {
            Some(Change::Status { to, .. }) => to,
            _ => None,
        })
        .map_or("open", |s| s.as_str());
    let opened_at = e
        .ticket
        .created_at
        .unwrap_or(e.occurred_at)
        .timestamp_millis();
    Ticket {
        id: 0,
        helpdesk: e.helpdesk.as_str().to_string(),
        external_id: e.ticket.external_id.clone(),
        kind: kind_str(c.kind).to_string(),
        status: status.to_string(),
        priority: c.priority.as_str().to_string(),
        subject: e.ticket.subject.clone(),
        url: e.ticket.url.clone(),
        customer_id: ctx.customer_id,
        customer_name: e.customer.name.clone(),
        customer_email: e.customer.email.clone(),
        customer_phone: e.customer.phone.clone(),
        customer_order_id: e.customer.order_id.clone(),
        department: c.department.clone(),
        group_name: e.ticket.group.clone(),
        tags: serde_json::to_string(&c.tags).unwrap_or_else(|_| "[]".into()),
        message: e.message.clone(),
        social: e
            .social
            .as_ref()
            .and_then(|s| serde_json::to_string(s).ok()),
        review: e
            .review
            .as_ref()
            .and_then(|r| serde_json::to_string(r).ok()),
        channel: i.channel.clone(),
        claimed_by: None,
        answered: false,
        customer_replied_at: (e.kind == EventKind::CustomerReply).then_some(i.now),
        missed_calls: i64::from(c.kind == CardKind::MissedCall),
        opened_at,
        created_at: i.now,
        updated_at: i.now,
        claim: Default::default(),
        sla: Default::default(),
        quiet: false,
    }
}

/// An assignee change from the helpdesk: the claim follows it in a job (which also tells
/// cxbot's own write-back coming back from a change made in the helpdesk).
fn assignee_changed(i: &Inputs<'_>, t: &Ticket) -> IntakePlan {
    let a = i.event.assignee.clone().unwrap_or_default();
    let change = enqueue::AssigneeChanged {
        ticket_id: t.id,
        helpdesk: t.helpdesk.clone(),
        external_id: t.external_id.clone(),
        agent_id: a.agent_id,
        agent_email: a.agent_email,
    };
    let now = i.now;
    IntakePlan {
        write: TicketWrite::Update(Box::new(t.clone())),
        write_sla: false,
        mark_answered: Vec::new(),
        jobs: Box::new(move |_| vec![enqueue::helpdesk_assignee(change, now)]),
    }
}

/// A quietly recorded ticket (or an echo) takes the update with no card and no line.
fn quietly(i: &Inputs<'_>, ctx: &IntakeContext, t: &Ticket) -> IntakePlan {
    let mut p = update(i, ctx, t);
    if let TicketWrite::Update(row) = &mut p.write {
        row.quiet = true;
    }
    p.jobs = Box::new(|_| Vec::new());
    p.mark_answered = Vec::new();
    p
}

/// A change to a ticket we have a card for: the row, the card, one thread line.
fn update(i: &Inputs<'_>, ctx: &IntakeContext, t: &Ticket) -> IntakePlan {
    let e = i.event;
    let c = i.classified;
    let mut n = t.clone();
    let mut lines = Vec::new();
    let status = e.ticket.status.or(match e.change {
        Some(Change::Status { to, .. }) => to,
        _ => None,
    });
    if let Some(s) = status.filter(|s| s.as_str() != t.status) {
        if !i.echo {
            lines.push(CardLine::StatusChanged {
                from: t.status.clone(),
                to: s.as_str().to_string(),
            });
        }
        n.status = s.as_str().to_string();
    }
    if c.priority_from_helpdesk && c.priority.as_str() != t.priority {
        lines.push(CardLine::PriorityChanged {
            from: t.priority.clone(),
            to: c.priority.as_str().to_string(),
        });
        n.priority = c.priority.as_str().to_string();
    }
    let replied = e.kind == EventKind::CustomerReply;
    if replied {
        n.customer_replied_at = Some(i.now);
        lines.push(CardLine::CustomerReplied {
            message: e.message.clone(),
        });
    } else if n.message.is_none() {
        n.message = e.message.clone();
    }
    // Fill in what the first event left out; the card's kind and channel stay put.
    n.subject = n.subject.or_else(|| e.ticket.subject.clone());
    n.url = n.url.or_else(|| e.ticket.url.clone());
    n.department = n.department.or_else(|| c.department.clone());
    n.group_name = n.group_name.or_else(|| e.ticket.group.clone());
    n.customer_id = n.customer_id.or(ctx.customer_id);
    n.customer_name = n.customer_name.or_else(|| e.customer.name.clone());
    n.customer_email = n.customer_email.or_else(|| e.customer.email.clone());
    n.customer_phone = n.customer_phone.or_else(|| e.customer.phone.clone());
    if !c.tags.is_empty() {
        n.tags = serde_json::to_string(&c.tags).unwrap_or(n.tags);
    }
    n.updated_at = i.now;
    // Anything that reaches here is shown: a quietly recorded ticket gets its card now.
    n.quiet = false;
    i.sla.update(t, &mut n, replied, i.now);
    let pickup = replied && n.claimed_by.is_none() && n.is_open();
    let (answered, answered_jobs) = answered_chats(i, ctx, &n);
    let leads = if i.echo { Vec::new() } else { i.leads.clone() };
    let (queue, now) = (i.queue.clone(), i.now);
    IntakePlan {
        write_sla: n.sla != t.sla,
        write: TicketWrite::Update(Box::new(n.clone())),
        mark_answered: answered,
        jobs: Box::new(move |_| {
            let mut jobs = vec![enqueue::card(&n, now)];
            if !lines.is_empty() {
                jobs.push(card_lines(&n, lines, now));
            }
            if replied && n.claimed_by.is_some() && n.is_open() {
                // The owner, or the queue if they are away (read when the job runs).
                jobs.push(enqueue::reply_waiting(n.id, now));
            }
            if pickup {
                let to = To::Channel {
                    channel: queue,
                    key: None,
                };
                let notice = Notice::Pickup {
                    ticket: n.for_notice(),
                };
                jobs.push(enqueue::notice(to, notice, now));
            }
            jobs.extend(leads.iter().map(|ch| leads_notice(&n, ch, now)));
            jobs.extend(answered_jobs);
            jobs
        }),
    }
}
