//! The ticket card and the lines intake writes about a ticket (thread lines, the leads'
//! notice, the pickup line). The card is re-rendered from the stored row on every change
//! (`jobs::sync_card`), so it always shows the ticket as it is now.
//!
//! No Claim/Escalate buttons yet: they arrive with their behaviour in the next issue.

use super::{context, header, section, truncate, Reply, MAX_MESSAGE_BLOCKS};
use crate::clock::from_ms;
use crate::domain::intake::{Review, ReviewStore, Social, SocialKind, SocialPlatform};
use crate::domain::sla::SlaState;
use crate::domain::ticket::Ticket;

/// Longest customer message quoted on a card; the helpdesk has the rest.
const MAX_QUOTE: usize = 1_200;

/// Everything the card shows besides the ticket row.
#[derive(Debug, Clone, PartialEq)]
pub struct CardView<'a> {
    pub ticket: &'a Ticket,
    pub now_ms: i64,
    /// Missed calls only: who called.
    pub caller: Option<Caller>,
    /// A blank missed chat that still needs a follow-up: the text to send.
    pub follow_up: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Caller {
    /// In the customer directory: their name (if known) and recent other tickets.
    Known {
        name: Option<String>,
        recent: Vec<Ticket>,
    },
    Unknown,
}

fn platform(p: SocialPlatform) -> &'static str {
    match p {
        SocialPlatform::Facebook => "Facebook",
        SocialPlatform::Instagram => "Instagram",
        SocialPlatform::Twitter => "Twitter",
    }
}

fn social_kind(k: Option<SocialKind>) -> &'static str {
    match k {
        Some(SocialKind::Dm) => "DM",
        Some(SocialKind::Comment) => "comment",
        Some(SocialKind::Mention) => "mention",
        None => "message",
    }
}

fn store_name(s: ReviewStore) -> &'static str {
    match s {
        ReviewStore::GooglePlay => "Google Play",
        ReviewStore::AppStore => "the App Store",
    }
}

/// Helpdesk text is the customer's: escaped so it cannot ping `<!channel>` or fake a link.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn customer_label(t: &Ticket) -> String {
    t.customer_name
        .clone()
        .or_else(|| t.customer_email.clone())
        .or_else(|| t.customer_phone.clone())
        .unwrap_or_else(|| "an unknown customer".into())
}

/// What happened, in one line: "Missed call from +1 555 0100", "Instagram DM to OurBus".
pub fn headline(t: &Ticket) -> String {
    let subject = t.subject.as_deref().unwrap_or("(no subject)");
    match t.kind.as_str() {
        "missed_call" => {
            let who = t
                .customer_phone
                .clone()
                .unwrap_or_else(|| customer_label(t));
            match t.missed_calls {
                n if n > 1 => format!("{n} missed calls from {who}"),
                _ => format!("Missed call from {who}"),
            }
        }
        "missed_chat" => format!("Missed chat from {}", customer_label(t)),
        "social" | "marketing" => match t
            .social
            .as_deref()
            .and_then(|s| serde_json::from_str::<Social>(s).ok())
        {
            Some(s) => {
                let mut line = format!("{} {}", platform(s.platform), social_kind(s.kind));
                if let Some(brand) = s.brand {
                    line.push_str(&format!(" to {brand}"));
                }
                line
            }
            None => format!("Social message: {subject}"),
        },
        "app_review" => match t
            .review
            .as_deref()
            .and_then(|r| serde_json::from_str::<Review>(r).ok())
        {
            Some(r) => {
                let version = r
                    .app_version
                    .map(|v| format!(" of {v}"))
                    .unwrap_or_default();
                let beta = if r.beta { " (beta)" } else { "" };
                format!(
                    "{}★ review{version}{beta} on {}",
                    r.rating,
                    store_name(r.store)
                )
            }
            None => format!("App review: {subject}"),
        },
        "email" => format!("Email: {subject}"),
        _ => format!("Ticket: {subject}"),
    }
}

pub fn ticket_link(t: &Ticket) -> String {
    let label = esc(&format!("{} #{}", t.helpdesk, t.external_id));
    match &t.url {
        Some(url) if !url.contains(['<', '>', '|', ' ']) => format!("<{url}|{label}>"),
        _ => label,
    }
}

/// "1 h 10 min", "25 min", "2 d 3 h".
pub fn span(ms: i64) -> String {
    let mins = ms.max(0) / 60_000;
    match mins {
        m if m < 60 => format!("{m} min"),
        m if m < 48 * 60 && m % 60 == 0 => format!("{} h", m / 60),
        m if m < 48 * 60 => format!("{} h {} min", m / 60, m % 60),
        m => format!("{} d {} h", m / (24 * 60), (m / 60) % 24),
    }
}

/// The card's SLA fact: "Reply due at 14:05, in 1 h 10 min", then "BREACHED 25 min ago";
/// paused, or answered. As of the card's last render (it is re-rendered when the clock
/// warns, breaches or changes, not every minute); the time shows in each reader's zone.
pub fn sla_fact(s: &SlaState, now_ms: i64) -> Option<String> {
    s.policy.as_ref()?;
    let due = s.due_at;
    Some(match (s.breached_at, s.met_at, due) {
        (Some(_), None, _) => format!(
            "*SLA:* :rotating_light: *BREACHED* {} ago",
            span(now_ms - due.or(s.breached_at).unwrap_or(now_ms))
        ),
        (Some(_), Some(_), _) => "*SLA:* breached, then answered".to_string(),
        (None, Some(_), _) => format!("*SLA:* answered in {}", span(s.used_ms)),
        (None, None, Some(d)) if d > now_ms => format!(
            "*Reply due* {}, in {}",
            super::notice::when(d),
            span(d - now_ms)
        ),
        (None, None, Some(d)) => format!("*Reply due* {}", super::notice::when(d)),
        (None, None, None) => format!(
            "*SLA:* paused, {} left",
            span(s.budget_ms.unwrap_or(0) - s.used_ms)
        ),
    })
}

pub fn age(from_ms: i64, now_ms: i64) -> String {
    let mins = (now_ms - from_ms).max(0) / 60_000;
    match mins {
        0 => "just now".into(),
        m if m < 60 => format!("{m} min"),
        m if m < 48 * 60 => format!("{} h", m / 60),
        m => format!("{} d", m / (24 * 60)),
    }
}

fn status_line(t: &Ticket) -> String {
    let mut line = match t.status.as_str() {
        "solved" => ":white_check_mark: *Solved*".to_string(),
        "closed" => ":lock: *Closed*".to_string(),
        "pending" => ":hourglass: Pending".to_string(),
        other => format!(":large_blue_circle: {}", capitalise(other)),
    };
    if t.answered {
        line.push_str("  ·  :ballot_box_with_check: *Already answered*: the customer wrote again since; no follow-up needed");
    }
    if t.customer_replied_at.is_some() && t.is_open() {
        line.push_str("  ·  :speech_balloon: *Customer replied*");
    }
    line
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

fn details(v: &CardView<'_>) -> String {
    let t = v.ticket;
    let customer: Vec<String> = [
        t.customer_name.clone(),
        t.customer_email.clone(),
        t.customer_phone.clone(),
        t.customer_order_id.as_ref().map(|o| format!("order {o}")),
    ]
    .into_iter()
    .flatten()
    .map(|c| esc(&c))
    .collect();
    let mut lines = vec![format!(
        "*Customer:* {}",
        if customer.is_empty() {
            "unknown".into()
        } else {
            customer.join(" · ")
        }
    )];
    let mut facts = vec![format!("*Priority:* {}", capitalise(&t.priority))];
    if let Some(d) = &t.department {
        facts.push(format!("*Department:* {}", esc(d)));
    }
    facts.push(format!("*Age:* {}", age(t.opened_at, v.now_ms)));
    if let Some(sla) = sla_fact(&t.sla, v.now_ms) {
        facts.push(sla);
    }
    facts.push(match &t.claimed_by {
        Some(u) if t.claim.auto_seq == Some(t.claim.claim_seq) => {
            format!("*Assigned to* <@{u}> (auto)")
        }
        Some(u) => format!("*Claimed by* <@{u}>"),
        None => "*Assignee:* nobody yet".into(),
    });
    lines.push(facts.join("  ·  "));
    let tags = t.tag_list();
    if !tags.is_empty() {
        lines.push(format!("*Tags:* {}", esc(&tags.join(", "))));
    }
    lines.join("\n")
}

fn caller_text(c: &Caller) -> String {
    match c {
        Caller::Unknown => {
            ":grey_question: Unknown number: no customer on file with this number.".into()
        }
        Caller::Known { name, recent } => {
            let who = esc(name.as_deref().unwrap_or("a known customer"));
            if recent.is_empty() {
                return format!(":bust_in_silhouette: Caller: *{who}* (no earlier tickets)");
            }
            let list: Vec<String> = recent
                .iter()
                .map(|r| format!("• {} ({}, {})", ticket_link(r), esc(&headline(r)), r.status))
                .collect();
            format!(
                ":bust_in_silhouette: Caller: *{who}*. Recent tickets:\n{}",
                list.join("\n")
            )
        }
    }
}

fn quote(text: &str) -> String {
    esc(&truncate(text.trim(), MAX_QUOTE))
        .lines()
        .map(|l| format!("> {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The card: posted once, then updated in place.
pub fn ticket_card(v: &CardView<'_>) -> Reply {
    let t = v.ticket;
    let head = headline(t);
    let mut blocks = vec![header(&head)];
    let mut body = Vec::new();
    if let Some(s) = t.subject.as_deref().filter(|s| !s.trim().is_empty()) {
        body.push(format!("*{}*", esc(s.trim())));
    }
    if let Some(m) = t.message.as_deref().filter(|m| !m.trim().is_empty()) {
        body.push(quote(m));
    } else if t.kind == "missed_chat" {
        body.push("_The customer left no message._".into());
    }
    if !body.is_empty() {
        blocks.push(section(body.join("\n")));
    }
    blocks.push(section(details(v)));
    if let Some(c) = &v.caller {
        blocks.push(section(caller_text(c)));
    }
    if let Some(f) = &v.follow_up {
        blocks.push(section(format!("*Follow-up to send:*\n```{}```", esc(f))));
    }
    blocks.push(section(status_line(t)));
    for line in [
        super::claim::escalation_line(t),
        super::claim::callback_line(t),
    ]
    .into_iter()
    .flatten()
    {
        blocks.push(section(line));
    }
    if let Some(actions) = super::claim::card_actions(t, matches!(v.caller, Some(Caller::Unknown)))
    {
        blocks.push(actions);
    }
    blocks.push(context(format!(
        "{}  ·  routed to this channel as {}",
        ticket_link(t),
        t.kind.replace('_', " ")
    )));
    blocks.truncate(MAX_MESSAGE_BLOCKS);
    Reply {
        text: format!("{} ({}, {})", esc(&head), t.priority, t.status),
        blocks,
    }
}

/// The leads' notice for a High/Urgent ticket (posted once per ticket).
pub fn leads_notice(t: &Ticket) -> String {
    format!(
        ":rotating_light: {} priority: {} in {}: {}",
        capitalise(&t.priority),
        esc(&headline(t)),
        t.channel,
        ticket_link(t)
    )
}

/// Posted to the queue when a customer replies on a ticket nobody has.
pub fn pickup_line(t: &Ticket) -> String {
    format!(
        ":speech_balloon: The customer replied on {} ({}) and nobody has it: please pick it up.",
        ticket_link(t),
        esc(&headline(t))
    )
}

pub fn status_changed(from: &str, to: &str) -> String {
    format!("Status: {} → {}", capitalise(from), capitalise(to))
}

pub fn priority_changed(from: &str, to: &str) -> String {
    format!("Priority: {} → {}", capitalise(from), capitalise(to))
}

pub fn customer_replied(message: Option<&str>) -> String {
    match message.filter(|m| !m.trim().is_empty()) {
        Some(m) => format!(":speech_balloon: Customer replied:\n{}", quote(m)),
        None => ":speech_balloon: Customer replied.".into(),
    }
}

pub fn another_missed_call(phone: Option<&str>, at_ms: i64, calls: i64) -> String {
    format!(
        ":telephone_receiver: Another missed call from {} at {} (call {calls}).",
        esc(phone.unwrap_or("the same number")),
        from_ms(at_ms).format("%H:%M UTC"),
    )
}

pub fn wrote_again(later: &Ticket) -> String {
    format!(
        ":ballot_box_with_check: The customer wrote again since ({}): already answered, no follow-up needed.",
        esc(&headline(later))
    )
}

#[cfg(test)]
#[path = "card_tests.rs"]
mod tests;
