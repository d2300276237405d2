//! /healthz, /readyz, /metrics.

use crate::helpers::*;

#[tokio::test]
async fn health_ready_and_metrics() {
    let app = spawn_app().await;
    let res = app.get("/healthz").await;
    assert_eq!(res.status(), 200);
    let res = app.get("/readyz").await;
    assert_eq!(res.status(), 200);

    app.command("U0AGENT01", "help").await;
    let text = app.get("/metrics").await.text().await.unwrap();
    assert!(text.contains("cxbot_http_requests_total"), "{text}");
    assert!(text.contains(r#"route="/slack/commands""#), "{text}");
    assert!(
        text.contains("cxbot_http_request_duration_seconds_bucket"),
        "{text}"
    );
    assert!(text.contains(r#"cxbot_jobs{state="pending"}"#), "{text}");
}

#[tokio::test]
async fn readyz_is_503_when_the_database_is_gone() {
    let app = spawn_app().await;
    app.state.services.store.close().await;
    let res = app.get("/readyz").await;
    assert_eq!(res.status(), 503);
}

#[tokio::test]
async fn readyz_is_503_once_shutdown_starts() {
    let app = spawn_app().await;
    assert_eq!(app.get("/readyz").await.status(), 200);
    app.state
        .draining
        .store(true, std::sync::atomic::Ordering::SeqCst);
    assert_eq!(app.get("/readyz").await.status(), 503);
    assert_eq!(
        app.get("/healthz").await.status(),
        200,
        "alive while it drains"
    );
}

#[tokio::test]
async fn metrics_carry_the_build_and_how_late_the_oldest_due_job_is() {
    let app = spawn_app().await;
    let text = app.get("/metrics").await.text().await.unwrap();
    assert!(
        text.contains(&format!(
            "cxbot_build_info{{version=\"{}\"}} 1",
            env!("CARGO_PKG_VERSION")
        )),
        "{text}"
    );
    // A card queued and left: two minutes later it is two minutes late.
    crate::intake::deliver(
        &app,
        "generic",
        &crate::intake::generic("evt-late", "ticket", "9", serde_json::json!({})),
    )
    .await;
    app.advance(chrono::Duration::minutes(2));
    let text = app.get("/metrics").await.text().await.unwrap();
    let late: f64 = text
        .lines()
        .find_map(|l| l.strip_prefix("cxbot_jobs_oldest_due_seconds "))
        .expect("the gauge is there")
        .parse()
        .unwrap();
    assert!((120.0..130.0).contains(&late), "{late}");
    app.run_pending_jobs().await;
    let text = app.get("/metrics").await.text().await.unwrap();
    assert!(text.contains("cxbot_jobs_oldest_due_seconds 0\n"), "{text}");
}

#[tokio::test]
async fn unknown_path_is_404() {
    let app = spawn_app().await;
    assert_eq!(app.get("/nope").await.status(), 404);
}

/// Histogram samples are folded into buckets by a background thread, so a cxbot nobody
/// scrapes does not keep one sample per request forever.
#[cfg(target_os = "linux")]
#[tokio::test]
async fn metrics_upkeep_runs_without_a_scrape() {
    let _app = spawn_app().await;
    let names: Vec<String> = std::fs::read_dir("/proc/self/task")
        .unwrap()
        .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("comm")).ok())
        .map(|n| n.trim().to_string())
        .collect();
    assert!(
        names.iter().any(|n| n == "metrics-upkeep"),
        "threads: {names:?}"
    );
}

/// The standard process metrics, read from /proc on each scrape.
#[cfg(target_os = "linux")]
#[tokio::test]
async fn metrics_carry_the_process_metrics() {
    let app = spawn_app().await;
    let text = app.get("/metrics").await.text().await.unwrap();
    let value = |name: &str| -> f64 {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{name} ")))
            .unwrap_or_else(|| panic!("{name} is missing:\n{text}"))
            .trim()
            .parse()
            .unwrap()
    };
    let resident = value("process_resident_memory_bytes");
    assert!(resident > 1_000_000.0, "resident {resident}");
    assert!(value("process_virtual_memory_bytes") >= resident);
    let open = value("process_open_fds");
    assert!(open >= 3.0, "stdin, stdout, stderr at least: {open}");
    assert!(value("process_max_fds") >= open);
    let cpu = value("process_cpu_seconds_total");
    assert!(cpu.is_finite() && cpu >= 0.0, "cpu {cpu}");
    let started = value("process_start_time_seconds");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    assert!(
        started <= now && started > now - 86_400.0,
        "started {started}, now {now}"
    );
}

#[tokio::test]
async fn readyz_is_503_while_the_worker_loop_has_not_polled() {
    use cxbot::clock::Clock;
    use cxbot::jobs::heartbeat::STALLED_AFTER_MS;
    let app = spawn_app().await;
    // A worker loop polled just now (the harness drains by hand, so this stands in for it).
    app.state.heartbeat.beat(app.clock.now_ms());
    assert_eq!(app.get("/readyz").await.status(), 200);
    app.advance(chrono::Duration::milliseconds(STALLED_AFTER_MS));
    assert_eq!(app.get("/readyz").await.status(), 200, "at the threshold");
    app.advance(chrono::Duration::seconds(5));
    let res = app.get("/readyz").await;
    assert_eq!(res.status(), 503);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["error"], "worker has not polled for 185 s", "{body}");
    assert_eq!(
        app.get("/healthz").await.status(),
        200,
        "alive all the same"
    );
    // It polls again: ready.
    app.state.heartbeat.beat(app.clock.now_ms());
    assert_eq!(app.get("/readyz").await.status(), 200);
}

#[tokio::test]
async fn readyz_stays_200_where_no_worker_loop_runs() {
    // The harness runs no worker loop (as a process built with WorkerMode::Manual): a
    // day with nothing polling, and a drain by hand, leave it ready.
    let app = spawn_app().await;
    app.advance(chrono::Duration::days(1));
    app.run_pending_jobs().await;
    app.advance(chrono::Duration::days(1));
    assert_eq!(app.get("/readyz").await.status(), 200);
}

#[tokio::test]
async fn the_worker_loop_arms_the_heartbeat_and_disarms_it_when_it_stops() {
    use cxbot::clock::Clock;
    let app = spawn_app().await;
    let heartbeat = app.state.heartbeat.clone();
    let mut beats = heartbeat.watch();
    let cx = cxbot::jobs::JobContext {
        services: app.state.services.clone(),
        slack: app.state.slack.clone(),
        helpdesks: app.state.helpdesks.clone(),
    };
    let worker = cxbot::jobs::worker::Worker::new(std::sync::Arc::new(cx), 1, heartbeat.clone());
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let running = tokio::spawn(worker.run(stopped));
    // Waits for the event, not for time: the timeout only bounds a broken loop.
    let first = tokio::time::timeout(
        std::time::Duration::from_secs(30),
        beats.wait_for(Option::is_some),
    )
    .await
    .expect("the loop beats as it starts")
    .map(|beat| *beat)
    .unwrap();
    assert_eq!(first, Some(app.clock.now_ms()), "the injected clock's time");
    assert_eq!(app.get("/readyz").await.status(), 200);
    stop.send(true).unwrap();
    running.await.unwrap();
    assert_eq!(heartbeat.silent_for(app.clock.now_ms()), None, "stopped");
}
