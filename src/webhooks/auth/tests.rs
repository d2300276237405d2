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

#[test]
fn intercom_sha1_signature_over_the_raw_body() {
    // The scheme (header, prefix, HMAC-SHA1 over the raw body) as the shared fixture records it
    // from Intercom's own sample receivers; Intercom publishes no fixed vector.
    let scheme: Value = serde_json::from_slice(&fixture("intercom/signature_scheme.json")).unwrap();
    assert_eq!(scheme["header"], INTERCOM_SIGNATURE_HEADER);
    assert!(scheme["format"].as_str().unwrap().starts_with("sha1=<"));
    // HMAC-SHA1 itself against RFC 2202's test case 2, so the digest is not only self-consistent.
    assert_eq!(
        sign_intercom(b"what do ya want for nothing?", "Jefe"),
        "sha1=effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"
    );

    let body = fixture("intercom/conversation.user.created.intercom_archive.json");
    let secret = "ic-client-secret";
    let sig = sign_intercom(&body, secret);
    assert_eq!(verify_intercom(Some(&sig), &body, secret), Ok(()));
    assert_eq!(
        verify_intercom(
            Some(&sig.to_uppercase().replace("SHA1=", "sha1=")),
            &body,
            secret
        ),
        Ok(()),
        "hex in either case"
    );
    let bad = Err(WebhookError::Unauthorized);
    assert_eq!(
        verify_intercom(Some(&sig), &body[..body.len() - 1], secret),
        bad
    );
    assert_eq!(verify_intercom(Some(&sig), &body, "other-secret"), bad);
    assert_eq!(
        verify_intercom(Some(&sig[5..]), &body, secret),
        bad,
        "no sha1= prefix"
    );
    assert_eq!(
        verify_intercom(Some(&sig.replace("sha1=", "sha256=")), &body, secret),
        bad
    );
    assert_eq!(verify_intercom(Some("sha1=zz"), &body, secret), bad);
    assert_eq!(verify_intercom(None, &body, secret), bad);
    assert_eq!(verify_intercom(Some(&sig), &body, " "), bad, "blank secret");
}

fn hubspot_v3() -> Value {
    let v: Value = serde_json::from_slice(&fixture("hubspot/signature_vectors.json")).unwrap();
    let mut v3 = v["v3"].clone();
    v3["common"] = v["common"].clone();
    v3
}

#[test]
fn hubspot_v3_vector_from_hubspots_sdk_verifies() {
    let v = hubspot_v3();
    let c = &v["common"];
    let (secret, body, url, method) = (
        s(c, "client_secret"),
        s(c, "request_body"),
        s(c, "url"),
        s(c, "http_method"),
    );
    let (ts, expected) = (
        s(&v["vector"], "timestamp"),
        s(&v["vector"], "expected_signature"),
    );
    assert_eq!(expected, "K36dawei4A+QBNolUOqo7s91KQDWQ5MXZ/QufNYuk/Y=");
    assert_eq!(
        sign_hubspot_v3(method, url, body.as_bytes(), ts, secret),
        expected
    );
    assert_eq!(
        verify_hubspot_v3_signature(expected, method, url, body.as_bytes(), ts, secret),
        Ok(())
    );
    let bad = Err(WebhookError::Unauthorized);
    for (m, u, b, t) in [
        ("GET", url, body, ts),
        (method, "https://www.example.com/webhook_uri2", body, ts),
        (method, url, "{'example_field':'example_value' }", ts),
        (method, url, body, "1693657560001"),
    ] {
        assert_eq!(
            verify_hubspot_v3_signature(expected, m, u, b.as_bytes(), t, secret),
            bad,
            "{m} {u} {b} {t}"
        );
    }

    // With the clock: fresh at the vector's own time, stale five minutes and a second later
    // (the SDK's "fixed vector verified with real clock -> stale").
    let at = DateTime::from_timestamp_millis(1_693_657_560_000).unwrap();
    let verify = |now| {
        verify_hubspot(
            Some(expected),
            Some(ts),
            method,
            url,
            body.as_bytes(),
            secret,
            now,
        )
    };
    assert_eq!(verify(at), Ok(()));
    assert_eq!(verify(at + Duration::seconds(300)), Ok(()));
    assert_eq!(verify(at + Duration::seconds(301)), bad);
    assert_eq!(verify(Utc::now()), bad);
}

#[test]
fn hubspot_requests_need_both_headers_a_millisecond_timestamp_and_the_secret() {
    let now = Utc.with_ymd_and_hms(2026, 11, 23, 14, 0, 0).unwrap();
    let ts = now.timestamp_millis().to_string();
    let (uri, body, secret) = (
        "https://cxbot.example.com/hooks/hubspot",
        b"[]",
        "hs-secret",
    );
    let sig = sign_hubspot_v3("POST", uri, body, &ts, secret);
    let verify = |sig: Option<&str>, ts: Option<&str>, secret: &str| {
        verify_hubspot(sig, ts, "POST", uri, body, secret, now)
    };
    assert_eq!(verify(Some(&sig), Some(&ts), secret), Ok(()));
    let bad = Err(WebhookError::Unauthorized);
    assert_eq!(verify(None, Some(&ts), secret), bad);
    assert_eq!(verify(Some(&sig), None, secret), bad);
    assert_eq!(verify(Some(&sig), Some(""), secret), bad);
    assert_eq!(verify(Some(&sig), Some("-1"), secret), bad);
    let seconds = now.timestamp().to_string();
    assert_eq!(
        verify(
            Some(&sign_hubspot_v3("POST", uri, body, &seconds, secret)),
            Some(&seconds),
            secret
        ),
        bad,
        "seconds, not milliseconds, are 1970 to HubSpot's scheme: stale"
    );
    assert_eq!(verify(Some(&sig), Some(&ts), ""), bad, "blank secret");
    assert_eq!(verify(Some("not base64!"), Some(&ts), secret), bad);
}

#[test]
fn hubspot_decodes_only_its_listed_escapes_in_the_uri() {
    assert_eq!(
        hubspot_signed_uri(
            "https://x.example/hooks/hubspot?a=%3A%2f%3F%40%21%24%27%28%29%2A%2C%3B"
        ),
        "https://x.example/hooks/hubspot?a=:/?@!$'()*,;"
    );
    assert_eq!(
        hubspot_signed_uri("https://x.example/p?q=a%20b%25c%2"),
        "https://x.example/p?q=a%20b%25c%2",
        "space, percent and a cut escape stay as they are"
    );
    // A sender that signs the decoded URL and one that signs it encoded agree.
    let (ts, secret) = ("1795442400000", "k");
    assert_eq!(
        sign_hubspot_v3("POST", "https://x.example/h?t=a%3Ab", b"[]", ts, secret),
        sign_hubspot_v3("POST", "https://x.example/h?t=a:b", b"[]", ts, secret)
    );
}

#[test]
fn zoho_token_from_the_query_or_the_header() {
    let ok = |q: Option<&str>, h: Option<&str>| verify_zoho_token(q, h, "z-token-123");
    assert_eq!(ok(Some("z-token-123"), None), Ok(()));
    assert_eq!(ok(None, Some(" z-token-123 ")), Ok(()));
    assert_eq!(
        ok(Some("wrong"), Some("z-token-123")),
        Ok(()),
        "either suffices"
    );
    let bad = Err(WebhookError::Unauthorized);
    assert_eq!(ok(Some("z-token-12"), None), bad);
    assert_eq!(ok(Some("z-token-1234"), None), bad);
    assert_eq!(ok(None, None), bad);
    assert_eq!(
        verify_zoho_token(Some(""), Some(""), ""),
        bad,
        "blank secret"
    );
    assert_eq!(verify_zoho_token(Some(" "), None, " "), bad, "blank secret");
}

/// Every check compares in constant time: each `verify_*` function ends in `subtle`'s
/// `ct_eq` (through [`ct_eq`](super::ct_eq)), `hmac`'s `verify_slice` (constant time too), or
/// another `verify_*`; and no line of the module compares a secret, token or signature with
/// `==` or `!=`. Read from the code, so a refactor to `==` fails here.
#[test]
fn every_check_compares_in_constant_time() {
    let code = include_str!("../auth.rs")
        .split("#[cfg(test)]")
        .next()
        .unwrap();
    let functions: Vec<&str> = code.split("pub fn verify_").skip(1).collect();
    assert!(functions.len() >= 8, "found {}", functions.len());
    for f in &functions {
        let body = f.split("\n}\n").next().unwrap();
        let name = body.split('(').next().unwrap();
        assert!(
            body.contains("ct_eq(") || body.contains(".verify_slice(") || body.contains("verify_"),
            "verify_{name} compares without ct_eq or verify_slice"
        );
    }
    assert!(code.contains("use subtle::ConstantTimeEq;"));
    for line in code
        .lines()
        .filter(|l| l.contains("==") || l.contains("!="))
    {
        let lower = line.to_lowercase();
        for word in ["secret", "token", "signature", "expected", "password"] {
            assert!(!lower.contains(word), "compared with ==/!=: {line}");
        }
    }
}
