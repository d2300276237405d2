//! The HTTP transport for `/slack/*`. A middleware verifies every request (401 with no
//! detail, nothing stored) before a handler parses it (a form, or JSON) and hands it to
//! [`dispatch`], the path Socket Mode shares; handlers answer well inside Slack's 3 s.

use crate::app::AppState;
use crate::http::error::ApiError;
use crate::slack::dispatch::{self, CommandAnswer, EventAnswer, Redelivery};
use crate::slack::events::EventEnvelope;
use crate::slack::interactions::{Interaction, InteractionForm, InteractionResponse};
use crate::slack::verify::{self, SIGNATURE_HEADER, TIMESTAMP_HEADER};
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use secrecy::ExposeSecret;

/// Where it lived before Socket Mode shared it (the benches name it here).
pub use crate::slack::dispatch::SlashCommandPayload;

/// Slack bodies are small; anything larger is refused with 413.
pub const MAX_BODY: usize = 1024 * 1024;

/// The Events API request URL (manifest.yml's `event_subscriptions.request_url`).
pub const EVENTS_PATH: &str = "/slack/events";
/// The slash command's URL (manifest.yml's `slash_commands[].url`).
pub const COMMANDS_PATH: &str = "/slack/commands";
/// Buttons and modals (manifest.yml's `interactivity.request_url`).
pub const INTERACTIVITY_PATH: &str = "/slack/interactivity";

pub fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .route(EVENTS_PATH, post(events))
        .route(COMMANDS_PATH, post(slash_command))
        .route(INTERACTIVITY_PATH, post(interactivity))
        .route_layer(middleware::from_fn_with_state(state, verify_request))
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// A header that must be sent once: None when absent or repeated (two signatures are
/// ambiguous, whichever of them verifies).
fn single_header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    let mut values = headers.get_all(name).iter();
    match (values.next(), values.next()) {
        (Some(v), None) => v.to_str().ok(),
        _ => None,
    }
}

async fn verify_request(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(_) => return ApiError::PayloadTooLarge.into_response(),
    };
    if parts.uri.path() == COMMANDS_PATH && is_ssl_check(&bytes) {
        // Slack checking the certificate of the command URL: 200, nothing done (as Bolt
        // answers it, before verification: Slack does not sign these).
        return StatusCode::OK.into_response();
    }
    let now = state.services.clock.now().timestamp();
    let checked = verify::verify(
        state.signing_secret.expose_secret().as_bytes(),
        single_header(&parts.headers, SIGNATURE_HEADER),
        single_header(&parts.headers, TIMESTAMP_HEADER),
        &bytes,
        now,
    );
    if let Err(e) = checked {
        tracing::warn!(reason = %e, path = %parts.uri.path(), "rejected Slack request");
        metrics::counter!("cxbot_slack_requests_rejected_total", "reason" => e.to_string())
            .increment(1);
        return ApiError::Unauthorized.into_response();
    }
    // Slack never sends a command or an interaction twice: the same signature again is a
    // replay. (Events are retried by Slack with a new signature; `event_id` dedupes them.)
    if parts.uri.path() != EVENTS_PATH && !first_use(&state, &parts.headers, now) {
        tracing::warn!(path = %parts.uri.path(), "rejected a replayed Slack request");
        metrics::counter!("cxbot_slack_requests_rejected_total", "reason" => "replayed")
            .increment(1);
        return ApiError::Unauthorized.into_response();
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// Records a verified request's signature; false when it was used before.
fn first_use(state: &AppState, headers: &HeaderMap, now: i64) -> bool {
    let signature = header(headers, SIGNATURE_HEADER).unwrap_or_default();
    let timestamp = header(headers, TIMESTAMP_HEADER)
        .and_then(|t| t.trim().parse().ok())
        .unwrap_or(now);
    state.replays.first_use(signature, timestamp, now)
}

/// A form body with `ssl_check=1` (Slack's certificate check of a slash command URL).
fn is_ssl_check(body: &[u8]) -> bool {
    body.split(|b| *b == b'&')
        .any(|pair| pair == b"ssl_check=1")
}

async fn events(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let envelope: EventEnvelope = serde_json::from_slice(&body)
        .map_err(|e| ApiError::BadRequest(format!("malformed event body: {e}")))?;
    let redelivery = Redelivery {
        attempt: header(&headers, "x-slack-retry-num").and_then(|n| n.parse().ok()),
        reason: header(&headers, "x-slack-retry-reason"),
    };
    Ok(match dispatch::event(&state, envelope, redelivery).await? {
        EventAnswer::Challenge(challenge) => {
            Json(serde_json::json!({ "challenge": challenge })).into_response()
        }
        EventAnswer::Ack => StatusCode::OK.into_response(),
    })
}

async fn slash_command(State(state): State<AppState>, body: Bytes) -> Result<Response, ApiError> {
    let payload: SlashCommandPayload = serde_urlencoded::from_bytes(&body)
        .map_err(|e| ApiError::BadRequest(format!("malformed slash command: {e}")))?;
    Ok(match dispatch::command(&state, &payload).await {
        CommandAnswer::Help => help_response(),
        CommandAnswer::Reply(reply) => Json(reply.ephemeral_body()).into_response(),
    })
}

/// `/cx help` is the same for everyone: serialized once.
fn help_response() -> Response {
    static HELP: std::sync::OnceLock<Bytes> = std::sync::OnceLock::new();
    let body = HELP.get_or_init(|| {
        let reply = dispatch::help_reply();
        Bytes::from(serde_json::to_vec(&reply.ephemeral_body()).expect("the help reply serializes"))
    });
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        body.clone(),
    )
        .into_response()
}

async fn interactivity(State(state): State<AppState>, body: Bytes) -> Result<Response, ApiError> {
    let form: InteractionForm = serde_urlencoded::from_bytes(&body)
        .map_err(|_| ApiError::BadRequest("expected a form field named payload".into()))?;
    let interaction: Interaction = serde_json::from_str(&form.payload)
        .map_err(|e| ApiError::BadRequest(format!("malformed interaction payload: {e}")))?;
    Ok(match dispatch::interaction(&state, interaction).await {
        InteractionResponse::Ack => StatusCode::OK.into_response(),
        InteractionResponse::Json(v) => Json(v).into_response(),
    })
}
