//! Queues paced Slack posts straight into cxbot's database, spread round-robin over
//! `--channels` channels, for the outbound-pacing measurement (issue 7): a running
//! `cxbot serve` (its worker) delivers them to `fake_slack --enforce-rate`, which reports
//! posts, 429s and the rate per channel. Routing sends ticket cards to at most eight
//! channels (one per card kind), so this is how ten channels are measured; the posts go
//! through the same worker, the same pace slots and the same send gate as cards.
//!
//!   DATABASE_URL=sqlite:///tmp/cxperf.db cargo run --release --example pace -- --channels 10 --count 600

use clap::Parser;
use cxbot::db::{self, OpenMode};
use cxbot::jobs::slack_call::SlackCall;
use cxbot::jobs::Payload;

#[derive(Parser)]
struct Args {
    /// cxbot's database (the running serve's).
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    #[arg(long, default_value_t = 10)]
    channels: usize,
    #[arg(long, default_value_t = 600)]
    count: usize,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let store = db::open(&args.database_url, OpenMode::Tool).await?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_millis() as i64;
    let jobs: Vec<_> = (0..args.count)
        .map(|i| {
            let channel = format!("C0PACE{:02}", i % args.channels.max(1));
            SlackCall::post(channel, format!("pacing message {i}")).new_job(now)
        })
        .collect();
    store.enqueue(&jobs, now).await?;
    println!(
        "queued {} posts over {} channels; the running cxbot delivers them",
        args.count, args.channels
    );
    Ok(())
}
