//! Shift surfaces (seed 004): the `/cx on` briefing, the `/cx off` hand-over (Release and
//! "Hand to..." on each claim), and `/cx who`.

use super::card::{esc, headline, ticket_link};
use super::claim::ticket_ref;
use super::notice::when;
use super::{context, section, truncate, unclaimed_label, Reply, MAX_MESSAGE_BLOCKS};
use crate::domain::ticket::Ticket;
use crate::service::shifts::{Briefing, Handover, Who};
use crate::service::writeback::WhoAmI;
use crate::slack::actions::{hand_to_value, ActionId};
use slack_morphism::prelude::*;

fn line(t: &Ticket) -> String {
    format!(
        "• *{}* {}  ·  {}",
        ticket_ref(t),
        esc(&headline(t)),
        ticket_link(t)
    )
}

fn list(title: String, tickets: &[Ticket], empty: &str) -> String {
    let mut text = title;
    if tickets.is_empty() {
        text.push_str(&format!("\n_{empty}_"));
    }
    for t in tickets.iter().take(10) {
        text.push('\n');
        text.push_str(&line(t));
    }
    text
}

/// `/cx on`.
pub fn briefing(b: &Briefing) -> Reply {
    let head = if b.already_on {
        ":sunrise: You are already on shift. Here is what is waiting."
    } else {
        ":sunrise: Your shift has started. Here is what is waiting."
    };
    let mut blocks = vec![section(head)];
    blocks.push(section(list(
        format!("*Unclaimed: {}*", unclaimed_label(b.unclaimed_count)),
        &b.unclaimed,
        "The queue is empty.",
    )));
    blocks.push(section(list(
        format!("*Near an SLA breach ({})*", b.near_breach.len()),
        &b.near_breach,
        "Nothing is close to its SLA.",
    )));
    blocks.push(section(list(
        format!("*Your claims ({})*", b.mine.len()),
        &b.mine,
        "Nothing claimed.",
    )));
    blocks.push(section(list(
        format!("*Your follow-ups due today ({})*", b.followups_due.len()),
        &b.followups_due,
        "None due today.",
    )));
    if !b.directives.is_empty() {
        blocks.push(section(format!(
            "*Directives to acknowledge*\n{}",
            b.directives.join("\n")
        )));
    }
    blocks.push(context(
        "`/cx off` ends your shift; `/cx who` shows who is on.",
    ));
    Reply {
        text: format!(
            "{head} Unclaimed: {}, near breach: {}, your claims: {}.",
            unclaimed_label(b.unclaimed_count),
            b.near_breach.len(),
            b.mine.len()
        ),
        blocks,
    }
}

/// `/cx off`: each claim with Release and, when someone is on, "Hand to...".
pub fn handover(h: &Handover) -> Reply {
    let head = if h.was_on {
        ":city_sunset: Your shift has ended."
    } else {
        ":city_sunset: You were not on shift."
    };
    if h.claims.is_empty() {
        return Reply::text(format!("{head} You hold no open tickets. Good night!"));
    }
    let mut blocks = vec![section(format!(
        "{head} You still hold {} open ticket{}: release them to the queue or hand them to someone on shift. _Our turn_ means the customer is waiting on us.",
        h.claims.len(),
        if h.claims.len() == 1 { "" } else { "s" }
    ))];
    for t in h.claims.iter().take((MAX_MESSAGE_BLOCKS - 2) / 2) {
        let ours = if t.status == "open" {
            "  ·  _our turn_"
        } else {
            ""
        };
        blocks.push(section(format!("{}{ours}", line(t))));
        let release = SlackBlockButtonElement::new(pt!("Release"))
            .with_action_id(ActionId::Release.as_str().into())
            .with_value(t.id.to_string());
        let mut elements: Vec<SlackActionBlockElement> = vec![release.into()];
        if !h.on_shift.is_empty() {
            let options: Vec<_> = h
                .on_shift
                .iter()
                .take(100)
                .map(|(u, name)| {
                    SlackBlockChoiceItem::new(pt!(truncate(name, 75)), hand_to_value(t.id, u))
                })
                .collect();
            let select = SlackBlockStaticSelectElement::new()
                .with_action_id(ActionId::HandTo.as_str().into())
                .with_placeholder(pt!("Hand to..."))
                .with_options(options);
            elements.push(select.into());
        }
        blocks.push(SlackActionsBlock::new(elements).into());
    }
    if h.on_shift.is_empty() {
        blocks.push(context(
            "Nobody else is on shift now: release them, or keep them for your next shift.",
        ));
    }
    Reply {
        text: format!("{head} You hold {} open tickets.", h.claims.len()),
        blocks,
    }
}

/// `/cx who`.
pub fn who(w: &Who) -> Reply {
    let mut text = format!("*On shift now ({})*", w.on.len());
    if w.on.is_empty() {
        text.push_str("\n_Nobody._");
    }
    for (u, since) in &w.on {
        text.push_str(&match since {
            Some(at) => format!("\n• <@{u}> since {}", when(*at)),
            None => format!("\n• <@{u}> (by schedule)"),
        });
    }
    if !w.next.is_empty() {
        text.push_str("\n*Next on*");
        for (u, at) in w.next.iter().take(10) {
            text.push_str(&format!("\n• <@{u}> {}", when(*at)));
        }
    }
    Reply::text(text)
}

/// `/cx whoami`: who the person is in each helpdesk cxbot writes to.
pub fn whoami(w: &WhoAmI) -> Reply {
    let mut text = format!("*You are <@{}>*", w.user);
    match &w.email {
        Some(e) => text.push_str(&format!(" ({e})")),
        None => text.push_str(" (no email known: cxbot reads it from your Slack profile)"),
    }
    if w.helpdesks.is_empty() {
        text.push_str("\ncxbot writes to no helpdesk yet, so it needs no agent for you.");
    }
    for (helpdesk, found) in &w.helpdesks {
        text.push_str(&match found {
            Some(a) if a.source == "playbook" => {
                format!("\n• {helpdesk}: agent {} (set in the playbook)", a.agent_id)
            }
            Some(a) => format!(
                "\n• {helpdesk}: agent {} (matched by the email {} {})",
                a.agent_id,
                a.email.as_deref().unwrap_or("on file"),
                when(a.matched_at)
            ),
            None => format!(
                "\n• {helpdesk}: not matched yet. cxbot looks you up by email the first time it \
                 writes for you; a lead can set your agent id in the playbook's [[team.member]]."
            ),
        });
    }
    Reply::text(text)
}

/// The answer to a check-in prompt's button.
pub fn checked_in(name: &str, done: bool) -> Reply {
    Reply::text(if done {
        format!(":white_check_mark: Checked in ({name}). Thanks!")
    } else {
        format!("Your {name} check-in is already recorded, or its window has closed.")
    })
}
