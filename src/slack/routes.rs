//! HTTP handlers for `/slack/*`. A middleware verifies every request (401 with no detail,
//! nothing stored) before a handler parses it; handlers answer well inside Slack's 3 s.

use crate::app::AppState;
use crate::domain::claim::Source;
use crate::http::error::ApiError;
use crate::service;
use crate::service::claim::{self, Actor};
use crate::service::followup;
use crate::slack::commands::{self, Command, UserArg};
use crate::slack::events::EventEnvelope;
use crate::slack::interactions::{self, Interaction, InteractionForm, InteractionResponse};
use crate::slack::verify::{self, SIGNATURE_HEADER, TIMESTAMP_HEADER};
use crate::slack::views::{self, Reply};
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use secrecy::ExposeSecret;
use serde::Deserialize;

/// Slack bodies are small; anything larger is refused with 413.
pub const MAX_BODY: usize = 1024 * 1024;

/// The Events API request URL (manifest.yml's `event_subscriptions.request_url`).
pub const EVENTS_PATH: &str = "/slack/events";
/// The slash command's URL (manifest.yml's `slash_commands[].url`).
pub const COMMANDS_PATH: &str = "/slack/commands";
/// Buttons and modals (manifest.yml's `interactivity.request_url`).
pub const INTERACTIVITY_PATH: &str = "/slack/interactivity";

pub fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .route(EVENTS_PATH, post(events))
        .route(COMMANDS_PATH, post(slash_command))
        .route(INTERACTIVITY_PATH, post(interactivity))
        .route_layer(middleware::from_fn_with_state(state, verify_request))
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

async fn verify_request(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(_) => return ApiError::PayloadTooLarge.into_response(),
    };
    let now = state.services.clock.now().timestamp();
    let checked = verify::verify(
        state.signing_secret.expose_secret().as_bytes(),
        header(&parts.headers, SIGNATURE_HEADER),
        header(&parts.headers, TIMESTAMP_HEADER),
        &bytes,
        now,
    );
    if let Err(e) = checked {
        tracing::warn!(reason = %e, path = %parts.uri.path(), "rejected Slack request");
        metrics::counter!("cxbot_slack_requests_rejected_total", "reason" => e.to_string())
            .increment(1);
        return ApiError::Unauthorized.into_response();
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

async fn events(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let envelope: EventEnvelope = serde_json::from_slice(&body)
        .map_err(|e| ApiError::BadRequest(format!("malformed event body: {e}")))?;
    match envelope {
        EventEnvelope::UrlVerification { challenge } => {
            Ok(Json(serde_json::json!({ "challenge": challenge })).into_response())
        }
        EventEnvelope::EventCallback(cb) => {
            let retry = header(&headers, "x-slack-retry-num");
            let fresh = service::events::accept_slack_event(
                &state.services,
                &cb.event_id,
                cb.event.as_service_event(),
            )
            .await?;
            if !fresh {
                tracing::info!(event_id = %cb.event_id, retry_num = ?retry, reason = ?header(&headers, "x-slack-retry-reason"), "duplicate event acknowledged");
            }
            Ok(StatusCode::OK.into_response())
        }
        EventEnvelope::Other => Ok(StatusCode::OK.into_response()),
    }
}

/// The form Slack posts for a slash command (the fields cxbot reads).
#[derive(Debug, Clone, Deserialize)]
pub struct SlashCommandPayload {
    #[serde(default)]
    pub command: String,
    #[serde(default)]
    pub text: String,
    pub user_id: String,
    #[serde(default)]
    pub user_name: Option<String>,
    #[serde(default)]
    pub channel_id: Option<String>,
    #[serde(default)]
    pub team_id: Option<String>,
    #[serde(default)]
    pub response_url: Option<String>,
    #[serde(default)]
    pub trigger_id: Option<String>,
}

async fn slash_command(State(state): State<AppState>, body: Bytes) -> Result<Response, ApiError> {
    let payload: SlashCommandPayload = serde_urlencoded::from_bytes(&body)
        .map_err(|e| ApiError::BadRequest(format!("malformed slash command: {e}")))?;
    let reply = match commands::parse(&payload.text) {
        // The same for everyone: rendered and serialized once.
        Ok(Command::Help) => return Ok(help_response()),
        Ok(cmd) => run_command(&state, &payload, cmd).await,
        Err(usage) => views::usage_error(&usage),
    };
    Ok(Json(reply.ephemeral_body()).into_response())
}

fn help_response() -> Response {
    static HELP: std::sync::OnceLock<Bytes> = std::sync::OnceLock::new();
    let body = HELP.get_or_init(|| {
        let reply = views::help(commands::USAGE);
        Bytes::from(serde_json::to_vec(&reply.ephemeral_body()).expect("the help reply serializes"))
    });
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        body.clone(),
    )
        .into_response()
}

async fn run_command(state: &AppState, payload: &SlashCommandPayload, cmd: Command) -> Reply {
    let services = &state.services;
    let actor = Actor {
        user: &payload.user_id,
        source: Source::Command,
    };
    let result = match &cmd {
        Command::Help => Ok(views::help(commands::USAGE)),
        Command::Mine => service::home::mine(services, &payload.user_id)
            .await
            .map(|m| views::claim::mine(&m)),
        Command::Queue => service::home::queue(services)
            .await
            .map(|q| views::claim::queue(&q)),
        Command::FollowupOverdue => followup::overdue(services)
            .await
            .map(|lines| views::followup::overdue(&lines)),
        Command::On => service::shifts::start(services, &payload.user_id)
            .await
            .map(|b| views::shift::briefing(&b)),
        Command::Off => service::shifts::end(services, &payload.user_id)
            .await
            .map(|h| views::shift::handover(&h)),
        Command::Who => service::shifts::who(services)
            .await
            .map(|w| views::shift::who(&w)),
        Command::WhoAmI => service::writeback::whoami(services, &payload.user_id)
            .await
            .map(|w| views::shift::whoami(&w)),
        Command::DirectivePost { text, until, all } => {
            service::directives::post(services, actor, text, *until, *all)
                .await
                .map(|o| views::directive::outcome(&o))
        }
        Command::Digest { now: false } => service::digest::build(services)
            .await
            .map(|d| views::digest::reply(&d)),
        Command::Digest { now: true } => service::digest::post_now(services, &payload.user_id)
            .await
            .map(|_| Reply::text("Posted the digest to the leads channel.")),
        Command::Stats { period, agent } => {
            let period = match period {
                commands::StatsPeriod::Today => service::summary::Period::Today,
                commands::StatsPeriod::Yesterday => service::summary::Period::Yesterday,
                commands::StatsPeriod::Week => service::summary::Period::Week,
            };
            let agent = match agent {
                Some(UserArg::Id(id)) => Some(id.as_str()),
                _ => None,
            };
            service::summary::stats(services, period, agent)
                .await
                .map(|s| views::summary::stats(&s))
        }
        Command::DirectiveStatus => service::directives::status(services)
            .await
            .map(|s| views::directive::status(&s)),
        Command::DirectiveEnd(id) => service::directives::end(services, actor, *id)
            .await
            .map(|o| views::directive::outcome(&o)),
        other => match other.ticket() {
            Some(q) => match claim::resolve(services, q).await {
                Ok(t) => on_ticket(state, actor, t, cmd).await,
                Err(e) => Err(e),
            },
            None => Ok(views::help(commands::USAGE)),
        },
    };
    reply_for(result)
}

/// The commands about one ticket, once the reference is resolved.
async fn on_ticket(
    state: &AppState,
    actor: Actor<'_>,
    t: crate::domain::ticket::Ticket,
    cmd: Command,
) -> service::Result<Reply> {
    let services = &state.services;
    let id = t.id;
    let owner = |o: claim::ClaimOutcome| views::claim::outcome(&o);
    let follow = |o: followup::FollowUpOutcome| views::followup::outcome(&o);
    match cmd {
        Command::Claim(_) => claim::claim_resolved(services, t, actor).await.map(owner),
        Command::Release(_) => claim::release(services, id, actor).await.map(owner),
        Command::Escalate { reason, .. } => claim::escalate(services, id, actor, None, reason.as_deref()).await.map(owner),
        Command::Assign { to: UserArg::Id(to), .. } => claim::assign(services, id, actor, &to).await.map(owner),
        Command::Assign { to: UserArg::Name(name), .. } => Ok(views::user_error(&format!(
            "cxbot could not tell who @{name} is: pick them from Slack's @-mention list so the command carries their id."
        ))),
        Command::FollowupStart { cadence, from, .. } => followup::start(services, id, actor, cadence.as_deref(), from).await.map(follow),
        Command::FollowupDone { note, .. } => followup::done(services, id, actor, note.as_deref(), None).await.map(follow),
        Command::FollowupReplied(_) => followup::stop(services, id, actor, true).await.map(follow),
        Command::FollowupStop(_) => followup::stop(services, id, actor, false).await.map(follow),
        Command::FollowupStatus(_) => followup::status_or_start(services, id, actor).await.map(follow),
        // Commands about no ticket are answered in run_command.
        _ => Ok(views::help(commands::USAGE)),
    }
}

/// A service result as the reply the person sees.
pub fn reply_for(result: service::Result<Reply>) -> Reply {
    match result {
        Ok(reply) => reply,
        Err(service::Error::Refused(r)) => views::refused(&r),
        Err(e) => {
            tracing::error!(error = %e, "command failed");
            views::internal_error()
        }
    }
}

async fn interactivity(State(state): State<AppState>, body: Bytes) -> Result<Response, ApiError> {
    let form: InteractionForm = serde_urlencoded::from_bytes(&body)
        .map_err(|_| ApiError::BadRequest("expected a form field named payload".into()))?;
    let interaction: Interaction = serde_json::from_str(&form.payload)
        .map_err(|e| ApiError::BadRequest(format!("malformed interaction payload: {e}")))?;
    Ok(match interactions::dispatch(&state, interaction).await {
        InteractionResponse::Ack => StatusCode::OK.into_response(),
        InteractionResponse::Json(v) => Json(v).into_response(),
    })
}
