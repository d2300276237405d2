//! Follow-up surfaces: the reminder (Done / Customer replied / Snooze 1h) and the
//! overdue list.

use super::card::{esc, headline, ticket_link};
use super::claim::{number_ref, ticket_ref};
use super::{context, section, Reply};
use crate::domain::ticket::Ticket;
use crate::service::followup::{FollowUpOutcome, OverdueLine};
use crate::slack::actions::ActionId;
use slack_morphism::prelude::*;

/// A reminder button's value: `ticket_id:rev:step`, so a click on an old reminder (an
/// earlier step, or before a restart) is recognised and refused.
pub fn step_value(ticket_id: i64, rev: i64, step: usize) -> String {
    format!("{ticket_id}:{rev}:{step}")
}

pub fn parse_step_value(v: &str) -> Option<(i64, i64, usize)> {
    let mut it = v.split(':');
    let r = (
        it.next()?.parse().ok()?,
        it.next()?.parse().ok()?,
        it.next()?.parse().ok()?,
    );
    it.next().is_none().then_some(r)
}

fn button(action: ActionId, label: &str, value: &str) -> SlackActionBlockElement {
    SlackBlockButtonElement::new(pt!(label))
        .with_action_id(action.as_str().into())
        .with_value(value.to_string())
        .into()
}

/// The reminder for one step. `for_whom` is "" for the owner's DM, or a line saying whose
/// ticket it is when it goes to the queue channel.
pub fn reminder(
    t: &Ticket,
    instructions: &str,
    value: &str,
    for_whom: &str,
    overdue: bool,
) -> Reply {
    let flag = if overdue {
        ":warning: *Overdue* "
    } else {
        ":date: "
    };
    let text = format!("{flag}Follow-up due on {}: {}", ticket_ref(t), instructions);
    let mut blocks = vec![section(format!(
        "{flag}*Follow-up due on {}*  ·  {}  ·  {}\n{}",
        ticket_ref(t),
        esc(&headline(t)),
        ticket_link(t),
        esc(instructions)
    ))];
    if !for_whom.is_empty() {
        blocks.push(context(for_whom));
    }
    blocks.push(
        SlackActionsBlock::new(vec![
            button(ActionId::FollowupDone, "Done", value),
            button(ActionId::FollowupReplied, "Customer replied", value),
            button(ActionId::FollowupSnooze, "Snooze 1h", value),
        ])
        .into(),
    );
    Reply { text, blocks }
}

/// What the person who acted on a follow-up is told.
pub fn outcome(o: &FollowUpOutcome) -> Reply {
    Reply::text(match o {
        FollowUpOutcome::Started { status } => format!("Started: {status}"),
        FollowUpOutcome::Status { number, status } => format!("{}: {status}", number_ref(number)),
        FollowUpOutcome::Recorded {
            number,
            day,
            note,
            next,
        } => format!(
            "Recorded day {day} on {}.{} Next: {}",
            number_ref(number),
            note.as_deref()
                .map(|n| format!(" Internal note: {n}"))
                .unwrap_or_default(),
            next.as_deref().unwrap_or("The cadence is complete.")
        ),
        FollowUpOutcome::AlreadyRecorded { number } => {
            format!("That step of {} is already recorded.", number_ref(number))
        }
        FollowUpOutcome::Stopped { number } => {
            format!("Stopped the follow-up on {}.", number_ref(number))
        }
        FollowUpOutcome::Snoozed { number } => {
            format!("Snoozed {} for an hour.", number_ref(number))
        }
    })
}

pub fn overdue(lines: &[OverdueLine]) -> Reply {
    if lines.is_empty() {
        return Reply::text(":white_check_mark: No follow-up is overdue.");
    }
    let mut text = format!("*Overdue follow-ups ({})*", lines.len());
    for l in lines.iter().take(40) {
        let owner = l
            .ticket
            .claimed_by
            .as_deref()
            .map(|u| format!("<@{u}>"))
            .unwrap_or_else(|| "unclaimed".into());
        text.push_str(&format!(
            "\n• *{}* {}  ·  {owner}  ·  {}",
            ticket_ref(&l.ticket),
            esc(&headline(&l.ticket)),
            esc(&l.status)
        ));
    }
    Reply::text(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_values_round_trip() {
        assert_eq!(parse_step_value(&step_value(4, 2, 3)), Some((4, 2, 3)));
        assert_eq!(parse_step_value("4:2"), None);
        assert_eq!(parse_step_value("4:2:3:9"), None);
    }
}
