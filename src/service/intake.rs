//! Intake: a verified, parsed helpdesk event becomes a ticket row and a card in Slack.
//!
//! How it works. [`accept_intake`] classifies the event and routes it with the playbook's
//! rules (`domain::routing`), then asks the store to record it in one transaction: the inbox
//! key (a redelivery changes nothing), the customer, the ticket, and the jobs. What to write
//! is decided by [`plan`](super::intake_plan) from the stored state inside that transaction:
//! a new card, an update of the ticket's card (status, priority, customer reply), a repeat
//! missed call folded into the caller's open card, and blank missed chats the customer has
//! since followed up marked "already answered". Every change enqueues a `SyncCard` (the
//! card re-rendered from the row) and one thread line; nothing here calls Slack.
//!
//! Adding a helpdesk needs nothing here: its webhook module produces the same
//! `IntakeEvent` (see `webhooks`).

use super::intake_plan::{plan, Inputs};
use super::{Error, Refusal, Result, Services};
use crate::config::Playbook;
use crate::db::{CustomerInput, IntakeRequest};
use crate::domain::cadence::Contact;
use crate::domain::intake::EventKind;
use crate::domain::intake::{Customer, IntakeEvent};
use crate::domain::phone::{phone_key, Region};
use crate::domain::routing::{classify, route, CardKind, Classified};
use crate::domain::ticket::Ticket;
use crate::jobs::enqueue;

/// What the edge answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Accepted {
    /// The ticket the event was recorded on (None for a duplicate).
    pub ticket_id: Option<i64>,
    /// The event key was seen before: acknowledged, nothing done.
    pub duplicate: bool,
}

/// Records one helpdesk event and enqueues the Slack work it causes.
pub async fn accept_intake(services: &Services, event: &IntakeEvent) -> Result<Accepted> {
    let pb = &services.playbook;
    let classified = classify(event, &pb.classification);
    let routed = route(&classified, event, &pb.routing);
    let leads = routed
        .also
        .iter()
        .map(|k| slack_channel(pb, k.as_str()))
        .collect::<Result<Vec<_>>>()?;
    let channel = slack_channel(pb, routed.channel.as_str())?;
    let region = pb.contacts.region();
    let customer = customer_input(&event.customer, region);
    let now = services.now_ms();
    let echo = is_echo(services, event, now).await?;
    let inputs = Inputs {
        event,
        classified: &classified,
        queue: slack_channel(pb, "queue").unwrap_or_else(|_| channel.clone()),
        channel,
        leads,
        phone_key: customer.phone_key.clone(),
        region,
        sla: super::sla::SlaRules {
            cfg: &pb.sla,
            hours: pb.sla_hours(),
        },
        now,
        echo,
        unseen: pb.helpdesk.unseen_tickets,
        can_enrich: services.writes_to.contains(&event.helpdesk.as_str()),
        unclaimed: &pb.unclaimed,
        assignment: &pb.assignment,
    };
    let key = format!("hook:{}", event.key);
    let helpdesk = event.helpdesk.as_str().to_string();
    let request = IntakeRequest {
        key: &key,
        source: &helpdesk,
        now,
        helpdesk: &helpdesk,
        external_id: &event.ticket.external_id,
        customer: &customer,
    };
    // A new call or email restarts the customer's running follow-ups, a reply stops them
    // (seed 002): a job written in this same transaction, so it survives a crash.
    let contacted =
        follow_up_contact(event, &classified)
            .filter(|_| !echo)
            .map(|(contact, why)| {
                enqueue::customer_contacted(
                    customer.email.clone(),
                    customer.phone_key.clone(),
                    contact,
                    why,
                    now,
                )
            });
    let recorded = services
        .store
        .record_intake(&request, &|ctx| {
            let mut p = plan(&inputs, ctx);
            // A first-time customer on a new ticket has no follow-ups to restart or stop. (An
            // existing ticket that gets its customer only now may have one running.)
            let first_contact = ctx.new_customer && ctx.existing.is_none();
            if let Some(job) = contacted.clone().filter(|_| !first_contact) {
                let inner = p.jobs;
                p.jobs = Box::new(move |id| {
                    let mut jobs = inner(id);
                    jobs.push(job);
                    jobs
                });
            }
            p
        })
        .await?;
    if recorded.fresh {
        services.wake_worker();
    }
    tracing::info!(
        key = %event.key, kind = event.kind.as_str(), route = %routed.reason,
        ticket = ?recorded.ticket_id, new_card = recorded.new_ticket, duplicate = !recorded.fresh,
        "helpdesk event"
    );
    Ok(Accepted {
        ticket_id: recorded.ticket_id,
        duplicate: !recorded.fresh,
    })
}

/// A status change that cxbot itself wrote to the helpdesk (a follow-up step's PENDING or
/// SOLVED) coming back: consumed once, so the same change made by a person later is news.
async fn is_echo(services: &Services, event: &IntakeEvent, now: i64) -> Result<bool> {
    let to = match (event.kind, event.change) {
        (EventKind::TicketStatus, Some(crate::domain::intake::Change::Status { to, .. })) => to,
        (EventKind::TicketStatus, _) => event.ticket.status,
        _ => None,
    };
    let Some(to) = to else {
        return Ok(false);
    };
    if !services.writes_to.contains(&event.helpdesk.as_str()) {
        return Ok(false);
    }
    Ok(services
        .store
        .take_echo(
            event.helpdesk.as_str(),
            &event.ticket.external_id,
            "status",
            to.as_str(),
            now,
        )
        .await?)
}

/// What a helpdesk's API told us about a ticket its webhook described by ids (Zendesk's
/// event mode): the link and the customer fill what the ticket lacks, the customer
/// directory's entry with that email or phone is linked, and the card is re-rendered.
pub async fn enrich(
    services: &Services,
    t: &Ticket,
    url: Option<String>,
    name: Option<String>,
    email: Option<String>,
    phone: Option<String>,
) -> Result<bool> {
    let c = customer_input(
        &Customer {
            name,
            email,
            phone,
            ..Customer::default()
        },
        services.playbook.contacts.region(),
    );
    let e = crate::db::Enrichment {
        url,
        name: c.name,
        email: c.email,
        phone: c.phone,
    };
    let now = services.now_ms();
    let mut after = t.clone();
    after.url = after.url.or_else(|| e.url.clone());
    let jobs = [enqueue::card(&after, now)];
    let changed = services
        .store
        .enrich_ticket(t.id, &e, c.phone_key.as_deref(), now, &jobs)
        .await?;
    if changed {
        services.wake_worker();
    }
    Ok(changed)
}

/// Whether this event is a new contact from the customer that follow-ups must react to.
fn follow_up_contact(event: &IntakeEvent, classified: &Classified) -> Option<(Contact, String)> {
    let c = &event.customer;
    // Named by how they got in touch: a call by its number, an email or reply by the address.
    let who = match classified.kind {
        CardKind::MissedCall => c.phone.clone().or_else(|| c.email.clone()),
        _ => c.email.clone().or_else(|| c.phone.clone()),
    }
    .unwrap_or_else(|| "the customer".into());
    match (event.kind, classified.kind) {
        (EventKind::CustomerReply, _) => Some((Contact::Replied, format!("{who} replied"))),
        (_, CardKind::MissedCall) => {
            Some((Contact::Restart, format!("new missed call from {who}")))
        }
        (EventKind::Ticket, CardKind::Email) => {
            Some((Contact::Restart, format!("new email from {who}")))
        }
        _ => None,
    }
}

/// The Slack channel for a playbook key; `cxbot check` guarantees routing's keys exist.
fn slack_channel(pb: &Playbook, key: &str) -> Result<String> {
    pb.channel(key).map(str::to_string).ok_or_else(|| {
        Error::Refused(Refusal::Said(format!(
            "the playbook has no channel {key:?} in [channels]"
        )))
    })
}

/// Lower-cased email and the phone's match key (E.164 with the playbook's default region,
/// `domain::phone`), so a customer matches however a helpdesk spells them
/// ("+1 (555) 010-0100" and "555-010-0100" are one caller).
pub fn customer_input(c: &Customer, region: Region) -> CustomerInput {
    let clean = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    CustomerInput {
        name: clean(&c.name),
        email: clean(&c.email)
            .map(|e| e.to_lowercase())
            .filter(|e| e.contains('@')),
        phone: clean(&c.phone),
        phone_key: c.phone.as_deref().and_then(|p| phone_key(p, region)),
        order_id: clean(&c.order_id),
    }
}

/// Whether a ticket's message is empty (a blank missed chat).
pub fn is_blank(message: Option<&str>) -> bool {
    message.is_none_or(|m| m.trim().is_empty())
}

/// The follow-up a blank missed chat's card carries while it still needs one.
pub fn follow_up_text(pb: &Playbook, t: &Ticket) -> Option<String> {
    if t.kind != "missed_chat" || !is_blank(t.message.as_deref()) || t.answered || !t.is_open() {
        return None;
    }
    let first = t
        .customer_name
        .as_deref()
        .and_then(|n| n.split_whitespace().next())
        .unwrap_or("there");
    Some(pb.wording.missed_chat_follow_up.replace("{name}", first))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn customers_match_however_they_are_spelled() {
        let c = customer_input(
            &Customer {
                name: Some("  Ana Lima ".into()),
                email: Some(" Ana@Example.COM".into()),
                phone: Some("+1 (555) 010-0100".into()),
                order_id: Some(String::new()),
            },
            Region::US,
        );
        assert_eq!(c.name.as_deref(), Some("Ana Lima"));
        assert_eq!(c.email.as_deref(), Some("ana@example.com"));
        assert_eq!(c.phone_key.as_deref(), Some("+15550100100"));
        assert_eq!(c.order_id, None);
        assert_eq!(phone_key("ext 12", Region::US), None);
    }
}
