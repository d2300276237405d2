//! Action ids: every button and modal cxbot renders, as an enum, so a renamed id is a
//! compile error and not a dead button. Ids are part of messages already posted in
//! Slack: never rename one.

/// The `action_id` of every interactive element.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActionId {
    /// The App Home's "Help" button.
    HomeHelp,
}

impl ActionId {
    pub const ALL: &'static [ActionId] = &[ActionId::HomeHelp];

    pub fn as_str(self) -> &'static str {
        match self {
            ActionId::HomeHelp => "cx_home_help",
        }
    }

    pub fn parse(s: &str) -> Option<ActionId> {
        Self::ALL.iter().copied().find(|a| a.as_str() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_fit_slack_limits() {
        for a in ActionId::ALL {
            assert_eq!(ActionId::parse(a.as_str()), Some(*a));
            assert!(a.as_str().len() <= 255);
        }
        assert_eq!(ActionId::parse("nope"), None);
    }
}
