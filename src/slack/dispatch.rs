//! One path, two transports. What a slash command, an interaction and an Events API
//! callback do once a transport has authenticated and parsed them: the HTTP routes
//! ([`super::routes`], after the signature check) and the Socket Mode client
//! ([`super::socket`], over a connection opened with the app-level token) both call
//! these functions, so a command, a click or an event does the same thing (the same
//! service calls, the same `event_id` dedupe) whichever way it came in.
//!
//! A transport only decides how the answer travels: as the HTTP response body, or as the
//! `payload` of the Socket Mode acknowledgement.

use crate::app::AppState;
use crate::domain::claim::Source;
use crate::jobs::enqueue::{self, SlackCall};
use crate::service;
use crate::service::claim::{self, Actor};
use crate::service::followup;
use crate::slack::commands::{self, Command, UserArg};
use crate::slack::events::EventEnvelope;
use crate::slack::interactions::{self, Interaction, InteractionResponse};
use crate::slack::views::{self, Reply};
use serde::Deserialize;
use std::sync::OnceLock;

/// The fields cxbot reads from a slash command: the form Slack posts over HTTP, and the
/// same fields as a JSON object in a Socket Mode envelope.
#[derive(Debug, Clone, PartialEq, Deserialize)]
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

impl SlashCommandPayload {
    /// The form Slack posts over HTTP: the same payload, or the same error, as
    /// `serde_urlencoded::from_bytes`. The form as Slack sends it (plain field names, each
    /// once, `user_id` present) is read here, decoding only the fields cxbot keeps; anything
    /// else goes to `serde_urlencoded`, which words the error.
    pub fn from_form(body: &[u8]) -> Result<Self, serde_urlencoded::de::Error> {
        match Self::from_plain_form(body) {
            Some(payload) => Ok(payload),
            None => serde_urlencoded::from_bytes(body),
        }
    }

    fn from_plain_form(body: &[u8]) -> Option<Self> {
        let mut p = SlashCommandPayload {
            command: String::new(),
            text: String::new(),
            user_id: String::new(),
            user_name: None,
            channel_id: None,
            team_id: None,
            response_url: None,
            trigger_id: None,
        };
        let mut seen = 0u8;
        let mut rest = body;
        while !rest.is_empty() {
            let end = memchr::memchr(b'&', rest).unwrap_or(rest.len());
            let pair = &rest[..end];
            rest = rest.get(end + 1..).unwrap_or_default();
            if pair.is_empty() {
                continue;
            }
            let key = &pair[..memchr::memchr(b'=', pair).unwrap_or(pair.len())];
            if memchr::memchr2(b'%', b'+', key).is_some() {
                return None; // an encoded name: serde_urlencoded decodes it
            }
            let field = match key {
                b"command" => 0,
                b"text" => 1,
                b"user_id" => 2,
                b"user_name" => 3,
                b"channel_id" => 4,
                b"team_id" => 5,
                b"response_url" => 6,
                b"trigger_id" => 7,
                _ => continue,
            };
            if seen & (1 << field) != 0 {
                return None; // a field twice: an error, worded by serde
            }
            seen |= 1 << field;
            let value = decode_form_value(pair.get(key.len() + 1..).unwrap_or_default());
            match field {
                0 => p.command = value,
                1 => p.text = value,
                2 => p.user_id = value,
                3 => p.user_name = Some(value),
                4 => p.channel_id = Some(value),
                5 => p.team_id = Some(value),
                6 => p.response_url = Some(value),
                _ => p.trigger_id = Some(value),
            }
        }
        (seen & (1 << 2) != 0).then_some(p)
    }
}

/// One form value, decoded as `form_urlencoded` (and so `serde_urlencoded`) decodes it:
/// `+` is a space, `%XX` a byte (a `%` not followed by two hex digits stays), and bytes
/// that are not UTF-8 become U+FFFD.
pub(crate) fn decode_form_value(value: &[u8]) -> String {
    if memchr::memchr2(b'%', b'+', value).is_none() {
        return String::from_utf8_lossy(value).into_owned();
    }
    // A byte at a time with a table for the hex digits: an interactivity payload is JSON,
    // whose quotes, colons and commas are all escaped, so escapes come every few bytes and
    // searching for the next one costs more than it skips.
    let mut out = Vec::with_capacity(value.len());
    let mut bytes = value.iter();
    while let Some(&b) = bytes.next() {
        out.push(match b {
            b'%' => match *bytes.as_slice() {
                [hi, lo, ..] if (HEX[hi as usize] | HEX[lo as usize]) < 16 => {
                    bytes.nth(1);
                    (HEX[hi as usize] << 4) | HEX[lo as usize]
                }
                _ => b'%',
            },
            b'+' => b' ',
            b => b,
        });
    }
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// A hex digit's value by byte; 0xFF for a byte that is not one.
static HEX: [u8; 256] = {
    let mut t = [0xFF_u8; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = match b as u8 {
            d @ b'0'..=b'9' => d - b'0',
            d @ b'a'..=b'f' => d - b'a' + 10,
            d @ b'A'..=b'F' => d - b'A' + 10,
            _ => 0xFF,
        };
        b += 1;
    }
    t
};

/// The answer to a slash command: the ephemeral message only the person sees.
#[derive(Debug, Clone)]
pub enum CommandAnswer {
    /// `/cx help`: the same for everyone, so a transport may render it once.
    Help,
    /// A typo or a missing argument: the message and the usage (`views::usage_error`), which
    /// a transport may serialize straight away (`views::usage_error_body`).
    Usage(commands::UsageError),
    Reply(Reply),
    /// A command that changes state, sent again with a signature already used (HTTP only):
    /// refused, nothing run.
    Replayed,
}

impl CommandAnswer {
    pub fn reply(&self) -> std::borrow::Cow<'_, Reply> {
        use std::borrow::Cow;
        match self {
            CommandAnswer::Help => Cow::Borrowed(help_reply()),
            CommandAnswer::Usage(usage) => Cow::Owned(views::usage_error(usage)),
            CommandAnswer::Reply(r) => Cow::Borrowed(r),
            CommandAnswer::Replayed => Cow::Owned(Reply::text(REPLAYED)),
        }
    }
}

/// `/cx help`, built once.
pub fn help_reply() -> &'static Reply {
    static HELP: OnceLock<Reply> = OnceLock::new();
    HELP.get_or_init(|| views::help(commands::USAGE))
}

const REPLAYED: &str = "This request was already handled.";

/// Runs a `/cx` command and words its outcome. `first_use` is asked only for a command that
/// changes state: false (the transport saw this very request before) refuses it.
pub async fn command(
    state: &AppState,
    payload: &SlashCommandPayload,
    first_use: impl FnOnce() -> bool,
) -> CommandAnswer {
    match commands::parse(&payload.text) {
        Ok(Command::Help) => CommandAnswer::Help,
        Ok(cmd) if cmd.changes_state() && !first_use() => CommandAnswer::Replayed,
        // Boxed: the futures of every command's use case make a large state machine, and
        // an unboxed one is copied whole into each request's future, even for `/cx help`.
        Ok(cmd) => CommandAnswer::Reply(Box::pin(run_command(state, payload, cmd)).await),
        Err(usage) => CommandAnswer::Usage(usage),
    }
}

/// Runs what a button, select or modal submission asks for. One that asks for nothing
/// cxbot does (an unknown action id or modal) is acknowledged here, with no use case's
/// future built for it, and answered the same however often it comes; one that would
/// change something is refused when `first_use` says its request was seen before, as
/// [`command`] refuses a replayed command (Socket Mode passes `|| true`).
pub async fn interaction(
    state: &AppState,
    interaction: Interaction,
    first_use: impl FnOnce() -> bool,
) -> InteractionResponse {
    if !interactions::acts(&interaction) {
        interactions::ignore(&interaction, state.services.now_ms());
        return InteractionResponse::Ack;
    }
    if !first_use() {
        return InteractionResponse::Replayed;
    }
    // Boxed, as `command` boxes its use cases.
    Box::pin(interactions::dispatch(state, interaction)).await
}

/// How Slack says an Events API callback is a redelivery (for the log only: the
/// `event_id` is what recognises it). HTTP: the `X-Slack-Retry-*` headers; Socket Mode:
/// the envelope's `retry_attempt` and `retry_reason`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Redelivery<'a> {
    pub attempt: Option<u32>,
    pub reason: Option<&'a str>,
}

/// What an Events API body is answered with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventAnswer {
    /// `url_verification` (HTTP only): echo the challenge.
    Challenge(String),
    /// Recorded (or recognised as a repeat); nothing to say.
    Ack,
}

/// Records an event once by its `event_id` together with the jobs it causes. An error
/// means nothing was recorded: the transport must not acknowledge, so Slack delivers it
/// again.
pub async fn event(
    state: &AppState,
    envelope: EventEnvelope,
    redelivery: Redelivery<'_>,
) -> service::Result<EventAnswer> {
    match envelope {
        EventEnvelope::UrlVerification { challenge } => Ok(EventAnswer::Challenge(challenge)),
        EventEnvelope::EventCallback(cb) => {
            use service::events::EventOutcome;
            // Boxed, as `command` boxes its use cases.
            let outcome = Box::pin(service::events::accept_slack_event(
                &state.services,
                &cb.event_id,
                cb.event.as_service_event(),
                redelivery.attempt.is_some(),
            ))
            .await?;
            match outcome {
                EventOutcome::Duplicate => {
                    tracing::info!(event_id = %cb.event_id, retry_num = ?redelivery.attempt, reason = ?redelivery.reason, "duplicate event acknowledged");
                }
                EventOutcome::Accepted => {}
                // A card reaction refused: told as a button's refusal is, in the channel.
                EventOutcome::Refused {
                    user,
                    channel,
                    refusal,
                } => {
                    let reply = views::refused(&refusal);
                    let call = SlackCall::tell(&user, Some(&channel), reply.text, reply.blocks);
                    let job = enqueue::rendered(call, state.services.now_ms());
                    if let Err(e) = Box::pin(service::notify::tell(&state.services, &[job])).await {
                        tracing::error!(error = %e, "could not queue the reply to a reaction");
                    }
                }
            }
            Ok(EventAnswer::Ack)
        }
        EventEnvelope::Other => Ok(EventAnswer::Ack),
    }
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

#[cfg(test)]
mod tests {
    use super::SlashCommandPayload;

    fn fixture(name: &str) -> Vec<u8> {
        crate::slack::payload_fixture(name).into_bytes()
    }

    /// The form's fast path reads what serde_urlencoded reads, and refuses what it refuses
    /// with the same words.
    #[test]
    fn the_slash_command_form_reads_as_serde_urlencoded_reads_it() {
        let mut bodies: Vec<Vec<u8>> = [
            "slash_command.bolt_python.form",
            "slash_command.java_real_modified.form",
            "slash_command.slack_docs_weather.form",
        ]
        .iter()
        .map(|f| fixture(f))
        .collect();
        for b in [
            "token=t&team_id=T1&user_id=U1&user_name=dana&command=%2Fcx&text=hello+world&response_url=https%3A%2F%2Fh%2Fr&trigger_id=1.2.3",
            "user_id=U1&text=claim",
            "user_id=U1&text=&command=",
            "user_id=U1&text",
            "&&user_id=U1&&text=a%20b%2Bc+d&",
            "user_id=U1&text=caf%C3%A9+%F0%9F%98%80&channel_id=C1&team_id=T1",
            "user_id=U1&text=%FF%FE",
            "user_id=U1&text=a=b=c",
            "=x&user_id=U1",
            "text=no+user",
            "",
            "user_id=U1&user_id=U2",
            "user_id=U1&text=a&text=b",
            "user%5Fid=U1&text=encoded+name",
            "user+id=U1&user_id=U2",
            "ssl_check=1&token=t",
            "user_id=U1&text=%&command=%2&channel_id=%2G%41&team_id=%+1&trigger_id=%2+&user_name=100%25",
            "user_id=U1&text=%E2%82&response_url=%zz%C3%A9%",
        ] {
            bodies.push(b.as_bytes().to_vec());
        }
        for body in bodies {
            let ours = SlashCommandPayload::from_form(&body).map_err(|e| e.to_string());
            let serde = serde_urlencoded::from_bytes::<SlashCommandPayload>(&body)
                .map_err(|e| e.to_string());
            assert_eq!(ours, serde, "{}", String::from_utf8_lossy(&body));
        }
    }
}
