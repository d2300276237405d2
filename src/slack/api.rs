//! The Slack Web API client: slack-morphism's hyper client, with a timeout on every call
//! (slack-morphism has none) and its errors sorted into what the worker does next:
//! reschedule at Retry-After, retry with backoff, or park with a message an operator can
//! act on. Only the worker calls these, except `views.open`, whose trigger_id expires in 3 s.

use crate::config::SlackSettings;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use secrecy::ExposeSecret;
use slack_morphism::errors::SlackClientError;
use slack_morphism::prelude::*;
use std::future::Future;
use std::time::{Duration, Instant};

type Connector = SlackClientHyperConnector<HttpsConnector<HttpConnector>>;

#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum SlackError {
    #[error("rate limited by Slack; retry after {retry_after:?}")]
    RateLimited { retry_after: Duration },
    #[error("transient Slack failure: {0}")]
    Transient(String),
    #[error("Slack refused the call ({code}): {hint}")]
    Permanent { code: String, hint: String },
}

/// Codes that will not go away by retrying. Anything else is retried with backoff and
/// parked only after the attempts run out.
const PERMANENT_CODES: &[&str] = &[
    "channel_not_found",
    "not_in_channel",
    "is_archived",
    "invalid_auth",
    "not_authed",
    "account_inactive",
    "token_revoked",
    "token_expired",
    "missing_scope",
    "no_permission",
    "user_not_found",
    "users_not_found",
    "invalid_blocks",
    "invalid_blocks_format",
    "msg_too_long",
    "msg_blocks_too_long",
    "no_text",
    "cant_update_message",
    "message_not_found",
    "restricted_action",
    "ekm_access_denied",
    "invalid_arguments",
    "not_allowed_token_type",
    "user_not_in_channel",
    "expired_trigger_id",
    "invalid_trigger_id",
];

/// What an operator should do about a permanent error.
pub fn operator_hint(code: &str, channel: Option<&str>) -> String {
    let ch = channel.unwrap_or("the channel");
    match code {
        "not_in_channel" | "user_not_in_channel" => format!("invite the bot to {ch} (/invite @cxbot in that channel)"),
        "channel_not_found" => format!("channel {ch} does not exist or the bot cannot see it: check [channels] in the playbook and invite the bot"),
        "is_archived" => format!("{ch} is archived: unarchive it or point the playbook at another channel"),
        "invalid_auth" | "not_authed" | "token_revoked" | "token_expired" | "account_inactive" => {
            "SLACK_BOT_TOKEN is not valid: reinstall the app and set the new xoxb- token".to_string()
        }
        "missing_scope" | "no_permission" | "not_allowed_token_type" => {
            "the app lacks a scope: reinstall it from manifest.yml so Slack grants every scope cxbot needs".to_string()
        }
        "user_not_found" | "users_not_found" => "the Slack user no longer exists: update the playbook's team list".to_string(),
        _ => format!("Slack rejected the request ({code}); see the job's last_error for the payload"),
    }
}

/// Every Web API method cxbot calls, with the bot scopes Slack requires for it as cxbot
/// calls it. `cxbot check --live` asks Slack for these scopes and the manifest test holds
/// `manifest.yml` to them; a unit test below holds this list to the methods this module
/// and `live.rs` actually call. The scopes are Slack's documentation, written down here:
/// they cannot be derived from the code.
pub const WEB_API_METHODS: &[(&str, &[&str])] = &[
    // Cards, thread lines, notices, reminders, digests; cards updated in place.
    ("chat.postMessage", &["chat:write"]),
    ("chat.update", &["chat:write"]),
    ("chat.postEphemeral", &["chat:write"]),
    // The App Home tab and modals need no scope of their own.
    ("views.publish", &[]),
    ("views.open", &[]),
    // A DM with an agent (reminders, claim-lease checks).
    ("conversations.open", &["im:write"]),
    // Name and time zone; the profile's email finds a person's helpdesk agent.
    ("users.info", &["users:read", "users:read.email"]),
    // Read-back before posting a keyed message again after an attempt whose answer was lost
    // (a timeout, a reset, a crash): is it already there, under its key in the message's
    // metadata? Public channels, private ones the bot is in, DMs (`readback.rs`).
    (
        "conversations.history",
        &["channels:history", "groups:history", "im:history"],
    ),
    // The same for a thread line, in its card's thread (same scopes as history).
    (
        "conversations.replies",
        &["channels:history", "groups:history", "im:history"],
    ),
    // `cxbot check --live`: the token, the channels (public, and private ones the bot is in).
    ("auth.test", &[]),
    ("conversations.info", &["channels:read", "groups:read"]),
    ("conversations.list", &["channels:read", "groups:read"]),
    // Socket Mode's WebSocket URL: called with the app-level token (SLACK_APP_TOKEN), whose
    // connections:write scope is the app's, not the bot's.
    ("apps.connections.open", &[]),
];

/// Scopes no Web API call needs but a feature does: the `/cx` slash command, posting to
/// public channels uninvited, the reactions cxbot acts on.
pub const FEATURE_SCOPES: &[(&str, &str)] = &[
    ("commands", "the /cx slash command"),
    // Lets chat.postMessage reach a public channel the bot was not invited to.
    (
        CHAT_WRITE_PUBLIC,
        "posting to public channels without an invite",
    ),
    (
        "reactions:read",
        "the emoji workflow (reaction_added events on cards)",
    ),
];

/// The scope that lets the bot post to any public channel without being a member.
pub const CHAT_WRITE_PUBLIC: &str = "chat:write.public";

/// Every bot scope cxbot needs, sorted: those of [`WEB_API_METHODS`] and [`FEATURE_SCOPES`].
pub fn required_scopes() -> Vec<&'static str> {
    let mut scopes: Vec<&'static str> = WEB_API_METHODS
        .iter()
        .flat_map(|(_, scopes)| scopes.iter().copied())
        .chain(FEATURE_SCOPES.iter().map(|(scope, _)| *scope))
        .collect();
    scopes.sort_unstable();
    scopes.dedup();
    scopes
}

/// What needs a scope, for the fix `check --live` prints: "chat.postMessage, chat.update".
pub fn needed_by(scope: &str) -> String {
    let mut by: Vec<&str> = WEB_API_METHODS
        .iter()
        .filter(|(_, scopes)| scopes.contains(&scope))
        .map(|(method, _)| *method)
        .collect();
    by.extend(
        FEATURE_SCOPES
            .iter()
            .filter(|(s, _)| *s == scope)
            .map(|(_, what)| *what),
    );
    by.join(", ")
}

pub struct SlackApi {
    client: SlackClient<Connector>,
    pub(super) token: SlackApiToken,
    /// The app-level token (xapp-), for Socket Mode's apps.connections.open only.
    app_token: Option<SlackApiToken>,
    pub(super) timeout: Duration,
    /// The Web API base, ending in `/` (`check --live` makes one call outside slack-morphism).
    pub(super) api_url: String,
    /// User -> their DM channel, from conversations.open.
    dm_channels: std::sync::Mutex<std::collections::HashMap<String, String>>,
    /// Slack stopped cxbot (uninstalled, bot token revoked): why, and what to do. The
    /// worker sets it from the store before each batch (`service::install`); while it is
    /// set every bot-token call is refused without reaching Slack.
    stopped: std::sync::RwLock<Option<String>>,
    /// `#names` resolved to ids, as the store has them (a resolved name never changes:
    /// posts skip the read).
    pub(crate) channel_ids: std::sync::RwLock<std::collections::HashMap<String, String>>,
    /// The names that could not be resolved, each warned of once; its lock makes one
    /// process ask `conversations.list` once.
    pub(crate) unresolved_names: tokio::sync::Mutex<std::collections::HashSet<String>>,
    /// `#name` -> channel id, learnt from the answers to posts (a read-back needs the id).
    pub(super) posted_channel_ids: std::sync::Mutex<std::collections::HashMap<String, String>>,
}

/// The code of the refusal while Slack has stopped cxbot.
pub const STOPPED_CODE: &str = "app_uninstalled";

/// Where a posted message landed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Posted {
    pub channel: String,
    pub ts: String,
}

impl SlackApi {
    pub fn new(settings: &SlackSettings) -> anyhow::Result<Self> {
        let builder = match hyper_rustls::HttpsConnectorBuilder::new().with_native_roots() {
            Ok(b) => b,
            Err(e) => {
                // Only a local http:// fake Slack works without CA roots.
                tracing::warn!(error = %e, "no system CA certificates found; https calls to Slack will fail");
                let empty = rustls::ClientConfig::builder()
                    .with_root_certificates(rustls::RootCertStore::empty())
                    .with_no_client_auth();
                hyper_rustls::HttpsConnectorBuilder::new().with_tls_config(empty)
            }
        };
        let https = builder.https_or_http().enable_http1().build();
        let connector = SlackClientHyperConnector::with_connector(https)
            .with_slack_api_url(settings.api_url.trim_end_matches('/'));
        Ok(Self {
            client: SlackClient::new(connector),
            token: SlackApiToken::new(settings.bot_token.expose_secret().to_string().into()),
            app_token: settings
                .app_token
                .as_ref()
                .map(|t| SlackApiToken::new(t.expose_secret().to_string().into())),
            timeout: settings.timeout,
            api_url: settings.api_url.clone(),
            dm_channels: Default::default(),
            stopped: Default::default(),
            channel_ids: Default::default(),
            unresolved_names: Default::default(),
            posted_channel_ids: Default::default(),
        })
    }

    pub(super) fn session(&self) -> SlackClientSession<'_, Connector> {
        self.client.open_session(&self.token)
    }

    /// Whether cxbot may call Slack: `None` while it may, else why not (set by the worker
    /// from the store, where a Slack uninstall or token revocation was recorded).
    pub fn set_stopped(&self, reason: Option<String>) {
        *self.stopped.write().expect("stopped lock") = reason;
    }

    /// Refuses, with the operator's next step, while Slack has stopped cxbot.
    pub fn check_stopped(&self) -> Result<(), SlackError> {
        match self.stopped.read().expect("stopped lock").as_ref() {
            None => Ok(()),
            Some(reason) => Err(SlackError::Permanent {
                code: STOPPED_CODE.into(),
                hint: reason.clone(),
            }),
        }
    }

    pub(super) async fn call<T>(
        &self,
        method: &'static str,
        fut: impl Future<Output = ClientResult<T>>,
    ) -> Result<T, SlackError> {
        // Socket Mode's connection uses the app-level token: events (a reinstall's
        // included) keep arriving while posting is stopped.
        if method != "apps.connections.open" {
            self.check_stopped()?;
        }
        let started = Instant::now();
        let result = match tokio::time::timeout(self.timeout, fut).await {
            Err(_) => Err(SlackError::Transient(format!(
                "{method} timed out after {:?}",
                self.timeout
            ))),
            Ok(r) => r.map_err(classify),
        };
        let outcome = match &result {
            Ok(_) => "ok",
            Err(SlackError::RateLimited { .. }) => "rate_limited",
            Err(SlackError::Transient(_)) => "transient",
            Err(SlackError::Permanent { .. }) => "permanent",
        };
        metrics::counter!("cxbot_slack_api_calls_total", "method" => method, "result" => outcome)
            .increment(1);
        metrics::histogram!("cxbot_slack_api_duration_seconds", "method" => method)
            .record(started.elapsed().as_secs_f64());
        result
    }

    /// Posts a message; one with a `key` carries it in its metadata
    /// ([`super::readback::POST_METADATA_TYPE`]), so a later attempt can find it.
    pub async fn post_message(
        &self,
        channel: &str,
        key: Option<&str>,
        content: SlackMessageContent,
        thread_ts: Option<&str>,
    ) -> Result<Posted, SlackError> {
        let content = match key {
            Some(key) => content.with_metadata(super::readback::metadata(key)),
            None => content,
        };
        let req = SlackApiChatPostMessageRequest::new(channel.into(), content)
            .opt_thread_ts(thread_ts.map(Into::into));
        let res = self
            .call("chat.postMessage", self.session().chat_post_message(&req))
            .await
            .map_err(|e| with_channel(e, &self.channel_label(channel)))?;
        let posted = Posted {
            channel: res.channel.to_string(),
            ts: res.ts.to_string(),
        };
        self.learn_channel_id(channel, &posted.channel);
        Ok(posted)
    }

    pub async fn update_message(
        &self,
        channel: &str,
        ts: &str,
        content: SlackMessageContent,
    ) -> Result<(), SlackError> {
        let req = SlackApiChatUpdateRequest::new(channel.into(), content, ts.into());
        self.call("chat.update", self.session().chat_update(&req))
            .await
            .map_err(|e| with_channel(e, &self.channel_label(channel)))?;
        Ok(())
    }

    pub async fn post_ephemeral(
        &self,
        channel: &str,
        user: &str,
        content: SlackMessageContent,
    ) -> Result<(), SlackError> {
        let req = SlackApiChatPostEphemeralRequest::new(channel.into(), user.into(), content);
        self.call(
            "chat.postEphemeral",
            self.session().chat_post_ephemeral(&req),
        )
        .await
        .map_err(|e| with_channel(e, &self.channel_label(channel)))?;
        Ok(())
    }

    pub async fn publish_home(&self, user: &str, view: SlackView) -> Result<(), SlackError> {
        let req = SlackApiViewsPublishRequest::new(user.into(), view);
        self.call("views.publish", self.session().views_publish(&req))
            .await?;
        Ok(())
    }

    /// Inline only: the trigger_id is valid for 3 s.
    pub async fn open_view(&self, trigger_id: &str, view: SlackView) -> Result<(), SlackError> {
        let req = SlackApiViewsOpenRequest::new(trigger_id.into(), view);
        self.call("views.open", self.session().views_open(&req))
            .await?;
        Ok(())
    }

    /// A fresh Socket Mode WebSocket URL (apps.connections.open, with the app-level token).
    pub async fn open_socket(&self) -> Result<String, SlackError> {
        let Some(token) = &self.app_token else {
            return Err(SlackError::Permanent {
                code: "not_authed".into(),
                hint: "Socket Mode needs SLACK_APP_TOKEN (xapp-...)".into(),
            });
        };
        let req = SlackApiAppsConnectionOpenRequest::new();
        let res = self
            .call(
                "apps.connections.open",
                self.client.open_session(token).apps_connections_open(&req),
            )
            .await
            .map_err(|e| match e {
                SlackError::Permanent { code, .. } => SlackError::Permanent {
                    hint: format!("Slack refused SLACK_APP_TOKEN ({code}): set an app-level token (xapp-, Basic Information > App-Level Tokens) with the connections:write scope, and turn Socket Mode on in the app settings"),
                    code,
                },
                other => other,
            })?;
        Ok(res.url.0.to_string())
    }

    /// The DM channel with a user: asked of Slack once per user and process (a bot's DM
    /// channel with a person does not change), then remembered.
    pub async fn open_dm(&self, user: &str) -> Result<String, SlackError> {
        if let Some(channel) = self.dm_channels.lock().expect("dm cache").get(user) {
            return Ok(channel.clone());
        }
        let channel = self.ask_dm_channel(user).await?;
        let mut cache = self.dm_channels.lock().expect("dm cache");
        if cache.len() >= 10_000 {
            cache.clear();
        }
        cache.insert(user.to_string(), channel.clone());
        Ok(channel)
    }

    async fn ask_dm_channel(&self, user: &str) -> Result<String, SlackError> {
        let req = SlackApiConversationsOpenRequest::new().with_users(vec![user.into()]);
        let res = self
            .call(
                "conversations.open",
                self.session().conversations_open(&req),
            )
            .await?;
        Ok(res.channel.id.to_string())
    }

    /// A user's display name and time zone.
    pub async fn user_info(&self, user: &str) -> Result<UserInfo, SlackError> {
        let req = SlackApiUsersInfoRequest::new(user.into());
        let res = self
            .call("users.info", self.session().users_info(&req))
            .await?;
        let u = res.user;
        let display = u
            .profile
            .as_ref()
            .and_then(|p| {
                p.display_name
                    .clone()
                    .filter(|n| !n.is_empty())
                    .or_else(|| p.real_name.clone())
            })
            .or(u.real_name.clone())
            .or(u.name.clone())
            .unwrap_or_else(|| user.to_string());
        let email = u
            .profile
            .as_ref()
            .and_then(|p| p.email.as_ref())
            .map(|e| e.value().to_lowercase());
        Ok(UserInfo {
            name: display,
            tz: u.tz,
            email,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserInfo {
    pub name: String,
    pub tz: Option<String>,
    /// Needs the users:read.email scope; None without it.
    pub email: Option<String>,
}

impl SlackApi {
    /// A channel as an operator knows it: a resolved id with its playbook `#name` beside it.
    fn channel_label(&self, channel: &str) -> String {
        let ids = self.channel_ids.read().expect("ids lock");
        match ids.iter().find(|(_, id)| id.as_str() == channel) {
            Some((name, _)) => format!("#{name} ({channel})"),
            None => channel.to_string(),
        }
    }
}

fn with_channel(e: SlackError, channel: &str) -> SlackError {
    match e {
        SlackError::Permanent { code, .. } if code != STOPPED_CODE => SlackError::Permanent {
            hint: operator_hint(&code, Some(channel)),
            code,
        },
        other => other,
    }
}

fn classify(e: SlackClientError) -> SlackError {
    match e {
        SlackClientError::RateLimitError(r) => SlackError::RateLimited {
            retry_after: r.retry_after.unwrap_or(Duration::from_secs(1)),
        },
        SlackClientError::ApiError(api) => {
            if api.code == "ratelimited" {
                SlackError::RateLimited {
                    retry_after: Duration::from_secs(1),
                }
            } else if PERMANENT_CODES.contains(&api.code.as_str()) {
                SlackError::Permanent {
                    hint: operator_hint(&api.code, None),
                    code: api.code,
                }
            } else {
                SlackError::Transient(format!("Slack API error {}", api.code))
            }
        }
        SlackClientError::HttpError(h) => SlackError::Transient(format!("HTTP {}", h.status_code)),
        other => SlackError::Transient(other.to_string()),
    }
}

#[cfg(test)]
#[path = "api_tests.rs"]
mod tests;
