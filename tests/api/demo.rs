//! `cxbot demo --instant` (issue 19): the scripted day runs through the real pipeline and
//! prints its key lines, so the demo cannot rot as the product changes; `--keep` leaves a
//! database that `cxbot migrate` (and `serve`) open. Behaviour is asserted, never timing.

use std::process::{Command, Output};

/// Runs `cxbot demo <args>` in an empty directory with only `envs` set.
fn demo(args: &[&str], envs: &[(&str, &str)]) -> (Output, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cxbot"));
    cmd.arg("demo")
        .args(args)
        .current_dir(dir.path())
        .env_clear();
    if let Some(tmp) = std::env::var_os("TMPDIR") {
        cmd.env("TMPDIR", tmp);
    }
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("cxbot demo runs");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "cxbot demo failed\nstdout:\n{stdout}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (out, stdout)
}

fn has(out: &str, needle: &str) {
    assert!(
        out.contains(needle),
        "expected {needle:?} in the demo's output:\n{out}"
    );
}

/// The line (of those containing all of `parts`), or a failure naming them.
fn line<'a>(out: &'a str, parts: &[&str]) -> &'a str {
    out.lines()
        .find(|l| parts.iter().all(|p| l.contains(p)))
        .unwrap_or_else(|| panic!("no line with all of {parts:?} in:\n{out}"))
}

#[test]
fn the_demo_plays_the_day_and_prints_what_the_leads_would_see() {
    let (_, out) = demo(&["--instant"], &[]);

    // Missed calls: a card, a repeat folded into it, a callback once and only once.
    line(
        &out,
        &["#cx-queue", "📞 #4521 Missed call from +1 555 0100"],
    );
    line(&out, &["└ #4521", "Another missed call from +1 555 0100"]);
    line(&out, &["└ #4523", "Ana called the customer back"]);
    line(
        &out,
        &["(only Ben sees)", "Ana already called this customer back"],
    );
    // A blank missed chat carries the follow-up, then the customer writes again.
    line(
        &out,
        &["#cx-queue", "💬 #4525 Missed chat from Maria Lopez"],
    );
    has(&out, "Hi Maria, we saw that you submitted your email");
    line(&out, &["└ #4525", "The customer wrote again since"]);
    // Social: a DM with its SLA breached, a comment; the influencer mention to marketing.
    line(&out, &["#cx-social", "#4530 Instagram message to OurBus"]);
    line(&out, &["#cx-leads", "SLA breached on #4530"]);
    line(&out, &["#cx-social", "#1001 Facebook comment to Rally"]);
    line(&out, &["#marketing", "#1002 Twitter mention to OurBus"]);
    // App reviews: the store review to mobile, the beta one in-house.
    line(
        &out,
        &["#cx-mobile", "⭐ #301 2★ review of 4.1.0 on Google Play"],
    );
    line(
        &out,
        &["#cx-inhouse", "#302 4★ review of 4.2.0-beta.1 (beta)"],
    );

    // Two agents click Claim at once: one wins, the other is told who has it.
    let won = line(&out, &["└ #4521", "Claimed by", "(button)"]);
    let (winner, loser) = if won.contains("Claimed by Ana") {
        ("Ana", "Chen")
    } else {
        assert!(won.contains("Claimed by Chen"), "{won}");
        ("Chen", "Ana")
    };
    line(
        &out,
        &[
            &format!("(only {loser} sees)"),
            &format!("#4521 is already claimed by {winner}"),
        ],
    );
    assert_eq!(
        out.lines()
            .filter(|l| l.contains("└ #4521") && l.contains("Claimed by"))
            .count(),
        1,
        "one claim on #4521:\n{out}"
    );

    // An escalation through the form, to the leads.
    line(
        &out,
        &["#cx-leads", "Escalated to L3 Brand Lead by Ben", "#4530"],
    );
    // The refund cadence, day by day, to its escalation on day 4.
    line(&out, &["DM Chen", "Follow-up due on #88123"]);
    line(&out, &["└ #88123", "Day 2 follow-up done by Chen", "2/3"]);
    line(&out, &["└ #88123", "Day 3 follow-up done by Chen", "3/3"]);
    line(&out, &["Day 4 of 4 (refund): escalate for refund"]);
    line(
        &out,
        &[
            "#cx-leads",
            "Escalated to L3 Brand Lead by Chen",
            "Refund for a double charge",
        ],
    );
    has(&out, "The cadence is complete");
    // The customer writes again: the general cadence starts over.
    line(
        &out,
        &[
            "└ #88140",
            "Follow-up restarted from day 1: new email from tom.becker@example.com",
        ],
    );
    // Shifts, check-ins, the directive, the digest, the daily summary.
    line(&out, &["#cx-leads", "Missed the morning check-in", "Ben"]);
    line(&out, &["#cx-only", "Directive 1 from Dana"]);
    line(&out, &["#cx-leads", "Leads' digest"]);
    has(
        &out,
        "══ The daily summary, as #cx-only got it (Monday 18:00)",
    );
    line(&out, &["Daily summary from", "Nov 23"]);
    has(&out, "Check-ins: Ana 3/3, Ben 2/3");
    has(&out, "══ The cards at the end, channel by channel");
    has(&out, "══ Tally");
    assert!(!out.contains("<@U"), "user ids are shown as names:\n{out}");
    assert!(!out.contains("<!date"), "dates are rendered:\n{out}");
}

/// `--keep` leaves the database for `cxbot serve` (here `cxbot migrate` and the store);
/// the demo ignores Slack, database and helpdesk settings from the environment.
#[tokio::test]
async fn keep_leaves_a_database_that_cxbot_opens() {
    let hostile = [
        ("SLACK_API_URL", "http://127.0.0.1:9/"),
        ("SLACK_SIGNING_SECRET", "not-the-demos"),
        ("DATABASE_URL", "postgres://nobody@127.0.0.1:9/nothing"),
        ("CXBOT_WEBHOOK_SECRET", "not-the-demos-either"),
        ("CXBOT_CONFIG", "/nonexistent/cxbot.toml"),
    ];
    let (_, out) = demo(&["--instant", "--keep"], &hostile);
    let path = out
        .lines()
        .find_map(|l| l.strip_prefix("The database is kept: "))
        .unwrap_or_else(|| panic!("no database path in:\n{out}"))
        .trim()
        .to_string();
    has(&out, &format!("DATABASE_URL=sqlite://{path} cxbot serve"));
    assert!(std::path::Path::new(&path).is_file(), "{path}");
    let url = format!("sqlite://{path}");

    let migrate = Command::new(env!("CARGO_BIN_EXE_cxbot"))
        .arg("migrate")
        .env_clear()
        .env("DATABASE_URL", &url)
        .output()
        .expect("cxbot migrate runs");
    assert!(
        migrate.status.success(),
        "{}",
        String::from_utf8_lossy(&migrate.stderr)
    );
    assert!(String::from_utf8_lossy(&migrate.stdout).contains("migrations applied"));

    let store = cxbot::db::open(&url, cxbot::db::OpenMode::Tool)
        .await
        .expect("the kept database opens");
    assert!(store.ticket_count().await.unwrap() >= 10);
    store.close().await;
    let dir = std::path::Path::new(&path).parent().unwrap().to_path_buf();
    std::fs::remove_dir_all(dir).unwrap();
}
