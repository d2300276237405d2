//! Events API payloads. Parsing is strict JSON (Slack's docs examples with trailing commas
//! are rejected); event types cxbot does not use are accepted and ignored.

use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventEnvelope {
    UrlVerification {
        challenge: String,
    },
    EventCallback(EventCallback),
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

/// The bot events cxbot acts on; manifest.yml subscribes to exactly these (its test
/// compares). Any other event that arrives is acknowledged and ignored.
pub const SUBSCRIBED_EVENTS: &[&str] = &[APP_HOME_OPENED];

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
}

impl SlackEvent {
    /// Messages from bots (ourselves included) never trigger anything: no loops.
    pub fn is_from_bot(&self) -> bool {
        self.bot_id.is_some() || self.subtype.as_deref() == Some("bot_message")
    }

    /// What the service acts on: an App Home opened on its Home tab, by a person.
    pub fn as_service_event(&self) -> crate::service::events::SlackEvent<'_> {
        use crate::service::events::SlackEvent as E;
        match (self.kind.as_str(), &self.user, self.tab.as_deref()) {
            (APP_HOME_OPENED, Some(user), Some("home")) if !self.is_from_bot() => {
                E::HomeOpened { user }
            }
            _ => E::Other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> String {
        std::fs::read_to_string(format!(
            "{}/tests/fixtures/slack/payloads/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
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

    /// Each subscribed event is one the service acts on (with what it needs: a person, and
    /// for App Home its Home tab).
    #[test]
    fn every_subscribed_event_is_acted_on() {
        for kind in SUBSCRIBED_EVENTS {
            let event = SlackEvent {
                kind: kind.to_string(),
                user: Some("U0AGENT01".into()),
                tab: Some("home".into()),
                subtype: None,
                bot_id: None,
                channel: Some("C0QUEUE01".into()),
            };
            assert_ne!(
                event.as_service_event(),
                crate::service::events::SlackEvent::Other,
                "{kind} is subscribed but does nothing"
            );
        }
    }

    #[test]
    fn docs_examples_with_trailing_commas_are_rejected() {
        let text = fixture("event_callback.app_mention.slack_docs.verbatim.txt");
        assert!(serde_json::from_str::<EventEnvelope>(&text).is_err());
    }
}
