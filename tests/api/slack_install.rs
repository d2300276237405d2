//! Issue 21, Slack conventions: Slack uninstalling the app (or revoking its bot token)
//! stops every replica's posting, each Slack job parked at once with the reason, until
//! `cxbot jobs retry` after a reinstall; and the playbook's `#names` resolved to channel ids
//! once (`conversations.list`), so a renamed channel keeps receiving cards.

use crate::helpers::*;
use crate::intake::{deliver, drain, freshdesk_missed_call, posts_in, ticket_count, QUEUE};
use cxbot::service::ops;
use serde_json::{json, Value};

fn event(id: &str, event: Value) -> Value {
    json!({"type": "event_callback", "event_id": id, "team_id": "T0001", "event": event})
}

async fn send_event(app: &TestApp, id: &str, body: Value) {
    let res = app.event(&event(id, body), None).await;
    assert_eq!(res.status(), 200);
}

/// `cxbot jobs ARGS...` on the app's database: (success, stdout).
async fn jobs_cli(app: &TestApp, args: &[&str]) -> (bool, String) {
    let url = app.db.url.clone();
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let out = tokio::task::spawn_blocking(move || {
        let dir = tempfile::tempdir().unwrap();
        std::process::Command::new(env!("CARGO_BIN_EXE_cxbot"))
            .arg("jobs")
            .args(&args)
            .current_dir(dir.path())
            .env_clear()
            .env("DATABASE_URL", url)
            .output()
            .expect("cxbot runs")
    })
    .await
    .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).to_string(),
    )
}

async fn slack_calls_but_listing(app: &TestApp) -> Vec<String> {
    app.slack
        .calls()
        .await
        .into_iter()
        .map(|(m, _)| m)
        .filter(|m| m != "conversations.list")
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_uninstall_parks_every_slack_job_at_once_on_every_replica_until_jobs_retry() {
    for backend in backends() {
        let app = spawn_app_with(TestOptions {
            backend,
            ..Default::default()
        })
        .await;
        // A second replica on the same database (PostgreSQL: SQLite has one writer).
        let second_replica = backend == Backend::Postgres;
        let replica = if second_replica {
            Some(
                spawn_app_with(TestOptions {
                    backend,
                    db_url: Some(app.db.url.clone()),
                    ..Default::default()
                })
                .await,
            )
        } else {
            None
        };
        let other = replica.as_ref().unwrap_or(&app);
        send_event(&app, "EvGONE1", json!({"type": "app_uninstalled"})).await;

        // Intake keeps storing tickets: nothing is lost.
        let first = deliver(
            other,
            "freshdesk",
            &freshdesk_missed_call(801, "+1 555 0100"),
        )
        .await;
        let second = deliver(
            &app,
            "freshdesk",
            &freshdesk_missed_call(802, "+1 555 0101"),
        )
        .await;
        assert_eq!(ticket_count(&app).await, 2, "{backend:?}");
        drain(other).await;
        drain(&app).await;

        // Neither replica called Slack; each card job was parked after one attempt, with why.
        assert!(
            slack_calls_but_listing(&app).await.is_empty(),
            "{backend:?}"
        );
        assert!(
            slack_calls_but_listing(other).await.is_empty(),
            "{backend:?}"
        );
        let dead = app.state.services.store.dead_jobs(100).await.unwrap();
        let cards: Vec<_> = dead.iter().filter(|j| j.name == "sync_card").collect();
        assert_eq!(cards.len(), 2, "{backend:?}: {dead:?}");
        for job in &dead {
            let why = job.last_error.as_deref().unwrap_or_default();
            assert!(
                why.contains("the app was uninstalled from the workspace on 2026-")
                    && why.contains("reinstall it, then `cxbot jobs retry --all`"),
                "{backend:?}: {why}"
            );
            assert_eq!(job.attempts, 1, "{backend:?}: parked at once, {job:?}");
        }

        // Reinstalled: `cxbot jobs retry --all` lets cxbot post again and sends the cards.
        // (The jobs are requeued at the test clock's now first: the command would requeue
        // them at the wall clock's.)
        let requeued = ops::retry_dead_jobs(
            &app.state.services.store,
            ops::RetryTarget::All,
            app.state.services.now_ms(),
        )
        .await
        .unwrap();
        assert_eq!(requeued, ops::RetryOutcome::Requeued(dead.len() as u64));
        drain(&app).await;
        assert!(
            slack_calls_but_listing(&app).await.is_empty(),
            "requeued, still stopped: {backend:?}"
        );
        let again = app.state.services.store.dead_jobs(100).await.unwrap();
        assert_eq!(again.len(), dead.len(), "parked again: {backend:?}");
        let requeued = ops::retry_dead_jobs(
            &app.state.services.store,
            ops::RetryTarget::All,
            app.state.services.now_ms(),
        )
        .await
        .unwrap();
        assert_eq!(requeued, ops::RetryOutcome::Requeued(dead.len() as u64));
        let (ok, stdout) = jobs_cli(&app, &["retry", "--all"]).await;
        assert!(ok, "{stdout}");
        assert!(
            stdout.contains("posting resumed: cleared the stop Slack caused (app_uninstalled"),
            "{stdout}"
        );
        assert!(stdout.contains("no dead jobs to retry"), "{stdout}");
        drain(&app).await;
        let cards = posts_in(&app, QUEUE).await;
        assert_eq!(cards.len(), 2, "{backend:?}: {cards:?}");
        for id in [first, second] {
            assert!(app
                .state
                .services
                .store
                .posted_message(&format!("card:{id}"))
                .await
                .unwrap()
                .is_some());
        }
    }
}

#[tokio::test]
async fn only_a_revoked_bot_token_stops_posting() {
    let app = spawn_app().await;
    // A person's token: cxbot's own still works.
    send_event(
        &app,
        "EvREV1",
        json!({"type": "tokens_revoked", "tokens": {"oauth": ["U0AGENT01"]}}),
    )
    .await;
    deliver(
        &app,
        "freshdesk",
        &freshdesk_missed_call(811, "+1 555 0100"),
    )
    .await;
    drain(&app).await;
    assert_eq!(posts_in(&app, QUEUE).await.len(), 1);

    send_event(
        &app,
        "EvREV2",
        json!({"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["U0CXBOT01"]}}),
    )
    .await;
    deliver(
        &app,
        "freshdesk",
        &freshdesk_missed_call(812, "+1 555 0101"),
    )
    .await;
    drain(&app).await;
    assert_eq!(posts_in(&app, QUEUE).await.len(), 1);
    let dead = app.state.services.store.dead_jobs(10).await.unwrap();
    assert!(
        dead.iter().any(|j| j
            .last_error
            .as_deref()
            .unwrap_or_default()
            .contains("the bot token was revoked on")),
        "{dead:?}"
    );
}

/// Posts to a `#name` go to its channel id, resolved once with one (paged) listing; after a
/// rename they still reach the channel.
#[tokio::test]
async fn a_playbook_name_is_resolved_to_its_id_once_and_survives_a_rename() {
    for backend in backends() {
        let app = spawn_app_with(TestOptions {
            backend,
            ..Default::default()
        })
        .await;
        // More channels than the fake lists a page: the listing follows the cursor.
        for (id, name) in [
            ("C0RANDOM1", "random"),
            ("C0LEADS01", "cx-leads"),
            ("C0GENERAL", "general"),
            ("C0SALES01", "sales"),
            ("C0QUEUE01", "cx-queue"),
        ] {
            app.slack.add_channel(id, name, true);
        }
        deliver(
            &app,
            "freshdesk",
            &freshdesk_missed_call(821, "+1 555 0100"),
        )
        .await;
        drain(&app).await;
        assert_eq!(posts_in(&app, "C0QUEUE01").await.len(), 1, "{backend:?}");
        assert!(posts_in(&app, QUEUE).await.is_empty(), "{backend:?}");
        // Every configured name in the workspace was remembered in the same listing.
        let store = &app.state.services.store;
        assert_eq!(
            store.channel_id("cx-leads").await.unwrap().as_deref(),
            Some("C0LEADS01")
        );

        // Renamed in Slack.
        app.slack
            .workspace
            .lock()
            .unwrap()
            .channels
            .iter_mut()
            .find(|c| c.id == "C0QUEUE01")
            .unwrap()
            .name = "cx-queue-archive".into();
        deliver(
            &app,
            "freshdesk",
            &freshdesk_missed_call(822, "+1 555 0101"),
        )
        .await;
        drain(&app).await;
        assert_eq!(posts_in(&app, "C0QUEUE01").await.len(), 2, "{backend:?}");
        assert!(posts_in(&app, QUEUE).await.is_empty(), "{backend:?}");

        // One listing: its first page (no cursor) was asked for once.
        let listings = app.slack.calls_to("conversations.list").await;
        let first_pages = listings
            .iter()
            .filter(|l| l.get("cursor").is_none())
            .count();
        assert_eq!(first_pages, 1, "{backend:?}: {listings:?}");
        assert_eq!(listings.len(), 2, "two pages of three: {listings:?}");

        if backend != Backend::Postgres {
            continue;
        }
        // Another replica on the same database reads the id, and lists nothing.
        let other = spawn_app_with(TestOptions {
            backend,
            db_url: Some(app.db.url.clone()),
            // Its clock where the first one's is (the channel's pace slot is shared).
            start: Some(cxbot::clock::from_ms(app.state.services.now_ms())),
            ..Default::default()
        })
        .await;
        deliver(
            &other,
            "freshdesk",
            &freshdesk_missed_call(823, "+1 555 0102"),
        )
        .await;
        drain(&other).await;
        assert_eq!(posts_in(&other, "C0QUEUE01").await.len(), 1, "{backend:?}");
        assert!(other.slack.calls_to("conversations.list").await.is_empty());
    }
}

/// A name Slack does not know is posted to by name, as before, and not looked up again.
#[tokio::test]
async fn an_unknown_name_is_posted_to_by_name_and_listed_once() {
    let app = spawn_app().await;
    app.slack.add_channel("C0RANDOM1", "random", true);
    for (n, phone) in [(831, "+1 555 0100"), (832, "+1 555 0101")] {
        deliver(&app, "freshdesk", &freshdesk_missed_call(n, phone)).await;
        drain(&app).await;
    }
    assert_eq!(posts_in(&app, QUEUE).await.len(), 2);
    assert_eq!(app.slack.calls_to("conversations.list").await.len(), 1);
}
