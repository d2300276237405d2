//! The Slack install: when Slack says the app was uninstalled (`app_uninstalled`) or its
//! bot token revoked (`tokens_revoked`), cxbot stops posting. The stop is a row in the
//! store, so every replica's worker sees it: before each batch the worker reads it
//! ([`stop_reason`]) and the Slack client refuses every Web API call with its reason, so
//! each job that would call Slack is parked at once, with what to do, instead of failing
//! eight times. Intake, timers and helpdesk write-back go on: nothing is lost.
//!
//! Resuming is the operator's act, as the reason says: reinstall the app (and set the new
//! `SLACK_BOT_TOKEN` if Slack issued one), then `cxbot jobs retry --all`, which clears the
//! stop ([`resume`]) and requeues the parked jobs. Nothing clears it on its own: a stale
//! token must not start posting again by surprise, and a retry before the reinstall only
//! parks the jobs again, at once, with Slack's own `invalid_auth`.

use super::{Result, Services};
use crate::db::{SharedStore, SlackStopRow};

/// Why Slack stopped cxbot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    Uninstalled,
    /// The bot's token was revoked (a person's token alone does not stop cxbot).
    TokensRevoked,
}

impl Stop {
    pub fn event(self) -> &'static str {
        match self {
            Stop::Uninstalled => "app_uninstalled",
            Stop::TokensRevoked => "tokens_revoked",
        }
    }
}

/// Records the stop (the first one is kept: its time is when posting stopped).
pub async fn record_stop(services: &Services, stop: Stop) -> Result<()> {
    let now = services.now_ms();
    if services.store.record_slack_stop(stop.event(), now).await? {
        tracing::error!(
            event = stop.event(),
            "Slack stopped cxbot: every job that would call Slack is parked until the app is reinstalled and `cxbot jobs retry --all` runs"
        );
    }
    Ok(())
}

/// What a parked job says, while posting is stopped; None while cxbot may post.
pub async fn stop_reason(store: &SharedStore) -> Result<Option<String>> {
    Ok(store.slack_stop().await?.map(|s| reason(&s)))
}

/// "the app was uninstalled from the workspace on 2026-12-06 12:00 UTC: reinstall it, then
/// `cxbot jobs retry --all`".
pub fn reason(stop: &SlackStopRow) -> String {
    let when = crate::clock::from_ms(stop.at).format("%Y-%m-%d %H:%M UTC");
    match stop.event.as_str() {
        "tokens_revoked" => format!(
            "the bot token was revoked on {when}: reinstall the app (set SLACK_BOT_TOKEN to the new xoxb- token if it changed), then `cxbot jobs retry --all`"
        ),
        _ => format!(
            "the app was uninstalled from the workspace on {when}: reinstall it, then `cxbot jobs retry --all`"
        ),
    }
}

/// Posting may resume (`cxbot jobs retry`): the stop that was cleared, if any.
pub async fn resume(store: &SharedStore) -> Result<Option<SlackStopRow>> {
    Ok(store.clear_slack_stop().await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reason_says_when_and_what_to_do() {
        let at = chrono::DateTime::parse_from_rfc3339("2026-12-06T12:00:00Z")
            .unwrap()
            .timestamp_millis();
        let uninstalled = reason(&SlackStopRow {
            event: "app_uninstalled".into(),
            at,
        });
        assert_eq!(
            uninstalled,
            "the app was uninstalled from the workspace on 2026-12-06 12:00 UTC: reinstall it, then `cxbot jobs retry --all`"
        );
        let revoked = reason(&SlackStopRow {
            event: "tokens_revoked".into(),
            at,
        });
        assert!(revoked.starts_with("the bot token was revoked on 2026-12-06 12:00 UTC"));
        assert!(revoked.ends_with("`cxbot jobs retry --all`"));
    }
}
