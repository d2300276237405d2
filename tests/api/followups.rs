//! Follow-up cadences end to end with the injected clock (seed 002): the general cadence
//! from day 1 to closing on day 6, refund to escalation, a restart by a missed call, a stop
//! by the customer's reply, `from <date>`, each contact-action rule, the overdue list,
//! reminder buttons, and the refusals.

use crate::helpers::*;
use crate::intake::{deliver, freshdesk_missed_call, generic, thread_replies};
use chrono::Duration;
use cxbot::config::playbook::EXAMPLE_PLAYBOOK;
use serde_json::{json, Value};

const AGENT: &str = "U0AGENT01";
const DM: &str = "D0AGENT01";

async fn app() -> TestApp {
    let playbook = format!("{EXAMPLE_PLAYBOOK}\n[[team.member]]\nslack_id = \"{AGENT}\"\nname = \"Ana\"\nlevel = \"L1\"\n");
    spawn_app_with(TestOptions {
        playbook: Some(playbook),
        ..Default::default()
    })
    .await
}

/// A zoho ticket `n` with these customer fields and message, claimed by AGENT.
async fn claimed_ticket(
    app: &TestApp,
    n: &str,
    customer: Value,
    message: &str,
    tags: &[&str],
) -> i64 {
    let body = generic(
        &format!("evt-{n}"),
        "ticket",
        n,
        json!({"customer": customer, "message": message, "ticket": {"id": n, "subject": "Passport renewal", "tags": tags}}),
    );
    let id = deliver(app, "generic", &body).await;
    app.command(AGENT, &format!("claim zoho:{n}")).await;
    settle(app).await;
    id
}

/// Runs every job due now, a few times over (pacing moves jobs a second or two on).
async fn settle(app: &TestApp) {
    for _ in 0..4 {
        app.run_pending_jobs().await;
        app.advance(Duration::seconds(2));
    }
}

/// Moves the clock to 09:00 New York `days` after the start day, draining on the way.
async fn go_to_day(app: &TestApp, day: i64) {
    let target = start_time() + Duration::days(day - 1);
    use cxbot::clock::Clock;
    let now = app.clock.now();
    if target > now {
        app.clock.set(target);
    }
    settle(app).await;
}

async fn dms(app: &TestApp) -> Vec<Value> {
    app.slack
        .calls_to("chat.postMessage")
        .await
        .into_iter()
        .filter(|p| p["channel"] == DM && p.to_string().contains("Follow-up due"))
        .collect()
}

fn s(v: &Value) -> String {
    v.to_string()
}

async fn say(app: &TestApp, text: &str) -> String {
    app.command(AGENT, text).await["text"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn general_cadence_from_day_one_to_closing_on_day_six() {
    let app = app().await;
    claimed_ticket(
        &app,
        "11",
        json!({"name": "Jo", "email": "jo@example.com"}),
        "Where is my passport?",
        &[],
    )
    .await;
    let started = say(&app, "followup zoho:11 general").await;
    assert!(started.contains("general cadence, day 1 of 6"), "{started}");
    settle(&app).await;

    let mut expected_dms = 0;
    for (day, needle) in [
        (1, "Day 1 of 6"),
        (3, "Day 3 of 6"),
        (5, "Day 5 of 6"),
        (6, "Day 6 of 6"),
    ] {
        go_to_day(&app, day).await;
        let all = dms(&app).await;
        expected_dms += 1;
        assert_eq!(
            all.len(),
            expected_dms,
            "one reminder by day {day}: {all:?}"
        );
        let last = all.last().unwrap();
        assert!(s(last).contains(needle), "day {day}: {last}");
        let ids = ["cx_fu_done", "cx_fu_replied", "cx_fu_snooze"];
        assert!(
            ids.iter().all(|a| s(last).contains(a)),
            "Done / Customer replied / Snooze 1h"
        );
        if day == 6 {
            let text = s(last);
            assert!(
                text.contains("customer unresponsive - closing ticket"),
                "{text}"
            );
            assert!(
                text.contains("Unresponsive Customers/agent-u0agent01"),
                "{text}"
            );
            assert!(text.to_lowercase().contains("solved"), "{text}");
        }
        let reply = say(&app, "followup zoho:11 done").await;
        assert!(reply.contains(&format!("Recorded day {day}")), "{reply}");
        if day == 6 {
            assert!(reply.contains("The cadence is complete"), "{reply}");
        } else {
            assert!(reply.contains("Internal note:"), "{reply}");
        }
        // The nothing-to-do days after 1 and 3 pass without a reminder.
        if day == 1 || day == 3 {
            go_to_day(&app, day + 1).await;
            assert_eq!(
                dms(&app).await.len(),
                expected_dms,
                "no reminder on day {}",
                day + 1
            );
        }
    }
    go_to_day(&app, 8).await;
    assert_eq!(dms(&app).await.len(), 4, "nothing after the close");
    let status = say(&app, "followup zoho:11").await;
    assert!(
        status.contains("general cadence finished: day 6"),
        "{status}"
    );
    let lines: Vec<String> = thread_replies(&app).await.iter().map(s).collect();
    assert!(
        lines
            .iter()
            .any(|l| l.contains("Day 3 follow-up done") && l.contains("2/3")),
        "{lines:?}"
    );
}

#[tokio::test]
async fn refund_cadence_runs_to_escalation() {
    let app = app().await;
    claimed_ticket(
        &app,
        "12",
        json!({"email": "r@example.com"}),
        "I want a refund",
        &["refund"],
    )
    .await;
    let started = say(&app, "followup zoho:12").await;
    assert!(
        started.contains("refund cadence"),
        "chosen by the refund tag: {started}"
    );
    for day in 1..=3 {
        go_to_day(&app, day).await;
        say(&app, "followup zoho:12 done").await;
    }
    go_to_day(&app, 4).await;
    let last = dms(&app).await.pop().unwrap();
    assert!(s(&last).to_lowercase().contains("escalate"), "{last}");
    assert!(s(&last).contains("Day 4"), "{last}");
}

#[tokio::test]
async fn a_missed_call_on_day_four_restarts_the_cadence() {
    let app = app().await;
    claimed_ticket(
        &app,
        "13",
        json!({"phone": "+1 555 0100", "email": "m@example.com"}),
        "call me",
        &[],
    )
    .await;
    say(&app, "followup zoho:13 general").await;
    go_to_day(&app, 1).await;
    say(&app, "followup zoho:13 done").await;
    go_to_day(&app, 3).await;
    say(&app, "followup zoho:13 done").await;
    go_to_day(&app, 4).await;
    let before = dms(&app).await.len();

    deliver(
        &app,
        "freshdesk",
        &freshdesk_missed_call(900, "+1 555 0100"),
    )
    .await;
    settle(&app).await;
    let status = say(&app, "followup zoho:13").await;
    assert!(status.contains("day 1 of 6"), "restarted: {status}");
    assert!(thread_replies(&app)
        .await
        .iter()
        .any(|r| s(r).contains("restarted from day 1: new missed call from +1 555 0100")));
    let after = dms(&app).await;
    assert_eq!(after.len(), before + 1, "a fresh day-1 reminder");
    assert!(s(after.last().unwrap()).contains("Day 1 of 6"));

    // An email from the same customer (phone and email on file) is named by its address.
    let email = generic(
        "evt-mail-14",
        "ticket",
        "14",
        json!({"customer": {"phone": "+1 555 0100", "email": "m@example.com"}, "message": "Any update?",
               "ticket": {"id": "14", "source": "email", "subject": "Re: my trip"}}),
    );
    deliver(&app, "generic", &email).await;
    settle(&app).await;
    assert!(thread_replies(&app)
        .await
        .iter()
        .any(|r| s(r).contains("restarted from day 1: new email from m@example.com")));
}

#[tokio::test]
async fn the_customers_reply_stops_the_cadence() {
    let app = app().await;
    claimed_ticket(&app, "14", json!({"email": "q@example.com"}), "hello", &[]).await;
    say(&app, "followup zoho:14 general").await;
    go_to_day(&app, 1).await;
    let reply = generic(
        "evt-14-r",
        "customer_reply",
        "14",
        json!({"customer": {"email": "q@example.com"}, "message": "Here are my documents"}),
    );
    deliver(&app, "generic", &reply).await;
    settle(&app).await;
    let status = say(&app, "followup zoho:14").await;
    assert!(
        status.contains("general cadence stopped (customer replied)"),
        "{status}"
    );
    let n = dms(&app).await.len();
    go_to_day(&app, 3).await;
    assert_eq!(dms(&app).await.len(), n, "no reminder after the reply");
}

/// The ticket arrived with no email or phone; the reply is the first time cxbot sees who the
/// customer is (a new customer record), and it must still stop the cadence.
#[tokio::test]
async fn a_reply_that_first_names_the_customer_stops_the_cadence() {
    let app = app().await;
    claimed_ticket(&app, "15", json!({}), "hello", &[]).await;
    say(&app, "followup zoho:15 general").await;
    go_to_day(&app, 1).await;
    let reply = generic(
        "evt-15-r",
        "customer_reply",
        "15",
        json!({"customer": {"email": "first-seen@example.com"}, "message": "It's me"}),
    );
    deliver(&app, "generic", &reply).await;
    settle(&app).await;
    let status = say(&app, "followup zoho:15").await;
    assert!(
        status.contains("general cadence stopped (customer replied)"),
        "{status}"
    );
}

#[tokio::test]
async fn from_two_days_back_makes_the_day_three_step_due_at_once() {
    let app = app().await;
    claimed_ticket(&app, "15", json!({"email": "f@example.com"}), "x", &[]).await;
    let started = say(&app, "followup zoho:15 general from 2026-11-21").await;
    assert!(started.contains("day 3 of 6"), "{started}");
    settle(&app).await;
    let all = dms(&app).await;
    assert_eq!(
        all.len(),
        1,
        "one catch-up reminder, not one per missed day"
    );
    assert!(s(&all[0]).contains("Day 3 of 6"), "{}", all[0]);
}

#[tokio::test]
async fn each_contact_action_rule() {
    let app = app().await;
    let cases = [
        (
            "21",
            json!({"email": "o@example.com", "phone": "+1 555 0101", "order_id": "A-1"}),
            "",
            vec![
                "EMAIL o@example.com",
                "CALL +1 555 0101",
                "TEXT +1 555 0101",
            ],
        ),
        (
            "22",
            json!({"phone": "+1 555 0102"}),
            "",
            vec!["CALL +1 555 0102", "TEXT +1 555 0102"],
        ),
        (
            "23",
            json!({"email": "e@example.com"}),
            "no number here",
            vec!["EMAIL e@example.com"],
        ),
        (
            "24",
            json!({"email": "p@example.com"}),
            "you can reach me at (555) 010-0199",
            vec!["EMAIL p@example.com", "CALL", "TEXT"],
        ),
    ];
    for (n, customer, message, _) in &cases {
        claimed_ticket(&app, n, customer.clone(), message, &[]).await;
        say(&app, &format!("followup zoho:{n} general")).await;
    }
    settle(&app).await;
    let all: Vec<String> = dms(&app).await.iter().map(s).collect();
    assert_eq!(all.len(), 4);
    for ((n, _, _, wanted), dm) in cases.iter().zip(&all) {
        for w in wanted {
            assert!(dm.contains(w), "ticket {n}: {w} in {dm}");
        }
    }
    assert!(!all[1].contains("EMAIL"), "phone only: no email");
    assert!(
        !all[2].contains("CALL") && !all[2].contains("TEXT"),
        "email only: email"
    );
    assert!(
        all[3].contains("555") && all[3].contains("0199"),
        "the number from the message: {}",
        all[3]
    );
}

#[tokio::test]
async fn overdue_steps_are_listed() {
    let app = app().await;
    claimed_ticket(&app, "31", json!({"email": "a@example.com"}), "x", &[]).await;
    claimed_ticket(&app, "32", json!({"email": "b@example.com"}), "x", &[]).await;
    say(&app, "followup zoho:31 general").await;
    say(&app, "followup zoho:32 general").await;
    settle(&app).await;
    say(&app, "followup zoho:32 done").await;
    assert!(say(&app, "followup overdue")
        .await
        .contains("No follow-up is overdue"));
    go_to_day(&app, 2).await;
    let list = app.command(AGENT, "followup overdue").await.to_string();
    assert!(list.contains("#31"), "{list}");
    assert!(!list.contains("#32"), "done on time: {list}");
}

#[tokio::test]
async fn reminder_buttons_done_snooze_and_stale_clicks() {
    let app = app().await;
    let id = claimed_ticket(&app, "41", json!({"email": "a@example.com"}), "x", &[]).await;
    say(&app, "followup zoho:41 general").await;
    settle(&app).await;
    let value = |dm: &Value| {
        let t = s(dm);
        let i = t.find(&format!("\"value\":\"{id}:")).unwrap() + 9;
        t[i..].split('"').next().unwrap().to_string()
    };
    let first = dms(&app).await.remove(0);
    let v = value(&first);
    app.click(AGENT, "cx_fu_snooze", &v, Some("1.1")).await;
    settle(&app).await;
    assert_eq!(dms(&app).await.len(), 1, "snoozed");
    app.advance(Duration::minutes(61));
    settle(&app).await;
    let again = dms(&app).await;
    assert_eq!(again.len(), 2, "reminded again after the hour");
    // The first reminder's button is stale now.
    app.click(AGENT, "cx_fu_done", &v, Some("1.1")).await;
    settle(&app).await;
    let eph = app.slack.calls_to("chat.postEphemeral").await;
    assert!(
        eph.iter()
            .any(|e| s(e).contains("That reminder is out of date")),
        "{eph:?}"
    );
    app.click(
        AGENT,
        "cx_fu_done",
        &value(again.last().unwrap()),
        Some("1.1"),
    )
    .await;
    settle(&app).await;
    let status = say(&app, "followup zoho:41").await;
    assert!(
        status.contains("nothing to do today; next: day 3"),
        "{status}"
    );
    let lines: Vec<String> = thread_replies(&app).await.iter().map(s).collect();
    assert!(
        lines.iter().any(|l| l.contains("Day 1 follow-up done")),
        "{lines:?}"
    );
}

#[tokio::test]
async fn an_unclaimed_ticket_is_reminded_in_the_queue_channel() {
    let app = app().await;
    let body = generic(
        "evt-51",
        "ticket",
        "51",
        json!({"customer": {"email": "u@example.com"}, "ticket": {"id": "51", "subject": "Hi"}}),
    );
    deliver(&app, "generic", &body).await;
    say(&app, "followup zoho:51 general").await;
    settle(&app).await;
    let queue: Vec<Value> = app
        .slack
        .calls_to("chat.postMessage")
        .await
        .into_iter()
        .filter(|p| p["channel"] == "#cx-queue" && s(p).contains("Follow-up due"))
        .collect();
    assert_eq!(queue.len(), 1);
    assert!(s(&queue[0]).contains("Nobody has claimed this ticket"));
}

#[tokio::test]
async fn unknown_cadence_and_bad_dates_show_the_usage() {
    let app = app().await;
    claimed_ticket(&app, "61", json!({"email": "a@example.com"}), "x", &[]).await;
    let r = say(&app, "followup zoho:61 weekly").await;
    assert!(
        r.contains("`weekly` is not a cadence")
            && r.contains("refund, general")
            && r.contains("/cx followup <ticket>"),
        "{r}"
    );
    let r = say(&app, "followup zoho:61 general from 2026-02-30").await;
    assert!(
        r.contains("is not a date") && r.contains("/cx followup <ticket>"),
        "{r}"
    );
    let r = say(&app, "followup zoho:61 general from 2027-01-01").await;
    assert!(r.contains("in the future"), "{r}");
    let r = say(&app, "followup zoho:61 done").await;
    assert!(r.contains("No follow-up is running"), "{r}");
}
