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
//! - Intercom: `X-Hub-Signature: sha1=<hex HMAC-SHA1(client secret, raw body)>` (Intercom's own
//!   sample receivers). Intercom sends no timestamp, so there is no replay window: a replayed
//!   notification carries its notification id, and the idempotency key makes it a duplicate.
//! - HubSpot (webhooks v3): `X-HubSpot-Signature-v3` = base64(HMAC-SHA256(client secret,
//!   method + URI + body + timestamp)) with `X-HubSpot-Request-Timestamp` in milliseconds,
//!   within [`MAX_SKEW_SECS`] (HubSpot says: reject older than 5 minutes). The URI is the full
//!   URL HubSpot called, with the escapes HubSpot lists decoded ([`hubspot_signed_uri`]); the
//!   HTTP layer rebuilds it (`routes.rs`). HubSpot's older v1/v2 headers are not accepted.
//! - Zoho Desk: a shared token, like Freshdesk's: the `token` query parameter of the webhook
//!   URL (Zoho's webhook form takes a URL and no headers) or the `X-Cxbot-Token` header. Zoho
//!   also sends an RS256 JWT in `X-ZDesk-JWT`; checking it needs Zoho's key set fetched from
//!   the account's data centre at run time, which this pure module does not do (see `zoho.rs`).

use super::WebhookError;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

pub const FRESHDESK_TOKEN_HEADER: &str = "X-Cxbot-Token";
pub const ZENDESK_SIGNATURE_HEADER: &str = "X-Zendesk-Webhook-Signature";
pub const ZENDESK_TIMESTAMP_HEADER: &str = "X-Zendesk-Webhook-Signature-Timestamp";
pub const GENERIC_SIGNATURE_HEADER: &str = "X-Cxbot-Signature";
pub const GENERIC_TIMESTAMP_HEADER: &str = "X-Cxbot-Timestamp";
pub const INTERCOM_SIGNATURE_HEADER: &str = "X-Hub-Signature";
pub const HUBSPOT_SIGNATURE_HEADER: &str = "X-HubSpot-Signature-v3";
pub const HUBSPOT_TIMESTAMP_HEADER: &str = "X-HubSpot-Request-Timestamp";
/// Zoho Desk's token travels as this header or as the `token` query parameter.
pub const ZOHO_TOKEN_HEADER: &str = "X-Cxbot-Token";
pub const ZOHO_TOKEN_PARAM: &str = "token";
/// Replay window for signed timestamps, both directions.
pub const MAX_SKEW_SECS: i64 = 300;

type HmacSha256 = Hmac<Sha256>;
type HmacSha1 = Hmac<Sha1>;

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

/// A header's unix time, digits only, in seconds (`ms_per_unit` 1,000) or milliseconds (1).
fn unix_time(raw: &str, ms_per_unit: i64) -> Result<DateTime<Utc>, WebhookError> {
    if raw.is_empty() || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return Err(WebhookError::Unauthorized);
    }
    raw.parse::<i64>()
        .ok()
        .and_then(|n| n.checked_mul(ms_per_unit))
        .and_then(DateTime::from_timestamp_millis)
        .ok_or(WebhookError::Unauthorized)
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
    fresh(unix_time(timestamp, 1_000)?, now)?;
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

/// `sha1=` + hex(HMAC-SHA1(secret, body)): for senders and tests.
pub fn sign_intercom(body: &[u8], secret: &str) -> String {
    let mut m = HmacSha1::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    m.update(body);
    format!("sha1={}", hex::encode(m.finalize().into_bytes()))
}

/// An Intercom notification: `X-Hub-Signature: sha1=<hex>` over the raw body.
pub fn verify_intercom(
    signature_header: Option<&str>,
    body: &[u8],
    secret: &str,
) -> Result<(), WebhookError> {
    if secret.trim().is_empty() {
        return Err(WebhookError::Unauthorized);
    }
    let signature = signature_header
        .map(str::trim)
        .and_then(|h| h.strip_prefix("sha1="))
        .and_then(|h| hex::decode(h).ok())
        .ok_or(WebhookError::Unauthorized)?;
    let mut m =
        HmacSha1::new_from_slice(secret.as_bytes()).map_err(|_| WebhookError::Unauthorized)?;
    m.update(body);
    m.verify_slice(&signature)
        .map_err(|_| WebhookError::Unauthorized)
}

/// The escapes HubSpot decodes in the URI before signing (its "validating requests" page;
/// the same twelve in several independent verifiers). Anything else stays encoded.
const HUBSPOT_DECODED: [(&str, char); 12] = [
    ("%3A", ':'),
    ("%2F", '/'),
    ("%3F", '?'),
    ("%40", '@'),
    ("%21", '!'),
    ("%24", '$'),
    ("%27", '\''),
    ("%28", '('),
    ("%29", ')'),
    ("%2A", '*'),
    ("%2C", ','),
    ("%3B", ';'),
];

/// The URI as HubSpot signs it: those twelve escapes decoded (either case of hex digit).
pub fn hubspot_signed_uri(uri: &str) -> String {
    let mut out = String::with_capacity(uri.len());
    let mut rest = uri;
    while let Some(at) = rest.find('%') {
        out.push_str(&rest[..at]);
        let escape = rest.get(at..at + 3);
        match escape.and_then(|e| {
            HUBSPOT_DECODED
                .iter()
                .find(|(code, _)| code.eq_ignore_ascii_case(e))
        }) {
            Some((_, c)) => {
                out.push(*c);
                rest = &rest[at + 3..];
            }
            None => {
                out.push('%');
                rest = &rest[at + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Feeds HubSpot's v3 source string, `method + uri + body + timestamp`, into `m`.
fn hubspot_source(m: &mut HmacSha256, method: &str, uri: &str, body: &[u8], timestamp: &str) {
    m.update(method.as_bytes());
    m.update(hubspot_signed_uri(uri).as_bytes());
    m.update(body);
    m.update(timestamp.as_bytes());
}

/// base64(HMAC-SHA256(secret, method + uri + body + timestamp)): for senders and tests.
pub fn sign_hubspot_v3(
    method: &str,
    uri: &str,
    body: &[u8],
    timestamp: &str,
    secret: &str,
) -> String {
    let mut m = HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    hubspot_source(&mut m, method, uri, body, timestamp);
    BASE64.encode(m.finalize().into_bytes())
}

/// The v3 HMAC alone; `timestamp` is opaque text. Use [`verify_hubspot`] for requests.
pub fn verify_hubspot_v3_signature(
    signature_b64: &str,
    method: &str,
    uri: &str,
    body: &[u8],
    timestamp: &str,
    secret: &str,
) -> Result<(), WebhookError> {
    let signature = BASE64
        .decode(signature_b64.trim())
        .map_err(|_| WebhookError::Unauthorized)?;
    let mut m = mac(secret)?;
    hubspot_source(&mut m, method, uri, body, timestamp);
    m.verify_slice(&signature)
        .map_err(|_| WebhookError::Unauthorized)
}

/// A HubSpot v3 request: both headers present, the timestamp milliseconds within
/// [`MAX_SKEW_SECS`] of `now` (checked first, as HubSpot's SDK does), the HMAC right.
/// `uri` is the full URL HubSpot called (scheme, host, path, query).
pub fn verify_hubspot(
    signature_b64: Option<&str>,
    timestamp: Option<&str>,
    method: &str,
    uri: &str,
    body: &[u8],
    secret: &str,
    now: DateTime<Utc>,
) -> Result<(), WebhookError> {
    let (Some(signature), Some(timestamp)) = (signature_b64, timestamp) else {
        return Err(WebhookError::Unauthorized);
    };
    let timestamp = timestamp.trim();
    fresh(unix_time(timestamp, 1)?, now)?;
    verify_hubspot_v3_signature(signature, method, uri, body, timestamp, secret)
}

/// Zoho Desk: the token from the URL's `token` parameter or the `X-Cxbot-Token` header.
/// Both are compared whenever both are given, so timing does not tell which one matched.
pub fn verify_zoho_token(
    query_token: Option<&str>,
    header_token: Option<&str>,
    expected: &str,
) -> Result<(), WebhookError> {
    if expected.trim().is_empty() {
        return Err(WebhookError::Unauthorized);
    }
    let matches = |t: Option<&str>| t.is_some_and(|t| ct_eq(t.trim(), expected));
    let (by_query, by_header) = (matches(query_token), matches(header_token));
    if by_query | by_header {
        Ok(())
    } else {
        Err(WebhookError::Unauthorized)
    }
}

#[cfg(test)]
mod tests;
