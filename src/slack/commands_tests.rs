use super::*;

fn q(n: &str) -> TicketQuery {
    TicketQuery {
        helpdesk: None,
        number: n.into(),
    }
}

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
    assert_eq!(err.usage, USAGE);
}

#[test]
fn a_subcommands_usage_is_every_line_that_starts_with_it() {
    // usage_of takes a run of USAGE: each subcommand's lines must stay next to each other.
    for sub in [
        "claim",
        "release",
        "escalate",
        "assign",
        "mine",
        "queue",
        "on",
        "off",
        "who",
        "whoami",
        "directive",
        "digest",
        "stats",
        "followup",
        "help",
        "nope",
    ] {
        let prefix = format!("/cx {sub}");
        let filtered: Vec<_> = USAGE
            .iter()
            .copied()
            .filter(|(u, _)| u.starts_with(&prefix))
            .collect();
        assert_eq!(usage_of(sub), filtered.as_slice(), "{sub}");
    }
}

#[test]
fn ticket_references() {
    assert_eq!(parse("claim 4521"), Ok(Command::Claim(q("4521"))));
    assert_eq!(parse("claim #4521"), Ok(Command::Claim(q("4521"))));
    assert_eq!(
        parse("release Zendesk:#4521"),
        Ok(Command::Release(TicketQuery {
            helpdesk: Some("zendesk".into()),
            number: "4521".into()
        }))
    );
    assert_eq!(
        TicketQuery::parse("zendesk:4521").unwrap().to_string(),
        "zendesk:4521"
    );
    assert_eq!(q("4521").to_string(), "#4521");
}

#[test]
fn bad_or_missing_tickets_show_that_subcommands_usage() {
    let err = parse("claim").unwrap_err();
    assert!(
        err.message.contains("needs a ticket number"),
        "{}",
        err.message
    );
    assert_eq!(err.usage.len(), 1);
    assert!(err.usage[0].0.starts_with("/cx claim"));
    let err = parse("claim #").unwrap_err();
    assert!(err.message.contains("is not a ticket number"));
    let err = parse("claim 4521 4522").unwrap_err();
    assert!(err.message.contains("does not take `4522`"));
}

#[test]
fn escalate_keeps_the_reason() {
    assert_eq!(
        parse("escalate 77 refund over $500, customer upset"),
        Ok(Command::Escalate {
            ticket: q("77"),
            reason: Some("refund over $500, customer upset".into())
        })
    );
    assert_eq!(
        parse("escalate 77"),
        Ok(Command::Escalate {
            ticket: q("77"),
            reason: None
        })
    );
}

#[test]
fn assign_takes_an_escaped_mention_or_a_name() {
    assert_eq!(
        parse("assign 9 <@U0DANA001|dana>"),
        Ok(Command::Assign {
            ticket: q("9"),
            to: UserArg::Id("U0DANA001".into())
        })
    );
    assert_eq!(
        parse("assign 9 @dana"),
        Ok(Command::Assign {
            ticket: q("9"),
            to: UserArg::Name("dana".into())
        })
    );
    assert!(parse("assign 9 dana")
        .unwrap_err()
        .message
        .contains("mention them with @"));
    assert!(parse("assign 9")
        .unwrap_err()
        .message
        .contains("needs the person"));
}

#[test]
fn followup_grammar() {
    assert_eq!(parse("followup overdue"), Ok(Command::FollowupOverdue));
    assert_eq!(parse("followup 7"), Ok(Command::FollowupStatus(q("7"))));
    assert_eq!(
        parse("followup #7 replied"),
        Ok(Command::FollowupReplied(q("7")))
    );
    assert_eq!(parse("followup 7 stop"), Ok(Command::FollowupStop(q("7"))));
    assert_eq!(
        parse("followup 7 done left a voicemail"),
        Ok(Command::FollowupDone {
            ticket: q("7"),
            note: Some("left a voicemail".into())
        })
    );
    assert_eq!(
        parse("followup 7 Refund from 2026-11-20"),
        Ok(Command::FollowupStart {
            ticket: q("7"),
            cadence: Some("refund".into()),
            from: NaiveDate::from_ymd_opt(2026, 11, 20)
        })
    );
    assert_eq!(
        parse("followup 7 from 2026-11-20"),
        Ok(Command::FollowupStart {
            ticket: q("7"),
            cadence: None,
            from: NaiveDate::from_ymd_opt(2026, 11, 20)
        })
    );
    let bad = parse("followup 7 general from 2026-13-40").unwrap_err();
    assert!(bad.message.contains("is not a date"));
    assert!(bad.usage.iter().all(|(u, _)| u.starts_with("/cx followup")) && bad.usage.len() == 6);
    assert!(parse("followup 7 general from")
        .unwrap_err()
        .message
        .contains("needs a date"));
    assert!(parse("followup")
        .unwrap_err()
        .message
        .contains("needs a ticket number"));
}

#[test]
fn mine_and_queue_take_nothing() {
    assert_eq!(parse("mine"), Ok(Command::Mine));
    assert_eq!(parse("QUEUE"), Ok(Command::Queue));
    assert!(parse("mine please").is_err());
}

#[test]
fn directive_grammar() {
    assert_eq!(parse("directive status"), Ok(Command::DirectiveStatus));
    assert_eq!(parse("directive end #3"), Ok(Command::DirectiveEnd(3)));
    assert_eq!(
        parse("directive --all --until 2026-12-01 Buses run late today"),
        Ok(Command::DirectivePost {
            text: "Buses run late today".into(),
            until: NaiveDate::from_ymd_opt(2026, 12, 1),
            all: true,
        })
    );
    // "status" inside the text is text.
    assert!(matches!(
        parse("directive Check the status page"),
        Ok(Command::DirectivePost { text, .. }) if text == "Check the status page"
    ));
    assert!(parse("directive")
        .unwrap_err()
        .message
        .contains("needs the directive's text"));
    assert!(parse("directive end")
        .unwrap_err()
        .message
        .contains("number"));
}

#[test]
fn every_usage_line_is_of_the_slash_command() {
    for (line, _) in USAGE {
        assert!(
            line.starts_with(&format!("{SLASH_COMMAND} ")) || *line == SLASH_COMMAND,
            "{line:?} is not a {SLASH_COMMAND} usage line"
        );
    }
}
