//! Freshdesk's numeric codes and display names for status, priority and source (the table is
//! in the module header of `freshdesk.rs`; `tests/fixtures/freshdesk/api_v2_codes.json` is
//! the source). Unknown values never fail: they only enrich a ticket.

use super::CodeOrName;
use crate::domain::intake::{Priority, SocialPlatform, Source, TicketStatus};

pub fn status_from_code(code: u64) -> Option<TicketStatus> {
    match code {
        2 => Some(TicketStatus::Open),
        3 => Some(TicketStatus::Pending),
        4 => Some(TicketStatus::Solved),
        5 => Some(TicketStatus::Closed),
        6.. => Some(TicketStatus::Pending), // custom status
        _ => None,
    }
}

pub fn status_from(v: &CodeOrName) -> Option<TicketStatus> {
    match v {
        CodeOrName::Code(c) => status_from_code(*c),
        // Any name that is not a built-in one is a custom status.
        CodeOrName::Name(n) => Some(TicketStatus::parse(n).unwrap_or(TicketStatus::Pending)),
    }
}

pub fn priority_from(v: &CodeOrName) -> Option<Priority> {
    match v {
        CodeOrName::Code(1) => Some(Priority::Low),
        CodeOrName::Code(2) => Some(Priority::Medium),
        CodeOrName::Code(3) => Some(Priority::High),
        CodeOrName::Code(4) => Some(Priority::Urgent),
        CodeOrName::Code(_) => None,
        CodeOrName::Name(n) => Priority::parse(n),
    }
}

const SOURCE_CODES: [&str; 12] = [
    "Email",
    "Portal",
    "Phone",
    "Forum",
    "Twitter",
    "Facebook",
    "Chat",
    "Mobihelp",
    "Feedback Widget",
    "Outbound Email",
    "E-commerce",
    "Bot",
];

/// The source, and the social platform when the source names one.
pub fn source_from(v: &CodeOrName) -> (Source, Option<SocialPlatform>) {
    let name = match v {
        CodeOrName::Code(c) => match SOURCE_CODES.get((*c as usize).wrapping_sub(1)) {
            Some(name) => (*name).to_owned(),
            None => return (Source::Other(format!("code_{c}")), None),
        },
        CodeOrName::Name(n) => n.clone(),
    };
    (Source::parse(&name), SocialPlatform::parse(&name))
}
