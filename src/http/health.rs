//! `/healthz` (the process is alive), `/readyz` (not shutting down, the worker loop polls,
//! the database answers), `/metrics` (Prometheus text, with the process's own metrics).

use crate::app::AppState;
use crate::http::error::ApiError;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use std::fmt::Write;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics_text))
}

/// 503 with the reason once shutdown starts, while the worker loop is stuck, or while the
/// database does not answer.
async fn readyz(State(state): State<AppState>) -> Result<&'static str, ApiError> {
    if state.draining.load(std::sync::atomic::Ordering::SeqCst) {
        return Err(ApiError::NotReady("shutting down".into()));
    }
    if let Some(why) = state.heartbeat.stalled(state.services.now_ms()) {
        tracing::warn!("not ready: {why}");
        return Err(ApiError::NotReady(why));
    }
    match crate::service::ops::ready(&state.services).await {
        Ok(()) => Ok("ready"),
        Err(e) => {
            tracing::warn!(error = %e, "database not reachable");
            Err(ApiError::NotReady("database not reachable".into()))
        }
    }
}

async fn metrics_text(State(state): State<AppState>) -> impl IntoResponse {
    crate::telemetry::collect_process_metrics();
    if let Ok(counts) = crate::service::ops::job_counts(&state.services).await {
        for (state_name, n) in counts {
            metrics::gauge!("cxbot_jobs", "state" => state_name).set(n as f64);
        }
    }
    let mut text = state.metrics.render();
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    let _ = writeln!(
        text,
        "# HELP cxbot_build_info The running cxbot's version.\n# TYPE cxbot_build_info gauge\ncxbot_build_info{{version=\"{}\"}} 1",
        env!("CARGO_PKG_VERSION")
    );
    // How late the most overdue job is: a worker that stopped (or cannot keep up) shows here
    // long before anyone notices a missing card.
    if let Ok(next) = state.services.store.next_run_at().await {
        let late = next.map_or(0, |at| (state.services.now_ms() - at).max(0));
        let _ = writeln!(
            text,
            "# HELP cxbot_jobs_oldest_due_seconds How long the earliest due job has waited (0: none due).\n# TYPE cxbot_jobs_oldest_due_seconds gauge\ncxbot_jobs_oldest_due_seconds {}",
            late as f64 / 1000.0
        );
    }
    match crate::service::ops::dead_jobs_by_name(&state.services.store).await {
        Ok(dead) => text.push_str(&dead_gauge(&dead, &crate::jobs::registry().names())),
        Err(e) => tracing::warn!(error = %e, "could not count dead jobs for /metrics"),
    }
    ([(CONTENT_TYPE, "text/plain; version=0.0.4")], text)
}

/// `cxbot_jobs_dead{job}`: parked jobs by name, read from the database on every scrape,
/// with 0 for every job the worker knows (so a retried job's series drops to 0 rather than
/// vanishing). Written here rather than through the process-wide recorder: the figure is
/// the database's, the same on every replica, and nothing in the process should hold a
/// copy of it (several apps share one recorder in the tests).
fn dead_gauge(dead: &[(String, i64)], known: &[&str]) -> String {
    let mut series: std::collections::BTreeMap<&str, i64> =
        known.iter().map(|name| (*name, 0)).collect();
    for (name, n) in dead {
        series.insert(name, *n);
    }
    let mut out = String::new();
    out.push_str("# HELP cxbot_jobs_dead Parked (dead) jobs by job name: `cxbot jobs` lists them, `cxbot jobs retry` requeues them.\n");
    out.push_str("# TYPE cxbot_jobs_dead gauge\n");
    for (name, n) in series {
        let name = name
            .replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace('\n', "\\n");
        let _ = writeln!(out, "cxbot_jobs_dead{{job=\"{name}\"}} {n}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::dead_gauge;

    #[test]
    fn dead_gauge_lists_known_jobs_at_zero_and_parked_ones_by_name() {
        let text = dead_gauge(
            &[("slack_call".into(), 2), ("gone\"job".into(), 1)],
            &["clock_sweep", "slack_call"],
        );
        assert!(text.contains("# TYPE cxbot_jobs_dead gauge\n"), "{text}");
        assert!(
            text.contains("cxbot_jobs_dead{job=\"clock_sweep\"} 0\n"),
            "{text}"
        );
        assert!(
            text.contains("cxbot_jobs_dead{job=\"slack_call\"} 2\n"),
            "{text}"
        );
        assert!(
            text.contains("cxbot_jobs_dead{job=\"gone\\\"job\"} 1\n"),
            "{text}"
        );
    }
}
