//! `SendNotice`: renders a notice a service decided (`domain::notice`) through
//! `slack::views::notice` when it runs, and sends it as a [`SlackCall`] would: a keyed
//! message once, a thread line after its card exists.

use super::enqueue::To;
use super::slack_call::{send, SlackCall};
use super::{Attempt, Job, JobContext, JobResult};
use crate::slack::views::notice::render;
use async_trait::async_trait;

pub use super::enqueue::SendNotice;

#[async_trait]
impl Job for SendNotice {
    async fn run(self, cx: &JobContext) -> JobResult {
        self.run_attempt(cx, &Attempt::first(0)).await
    }

    async fn run_attempt(self, cx: &JobContext, attempt: &Attempt) -> JobResult {
        let r = render(&self.notice);
        let (text, blocks) = (r.text, r.blocks);
        let call = match self.to {
            To::Thread { channel, ticket_id } => SlackCall::Post {
                key: None,
                channel,
                text,
                blocks,
                thread: Some(super::enqueue::SyncCard::card_key(ticket_id)),
            },
            To::Channel { channel, key } => SlackCall::Post {
                key,
                channel,
                text,
                blocks,
                thread: None,
            },
            To::Dm { user, key } => SlackCall::Dm {
                key,
                user,
                text,
                blocks,
            },
            To::Update { key } => SlackCall::Update { key, text, blocks },
            To::Reply { channel, parent } => SlackCall::Post {
                key: None,
                channel,
                text,
                blocks,
                thread: Some(parent),
            },
        };
        send(call, cx, attempt).await
    }
}
