//! The seed's cadences and variants, in code and as playbook TOML (a test
//! keeps the two identical).
//!
//! Choices where seed 002 is silent:
//! * refund escalates on day 4: the seed allows "the end of the day or the
//!   following day after your 3rd update"; days are whole local days, so the
//!   step is due on the following day (an agent may still mark it done early
//!   on day 3, which finishes the run).
//! * general day 5 also sets PENDING, like days 1 and 3.
//! * the tags and groups the variants match on are placeholders for the
//!   team's real helpdesk values.

use serde::{Deserialize, Serialize};

use super::{
    Cadence, DayKind, FinalStepOverride, Step, StepAction, Template, TicketStatus, Variant,
};

/// The cadence keys of a playbook: `[[cadence]]` and `[[cadence_variant]]`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CadenceSection {
    #[serde(default, rename = "cadence")]
    pub cadences: Vec<Cadence>,
    #[serde(default, rename = "cadence_variant")]
    pub variants: Vec<Variant>,
}

/// `refund` then `general` (the fallback).
pub fn default_cadences() -> Vec<Cadence> {
    let attempt = |day, note: Option<&str>, pending: bool| Step {
        note: note.map(Template::from),
        set_status: pending.then_some(TicketStatus::Pending),
        ..Step::new(day, StepAction::Attempt)
    };
    let words = |ws: &[&str]| ws.iter().map(|w| (*w).to_owned()).collect::<Vec<_>>();
    vec![
        Cadence {
            name: "refund".into(),
            days: DayKind::Calendar,
            holidays: vec![],
            match_tags: words(&["refund", "refund-request"]),
            match_words: words(&["refund", "money back", "chargeback", "reimburse"]),
            // "Refund Request Follow-Up Process (Not applicable to US Passport Industry)"
            exclude_groups: words(&["US Passports"]),
            steps: vec![
                attempt(1, None, false),
                attempt(2, Some("2/3"), true),
                attempt(3, Some("3/3"), false),
                Step {
                    label: Some("escalate for refund".into()),
                    ..Step::new(4, StepAction::Escalate)
                },
            ],
        },
        Cadence {
            name: "general".into(),
            days: DayKind::Calendar,
            holidays: vec![],
            match_tags: vec![],
            match_words: vec![],
            exclude_groups: vec![],
            steps: vec![
                attempt(1, Some("1/3"), true),
                attempt(3, Some("2/3"), true),
                attempt(5, Some("3/3"), true),
                Step {
                    note: Some("customer unresponsive - closing ticket".into()),
                    assignee: Some("Unresponsive Customers/{agent}".into()),
                    set_status: Some(TicketStatus::Solved),
                    ..Step::new(6, StepAction::Close)
                },
            ],
        },
    ]
}

/// The seed's unresponsive-bot-issue handling, as variants of `general`.
pub fn default_variants() -> Vec<Variant> {
    let hand_over = |order_status: bool| FinalStepOverride {
        label: Some("hand over as unresponsive".into()),
        note: Some("@{owner} customer unresponsive".into()),
        set_status: Some(TicketStatus::Open),
        assignee: Some("Unresponsive Customers/{owner}".into()),
        order_status: order_status.then(|| "Unresponsive".to_owned()),
        ..FinalStepOverride::default()
    };
    let variant = |name: &str, tags: &[&str], group: &str, owner: &str, order_status| Variant {
        name: name.into(),
        base: "general".into(),
        match_tags: tags.iter().map(|t| (*t).to_owned()).collect(),
        match_group: Some(group.to_owned()),
        owner: Some(owner.to_owned()),
        final_step: hand_over(order_status),
    };
    vec![
        variant(
            "bot-tsa-ge-nexus-sentri",
            &["tsa", "ge", "global-entry", "nexus", "sentri"],
            "Bot Issues",
            "Roxy V",
            true,
        ),
        variant(
            "us-passport-missing-labels",
            &["missing-label", "missing-labels"],
            "US Passports",
            "Roxy V",
            true,
        ),
        variant("bot-ein", &["ein"], "Bot Issues", "Vincent Ryan V", false),
    ]
}

/// [`default_cadences`] and [`default_variants`] as playbook TOML; the same
/// text is in `cadences.example.toml`.
pub const DEFAULT_CADENCES_TOML: &str = r#"# Refund requests (not for the US Passport industry).
[[cadence]]
name = "refund"
days = "calendar"
match_tags = ["refund", "refund-request"]
match_words = ["refund", "money back", "chargeback", "reimburse"]
exclude_groups = ["US Passports"]

[[cadence.step]]
day = 1
action = "attempt"

[[cadence.step]]
day = 2
action = "attempt"
note = "2/3"
set_status = "pending"

[[cadence.step]]
day = 3
action = "attempt"
note = "3/3"

# "At the end of the day or the following day after your 3rd update."
[[cadence.step]]
day = 4
action = "escalate"
label = "escalate for refund"

# General inquiries: the default (no match_tags / match_words).
[[cadence]]
name = "general"
days = "calendar"

[[cadence.step]]
day = 1
action = "attempt"
note = "1/3"
set_status = "pending"

[[cadence.step]]
day = 3
action = "attempt"
note = "2/3"
set_status = "pending"

[[cadence.step]]
day = 5
action = "attempt"
note = "3/3"
set_status = "pending"

[[cadence.step]]
day = 6
action = "close"
note = "customer unresponsive - closing ticket"
assignee = "Unresponsive Customers/{agent}"
set_status = "solved"

# Unresponsive bot issues are handed to an owner and kept OPEN.
[[cadence_variant]]
name = "bot-tsa-ge-nexus-sentri"
base = "general"
match_tags = ["tsa", "ge", "global-entry", "nexus", "sentri"]
match_group = "Bot Issues"
owner = "Roxy V"

[cadence_variant.final_step]
label = "hand over as unresponsive"
order_status = "Unresponsive"
note = "@{owner} customer unresponsive"
assignee = "Unresponsive Customers/{owner}"
set_status = "open"

[[cadence_variant]]
name = "us-passport-missing-labels"
base = "general"
match_tags = ["missing-label", "missing-labels"]
match_group = "US Passports"
owner = "Roxy V"

[cadence_variant.final_step]
label = "hand over as unresponsive"
order_status = "Unresponsive"
note = "@{owner} customer unresponsive"
assignee = "Unresponsive Customers/{owner}"
set_status = "open"

[[cadence_variant]]
name = "bot-ein"
base = "general"
match_tags = ["ein"]
match_group = "Bot Issues"
owner = "Vincent Ryan V"

[cadence_variant.final_step]
label = "hand over as unresponsive"
note = "@{owner} customer unresponsive"
assignee = "Unresponsive Customers/{owner}"
set_status = "open"
"#;

#[cfg(test)]
mod tests {
    use super::super::validate;
    use super::*;

    #[test]
    fn toml_text_is_exactly_the_defaults() {
        let parsed: CadenceSection = toml::from_str(DEFAULT_CADENCES_TOML).unwrap();
        assert_eq!(parsed.cadences, default_cadences());
        assert_eq!(parsed.variants, default_variants());
    }

    #[test]
    fn defaults_are_valid() {
        assert_eq!(validate(&default_cadences(), &default_variants()), vec![]);
    }

    #[test]
    fn variants_hand_the_ticket_to_their_owner() {
        let general = &default_cadences()[1];
        let variants = default_variants();
        let tsa = variants[0].apply(general);
        let last = tsa.final_step().unwrap();
        assert_eq!((last.day, last.action), (6, StepAction::Close));
        assert_eq!(
            last.note.as_ref().unwrap().as_str(),
            "@Roxy V customer unresponsive"
        );
        assert_eq!(
            last.assignee.as_ref().unwrap().as_str(),
            "Unresponsive Customers/Roxy V"
        );
        assert_eq!(last.set_status, Some(TicketStatus::Open));
        assert_eq!(last.order_status.as_deref(), Some("Unresponsive"));
        assert_eq!(tsa.steps[..3], general.steps[..3]);

        let ein = variants[2].apply(general);
        let last = ein.final_step().unwrap();
        assert_eq!(
            last.note.as_ref().unwrap().as_str(),
            "@Vincent Ryan V customer unresponsive"
        );
        assert_eq!(
            last.assignee.as_ref().unwrap().as_str(),
            "Unresponsive Customers/Vincent Ryan V"
        );
        assert_eq!(last.order_status, None);
    }

    #[test]
    fn unknown_keys_are_rejected() {
        let err = toml::from_str::<CadenceSection>("[[cadence]]\nname = \"x\"\nstepz = []\n")
            .unwrap_err();
        assert!(err.to_string().contains("stepz"), "{err}");
        let err = toml::from_str::<CadenceSection>(
            "[[cadence]]\nname = \"x\"\n[[cadence.step]]\nday = 1\naction = \"call\"\n",
        )
        .unwrap_err();
        assert!(err.to_string().contains("attempt"), "{err}");
    }
}
