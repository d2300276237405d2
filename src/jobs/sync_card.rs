//! `SyncCard`: makes a ticket's card show the ticket as it is now. The first run posts it
//! (recorded under `card:{id}`, so a retry after Slack accepted it updates instead of
//! posting twice); later runs `chat.update` it in place. It re-reads the row, so several
//! queued syncs of one ticket all render the latest state. A run after an attempt whose
//! answer was lost reads the channel back for the card first (`slack::readback`) and, if
//! it is there, adopts and updates it.

use super::slack_call::read_back;
use super::{Attempt, Job, JobContext, JobOutcome, JobResult};
use crate::db::PostedMessage;
use crate::slack::views::card::{ticket_card, Caller, CardView};
use async_trait::async_trait;
use slack_morphism::prelude::*;

/// How many of a caller's earlier tickets a missed-call card lists.
const RECENT_TICKETS: i64 = 3;

pub use super::enqueue::SyncCard;

#[async_trait]
impl Job for SyncCard {
    async fn run(self, cx: &JobContext) -> JobResult {
        self.run_attempt(cx, &Attempt::first(0)).await
    }

    async fn run_attempt(self, cx: &JobContext, attempt: &Attempt) -> JobResult {
        let services: &crate::service::Services = cx;
        let store = &services.store;
        let Some(ticket) = store.ticket(self.ticket_id).await? else {
            return Ok(JobOutcome::Done);
        };
        let caller = match (ticket.kind.as_str(), ticket.customer_id) {
            ("missed_call", None) => Some(Caller::Unknown),
            ("missed_call", Some(cid)) => {
                let name = store.customer(cid).await?.and_then(|c| c.name);
                let recent = store.recent_tickets(cid, ticket.id, RECENT_TICKETS).await?;
                Some(if name.is_none() && recent.is_empty() {
                    Caller::Unknown
                } else {
                    Caller::Known { name, recent }
                })
            }
            _ => None,
        };
        let follow_up = crate::service::intake::follow_up_text(&services.playbook, &ticket);
        let reply = ticket_card(&CardView {
            ticket: &ticket,
            now_ms: services.now_ms(),
            caller,
            follow_up,
        });
        let content = SlackMessageContent::new()
            .with_text(reply.text)
            .with_blocks(reply.blocks);
        let key = Self::card_key(ticket.id);
        match store.posted_message(&key).await? {
            Some(p) => {
                cx.slack.update_message(&p.channel, &p.ts, content).await?;
                Ok(JobOutcome::Done)
            }
            None => {
                let channel = super::channel_id::channel_id(cx, &ticket.channel).await?;
                let posted = match read_back(cx, attempt, &channel, None, &key).await? {
                    // Posted by an earlier attempt, perhaps with an older state: show this one.
                    Some(found) => {
                        cx.slack
                            .update_message(&found.channel, &found.ts, content)
                            .await?;
                        found
                    }
                    None => {
                        cx.slack
                            .post_message(&channel, Some(&key), content, None)
                            .await?
                    }
                };
                Ok(JobOutcome::Posted(PostedMessage {
                    msg_key: key,
                    channel: posted.channel,
                    ts: posted.ts,
                }))
            }
        }
    }
}
