//! Events API payloads. Parsing is strict JSON (Slack's docs examples with trailing commas
//! are rejected); event types cxbot does not use are accepted and ignored.

use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventEnvelope {
    UrlVerification {
        challenge: String,
    },
    EventCallback(Box<EventCallback>),
    #[serde(other)]
    Other,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct EventCallback {
    pub event_id: String,
    #[serde(default)]
    pub team_id: Option<String>,
    #[serde(default)]
    pub event_time: Option<i64>,
    pub event: SlackEvent,
}

/// Someone opened the app's App Home (its Home tab: cxbot publishes it fresh).
pub const APP_HOME_OPENED: &str = "app_home_opened";

/// The app was uninstalled from the workspace: cxbot stops posting (`service::install`).
pub const APP_UNINSTALLED: &str = "app_uninstalled";
/// Tokens were revoked; when the bot's token is among them, cxbot stops posting.
pub const TOKENS_REVOKED: &str = "tokens_revoked";
/// Someone reacted to a message: on a card, 👀 claims, ✅ marks done, 🚨 escalates.
pub const REACTION_ADDED: &str = "reaction_added";

/// The bot events cxbot acts on; manifest.yml subscribes to exactly these (its test
/// compares). Any other event that arrives is acknowledged and ignored.
pub const SUBSCRIBED_EVENTS: &[&str] = &[
    APP_HOME_OPENED,
    APP_UNINSTALLED,
    TOKENS_REVOKED,
    REACTION_ADDED,
];

/// The fields cxbot reads from an inner event.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SlackEvent {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default)]
    pub tab: Option<String>,
    #[serde(default)]
    pub subtype: Option<String>,
    #[serde(default)]
    pub bot_id: Option<String>,
    #[serde(default)]
    pub channel: Option<String>,
    /// reaction_added: the emoji's name ("eyes", "white_check_mark", "+1::skin-tone-2").
    #[serde(default)]
    pub reaction: Option<String>,
    /// reaction_added: what was reacted to (`{"type": "message", "channel", "ts"}`).
    #[serde(default)]
    pub item: Option<ReactedItem>,
    /// tokens_revoked: the user ids whose tokens went, by kind.
    #[serde(default)]
    pub tokens: Option<RevokedTokens>,
}

/// The message a reaction was added to (files and file comments have no channel and ts).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ReactedItem {
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub channel: Option<String>,
    #[serde(default)]
    pub ts: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct RevokedTokens {
    #[serde(default)]
    pub oauth: Vec<String>,
    #[serde(default)]
    pub bot: Vec<String>,
}

impl SlackEvent {
    /// Messages from bots (ourselves included) never trigger anything: no loops.
    pub fn is_from_bot(&self) -> bool {
        self.bot_id.is_some() || self.subtype.as_deref() == Some("bot_message")
    }

    /// What the service acts on: an App Home opened on its Home tab, by a person; the app
    /// uninstalled, or its bot token revoked (a user's token alone changes nothing); a
    /// reaction a person added to a message, with an emoji of the card workflow.
    pub fn as_service_event(&self) -> crate::service::events::SlackEvent<'_> {
        use crate::domain::claim::CardReaction;
        use crate::service::events::SlackEvent as E;
        use crate::service::install::Stop;
        match (self.kind.as_str(), &self.user, self.tab.as_deref()) {
            (APP_HOME_OPENED, Some(user), Some("home")) if !self.is_from_bot() => {
                E::HomeOpened { user }
            }
            (APP_UNINSTALLED, _, _) => E::Stopped(Stop::Uninstalled),
            (TOKENS_REVOKED, _, _) if self.tokens.as_ref().is_some_and(|t| !t.bot.is_empty()) => {
                E::Stopped(Stop::TokensRevoked)
            }
            (REACTION_ADDED, Some(user), _) if !self.is_from_bot() => {
                let item = self.item.as_ref();
                let on_message = item.and_then(|i| i.kind.as_deref()) == Some("message");
                match (
                    self.reaction.as_deref().and_then(CardReaction::from_emoji),
                    item.and_then(|i| i.channel.as_deref()),
                    item.and_then(|i| i.ts.as_deref()),
                ) {
                    (Some(reaction), Some(channel), Some(ts)) if on_message => E::Reacted {
                        user,
                        reaction,
                        channel,
                        ts,
                    },
                    _ => E::Other,
                }
            }
            _ => E::Other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> String {
        crate::slack::payload_fixture(name)
    }

    #[test]
    fn url_verification_parses() {
        let env: EventEnvelope = serde_json::from_str(&fixture("url_verification.json")).unwrap();
        assert_eq!(
            env,
            EventEnvelope::UrlVerification {
                challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P".into()
            }
        );
    }

    #[test]
    fn app_mention_and_bot_message() {
        let EventEnvelope::EventCallback(cb) =
            serde_json::from_str(&fixture("event_callback.app_mention.java_sdk.json")).unwrap()
        else {
            panic!("not a callback")
        };
        assert_eq!(cb.event_id, "EvV1KV8BM3");
        assert_eq!(cb.event.kind, "app_mention");
        assert_eq!(cb.event.user.as_deref(), Some("U234"));
        assert!(!cb.event.is_from_bot());
        let EventEnvelope::EventCallback(bot) = serde_json::from_str(&fixture(
            "event_callback.app_mention_bot_message.java_sdk.json",
        ))
        .unwrap() else {
            panic!("not a callback")
        };
        assert!(bot.event.is_from_bot());
    }

    #[test]
    fn app_home_opened_from_an_org_install() {
        let EventEnvelope::EventCallback(cb) =
            serde_json::from_str(&fixture("event_callback.app_home_opened.bolt_python.json"))
                .unwrap()
        else {
            panic!("not a callback")
        };
        assert_eq!(cb.event.kind, "app_home_opened");
        assert_eq!(cb.event.tab.as_deref(), Some("messages"));
    }

    fn event(kind: &str) -> SlackEvent {
        SlackEvent {
            kind: kind.to_string(),
            user: Some("U0AGENT01".into()),
            tab: Some("home".into()),
            subtype: None,
            bot_id: None,
            channel: Some("C0QUEUE01".into()),
            reaction: Some("eyes".into()),
            item: Some(ReactedItem {
                kind: Some("message".into()),
                channel: Some("C0QUEUE01".into()),
                ts: Some("1700000000.000001".into()),
            }),
            tokens: Some(RevokedTokens {
                oauth: vec![],
                bot: vec!["U0CXBOT01".into()],
            }),
        }
    }

    /// Each subscribed event is one the service acts on (with what it needs: a person, and
    /// for App Home its Home tab).
    #[test]
    fn every_subscribed_event_is_acted_on() {
        for kind in SUBSCRIBED_EVENTS {
            let event = event(kind);
            assert_ne!(
                event.as_service_event(),
                crate::service::events::SlackEvent::Other,
                "{kind} is subscribed but does nothing"
            );
        }
    }

    /// Slack's documented payloads of the events cxbot subscribes to.
    #[test]
    fn uninstall_revocation_and_reaction_payloads_parse() {
        use crate::domain::claim::CardReaction;
        use crate::service::events::SlackEvent as E;
        use crate::service::install::Stop;
        let parse = |v: serde_json::Value| -> SlackEvent {
            let EventEnvelope::EventCallback(cb) = serde_json::from_value(v).unwrap() else {
                panic!("not a callback")
            };
            cb.event
        };
        let callback = |event: serde_json::Value| serde_json::json!({"type": "event_callback", "event_id": "Ev1", "team_id": "T1", "event": event});
        let uninstalled = parse(callback(serde_json::json!({"type": "app_uninstalled"})));
        assert_eq!(
            uninstalled.as_service_event(),
            E::Stopped(Stop::Uninstalled)
        );
        let revoked = parse(callback(
            serde_json::json!({"type": "tokens_revoked", "tokens": {"oauth": ["U1"], "bot": ["U2"]}}),
        ));
        assert_eq!(revoked.as_service_event(), E::Stopped(Stop::TokensRevoked));
        // Only a person's token: the bot still posts.
        let users_only = parse(callback(
            serde_json::json!({"type": "tokens_revoked", "tokens": {"oauth": ["U1"]}}),
        ));
        assert_eq!(users_only.as_service_event(), E::Other);
        let reacted = parse(callback(serde_json::json!({
            "type": "reaction_added", "user": "U024BE7LH", "reaction": "white_check_mark",
            "item_user": "U0G9QF9C6", "event_ts": "1360782804.083113",
            "item": {"type": "message", "channel": "C0G9QF9GZ", "ts": "1360782400.498405"}
        })));
        assert_eq!(
            reacted.as_service_event(),
            E::Reacted {
                user: "U024BE7LH",
                reaction: CardReaction::Done,
                channel: "C0G9QF9GZ",
                ts: "1360782400.498405"
            }
        );
        let mut other_emoji = event(REACTION_ADDED);
        other_emoji.reaction = Some("tada".into());
        assert_eq!(other_emoji.as_service_event(), E::Other);
        let mut from_bot = event(REACTION_ADDED);
        from_bot.bot_id = Some("B1".into());
        assert_eq!(from_bot.as_service_event(), E::Other);
        let mut on_file = event(REACTION_ADDED);
        on_file.item = Some(ReactedItem {
            kind: Some("file".into()),
            channel: None,
            ts: None,
        });
        assert_eq!(on_file.as_service_event(), E::Other);
    }

    #[test]
    fn docs_examples_with_trailing_commas_are_rejected() {
        let text = fixture("event_callback.app_mention.slack_docs.verbatim.txt");
        assert!(serde_json::from_str::<EventEnvelope>(&text).is_err());
    }
}
