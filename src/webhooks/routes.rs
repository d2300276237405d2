//! `POST /hooks/{provider}`: authenticate with the provider's secret, parse, hand the events
//! to `service::intake`. Answers: 200 `{"ok": true, "ticket": id, "duplicate": bool}` (for a
//! batch, `{"ok": true, "tickets": [ids], "results": [{"ticket", "duplicate"} | {"ignored"}]}`);
//! 401 (bad or missing auth, or no secret configured; nothing stored); 422 naming the field
//! (for a batch, any malformed event: nothing of it stored); 202 for an event type cxbot does
//! not use (200 for Zoho Desk, which counts anything but 200 as a failed delivery); 404 for an
//! unknown provider. `GET /hooks/zoho` answers Zoho's URL validation (200 with the right token).
//!
//! HubSpot signs the full URL it called. That is `CXBOT_PUBLIC_URL` + the request's path and
//! query when the setting is there; without it, the URL is rebuilt from the request: scheme
//! from `X-Forwarded-Proto` (else `https`, the only scheme HubSpot calls), host from
//! `X-Forwarded-Host`, else `Host` ([`public_request_url`]). Behind a proxy that rewrites the
//! path or drops those headers, set `CXBOT_PUBLIC_URL`.
//!
//! Adding a helpdesk here: a `Provider` arm in [`authenticate`] with its secret.

use super::auth::{
    verify_freshdesk_token, verify_generic, verify_hubspot, verify_intercom, verify_zendesk,
    verify_zoho_token, FRESHDESK_TOKEN_HEADER, GENERIC_SIGNATURE_HEADER, GENERIC_TIMESTAMP_HEADER,
    HUBSPOT_SIGNATURE_HEADER, HUBSPOT_TIMESTAMP_HEADER, INTERCOM_SIGNATURE_HEADER,
    ZENDESK_SIGNATURE_HEADER, ZENDESK_TIMESTAMP_HEADER, ZOHO_TOKEN_HEADER, ZOHO_TOKEN_PARAM,
};
use super::{parse_delivery, Provider, WebhookError};
use crate::app::AppState;
use crate::http::error::ApiError;
use crate::service::intake::accept_intake;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Value};

pub fn router() -> Router<AppState> {
    Router::new().route("/hooks/{provider}", post(receive).get(validate))
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// An authentication header: None when absent or sent twice (which of two tokens or
/// signatures would be the sender's?), so a repeated one is a 401.
fn auth_header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    let mut values = headers.get_all(name).iter();
    match (values.next(), values.next()) {
        (Some(v), None) => v.to_str().ok(),
        _ => None,
    }
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
        Provider::Intercom => (&w.intercom_secret, "INTERCOM_CLIENT_SECRET"),
        Provider::Hubspot => (&w.hubspot_secret, "HUBSPOT_CLIENT_SECRET"),
        Provider::Zoho => (&w.zoho_token, "ZOHO_WEBHOOK_TOKEN"),
    };
    secret.as_ref().ok_or_else(|| {
        tracing::warn!(
            provider = provider.as_str(),
            "webhook refused: {env} is not set"
        );
        ApiError::Unauthorized
    })
}

/// What a request brings that authentication may read.
struct Incoming<'a> {
    method: &'a Method,
    uri: &'a Uri,
    headers: &'a HeaderMap,
    body: &'a [u8],
}

/// The first value of a header that proxies may send as a comma-separated list.
fn first_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    header(headers, name)
        .and_then(|v| v.split(',').next())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// The URL the sender called: `public_url` (CXBOT_PUBLIC_URL, no trailing `/`) or, without
/// it, `X-Forwarded-Proto` (default https) `://` `X-Forwarded-Host` or `Host`; then the
/// request's path and query as received.
pub fn public_request_url(public_url: Option<&str>, headers: &HeaderMap, uri: &Uri) -> String {
    let path = uri.path_and_query().map_or("/", |pq| pq.as_str());
    match public_url {
        Some(base) => format!("{}{path}", base.trim_end_matches('/')),
        None => {
            let scheme = first_value(headers, "x-forwarded-proto").unwrap_or("https");
            let host = first_value(headers, "x-forwarded-host")
                .or_else(|| header(headers, "host"))
                .unwrap_or("");
            format!("{scheme}://{host}{path}")
        }
    }
}

/// The `token` query parameter, decoded.
fn query_token(uri: &Uri) -> Option<String> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(uri.query()?).ok()?;
    pairs
        .into_iter()
        .find(|(k, _)| k == ZOHO_TOKEN_PARAM)
        .map(|(_, v)| v)
}

fn authenticate(state: &AppState, provider: Provider, req: &Incoming<'_>) -> Result<(), ApiError> {
    let secret = secret(state, provider)?.expose_secret();
    let now = state.services.clock.now();
    let headers = req.headers;
    let checked = match provider {
        Provider::Freshdesk => verify_freshdesk_token(
            auth_header(headers, FRESHDESK_TOKEN_HEADER),
            auth_header(headers, "authorization"),
            secret,
        ),
        Provider::Zendesk => verify_zendesk(
            auth_header(headers, ZENDESK_SIGNATURE_HEADER),
            auth_header(headers, ZENDESK_TIMESTAMP_HEADER),
            req.body,
            secret,
            now,
        ),
        Provider::Generic => verify_generic(
            auth_header(headers, GENERIC_SIGNATURE_HEADER),
            auth_header(headers, GENERIC_TIMESTAMP_HEADER),
            req.body,
            secret,
            now,
        ),
        Provider::Intercom => verify_intercom(
            auth_header(headers, INTERCOM_SIGNATURE_HEADER),
            req.body,
            secret,
        ),
        Provider::Hubspot => verify_hubspot(
            auth_header(headers, HUBSPOT_SIGNATURE_HEADER),
            auth_header(headers, HUBSPOT_TIMESTAMP_HEADER),
            req.method.as_str(),
            &public_request_url(state.webhooks.public_url.as_deref(), headers, req.uri),
            req.body,
            secret,
            now,
        ),
        Provider::Zoho => verify_zoho_token(
            query_token(req.uri).as_deref(),
            auth_header(headers, ZOHO_TOKEN_HEADER),
            secret,
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

/// Ignored events get 202, except from Zoho Desk, which counts anything but 200 as a failure.
fn ignored_status(provider: Provider) -> StatusCode {
    match provider {
        Provider::Zoho => StatusCode::OK,
        _ => StatusCode::ACCEPTED,
    }
}

fn ignored(provider: Provider, reason: &str) -> Response {
    tracing::info!(provider = provider.as_str(), %reason, "webhook ignored");
    (
        ignored_status(provider),
        Json(json!({"ok": true, "ignored": reason})),
    )
        .into_response()
}

async fn receive(
    State(state): State<AppState>,
    Path(segment): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let provider = Provider::from_segment(&segment)?;
    let req = Incoming {
        method: &method,
        uri: &uri,
        headers: &headers,
        body: &body,
    };
    authenticate(&state, provider, &req)?;
    let outcomes = match parse_delivery(provider, &body, state.services.clock.now()) {
        Ok(outcomes) => outcomes,
        Err(WebhookError::Ignored { reason }) => return Ok(ignored(provider, &reason)),
        Err(e) => {
            tracing::info!(provider = provider.as_str(), error = %e, "webhook refused");
            return Err(e.into());
        }
    };
    // Every event is checked before any is stored: a malformed one refuses the delivery.
    if let Some(e) = outcomes.iter().find_map(|o| match o {
        Err(e @ WebhookError::Malformed { .. }) => Some(e.clone()),
        _ => None,
    }) {
        tracing::info!(provider = provider.as_str(), error = %e, "webhook refused");
        return Err(e.into());
    }
    let mut results = Vec::with_capacity(outcomes.len());
    let mut first_ignored = None;
    for outcome in outcomes {
        match outcome {
            Ok(event) => {
                let accepted = accept_intake(&state.services, &event).await?;
                results
                    .push(json!({"ticket": accepted.ticket_id, "duplicate": accepted.duplicate}));
            }
            Err(WebhookError::Ignored { reason }) => {
                tracing::info!(provider = provider.as_str(), %reason, "webhook event ignored");
                results.push(json!({ "ignored": reason }));
                first_ignored.get_or_insert(reason);
            }
            Err(e) => return Err(e.into()),
        }
    }
    let accepted = results
        .iter()
        .filter(|r| r.get("ignored").is_none())
        .count();
    if !provider.batches() {
        return Ok(match results.pop() {
            Some(r) if accepted == 1 => Json(json!({
                "ok": true, "ticket": r["ticket"], "duplicate": r["duplicate"],
            }))
            .into_response(),
            _ => ignored(provider, first_ignored.as_deref().unwrap_or("no events")),
        });
    }
    if accepted == 0 {
        let reason = first_ignored.unwrap_or_else(|| "no events".into());
        return Ok((
            ignored_status(provider),
            Json(json!({"ok": true, "ignored": reason, "results": results})),
        )
            .into_response());
    }
    let tickets: Vec<&Value> = results
        .iter()
        .filter_map(|r| r.get("ticket"))
        .filter(|t| !t.is_null())
        .collect();
    Ok(Json(json!({"ok": true, "tickets": tickets, "results": results})).into_response())
}

/// `GET /hooks/zoho`: Zoho Desk checks a webhook URL with a GET when the webhook is created or
/// its URL changed, and keeps the webhook only on a 200. The token is checked here too, so a
/// wrong or missing `?token=` fails in Zoho's form rather than on the first event.
async fn validate(
    State(state): State<AppState>,
    Path(segment): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let provider = Provider::from_segment(&segment)?;
    if provider != Provider::Zoho {
        return Ok(StatusCode::METHOD_NOT_ALLOWED.into_response());
    }
    let req = Incoming {
        method: &method,
        uri: &uri,
        headers: &headers,
        body: &[],
    };
    authenticate(&state, provider, &req)?;
    Ok(Json(json!({"ok": true, "validation": true})).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn the_public_url_wins_and_keeps_path_and_query() {
        let uri: Uri = "/hooks/hubspot?portal=7".parse().unwrap();
        let h = headers(&[("host", "10.0.0.5:3000"), ("x-forwarded-proto", "http")]);
        assert_eq!(
            public_request_url(Some("https://cxbot.example.com/"), &h, &uri),
            "https://cxbot.example.com/hooks/hubspot?portal=7"
        );
        assert_eq!(
            public_request_url(Some("https://example.com/cxbot"), &h, &uri),
            "https://example.com/cxbot/hooks/hubspot?portal=7",
            "a base path in front of cxbot's"
        );
    }

    #[test]
    fn without_it_the_url_comes_from_forwarded_headers_then_host() {
        let uri: Uri = "/hooks/hubspot".parse().unwrap();
        let proxied = headers(&[
            ("host", "10.0.0.5:3000"),
            ("x-forwarded-proto", "https, http"),
            ("x-forwarded-host", "cxbot.example.com"),
        ]);
        assert_eq!(
            public_request_url(None, &proxied, &uri),
            "https://cxbot.example.com/hooks/hubspot"
        );
        let direct = headers(&[("host", "cxbot.example.com")]);
        assert_eq!(
            public_request_url(None, &direct, &uri),
            "https://cxbot.example.com/hooks/hubspot",
            "https when no proxy says otherwise"
        );
        let plain = headers(&[("host", "localhost:3000"), ("x-forwarded-proto", "http")]);
        assert_eq!(
            public_request_url(None, &plain, &uri),
            "http://localhost:3000/hooks/hubspot"
        );
    }

    #[test]
    fn the_zoho_token_is_read_decoded_from_the_query() {
        let uri: Uri = "/hooks/zoho?a=1&token=s%2Bcret%20x".parse().unwrap();
        assert_eq!(query_token(&uri).as_deref(), Some("s+cret x"));
        assert_eq!(query_token(&"/hooks/zoho".parse().unwrap()), None);
        assert_eq!(query_token(&"/hooks/zoho?tok=1".parse().unwrap()), None);
    }
}
