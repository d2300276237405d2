//! `/healthz` (the process is alive), `/readyz` (the database answers), `/metrics`
//! (Prometheus text).

use crate::app::AppState;
use crate::http::error::ApiError;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics_text))
}

async fn readyz(State(state): State<AppState>) -> Result<&'static str, ApiError> {
    match crate::service::ops::ready(&state.services).await {
        Ok(()) => Ok("ready"),
        Err(e) => {
            tracing::warn!(error = %e, "database not reachable");
            Err(ApiError::Unavailable)
        }
    }
}

async fn metrics_text(State(state): State<AppState>) -> impl IntoResponse {
    if let Ok(counts) = crate::service::ops::job_counts(&state.services).await {
        for (state_name, n) in counts {
            metrics::gauge!("cxbot_jobs", "state" => state_name).set(n as f64);
        }
    }
    (
        [(CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
}
