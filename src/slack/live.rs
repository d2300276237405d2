//! `cxbot check --live`: asks Slack whether what the playbook and the features assume is
//! true. The token works (`auth.test`); every scope in [`required_scopes`] is granted
//! (Slack lists a token's scopes in the `x-oauth-scopes` header of any call, which
//! slack-morphism does not expose, so one plain GET of `auth.test` reads it); each channel
//! the playbook names exists, is not archived, and has the bot in it (`conversations.info`
//! for an id; `#names` are looked up in `conversations.list`, paged): a public channel
//! without the bot is fine when `chat:write.public` is granted, and only a warning when
//! the granted scopes cannot be read. Each problem is named with its fix.

use super::api::{needed_by, required_scopes, SlackApi, SlackError, CHAT_WRITE_PUBLIC};
use crate::config::Playbook;
use slack_morphism::prelude::*;
use std::collections::BTreeMap;

/// Who the token is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BotIdentity {
    pub user_id: String,
    /// The bot's user name ("cxbot"), for "/invite @cxbot".
    pub user: Option<String>,
    pub team: String,
}

/// What Slack says about one channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelStatus {
    pub id: String,
    pub name: Option<String>,
    pub is_member: bool,
    pub is_archived: bool,
    pub is_private: bool,
}

impl From<SlackChannelInfo> for ChannelStatus {
    fn from(c: SlackChannelInfo) -> Self {
        Self {
            id: c.id.to_string(),
            name: c.name,
            is_member: c.flags.is_member.unwrap_or(false),
            is_archived: c.flags.is_archived.unwrap_or(false),
            is_private: c.flags.is_private.unwrap_or(false),
        }
    }
}

impl SlackApi {
    /// `auth.test`: is the token valid, and whose is it.
    pub async fn auth_test(&self) -> Result<BotIdentity, SlackError> {
        let res = self.call("auth.test", self.session().auth_test()).await?;
        Ok(BotIdentity {
            user_id: res.user_id.to_string(),
            user: res.user,
            team: res.team,
        })
    }

    /// The scopes Slack granted the token: the `x-oauth-scopes` header of a plain GET of
    /// `auth.test`. None when Slack sent no such header.
    pub async fn granted_scopes(&self) -> Result<Option<Vec<String>>, SlackError> {
        let client = reqwest::Client::builder()
            .timeout(self.timeout)
            .build()
            .map_err(|e| SlackError::Transient(format!("cannot build an HTTP client: {e}")))?;
        let res = self
            .raw_get(&client, "auth.test")
            .send()
            .await
            .map_err(|e| SlackError::Transient(format!("auth.test: {e}")))?;
        if res.status() == reqwest::StatusCode::TOO_MANY_REQUESTS {
            return Err(SlackError::RateLimited {
                retry_after: std::time::Duration::from_secs(1),
            });
        }
        if !res.status().is_success() {
            return Err(SlackError::Transient(format!(
                "auth.test: HTTP {}",
                res.status()
            )));
        }
        let scopes = res
            .headers()
            .get("x-oauth-scopes")
            .and_then(|v| v.to_str().ok())
            .map(|v| {
                v.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect()
            });
        Ok(scopes)
    }

    /// A GET of a Web API method outside slack-morphism, for what it does not expose (a
    /// response header).
    fn raw_get(&self, client: &reqwest::Client, method: &'static str) -> reqwest::RequestBuilder {
        client
            .get(format!("{}{method}", self.api_url))
            .bearer_auth(self.token.token_value.value())
    }

    /// `conversations.info` for a channel id.
    pub async fn channel_info(&self, id: &str) -> Result<ChannelStatus, SlackError> {
        let req = SlackApiConversationsInfoRequest::new(id.into());
        let res = self
            .call(
                "conversations.info",
                self.session().conversations_info(&req),
            )
            .await?;
        Ok(res.channel.into())
    }

    /// Every channel the token can see (public ones, and private ones the bot is in),
    /// archived included, following `next_cursor` to the last page.
    pub async fn list_channels(&self) -> Result<Vec<ChannelStatus>, SlackError> {
        let mut all = Vec::new();
        let mut cursor: Option<SlackCursorId> = None;
        // Slack pages at most 1,000 at a time; 100 pages is a workspace of 100,000 channels.
        for _ in 0..100 {
            let req = SlackApiConversationsListRequest::new()
                .with_limit(1_000)
                .with_exclude_archived(false)
                .with_types(vec![
                    SlackConversationType::Public,
                    SlackConversationType::Private,
                ])
                .opt_cursor(cursor.clone());
            let res = self
                .call(
                    "conversations.list",
                    self.session().conversations_list(&req),
                )
                .await?;
            all.extend(res.channels.into_iter().map(ChannelStatus::from));
            cursor = res
                .response_metadata
                .and_then(|m| m.next_cursor)
                .filter(|c| !c.value().is_empty());
            if cursor.is_none() {
                break;
            }
        }
        Ok(all)
    }
}

/// One thing wrong, and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveProblem {
    pub what: String,
    pub fix: String,
}

/// What `check --live` found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LiveReport {
    pub identity: Option<BotIdentity>,
    /// The granted scopes, when Slack said.
    pub scopes: Option<Vec<String>>,
    /// Channels checked and found in order (playbook label, channel).
    pub channels_ok: Vec<(String, String)>,
    /// Public channels without the bot, which it posts to with chat:write.public.
    pub channels_public: Vec<(String, String)>,
    pub problems: Vec<LiveProblem>,
    /// What may be wrong but could not be told (the check still passes).
    pub warnings: Vec<LiveProblem>,
}

impl LiveReport {
    fn problem(&mut self, what: impl Into<String>, fix: impl Into<String>) {
        self.problems.push(LiveProblem {
            what: what.into(),
            fix: fix.into(),
        });
    }
}

/// Every channel the playbook names, each once, with the keys that name it:
/// `[channels]` and the escalation targets given as a channel rather than a key.
pub fn playbook_channels(pb: &Playbook) -> Vec<(String, String)> {
    let mut by_channel: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (key, channel) in &pb.channels {
        by_channel
            .entry(channel.clone())
            .or_default()
            .push(format!("channels.{key}"));
    }
    for t in pb.escalation.all() {
        if pb.channel(&t.channel).is_none() {
            if let Some(channel) = pb.resolve_channel(&t.channel) {
                by_channel
                    .entry(channel)
                    .or_default()
                    .push(format!("escalation ({})", t.key));
            }
        }
    }
    by_channel
        .into_iter()
        .map(|(channel, labels)| (labels.join(", "), channel))
        .collect()
}

/// Asks Slack. Stops after `auth.test` when the token does not work (nothing else can).
pub async fn check(api: &SlackApi, pb: &Playbook) -> LiveReport {
    let mut report = LiveReport::default();
    match api.auth_test().await {
        Ok(id) => report.identity = Some(id),
        Err(e) => {
            let fix = match &e {
                SlackError::Permanent { hint, .. } => hint.clone(),
                _ => "check SLACK_API_URL and the network, then run again".to_string(),
            };
            report.problem(format!("auth.test failed: {e}"), fix);
            return report;
        }
    }
    let bot = report
        .identity
        .as_ref()
        .and_then(|i| i.user.clone())
        .unwrap_or_else(|| "cxbot".to_string());

    match api.granted_scopes().await {
        Ok(Some(granted)) => {
            for scope in required_scopes() {
                if !granted.iter().any(|g| g == scope) {
                    report.problem(
                        format!("scope {scope} is not granted (needed by {})", needed_by(scope)),
                        format!("add the scope {scope} and reinstall the app (manifest.yml lists every scope cxbot needs: update the app from it, then Install to Workspace)"),
                    );
                }
            }
            report.scopes = Some(granted);
        }
        Ok(None) => report.problem(
            "Slack sent no x-oauth-scopes header, so the granted scopes could not be checked",
            "compare the app's OAuth & Permissions page with manifest.yml's bot scopes",
        ),
        Err(e) => report.problem(
            format!("the granted scopes could not be read: {e}"),
            "run again; if it persists, compare the app's OAuth & Permissions page with manifest.yml",
        ),
    }

    let channels = playbook_channels(pb);
    let wants_names = channels.iter().any(|(_, c)| c.starts_with('#'));
    let listed = if wants_names {
        Some(api.list_channels().await)
    } else {
        None
    };
    for (label, channel) in channels {
        let found = match channel.strip_prefix('#') {
            Some(name) => match listed.as_ref().expect("listed when any #name") {
                Ok(all) => match all.iter().find(|c| c.name.as_deref() == Some(name)) {
                    Some(c) => Ok(c.clone()),
                    None => {
                        report.problem(
                            format!("{label}: {channel} was not found (it does not exist, or it is private and the bot is not in it)"),
                            format!("create {channel}, or fix the name in the playbook; for a private channel, invite the bot: /invite @{bot} in {channel}"),
                        );
                        continue;
                    }
                },
                Err(e) => {
                    report.problem(
                        format!("{label}: {channel} could not be checked: conversations.list failed ({e})"),
                        "give the playbook the channel's id (C0123ABCD, in the channel's details), or grant the scope the error names and reinstall the app".to_string(),
                    );
                    continue;
                }
            },
            None => api.channel_info(&channel).await,
        };
        match found {
            Ok(c) if c.is_archived => report.problem(
                format!("{label}: {channel} is archived"),
                format!("unarchive {channel} or point the playbook at another channel"),
            ),
            Ok(c) if !c.is_member => {
                let shown = display(&channel, &c);
                let posts_uninvited = report
                    .scopes
                    .as_ref()
                    .map(|granted| granted.iter().any(|g| g == CHAT_WRITE_PUBLIC));
                match (c.is_private, posts_uninvited) {
                    (false, Some(true)) => report.channels_public.push((label, shown)),
                    (false, None) => report.warnings.push(LiveProblem {
                        what: format!("{label}: the bot is not a member of {shown}; it can post there only with the {CHAT_WRITE_PUBLIC} scope, and the granted scopes could not be read"),
                        fix: format!("check that {CHAT_WRITE_PUBLIC} is granted (OAuth & Permissions), or invite the bot: /invite @{bot} in {shown}"),
                    }),
                    (false, Some(false)) => report.problem(
                        format!("{label}: the bot is not a member of {shown}"),
                        format!("invite the bot: /invite @{bot} in {shown} (or grant {CHAT_WRITE_PUBLIC} and reinstall the app: public channels then need no invite)"),
                    ),
                    (true, _) => report.problem(
                        format!("{label}: the bot is not a member of {shown}"),
                        format!("invite the bot: /invite @{bot} in {shown} (a private channel needs the invite whatever the scopes)"),
                    ),
                }
            }
            Ok(c) => report.channels_ok.push((label, display(&channel, &c))),
            Err(SlackError::Permanent { code, .. }) if code == "channel_not_found" => report
                .problem(
                    format!("{label}: channel {channel} was not found"),
                    format!("check the id in the playbook's [channels] (a channel's id is in its details); for a private channel, invite the bot first: /invite @{bot}"),
                ),
            Err(SlackError::Permanent { code, hint }) => report.problem(
                format!("{label}: conversations.info on {channel} failed ({code})"),
                hint,
            ),
            Err(e) => report.problem(
                format!("{label}: {channel} could not be checked: {e}"),
                "run again",
            ),
        }
    }
    report
}

/// `#cx-queue (C0123)` when both are known.
fn display(channel: &str, c: &ChannelStatus) -> String {
    match &c.name {
        Some(name) if !channel.starts_with('#') => format!("#{name} ({channel})"),
        _ => channel.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn playbook_channels_are_listed_once_with_every_key_naming_them() {
        let pb = Playbook::parse(crate::config::playbook::EXAMPLE_PLAYBOOK).unwrap();
        let channels = playbook_channels(&pb);
        let queue = channels.iter().find(|(_, c)| c == "#cx-queue").unwrap();
        assert_eq!(queue.0, "channels.queue");
        // The example's named targets are channels of their own.
        assert!(
            channels
                .iter()
                .any(|(l, c)| c == "#dev-support" && l.starts_with("escalation")),
            "{channels:?}"
        );
        let mut seen: Vec<&String> = channels.iter().map(|(_, c)| c).collect();
        seen.dedup();
        assert_eq!(seen.len(), channels.len());
    }
}
