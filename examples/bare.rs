//! The baseline for the ack-path figure: a bare axum handler on `POST /slack/commands` that
//! only verifies the Slack signature (`cxbot::slack::verify::verify`) and returns a fixed
//! ephemeral reply (cxbot's own `/cx help` JSON, rendered once at start, so both send the
//! same bytes). No middleware, no form parsing, no database. `/cx help` on `cxbot serve`
//! should reach at least 75% of its throughput with the same load tool at 64 connections.
//!
//! ```text
//! cargo run --release --example bare -- --listen 127.0.0.1:3001 --signing-secret S
//! cargo run --release --example load -- --url http://127.0.0.1:3001 --scenario help --signing-secret S
//! ```

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use clap::Parser;
use cxbot::slack::verify::{verify, SIGNATURE_HEADER, TIMESTAMP_HEADER};
use std::sync::Arc;

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
}

struct Bare {
    secret: Vec<u8>,
    /// cxbot's own `/cx help` reply, rendered once: the same bytes on the wire.
    reply: Bytes,
}

async fn command(State(bare): State<Arc<Bare>>, headers: HeaderMap, body: Bytes) -> Response {
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
        Ok(()) => (
            [(header::CONTENT_TYPE, "application/json")],
            bare.reply.clone(),
        )
            .into_response(),
        Err(_) => StatusCode::UNAUTHORIZED.into_response(),
    }
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let help = cxbot::slack::views::help(cxbot::slack::commands::USAGE);
    let help = serde_json::to_vec(&help.ephemeral_body()).expect("the help reply serializes");
    let bare = Arc::new(Bare {
        secret: args.signing_secret.into_bytes(),
        reply: Bytes::from(help),
    });
    let app = Router::new()
        .route("/slack/commands", post(command))
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
