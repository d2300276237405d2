//! The words of every [`Refusal`]: what the person is told instead, and what to do.
//! Shown behind a warning sign (`super::user_error`) in a command's or button's reply, or
//! under a modal's field.

use super::card::headline;
use super::claim::number_ref;
use crate::service::Refusal;
use crate::slack::commands::USAGE;

fn followup_usage() -> String {
    USAGE
        .iter()
        .filter(|(u, _)| u.starts_with("/cx followup"))
        .map(|(u, _)| format!("`{u}`"))
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn text(r: &Refusal) -> String {
    let n = number_ref;
    match r {
        Refusal::NoSuchTicket => "That ticket no longer exists in cxbot.".into(),
        Refusal::UnknownTicket { query } => format!(
            "No ticket {query} is known to cxbot. Check the number in the helpdesk{}.",
            if query.helpdesk.is_some() {
                ""
            } else {
                ", or prefix the helpdesk (`zendesk:4521`)"
            }
        ),
        Refusal::AmbiguousTicket { query, matches } => {
            let list: Vec<String> = matches
                .iter()
                .map(|t| format!("`{}:{}` ({})", t.helpdesk, t.external_id, headline(t)))
                .collect();
            let (helpdesk, number) = matches
                .first()
                .map(|t| (t.helpdesk.as_str(), t.external_id.as_str()))
                .unwrap_or_default();
            format!(
                "{query} matches tickets in several helpdesks: {}. Name the helpdesk, e.g. `{helpdesk}:{number}`.",
                list.join(", ")
            )
        }
        Refusal::AlreadyDone { number, status } => {
            format!("{} is already {status}.", n(number))
        }
        Refusal::DoneInHelpdesk { number, helpdesk } => format!(
            "cxbot does not write to {helpdesk}, so :white_check_mark: cannot resolve {}: resolve it in {helpdesk}, and its card follows.",
            n(number)
        ),
        Refusal::NothingToClaim { number, status } => {
            format!("{} is {status}: there is nothing to claim.", n(number))
        }
        Refusal::AlreadyYours { number, since } => format!(
            "{} is already yours (since {}).",
            n(number),
            since.format("%H:%M")
        ),
        Refusal::ClaimedBy {
            number,
            holder,
            since,
        } => format!(
            "{} is already claimed by <@{holder}> at {}. Ask them, or a lead, if it should change hands.",
            n(number),
            since.format("%H:%M")
        ),
        Refusal::ClaimRaced { number } => {
            format!("{} changed while you clicked; try again.", n(number))
        }
        Refusal::NotClaimed { number } => format!(
            "{} is not claimed, so there is nothing to release.",
            n(number)
        ),
        Refusal::NotYours { number, owner } => format!(
            "{} is <@{owner}>'s claim: only they or a lead can release it.",
            n(number)
        ),
        Refusal::ReleaseRaced { number } => format!(
            "{} changed while you clicked; look at its card and try again.",
            n(number)
        ),
        Refusal::LeadsOnlyAssign => {
            "Only a lead can assign tickets. Ask a lead, or `/cx claim` it yourself.".into()
        }
        Refusal::ReopenFirst { number, status } => format!(
            "{} is {status}: reopen it in the helpdesk first.",
            n(number)
        ),
        Refusal::AssignRaced { number } => {
            format!("{} changed while you assigned it; try again.", n(number))
        }
        Refusal::UnknownTarget { key } => {
            format!("`{key}` is not an escalation target in the playbook.")
        }
        Refusal::TopOfLadder { number } => format!(
            "{} is already at the top of the ladder. Use the card's Escalate button to pick a named target (developers, sales).",
            n(number)
        ),
        Refusal::TargetWithoutChannel { key } => {
            format!("The playbook's escalation target {key} has no usable channel.")
        }
        Refusal::CheckInOutOfDate { number, yours } => format!(
            "That check-in is out of date: {} is no longer {} claim.",
            n(number),
            if *yours { "your" } else { "that" }
        ),
        Refusal::NotAMissedCall { number } => format!("{} is not a missed call.", n(number)),
        Refusal::AlreadyCalledBack { number, by } => format!(
            "<@{by}> already called this customer back about {}: the notes are in the card's thread. Don't call twice.",
            n(number)
        ),
        Refusal::NoNumberToName => "This missed call has no number to attach a name to.".into(),
        Refusal::CallerNameMissing => "Give the caller's name.".into(),
        Refusal::NotAnEmail { given } => format!("{given:?} is not an email address."),
        Refusal::NoOneToFollowUp { number, status } => format!(
            "{} is {status}: there is no one to follow up.",
            n(number)
        ),
        Refusal::FollowUpRunning { number, status } => format!(
            "{} already has a follow-up running: {status}. Use `/cx followup {number} stop` first to start over.",
            n(number)
        ),
        Refusal::StartInFuture { date } => format!(
            "`from {date}` is in the future: day 1 can be today or earlier.\n{}",
            followup_usage()
        ),
        Refusal::NoDefaultCadence => "The playbook has no default cadence.".into(),
        Refusal::UnknownCadence { name, known } => format!(
            "`{name}` is not a cadence in the playbook (it has: {}).\n{}",
            known.join(", "),
            followup_usage()
        ),
        Refusal::CadenceGone { number, cadence } => format!(
            "{}'s follow-up uses cadence \"{cadence}\", which is no longer in the playbook. `/cx followup {number} stop`, then start another.",
            n(number)
        ),
        Refusal::NoFollowUp { number } => format!(
            "No follow-up is running on {}. Start one with `/cx followup {number}`.",
            n(number)
        ),
        Refusal::FollowUpRaced { number } => format!(
            "{}'s follow-up changed at the same moment; try again.",
            n(number)
        ),
        Refusal::StaleReminder { number } => format!(
            "That reminder is out of date. `/cx followup {number}` shows where the ticket is now."
        ),
        Refusal::LeadsOnlyDirective => {
            "Only a lead can post or end a directive. `/cx directive status` shows the live ones.".into()
        }
        Refusal::NoSuchDirective { id } => format!(
            "There is no live directive {id}. `/cx directive status` lists the live ones."
        ),
        Refusal::AlreadyAcknowledged { since } => {
            format!("You already acknowledged this directive at {}.", since.format("%H:%M"))
        }
        Refusal::EmptyDirective => "A directive needs its text, e.g. `/cx directive Use the new refund macro from today.`".into(),
        Refusal::Said(words) => words.clone(),
    }
}
