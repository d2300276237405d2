//! Ownership surfaces: the card's Claim / Release / Escalate buttons, the escalation
//! modal, the lease check-in DM, and the `/cx mine` and `/cx queue` lists.

use super::card::{age, esc, headline, ticket_link};
use super::{
    context, section, truncate, Reply, MAX_BUTTON_TEXT, MAX_MESSAGE_BLOCKS, MAX_VIEW_BLOCKS,
};
use crate::domain::escalation::{title_of, Target};
use crate::domain::ticket::Ticket;
use crate::service::claim::ClaimOutcome;
use crate::service::home::{Mine, Queue};
use crate::slack::actions::*;
use slack_morphism::prelude::*;

fn button(action: ActionId, label: &str, value: String) -> SlackBlockButtonElement {
    SlackBlockButtonElement::new(pt!(truncate(label, MAX_BUTTON_TEXT)))
        .with_action_id(action.as_str().into())
        .with_value(value)
}

/// How a ticket is named in messages: "#4521".
pub fn ticket_ref(t: &Ticket) -> String {
    number_ref(&t.external_id)
}

/// [`ticket_ref`] from the helpdesk number alone.
pub fn number_ref(number: &str) -> String {
    format!("#{number}")
}

/// What the person who changed a ticket's owner is told.
pub fn outcome(o: &ClaimOutcome) -> Reply {
    Reply::text(match o {
        ClaimOutcome::Claimed { ticket } => {
            format!(
                "You claimed {}: {}",
                ticket_ref(ticket),
                ticket_link(ticket)
            )
        }
        ClaimOutcome::Released { ticket } => {
            format!("Released {}: it is back in the queue.", ticket_ref(ticket))
        }
        ClaimOutcome::Assigned { ticket, to } => {
            format!("Assigned {} to <@{to}>.", ticket_ref(ticket))
        }
        ClaimOutcome::Escalated {
            ticket,
            title,
            channel,
        } => format!("Escalated {} to {title} ({channel}).", ticket_ref(ticket)),
        ClaimOutcome::Kept { ticket } => format!("Kept {}.", ticket_ref(ticket)),
    })
}

/// Open cards get Claim + Escalate, claimed ones Release + Escalate; closed ones none.
/// Missed calls add Called back (until someone has) and, from an unknown number, Record caller.
pub fn card_actions(t: &Ticket, unknown_caller: bool) -> Option<SlackBlock> {
    if !t.is_open() || t.kind == "marketing" {
        return None;
    }
    let id = t.id.to_string();
    let first = match &t.claimed_by {
        None => {
            button(ActionId::Claim, "Claim", id.clone()).with_style(SlackBlockButtonStyle::Primary)
        }
        Some(_) => button(ActionId::Release, "Release", id.clone()),
    };
    let escalate = button(ActionId::Escalate, "Escalate", id.clone());
    let mut elements = vec![first.into(), escalate.into()];
    if t.kind == "missed_call" && t.claim.called_back_by.is_none() {
        elements.push(button(ActionId::CalledBack, "Called back", id.clone()).into());
    }
    if t.kind == "missed_call" && unknown_caller {
        elements.push(button(ActionId::RecordCaller, "Record caller", id).into());
    }
    Some(SlackActionsBlock::new(elements).into())
}

/// "Escalated to L3 Brand Lead by @dana".
pub fn escalation_line(t: &Ticket) -> Option<String> {
    let to = t.claim.escalated_to.as_deref()?;
    let by = t
        .claim
        .escalated_by
        .as_deref()
        .map(|u| format!(" by <@{u}>"))
        .unwrap_or_default();
    Some(format!(
        ":arrow_double_up: Escalated to *{}*{by}",
        esc(&title_of(to))
    ))
}

/// The modal the Escalate button opens: target (the next rung preselected) and reason.
pub fn escalate_modal(t: &Ticket, targets: &[Target], preselect: Option<&str>) -> SlackView {
    let option = |tg: &Target| {
        SlackBlockChoiceItem::new(
            pt!(truncate(&format!("{} ({})", tg.title, tg.channel), 75)),
            tg.key.clone(),
        )
    };
    let options: Vec<_> = targets.iter().take(100).map(option).collect();
    let mut select = SlackBlockStaticSelectElement::new()
        .with_action_id(ESCALATE_TARGET_ACTION.into())
        .with_options(options);
    if let Some(pre) = preselect.and_then(|k| targets.iter().find(|t| t.key == k)) {
        select = select.with_initial_option(SlackBlockChoiceItem::new(
            pt!(truncate(&format!("{} ({})", pre.title, pre.channel), 75)),
            pre.key.clone(),
        ));
    }
    let reason = SlackBlockPlainTextInputElement::new()
        .with_action_id(ESCALATE_REASON_ACTION.into())
        .with_multiline(true);
    let mut blocks: Vec<SlackBlock> = vec![
        section(format!("*{}*\n{}", esc(&headline(t)), ticket_link(t))),
        SlackInputBlock::new(
            pt!("Escalate to"),
            SlackInputBlockElement::StaticSelect(select),
        )
        .with_block_id(ESCALATE_TARGET_BLOCK.into())
        .into(),
        SlackInputBlock::new(
            pt!("Reason"),
            SlackInputBlockElement::PlainTextInput(reason),
        )
        .with_block_id(ESCALATE_REASON_BLOCK.into())
        .with_optional(true)
        .into(),
    ];
    blocks.truncate(MAX_VIEW_BLOCKS);
    SlackView::Modal(
        SlackModalView::new(pt!("Escalate"), blocks)
            .with_submit(pt!("Escalate"))
            .with_close(pt!("Cancel"))
            .with_callback_id(ESCALATE_MODAL.into())
            .with_private_metadata(t.id.to_string()),
    )
}

/// "Called back by @ana at 10:32" (Slack shows the time in each reader's time zone).
pub fn callback_line(t: &Ticket) -> Option<String> {
    let by = t.claim.called_back_by.as_deref()?;
    let at = t.claim.called_back_at.unwrap_or(t.updated_at) / 1000;
    Some(format!(":telephone_receiver: Called back by <@{by}> <!date^{at}^at {{time}} on {{date_short}}|at {at}>: see the thread for the call notes"))
}

/// The modal Called back opens: the call notes, kept in the card's thread.
pub fn called_back_modal(t: &Ticket) -> SlackView {
    let notes = SlackBlockPlainTextInputElement::new()
        .with_action_id(CALL_NOTES_ACTION.into())
        .with_multiline(true);
    let blocks: Vec<SlackBlock> = vec![
        section(format!("*{}*\n{}", esc(&headline(t)), ticket_link(t))),
        SlackInputBlock::new(
            pt!("Call notes"),
            SlackInputBlockElement::PlainTextInput(notes),
        )
        .with_block_id(CALL_NOTES_BLOCK.into())
        .into(),
    ];
    SlackView::Modal(
        SlackModalView::new(pt!("Called back"), blocks)
            .with_submit(pt!("Save"))
            .with_close(pt!("Cancel"))
            .with_callback_id(CALLED_BACK_MODAL.into())
            .with_private_metadata(t.id.to_string()),
    )
}

/// The form Record caller opens: who the unknown number belongs to.
pub fn record_caller_modal(t: &Ticket) -> SlackView {
    let input = |block: &str, label: &str, optional: bool| -> SlackBlock {
        SlackInputBlock::new(
            pt!(label),
            SlackInputBlockElement::PlainTextInput(
                SlackBlockPlainTextInputElement::new().with_action_id(block.into()),
            ),
        )
        .with_block_id(block.into())
        .with_optional(optional)
        .into()
    };
    let number = t
        .customer_phone
        .as_deref()
        .map(esc)
        .unwrap_or_else(|| "this number".into());
    SlackView::Modal(
        SlackModalView::new(
            pt!("Record caller"),
            vec![
                section(format!(
                    "Who called from *{number}*? cxbot will know them next time."
                )),
                input(CALLER_NAME, "Name", false),
                input(CALLER_EMAIL, "Email", true),
                input(CALLER_ORDER, "Order or booking id", true),
            ],
        )
        .with_submit(pt!("Save"))
        .with_close(pt!("Cancel"))
        .with_callback_id(RECORD_CALLER_MODAL.into())
        .with_private_metadata(t.id.to_string()),
    )
}

/// The lease check-in: "still on #4521?".
pub fn lease_dm(t: &Ticket, seq: i64, idle_minutes: i64, grace_minutes: i64) -> Reply {
    let text = format!(
        "Still on {}? Nothing has happened on it for {} h {} min. Keep it, or release it to the queue; without an answer it goes back to the queue in {grace_minutes} min.",
        ticket_ref(t),
        idle_minutes / 60,
        idle_minutes % 60
    );
    let value = lease_value(t.id, seq);
    Reply {
        blocks: vec![
            section(format!(
                "{text}\n*{}*  ·  {}",
                esc(&headline(t)),
                ticket_link(t)
            )),
            SlackActionsBlock::new(vec![
                button(ActionId::LeaseKeep, "Keep", value.clone())
                    .with_style(SlackBlockButtonStyle::Primary)
                    .into(),
                button(ActionId::LeaseRelease, "Release", value).into(),
            ])
            .into(),
        ],
        text,
    }
}

fn line(t: &Ticket, now_ms: i64, since_ms: i64) -> String {
    let kind = if t.kind == "missed_call" {
        ":telephone_receiver: "
    } else {
        ""
    };
    format!(
        "• {kind}*{}* {}  ·  {}  ·  {} priority  ·  {}",
        ticket_ref(t),
        esc(&headline(t)),
        ticket_link(t),
        t.priority,
        age(since_ms, now_ms)
    )
}

/// `/cx mine`: open claims, oldest first, with age (and SLA due once SLAs exist).
pub fn mine(m: &Mine) -> Reply {
    let (claims, now_ms) = (&m.claims, m.now_ms);
    if claims.is_empty() {
        return Reply::text("You have no open claims. `/cx queue` shows what is waiting.");
    }
    let mut text = format!("*Your open claims ({})*, oldest first:", claims.len());
    for t in claims.iter().take(40) {
        text.push('\n');
        text.push_str(&line(t, now_ms, t.claim.claimed_at.unwrap_or(t.opened_at)));
    }
    Reply {
        blocks: chunk_sections(&text),
        text: format!("Your open claims: {}", claims.len()),
    }
}

/// `/cx queue`: unclaimed tickets, missed calls first, then priority, then age.
pub fn queue(q: &Queue) -> Reply {
    let (tickets, total, now_ms) = (&q.tickets, q.total, q.now_ms);
    const EMPTY: &str = ":tada: The queue is empty: every open ticket has an owner.";
    if tickets.is_empty() && q.fringe.is_empty() {
        return Reply::text(EMPTY);
    }
    let label = super::unclaimed_label(total);
    let mut text = if tickets.is_empty() {
        EMPTY.to_string()
    } else {
        format!("*Unclaimed: {label}* (missed calls first, then priority, then age)")
    };
    for t in tickets {
        text.push('\n');
        text.push_str(&line(t, now_ms, t.opened_at));
    }
    if total > crate::domain::claim::UNCLAIMED_COUNT_CAP {
        text.push_str("\n…and many more.");
    } else if total > tickets.len() as i64 {
        text.push_str(&format!("\n…and {} more.", total - tickets.len() as i64));
    }
    let mut blocks = chunk_sections(&text);
    if !q.fringe.is_empty() {
        let mut fringe = format!(
            "*Waiting on engineering, nothing new for {} days or more ({})*",
            q.fringe_days,
            q.fringe.len()
        );
        for t in &q.fringe {
            fringe.push('\n');
            fringe.push_str(&line(t, now_ms, t.updated_at));
        }
        blocks.extend(chunk_sections(&fringe));
    }
    blocks.push(context(
        "Claim one with `/cx claim <ticket>` or its card's Claim button.",
    ));
    Reply {
        blocks,
        text: format!("Unclaimed tickets: {label}"),
    }
}

/// Splits long text over several sections (3000 characters each), on line boundaries.
fn chunk_sections(text: &str) -> Vec<SlackBlock> {
    let mut blocks = Vec::new();
    let mut cur = String::new();
    for l in text.lines() {
        if cur.chars().count() + l.chars().count() + 1 > super::MAX_SECTION_TEXT && !cur.is_empty()
        {
            blocks.push(section(&cur));
            cur.clear();
        }
        if !cur.is_empty() {
            cur.push('\n');
        }
        cur.push_str(l);
    }
    if !cur.is_empty() {
        blocks.push(section(&cur));
    }
    blocks.truncate(MAX_MESSAGE_BLOCKS - 1);
    blocks
}

/// A Claim button for the home tab's oldest unclaimed tickets.
pub fn claim_button(t: &Ticket) -> SlackSectionBlockElement {
    button(ActionId::Claim, "Claim", t.id.to_string()).into()
}
