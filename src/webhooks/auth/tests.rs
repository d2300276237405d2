use super::*;
use crate::webhooks::fixture;
use chrono::{Duration, TimeZone};
use serde_json::Value;

fn basic(credentials: &str) -> String {
    format!("Basic {}", BASE64.encode(credentials))
}

#[test]
fn freshdesk_token_by_header_or_basic_auth() {
    let ok = |h: Option<&str>, b: Option<&str>| verify_freshdesk_token(h, b, "s3cret-token");
    assert_eq!(ok(Some("s3cret-token"), None), Ok(()));
    assert_eq!(
        ok(Some(" s3cret-token "), None),
        Ok(()),
        "header whitespace"
    );
    assert_eq!(ok(None, Some(&basic("cxbot:s3cret-token"))), Ok(()));
    assert_eq!(
        ok(None, Some(&basic("s3cret-token:X"))),
        Ok(()),
        "API-key style"
    );
    assert_eq!(
        ok(Some("wrong"), Some(&basic("u:s3cret-token"))),
        Ok(()),
        "either suffices"
    );
    let unauthorized = Err(WebhookError::Unauthorized);
    assert_eq!(ok(Some("s3cret-tokem"), None), unauthorized);
    assert_eq!(ok(Some("s3cret-token-and-more"), None), unauthorized);
    assert_eq!(ok(None, Some(&basic("cxbot:nope"))), unauthorized);
    assert_eq!(ok(None, Some("Bearer s3cret-token")), unauthorized);
    assert_eq!(ok(None, Some("Basic !!!not-base64")), unauthorized);
    assert_eq!(
        ok(None, Some(&basic("no-colon-s3cret-token"))),
        unauthorized
    );
    assert_eq!(ok(None, None), unauthorized);
    assert_eq!(
        verify_freshdesk_token(Some(""), Some(&basic(":")), ""),
        unauthorized
    );
    assert_eq!(
        verify_freshdesk_token(Some("  "), None, "  "),
        unauthorized,
        "blank secret"
    );
}

fn vectors() -> Vec<Value> {
    let v: Value = serde_json::from_slice(&fixture("zendesk/signing_vectors.json")).unwrap();
    v["cases"].as_array().unwrap().clone()
}

fn case(name: &str) -> Value {
    vectors().into_iter().find(|c| c["name"] == name).unwrap()
}

fn s<'a>(c: &'a Value, key: &str) -> &'a str {
    c[key].as_str().unwrap()
}

#[test]
fn zendesk_go_vector_verifies_and_one_byte_less_does_not() {
    let valid = case("zendesk_go_valid");
    let body = fixture(&format!("zendesk/{}", s(&valid, "body_file")));
    assert_eq!(body.last(), Some(&b'\n'));
    let (sig, ts, secret) = (
        s(&valid, "signature"),
        s(&valid, "timestamp"),
        s(&valid, "secret"),
    );
    assert_eq!(verify_zendesk_signature(sig, ts, &body, secret), Ok(()));
    assert_eq!(sign_zendesk(ts, &body, secret), sig);

    let trimmed = case("zendesk_go_body_without_trailing_newline");
    assert_eq!(s(&trimmed, "signature"), sig);
    let short = &body[..body.len() - 1];
    assert_eq!(
        verify_zendesk_signature(sig, ts, short, secret),
        Err(WebhookError::Unauthorized)
    );
    assert_eq!(
        sign_zendesk(ts, short, secret),
        "kvWjaewTmBsDVRjQ3UaEiTsGMU5eeIv33St++Kl9z+Q="
    );

    // Right signature, but "1234" is no ISO 8601 time: a real request must carry one.
    let now = Utc::now();
    assert_eq!(
        verify_zendesk(Some(sig), Some(ts), &body, secret, now),
        Err(WebhookError::Unauthorized)
    );
}

#[test]
fn old_docs_body_then_timestamp_order_fails() {
    let old = case("old_docs_nodejs_example");
    let (sig, ts, secret, body) = (
        s(&old, "signature"),
        s(&old, "timestamp"),
        s(&old, "secret"),
        s(&old, "body"),
    );
    let at_ts = DateTime::parse_from_rfc3339(ts)
        .unwrap()
        .with_timezone(&Utc);
    assert_eq!(
        verify_zendesk(Some(sig), Some(ts), body.as_bytes(), secret, at_ts),
        Err(WebhookError::Unauthorized),
        "fresh, but signed as BODY + TIMESTAMP"
    );
    // The same request signed in the documented order passes, at the same clock.
    let right = "Rry/4TtIdFyawtXXp8QdI6tlAUUQ/5kL1OTp5qo/ZIk=";
    assert_eq!(sign_zendesk(ts, body.as_bytes(), secret), right);
    assert_eq!(
        verify_zendesk(Some(right), Some(ts), body.as_bytes(), secret, at_ts),
        Ok(())
    );
}

#[test]
fn zendesk_freshness_window_and_headers() {
    let secret = "dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ==";
    let ts = "2026-11-22T10:00:00Z";
    let t0 = Utc.with_ymd_and_hms(2026, 11, 22, 10, 0, 0).unwrap();
    let body = br#"{"type":"zen:event-type:ticket.created"}"#;
    let sig = sign_zendesk(ts, body, secret);
    let check = |now| verify_zendesk(Some(&sig), Some(ts), body, secret, now);
    assert_eq!(check(t0 + Duration::seconds(300)), Ok(()));
    assert_eq!(
        check(t0 - Duration::seconds(300)),
        Ok(()),
        "clock skew either way"
    );
    assert_eq!(
        check(t0 + Duration::seconds(301)),
        Err(WebhookError::Unauthorized)
    );
    assert_eq!(
        check(t0 - Duration::seconds(301)),
        Err(WebhookError::Unauthorized)
    );
    assert_eq!(
        verify_zendesk(None, Some(ts), body, secret, t0),
        Err(WebhookError::Unauthorized)
    );
    assert_eq!(
        verify_zendesk(Some(&sig), None, body, secret, t0),
        Err(WebhookError::Unauthorized)
    );
    assert_eq!(
        verify_zendesk(Some("not base64!"), Some(ts), body, secret, t0),
        Err(WebhookError::Unauthorized)
    );
    assert_eq!(
        verify_zendesk(Some(&sig), Some(ts), body, "other secret", t0),
        Err(WebhookError::Unauthorized)
    );
    // GET/DELETE webhooks sign the timestamp with an empty body.
    let empty = sign_zendesk(ts, b"", secret);
    assert_eq!(
        verify_zendesk(Some(&empty), Some(ts), b"", secret, t0),
        Ok(())
    );
    assert_eq!(
        verify_zendesk_signature(&sig, ts, body, " "),
        Err(WebhookError::Unauthorized)
    );
}

#[test]
fn generic_matches_slacks_published_vector() {
    let v: Value = serde_json::from_slice(&fixture("../slack/slack_docs_vector.json")).unwrap();
    let body = fixture("../slack/slack_docs_vector.body.form");
    let (secret, ts, sig) = (
        s(&v, "signing_secret"),
        s(&v, "x_slack_request_timestamp"),
        s(&v, "expected_x_slack_signature"),
    );
    let at = DateTime::from_timestamp(ts.parse().unwrap(), 0).unwrap();
    assert_eq!(sign_generic(ts.parse().unwrap(), &body, secret), sig);
    assert_eq!(
        verify_generic(Some(sig), Some(ts), &body, secret, at),
        Ok(())
    );
    let mut tampered = body.clone();
    tampered.extend_from_slice(b"------");
    let bad = Err(WebhookError::Unauthorized);
    assert_eq!(
        verify_generic(Some(sig), Some(ts), &tampered, secret, at),
        bad
    );
    assert_eq!(
        verify_generic(Some(sig), Some("1531420628"), &body, secret, at),
        bad
    );
    assert_eq!(
        verify_generic(Some(sig), Some("Hello there!"), &body, secret, at),
        bad
    );
    assert_eq!(
        verify_generic(Some(sig), Some(ts), &body, secret, Utc::now()),
        bad,
        "stale"
    );
}

#[test]
fn generic_dynamic_signing() {
    let now = Utc.with_ymd_and_hms(2026, 11, 22, 10, 0, 0).unwrap();
    let body = br#"{"foo":"bar"}"#;
    let secret = "secret";
    let at = |t: DateTime<Utc>| {
        (
            t.timestamp().to_string(),
            sign_generic(t.timestamp(), body, secret),
        )
    };
    let (ts, sig) = at(now);
    assert_eq!(
        verify_generic(Some(&sig), Some(&ts), body, secret, now),
        Ok(())
    );
    let bad = Err(WebhookError::Unauthorized);
    let (old_ts, old_sig) = at(now - Duration::seconds(600));
    assert_eq!(
        verify_generic(Some(&old_sig), Some(&old_ts), body, secret, now),
        bad
    );
    let (future_ts, future_sig) = at(now + Duration::seconds(301));
    assert_eq!(
        verify_generic(Some(&future_sig), Some(&future_ts), body, secret, now),
        bad
    );
    assert_eq!(
        verify_generic(Some("v0=invalid-signature"), Some(&ts), body, secret, now),
        bad
    );
    let extended = format!("{sig}XXXXXXXX");
    assert_eq!(
        verify_generic(Some(&extended), Some(&ts), body, secret, now),
        bad
    );
    let no_prefix = sig.trim_start_matches("v0=");
    assert_eq!(
        verify_generic(Some(no_prefix), Some(&ts), body, secret, now),
        bad
    );
    assert_eq!(
        verify_generic(Some(&sig), Some("-1"), body, secret, now),
        bad
    );
    assert_eq!(verify_generic(Some(&sig), Some(""), body, secret, now), bad);
    assert_eq!(verify_generic(None, Some(&ts), body, secret, now), bad);
    assert_eq!(verify_generic(Some(&sig), None, body, secret, now), bad);
    assert_eq!(
        verify_generic(Some(&sig), Some(&ts), body, "", now),
        bad,
        "blank secret"
    );
    assert_eq!(
        verify_generic(Some(&sig), Some(&ts), body, "secreT", now),
        bad
    );
}
