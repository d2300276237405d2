//! Every message, modal and home tab cxbot shows, as a template: state in, Block Kit out.
//! Templates are pure and snapshot-tested (insta). Slack's limits are respected by
//! truncating on characters, never bytes: 50 blocks a message, 100 a modal or home tab,
//! 3000 characters of section text, 75 of button text, 150 of header text.
//!
//! Templates take domain types (`domain::ticket::Ticket`, `domain::notice::Notice`) and the
//! services' outcomes and refusals; never storage rows. To add a view: a function in the
//! feature's file (`claim.rs`, `followup.rs`, `home.rs`, `card.rs`), or a `Notice` variant's
//! words in `notice.rs`, a `Refusal`'s in `refusal.rs`; with a test of what it shows.

pub mod card;
pub mod claim;
pub mod digest;
pub mod directive;
pub mod followup;
pub mod home;
pub mod notice;
pub mod refusal;
pub mod shift;
pub mod summary;

use crate::slack::commands::UsageError;
use slack_morphism::prelude::*;

pub const MAX_MESSAGE_BLOCKS: usize = 50;
pub const MAX_VIEW_BLOCKS: usize = 100;
pub const MAX_SECTION_TEXT: usize = 3000;
pub const MAX_BUTTON_TEXT: usize = 75;
pub const MAX_HEADER_TEXT: usize = 150;

/// Cuts `s` to at most `max` characters, ending in an ellipsis when cut.
pub fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

pub fn section(text: impl AsRef<str>) -> SlackBlock {
    SlackSectionBlock::new()
        .with_text(md!(truncate(text.as_ref(), MAX_SECTION_TEXT)))
        .into()
}

pub fn header(text: impl AsRef<str>) -> SlackBlock {
    SlackHeaderBlock::new(pt!(truncate(text.as_ref(), MAX_HEADER_TEXT))).into()
}

pub fn context(text: impl AsRef<str>) -> SlackBlock {
    SlackContextBlock::new(vec![SlackContextBlockElement::MarkDown(
        SlackBlockMarkDownText::new(truncate(text.as_ref(), MAX_SECTION_TEXT)),
    )])
    .into()
}

/// A reply to a command or button: a fallback text and its blocks.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub text: String,
    pub blocks: Vec<SlackBlock>,
}

impl Reply {
    pub fn text(text: impl Into<String>) -> Self {
        let text = text.into();
        Self {
            blocks: vec![section(&text)],
            text,
        }
    }

    /// The body of an ephemeral slash-command response, serialized straight from the blocks
    /// (no `serde_json::Value` tree in between).
    pub fn ephemeral_body(&self) -> ReplyBody<'_> {
        ReplyBody {
            response_type: "ephemeral",
            text: &self.text,
            blocks: &self.blocks[..self.blocks.len().min(MAX_MESSAGE_BLOCKS)],
        }
    }
}

fn usage_lines(usage: &[(&str, &str)]) -> String {
    usage
        .iter()
        .map(|(cmd, what)| format!("`{cmd}`  {what}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `/cx help`.
pub fn help(usage: &[(&str, &str)]) -> Reply {
    let text = format!("*cxbot commands*\n{}", usage_lines(usage));
    Reply {
        blocks: vec![section(&text)],
        text,
    }
}

/// A typo or missing argument: what was wrong, then the right usage.
pub fn usage_error(err: &UsageError) -> Reply {
    let text = format!(
        ":warning: {}\n*Usage*\n{}",
        err.message,
        usage_lines(&err.usage)
    );
    Reply {
        blocks: vec![section(&text)],
        text,
    }
}

/// A refusal the person can act on ("already claimed by ...").
pub fn user_error(message: &str) -> Reply {
    Reply::text(format!(":warning: {message}"))
}

/// A service's refusal, worded.
pub fn refused(r: &crate::service::Refusal) -> Reply {
    user_error(&refusal::text(r))
}

/// Something went wrong on our side; the detail is in the log under this request id.
pub fn internal_error() -> Reply {
    Reply::text(":x: Something went wrong on cxbot's side. Please try again in a minute; if it keeps happening, tell your cxbot admin.")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::slack::commands::USAGE;

    #[test]
    fn truncation_counts_characters_not_bytes() {
        let s = "é".repeat(10);
        assert_eq!(truncate(&s, 10), s);
        let cut = truncate(&s, 5);
        assert_eq!(cut.chars().count(), 5);
        assert!(cut.ends_with('…'));
    }

    #[test]
    fn help_snapshot() {
        insta::assert_json_snapshot!(help(USAGE).ephemeral_body());
    }

    proptest::proptest! {
        #[test]
        fn truncate_never_exceeds_max(s in ".{0,400}", max in 1usize..300) {
            let out = truncate(&s, max);
            proptest::prop_assert!(out.chars().count() <= max);
            if s.chars().count() <= max { proptest::prop_assert_eq!(out, s); }
        }
    }
}

/// An unclaimed count as people read it: "1000+" once the store stopped counting.
pub fn unclaimed_label(n: i64) -> String {
    if n > crate::domain::claim::UNCLAIMED_COUNT_CAP {
        format!("{}+", crate::domain::claim::UNCLAIMED_COUNT_CAP)
    } else {
        n.to_string()
    }
}

#[cfg(test)]
mod label_tests {
    #[test]
    fn an_unclaimed_count_at_the_cap_reads_as_more() {
        assert_eq!(super::unclaimed_label(12), "12");
        assert_eq!(super::unclaimed_label(1_000), "1000");
        assert_eq!(super::unclaimed_label(1_001), "1000+");
    }
}

/// A reply's JSON body for Slack, borrowed from the [`Reply`].
#[derive(Debug, serde::Serialize)]
pub struct ReplyBody<'a> {
    pub response_type: &'static str,
    pub text: &'a str,
    pub blocks: &'a [SlackBlock],
}
