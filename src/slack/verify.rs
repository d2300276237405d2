//! Slack request signing: `X-Slack-Signature` = `v0=` + hex HMAC-SHA256 of
//! `v0:{X-Slack-Request-Timestamp}:{raw body}` with the signing secret, compared in constant
//! time, the timestamp within 5 minutes of the injected clock.
//!
//! We use our own thin check (on the same hmac/sha2/subtle crates slack-morphism uses)
//! because slack-morphism's `verify` reads the system clock, which tests and the design's
//! "one source of time" rule cannot inject.
//!
//! A valid signature stays valid for the 5-minute window, so a captured request could be
//! sent again. [`ReplayGuard`] remembers the signatures of the slash commands and
//! interactions this process accepted until their window closes, and the edge refuses a
//! second use (Slack never resends those; it retries an Events API callback with a new
//! timestamp, and events are deduplicated by `event_id` instead).

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

pub const SIGNATURE_HEADER: &str = "x-slack-signature";
pub const TIMESTAMP_HEADER: &str = "x-slack-request-timestamp";
/// Slack's replay window.
pub const MAX_AGE_SECS: i64 = 5 * 60;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("missing signature or timestamp header")]
    Missing,
    #[error("timestamp is not a number")]
    BadTimestamp,
    #[error("timestamp outside the 5-minute window")]
    Stale,
    #[error("signature does not match")]
    Mismatch,
    #[error("signing secret is empty")]
    NoSecret,
}

/// The `v0=...` signature of `body` at `timestamp`.
pub fn sign(secret: &[u8], timestamp: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(b"v0:");
    mac.update(timestamp.as_bytes());
    mac.update(b":");
    mac.update(body);
    format!("v0={}", hex::encode(mac.finalize().into_bytes()))
}

/// Checks a request's signature and freshness against `now` (unix seconds).
pub fn verify(
    secret: &[u8],
    signature: Option<&str>,
    timestamp: Option<&str>,
    body: &[u8],
    now: i64,
) -> Result<(), VerifyError> {
    if secret.is_empty() {
        return Err(VerifyError::NoSecret);
    }
    let (Some(signature), Some(timestamp)) = (signature, timestamp) else {
        return Err(VerifyError::Missing);
    };
    let ts: i64 = timestamp
        .trim()
        .parse()
        .map_err(|_| VerifyError::BadTimestamp)?;
    let expected = sign(secret, timestamp, body);
    if !bool::from(expected.as_bytes().ct_eq(signature.as_bytes())) {
        return Err(VerifyError::Mismatch);
    }
    if (now - ts).abs() > MAX_AGE_SECS {
        return Err(VerifyError::Stale);
    }
    Ok(())
}

/// Signatures already used, each kept until its request's timestamp leaves the window.
/// Per process: a replay sent to another replica is not seen here (the services' own
/// idempotency is what holds there). At most [`ReplayGuard::CAPACITY`] are kept; past that
/// the oldest are forgotten first.
#[derive(Debug)]
pub struct ReplayGuard {
    seen: crate::recent::RecentKeys<[u8; 16]>,
}

impl Default for ReplayGuard {
    fn default() -> Self {
        Self {
            seen: crate::recent::RecentKeys::new(Self::CAPACITY),
        }
    }
}

impl ReplayGuard {
    pub const CAPACITY: usize = 200_000;

    /// True the first time `signature` (already verified, with request timestamp
    /// `timestamp`) is seen at `now` (unix seconds); false for a replay.
    pub fn first_use(&self, signature: &str, timestamp: i64, now: i64) -> bool {
        use sha2::Digest;
        let digest = Sha256::digest(signature.trim().as_bytes());
        let mut key = [0u8; 16];
        key.copy_from_slice(&digest[..16]);
        self.seen.insert(key, timestamp + MAX_AGE_SECS, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_is_used_once_within_its_window() {
        let guard = ReplayGuard::default();
        assert!(guard.first_use("v0=aa", 1_000, 1_000));
        assert!(
            !guard.first_use("v0=aa", 1_000, 1_200),
            "replayed inside the window"
        );
        assert!(guard.first_use("v0=bb", 1_000, 1_200));
        // Once the window has closed, verification refuses it anyway (Stale); the guard
        // forgets it.
        assert!(guard.first_use("v0=cc", 1_400, 1_400));
        assert_eq!(guard.seen.len(), 1);
    }

    /// The signature check goes through `subtle`'s constant-time equality, never `==`:
    /// read from the code itself, so a refactor that compares with `==` fails here.
    #[test]
    fn signatures_are_compared_in_constant_time() {
        let code = include_str!("verify.rs")
            .split("#[cfg(test)]")
            .next()
            .unwrap();
        let verify_fn = code
            .split("pub fn verify(")
            .nth(1)
            .and_then(|rest| rest.split("\n}\n").next())
            .unwrap();
        assert!(
            verify_fn.contains(".ct_eq(signature.as_bytes())"),
            "{verify_fn}"
        );
        for line in verify_fn
            .lines()
            .filter(|l| l.contains("==") || l.contains("!="))
        {
            assert!(
                !line.contains("signature") && !line.contains("expected"),
                "a signature compared with ==/!=: {line}"
            );
        }
        // And behaviourally: a signature differing in its last character, or shorter, fails.
        let good = sign(b"k", "1", b"body");
        let mut last = good.clone();
        last.pop();
        assert_eq!(
            verify(b"k", Some(&format!("{last}0")), Some("1"), b"body", 1).is_ok(),
            good.ends_with('0')
        );
        assert_eq!(
            verify(b"k", Some(&last), Some("1"), b"body", 1),
            Err(VerifyError::Mismatch)
        );
    }

    // Slack's published example ("Verifying requests from Slack"), also in the SDKs' tests.
    const SECRET: &[u8] = b"8f742231b10e8888abcd99yyyzzz85a5";
    const TS: &str = "1531420618";
    const BODY: &[u8] = include_bytes!("../../tests/fixtures/slack/slack_docs_vector.body.form");
    const SIG: &str = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

    #[test]
    fn published_vector_is_valid_at_its_time() {
        assert_eq!(sign(SECRET, TS, BODY), SIG);
        assert_eq!(
            verify(SECRET, Some(SIG), Some(TS), BODY, 1531420618),
            Ok(())
        );
    }

    #[test]
    fn published_vector_is_stale_today() {
        assert_eq!(
            verify(SECRET, Some(SIG), Some(TS), BODY, 1531420618 + 301),
            Err(VerifyError::Stale)
        );
    }

    #[test]
    fn tampered_body_and_wrong_timestamp_mismatch() {
        let mut body = BODY.to_vec();
        body.extend_from_slice(b"------");
        assert_eq!(
            verify(SECRET, Some(SIG), Some(TS), &body, 1531420618),
            Err(VerifyError::Mismatch)
        );
        assert_eq!(
            verify(SECRET, Some(SIG), Some("1531420628"), BODY, 1531420618),
            Err(VerifyError::Mismatch)
        );
    }

    #[test]
    fn bad_inputs_are_rejected() {
        assert_eq!(
            verify(SECRET, Some(SIG), Some("Hello there!"), BODY, 1531420618),
            Err(VerifyError::BadTimestamp)
        );
        assert_eq!(
            verify(SECRET, None, Some(TS), BODY, 1531420618),
            Err(VerifyError::Missing)
        );
        assert_eq!(
            verify(SECRET, Some(SIG), None, BODY, 1531420618),
            Err(VerifyError::Missing)
        );
        assert_eq!(
            verify(b"", Some(SIG), Some(TS), BODY, 1531420618),
            Err(VerifyError::NoSecret)
        );
    }

    #[test]
    fn slack_morphism_precoded_vector() {
        let sig = "v0=baa91ef62d346e56607bbdd278a8acd570b91226854f15a382f43d33be42f666";
        assert_eq!(
            verify(
                b"fa2c05deeef5a4077494e89f54394de0",
                Some(sig),
                Some(TS),
                b"test-body",
                1531420620
            ),
            Ok(())
        );
        assert_eq!(
            verify(b"wrong", Some(sig), Some(TS), b"test-body", 1531420620),
            Err(VerifyError::Mismatch)
        );
    }
}
