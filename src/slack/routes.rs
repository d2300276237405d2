//! The HTTP transport for `/slack/*`. Every handler takes a [`Verified`] body: the
//! signature is checked (401 with no detail, nothing stored) before a handler parses it (a form, or JSON) and hands it to
//! [`dispatch`], the path Socket Mode shares; handlers answer well inside Slack's 3 s.

use crate::app::AppState;
use crate::http::error::ApiError;
use crate::slack::dispatch::{self, CommandAnswer, EventAnswer, Redelivery};
use crate::slack::events::EventEnvelope;
use crate::slack::interactions::{Interaction, InteractionForm, InteractionResponse};
use crate::slack::verify::{self, SIGNATURE_HEADER, TIMESTAMP_HEADER};
use crate::slack::views;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use secrecy::ExposeSecret;

/// Where it lived before Socket Mode shared it (the benches name it here).
pub use crate::slack::dispatch::SlashCommandPayload;

/// Slack bodies are small; anything larger is refused with 413.
pub const MAX_BODY: usize = 1024 * 1024;

/// The Events API request URL (manifest.yml's `event_subscriptions.request_url`).
pub const EVENTS_PATH: &str = "/slack/events";
/// The slash command's URL (manifest.yml's `slash_commands[].url`).
pub const COMMANDS_PATH: &str = "/slack/commands";
/// Buttons and modals (manifest.yml's `interactivity.request_url`).
pub const INTERACTIVITY_PATH: &str = "/slack/interactivity";

pub fn router() -> Router<AppState> {
    Router::new()
        .route(EVENTS_PATH, post(events))
        .route(COMMANDS_PATH, post(slash_command))
        .route(INTERACTIVITY_PATH, post(interactivity))
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// A header that must be sent once: None when absent or repeated (two signatures are
/// ambiguous, whichever of them verifies).
fn single_header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    let mut values = headers.get_all(name).iter();
    match (values.next(), values.next()) {
        (Some(v), None) => v.to_str().ok(),
        _ => None,
    }
}

/// A Slack request's body, its signature checked: every `/slack/*` handler takes one, so
/// nothing is parsed (or stored) before the check. Refused with 401 and no detail (a bad
/// signature); 413 past [`MAX_BODY`]. A replay is the handlers' to refuse: only a request
/// that would change something is (see [`Verified::first_use`]). A slash
/// command's `ssl_check` (Slack checking the URL's certificate, unsigned) is answered 200
/// before the check, as Bolt answers it.
pub struct Verified {
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl FromRequest<AppState> for Verified {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (parts, body) = req.into_parts();
        let bytes = match axum::body::to_bytes(body, MAX_BODY).await {
            Ok(b) => b,
            Err(_) => return Err(ApiError::PayloadTooLarge.into_response()),
        };
        if parts.uri.path() == COMMANDS_PATH && is_ssl_check(&bytes) {
            return Err(StatusCode::OK.into_response());
        }
        let now = state.services.clock.now().timestamp();
        let checked = verify::verify(
            state.signing_secret.expose_secret().as_bytes(),
            single_header(&parts.headers, SIGNATURE_HEADER),
            single_header(&parts.headers, TIMESTAMP_HEADER),
            &bytes,
            now,
        );
        if let Err(e) = checked {
            tracing::warn!(reason = %e, path = %parts.uri.path(), "rejected Slack request");
            metrics::counter!("cxbot_slack_requests_rejected_total", "reason" => e.to_string())
                .increment(1);
            return Err(ApiError::Unauthorized.into_response());
        }
        Ok(Verified {
            headers: parts.headers,
            body: bytes,
        })
    }
}

impl Verified {
    /// Records this request's signature; false when it was used before. Slack never sends a
    /// command or an interaction twice, so the same signature again is a replay: asked only
    /// for a request that would change something (a claim, a post), refused then. A request
    /// that only reads is answered again as it was. (Events are retried by Slack with a new
    /// signature; `event_id` dedupes them.)
    fn first_use(&self, state: &AppState) -> bool {
        let now = state.services.clock.now().timestamp();
        let signature = header(&self.headers, SIGNATURE_HEADER).unwrap_or_default();
        let timestamp = header(&self.headers, TIMESTAMP_HEADER)
            .and_then(|t| t.trim().parse().ok())
            .unwrap_or(now);
        let first = state.replays.first_use(signature, timestamp, now);
        if !first {
            tracing::warn!("rejected a replayed Slack request");
            metrics::counter!("cxbot_slack_requests_rejected_total", "reason" => "replayed")
                .increment(1);
        }
        first
    }
}

/// A form body with `ssl_check=1` (Slack's certificate check of a slash command URL).
fn is_ssl_check(body: &[u8]) -> bool {
    // The searcher is built once, not per request.
    static FINDER: std::sync::OnceLock<memchr::memmem::Finder<'static>> =
        std::sync::OnceLock::new();
    let finder = FINDER.get_or_init(|| memchr::memmem::Finder::new(b"ssl_check=1"));
    finder.find_iter(body).any(|at| {
        let end = at + b"ssl_check=1".len();
        (at == 0 || body[at - 1] == b'&') && (end == body.len() || body[end] == b'&')
    })
}

async fn events(
    State(state): State<AppState>,
    Verified { headers, body }: Verified,
) -> Result<Response, ApiError> {
    let envelope = parse_envelope(&body)
        .map_err(|e| ApiError::BadRequest(format!("malformed event body: {e}")))?;
    let redelivery = Redelivery {
        attempt: header(&headers, "x-slack-retry-num").and_then(|n| n.parse().ok()),
        reason: header(&headers, "x-slack-retry-reason"),
    };
    Ok(match dispatch::event(&state, envelope, redelivery).await? {
        EventAnswer::Challenge(challenge) => {
            /// `{"challenge": ...}` without building a JSON map first.
            #[derive(serde::Serialize)]
            struct Echo<'a> {
                challenge: &'a str,
            }
            Json(Echo {
                challenge: &challenge,
            })
            .into_response()
        }
        EventAnswer::Ack => StatusCode::OK.into_response(),
    })
}

async fn slash_command(
    State(state): State<AppState>,
    verified: Verified,
) -> Result<Response, ApiError> {
    let payload = SlashCommandPayload::from_form(&verified.body)
        .map_err(|e| ApiError::BadRequest(format!("malformed slash command: {e}")))?;
    let answer = dispatch::command(&state, &payload, || verified.first_use(&state)).await;
    Ok(match answer {
        CommandAnswer::Replayed => return Err(ApiError::Unauthorized),
        CommandAnswer::Help => help_response(),
        CommandAnswer::Usage(usage) => json_response(Bytes::from(views::usage_error_body(&usage))),
        CommandAnswer::Reply(reply) => Json(reply.ephemeral_body()).into_response(),
    })
}

/// `/cx help` is the same for everyone: serialized once.
fn help_response() -> Response {
    static HELP: std::sync::OnceLock<Bytes> = std::sync::OnceLock::new();
    let body = HELP.get_or_init(|| {
        let reply = dispatch::help_reply();
        Bytes::from(serde_json::to_vec(&reply.ephemeral_body()).expect("the help reply serializes"))
    });
    json_response(body.clone())
}

/// A body already serialized, sent as `Json` sends one.
fn json_response(body: Bytes) -> Response {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response()
}

async fn interactivity(
    State(state): State<AppState>,
    verified: Verified,
) -> Result<Response, ApiError> {
    let form = interaction_form(&verified.body)
        .map_err(|_| ApiError::BadRequest("expected a form field named payload".into()))?;
    let interaction = parse_interaction(&form.payload)
        .map_err(|e| ApiError::BadRequest(format!("malformed interaction payload: {e}")))?;
    Ok(
        match dispatch::interaction(&state, interaction, || verified.first_use(&state)).await {
            InteractionResponse::Replayed => return Err(ApiError::Unauthorized),
            InteractionResponse::Ack => StatusCode::OK.into_response(),
            InteractionResponse::Json(v) => Json(v).into_response(),
        },
    )
}

/// An Events API body, as `serde_json::from_slice::<EventEnvelope>` reads it: the same value,
/// or (through that call) the same error. serde reads an internally tagged enum by first
/// copying the whole object into a tree; reading every field either variant has in one
/// pass over the text costs a fraction of that. Anything that pass does not read cleanly
/// (a field twice, a field of the other type, an unknown `type`) goes to serde.
fn parse_envelope(body: &[u8]) -> serde_json::Result<EventEnvelope> {
    use crate::slack::events::{EventCallback, SlackEvent};
    /// Both variants' fields; serde's derive refuses a field given twice, as the tagged
    /// enum does.
    #[derive(serde::Deserialize)]
    struct Fields<'a> {
        #[serde(rename = "type", borrow, default)]
        kind: Option<std::borrow::Cow<'a, str>>,
        #[serde(default)]
        challenge: Option<String>,
        #[serde(default)]
        event_id: Option<String>,
        #[serde(default)]
        team_id: Option<String>,
        #[serde(default)]
        event_time: Option<i64>,
        #[serde(default)]
        event: Option<SlackEvent>,
    }
    let fast = serde_json::from_slice::<Fields>(body).ok().and_then(|f| {
        match (f.kind.as_deref(), f.challenge, f.event_id, f.event) {
            (Some("event_callback"), _, Some(event_id), Some(event)) => {
                Some(EventEnvelope::EventCallback(Box::new(EventCallback {
                    event_id,
                    team_id: f.team_id,
                    event_time: f.event_time,
                    event,
                })))
            }
            (Some("url_verification"), Some(challenge), _, _) => {
                Some(EventEnvelope::UrlVerification { challenge })
            }
            _ => None,
        }
    });
    match fast {
        Some(envelope) => Ok(envelope),
        None => serde_json::from_slice(body),
    }
}

/// An interactivity payload, as `serde_json::from_str::<Interaction>` reads it (see
/// [`parse_envelope`]).
fn parse_interaction(payload: &str) -> serde_json::Result<Interaction> {
    use crate::slack::interactions::{
        ActionPayload, BlockActions, ChannelRef, MessageRef, SubmittedView, UserRef, ViewSubmission,
    };
    /// Both variants' fields.
    #[derive(serde::Deserialize)]
    struct Fields<'a> {
        #[serde(rename = "type", borrow, default)]
        kind: Option<std::borrow::Cow<'a, str>>,
        #[serde(default)]
        user: Option<UserRef>,
        #[serde(default)]
        trigger_id: Option<String>,
        #[serde(default)]
        response_url: Option<String>,
        #[serde(default)]
        channel: Option<ChannelRef>,
        #[serde(default)]
        message: Option<MessageRef>,
        #[serde(default)]
        actions: Vec<ActionPayload>,
        #[serde(default)]
        view: Option<SubmittedView>,
    }
    let fast = serde_json::from_str::<Fields>(payload).ok().and_then(|f| {
        match (f.kind.as_deref(), f.user) {
            (Some("block_actions"), Some(user)) => Some(Interaction::BlockActions(BlockActions {
                user,
                trigger_id: f.trigger_id,
                response_url: f.response_url,
                channel: f.channel,
                message: f.message,
                actions: f.actions,
            })),
            (Some("view_submission"), Some(user)) => f
                .view
                .map(|view| Interaction::ViewSubmission(ViewSubmission { user, view })),
            _ => None,
        }
    });
    match fast {
        Some(interaction) => Ok(interaction),
        None => serde_json::from_str(payload),
    }
}

/// The interactivity form, as `serde_urlencoded::from_bytes::<InteractionForm>` reads it:
/// Slack sends one field, `payload`, decoded here; any other form goes to serde_urlencoded.
fn interaction_form(body: &[u8]) -> Result<InteractionForm, serde_urlencoded::de::Error> {
    match body.strip_prefix(b"payload=") {
        Some(value) if memchr::memchr(b'&', value).is_none() => Ok(InteractionForm {
            payload: dispatch::decode_form_value(value),
        }),
        _ => serde_urlencoded::from_bytes(body),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        crate::slack::payload_fixture(name).into_bytes()
    }

    /// The fast parses give what the general ones give: the same value, or the same error.
    #[test]
    fn envelopes_payloads_and_forms_read_as_serde_reads_them() {
        let mut events: Vec<Vec<u8>> = [
            "url_verification.json",
            "event_callback.app_home_opened.bolt_python.json",
            "event_callback.app_mention.java_sdk.json",
            "event_callback.app_mention.slack_docs.verbatim.txt",
            "event_callback.app_mention_bot_message.java_sdk.json",
            "event_callback.message.java_sdk.json",
            "event_callback.retry_headers.json",
        ]
        .iter()
        .map(|f| fixture(f))
        .collect();
        for b in [
            r#"{"type":"url_verification"}"#,
            r#"{"type":"url_verification","challenge":1}"#,
            r#"{"type":"event_callback","event_id":"Ev1"}"#,
            r#"{"type":"event_callback","event_id":"Ev1","event":{"type":"x"},"event_time":"1"}"#,
            r#"{"type":"event_callback","type":"x","event_id":"Ev1","event":{"type":"x"}}"#,
            r#"{"type":"app_rate_limited","minute_rate_limited":1}"#,
            r#"{"type":7}"#,
            r#"{"challenge":"c"}"#,
            r#"[]"#,
            r#"{"type":"event_callback","event_id":"Ev1","event":{"type":"x"}} x"#,
        ] {
            events.push(b.as_bytes().to_vec());
        }
        for body in events {
            let ours = parse_envelope(&body).map_err(|e| e.to_string());
            let serde = serde_json::from_slice::<EventEnvelope>(&body).map_err(|e| e.to_string());
            assert_eq!(ours, serde, "{}", String::from_utf8_lossy(&body));
        }

        let mut forms: Vec<Vec<u8>> = [
            "block_actions.button.slack_docs.form",
            "block_actions.home_tab_real.java_sdk.form",
        ]
        .iter()
        .map(|f| fixture(f))
        .collect();
        for b in [
            "payload=%7B%22type%22%3A%22view_submission%22%7D",
            "payload=%7B%22type%22%3A%22block_actions%22%2C%22user%22%3A%7B%22id%22%3A%22U1%22%7D%7D",
            "payload=%7B%22type%22%3A%22shortcut%22%7D",
            "payload=not+json",
            "payload=",
            "token=x&payload=%7B%7D",
            "payload=a&payload=b",
            "nothing=here",
        ] {
            forms.push(b.as_bytes().to_vec());
        }
        let payloads = [
            "view_submission.real.java_sdk.json",
            "block_actions.button.slack_docs.json",
        ]
        .iter()
        .map(|f| String::from_utf8(fixture(f)).unwrap())
        .chain(
            [
                r#"{"type":"block_actions","user":{"id":"U1"},"actions":null}"#,
                r#"{"type":"block_actions","user":null,"actions":[]}"#,
                r#"{"type":"block_actions","user":{"id":"U1"},"user":{"id":"U2"}}"#,
                r#"{"type":"block_actions","user":{"id":"U1"},"view":{"callback_id":7}}"#,
                r#"{"type":"block_actions","user":{"id":"U1"},"actions":[{"action_id":"cx_claim","value":"4"}],"view":{"callback_id":"home"}}"#,
                r#"{"type":"view_submission","user":{"id":"U1"}}"#,
                r#"{"type":"view_submission","user":{"id":"U1"},"view":null,"actions":null}"#,
                r#"{"type":"view_submission","user":{"id":"U1"},"view":{"callback_id":"cx_escalate"},"actions":null}"#,
                r#"{"type":"block_actions","type":"view_submission","user":{"id":"U1"}}"#,
                r#"{"type":7,"user":{"id":"U1"}}"#,
                r#"{"type":"block\u005factions","user":{"id":"U1"}}"#,
            ]
            .map(String::from),
        );
        for json in payloads {
            let mut form = b"payload=".to_vec();
            form.extend(
                serde_urlencoded::to_string([("x", json)])
                    .unwrap()
                    .bytes()
                    .skip(2),
            );
            forms.push(form);
        }
        for body in forms {
            let ours = interaction_form(&body)
                .map(|f| f.payload)
                .map_err(|e| e.to_string());
            let serde = serde_urlencoded::from_bytes::<InteractionForm>(&body)
                .map(|f| f.payload)
                .map_err(|e| e.to_string());
            assert_eq!(ours, serde, "{}", String::from_utf8_lossy(&body));
            if let Ok(payload) = ours {
                let ours = parse_interaction(&payload).map_err(|e| e.to_string());
                let serde =
                    serde_json::from_str::<Interaction>(&payload).map_err(|e| e.to_string());
                assert_eq!(ours, serde, "{payload}");
            }
        }
    }
}
