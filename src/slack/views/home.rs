//! The App Home tab: my claims, the unclaimed count, and the oldest unclaimed tickets with
//! Claim buttons. Published on `app_home_opened` and whenever the user's claims change.

use super::card::{age, esc, headline, ticket_link};
use super::claim::{claim_button, ticket_ref};
use super::{context, header, section, MAX_VIEW_BLOCKS};
use crate::domain::ticket::Ticket;
use crate::service::home::HomeData;
use crate::slack::actions::ActionId;
use slack_morphism::prelude::*;

fn ticket_line(t: &Ticket, since: i64, now: i64) -> String {
    format!(
        "*{}* {}  ·  {}  ·  {}",
        ticket_ref(t),
        esc(&headline(t)),
        ticket_link(t),
        age(since, now)
    )
}

pub fn home_view(data: &HomeData) -> SlackView {
    let greeting = match &data.user_name {
        Some(n) => format!("Hi {} :wave:", esc(n)),
        None => "Hi :wave:".to_string(),
    };
    let mut blocks = vec![header("cxbot"), section(greeting)];
    for d in data.directives.iter().take(5) {
        let ack = SlackBlockButtonElement::new(pt!("Acknowledge"))
            .with_action_id(ActionId::DirectiveAck.as_str().into())
            .with_value(d.id.to_string());
        blocks.push(
            SlackSectionBlock::new()
                .with_text(md!(super::truncate(
                    &format!(
                        ":mega: *Directive {}* from <@{}>: {}",
                        d.id,
                        d.author,
                        esc(&d.text)
                    ),
                    super::MAX_SECTION_TEXT
                )))
                .with_accessory(ack.into())
                .into(),
        );
    }
    blocks.push(header(format!("Your claims ({})", data.my_claims.len())));
    if data.my_claims.is_empty() {
        blocks.push(section("_Nothing claimed. Pick one from the queue below._"));
    }
    for t in data.my_claims.iter().take(40) {
        blocks.push(section(ticket_line(
            t,
            t.claim.claimed_at.unwrap_or(t.opened_at),
            data.now_ms,
        )));
    }
    blocks.push(header(format!(
        "Unclaimed: {}",
        super::unclaimed_label(data.unclaimed_count)
    )));
    for t in &data.oldest_unclaimed {
        blocks.push(
            SlackSectionBlock::new()
                .with_text(md!(super::truncate(
                    &ticket_line(t, t.opened_at, data.now_ms),
                    super::MAX_SECTION_TEXT
                )))
                .with_accessory(claim_button(t))
                .into(),
        );
    }
    blocks.push(
        SlackActionsBlock::new(vec![SlackBlockButtonElement::new(pt!("Help"))
            .with_action_id(ActionId::HomeHelp.as_str().into())
            .into()])
        .into(),
    );
    blocks.push(context(
        "`/cx mine`, `/cx queue` and `/cx help` work from any channel.",
    ));
    blocks.truncate(MAX_VIEW_BLOCKS);
    SlackView::Home(SlackHomeView::new(blocks))
}

/// The help modal opened from the home tab.
pub fn help_modal(usage: &[(&str, &str)]) -> SlackView {
    let help = super::help(usage);
    SlackView::Modal(SlackModalView::new(pt!("cxbot help"), help.blocks).with_close(pt!("Close")))
}
