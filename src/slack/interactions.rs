//! Interactivity payloads (`block_actions`, `view_submission`) and their dispatch by
//! action id. An unknown action id is acknowledged and logged, never a 5xx: it usually
//! means a button on an old message whose feature was removed.

use crate::app::AppState;
use crate::domain::claim::Source;
use crate::jobs::enqueue::{self, SlackCall};
use crate::service::claim::{self, Actor};
use crate::service::{callback, followup, lease, notify, Error, Refusal};
use crate::slack::actions::{
    parse_lease_value, ActionId, CALLED_BACK_MODAL, CALLER_EMAIL, CALLER_NAME, CALLER_ORDER,
    CALL_NOTES_ACTION, CALL_NOTES_BLOCK, ESCALATE_MODAL, ESCALATE_REASON_ACTION,
    ESCALATE_REASON_BLOCK, ESCALATE_TARGET_ACTION, ESCALATE_TARGET_BLOCK, RECORD_CALLER_MODAL,
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
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
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
                tracing::warn!(callback_id = ?other, "unknown view submission; acknowledged and ignored");
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
        (Some(a), _, _) => {
            tracing::warn!(action_id = a.as_str(), value = ?action.value, "button with a malformed value; ignored");
            return;
        }
        (None, _, _) => {
            tracing::warn!(action_id = %action.action_id, user = %user, "unknown action id; acknowledged and ignored");
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

/// The Escalate button opens the modal (inline: its trigger_id expires in 3 s).
async fn open_escalate_modal(
    state: &AppState,
    ba: &BlockActions,
    id: i64,
) -> crate::service::Result<()> {
    let services = &state.services;
    let t = claim::ticket(services, id).await?;
    let next = claim::next_rung(services, &ba.user.id, &t).map(|r| r.key);
    let view =
        views::claim::escalate_modal(&t, &services.playbook.escalation.all(), next.as_deref());
    open_modal(
        state,
        ba,
        view,
        "the escalation form (or use `/cx escalate <ticket> [reason]`)",
    )
    .await
}

/// Opens a modal with the click's trigger_id (inline: it expires in 3 s).
async fn open_modal(
    state: &AppState,
    ba: &BlockActions,
    view: slack_morphism::prelude::SlackView,
    what: &str,
) -> crate::service::Result<()> {
    let Some(trigger) = &ba.trigger_id else {
        return Err(Error::Refused(Refusal::Said(format!(
            "Slack sent no trigger to open {what}; try again."
        ))));
    };
    if let Err(e) = state.slack.open_view(trigger, view).await {
        tracing::warn!(error = %e, what, "views.open failed");
        return Err(Error::Refused(Refusal::Said(format!(
            "Slack did not open {what}; try again."
        ))));
    }
    Ok(())
}

async fn open_record_caller_modal(
    state: &AppState,
    ba: &BlockActions,
    id: i64,
) -> crate::service::Result<()> {
    let t = claim::ticket(&state.services, id).await?;
    open_modal(
        state,
        ba,
        views::claim::record_caller_modal(&t),
        "the caller form",
    )
    .await
}

async fn on_record_caller_submit(state: &AppState, vs: &ViewSubmission) -> InteractionResponse {
    let Some(id) = vs
        .view
        .private_metadata
        .as_deref()
        .and_then(|m| m.parse::<i64>().ok())
    else {
        return errors(
            CALLER_NAME,
            "This form lost its ticket; close it and click Record caller again.",
        );
    };
    let actor = Actor {
        user: &vs.user.id,
        source: Source::Modal,
    };
    let name = vs.view.input(CALLER_NAME, CALLER_NAME).unwrap_or_default();
    let email = vs.view.input(CALLER_EMAIL, CALLER_EMAIL);
    let order = vs.view.input(CALLER_ORDER, CALLER_ORDER);
    match crate::service::contacts::record_caller(
        &state.services,
        id,
        actor,
        &name,
        email.as_deref(),
        order.as_deref(),
    )
    .await
    {
        Ok(_) => InteractionResponse::Ack,
        Err(Error::Refused(r)) => errors(
            if matches!(r, Refusal::NotAnEmail { .. }) {
                CALLER_EMAIL
            } else {
                CALLER_NAME
            },
            &views::refusal::text(&r),
        ),
        Err(e) => {
            tracing::error!(error = %e, "recording a caller failed");
            errors(
                CALLER_NAME,
                "cxbot could not save this; try again in a minute.",
            )
        }
    }
}

/// Called back opens the call-notes modal, unless someone already called back.
async fn open_called_back_modal(
    state: &AppState,
    ba: &BlockActions,
    id: i64,
) -> crate::service::Result<()> {
    let t = callback::check_callable(&state.services, id).await?;
    open_modal(
        state,
        ba,
        views::claim::called_back_modal(&t),
        "the call-notes form",
    )
    .await
}

async fn on_called_back_submit(state: &AppState, vs: &ViewSubmission) -> InteractionResponse {
    let id = vs
        .view
        .private_metadata
        .as_deref()
        .and_then(|m| m.parse::<i64>().ok());
    let notes = vs
        .view
        .input(CALL_NOTES_BLOCK, CALL_NOTES_ACTION)
        .unwrap_or_default();
    let Some(id) = id else {
        return errors(
            CALL_NOTES_BLOCK,
            "This form lost its ticket; close it and click Called back again.",
        );
    };
    if notes.trim().is_empty() {
        return errors(
            CALL_NOTES_BLOCK,
            "Write what was said on the call, so nobody calls twice.",
        );
    }
    let actor = Actor {
        user: &vs.user.id,
        source: Source::Modal,
    };
    match callback::record(&state.services, id, actor, &notes).await {
        Ok(_) => InteractionResponse::Ack,
        Err(Error::Refused(r)) => errors(CALL_NOTES_BLOCK, &views::refusal::text(&r)),
        Err(e) => {
            tracing::error!(error = %e, "recording a callback failed");
            errors(
                CALL_NOTES_BLOCK,
                "cxbot could not save the notes; try again in a minute.",
            )
        }
    }
}

async fn on_escalate_submit(state: &AppState, vs: &ViewSubmission) -> InteractionResponse {
    let id = vs
        .view
        .private_metadata
        .as_deref()
        .and_then(|m| m.parse::<i64>().ok());
    let target = vs.view.input(ESCALATE_TARGET_BLOCK, ESCALATE_TARGET_ACTION);
    let reason = vs.view.input(ESCALATE_REASON_BLOCK, ESCALATE_REASON_ACTION);
    let (Some(id), Some(target)) = (id, target) else {
        return errors(ESCALATE_TARGET_BLOCK, "Pick where to escalate to.");
    };
    let actor = Actor {
        user: &vs.user.id,
        source: Source::Modal,
    };
    match claim::escalate(&state.services, id, actor, Some(&target), reason.as_deref()).await {
        Ok(_) => InteractionResponse::Ack,
        Err(Error::Refused(r)) => errors(ESCALATE_TARGET_BLOCK, &views::refusal::text(&r)),
        Err(e) => {
            tracing::error!(error = %e, "escalation failed");
            errors(
                ESCALATE_TARGET_BLOCK,
                "cxbot could not record the escalation; try again in a minute.",
            )
        }
    }
}

/// A view_submission answer that shows `message` under the block.
fn errors(block: &str, message: &str) -> InteractionResponse {
    InteractionResponse::Json(
        serde_json::json!({"response_action": "errors", "errors": {block: message}}),
    )
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
