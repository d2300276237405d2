//! Interactivity payloads (`block_actions`, `view_submission`) and their dispatch by
//! action id. An unknown action id is acknowledged and logged, never a 5xx: it usually
//! means a button on an old message whose feature was removed.

use crate::app::AppState;
use crate::slack::actions::ActionId;
use crate::slack::views;
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
                match ActionId::parse(&action.action_id) {
                    Some(ActionId::HomeHelp) => {
                        if let Some(trigger) = &ba.trigger_id {
                            let view = views::home::help_modal(crate::slack::commands::USAGE);
                            if let Err(e) = state.services.slack.open_view(trigger, view).await {
                                tracing::warn!(error = %e, "views.open for help failed");
                            }
                        }
                    }
                    None => {
                        tracing::warn!(action_id = %action.action_id, user = %ba.user.id, "unknown action id; acknowledged and ignored");
                    }
                }
            }
            InteractionResponse::Ack
        }
        Interaction::ViewSubmission(vs) => {
            tracing::warn!(callback_id = ?vs.view.callback_id, "unknown view submission; acknowledged and ignored");
            InteractionResponse::Ack
        }
        Interaction::Other => InteractionResponse::Ack,
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
