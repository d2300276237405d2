//! Directive surfaces: the message in cx-only (Acknowledge, "acknowledged by 7 of 9"), or
//! the broader channel's update; the answers to `/cx directive ...`.

use super::card::esc;
use super::notice::Rendered;
use super::{context, section, Reply};
use crate::domain::notice::Notice;
use crate::service::directives::{DirectiveOutcome, DirectiveStatus};
use crate::slack::actions::ActionId;
use slack_morphism::prelude::*;

/// A `Notice::Directive`, as posted and as updated.
pub fn message(n: &Notice) -> Rendered {
    let Notice::Directive {
        id,
        author,
        text,
        team,
        acked,
        of,
        ended,
    } = n
    else {
        return Rendered {
            text: String::new(),
            blocks: None,
        };
    };
    let head = if *team {
        format!(":mega: *Directive {id}* from <@{author}>")
    } else {
        format!(":mega: *Update* from <@{author}>")
    };
    let body = format!("{head}\n{}", esc(text));
    let mut blocks = vec![section(&body)];
    if *team {
        let count = format!("Acknowledged by {acked} of {of}.");
        if *ended {
            blocks.push(context(format!("{count} This directive has ended.")));
        } else {
            blocks.push(context(&count));
            let ack = SlackBlockButtonElement::new(pt!("Acknowledge"))
                .with_action_id(ActionId::DirectiveAck.as_str().into())
                .with_value(id.to_string())
                .with_style(SlackBlockButtonStyle::Primary);
            blocks.push(SlackActionsBlock::new(vec![ack.into()]).into());
        }
    }
    Rendered {
        text: body,
        blocks: Some(blocks),
    }
}

pub fn outcome(o: &DirectiveOutcome) -> Reply {
    Reply::text(match o {
        DirectiveOutcome::Posted { id, channel, team } if *team => {
            format!("Posted directive {id} to {channel}; `/cx directive status` shows who has acknowledged it.")
        }
        DirectiveOutcome::Posted { channel, .. } => format!("Posted the update to {channel}."),
        DirectiveOutcome::Acknowledged { id, acked, of } => {
            format!(":white_check_mark: Acknowledged directive {id} ({acked} of {of} so far).")
        }
        DirectiveOutcome::Ended { id } => format!("Directive {id} has ended."),
    })
}

/// `/cx directive status`.
pub fn status(list: &[DirectiveStatus]) -> Reply {
    if list.is_empty() {
        return Reply::text("No directive is live.");
    }
    let mut text = format!("*Live directives ({})*", list.len());
    for s in list {
        let d = &s.directive;
        let first_line = d.text.lines().next().unwrap_or_default();
        text.push_str(&format!(
            "\n• *{}* <@{}>: {}",
            d.id,
            d.author,
            esc(first_line)
        ));
        if d.tracks_acks() {
            if s.missing.is_empty() {
                text.push_str("  ·  everyone has acknowledged");
            } else {
                let who: Vec<String> = s.missing.iter().map(|u| format!("<@{u}>")).collect();
                text.push_str(&format!(
                    "  ·  {} acknowledged, waiting for {}",
                    s.acked,
                    who.join(", ")
                ));
            }
        }
    }
    Reply::text(text)
}
