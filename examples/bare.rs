//! The baseline for the ack-path figures: a bare axum handler that only verifies the Slack
//! signature (`cxbot::slack::verify::verify`) and returns a fixed reply, the same bytes
//! cxbot answers the path being measured with (rendered once at start with cxbot's own
//! views; `--reply`). No middleware, no parsing, no database. It answers `POST` on the
//! three Slack paths (`/slack/commands`, `/slack/events`, `/slack/interactivity`) alike:
//!
//! | `--reply`   | the same bytes as cxbot's answer to                                  |
//! |-------------|----------------------------------------------------------------------|
//! | `help`      | `/cx help`                                                           |
//! | `typo`      | `/cx hello world` (unknown subcommand: the message and every usage)  |
//! | `badarg`    | `/cx claim` (no ticket: the message and claim's usage)               |
//! | `challenge` | the `url_verification` the load tool and `examples/wrk/slack.lua` send |
//! | `empty`     | a retried event, a click on an unknown action id (200, empty body)   |
//!
//! Each ack path on `cxbot serve` should reach at least 75% of its throughput, same load
//! tool, same run (`examples/ack_ratio.sh` alternates them and prints the ratios).
//!
//! ```text
//! cargo run --release --example bare -- --listen 127.0.0.1:3001 --reply typo --signing-secret S
//! wrk -t1 -c64 -d10s -s examples/wrk/slack.lua http://127.0.0.1:3001 -- typo
//! ```

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use clap::{Parser, ValueEnum};
use cxbot::slack::verify::{verify, SIGNATURE_HEADER, TIMESTAMP_HEADER};
use std::sync::Arc;

/// The `challenge` of the `url_verification` body both load tools send.
pub const CHALLENGE: &str = "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P";

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Reply {
    Help,
    Typo,
    Badarg,
    Challenge,
    Empty,
}

#[derive(Debug, Parser)]
#[command(
    name = "bare",
    about = "Signature check + fixed reply: the ack-path baseline"
)]
struct Args {
    #[arg(long, default_value = "127.0.0.1:3001")]
    listen: String,
    #[arg(long, env = "SLACK_SIGNING_SECRET", hide_env_values = true)]
    signing_secret: String,
    /// Which of cxbot's answers to send (the same bytes).
    #[arg(long, value_enum, default_value = "help")]
    reply: Reply,
}

struct Bare {
    secret: Vec<u8>,
    /// cxbot's answer, rendered once: the same bytes on the wire. None: 200, empty body.
    reply: Option<Bytes>,
}

async fn answer(State(bare): State<Arc<Bare>>, headers: HeaderMap, body: Bytes) -> Response {
    let h = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    match verify(
        &bare.secret,
        h(SIGNATURE_HEADER),
        h(TIMESTAMP_HEADER),
        &body,
        now,
    ) {
        Ok(()) => match &bare.reply {
            Some(reply) => {
                ([(header::CONTENT_TYPE, "application/json")], reply.clone()).into_response()
            }
            None => StatusCode::OK.into_response(),
        },
        Err(_) => StatusCode::UNAUTHORIZED.into_response(),
    }
}

/// cxbot's reply to `/cx <text>` when `text` needs no database (help or a usage error).
fn command_reply(text: &str) -> Bytes {
    use cxbot::slack::{commands, views};
    let reply = match commands::parse(text) {
        Ok(commands::Command::Help) => views::help(commands::USAGE),
        Err(usage) => views::usage_error(&usage),
        Ok(other) => panic!("`/cx {text}` is {other:?}: it needs the database"),
    };
    Bytes::from(serde_json::to_vec(&reply.ephemeral_body()).expect("the reply serializes"))
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let reply = match args.reply {
        Reply::Help => Some(command_reply("help")),
        Reply::Typo => Some(command_reply("hello world")),
        Reply::Badarg => Some(command_reply("claim")),
        Reply::Challenge => Some(Bytes::from(
            serde_json::to_vec(&serde_json::json!({ "challenge": CHALLENGE })).expect("json"),
        )),
        Reply::Empty => None,
    };
    let bare = Arc::new(Bare {
        secret: args.signing_secret.into_bytes(),
        reply,
    });
    let app = Router::new()
        .route("/slack/commands", post(answer))
        .route("/slack/events", post(answer))
        .route("/slack/interactivity", post(answer))
        .with_state(bare);
    let listener = tokio::net::TcpListener::bind(&args.listen)
        .await
        .unwrap_or_else(|e| panic!("cannot listen on {}: {e}", args.listen));
    println!("bare on http://{}", listener.local_addr().expect("addr"));
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            tokio::signal::ctrl_c().await.ok();
        })
        .await
        .expect("server");
}
