//! The `/cx` grammar: text in, a typed [`Command`] or a [`UsageError`] out. Pure: no I/O,
//! no state, unit-tested here. Dispatch lives in `routes.rs`.
//!
//! Slack sends mentions escaped (`<@U0123|dana>`) because the manifest sets
//! `should_escape: true`; a bare `@dana` is accepted as a name to look up.

use crate::domain::ticket::TicketQuery;
use chrono::NaiveDate;
use std::fmt;

/// The slash command cxbot answers (manifest.yml declares it; every usage line starts
/// with it).
pub const SLASH_COMMAND: &str = "/cx";

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
    ("/cx on", "start your shift: a briefing of what is waiting"),
    (
        "/cx off",
        "end your shift: your claims, to release or hand over",
    ),
    ("/cx who", "who is on shift now, and who is next"),
    (
        "/cx whoami",
        "who you are in each helpdesk cxbot writes to (your agent there)",
    ),
    (
        "/cx directive [--all] [--until <date>] <text>",
        "post a directive the team acknowledges (leads); --all: an update to the broader channel",
    ),
    (
        "/cx directive status",
        "the live directives, and who has not acknowledged",
    ),
    ("/cx directive end <n>", "end a directive early (leads)"),
    (
        "/cx digest [now]",
        "what needs the leads now; `now` posts it to the leads channel (leads)",
    ),
    (
        "/cx stats [today|yesterday|week] [@someone]",
        "the figures: received, claimed, response times, SLA, per person",
    ),
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
    On,
    Off,
    Who,
    WhoAmI,
    DirectivePost {
        text: String,
        until: Option<NaiveDate>,
        all: bool,
    },
    DirectiveStatus,
    DirectiveEnd(i64),
    Digest {
        now: bool,
    },
    Stats {
        period: StatsPeriod,
        agent: Option<UserArg>,
    },
}

/// `/cx stats`' window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatsPeriod {
    Today,
    Yesterday,
    Week,
}

impl Command {
    /// Whether running it can change anything (a claim, a post, a shift): a replay of such a
    /// command is refused. Reading commands answer a replay as they answered the original.
    pub fn changes_state(&self) -> bool {
        match self {
            Command::Help
            | Command::Mine
            | Command::Queue
            | Command::FollowupStatus(_)
            | Command::FollowupOverdue
            | Command::Who
            | Command::WhoAmI
            | Command::DirectiveStatus
            | Command::Stats { .. } => false,
            Command::Digest { now } => *now,
            Command::Claim(_)
            | Command::Release(_)
            | Command::Escalate { .. }
            | Command::Assign { .. }
            | Command::FollowupStart { .. }
            | Command::FollowupDone { .. }
            | Command::FollowupReplied(_)
            | Command::FollowupStop(_)
            | Command::On
            | Command::Off
            | Command::DirectivePost { .. }
            | Command::DirectiveEnd(_) => true,
        }
    }

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
            Command::Help
            | Command::Mine
            | Command::Queue
            | Command::FollowupOverdue
            | Command::On
            | Command::Off
            | Command::Who
            | Command::WhoAmI
            | Command::DirectivePost { .. }
            | Command::DirectiveStatus
            | Command::DirectiveEnd(_)
            | Command::Digest { .. }
            | Command::Stats { .. } => None,
        }
    }
}

/// A typo or a missing argument: shown to the user (ephemerally) with the right usage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageError {
    pub message: String,
    /// The usage lines relevant to what was typed (all of them for an unknown subcommand):
    /// a run of [`USAGE`] (a subcommand's lines are next to each other), so that the reply
    /// can render each run once (`views::usage_error_body`).
    pub usage: &'static [(&'static str, &'static str)],
}

impl UsageError {
    fn unknown(sub: &str) -> Self {
        Self {
            message: format!("`{sub}` is not a /cx subcommand."),
            usage: USAGE,
        }
    }

    fn of(sub: &str, message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            usage: usage_of(sub),
        }
    }
}

/// The usage lines of `sub`: those that start with `/cx <sub>` (a run of [`USAGE`]).
fn usage_of(sub: &str) -> &'static [(&'static str, &'static str)] {
    let matches = |(u, _): &(&str, &str)| {
        u.strip_prefix(SLASH_COMMAND)
            .and_then(|rest| rest.strip_prefix(' '))
            .is_some_and(|rest| rest.starts_with(sub))
    };
    let Some(start) = USAGE.iter().position(matches) else {
        return &[];
    };
    let len = USAGE[start..].iter().take_while(|u| matches(u)).count();
    &USAGE[start..start + len]
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
        "on" => no_more("on", words).map(|_| Command::On),
        "off" => no_more("off", words).map(|_| Command::Off),
        "who" => no_more("who", words).map(|_| Command::Who),
        "whoami" => no_more("whoami", words).map(|_| Command::WhoAmI),
        "directive" => parse_directive(words),
        "digest" => match words.next() {
            None => Ok(Command::Digest { now: false }),
            Some(w) if w.eq_ignore_ascii_case("now") => {
                no_more("digest", words).map(|_| Command::Digest { now: true })
            }
            Some(w) => Err(UsageError::of(
                "digest",
                format!("`/cx digest` does not take `{w}`."),
            )),
        },
        "stats" => {
            let mut period = StatsPeriod::Today;
            let mut agent = None;
            for w in words {
                match w.to_ascii_lowercase().as_str() {
                    "today" => period = StatsPeriod::Today,
                    "yesterday" => period = StatsPeriod::Yesterday,
                    "week" => period = StatsPeriod::Week,
                    _ => {
                        agent = Some(UserArg::parse(w).ok_or_else(|| {
                            UsageError::of(
                                "stats",
                                format!(
                                    "`{w}` is not today, yesterday, week or a person (@someone)."
                                ),
                            )
                        })?)
                    }
                }
            }
            Ok(Command::Stats { period, agent })
        }
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

fn parse_directive(mut words: std::str::SplitWhitespace<'_>) -> Result<Command, UsageError> {
    let mut until = None;
    let mut all = false;
    let mut text: Vec<&str> = Vec::new();
    while let Some(w) = words.next() {
        match w {
            "status" if text.is_empty() && !all && until.is_none() => {
                return no_more("directive", words).map(|_| Command::DirectiveStatus);
            }
            "end" if text.is_empty() && !all && until.is_none() => {
                let n = words
                    .next()
                    .and_then(|n| n.trim_start_matches('#').parse().ok());
                let n = n.ok_or_else(|| {
                    UsageError::of("directive", "`/cx directive end` needs the directive's number, e.g. `/cx directive end 3`.")
                })?;
                return no_more("directive", words).map(|_| Command::DirectiveEnd(n));
            }
            "--all" if text.is_empty() => all = true,
            "--until" if text.is_empty() => {
                let date = words.next().unwrap_or_default();
                until = Some(parse_date(date).ok_or_else(|| {
                    UsageError::of("directive", format!("`{date}` is not a date: write it as YYYY-MM-DD, e.g. `--until 2026-12-01`."))
                })?);
            }
            _ => text.push(w),
        }
    }
    if text.is_empty() {
        return Err(UsageError::of(
            "directive",
            "`/cx directive` needs the directive's text.",
        ));
    }
    Ok(Command::DirectivePost {
        text: text.join(" "),
        until,
        all,
    })
}

/// `YYYY-MM-DD`, as `from <date>` takes it.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

#[cfg(test)]
#[path = "commands_tests.rs"]
mod tests;
