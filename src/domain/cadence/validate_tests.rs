//! Every kind of configuration problem, with its key path.

use super::{
    default_cadences, default_variants, validate, ConfigProblem, DayKind, FinalStepOverride,
    Holiday, StepAction,
};

fn paths(problems: &[ConfigProblem]) -> Vec<&str> {
    problems.iter().map(|p| p.path.as_str()).collect()
}

#[test]
fn reports_bad_steps_with_key_paths() {
    let mut cadences = default_cadences();
    cadences[1].steps[2].day = 3; // not after day 3
    cadences[1].steps[1].action = StepAction::Close; // final in the middle
    cadences[0].steps[0].day = 0;
    let problems = validate(&cadences, &default_variants());
    assert_eq!(
        paths(&problems),
        vec![
            "cadence[0].step[0].day",
            "cadence[1].step[1].action",
            "cadence[1].step[2].day"
        ]
    );
    assert_eq!(
        problems[2].to_string(),
        "cadence[1].step[2].day: expected a day after step[1]'s day 3 (days strictly increase), found 3"
    );
    assert_eq!(problems[0].expected, "a day between 1 and 365, found 0");
}

#[test]
fn requires_a_final_last_step() {
    let mut cadences = default_cadences();
    cadences[0].steps.pop();
    cadences[1].steps.clear();
    let problems = validate(&cadences, &[]);
    assert_eq!(
        paths(&problems),
        vec!["cadence[0].step[2].action", "cadence[1].step"]
    );
}

#[test]
fn names_must_be_unique_and_non_empty() {
    let mut cadences = default_cadences();
    cadences.push(cadences[0].clone());
    cadences[0].name = " ".into();
    let mut variants = default_variants();
    variants[2].name = variants[0].name.clone();
    let problems = validate(&cadences, &variants);
    assert_eq!(
        paths(&problems),
        vec!["cadence[0].name", "cadence_variant[2].name"]
    );
    assert!(problems[1].expected.contains("cadence_variant[0]"));
}

#[test]
fn one_default_cadence() {
    let mut cadences = default_cadences();
    cadences[1].match_words = vec!["help".into()];
    assert_eq!(paths(&validate(&cadences, &[])), vec!["cadence"]);
    let mut cadences = default_cadences();
    cadences[0].match_tags.clear();
    cadences[0].match_words.clear();
    assert_eq!(
        paths(&validate(&cadences, &[])),
        vec!["cadence[1].match_tags"]
    );
    assert_eq!(paths(&validate(&[], &[])), vec!["cadence"]);
}

#[test]
fn holidays_must_parse_and_need_business_days() {
    let mut cadences = default_cadences();
    cadences[1].holidays = vec![
        Holiday::Invalid("Dec 25".into()),
        Holiday::Invalid("2026-02-30".into()),
    ];
    let problems = validate(&cadences, &[]);
    assert_eq!(
        paths(&problems),
        vec![
            "cadence[1].holidays[0]",
            "cadence[1].holidays[1]",
            "cadence[1].holidays"
        ]
    );
    cadences[1].days = DayKind::Business;
    assert_eq!(validate(&cadences, &[]).len(), 2);
}

#[test]
fn templates_use_known_placeholders() {
    let mut cadences = default_cadences();
    cadences[1].steps[3].assignee = Some("Unresponsive Customers/{agnet}".into());
    cadences[1].steps[3].note = Some("{owner} unresponsive".into());
    cadences[1].steps[2].note = Some("3/3 {agent".into());
    let problems = validate(&cadences, &[]);
    assert_eq!(
        paths(&problems),
        vec![
            "cadence[1].step[2].note",
            "cadence[1].step[3].note",
            "cadence[1].step[3].assignee"
        ]
    );
    assert_eq!(
        problems[2].expected,
        "only {agent} placeholders, found {agnet}"
    );
}

#[test]
fn variants_need_a_base_a_match_and_an_owner() {
    let mut variants = default_variants();
    variants[0].base = "genral".into();
    variants[1].owner = None;
    variants[2].match_tags.clear();
    variants[2].match_group = None;
    variants[2].final_step = FinalStepOverride {
        day: Some(5),
        action: Some(StepAction::Attempt),
        ..Default::default()
    };
    let problems = validate(&default_cadences(), &variants);
    assert_eq!(
        paths(&problems),
        vec![
            "cadence_variant[0].base",
            "cadence_variant[1].owner",
            "cadence_variant[2]",
            "cadence_variant[2].final_step.action",
            "cadence_variant[2].final_step.day",
        ]
    );
    assert!(problems[0].expected.contains("one of: refund, general"));
}
