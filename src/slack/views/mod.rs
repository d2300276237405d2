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
        usage_lines(err.usage)
    );
    Reply {
        blocks: vec![section(&text)],
        text,
    }
}

/// [`usage_error`]'s ephemeral body, serialized: the same bytes as
/// `serde_json::to_vec(&usage_error(err).ephemeral_body())`, cheaper. The usage lines (all
/// of them after a typo: most of the reply) are the same for every typo of a subcommand, so
/// they are rendered and JSON-escaped once per run of usage lines; each reply escapes only
/// its message and copies the rest.
pub fn usage_error_body(err: &UsageError) -> Vec<u8> {
    let head = format!(
        ":warning: {}
*Usage*
",
        err.message
    );
    match &*UsageTemplate::of(err.usage) {
        Some(t) if head.chars().count() + t.tail_chars <= MAX_SECTION_TEXT => t.render(&head),
        // Too long to send whole: the section is cut, as usage_error cuts it.
        _ => serde_json::to_vec(&usage_error(err).ephemeral_body()).expect("a reply serializes"),
    }
}

/// A usage error's body around its message: `before` + message + usage + `between` +
/// message + usage + `after`, the usage already escaped (JSON escapes character by
/// character, so the escaped text is the escaped message followed by the escaped usage).
struct UsageTemplate {
    before: Vec<u8>,
    between: Vec<u8>,
    after: Vec<u8>,
    /// The usage lines, JSON-escaped.
    tail: Vec<u8>,
    /// The usage lines' length in characters (the section's limit counts characters).
    tail_chars: usize,
}

impl UsageTemplate {
    /// The template of a run of usage lines, built on first use. None when the usage alone
    /// is too long for one section.
    fn of(usage: &'static [(&'static str, &'static str)]) -> std::sync::Arc<Option<Self>> {
        use std::collections::HashMap;
        use std::sync::{Arc, OnceLock, RwLock};
        type Cache = RwLock<HashMap<(usize, usize), Arc<Option<UsageTemplate>>>>;
        static CACHE: OnceLock<Cache> = OnceLock::new();
        let cache = CACHE.get_or_init(Default::default);
        let key = (usage.as_ptr() as usize, usage.len());
        if let Some(t) = cache.read().expect("usage cache").get(&key) {
            return t.clone();
        }
        let t = Arc::new(Self::build(usage));
        cache.write().expect("usage cache").insert(key, t.clone());
        t
    }

    fn build(usage: &[(&str, &str)]) -> Option<Self> {
        // Serialize the reply once with a marker (a NUL, which no message holds escaped
        // like this) for the message, and cut the JSON around the two copies of the text.
        const MARK: &[u8] = b"\\u0000";
        let tail_text = usage_lines(usage);
        let tail_chars = tail_text.chars().count();
        if tail_chars + 1 > MAX_SECTION_TEXT {
            return None;
        }
        let reply = usage_error(&UsageError {
            message: String::new(),
            usage: &[],
        });
        let head_text = reply.text.clone();
        let text = format!("{head_text}\u{0}{tail_text}");
        let reply = Reply {
            blocks: vec![section(&text)],
            text,
        };
        let json = serde_json::to_vec(&reply.ephemeral_body()).ok()?;
        let marked_tail = escaped(&format!("\u{0}{tail_text}"));
        let tail = marked_tail.strip_prefix(MARK)?.to_vec();
        let mut needle = escaped(&head_text);
        needle.extend_from_slice(&marked_tail);
        let first = find(&json, &needle)?;
        let second = first + needle.len() + find(&json[first + needle.len()..], &needle)?;
        Some(Self {
            before: json[..first].to_vec(),
            between: json[first + needle.len()..second].to_vec(),
            after: json[second + needle.len()..].to_vec(),
            tail,
            tail_chars,
        })
    }

    fn render(&self, head: &str) -> Vec<u8> {
        let head = escaped(head);
        let mut out = Vec::with_capacity(
            self.before.len()
                + self.between.len()
                + self.after.len()
                + 2 * (head.len() + self.tail.len()),
        );
        out.extend_from_slice(&self.before);
        out.extend_from_slice(&head);
        out.extend_from_slice(&self.tail);
        out.extend_from_slice(&self.between);
        out.extend_from_slice(&head);
        out.extend_from_slice(&self.tail);
        out.extend_from_slice(&self.after);
        out
    }
}

/// `s` as serde_json writes it inside a string's quotes.
fn escaped(s: &str) -> Vec<u8> {
    let mut out = serde_json::to_vec(s).expect("a string serializes");
    out.pop();
    out.remove(0);
    out
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
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

    /// usage_error_body sends the bytes usage_error's reply serializes to, for every usage
    /// list a command can answer with, and for messages that need escaping or are too long
    /// to send whole.
    #[test]
    fn a_usage_errors_body_is_its_reply_serialized() {
        let long = "x".repeat(3_000);
        let texts = [
            "hello world",
            "clam 4521",
            "claim",
            "claim #",
            "claim 1 2",
            "release",
            "escalate",
            "assign 4521",
            "assign 4521 dana",
            "mine now",
            "queue x",
            "on x",
            "off x",
            "who x",
            "whoami x",
            "directive",
            "directive end",
            "digest later",
            "stats month",
            "followup",
            "followup 4521 weekly from 2026-13-01",
            "followup 4521 from",
            "\"quoted\" \\back\\slash",
            "tab\there",
            "caf\u{e9} \u{1F600} <@U1|dana> & <b>",
            "\u{1}\u{1f}",
            &long,
            "x\u{2028}y",
        ];
        for text in texts {
            let err = crate::slack::commands::parse(text).expect_err(text);
            let generic = serde_json::to_vec(&usage_error(&err).ephemeral_body()).unwrap();
            assert_eq!(
                String::from_utf8(usage_error_body(&err)).unwrap(),
                String::from_utf8(generic).unwrap(),
                "{text}"
            );
        }
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
