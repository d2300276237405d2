//! Test support for the parsers' property tests (`webhooks/fuzz_tests.rs`,
//! `slack/fuzz_tests.rs`): one seeded configuration, and structured mutations of a JSON
//! fixture (a field removed, or its value swapped for another type, an extreme number, odd
//! unicode, a long string, deep nesting), so the tests reach past the first `{` that random
//! bytes rarely get beyond.

use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};
use serde_json::{json, Value};

/// 256 cases from a fixed seed: CI runs the same inputs every time, and a failure names
/// the case to replay. `PROPTEST_RNG_SEED` and `PROPTEST_CASES` widen a search by hand.
pub fn config() -> Config {
    fn env<T: std::str::FromStr>(name: &str) -> Option<T> {
        std::env::var(name).ok().and_then(|s| s.parse().ok())
    }
    Config {
        cases: env("PROPTEST_CASES").unwrap_or(256),
        rng_seed: RngSeed::Fixed(env("PROPTEST_RNG_SEED").unwrap_or(20)),
        failure_persistence: None,
        ..Config::default()
    }
}

/// Every path in `v` (object keys and array indexes), the root first.
fn paths(v: &Value, here: &mut Vec<PathPart>, out: &mut Vec<Vec<PathPart>>) {
    out.push(here.clone());
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                here.push(PathPart::Key(k.clone()));
                paths(x, here, out);
                here.pop();
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                here.push(PathPart::Index(i));
                paths(x, here, out);
                here.pop();
            }
        }
        _ => {}
    }
}

#[derive(Debug, Clone)]
enum PathPart {
    Key(String),
    Index(usize),
}

fn at<'a>(v: &'a mut Value, path: &[PathPart]) -> Option<&'a mut Value> {
    path.iter().try_fold(v, |v, p| match p {
        PathPart::Key(k) => v.get_mut(k),
        PathPart::Index(i) => v.get_mut(*i),
    })
}

/// What a mutation puts in place of a value.
fn replacement(kind: u8, text: &str, n: i64) -> Value {
    match kind % 12 {
        0 => Value::Null,
        1 => json!(n),
        2 => json!(f64::MAX),
        3 => json!(u64::MAX),
        4 => json!(text),
        5 => json!(""),
        6 => json!("\u{202e}<!channel> <http://evil|x> &amp; \u{0}\u{ffff} 🚌".repeat(3)),
        7 => json!("9".repeat(400)),
        8 => json!([text, n, null]),
        9 => json!({ "unexpected": text }),
        10 => json!(n % 2 == 0),
        _ => (0..200).fold(json!(text), |v, _| json!([v])),
    }
}

/// `fixture` with one value replaced or one field removed (`kind` 12 and up removes).
pub fn mutate(fixture: &Value, pick: prop::sample::Index, kind: u8, text: &str, n: i64) -> Value {
    let mut v = fixture.clone();
    let mut all = Vec::new();
    paths(&v, &mut Vec::new(), &mut all);
    let path = pick.get(&all).clone();
    if kind >= 12 {
        if let Some((last, parent)) = path.split_last() {
            match (at(&mut v, parent), last) {
                (Some(Value::Object(m)), PathPart::Key(k)) => {
                    m.remove(k);
                }
                (Some(Value::Array(a)), PathPart::Index(i)) if *i < a.len() => {
                    a.remove(*i);
                }
                _ => {}
            }
            return v;
        }
    }
    if let Some(slot) = at(&mut v, &path) {
        *slot = replacement(kind, text, n);
    }
    v
}

/// The arguments of [`mutate`] after the fixture.
pub fn mutation() -> impl Strategy<Value = (prop::sample::Index, u8, String, i64)> {
    (
        any::<prop::sample::Index>(),
        0u8..16,
        ".{0,40}",
        any::<i64>(),
    )
}

/// Bytes: mostly arbitrary, sometimes invalid UTF-8 inside something JSON-shaped.
pub fn hostile_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..600),
        (".{0,80}", prop::collection::vec(any::<u8>(), 0..8)).prop_map(|(s, junk)| {
            let mut b = format!("{{\"id\": \"{s}").into_bytes();
            b.extend(junk);
            b.extend_from_slice(b"\"}");
            b
        }),
    ]
}
