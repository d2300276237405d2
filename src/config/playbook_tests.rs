use super::*;

#[test]
fn example_playbook_is_valid() {
    let pb = Playbook::parse(EXAMPLE_PLAYBOOK).expect("example parses");
    assert_eq!(pb.channel("queue"), Some("#cx-queue"));
    assert_eq!(pb.tz(), chrono_tz::America::New_York);
    // The example is the built-in default: every section equals its code default.
    assert_eq!(pb.cadences, default_cadences());
    assert_eq!(pb.cadence_variants, default_variants());
    assert_eq!(pb.claims, LeasePolicy::default());
    assert_eq!(pb.escalation, EscalationConfig::default());
    assert_eq!(pb.followups, FollowupPolicy::default());
    assert_eq!(pb.sla, SlaConfig::default());
    assert_eq!(pb.shifts, ShiftPolicy::default());
    assert_eq!(pb.fringe, FringePolicy::default());
    assert_eq!(pb.summary, SummaryPolicy::default());
    assert_eq!(pb.digest, DigestPolicy::default());
}

#[test]
fn example_intake_tables_are_exactly_the_defaults() {
    let pb = Playbook::parse(EXAMPLE_PLAYBOOK).expect("example parses");
    assert_eq!(pb.classification, ClassificationConfig::default());
    assert_eq!(pb.routing, RoutingConfig::default());
    assert_eq!(pb.wording, Wording::default());
}

#[test]
fn routing_to_an_undefined_channel_names_the_key() {
    let text = EXAMPLE_PLAYBOOK.replace("app_review = \"mobile\"", "app_review = \"apps\"");
    let problems = Playbook::parse(&text).unwrap_err();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].key, "routing.cards.app_review");
    assert!(problems[0].message.contains("\"apps\""), "{problems:?}");
}

#[test]
fn every_problem_is_reported_with_its_key() {
    let text = r##"
[team]
timezone = "Mars/Olympus"
[[team.member]]
slack_id = "bob"
name = "Bob"
[channels]
queue = "cx queue"
"##;
    let problems = Playbook::parse(text).unwrap_err();
    let keys: Vec<_> = problems.iter().map(|p| p.key.as_str()).collect();
    assert!(keys.contains(&"team.timezone"));
    assert!(keys.contains(&"channels.social"));
    assert!(keys.contains(&"channels.queue"));
    assert!(keys.contains(&"team.member[0].slack_id"));
}

#[test]
fn clock_sections_are_checked_with_their_keys() {
    let text = EXAMPLE_PLAYBOOK
        .replacen("first_response = \"2h\"", "first_response = \"two hours\"", 1)
        .replace("hours = \"13:00-15:00\"", "hours = \"15:00-13:00\"")
        .replace("breach_notify = \"L3\"", "breach_notify = \"L9\"")
        .replace("calendar = \"support\"\n\n# Everyone", "calendar = \"office\"\n\n# Everyone")
        + "[[team.member]]\nslack_id = \"U0123ABCD\"\nname = \"Ana\"\nschedule = [\"Mon-Fri 9-5\"]\n";
    let problems = Playbook::parse(&text).unwrap_err();
    let keys: Vec<_> = problems.iter().map(|p| p.key.as_str()).collect();
    for key in [
        "sla.policy[0].first_response",
        "shifts.checkin[1].hours",
        "team.member[0].schedule",
        "sla.policy[3].calendar",
    ] {
        assert!(keys.contains(&key), "{key} not in {problems:?}");
    }
    assert!(
        problems.iter().any(|p| p.message.contains("\"L9\"")),
        "{problems:?}"
    );
}

#[test]
fn unknown_key_is_an_error_with_a_line() {
    let text = "[team]\ntimezone = \"UTC\"\ncolour = \"blue\"\n[channels]\n";
    let problems = Playbook::parse(text).unwrap_err();
    assert_eq!(problems.len(), 1);
    assert!(problems[0].key.contains("line 3"), "{:?}", problems);
    assert!(problems[0].message.contains("colour"), "{:?}", problems);
}
