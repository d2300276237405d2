//! Directives (seed 000): a lead's instruction to the team, posted to cx-only, which each
//! member acknowledges once; or a general update to the broader channel, not tracked.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Directive {
    pub id: i64,
    pub author: String,
    pub text: String,
    /// `team`: to cx-only, acknowledged by each member; `all`: to the broader channel.
    pub audience: String,
    pub until_at: Option<i64>,
    pub ended_at: Option<i64>,
    pub created_at: i64,
}

impl Directive {
    pub fn is_live(&self, now: i64) -> bool {
        self.ended_at.is_none() && self.until_at.is_none_or(|u| now < u)
    }

    pub fn tracks_acks(&self) -> bool {
        self.audience == "team"
    }
}

/// Who of `team` has not acknowledged, given the acknowledgements (user, at).
pub fn missing<'a>(team: &'a [String], acks: &[(String, i64)]) -> Vec<&'a String> {
    team.iter()
        .filter(|m| !acks.iter().any(|(u, _)| u == *m))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_directive_lives_until_its_end_or_expiry_and_names_who_is_missing() {
        let mut d = Directive {
            id: 1,
            author: "UL".into(),
            text: "t".into(),
            audience: "team".into(),
            until_at: Some(100),
            ended_at: None,
            created_at: 0,
        };
        assert!(d.is_live(99) && !d.is_live(100));
        d.until_at = None;
        d.ended_at = Some(5);
        assert!(!d.is_live(6));
        let team = vec!["A".to_string(), "B".to_string(), "C".to_string()];
        let acks = vec![("B".to_string(), 3)];
        assert_eq!(missing(&team, &acks), vec![&team[0], &team[2]]);
    }
}
