//! A missed call's callback (seed 000): recorded once with its notes in the card's thread,
//! so the team never calls the same person back twice.

use super::cards::{sync, thread_line};
use super::claim::{ticket, Actor};
use super::{Error, Result, Services};
use crate::db::Audit;
use crate::slack::views::card::esc;
use crate::slack::views::claim::ticket_ref;
use crate::slack::views::Reply;

/// Refuses before the notes modal opens when the call was already returned.
pub async fn check_callable(services: &Services, id: i64) -> Result<crate::domain::ticket::Ticket> {
    let t = ticket(services, id).await?;
    if t.kind != "missed_call" {
        return Err(Error::User(format!(
            "{} is not a missed call.",
            ticket_ref(&t)
        )));
    }
    if let Some(by) = &t.claim.called_back_by {
        return Err(Error::User(format!(
            "<@{by}> already called this customer back about {}: the notes are in the card's thread. Don't call twice.",
            ticket_ref(&t)
        )));
    }
    Ok(t)
}

pub async fn record(services: &Services, id: i64, actor: Actor<'_>, notes: &str) -> Result<Reply> {
    let t = check_callable(services, id).await?;
    let now = services.now_ms();
    let notes = notes.trim();
    let audit = Audit {
        action: "called_back",
        actor: actor.user,
        target: None,
        source: actor.source,
        detail: Some(notes),
    };
    let line = format!(
        ":telephone_receiver: <@{}> called the customer back. Call notes:\n>{}",
        actor.user,
        esc(notes).replace('\n', "\n>")
    );
    let jobs = vec![sync(&t, now), thread_line(&t, line, now)];
    if services
        .store
        .record_callback(id, actor.user, now, &audit, &jobs)
        .await?
    {
        services.wake_worker();
        Ok(Reply::text(format!(
            "Recorded your callback on {}.",
            ticket_ref(&t)
        )))
    } else {
        check_callable(services, id)
            .await
            .map(|_| Reply::text("Try again."))
    }
}
