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
