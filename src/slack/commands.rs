//! The `/cx` grammar: text in, a typed [`Command`] or a [`UsageError`] out. Pure: no I/O,
//! no state, unit-tested here. Dispatch lives in `routes.rs`.

use std::fmt;

/// Every subcommand with its usage line, in the order `/cx help` shows them.
pub const USAGE: &[(&str, &str)] = &[("/cx help", "show this list")];

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Help,
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
}

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Parses the text after `/cx`.
pub fn parse(text: &str) -> Result<Command, UsageError> {
    let mut words = text.split_whitespace();
    let Some(sub) = words.next() else {
        return Ok(Command::Help);
    };
    match sub.to_ascii_lowercase().as_str() {
        "help" | "?" => Ok(Command::Help),
        _ => Err(UsageError::unknown(sub)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
