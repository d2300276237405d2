//! Shared-secret checks for helpdesk webhooks. Pure: the HTTP layer passes the header values,
//! the raw body, the configured secret and `now` from the injected clock. Every failure is
//! `WebhookError::Unauthorized` and says nothing more. Comparisons are constant-time; a blank
//! configured secret never verifies (config validation should have rejected it already).
//!
//! - Freshdesk has no signature: the admin adds our token as the `X-Cxbot-Token` header, or as
//!   HTTP Basic auth (the token as password with any user name, or as user name, the way
//!   Freshdesk sends API keys).
//! - Zendesk: `X-Zendesk-Webhook-Signature` = base64(HMAC-SHA256(secret, timestamp + body))
//!   with `X-Zendesk-Webhook-Signature-Timestamp`, the secret's text used as the key as-is.
//!   [`verify_zendesk`] also requires that timestamp to be ISO 8601 and within
//!   [`MAX_SKEW_SECS`] of `now` (Zendesk prescribes no window; 300 s matches Slack and HubSpot
//!   and is far above Zendesk's delivery latency). [`verify_zendesk_signature`] is the HMAC
//!   alone, with the timestamp as opaque text, for published vectors that use `1234`.
//! - Generic: `X-Cxbot-Signature: v0=<hex HMAC-SHA256(secret, "v0:{ts}:{body}")>` with
//!   `X-Cxbot-Timestamp: <unix seconds>` within [`MAX_SKEW_SECS`] (Slack's scheme, so
//!   senders can reuse Slack signing code; Slack's published vector verifies here).

use super::WebhookError;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

pub const FRESHDESK_TOKEN_HEADER: &str = "X-Cxbot-Token";
pub const ZENDESK_SIGNATURE_HEADER: &str = "X-Zendesk-Webhook-Signature";
pub const ZENDESK_TIMESTAMP_HEADER: &str = "X-Zendesk-Webhook-Signature-Timestamp";
pub const GENERIC_SIGNATURE_HEADER: &str = "X-Cxbot-Signature";
pub const GENERIC_TIMESTAMP_HEADER: &str = "X-Cxbot-Timestamp";
/// Replay window for signed timestamps, both directions.
pub const MAX_SKEW_SECS: i64 = 300;

type HmacSha256 = Hmac<Sha256>;

fn mac(secret: &str) -> Result<HmacSha256, WebhookError> {
    if secret.trim().is_empty() {
        return Err(WebhookError::Unauthorized);
    }
    HmacSha256::new_from_slice(secret.as_bytes()).map_err(|_| WebhookError::Unauthorized)
}

/// Equal-length digests first, so the comparison leaks neither content nor length.
fn ct_eq(a: &str, b: &str) -> bool {
    Sha256::digest(a.as_bytes())
        .ct_eq(&Sha256::digest(b.as_bytes()))
        .into()
}

fn fresh(ts: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), WebhookError> {
    if (now - ts).num_seconds().abs() <= MAX_SKEW_SECS {
        Ok(())
    } else {
        Err(WebhookError::Unauthorized)
    }
}

pub fn verify_freshdesk_token(
    header_token: Option<&str>,
    basic_auth_header: Option<&str>,
    expected: &str,
) -> Result<(), WebhookError> {
    if expected.trim().is_empty() {
        return Err(WebhookError::Unauthorized);
    }
    if header_token.is_some_and(|t| ct_eq(t.trim(), expected)) {
        return Ok(());
    }
    let credentials = basic_auth_header
        .and_then(|h| h.trim().split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("basic"))
        .and_then(|(_, b64)| BASE64.decode(b64.trim()).ok())
        .and_then(|raw| String::from_utf8(raw).ok());
    if let Some((user, password)) = credentials.as_deref().and_then(|c| c.split_once(':')) {
        // Both compared, always, so timing does not tell which one matched.
        let (by_password, by_user) = (ct_eq(password, expected), ct_eq(user, expected));
        if by_password | by_user {
            return Ok(());
        }
    }
    Err(WebhookError::Unauthorized)
}

/// base64(HMAC-SHA256(secret, timestamp + body)): for senders and tests.
pub fn sign_zendesk(timestamp: &str, body: &[u8], secret: &str) -> String {
    let mut m = HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    m.update(timestamp.as_bytes());
    m.update(body);
    BASE64.encode(m.finalize().into_bytes())
}

/// The Zendesk HMAC alone; `timestamp` is opaque text. Use [`verify_zendesk`] for requests.
pub fn verify_zendesk_signature(
    signature_b64: &str,
    timestamp: &str,
    body: &[u8],
    secret: &str,
) -> Result<(), WebhookError> {
    let mut m = mac(secret)?;
    let signature = BASE64
        .decode(signature_b64.trim())
        .map_err(|_| WebhookError::Unauthorized)?;
    m.update(timestamp.as_bytes());
    m.update(body);
    m.verify_slice(&signature)
        .map_err(|_| WebhookError::Unauthorized)
}

/// A Zendesk request: both headers present, the timestamp ISO 8601 and fresh, the HMAC right.
pub fn verify_zendesk(
    signature_b64: Option<&str>,
    timestamp: Option<&str>,
    body: &[u8],
    secret: &str,
    now: DateTime<Utc>,
) -> Result<(), WebhookError> {
    let (Some(signature), Some(timestamp)) = (signature_b64, timestamp) else {
        return Err(WebhookError::Unauthorized);
    };
    let ts = DateTime::parse_from_rfc3339(timestamp.trim())
        .map_err(|_| WebhookError::Unauthorized)?
        .with_timezone(&Utc);
    fresh(ts, now)?;
    verify_zendesk_signature(signature, timestamp, body, secret)
}

/// `v0=` + hex(HMAC-SHA256(secret, "v0:{timestamp}:{body}")): for senders and tests.
pub fn sign_generic(timestamp: i64, body: &[u8], secret: &str) -> String {
    let mut m = HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    m.update(format!("v0:{timestamp}:").as_bytes());
    m.update(body);
    format!("v0={}", hex::encode(m.finalize().into_bytes()))
}

pub fn verify_generic(
    signature_header: Option<&str>,
    timestamp_header: Option<&str>,
    body: &[u8],
    secret: &str,
    now: DateTime<Utc>,
) -> Result<(), WebhookError> {
    let (Some(signature), Some(timestamp)) = (signature_header, timestamp_header) else {
        return Err(WebhookError::Unauthorized);
    };
    let timestamp = timestamp.trim();
    if timestamp.is_empty() || !timestamp.bytes().all(|b| b.is_ascii_digit()) {
        return Err(WebhookError::Unauthorized);
    }
    let ts = timestamp
        .parse::<i64>()
        .ok()
        .and_then(|secs| DateTime::from_timestamp(secs, 0))
        .ok_or(WebhookError::Unauthorized)?;
    fresh(ts, now)?;
    let mut m = mac(secret)?;
    let signature = signature
        .trim()
        .strip_prefix("v0=")
        .and_then(|h| hex::decode(h).ok())
        .ok_or(WebhookError::Unauthorized)?;
    m.update(format!("v0:{timestamp}:").as_bytes());
    m.update(body);
    m.verify_slice(&signature)
        .map_err(|_| WebhookError::Unauthorized)
}

#[cfg(test)]
mod tests;
