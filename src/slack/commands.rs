//! The `/cx` grammar: text in, a typed [`Command`] or a [`UsageError`] out. Pure: no I/O,
//! no state, unit-tested here. Dispatch lives in `routes.rs`.
//!
//! Slack sends mentions escaped (`<@U0123|dana>`) because the manifest sets
//! `should_escape: true`; a bare `@dana` is accepted as a name to look up.

use crate::domain::ticket::TicketQuery;
use chrono::NaiveDate;
use std::fmt;

/// Every subcommand with its usage line, in the order `/cx help` shows them.
pub const USAGE: &[(&str, &str)] = &[
    (
        "/cx claim <ticket>",
        "take a ticket: you own it until you release it",
    ),
    (
        "/cx release <ticket>",
        "give a ticket back to the queue (owner or lead)",
    ),
    (
        "/cx escalate <ticket> [reason]",
        "escalate one rung up the ladder, with a reason",
    ),
    (
        "/cx assign <ticket> @someone",
        "give a ticket to someone (leads)",
    ),
    ("/cx mine", "your open claims, oldest first"),
    (
        "/cx followup <ticket> [cadence] [from <date>]",
        "start a follow-up cadence (refund, general, ...); `from 2026-11-20` starts day 1 earlier",
    ),
    (
        "/cx followup <ticket> done [note]",
        "record today's attempt (and its internal note)",
    ),
    (
        "/cx followup <ticket> replied",
        "the customer answered: stop the cadence",
    ),
    ("/cx followup <ticket> stop", "stop the cadence"),
    (
        "/cx followup <ticket>",
        "where the ticket is in its cadence (none yet: starts the playbook's choice)",
    ),
    (
        "/cx followup overdue",
        "follow-up steps not done by the end of their day",
    ),
    (
        "/cx queue",
        "unclaimed tickets: missed calls first, then by priority and age",
    ),
    ("/cx help", "show this list"),
];

/// Someone named in a command: an escaped mention or a bare name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserArg {
    Id(String),
    Name(String),
}

impl UserArg {
    fn parse(s: &str) -> Option<UserArg> {
        if let Some(inner) = s.strip_prefix("<@").and_then(|r| r.strip_suffix('>')) {
            let id = inner.split('|').next().unwrap_or_default();
            return (!id.is_empty()).then(|| UserArg::Id(id.to_string()));
        }
        let name = s.strip_prefix('@')?;
        (!name.is_empty()).then(|| UserArg::Name(name.to_string()))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Help,
    Claim(TicketQuery),
    Release(TicketQuery),
    Escalate {
        ticket: TicketQuery,
        reason: Option<String>,
    },
    Assign {
        ticket: TicketQuery,
        to: UserArg,
    },
    Mine,
    Queue,
    FollowupStart {
        ticket: TicketQuery,
        cadence: Option<String>,
        from: Option<NaiveDate>,
    },
    FollowupDone {
        ticket: TicketQuery,
        note: Option<String>,
    },
    FollowupReplied(TicketQuery),
    FollowupStop(TicketQuery),
    FollowupStatus(TicketQuery),
    FollowupOverdue,
}

impl Command {
    /// The ticket a command is about, if it is about one.
    pub fn ticket(&self) -> Option<&TicketQuery> {
        match self {
            Command::Claim(t)
            | Command::Release(t)
            | Command::FollowupReplied(t)
            | Command::FollowupStop(t)
            | Command::FollowupStatus(t) => Some(t),
            Command::Escalate { ticket, .. }
            | Command::Assign { ticket, .. }
            | Command::FollowupStart { ticket, .. }
            | Command::FollowupDone { ticket, .. } => Some(ticket),
            Command::Help | Command::Mine | Command::Queue | Command::FollowupOverdue => None,
        }
    }
}

/// A typo or a missing argument: shown to the user (ephemerally) with the right usage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageError {
    pub message: String,
    /// The usage lines relevant to what was typed (all of them for an unknown subcommand).
    pub usage: Vec<(&'static str, &'static str)>,
}

impl UsageError {
    fn unknown(sub: &str) -> Self {
        Self {
            message: format!("`{sub}` is not a /cx subcommand."),
            usage: USAGE.to_vec(),
        }
    }

    fn of(sub: &str, message: impl Into<String>) -> Self {
        let prefix = format!("/cx {sub}");
        Self {
            message: message.into(),
            usage: USAGE
                .iter()
                .copied()
                .filter(|(u, _)| u.starts_with(&prefix))
                .collect(),
        }
    }
}

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

fn ticket_arg(sub: &str, word: Option<&str>) -> Result<TicketQuery, UsageError> {
    let word = word.ok_or_else(|| {
        UsageError::of(
            sub,
            format!("`/cx {sub}` needs a ticket number, e.g. `/cx {sub} 4521`."),
        )
    })?;
    TicketQuery::parse(word).ok_or_else(|| {
        UsageError::of(
            sub,
            format!("`{word}` is not a ticket number. Use the helpdesk's number (`4521` or `#4521`), or `zendesk:4521` when two helpdesks share it."),
        )
    })
}

fn no_more(sub: &str, mut words: std::str::SplitWhitespace<'_>) -> Result<(), UsageError> {
    match words.next() {
        None => Ok(()),
        Some(extra) => Err(UsageError::of(
            sub,
            format!("`/cx {sub}` does not take `{extra}`."),
        )),
    }
}

/// Parses the text after `/cx`.
pub fn parse(text: &str) -> Result<Command, UsageError> {
    let mut words = text.split_whitespace();
    let Some(sub) = words.next() else {
        return Ok(Command::Help);
    };
    let lower = sub.to_ascii_lowercase();
    match lower.as_str() {
        "help" | "?" => Ok(Command::Help),
        "claim" | "release" => {
            let ticket = ticket_arg(&lower, words.next())?;
            no_more(&lower, words)?;
            Ok(if lower == "claim" {
                Command::Claim(ticket)
            } else {
                Command::Release(ticket)
            })
        }
        "escalate" => {
            let ticket = ticket_arg("escalate", words.next())?;
            let reason = words.collect::<Vec<_>>().join(" ");
            Ok(Command::Escalate {
                ticket,
                reason: (!reason.is_empty()).then_some(reason),
            })
        }
        "assign" => {
            let ticket = ticket_arg("assign", words.next())?;
            let who = words.next().ok_or_else(|| {
                UsageError::of(
                    "assign",
                    "`/cx assign` needs the person, e.g. `/cx assign 4521 @dana`.",
                )
            })?;
            let to = UserArg::parse(who).ok_or_else(|| {
                UsageError::of(
                    "assign",
                    format!("`{who}` is not a person: mention them with @."),
                )
            })?;
            no_more("assign", words)?;
            Ok(Command::Assign { ticket, to })
        }
        "followup" | "follow-up" | "fu" => parse_followup(words),
        "mine" => no_more("mine", words).map(|_| Command::Mine),
        "queue" => no_more("queue", words).map(|_| Command::Queue),
        _ => Err(UsageError::unknown(sub)),
    }
}

fn parse_followup(mut words: std::str::SplitWhitespace<'_>) -> Result<Command, UsageError> {
    let first = words.next();
    if first.is_some_and(|w| w.eq_ignore_ascii_case("overdue")) {
        return no_more("followup", words).map(|_| Command::FollowupOverdue);
    }
    let ticket = ticket_arg("followup", first)?;
    let rest: Vec<&str> = words.collect();
    match rest.first().map(|w| w.to_ascii_lowercase()).as_deref() {
        None => Ok(Command::FollowupStatus(ticket)),
        Some("done") => {
            let note = rest[1..].join(" ");
            Ok(Command::FollowupDone {
                ticket,
                note: (!note.is_empty()).then_some(note),
            })
        }
        Some("replied") if rest.len() == 1 => Ok(Command::FollowupReplied(ticket)),
        Some("stop") if rest.len() == 1 => Ok(Command::FollowupStop(ticket)),
        Some(_) => {
            let (cadence, tail) = if rest[0].eq_ignore_ascii_case("from") {
                (None, &rest[..])
            } else {
                (Some(rest[0].to_ascii_lowercase()), &rest[1..])
            };
            let from = match tail {
                [] => None,
                [kw, date] if kw.eq_ignore_ascii_case("from") => Some(parse_date(date).ok_or_else(|| {
                    UsageError::of("followup", format!("`{date}` is not a date: write it as YYYY-MM-DD, e.g. `from 2026-11-20`."))
                })?),
                [kw] if kw.eq_ignore_ascii_case("from") => {
                    return Err(UsageError::of("followup", "`from` needs a date, e.g. `from 2026-11-20`."));
                }
                _ => {
                    return Err(UsageError::of(
                        "followup",
                        format!("`/cx followup` did not understand `{}`.", tail.join(" ")),
                    ))
                }
            };
            Ok(Command::FollowupStart {
                ticket,
                cadence,
                from,
            })
        }
    }
}

/// `YYYY-MM-DD`, as `from <date>` takes it.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(n: &str) -> TicketQuery {
        TicketQuery {
            helpdesk: None,
            number: n.into(),
        }
    }

    #[test]
    fn help_and_empty_text_show_help() {
        assert_eq!(parse("help"), Ok(Command::Help));
        assert_eq!(parse("  HELP "), Ok(Command::Help));
        assert_eq!(parse(""), Ok(Command::Help));
    }

    #[test]
    fn unknown_subcommand_names_it_and_carries_usage() {
        let err = parse("clam 4521").unwrap_err();
        assert!(err.message.contains("`clam`"));
        assert_eq!(err.usage, USAGE.to_vec());
    }

    #[test]
    fn ticket_references() {
        assert_eq!(parse("claim 4521"), Ok(Command::Claim(q("4521"))));
        assert_eq!(parse("claim #4521"), Ok(Command::Claim(q("4521"))));
        assert_eq!(
            parse("release Zendesk:#4521"),
            Ok(Command::Release(TicketQuery {
                helpdesk: Some("zendesk".into()),
                number: "4521".into()
            }))
        );
        assert_eq!(
            TicketQuery::parse("zendesk:4521").unwrap().to_string(),
            "zendesk:4521"
        );
        assert_eq!(q("4521").to_string(), "#4521");
    }

    #[test]
    fn bad_or_missing_tickets_show_that_subcommands_usage() {
        let err = parse("claim").unwrap_err();
        assert!(
            err.message.contains("needs a ticket number"),
            "{}",
            err.message
        );
        assert_eq!(err.usage.len(), 1);
        assert!(err.usage[0].0.starts_with("/cx claim"));
        let err = parse("claim #").unwrap_err();
        assert!(err.message.contains("is not a ticket number"));
        let err = parse("claim 4521 4522").unwrap_err();
        assert!(err.message.contains("does not take `4522`"));
    }

    #[test]
    fn escalate_keeps_the_reason() {
        assert_eq!(
            parse("escalate 77 refund over $500, customer upset"),
            Ok(Command::Escalate {
                ticket: q("77"),
                reason: Some("refund over $500, customer upset".into())
            })
        );
        assert_eq!(
            parse("escalate 77"),
            Ok(Command::Escalate {
                ticket: q("77"),
                reason: None
            })
        );
    }

    #[test]
    fn assign_takes_an_escaped_mention_or_a_name() {
        assert_eq!(
            parse("assign 9 <@U0DANA001|dana>"),
            Ok(Command::Assign {
                ticket: q("9"),
                to: UserArg::Id("U0DANA001".into())
            })
        );
        assert_eq!(
            parse("assign 9 @dana"),
            Ok(Command::Assign {
                ticket: q("9"),
                to: UserArg::Name("dana".into())
            })
        );
        assert!(parse("assign 9 dana")
            .unwrap_err()
            .message
            .contains("mention them with @"));
        assert!(parse("assign 9")
            .unwrap_err()
            .message
            .contains("needs the person"));
    }

    #[test]
    fn followup_grammar() {
        assert_eq!(parse("followup overdue"), Ok(Command::FollowupOverdue));
        assert_eq!(parse("followup 7"), Ok(Command::FollowupStatus(q("7"))));
        assert_eq!(
            parse("followup #7 replied"),
            Ok(Command::FollowupReplied(q("7")))
        );
        assert_eq!(parse("followup 7 stop"), Ok(Command::FollowupStop(q("7"))));
        assert_eq!(
            parse("followup 7 done left a voicemail"),
            Ok(Command::FollowupDone {
                ticket: q("7"),
                note: Some("left a voicemail".into())
            })
        );
        assert_eq!(
            parse("followup 7 Refund from 2026-11-20"),
            Ok(Command::FollowupStart {
                ticket: q("7"),
                cadence: Some("refund".into()),
                from: NaiveDate::from_ymd_opt(2026, 11, 20)
            })
        );
        assert_eq!(
            parse("followup 7 from 2026-11-20"),
            Ok(Command::FollowupStart {
                ticket: q("7"),
                cadence: None,
                from: NaiveDate::from_ymd_opt(2026, 11, 20)
            })
        );
        let bad = parse("followup 7 general from 2026-13-40").unwrap_err();
        assert!(bad.message.contains("is not a date"));
        assert!(
            bad.usage.iter().all(|(u, _)| u.starts_with("/cx followup")) && bad.usage.len() == 6
        );
        assert!(parse("followup 7 general from")
            .unwrap_err()
            .message
            .contains("needs a date"));
        assert!(parse("followup")
            .unwrap_err()
            .message
            .contains("needs a ticket number"));
    }

    #[test]
    fn mine_and_queue_take_nothing() {
        assert_eq!(parse("mine"), Ok(Command::Mine));
        assert_eq!(parse("QUEUE"), Ok(Command::Queue));
        assert!(parse("mine please").is_err());
    }
}
