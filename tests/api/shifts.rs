//! Shifts, check-ins and replies nobody is watching (issue 16, seed 004), end to end with
//! the injected clock: `/cx on` briefing, `/cx off` hand-over, `/cx who`, check-in prompts
//! in two time zones with a missed one reported once, a lease that waits overnight, and a
//! customer reply routed by the owner's shift.

use crate::helpers::*;
use crate::intake::{deliver, drain, generic, posts_in, ticket, LEADS, QUEUE};
use chrono::{Duration, TimeZone, Utc};
use cxbot::config::playbook::EXAMPLE_PLAYBOOK;
use serde_json::{json, Value};

const NY: &str = "U0NEWYORK";
const LA: &str = "U0LOSANGE";
const FLEX: &str = "U0FLEXIBL";

/// NY works 08:00-17:00 New York, LA 08:00-17:00 Los Angeles; FLEX has no schedule.
fn team() -> String {
    format!(
        "{EXAMPLE_PLAYBOOK}\n\
         [[team.member]]\nslack_id = \"{NY}\"\nname = \"Nia\"\nlevel = \"L1\"\n\
         schedule = [\"Mon-Fri 08:00-17:00 America/New_York\"]\n\
         [[team.member]]\nslack_id = \"{LA}\"\nname = \"Lou\"\nlevel = \"L1\"\n\
         schedule = [\"Mon-Fri 08:00-17:00 America/Los_Angeles\"]\n\
         [[team.member]]\nslack_id = \"{FLEX}\"\nname = \"Fay\"\nlevel = \"L2\"\n"
    )
}

/// Monday 2026-11-23 at `hour`:`min` UTC.
fn monday(hour: u32, min: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, hour, min, 0).unwrap()
}

async fn team_app(backend: Backend, start: chrono::DateTime<Utc>) -> TestApp {
    spawn_app_with(TestOptions {
        backend,
        playbook: Some(team()),
        start: Some(start),
        ..Default::default()
    })
    .await
}

async fn run_until(app: &TestApp, at: chrono::DateTime<Utc>) {
    let now = app.state.services.now_ms();
    app.advance(Duration::milliseconds(at.timestamp_millis() - now));
    drain(app).await;
}

/// The DM channel the fake Slack opens for a user.
fn dm(user: &str) -> String {
    format!("D{}", user.trim_start_matches('U'))
}

async fn texts_in(app: &TestApp, channel: &str) -> Vec<String> {
    app.slack
        .calls_to("chat.postMessage")
        .await
        .into_iter()
        .filter(|b| b["channel"] == channel)
        .map(|b| b["text"].as_str().unwrap_or_default().to_string())
        .collect()
}

async fn new_ticket(app: &TestApp, number: &str) -> i64 {
    let t = json!({"customer": {"name": "Bo", "email": format!("bo{number}@example.com")},
                   "message": "Where is my refund?"});
    deliver(
        app,
        "generic",
        &generic(&format!("t-{number}"), "ticket", number, t),
    )
    .await
}

#[tokio::test]
async fn on_briefs_off_hands_over_and_who_lists_the_shift() {
    for backend in backends() {
        // 09:00 New York, 06:00 Los Angeles.
        let app = team_app(backend, monday(14, 0)).await;
        let mine = new_ticket(&app, "801").await;
        new_ticket(&app, "802").await;
        drain(&app).await;
        app.command(FLEX, "claim 801").await;

        let on = app.command(FLEX, "on").await;
        let text = on.to_string();
        assert!(
            text.contains("Your shift has started"),
            "{backend:?}: {text}"
        );
        assert!(
            text.contains("Unclaimed: 1") && text.contains("#802"),
            "{text}"
        );
        assert!(
            text.contains("Your claims (1)") && text.contains("#801"),
            "{text}"
        );
        let row = app.state.services.store.shift(FLEX).await.unwrap().unwrap();
        assert!(row.on_since.is_some(), "{backend:?}");
        assert!(app
            .command(FLEX, "on")
            .await
            .to_string()
            .contains("already on shift"));

        let who = app.command(LA, "who").await.to_string();
        assert!(who.contains(&format!("<@{FLEX}> since")), "{who}");
        assert!(who.contains(&format!("<@{NY}> (by schedule)")), "{who}");
        assert!(
            who.contains("Next on") && who.contains(&format!("<@{LA}>")),
            "{who}"
        );

        let off = app.command(FLEX, "off").await;
        let text = off.to_string();
        assert!(text.contains("Your shift has ended"), "{text}");
        assert!(text.contains(r#""action_id":"cx_release""#), "{text}");
        assert!(
            text.contains(&format!(r#""value":"{mine}:{NY}""#)),
            "hand to NY: {text}"
        );
        assert!(
            !text.contains(&format!("{mine}:{LA}")),
            "LA is not on yet: {text}"
        );
        assert!(app
            .state
            .services
            .store
            .shift(FLEX)
            .await
            .unwrap()
            .unwrap()
            .on_since
            .is_none());

        // FLEX hands the ticket to NY from the select.
        let pick = json!({"type": "block_actions", "user": {"id": FLEX}, "trigger_id": "t1",
            "channel": {"id": "D0FLEXIBL"}, "message": {"ts": "1.2"},
            "actions": [{"action_id": "cx_hand_to", "block_id": "b",
                         "selected_option": {"value": format!("{mine}:{NY}")}}]});
        assert_eq!(app.interact(&pick).await.status(), 200);
        assert_eq!(
            ticket(&app, mine).await.claimed_by.as_deref(),
            Some(NY),
            "{backend:?}"
        );
    }
}

#[tokio::test]
async fn check_ins_follow_local_time_and_a_missed_one_is_reported_once() {
    for backend in backends() {
        // 08:00 New York, 05:00 Los Angeles.
        let app = team_app(backend, monday(13, 0)).await;
        // 09:30 New York: NY's morning prompt; LA (06:30) has none.
        run_until(&app, monday(14, 30)).await;
        let ny_dm = texts_in(&app, &dm(NY)).await;
        assert_eq!(ny_dm.len(), 1, "{backend:?}: {ny_dm:?}");
        assert!(ny_dm[0].contains("morning check-in"), "{ny_dm:?}");
        assert!(texts_in(&app, &dm(LA)).await.is_empty(), "{backend:?}");
        let prompt = app
            .slack
            .calls_to("chat.postMessage")
            .await
            .into_iter()
            .find(|b| b["channel"] == dm(NY).as_str())
            .unwrap();
        assert!(prompt.to_string().contains("cx_checked_in"), "{prompt}");
        app.click(NY, "cx_checked_in", "2026-11-23|morning", None)
            .await;

        // 09:30 Los Angeles: LA's morning prompt, once.
        run_until(&app, monday(17, 30)).await;
        run_until(&app, monday(17, 45)).await;
        let la_dm = texts_in(&app, &dm(LA)).await;
        assert_eq!(la_dm.len(), 1, "{backend:?}: {la_dm:?}");
        assert!(la_dm[0].contains("morning check-in"), "{la_dm:?}");

        // 11:01 Los Angeles: LA's morning window closed unchecked; NY checked in.
        run_until(&app, monday(19, 1)).await;
        run_until(&app, monday(19, 30)).await;
        let missed: Vec<String> = texts_in(&app, LEADS)
            .await
            .into_iter()
            .filter(|t| t.contains("Missed the morning check-in"))
            .collect();
        assert_eq!(missed.len(), 1, "{backend:?}: {missed:?}");
        assert!(
            missed[0].contains(LA) && !missed[0].contains(NY),
            "{missed:?}"
        );
        let rows = app.state.services.store.checkins_of(NY).await.unwrap();
        assert!(rows
            .iter()
            .any(|r| r.name == "morning" && r.checked_at.is_some()));
        // Every sweep ran clean (a failing one is retried and hides what it skipped).
        let pending = app
            .state
            .services
            .store
            .list_jobs(cxbot::db::JobState::Pending)
            .await
            .unwrap();
        assert!(
            pending.iter().all(|j| j.last_error.is_none()),
            "{backend:?}: {pending:?}"
        );
        // Both started their window without /cx on: listed to the leads once each.
        let late = texts_in(&app, LEADS)
            .await
            .into_iter()
            .filter(|t| t.contains("without `/cx on`"))
            .count();
        assert_eq!(late, 2, "{backend:?}");
    }
}

#[tokio::test]
async fn a_lease_does_not_run_overnight() {
    for backend in backends() {
        // 16:00 New York: NY claims an hour before the end of their window.
        let app = team_app(backend, monday(21, 0)).await;
        let id = new_ticket(&app, "811").await;
        drain(&app).await;
        app.command(NY, "claim 811").await;
        // The lease (2 h) would ask at 18:00 and release at 18:30; NY is off shift.
        run_until(&app, monday(23, 30)).await;
        run_until(&app, Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap()).await;
        let t = ticket(&app, id).await;
        assert_eq!(
            t.claimed_by.as_deref(),
            Some(NY),
            "{backend:?}: still NY's in the morning"
        );
        assert!(
            t.claim.lease_asked_at.is_none(),
            "{backend:?}: not asked overnight"
        );
        assert!(
            !texts_in(&app, &dm(NY))
                .await
                .iter()
                .any(|t| t.contains("Still on #811")),
            "{backend:?}"
        );
        // Back on shift at 08:00 New York (13:00 UTC): the lease runs again and asks at 10:00.
        run_until(&app, Utc.with_ymd_and_hms(2026, 11, 24, 15, 5, 0).unwrap()).await;
        assert!(
            texts_in(&app, &dm(NY))
                .await
                .iter()
                .any(|t| t.contains("Still on #811")),
            "{backend:?}: asked during the shift"
        );
    }
}

#[tokio::test]
async fn a_reply_goes_to_the_owner_on_shift_and_to_the_queue_when_they_are_away() {
    for backend in backends() {
        // 10:00 New York (NY on), 07:00 Los Angeles (LA off).
        let app = team_app(backend, monday(15, 0)).await;
        let a = new_ticket(&app, "821").await;
        let b = new_ticket(&app, "822").await;
        drain(&app).await;
        app.command(NY, "claim 821").await;
        app.command(LA, "claim 822").await;
        let reply = |number: &str| -> Value {
            let mut r = generic(
                &format!("r-{number}"),
                "customer_reply",
                number,
                json!({"customer": {"name": "Bo", "email": format!("bo{number}@example.com")}}),
            );
            r["message"] = json!("Any news?");
            r
        };
        deliver(&app, "generic", &reply("821")).await;
        deliver(&app, "generic", &reply("822")).await;
        drain(&app).await;
        let ny = texts_in(&app, &dm(NY)).await;
        assert!(
            ny.iter().any(|t| t.contains("replied on your ticket #821")),
            "{backend:?}: {ny:?}"
        );
        let queue = texts_in(&app, QUEUE).await;
        let away: Vec<_> = queue
            .iter()
            .filter(|t| t.contains("is off shift"))
            .collect();
        assert_eq!(away.len(), 1, "{backend:?}: {queue:?}");
        assert!(
            away[0].contains("#822") && away[0].contains(LA) && away[0].contains("until"),
            "{away:?}"
        );
        assert!(!queue
            .iter()
            .any(|t| t.contains("#821") && t.contains("off shift")));
        let _ = (a, b, posts_in(&app, QUEUE).await);
    }
}

#[tokio::test]
async fn tickets_on_a_long_engineering_hold_have_their_own_heading_in_the_queue() {
    for backend in backends() {
        let app = team_app(backend, monday(14, 0)).await;
        let held = |id: &str, number: &str| {
            let mut e = generic(
                id,
                "ticket",
                number,
                json!({"customer": {"name": "Bo", "email": format!("bo{number}@example.com")}}),
            );
            e["ticket"]["tags"] = json!(["engineering"]);
            e
        };
        deliver(&app, "generic", &held("h-1", "831")).await;
        new_ticket(&app, "832").await;
        run_until(&app, monday(14, 0) + Duration::days(2)).await;
        deliver(&app, "generic", &held("h-2", "833")).await;
        run_until(&app, monday(14, 0) + Duration::days(4) + Duration::hours(1)).await;
        let queue = app.command(NY, "queue").await.to_string();
        let (head, fringe) = queue
            .split_once("Waiting on engineering")
            .unwrap_or_else(|| panic!("{backend:?}: no fringe heading: {queue}"));
        assert!(
            fringe.contains("#831"),
            "{backend:?}: quiet 4 days: {fringe}"
        );
        assert!(
            !fringe.contains("#833"),
            "{backend:?}: raised 2 days ago: {fringe}"
        );
        assert!(
            !fringe.contains("#832"),
            "{backend:?}: not on engineering: {fringe}"
        );
        assert!(head.contains("#832"), "{head}");
    }
}
