//! A fake Slack Web API for load runs: answers the methods cxbot calls the way Slack does
//! (shapes as in `tests/api/helpers.rs`), optionally refuses with 429 + `Retry-After` a
//! channel posted to faster than once per `--min-interval-ms`, and prints per-second and
//! final counts (posts, updates, 429s, each channel's achieved rate).
//!
//! ```text
//! cargo run --release --example fake_slack -- --listen 127.0.0.1:3100 [--enforce-rate] [--exit-after 600]
//! SLACK_API_URL=http://127.0.0.1:3100/ cxbot serve
//! ```
//!
//! Stops on Ctrl-C or SIGTERM, or after `--exit-after` accepted chat.postMessage calls (then waits
//! `--linger-ms` for stragglers, so late 429s still show in the summary).
//!
//! The answers and the rate limit are `cxbot::demo::slack`, the stand-in `cxbot demo` runs
//! against, here on the system clock and without recording each call.

use chrono::Duration as Span;
use clap::Parser;
use cxbot::clock::SystemClock;
use cxbot::demo::slack::{Options, PostSeen, SlackStandIn};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Notify;

#[derive(Debug, Parser)]
#[command(
    name = "fake_slack",
    about = "A fake Slack Web API for cxbot load runs"
)]
struct Args {
    #[arg(long, default_value = "127.0.0.1:3100")]
    listen: String,
    /// Answer 429 (Retry-After) to a chat.postMessage less than --min-interval-ms after the
    /// previous accepted one in the same channel.
    #[arg(long)]
    enforce_rate: bool,
    #[arg(long, default_value_t = 1000)]
    min_interval_ms: u64,
    /// Stop after this many accepted chat.postMessage calls.
    #[arg(long)]
    exit_after: Option<u64>,
    /// After --exit-after is reached, keep answering this long before the summary.
    #[arg(long, default_value_t = 1500)]
    linger_ms: u64,
    /// Added latency per call, like the real API's tens of milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// No per-second lines, only the summary.
    #[arg(long)]
    quiet: bool,
    /// One line per chat.postMessage: ms since start, channel, gap since the channel's
    /// last accepted post, accepted or 429 (to see why a pacer trips the limit).
    #[arg(long)]
    log_posts: bool,
}

fn ms(d: Span) -> f64 {
    d.num_microseconds().unwrap_or(i64::MAX) as f64 / 1000.0
}

fn per_second(fake: SlackStandIn, started: Instant) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.tick().await;
        let (mut posts, mut limited, mut calls) = (0, 0, 0);
        loop {
            tick.tick().await;
            let c = fake.stats();
            let all: u64 = c.by_method.values().sum();
            if all != calls {
                println!(
                    "t={:>4}s  calls/s {:>6}  posts/s {:>5}  429s/s {:>4}  posts {:>7}  channels {}",
                    started.elapsed().as_secs(),
                    all - calls,
                    c.posts - posts,
                    c.limited - limited,
                    c.posts,
                    c.channels.len()
                );
            }
            (posts, limited, calls) = (c.posts, c.limited, all);
        }
    });
}

fn summary(fake: &SlackStandIn, args: &Args, started: Instant) {
    let c = fake.stats();
    let allowed = 1000.0 / args.min_interval_ms.max(1) as f64;
    println!(
        "\nfake_slack summary after {:.1} s",
        started.elapsed().as_secs_f64()
    );
    for (m, n) in &c.by_method {
        println!("  {m:<22} {n:>8}");
    }
    println!(
        "  posts accepted {}, 429s {} (rate {})",
        c.posts,
        c.limited,
        if args.enforce_rate {
            "enforced"
        } else {
            "not enforced"
        }
    );
    println!("  channel                    posts   429s   span s   posts/s   % of {allowed}/s   min gap ms");
    for (id, ch) in &c.channels {
        let span = match (ch.first, ch.last) {
            (Some(f), Some(l)) => ms(l - f) / 1000.0,
            _ => 0.0,
        };
        // Rate between the first and the last post: n posts span n-1 intervals.
        let rate = if span > 0.0 {
            (ch.posts - 1) as f64 / span
        } else {
            0.0
        };
        println!(
            "  {:<24} {:>7} {:>6} {:>8.1} {:>9.3} {:>12.1} {:>12}",
            format!("{id} {}", if ch.name == *id { "" } else { &ch.name }),
            ch.posts,
            ch.limited,
            span,
            rate,
            100.0 * rate / allowed,
            ch.min_gap.map_or("-".into(), |g| format!("{:.0}", ms(g))),
        );
    }
}

/// `kill <pid>` (SIGTERM) also ends with the summary.
async fn terminated() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            term.recv().await;
            return;
        }
    }
    std::future::pending::<()>().await
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let listener = tokio::net::TcpListener::bind(&args.listen)
        .await
        .unwrap_or_else(|e| panic!("cannot listen on {}: {e}", args.listen));
    println!(
        "fake_slack on http://{}/ (rate {})",
        listener.local_addr().expect("addr"),
        if args.enforce_rate {
            "enforced"
        } else {
            "not enforced"
        }
    );
    let started = Instant::now();
    let started_at = chrono::Utc::now();
    let done = Arc::new(Notify::new());
    let mut opts = Options::new(Arc::new(SystemClock));
    opts.min_interval = args
        .enforce_rate
        .then(|| Span::milliseconds(args.min_interval_ms as i64));
    opts.latency = Duration::from_millis(args.latency_ms);
    let (log_posts, exit_after, notify) = (args.log_posts, args.exit_after, done.clone());
    opts.on_post = Some(Box::new(move |p: &PostSeen| {
        if log_posts {
            println!(
                "post {:>9.1} ms  {}  gap {:>8}  {}",
                ms(p.at - started_at),
                p.channel,
                p.gap.map_or("-".into(), |g| format!("{:.1}", ms(g))),
                if p.accepted { "ok" } else { "429" }
            );
        }
        if p.accepted && exit_after.is_some_and(|n| p.posts == n) {
            notify.notify_one();
        }
    }));
    let fake = SlackStandIn::new(opts);
    if !args.quiet {
        per_second(fake.clone(), started);
    }
    let linger = Duration::from_millis(args.linger_ms);
    let stop = async move {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = terminated() => {}
            _ = async { done.notified().await; tokio::time::sleep(linger).await } => {}
        }
    };
    axum::serve(listener, fake.router())
        .with_graceful_shutdown(stop)
        .await
        .expect("server");
    summary(&fake, &args, started);
}
