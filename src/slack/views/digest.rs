//! The leads' digest: empty sections left out, "all clear" in one line when nothing needs
//! the leads.

use super::card::{esc, headline, ticket_link};
use super::claim::ticket_ref;
use super::notice::Rendered;
use super::{section, Reply};
use crate::domain::summary::Digest;
use crate::domain::ticket::Ticket;

fn list(title: &str, tickets: &[Ticket]) -> Option<String> {
    if tickets.is_empty() {
        return None;
    }
    let mut text = format!("*{title} ({})*", tickets.len());
    for t in tickets {
        text.push_str(&format!(
            "\n• *{}* {}  ·  {}",
            ticket_ref(t),
            esc(&headline(t)),
            ticket_link(t)
        ));
    }
    Some(text)
}

pub fn render(d: &Digest) -> Rendered {
    let head = ":clipboard: *Leads' digest*".to_string();
    if d.is_all_clear() {
        let text = format!("{head}: all clear.");
        return Rendered {
            blocks: Some(vec![section(&text)]),
            text,
        };
    }
    let mut parts = vec![head.clone()];
    let unclaimed: i64 = d.unclaimed_by_age.iter().map(|(_, n)| n).sum();
    if unclaimed > 0 {
        let ages: Vec<String> = d
            .unclaimed_by_age
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(a, n)| format!("{a}: {n}"))
            .collect();
        parts.push(format!("*Unclaimed: {unclaimed}* ({})", ages.join(", ")));
    }
    if d.unclaimed_past_time > 0 {
        parts.push(format!(
            "*Unclaimed past their time:* {} (re-announced here; nobody has them yet)",
            d.unclaimed_past_time
        ));
    }
    parts.extend(list("Near an SLA breach", &d.near_breach));
    parts.extend(list("Overdue follow-ups", &d.overdue_followups));
    parts.extend(list("Claims idle past their lease", &d.idle_claims));
    if !d.on_shift.is_empty() {
        let who: Vec<String> = d.on_shift.iter().map(|u| format!("<@{u}>")).collect();
        parts.push(format!("*On shift:* {}", who.join(", ")));
    }
    Rendered {
        blocks: Some(parts.iter().map(section).collect()),
        text: head,
    }
}

/// `/cx digest`, to whoever asks.
pub fn reply(d: &Digest) -> Reply {
    let r = render(d);
    Reply {
        text: r.text,
        blocks: r.blocks.unwrap_or_default(),
    }
}
