//! The script: Monday (`monday.rs`) and the three mornings after it, from the seeds:
//! Rally's missed calls and chats (seed 000), social messages with their two-hour SLA and
//! the marketing split (001), the refund and general follow-up cadences (002), app reviews
//! (003), shifts and check-ins (004), a lead's directive and the daily summary.

use super::monday;
use super::payloads::{freshdesk, missed_call, zendesk, zendesk_status};
use super::stage::{Card, Stage};
use super::{ANA, BEN, CHEN, DANA};
use serde_json::json;

pub async fn play(s: &mut Stage) -> anyhow::Result<()> {
    s.out.day_heading(s.day);
    monday::morning(s).await?;
    monday::afternoon(s).await?;
    tuesday(s).await?;
    wednesday(s).await?;
    thursday(s).await
}

/// Freshdesk tells cxbot that an agent resolved the ticket there.
pub async fn resolve_in_freshdesk(s: &mut Stage, ticket: u64, why: &str) -> anyhow::Result<()> {
    s.out.narrate(s.now(), why);
    let body = freshdesk(
        s,
        ticket,
        "{status:{from:Open,to:Resolved}}",
        json!({"ticket_status": "Resolved"}),
    );
    s.hook("freshdesk", body).await.map(|_| ())
}

pub async fn escalate_with_form(
    s: &mut Stage,
    who: &str,
    ticket: i64,
    card: &Card,
    to: &str,
    reason: &str,
) -> anyhow::Result<()> {
    s.click(who, "Escalate", "cx_escalate", &ticket.to_string(), card)
        .await?;
    let name = s.team.name(who);
    s.out.action(
        s.now(),
        &name,
        &format!("picks {to} in the form: \"{reason}\""),
    );
    let values = json!({
        "target": {"target_select": {"type": "static_select", "selected_option": {"value": to}}},
        "reason": {"reason_input": {"type": "plain_text_input", "value": reason}}
    });
    s.submit(who, "cx_escalate_modal", &ticket.to_string(), values)
        .await
}

pub async fn evening(s: &mut Stage) -> anyhow::Result<()> {
    for who in [BEN, CHEN, DANA] {
        s.command_quietly(who, "off").await?;
    }
    s.drain().await
}

/// Each later morning: everyone starts (quietly); the day's check-ins are answered.
async fn morning(s: &mut Stage, h: u32, m: u32) -> anyhow::Result<()> {
    s.next_day(7, 58).await?;
    s.step_ms = 5 * 60_000;
    s.command_quietly(ANA, "on").await?;
    s.at(8, 55).await?;
    for who in [CHEN, DANA] {
        s.command_quietly(who, "on").await?;
    }
    s.at(h, m).await
}

/// `ben_acknowledges`: Ben, reminded when his shift starts, acknowledges the directive.
async fn rest_of_day(s: &mut Stage, ben_acknowledges: bool) -> anyhow::Result<()> {
    s.at(9, 30).await?;
    s.answer_checkins(&[]).await?;
    s.at(10, 0).await?;
    s.command_quietly(BEN, "on").await?;
    if ben_acknowledges {
        s.at(10, 10).await?;
        s.acknowledge(BEN).await?;
    }
    for (h, m) in [(10, 20), (13, 30), (15, 10)] {
        s.at(h, m).await?;
        s.answer_checkins(&[]).await?;
    }
    s.at(16, 0).await?;
    s.command_quietly(ANA, "off").await?;
    s.at(17, 10).await?;
    s.answer_checkins(&[]).await?;
    s.at(18, 5).await?;
    evening(s).await
}

async fn tuesday(s: &mut Stage) -> anyhow::Result<()> {
    morning(s, 9, 10).await?;
    s.command(
        CHEN,
        "followup 88123 done second attempt: email, call and text",
        1,
    )
    .await?;
    // The caller Ana recorded yesterday calls again: now the card knows him.
    s.at(9, 15).await?;
    s.out.narrate(
        s.now(),
        "☎ +1 555 0188 calls again, nobody picks up (Freshdesk #4610)",
    );
    let again = s
        .hook("freshdesk", missed_call(s, 4610, "+1 555 0188"))
        .await?;
    s.at(9, 20).await?;
    let card = s.card(again).await?;
    s.click(ANA, "Claim", "cx_claim", &again.to_string(), &card)
        .await?;
    s.click(
        ANA,
        "Called back",
        "cx_called_back",
        &again.to_string(),
        &card,
    )
    .await?;
    let notes = "Luis again: wants the fare difference refunded; sent him the form.";
    s.out.action(
        s.now(),
        "Ana",
        &format!("writes her call notes: \"{notes}\""),
    );
    let values = json!({"notes": {"notes_input": {"type": "plain_text_input", "value": notes}}});
    s.submit(ANA, "cx_called_back_modal", &again.to_string(), values)
        .await?;
    s.at(9, 25).await?;
    resolve_in_freshdesk(s, 4610, "✔ Ana resolves #4610 in Freshdesk").await?;
    rest_of_day(s, true).await
}

async fn wednesday(s: &mut Stage) -> anyhow::Result<()> {
    morning(s, 8, 56).await?;
    // A new email from the customer restarts the general cadence from day 1 (seed 002).
    s.out.narrate(
        s.now(),
        "✉ Tom Becker writes again (Zendesk #88190): his cadence starts over",
    );
    let again = zendesk(
        s,
        88190,
        "Re: Passport renewal status",
        "renewal",
        ("Tom Becker", "tom.becker@example.com"),
        "Any news? I travel on December 10.",
    );
    s.hook("zendesk", again).await?;
    s.at(9, 10).await?;
    s.command(CHEN, "followup 88123 done third attempt; no answer", 1)
        .await?;
    s.command(ANA, "followup 88140", 1).await?;
    s.command(
        ANA,
        "followup 88140 done emailed Tom the tracking link; no answer by phone",
        1,
    )
    .await?;
    s.at(9, 20).await?;
    s.command(ANA, "claim 88190", 1).await?;
    s.out.narrate(
        s.now(),
        "✔ Ana merges #88190 into #88140 in Zendesk (it closes)",
    );
    s.hook("zendesk", zendesk_status(s, 88190, "closed"))
        .await?;
    rest_of_day(s, false).await
}

async fn thursday(s: &mut Stage) -> anyhow::Result<()> {
    morning(s, 9, 10).await?;
    s.command(
        CHEN,
        "escalate 88123 refund: no answer after three follow-ups",
        1,
    )
    .await?;
    s.command(CHEN, "followup 88123 done escalated to the Brand Lead", 1)
        .await?;
    s.at(9, 30).await?;
    s.answer_checkins(&[]).await
}
