//! The jobs every ticket change enqueues: re-render its card in place, and add a line to
//! the card's thread. Intake, claims and follow-ups all use these.

use crate::db::NewJob;
use crate::domain::ticket::Ticket;
use crate::jobs::slack_call::SlackCall;
use crate::jobs::sync_card::SyncCard;
use crate::jobs::Job;

/// Re-render the ticket's card (posted the first time, updated in place after).
pub fn sync(t: &Ticket, now: i64) -> NewJob {
    SyncCard {
        ticket_id: t.id,
        channel: t.channel.clone(),
    }
    .new_job(now)
}

/// One line in the card's thread (posted after the card exists).
pub fn thread_line(t: &Ticket, text: String, now: i64) -> NewJob {
    SlackCall::Post {
        key: None,
        channel: t.channel.clone(),
        text,
        blocks: None,
        thread: Some(SyncCard::card_key(t.id)),
    }
    .new_job(now)
}
