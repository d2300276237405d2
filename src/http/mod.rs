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
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use metrics::{Counter, Histogram};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tower::layer::layer_fn;
use tower::{Service, ServiceBuilder};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
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

/// Marks the secret headers sensitive (so that no log prints them), as tower-http's
/// `SetSensitiveRequestHeadersLayer` does, in one pass over the request's few headers
/// instead of a map lookup per secret header name.
fn mark_sensitive_headers<B>(mut req: axum::http::Request<B>) -> axum::http::Request<B> {
    static SENSITIVE: OnceLock<Arc<[HeaderName]>> = OnceLock::new();
    let sensitive = SENSITIVE.get_or_init(sensitive_headers);
    for (name, value) in req.headers_mut().iter_mut() {
        if sensitive.contains(name) {
            value.set_sensitive(true);
        }
    }
    req
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(crate::slack::routes::router())
        .merge(health::router())
        .merge(crate::webhooks::routes::router())
        .fallback(|| async { error::ApiError::NotFound })
        // One `layer` call for the whole stack: the router wraps (and boxes, and clones per
        // request) every route once per call.
        .layer(
            ServiceBuilder::new()
                .map_request(mark_sensitive_headers)
                .layer(layer_fn(|inner| SetRequestId { inner }))
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
                            let id = req.headers().get(&REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-");
                            tracing::info_span!("request", method = %req.method(), route = %route, request_id = %id)
                        })
                        .on_request(())
                        .on_response(|res: &axum::http::Response<_>, latency: Duration, _span: &tracing::Span| {
                            tracing::info!(status = res.status().as_u16(), latency_ms = latency.as_secs_f64() * 1000.0, "response");
                        }),
                )
                .layer(CatchPanicLayer::custom(|_: Box<dyn std::any::Any + Send>| {
                    tracing::error!("handler panicked");
                    error::ApiError::Internal("panic".into()).into_response()
                }))
                .layer(TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, REQUEST_TIMEOUT))
                .layer(RequestBodyLimitLayer::new(crate::slack::routes::MAX_BODY))
                .layer(layer_fn(|inner| TrackMetrics { inner })),
        )
        .with_state(state)
}

/// The request id header: taken from the request when the caller sent one, else made here;
/// the request carries it (the trace span reads it) and so does the response.
const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Sets `x-request-id` on a request that has none and copies it onto the response, as
/// tower-http's `SetRequestIdLayer` and `PropagateRequestIdLayer` do together, in one layer
/// (one wrapper around every route instead of two, and no copy of the id kept in the
/// request's and the response's extensions, which nothing here reads).
#[derive(Clone)]
struct SetRequestId<S> {
    inner: S,
}

/// Request ids: this process's random prefix and a counter ("3f9a1c2e-42"). Unique within
/// a deployment's logs, and no random number (a system call) per request, as a UUID needs.
fn next_request_id() -> HeaderValue {
    use std::sync::atomic::{AtomicU64, Ordering};
    static PREFIX: OnceLock<String> = OnceLock::new();
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let prefix = PREFIX.get_or_init(|| uuid::Uuid::new_v4().simple().to_string()[..8].to_string());
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let mut id = String::with_capacity(prefix.len() + 21);
    id.push_str(prefix);
    id.push('-');
    id.push_str(itoa::Buffer::new().format(n));
    HeaderValue::try_from(id).expect("hex digits, a dash and digits make a header value")
}

impl<S, B, R> Service<axum::http::Request<B>> for SetRequestId<S>
where
    S: Service<axum::http::Request<B>, Response = axum::http::Response<R>>,
{
    type Response = axum::http::Response<R>;
    type Error = S::Error;
    type Future = WithRequestId<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: axum::http::Request<B>) -> Self::Future {
        let id = match req.headers().get(&REQUEST_ID) {
            Some(id) => id.clone(),
            None => {
                let id = next_request_id();
                req.headers_mut().insert(REQUEST_ID, id.clone());
                id
            }
        };
        WithRequestId {
            inner: self.inner.call(req),
            id: Some(id),
        }
    }
}

pin_project_lite::pin_project! {
    /// The inner service's answer, with the request's id on it.
    struct WithRequestId<F> {
        #[pin]
        inner: F,
        id: Option<HeaderValue>,
    }
}

impl<F, R, E> Future for WithRequestId<F>
where
    F: Future<Output = Result<axum::http::Response<R>, E>>,
{
    type Output = Result<axum::http::Response<R>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut res = std::task::ready!(this.inner.poll(cx))?;
        if let Some(id) = this.id.take() {
            res.headers_mut().entry(REQUEST_ID).or_insert(id);
        }
        Poll::Ready(Ok(res))
    }
}

/// `cxbot_http_requests_total{route, status}` and `cxbot_http_request_duration_seconds{route}`
/// for every request. The handles are looked up in the recorder once per route and status
/// and kept, so a request costs two atomic updates, not two registry lookups with their
/// label strings.
#[derive(Clone)]
struct TrackMetrics<S> {
    inner: S,
}

/// One route's handles: its duration histogram and a counter per status seen.
struct RouteMetrics {
    duration: Histogram,
    by_status: std::sync::RwLock<Vec<(u16, Counter)>>,
}

impl RouteMetrics {
    fn of(route: &str) -> Arc<RouteMetrics> {
        type Routes = std::sync::RwLock<HashMap<String, Arc<RouteMetrics>>>;
        static ROUTES: OnceLock<Routes> = OnceLock::new();
        let routes = ROUTES.get_or_init(Default::default);
        if let Some(m) = routes.read().expect("metrics routes").get(route) {
            return m.clone();
        }
        let m = Arc::new(RouteMetrics {
            duration: metrics::histogram!("cxbot_http_request_duration_seconds", "route" => route.to_string()),
            by_status: Default::default(),
        });
        routes
            .write()
            .expect("metrics routes")
            .entry(route.to_string())
            .or_insert(m)
            .clone()
    }

    fn record(&self, route: &str, status: u16, seconds: f64) {
        let counter = self
            .by_status
            .read()
            .expect("metrics statuses")
            .iter()
            .find(|(s, _)| *s == status)
            .map(|(_, c)| c.clone());
        let counter = counter.unwrap_or_else(|| {
            let c = metrics::counter!("cxbot_http_requests_total", "route" => route.to_string(), "status" => status.to_string());
            self.by_status.write().expect("metrics statuses").push((status, c.clone()));
            c
        });
        counter.increment(1);
        self.duration.record(seconds);
    }
}

impl<S, B> Service<axum::http::Request<B>> for TrackMetrics<S>
where
    S: Service<axum::http::Request<B>, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Measured<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: axum::http::Request<B>) -> Self::Future {
        let started = Instant::now();
        let route = req.extensions().get::<MatchedPath>().cloned();
        Measured {
            inner: self.inner.call(req),
            started,
            route,
        }
    }
}

pin_project_lite::pin_project! {
    /// The inner service's answer, counted and timed when it is ready.
    struct Measured<F> {
        #[pin]
        inner: F,
        started: Instant,
        route: Option<MatchedPath>,
    }
}

impl<F, E> Future for Measured<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let res = std::task::ready!(this.inner.poll(cx))?;
        let route = this.route.as_ref().map_or("unmatched", |p| p.as_str());
        RouteMetrics::of(route).record(
            route,
            res.status().as_u16(),
            this.started.elapsed().as_secs_f64(),
        );
        Poll::Ready(Ok(res))
    }
}
