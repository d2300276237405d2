//! Value types of step and cadence fields: helpdesk status, text templates
//! with placeholders, holidays.

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Helpdesk ticket status to submit the ticket as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TicketStatus {
    Open,
    Pending,
    Hold,
    Solved,
    Closed,
}

impl fmt::Display for TicketStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TicketStatus::Open => "OPEN",
            TicketStatus::Pending => "PENDING",
            TicketStatus::Hold => "ON HOLD",
            TicketStatus::Solved => "SOLVED",
            TicketStatus::Closed => "CLOSED",
        })
    }
}

/// Text with `{agent}` (the agent doing the step) and, in variants,
/// `{owner}` (the variant's owner) placeholders.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Template(pub String);

impl Template {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Fills `{agent}`; any other placeholder is left as written.
    pub fn render(&self, agent: &str) -> String {
        self.0.replace("{agent}", agent)
    }

    /// Fills `{owner}` only, keeping `{agent}` for later.
    pub fn with_owner(&self, owner: &str) -> Template {
        Template(self.0.replace("{owner}", owner))
    }

    /// The placeholder names used, or `None` if a `{` is never closed.
    pub fn placeholders(&self) -> Option<Vec<&str>> {
        let mut names = Vec::new();
        let mut rest = self.0.as_str();
        while let Some(open) = rest.find('{') {
            let close = rest[open..].find('}')?;
            names.push(&rest[open + 1..open + close]);
            rest = &rest[open + close + 1..];
        }
        Some(names)
    }
}

impl From<&str> for Template {
    fn from(s: &str) -> Self {
        Template(s.to_owned())
    }
}

/// A holiday as written: a date, or text that is not one. Kept rather than
/// rejected at parse time so [`super::validate`] can report every bad entry at once.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Holiday {
    Date(NaiveDate),
    Invalid(String),
}

impl Holiday {
    pub fn date(&self) -> Option<NaiveDate> {
        match self {
            Holiday::Date(d) => Some(*d),
            Holiday::Invalid(_) => None,
        }
    }
}

impl<'de> Deserialize<'de> for Holiday {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Ok(match NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d") {
            Ok(d) => Holiday::Date(d),
            Err(_) => Holiday::Invalid(raw),
        })
    }
}

impl Serialize for Holiday {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Holiday::Date(d) => serializer.serialize_str(&d.format("%Y-%m-%d").to_string()),
            Holiday::Invalid(raw) => serializer.serialize_str(raw),
        }
    }
}
