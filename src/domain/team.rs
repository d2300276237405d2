//! The team: levels on the escalation ladder (seed 001's RACI).

use serde::{Deserialize, Serialize};
use std::fmt;

/// L1 Specialist -> L2 Strategist -> L3 Brand Lead -> L4 Brand Manager -> TMT.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Level {
    L1,
    L2,
    L3,
    L4,
    #[serde(rename = "TMT")]
    Tmt,
}

impl Level {
    pub const LADDER: [Level; 5] = [Level::L1, Level::L2, Level::L3, Level::L4, Level::Tmt];

    pub fn title(self) -> &'static str {
        match self {
            Level::L1 => "L1 Specialist",
            Level::L2 => "L2 Strategist",
            Level::L3 => "L3 Brand Lead",
            Level::L4 => "L4 Brand Manager",
            Level::Tmt => "TMT",
        }
    }

    /// The key stored for a level ("L3", "TMT").
    pub fn key(self) -> &'static str {
        match self {
            Level::L1 => "L1",
            Level::L2 => "L2",
            Level::L3 => "L3",
            Level::L4 => "L4",
            Level::Tmt => "TMT",
        }
    }

    pub fn from_key(key: &str) -> Option<Level> {
        Self::LADDER
            .iter()
            .copied()
            .find(|l| l.key().eq_ignore_ascii_case(key))
    }

    /// The next rung up, or None at the top.
    pub fn next(self) -> Option<Level> {
        let i = Self::LADDER.iter().position(|l| *l == self)?;
        Self::LADDER.get(i + 1).copied()
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.title())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ladder_climbs_to_tmt_and_stops() {
        assert_eq!(Level::L1.next(), Some(Level::L2));
        assert_eq!(Level::L4.next(), Some(Level::Tmt));
        assert_eq!(Level::Tmt.next(), None);
        assert_eq!(Level::L3.to_string(), "L3 Brand Lead");
    }
}
