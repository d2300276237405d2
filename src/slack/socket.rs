//! Socket Mode, the second transport. With `SLACK_APP_TOKEN` set, cxbot asks Slack for a
//! WebSocket URL (`apps.connections.open` with the app-level token), connects out to it,
//! and Slack sends every slash command, interaction and Events API callback down that
//! connection as an envelope instead of POSTing to `/slack/*`: a cxbot behind a firewall
//! needs no public URL for Slack (helpdesk webhooks still need one). Each envelope's
//! `payload` is the body the HTTP route would have parsed, and it goes to the same
//! [`dispatch`] function; the answer (a command's ephemeral reply, a modal's errors)
//! travels back as the acknowledgement's `payload`. Nothing is signed: the connection was
//! opened with the app token.
//!
//! The connection: Slack says `hello` when it is ready. Each envelope is acknowledged
//! with its `envelope_id` within Slack's 3 s: handlers run side by side with 2.5 s each,
//! as HTTP requests do, and one that takes longer is not acknowledged, so Slack delivers
//! it again and the `event_id` dedupe keeps it to one. On `disconnect` (Slack refreshes
//! connections every few hours) the envelopes in hand are answered, the connection is
//! closed and a new one opened at once. A failure, a close or a silent connection backs
//! off exponentially, 1 s doubling to 30 s, reset by the next `hello`.
//!
//! Why a small client of our own on tokio-tungstenite (already in the tree through
//! slack-morphism) rather than slack-morphism's `SlackClientSocketModeListener`: its
//! callbacks get slack-morphism's typed models, which we would have to serialize back to
//! JSON to reach the parsers the HTTP routes use (a second parser that can refuse what
//! ours accepts, and is then acknowledged and dropped); its reconnect waits a fixed
//! interval; and it runs one envelope at a time, so one slow `views.open` delays every
//! acknowledgement behind it.

use crate::app::AppState;
use crate::service;
use crate::slack::dispatch::{self, Redelivery, SlashCommandPayload};
use crate::slack::events::EventEnvelope;
use crate::slack::interactions::{Interaction, InteractionResponse};
use futures_util::{SinkExt, StreamExt};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::time::{Duration, Instant};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// Slack wants an acknowledgement within 3 s; a handler gets what an HTTP request gets.
pub const ACK_WITHIN: Duration = Duration::from_millis(2_500);
/// How often cxbot pings an otherwise quiet connection.
const PING_EVERY: Duration = Duration::from_secs(20);
/// A connection that has sent nothing (not even a pong) this long is dead.
const SILENT_FOR: Duration = Duration::from_secs(60);
/// The WebSocket handshake's limit.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Waits between connection attempts: 1 s, doubling to 30 s; reset once Slack says hello.
#[derive(Debug, Clone)]
pub struct Backoff {
    next: Duration,
}

impl Backoff {
    pub const FIRST: Duration = Duration::from_secs(1);
    pub const CAP: Duration = Duration::from_secs(30);

    pub fn next_wait(&mut self) -> Duration {
        let wait = self.next;
        self.next = (self.next * 2).min(Self::CAP);
        wait
    }

    pub fn reset(&mut self) {
        self.next = Self::FIRST;
    }
}

impl Default for Backoff {
    fn default() -> Self {
        Self { next: Self::FIRST }
    }
}

/// How a connection ended.
#[derive(Debug)]
enum Ended {
    /// cxbot is shutting down.
    Stopped,
    /// Slack asked for a new connection (`disconnect`): open one at once.
    Refresh,
    /// Anything else: try again after the backoff.
    Failed(String),
}

/// Keeps a Socket Mode connection open until `stop` turns true (or its sender is gone).
pub async fn run(state: AppState, mut stop: watch::Receiver<bool>) {
    let mut backoff = Backoff::default();
    loop {
        let opened = tokio::select! {
            opened = open(&state) => opened,
            _ = stopping(&mut stop) => break,
        };
        let ended = match opened {
            Ok(socket) => serve(&state, socket, &mut stop, &mut backoff).await,
            Err(why) => Ended::Failed(why),
        };
        let wait = match ended {
            Ended::Stopped => break,
            Ended::Refresh => {
                tracing::info!("Slack asked for a new Socket Mode connection; reconnecting");
                continue;
            }
            Ended::Failed(why) => {
                let wait = backoff.next_wait();
                tracing::warn!(reason = %why, wait_secs = wait.as_secs(), "Socket Mode connection lost; reconnecting");
                wait
            }
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stopping(&mut stop) => break,
        }
    }
    tracing::info!("Socket Mode stopped");
}

/// Resolves once cxbot is shutting down (the sender gone counts too).
async fn stopping(stop: &mut watch::Receiver<bool>) {
    // Map the borrow away at once: it holds a lock that must not live across an await.
    let _ = stop.wait_for(|s| *s).await.map(|_| ());
}

/// A fresh URL from Slack, connected. The URL carries a one-time ticket: never logged.
async fn open(state: &AppState) -> Result<Socket, String> {
    let url = state.slack.open_socket().await.map_err(|e| e.to_string())?;
    metrics::counter!("cxbot_socket_connections_total").increment(1);
    match tokio::time::timeout(
        CONNECT_TIMEOUT,
        tokio_tungstenite::connect_async(url.as_str()),
    )
    .await
    {
        Err(_) => Err("the WebSocket handshake timed out".into()),
        Ok(Err(e)) => Err(format!("cannot connect to Slack's WebSocket: {e}")),
        Ok(Ok((socket, _))) => Ok(socket),
    }
}

/// Serves one connection until it ends; answers the envelopes in hand before returning.
async fn serve(
    state: &AppState,
    socket: Socket,
    stop: &mut watch::Receiver<bool>,
    backoff: &mut Backoff,
) -> Ended {
    let (mut sink, mut stream) = socket.split();
    let mut handlers: JoinSet<Option<String>> = JoinSet::new();
    let mut keepalive = tokio::time::interval(PING_EVERY);
    keepalive.tick().await;
    let mut heard = Instant::now();
    let mut greeted = false;
    let ended = loop {
        tokio::select! {
            _ = stopping(stop) => break Ended::Stopped,
            Some(done) = handlers.join_next() => match done {
                Ok(Some(ack)) => {
                    if let Err(e) = sink.send(Message::text(ack)).await {
                        break Ended::Failed(format!("cannot send an acknowledgement: {e}"));
                    }
                }
                Ok(None) => {}
                Err(e) => tracing::error!(error = %e, "a Socket Mode handler panicked; Slack will redeliver its envelope"),
            },
            frame = stream.next() => {
                heard = Instant::now();
                let text = match frame {
                    None | Some(Ok(Message::Close(_))) => break Ended::Failed("Slack closed the connection".into()),
                    Some(Err(e)) => break Ended::Failed(e.to_string()),
                    Some(Ok(Message::Text(text))) => text,
                    // Pings are answered by tungstenite; pongs only show the line is alive.
                    Some(Ok(_)) => continue,
                };
                let envelope = match serde_json::from_str::<Envelope>(text.as_str()) {
                    Ok(e) => e,
                    Err(e) => {
                        tracing::warn!(error = %e, "unreadable Socket Mode frame; ignored");
                        continue;
                    }
                };
                match envelope.kind.as_str() {
                    "hello" => {
                        greeted = true;
                        backoff.reset();
                        tracing::info!(connections = ?envelope.num_connections, "Socket Mode connected");
                    }
                    "disconnect" => {
                        let reason = envelope.reason.as_deref().unwrap_or("unknown");
                        break if reason == "link_disabled" {
                            Ended::Failed("Socket Mode is turned off in the app settings (link_disabled): turn it on, or unset SLACK_APP_TOKEN".into())
                        } else if greeted {
                            Ended::Refresh
                        } else {
                            Ended::Failed(format!("disconnect ({reason}) before hello"))
                        };
                    }
                    _ => {
                        handlers.spawn(handle(state.clone(), envelope));
                    }
                }
            }
            _ = keepalive.tick() => {
                if heard.elapsed() >= SILENT_FOR {
                    break Ended::Failed(format!("nothing from Slack for {} s", SILENT_FOR.as_secs()));
                }
                if let Err(e) = sink.send(Message::Ping(Default::default())).await {
                    break Ended::Failed(format!("cannot ping: {e}"));
                }
            }
        }
    };
    // Unacknowledged envelopes would come again (harmless, by the dedupe, but late): answer
    // what is in hand first. Each handler is bounded by ACK_WITHIN.
    while let Some(done) = handlers.join_next().await {
        if let Ok(Some(ack)) = done {
            let _ = sink.send(Message::text(ack)).await;
        }
    }
    let _ = sink.close().await;
    ended
}

/// A Socket Mode frame. `hello` and `disconnect` have no `envelope_id`; the rest carry
/// the payload HTTP would have posted.
#[derive(Debug, Deserialize)]
struct Envelope {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    envelope_id: Option<String>,
    #[serde(default)]
    payload: Value,
    #[serde(default)]
    accepts_response_payload: bool,
    #[serde(default)]
    retry_attempt: Option<u32>,
    #[serde(default)]
    retry_reason: Option<String>,
    /// `disconnect`: warning, refresh_requested, link_disabled.
    #[serde(default)]
    reason: Option<String>,
    /// `hello`: how many connections the app has open.
    #[serde(default)]
    num_connections: Option<u32>,
}

/// Handles one envelope; returns the acknowledgement to send, or None to let Slack
/// deliver it again (the work failed or took too long, as a 5xx over HTTP).
async fn handle(state: AppState, envelope: Envelope) -> Option<String> {
    let id = envelope.envelope_id.clone()?;
    let kind = envelope.kind.clone();
    let (result, ack) = match tokio::time::timeout(ACK_WITHIN, answer(&state, envelope)).await {
        Err(_) => {
            tracing::warn!(envelope_type = %kind, "Socket Mode envelope took over 2.5 s; not acknowledged, so Slack delivers it again");
            ("timeout", None)
        }
        Ok(Err(e)) => {
            tracing::error!(envelope_type = %kind, error = %e, "Socket Mode envelope failed; not acknowledged, so Slack delivers it again");
            ("error", None)
        }
        Ok(Ok(payload)) => ("ok", Some(ack_frame(&id, payload.as_ref()))),
    };
    metrics::counter!("cxbot_socket_envelopes_total", "type" => kind, "result" => result)
        .increment(1);
    ack
}

/// The acknowledgement's payload, if any. A payload that cannot be read is acknowledged
/// (it never reads better) and logged, as HTTP answers it 400.
async fn answer(state: &AppState, envelope: Envelope) -> service::Result<Option<Value>> {
    let Envelope {
        kind,
        payload,
        accepts_response_payload,
        retry_attempt,
        retry_reason,
        ..
    } = envelope;
    match kind.as_str() {
        "events_api" => {
            let Some(event) = parsed::<EventEnvelope>(&kind, payload) else {
                return Ok(None);
            };
            let redelivery = Redelivery {
                attempt: retry_attempt,
                reason: retry_reason.as_deref(),
            };
            dispatch::event(state, event, redelivery).await?;
            Ok(None)
        }
        "slash_commands" => {
            let Some(command) = parsed::<SlashCommandPayload>(&kind, payload) else {
                return Ok(None);
            };
            let answer = dispatch::command(state, &command, || true).await;
            Ok(serde_json::to_value(answer.reply().ephemeral_body()).ok())
        }
        "interactive" => {
            let Some(interaction) = parsed::<Interaction>(&kind, payload) else {
                return Ok(None);
            };
            match dispatch::interaction(state, interaction, || true).await {
                InteractionResponse::Ack | InteractionResponse::Replayed => Ok(None),
                InteractionResponse::Json(v) if accepts_response_payload => Ok(Some(v)),
                InteractionResponse::Json(_) => {
                    tracing::warn!(
                        "Slack takes no response payload for this interaction; answer dropped"
                    );
                    Ok(None)
                }
            }
        }
        other => {
            tracing::debug!(envelope_type = %other, "Socket Mode envelope of a type cxbot does not use; acknowledged");
            Ok(None)
        }
    }
}

fn parsed<T: serde::de::DeserializeOwned>(kind: &str, payload: Value) -> Option<T> {
    serde_json::from_value(payload)
        .map_err(|e| tracing::warn!(envelope_type = %kind, error = %e, "malformed Socket Mode payload; acknowledged and ignored"))
        .ok()
}

/// `{"envelope_id": ..., "payload": ...}`, the payload left out when there is none.
pub fn ack_frame(envelope_id: &str, payload: Option<&Value>) -> String {
    #[derive(Serialize)]
    struct Ack<'a> {
        envelope_id: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        payload: Option<&'a Value>,
    }
    serde_json::to_string(&Ack {
        envelope_id,
        payload,
    })
    .expect("an acknowledgement serializes")
}

#[cfg(test)]
#[path = "socket_tests.rs"]
mod tests;
