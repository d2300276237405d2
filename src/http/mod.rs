//! HTTP plumbing: the router (each module contributes a `router()`), and the middleware
//! every request passes through: request id, tracing (route, status, latency, request id;
//! secret headers redacted), metrics, body limit, timeout under Slack's 3 s, catch-panic.
//!
//! May import `service` (health and metrics read through `service::ops`), `app` and the
//! edges' routers; `error::ApiError` maps the service's error, never the store's. To
//! add an endpoint: a `router()` in its module, merged here.

pub mod error;
pub mod health;

use crate::app::AppState;
use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderName, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::sensitive_headers::SetSensitiveRequestHeadersLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// Slack gives up at 3 s; we answer (503) before it does.
pub const REQUEST_TIMEOUT: Duration = Duration::from_millis(2_500);

/// Headers that carry secrets: never logged.
pub fn sensitive_headers() -> Arc<[HeaderName]> {
    Arc::from(vec![
        axum::http::header::AUTHORIZATION,
        axum::http::header::COOKIE,
        HeaderName::from_static("x-slack-signature"),
        HeaderName::from_static("x-zendesk-webhook-signature"),
        HeaderName::from_static("x-cxbot-signature"),
        HeaderName::from_static("x-cxbot-token"),
        HeaderName::from_static("x-hub-signature"),
        HeaderName::from_static("x-hubspot-signature"),
        HeaderName::from_static("x-hubspot-signature-v3"),
        HeaderName::from_static("x-zdesk-jwt"),
    ])
}

pub fn router(state: AppState) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    Router::new()
        .merge(crate::slack::routes::router(state.clone()))
        .merge(health::router())
        .merge(crate::webhooks::routes::router())
        .fallback(|| async { error::ApiError::NotFound })
        .layer(middleware::from_fn(track_metrics))
        .layer(
            ServiceBuilder::new()
                .layer(SetSensitiveRequestHeadersLayer::from_shared(sensitive_headers()))
                .layer(SetRequestIdLayer::new(request_id.clone(), SequentialRequestId))
                .layer(
                    TraceLayer::new_for_http()
                        .make_span_with(|req: &Request| {
                            // Building the fields costs allocations; skip them when the
                            // span would be dropped anyway (CXBOT_LOG above info).
                            if !tracing::enabled!(tracing::Level::INFO) {
                                return tracing::Span::none();
                            }
                            let route = req
                                .extensions()
                                .get::<MatchedPath>()
                                .map(|p| p.as_str().to_string())
                                .unwrap_or_else(|| req.uri().path().to_string());
                            let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
                            tracing::info_span!("request", method = %req.method(), route = %route, request_id = %id)
                        })
                        .on_request(())
                        .on_response(|res: &axum::http::Response<_>, latency: Duration, _span: &tracing::Span| {
                            tracing::info!(status = res.status().as_u16(), latency_ms = latency.as_secs_f64() * 1000.0, "response");
                        }),
                )
                .layer(PropagateRequestIdLayer::new(request_id))
                .layer(CatchPanicLayer::custom(|_: Box<dyn std::any::Any + Send>| {
                    tracing::error!("handler panicked");
                    error::ApiError::Internal("panic".into()).into_response()
                }))
                .layer(TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, REQUEST_TIMEOUT))
                .layer(RequestBodyLimitLayer::new(crate::slack::routes::MAX_BODY)),
        )
        .with_state(state)
}

/// Request ids: this process's random prefix and a counter ("3f9a1c2e-42"). Unique within
/// a deployment's logs, and no random number (a system call) per request, as a UUID needs.
#[derive(Clone, Copy)]
struct SequentialRequestId;

impl MakeRequestId for SequentialRequestId {
    fn make_request_id<B>(&mut self, _: &axum::http::Request<B>) -> Option<RequestId> {
        use std::sync::atomic::{AtomicU64, Ordering};
        use std::sync::OnceLock;
        static PREFIX: OnceLock<String> = OnceLock::new();
        static NEXT: AtomicU64 = AtomicU64::new(1);
        let prefix =
            PREFIX.get_or_init(|| uuid::Uuid::new_v4().simple().to_string()[..8].to_string());
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        axum::http::HeaderValue::from_str(&format!("{prefix}-{n}"))
            .ok()
            .map(RequestId::new)
    }
}

async fn track_metrics(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".to_string());
    let res = next.run(req).await;
    let status = res.status().as_u16().to_string();
    metrics::counter!("cxbot_http_requests_total", "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("cxbot_http_request_duration_seconds", "route" => route)
        .record(started.elapsed().as_secs_f64());
    res
}
