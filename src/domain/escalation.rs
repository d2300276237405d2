//! Where an escalation goes. The ladder is seed 001's RACI (L1 Specialist -> L2 Strategist
//! -> L3 Brand Lead -> L4 Brand Manager -> TMT); named targets are seed 003's "developers"
//! and "sales". Each target is a channel (a playbook channel key, an id or #name) and,
//! optionally, whom to mention there (a user group `S...` or a person `U...`).

use super::team::Level;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Rung {
    pub level: Level,
    pub channel: String,
    #[serde(default)]
    pub mention: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NamedTarget {
    pub name: String,
    pub channel: String,
    #[serde(default)]
    pub mention: Option<String>,
}

/// The playbook's `[escalation]` section.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct EscalationConfig {
    #[serde(default = "default_ladder")]
    pub ladder: Vec<Rung>,
    #[serde(default = "default_targets", rename = "target")]
    pub targets: Vec<NamedTarget>,
}

impl Default for EscalationConfig {
    fn default() -> Self {
        Self {
            ladder: default_ladder(),
            targets: default_targets(),
        }
    }
}

fn default_ladder() -> Vec<Rung> {
    [Level::L2, Level::L3, Level::L4, Level::Tmt]
        .into_iter()
        .map(|level| Rung {
            level,
            channel: "leads".into(),
            mention: None,
        })
        .collect()
}

fn default_targets() -> Vec<NamedTarget> {
    vec![
        NamedTarget {
            name: "developers".into(),
            channel: "#dev-support".into(),
            mention: None,
        },
        NamedTarget {
            name: "sales".into(),
            channel: "#sales".into(),
            mention: None,
        },
    ]
}

/// A resolved escalation target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Stored on the ticket and in the audit: "L3" or "developers".
    pub key: String,
    /// Shown to people: "L3 Brand Lead" or "developers".
    pub title: String,
    pub channel: String,
    pub mention: Option<String>,
}

impl EscalationConfig {
    fn rung_target(r: &Rung) -> Target {
        Target {
            key: r.level.key().to_string(),
            title: r.level.title().to_string(),
            channel: r.channel.clone(),
            mention: r.mention.clone(),
        }
    }

    /// Every target, ladder first, for the escalation modal.
    pub fn all(&self) -> Vec<Target> {
        let mut v: Vec<Target> = self.ladder.iter().map(Self::rung_target).collect();
        v.extend(self.targets.iter().map(|t| Target {
            key: t.name.to_lowercase(),
            title: t.name.clone(),
            channel: t.channel.clone(),
            mention: t.mention.clone(),
        }));
        v
    }

    /// A target by key ("L3", "tmt", "developers"), case-insensitively.
    pub fn find(&self, key: &str) -> Option<Target> {
        self.all()
            .into_iter()
            .find(|t| t.key.eq_ignore_ascii_case(key))
    }

    /// The next rung above both the escalator's level and the ticket's current escalation.
    pub fn next_rung(&self, escalator: Option<Level>, current: Option<Level>) -> Option<Target> {
        let floor = escalator.max(current).unwrap_or(Level::L1);
        self.ladder
            .iter()
            .filter(|r| r.level > floor)
            .min_by_key(|r| r.level)
            .map(Self::rung_target)
    }

    pub fn problems(&self) -> Vec<(String, String)> {
        let mut p = Vec::new();
        let mut levels: Vec<Level> = self.ladder.iter().map(|r| r.level).collect();
        levels.sort();
        levels.dedup();
        if levels.len() != self.ladder.len() {
            p.push((
                "escalation.ladder".into(),
                "each level may appear once".into(),
            ));
        }
        for (i, t) in self.targets.iter().enumerate() {
            if t.name.trim().is_empty() || t.name.contains(char::is_whitespace) {
                p.push((
                    format!("escalation.target[{i}].name"),
                    "expected one word, e.g. developers".into(),
                ));
            }
            if Level::from_key(&t.name).is_some() {
                p.push((
                    format!("escalation.target[{i}].name"),
                    "must not be a ladder level".into(),
                ));
            }
        }
        p
    }
}

/// How an escalation key is shown: a ladder level's title, or the target's name.
pub fn title_of(key: &str) -> String {
    Level::from_key(key).map_or_else(|| key.to_string(), |l| l.title().to_string())
}

/// How a mention id is written in a message.
pub fn mention_markup(id: &str) -> String {
    if id.starts_with('S') {
        format!("<!subteam^{id}>")
    } else {
        format!("<@{id}>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_rung_climbs_from_the_higher_of_escalator_and_ticket() {
        let c = EscalationConfig::default();
        assert_eq!(c.next_rung(None, None).unwrap().title, "L2 Strategist");
        assert_eq!(
            c.next_rung(Some(Level::L2), None).unwrap().title,
            "L3 Brand Lead"
        );
        assert_eq!(
            c.next_rung(Some(Level::L1), Some(Level::L3)).unwrap().title,
            "L4 Brand Manager"
        );
        assert_eq!(c.next_rung(Some(Level::L4), None).unwrap().key, "TMT");
        assert_eq!(c.next_rung(Some(Level::Tmt), None), None);
    }

    #[test]
    fn named_targets_and_levels_are_found_by_key() {
        let c = EscalationConfig::default();
        assert_eq!(c.find("developers").unwrap().channel, "#dev-support");
        assert_eq!(c.find("l3").unwrap().title, "L3 Brand Lead");
        assert!(c.find("marketing").is_none());
        assert_eq!(c.all().len(), 6);
    }

    #[test]
    fn mentions() {
        assert_eq!(mention_markup("S0DEVS"), "<!subteam^S0DEVS>");
        assert_eq!(mention_markup("U0DANA"), "<@U0DANA>");
    }
}
