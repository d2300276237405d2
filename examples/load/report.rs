//! The load tool's report: per-kind rows (requests/s, latency percentiles from the sorted
//! latencies, 2xx / non-2xx / transport errors), the answers seen, as a table or JSON.

use crate::client::Stats;
use crate::KINDS;
use serde_json::{json, Value};
use std::time::Duration;

fn pct(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted[rank.min(sorted.len()) - 1] as f64 / 1000.0
}

fn summary(name: &str, s: &mut Stats, elapsed: Duration) -> Value {
    s.latencies_us.sort_unstable();
    let n = s.latencies_us.len() as u64;
    let secs = elapsed.as_secs_f64();
    let mut answers: Vec<_> = s.answers.iter().collect();
    answers.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    json!({
        "kind": name, "requests": n,
        "rps": if secs > 0.0 { n as f64 / secs } else { 0.0 },
        "p50_ms": pct(&s.latencies_us, 50.0), "p90_ms": pct(&s.latencies_us, 90.0),
        "p99_ms": pct(&s.latencies_us, 99.0), "max_ms": pct(&s.latencies_us, 100.0),
        "ok_2xx": s.ok, "non_2xx": s.non_2xx(), "transport_errors": s.errors(),
        "non_2xx_by_status": s.statuses, "transport_errors_by_kind": s.transport,
        "answers": answers.iter().take(8).map(|(k, v)| json!({"answer": k, "count": v})).collect::<Vec<_>>(),
    })
}

/// Per-kind rows (only the kinds that were sent) and a total.
pub fn report(stats: Vec<Stats>, elapsed: Duration) -> (Vec<Value>, Value) {
    let mut total = Stats::default();
    let mut rows = Vec::new();
    for (name, mut s) in KINDS.iter().zip(stats) {
        if s.latencies_us.is_empty() {
            continue;
        }
        rows.push(summary(name, &mut s, elapsed));
        total.merge(s);
    }
    let total = summary("total", &mut total, elapsed);
    (rows, total)
}

pub fn print_rows(rows: &[Value]) {
    let n = |r: &Value, k: &str| r[k].as_u64().unwrap_or(0);
    let f = |r: &Value, k: &str| r[k].as_f64().unwrap_or(0.0);
    for r in rows {
        println!(
            "{:<10} {:>9} {:>10.1} {:>8.2} {:>8.2} {:>8.2} {:>8.2} {:>9} {:>8} {:>7}",
            r["kind"].as_str().unwrap_or(""),
            n(r, "requests"),
            f(r, "rps"),
            f(r, "p50_ms"),
            f(r, "p90_ms"),
            f(r, "p99_ms"),
            f(r, "max_ms"),
            n(r, "ok_2xx"),
            n(r, "non_2xx"),
            n(r, "transport_errors"),
        );
    }
}

pub fn print_details(r: &Value) {
    let kind = r["kind"].as_str().unwrap_or("");
    for (k, v) in r["non_2xx_by_status"].as_object().into_iter().flatten() {
        println!("  {kind}: non-2xx {k} x {v}");
    }
    for (k, v) in r["transport_errors_by_kind"]
        .as_object()
        .into_iter()
        .flatten()
    {
        println!("  {kind}: transport error `{k}` x {v}");
    }
    for a in r["answers"].as_array().into_iter().flatten() {
        println!(
            "  {kind}: {:>9} x {}",
            a["count"],
            a["answer"].as_str().unwrap_or("")
        );
    }
}

pub const HEADER: &str = "kind        requests      req/s   p50 ms   p90 ms   p99 ms   max ms       2xx  non-2xx  errors";
