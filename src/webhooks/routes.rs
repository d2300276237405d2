//! `POST /hooks/{provider}`: authenticate with the provider's secret, parse, hand the event
//! to `service::intake`. Answers: 200 `{"ok": true, "ticket": id, "duplicate": bool}`;
//! 401 (bad or missing auth, or no secret configured; nothing stored); 422 naming the
//! field; 202 for an event type cxbot does not use; 404 for an unknown provider.
//!
//! Adding a helpdesk here: a `Provider` arm in [`authenticate`] with its secret.

use super::auth::{
    verify_freshdesk_token, verify_generic, verify_zendesk, FRESHDESK_TOKEN_HEADER,
    GENERIC_SIGNATURE_HEADER, GENERIC_TIMESTAMP_HEADER, ZENDESK_SIGNATURE_HEADER,
    ZENDESK_TIMESTAMP_HEADER,
};
use super::{parse, Provider, WebhookError};
use crate::app::AppState;
use crate::http::error::ApiError;
use crate::service::intake::accept_intake;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;

pub fn router() -> Router<AppState> {
    Router::new().route("/hooks/{provider}", post(receive))
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

impl From<WebhookError> for ApiError {
    fn from(e: WebhookError) -> Self {
        match e {
            WebhookError::Unauthorized => ApiError::Unauthorized,
            WebhookError::Malformed { field, reason } => ApiError::Unprocessable { field, reason },
            WebhookError::UnknownProvider { .. } => ApiError::NotFound,
            // Answered 202 by the handler before it gets here; kept total for safety.
            WebhookError::Ignored { reason } => ApiError::BadRequest(reason),
        }
    }
}

/// The secret for `provider`, or 401 with a warning naming the variable to set.
fn secret(state: &AppState, provider: Provider) -> Result<&SecretString, ApiError> {
    let w = &state.webhooks;
    let (secret, env) = match provider {
        Provider::Freshdesk => (&w.freshdesk_token, "FRESHDESK_WEBHOOK_TOKEN"),
        Provider::Zendesk => (&w.zendesk_secret, "ZENDESK_WEBHOOK_SECRET"),
        Provider::Generic => (&w.generic_secret, "CXBOT_WEBHOOK_SECRET"),
    };
    secret.as_ref().ok_or_else(|| {
        tracing::warn!(
            provider = provider.as_str(),
            "webhook refused: {env} is not set"
        );
        ApiError::Unauthorized
    })
}

fn authenticate(
    state: &AppState,
    provider: Provider,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(), ApiError> {
    let secret = secret(state, provider)?.expose_secret();
    let now = state.services.clock.now();
    let checked = match provider {
        Provider::Freshdesk => verify_freshdesk_token(
            header(headers, FRESHDESK_TOKEN_HEADER),
            header(headers, "authorization"),
            secret,
        ),
        Provider::Zendesk => verify_zendesk(
            header(headers, ZENDESK_SIGNATURE_HEADER),
            header(headers, ZENDESK_TIMESTAMP_HEADER),
            body,
            secret,
            now,
        ),
        Provider::Generic => verify_generic(
            header(headers, GENERIC_SIGNATURE_HEADER),
            header(headers, GENERIC_TIMESTAMP_HEADER),
            body,
            secret,
            now,
        ),
    };
    checked.map_err(|e| {
        tracing::warn!(
            provider = provider.as_str(),
            "rejected webhook: bad token or signature"
        );
        metrics::counter!("cxbot_webhooks_rejected_total", "provider" => provider.as_str())
            .increment(1);
        ApiError::from(e)
    })
}

async fn receive(
    State(state): State<AppState>,
    Path(segment): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let provider = Provider::from_segment(&segment)?;
    authenticate(&state, provider, &headers, &body)?;
    let event = match parse(provider, &body, state.services.clock.now()) {
        Ok(e) => e,
        Err(WebhookError::Ignored { reason }) => {
            tracing::info!(provider = provider.as_str(), %reason, "webhook ignored");
            return Ok((
                StatusCode::ACCEPTED,
                Json(json!({"ok": true, "ignored": reason})),
            )
                .into_response());
        }
        Err(e) => {
            tracing::info!(provider = provider.as_str(), error = %e, "webhook refused");
            return Err(e.into());
        }
    };
    let accepted = accept_intake(&state.services, &event).await?;
    Ok(Json(json!({
        "ok": true,
        "ticket": accepted.ticket_id,
        "duplicate": accepted.duplicate,
    }))
    .into_response())
}
