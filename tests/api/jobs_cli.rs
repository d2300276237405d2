//! `cxbot jobs` and `cxbot jobs retry` against a running app's database, the
//! `cxbot_jobs_dead` gauge on `/metrics`, and the store functions behind them on both
//! databases.

use crate::helpers::*;
use chrono::Duration;
use cxbot::db::{JobState, NewJob};
use cxbot::jobs::slack_call::SlackCall;
use cxbot::jobs::Payload;
use cxbot::service::ops::{self, RetryOutcome, RetryTarget};
use serde_json::json;
use std::process::Output;
use wiremock::ResponseTemplate;

/// Queues a post to `channel` that Slack refuses with `error`, and runs it: it is parked.
async fn park_a_post(app: &TestApp, channel: &str, error: &str) -> i64 {
    app.slack
        .fail_next(
            "chat.postMessage",
            1,
            ResponseTemplate::new(200).set_body_json(json!({"ok": false, "error": error})),
        )
        .await;
    let now = app.state.services.now_ms();
    let call = SlackCall::Post {
        key: None,
        channel: channel.into(),
        text: format!("hello {channel}"),
        blocks: None,
        thread: None,
    };
    app.state
        .services
        .store
        .enqueue(&[call.new_job(now)], now)
        .await
        .unwrap();
    app.run_pending_jobs().await;
    let dead = app.state.services.store.dead_jobs(1).await.unwrap();
    assert!(
        dead[0].last_error.as_deref().unwrap().contains(error),
        "{dead:?}"
    );
    dead[0].id
}

/// `cxbot jobs ARGS...` on the app's database.
async fn jobs(app: &TestApp, args: &[&str]) -> (Output, String, String) {
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
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    (out, stdout, stderr)
}

#[tokio::test(flavor = "multi_thread")]
async fn dead_jobs_are_listed_newest_first_and_retried_one_or_all() {
    for backend in backends() {
        let app = spawn_app_with(TestOptions {
            backend,
            ..Default::default()
        })
        .await;
        let (out, stdout, _) = jobs(&app, &[]).await;
        assert!(out.status.success());
        assert_eq!(stdout, "0 dead jobs\n", "{backend:?}");

        let first = park_a_post(&app, "#cx-queue", "not_in_channel").await;
        app.advance(Duration::minutes(5));
        let second = park_a_post(&app, "#cx-social", "is_archived").await;

        let (out, stdout, stderr) = jobs(&app, &[]).await;
        assert!(out.status.success(), "{stderr}");
        let lines: Vec<&str> = stdout.lines().collect();
        assert_eq!(lines.len(), 4, "{backend:?}: {stdout}");
        assert!(
            lines[0].starts_with("ID") && lines[0].ends_with("REASON"),
            "{stdout}"
        );
        // Newest first: id, name, attempts, when parked (the app's clock), the reason.
        assert!(lines[1].starts_with(&format!("{second} ")), "{stdout}");
        assert!(lines[1].contains(" slack_call "), "{stdout}");
        assert!(lines[1].contains(" 2026-11-23 14:05:00 UTC "), "{stdout}");
        assert!(
            lines[1].contains("is_archived: #cx-social is archived"),
            "{stdout}"
        );
        assert!(lines[2].starts_with(&format!("{first} ")), "{stdout}");
        assert!(lines[2].contains(" 2026-11-23 14:00:00 UTC "), "{stdout}");
        assert!(lines[2].contains("invite the bot to #cx-queue"), "{stdout}");
        assert_eq!(lines[3], "2 dead jobs");
        let (_, limited, _) = jobs(&app, &["--limit", "1"]).await;
        assert!(
            limited.ends_with("2 dead jobs (the newest 1 shown; --limit N for more)\n"),
            "{limited}"
        );

        // Retry one: pending again, attempts reset, due now (the tool's clock).
        let before = chrono::Utc::now().timestamp_millis();
        let (out, stdout, stderr) = jobs(&app, &["retry", &first.to_string()]).await;
        assert!(out.status.success(), "{stderr}");
        assert_eq!(
            stdout,
            format!("requeued job {first}: pending again, due now, attempts reset\n")
        );
        let store = &app.state.services.store;
        assert_eq!(
            store.job_state(first).await.unwrap().as_deref(),
            Some("pending")
        );
        let job = store
            .list_jobs(JobState::Pending)
            .await
            .unwrap()
            .into_iter()
            .find(|j| j.id == first)
            .unwrap();
        assert_eq!(job.attempts, 0);
        assert!(
            job.run_at >= before && job.locked_until.is_none(),
            "{job:?}"
        );

        // The worker runs it as a new job: this time Slack takes it. The app's clock jumps
        // from the test's start to the wall clock's now, so whatever else falls due on the
        // way (the day's summary after 18:00 in New York, a check-in) may post too: only
        // this test's own posts are counted.
        app.clock.set(cxbot::clock::from_ms(
            job.run_at.max(app.state.services.now_ms()),
        ));
        app.run_pending_jobs().await;
        let posts: Vec<_> = app
            .slack
            .calls_to("chat.postMessage")
            .await
            .into_iter()
            .filter(|p| p["text"].as_str().is_some_and(|t| t.starts_with("hello #")))
            .collect();
        assert_eq!(posts.len(), 3, "two refused, then the retried one");
        assert_eq!(posts[2]["text"], "hello #cx-queue");

        // Not dead (gone once done; the clock sweep is always pending): exit code 2.
        let (out, _, stderr) = jobs(&app, &["retry", &first.to_string()]).await;
        assert_eq!(out.status.code(), Some(2));
        assert!(
            stderr.contains(&format!("no job {first}: `cxbot jobs` lists")),
            "{stderr}"
        );
        let sweep = store
            .list_jobs(JobState::Pending)
            .await
            .unwrap()
            .into_iter()
            .find(|j| j.name == "clock_sweep")
            .unwrap();
        let (out, _, stderr) = jobs(&app, &["retry", &sweep.id.to_string()]).await;
        assert_eq!(out.status.code(), Some(2));
        assert!(
            stderr.contains(&format!("job {} is pending, not dead", sweep.id)),
            "{stderr}"
        );
        // Neither an id nor --all: clap's usage error, also 2.
        let (out, _, stderr) = jobs(&app, &["retry"]).await;
        assert_eq!(out.status.code(), Some(2), "{stderr}");

        let (out, stdout, _) = jobs(&app, &["retry", "--all"]).await;
        assert!(out.status.success());
        assert_eq!(
            stdout,
            "requeued 1 dead job: pending again, due now, attempts reset\n"
        );
        assert_eq!(
            store.job_state(second).await.unwrap().as_deref(),
            Some("pending")
        );
        let (_, stdout, _) = jobs(&app, &["retry", "--all"]).await;
        assert_eq!(stdout, "no dead jobs to retry\n");
    }
}

fn metric(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.trim().parse().ok())
}

#[tokio::test]
async fn metrics_show_dead_jobs_by_name_until_they_are_retried() {
    let app = spawn_app().await;
    let text = app.get("/metrics").await.text().await.unwrap();
    assert!(text.contains("# TYPE cxbot_jobs_dead gauge"), "{text}");
    assert_eq!(
        metric(&text, r#"cxbot_jobs_dead{job="slack_call"}"#),
        Some(0.0)
    );

    // Two channels: a second post to one channel would wait for its pace slot.
    park_a_post(&app, "#cx-queue", "not_in_channel").await;
    park_a_post(&app, "#cx-social", "channel_not_found").await;
    let text = app.get("/metrics").await.text().await.unwrap();
    assert_eq!(
        metric(&text, r#"cxbot_jobs_dead{job="slack_call"}"#),
        Some(2.0),
        "{text}"
    );
    assert_eq!(
        metric(&text, r#"cxbot_jobs_dead{job="sync_card"}"#),
        Some(0.0)
    );

    let outcome = ops::retry_dead_jobs(
        &app.state.services.store,
        RetryTarget::All,
        app.state.services.now_ms(),
    )
    .await
    .unwrap();
    assert_eq!(outcome, RetryOutcome::Requeued(2));
    let text = app.get("/metrics").await.text().await.unwrap();
    assert_eq!(
        metric(&text, r#"cxbot_jobs_dead{job="slack_call"}"#),
        Some(0.0)
    );
}

fn job(name: &'static str, payload: &str) -> NewJob {
    NewJob {
        name,
        payload: payload.into(),
        run_at: 0,
        dedupe_key: None,
        recurring: false,
        pace_key: None,
        coalesce_key: None,
    }
}

#[tokio::test]
async fn the_store_lists_counts_and_requeues_dead_jobs() {
    for backend in backends() {
        let (store, _db) = open(backend).await;
        let mut paced = job("b_job", "paced");
        paced.pace_key = Some("C1".into());
        let mut recurring = job("a_job", "recurring");
        recurring.recurring = true;
        store
            .enqueue(
                &[job("a_job", "one"), paced, recurring, job("a_job", "alive")],
                0,
            )
            .await
            .unwrap();
        let leased = store.lease_jobs(10_000, 20_000, 10, "w").await.unwrap();
        let id = |p: &str| leased.iter().find(|j| j.payload == p).unwrap().id;
        store.park_job(id("one"), "boom", 100).await.unwrap();
        store.park_job(id("paced"), "bang", 300).await.unwrap();
        store.park_job(id("recurring"), "bust", 200).await.unwrap();

        let dead = store.dead_jobs(10).await.unwrap();
        let order: Vec<i64> = dead.iter().map(|d| d.id).collect();
        assert_eq!(
            order,
            [id("paced"), id("recurring"), id("one")],
            "{backend:?}"
        );
        assert_eq!(dead[0].parked_at, 300);
        assert_eq!(dead[0].last_error.as_deref(), Some("bang"));
        assert_eq!(dead[0].attempts, 1);
        assert_eq!(store.dead_jobs(1).await.unwrap().len(), 1);
        assert_eq!(
            store.dead_job_counts().await.unwrap(),
            [("a_job".to_string(), 2), ("b_job".to_string(), 1)]
        );

        // One that is not dead is left alone.
        assert_eq!(
            store
                .requeue_dead_jobs(Some(id("alive")), 500)
                .await
                .unwrap(),
            0
        );
        assert_eq!(
            store.job_state(id("alive")).await.unwrap().as_deref(),
            Some("pending")
        );
        assert_eq!(store.job_state(999_999).await.unwrap(), None);

        assert_eq!(
            store
                .requeue_dead_jobs(Some(id("paced")), 500)
                .await
                .unwrap(),
            1
        );
        assert_eq!(store.requeue_dead_jobs(None, 600).await.unwrap(), 2);
        assert!(store.dead_jobs(10).await.unwrap().is_empty());
        let pending = store.list_jobs(JobState::Pending).await.unwrap();
        let row = |p: &str| pending.iter().find(|j| j.payload == p).unwrap().clone();
        assert_eq!((row("paced").run_at, row("paced").attempts), (500, 0));
        assert_eq!(row("paced").paced_at, None, "takes a fresh channel slot");
        assert_eq!((row("one").run_at, row("one").attempts), (600, 0));
        assert_eq!(row("recurring").run_at, 0, "a recurring job keeps its slot");
        // And the worker can lease them again (the one never parked is still leased).
        let again = store.lease_jobs(19_000, 30_000, 10, "w2").await.unwrap();
        assert_eq!(again.len(), 3, "{backend:?}");
    }
}
