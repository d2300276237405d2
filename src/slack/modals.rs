//! The modals cards open (Escalate, Called back, Record caller): opened inline with the
//! click's trigger_id (it expires in 3 s), and their submissions, whose refusals show under
//! the form's field.

use super::interactions::{BlockActions, InteractionResponse, ViewSubmission};
use crate::app::AppState;
use crate::domain::claim::Source;
use crate::service::claim::{self, Actor};
use crate::service::{callback, Error, Refusal};
use crate::slack::actions::{
    CALLER_EMAIL, CALLER_NAME, CALLER_ORDER, CALL_NOTES_ACTION, CALL_NOTES_BLOCK,
    ESCALATE_REASON_ACTION, ESCALATE_REASON_BLOCK, ESCALATE_TARGET_ACTION, ESCALATE_TARGET_BLOCK,
};
use crate::slack::views;

/// The Escalate button opens the modal (inline: its trigger_id expires in 3 s).
pub(super) async fn open_escalate_modal(
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

pub(super) async fn open_record_caller_modal(
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

pub(super) async fn on_record_caller_submit(
    state: &AppState,
    vs: &ViewSubmission,
) -> InteractionResponse {
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
pub(super) async fn open_called_back_modal(
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

pub(super) async fn on_called_back_submit(
    state: &AppState,
    vs: &ViewSubmission,
) -> InteractionResponse {
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

pub(super) async fn on_escalate_submit(
    state: &AppState,
    vs: &ViewSubmission,
) -> InteractionResponse {
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
