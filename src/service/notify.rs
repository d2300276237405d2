//! Telling one person something outside a request's response: an ephemeral message in the
//! channel where they clicked, or a DM when the click came from the App Home.

use super::{Result, Services};
use crate::jobs::slack_call::SlackCall;
use crate::jobs::Job;
use crate::slack::views::Reply;

pub async fn tell(
    services: &Services,
    user: &str,
    channel: Option<&str>,
    reply: Reply,
) -> Result<()> {
    let call = match channel {
        Some(ch) => SlackCall::Ephemeral {
            channel: ch.to_string(),
            user: user.to_string(),
            text: reply.text,
            blocks: Some(reply.blocks),
        },
        None => SlackCall::Dm {
            key: None,
            user: user.to_string(),
            text: reply.text,
            blocks: Some(reply.blocks),
        },
    };
    let now = services.now_ms();
    services.store.enqueue(&[call.new_job(now)], now).await?;
    services.wake_worker();
    Ok(())
}
