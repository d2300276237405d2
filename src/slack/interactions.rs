//! Interactivity payloads (`block_actions`, `view_submission`) and their dispatch by
//! action id. An unknown action id is acknowledged and logged, never a 5xx: it usually
//! means a button on an old message whose feature was removed.

use crate::app::AppState;
use crate::domain::claim::Source;
use crate::jobs::enqueue::{self, SlackCall};
use crate::service::claim::{self, Actor};
use crate::service::{checkins, followup, lease, notify, Error};
use crate::slack::actions::{
    parse_checkin_value, parse_hand_to_value, parse_lease_value, ActionId, CALLED_BACK_MODAL,
    ESCALATE_MODAL, RECORD_CALLER_MODAL,
};
use crate::slack::modals::{
    on_called_back_submit, on_escalate_submit, on_record_caller_submit, open_called_back_modal,
    open_escalate_modal, open_record_caller_modal,
};
use crate::slack::views;
use crate::slack::views::followup::parse_step_value;
use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Interaction {
    BlockActions(BlockActions),
    ViewSubmission(ViewSubmission),
    #[serde(other)]
    Other,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct UserRef {
    pub id: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ChannelRef {
    pub id: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct MessageRef {
    pub ts: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ActionPayload {
    pub action_id: String,
    #[serde(default)]
    pub block_id: Option<String>,
    #[serde(default)]
    pub value: Option<String>,
    /// A select's choice.
    #[serde(default)]
    pub selected_option: Option<SelectedOption>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SelectedOption {
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct BlockActions {
    pub user: UserRef,
    #[serde(default)]
    pub trigger_id: Option<String>,
    #[serde(default)]
    pub response_url: Option<String>,
    #[serde(default)]
    pub channel: Option<ChannelRef>,
    #[serde(default)]
    pub message: Option<MessageRef>,
    #[serde(default)]
    pub actions: Vec<ActionPayload>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ViewSubmission {
    pub user: UserRef,
    pub view: SubmittedView,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SubmittedView {
    #[serde(default)]
    pub callback_id: Option<String>,
    #[serde(default)]
    pub private_metadata: Option<String>,
    #[serde(default)]
    pub state: Option<serde_json::Value>,
}

impl SubmittedView {
    /// The value of a plain text input, or the selected option of a select.
    pub fn input(&self, block: &str, action: &str) -> Option<String> {
        let v = self
            .state
            .as_ref()?
            .get("values")?
            .get(block)?
            .get(action)?;
        v.get("value")
            .and_then(|s| s.as_str())
            .or_else(|| v.get("selected_option")?.get("value")?.as_str())
            .map(str::to_string)
    }
}

/// The form body Slack posts: one field, `payload`, holding JSON.
#[derive(Debug, Deserialize)]
pub struct InteractionForm {
    pub payload: String,
}

/// What the HTTP layer sends back.
#[derive(Debug, Clone, PartialEq)]
pub enum InteractionResponse {
    /// 200 with an empty body.
    Ack,
    /// 200 with a JSON body (e.g. view_submission errors).
    Json(serde_json::Value),
    /// A request that would change something, seen before: refused (HTTP's 401).
    Replayed,
}

/// Whether the interaction asks for anything cxbot does (a known button or select, a known
/// modal's submission): a replay of such a request is refused. An unknown action id or
/// callback is acknowledged and ignored, the same the second time.
pub fn acts(interaction: &Interaction) -> bool {
    match interaction {
        Interaction::BlockActions(ba) => ba
            .actions
            .iter()
            .any(|a| ActionId::parse(&a.action_id).is_some()),
        Interaction::ViewSubmission(vs) => matches!(
            vs.view.callback_id.as_deref(),
            Some(ESCALATE_MODAL | CALLED_BACK_MODAL | RECORD_CALLER_MODAL)
        ),
        Interaction::Other => false,
    }
}

/// Acknowledges an interaction [`acts`] is false for: nothing is run, and it is logged (an
/// unknown action id at most once a minute, see [`warn_unknown_action`]).
pub fn ignore(interaction: &Interaction, now_ms: i64) {
    match interaction {
        Interaction::BlockActions(ba) => {
            for action in &ba.actions {
                warn_unknown_action(&action.action_id, &ba.user.id, now_ms);
            }
        }
        Interaction::ViewSubmission(vs) => warn_unknown_view(vs.view.callback_id.as_deref()),
        Interaction::Other => {}
    }
}

fn warn_unknown_view(callback_id: Option<&str>) {
    tracing::warn!(callback_id = ?callback_id, "unknown view submission; acknowledged and ignored");
}

/// Runs what each action asks for. Slow work is enqueued; only views.open runs inline.
pub async fn dispatch(state: &AppState, interaction: Interaction) -> InteractionResponse {
    match interaction {
        Interaction::BlockActions(ba) => {
            for action in &ba.actions {
                on_action(state, &ba, action).await;
            }
            InteractionResponse::Ack
        }
        Interaction::ViewSubmission(vs) => match vs.view.callback_id.as_deref() {
            Some(ESCALATE_MODAL) => on_escalate_submit(state, &vs).await,
            Some(CALLED_BACK_MODAL) => on_called_back_submit(state, &vs).await,
            Some(RECORD_CALLER_MODAL) => on_record_caller_submit(state, &vs).await,
            other => {
                warn_unknown_view(other);
                InteractionResponse::Ack
            }
        },
        Interaction::Other => InteractionResponse::Ack,
    }
}

async fn on_action(state: &AppState, ba: &BlockActions, action: &ActionPayload) {
    let services = &state.services;
    let user = ba.user.id.as_str();
    let channel = ba.channel.as_ref().map(|c| c.id.as_str());
    let source = if channel.is_some() {
        Source::Button
    } else {
        Source::Home
    };
    let actor = Actor { user, source };
    let ticket_id = action.value.as_deref().and_then(|v| v.parse::<i64>().ok());
    let lease = action.value.as_deref().and_then(parse_lease_value);
    let result = match (ActionId::parse(&action.action_id), ticket_id, lease) {
        (Some(ActionId::HomeHelp), _, _) => {
            if let Some(trigger) = &ba.trigger_id {
                let view = views::home::help_modal(crate::slack::commands::USAGE);
                if let Err(e) = state.slack.open_view(trigger, view).await {
                    tracing::warn!(error = %e, "views.open for help failed");
                }
            }
            return;
        }
        (Some(ActionId::Claim), Some(id), _) => {
            claim::claim(services, id, actor).await.map(|_| None)
        }
        (Some(ActionId::Release), Some(id), _) => {
            claim::release(services, id, actor).await.map(|_| None)
        }
        (Some(ActionId::RecordCaller), Some(id), _) => {
            open_record_caller_modal(state, ba, id).await.map(|_| None)
        }
        (Some(ActionId::CalledBack), Some(id), _) => {
            open_called_back_modal(state, ba, id).await.map(|_| None)
        }
        (Some(ActionId::Escalate), Some(id), _) => {
            open_escalate_modal(state, ba, id).await.map(|_| None)
        }
        (Some(ActionId::LeaseKeep), _, Some((id, seq))) => {
            lease::keep(services, id, seq, actor).await.map(|_| None)
        }
        (Some(ActionId::LeaseRelease), _, Some((id, seq))) => {
            lease::release_from_lease(services, id, seq, actor)
                .await
                .map(|o| Some(views::claim::outcome(&o)))
        }
        (
            Some(
                a @ (ActionId::FollowupDone | ActionId::FollowupReplied | ActionId::FollowupSnooze),
            ),
            _,
            _,
        ) => match action.value.as_deref().and_then(parse_step_value) {
            Some((id, rev, step)) => match a {
                ActionId::FollowupDone => {
                    followup::done(services, id, actor, None, Some((rev, step))).await
                }
                ActionId::FollowupReplied => followup::stop(services, id, actor, true).await,
                _ => followup::snooze(services, id, actor, (rev, step)).await,
            }
            .map(|o| Some(views::followup::outcome(&o))),
            None => {
                tracing::warn!(value = ?action.value, "follow-up button with a malformed value; ignored");
                return;
            }
        },
        (Some(ActionId::CheckedIn), _, _) => {
            match action.value.as_deref().and_then(parse_checkin_value) {
                Some((day, name)) => checkins::checked_in(services, user, day, name)
                    .await
                    .map(|done| Some(views::shift::checked_in(name, done))),
                None => {
                    tracing::warn!(value = ?action.value, "check-in button with a malformed value; ignored");
                    return;
                }
            }
        }
        (Some(ActionId::DirectiveAck), Some(id), _) => {
            crate::service::directives::acknowledge(services, id, user)
                .await
                .map(|o| Some(views::directive::outcome(&o)))
        }
        (Some(ActionId::HandTo), _, _) => {
            let chosen = action.selected_option.as_ref().map(|o| o.value.as_str());
            match chosen.and_then(parse_hand_to_value) {
                Some((id, to)) => claim::hand_off(services, id, actor, to)
                    .await
                    .map(|o| Some(views::claim::outcome(&o))),
                None => {
                    tracing::warn!(option = ?chosen, "hand-off with a malformed option; ignored");
                    return;
                }
            }
        }
        (Some(a), _, _) => {
            tracing::warn!(action_id = a.as_str(), value = ?action.value, "button with a malformed value; ignored");
            return;
        }
        (None, _, _) => {
            warn_unknown_action(&action.action_id, user, services.now_ms());
            return;
        }
    };
    let reply = match result {
        Ok(None) => return,
        Ok(Some(reply)) => reply,
        Err(Error::Refused(r)) => views::refused(&r),
        Err(e) => {
            tracing::error!(error = %e, action_id = %action.action_id, "button failed");
            views::internal_error()
        }
    };
    let call = SlackCall::tell(user, channel, reply.text, reply.blocks);
    let job = enqueue::rendered(call, services.now_ms());
    if let Err(e) = notify::tell(services, &[job]).await {
        tracing::error!(error = %e, "could not queue the reply to a button");
    }
}

/// An unknown action id is logged at most once a minute, with how many clicks came in
/// since the last line: a flood of clicks on an old message's button (or a client replaying
/// one) costs no log line, and no write to the log, each.
fn warn_unknown_action(action_id: &str, user: &str, now_ms: i64) {
    use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::Relaxed};
    static NEXT_LINE_AT: AtomicI64 = AtomicI64::new(i64::MIN);
    static SINCE: AtomicU64 = AtomicU64::new(0);
    let next = NEXT_LINE_AT.load(Relaxed);
    let due = now_ms >= next
        && NEXT_LINE_AT
            .compare_exchange(next, now_ms.saturating_add(60_000), Relaxed, Relaxed)
            .is_ok();
    if due {
        let unlogged = SINCE.swap(0, Relaxed);
        tracing::warn!(action_id = %action_id, user = %user, unlogged_since_last = unlogged, "unknown action id; acknowledged and ignored");
    } else {
        SINCE.fetch_add(1, Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> String {
        crate::slack::payload_fixture(name)
    }

    #[test]
    fn docs_button_form_decodes_to_its_json() {
        let form: InteractionForm =
            serde_urlencoded::from_str(&fixture("block_actions.button.slack_docs.form")).unwrap();
        let from_form: Interaction = serde_json::from_str(&form.payload).unwrap();
        let from_json: Interaction =
            serde_json::from_str(&fixture("block_actions.button.slack_docs.json")).unwrap();
        assert_eq!(from_form, from_json);
        let Interaction::BlockActions(ba) = from_json else {
            panic!()
        };
        assert_eq!(ba.user.id, "UA8RXUSPL");
        assert_eq!(ba.actions[0].action_id, "WaXA");
        assert_eq!(ba.actions[0].block_id.as_deref(), Some("=qXel"));
        assert_eq!(ba.actions[0].value.as_deref(), Some("click_me_123"));
    }

    #[test]
    fn home_tab_payload_round_trips() {
        let form: InteractionForm =
            serde_urlencoded::from_str(&fixture("block_actions.home_tab_real.java_sdk.form"))
                .unwrap();
        let from_form: Interaction = serde_json::from_str(&form.payload).unwrap();
        let from_json: Interaction =
            serde_json::from_str(&fixture("block_actions.home_tab_real.java_sdk.json")).unwrap();
        assert_eq!(from_form, from_json);
    }

    #[test]
    fn view_submission_inputs_are_read() {
        let Interaction::ViewSubmission(vs) =
            serde_json::from_str(&fixture("view_submission.real.java_sdk.json")).unwrap()
        else {
            panic!()
        };
        assert_eq!(vs.view.callback_id.as_deref(), Some("request-modal"));
        assert_eq!(
            vs.view.input("request-block", "request-action").as_deref(),
            Some("test test test")
        );
    }
}
