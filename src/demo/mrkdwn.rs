//! Slack's mrkdwn as plain terminal text: mentions as names, links as their labels, dates
//! as Slack shows them (in the team's time zone), bold and italic marks dropped, entities and
//! the emoji codes cxbot uses as characters.

use super::Team;
use chrono::DateTime;
use serde_json::Value;
use std::fmt::Write as _;

/// A message's text as plain lines: its blocks (header, sections, fields, context) when it
/// has any, else its fallback text.
pub fn message_lines(params: &Value, team: &Team) -> Vec<String> {
    let mut raw = String::new();
    let blocks = match &params["blocks"] {
        Value::String(s) => serde_json::from_str(s).unwrap_or(Value::Null),
        other => other.clone(),
    };
    for b in blocks.as_array().into_iter().flatten() {
        match b["type"].as_str() {
            Some("header") | Some("section") => {
                if let Some(t) = b["text"]["text"].as_str() {
                    let _ = writeln!(raw, "{t}");
                }
                for f in b["fields"].as_array().into_iter().flatten() {
                    if let Some(t) = f["text"].as_str() {
                        let _ = writeln!(raw, "{t}");
                    }
                }
            }
            Some("context") => {
                for e in b["elements"].as_array().into_iter().flatten() {
                    if let Some(t) = e["text"].as_str() {
                        let _ = writeln!(raw, "{t}");
                    }
                }
            }
            _ => {}
        }
    }
    if raw.trim().is_empty() {
        raw = params["text"].as_str().unwrap_or_default().to_string();
    }
    plain(&raw, team)
        .lines()
        .map(str::trim_end)
        .filter(|l| !l.trim().is_empty() && l.trim() != "```")
        .map(str::to_string)
        .collect()
}

/// Slack mrkdwn to plain text: `<@U1>` -> the person's name, `<url|label>` -> label,
/// `*bold*` and `_italic_` marks dropped, entities and emoji codes turned into characters.
pub fn plain(s: &str, team: &Team) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('>') else {
            out.push_str(&rest[open..]);
            rest = "";
            break;
        };
        let inner = &after[..close];
        let (target, label) = match inner.split_once('|') {
            Some((t, l)) => (t, Some(l)),
            None => (inner, None),
        };
        if let Some(user) = target.strip_prefix('@') {
            out.push_str(&team.name(user));
        } else if let Some(ch) = target.strip_prefix('#') {
            out.push('#');
            out.push_str(label.unwrap_or(ch));
        } else if let Some(date) = target.strip_prefix("!date^") {
            out.push_str(&slack_date(date, label, team));
        } else if let Some(special) = target.strip_prefix('!') {
            out.push('@');
            out.push_str(label.unwrap_or(special));
        } else {
            out.push_str(label.unwrap_or(target));
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    let out = emoji(&out);
    let out = out.replace(['*', '`'], "");
    let out = drop_italics(&out);
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// `<!date^SECONDS^FORMAT|fallback>` as Slack shows it, in the team's time zone.
fn slack_date(spec: &str, fallback: Option<&str>, team: &Team) -> String {
    let mut parts = spec.splitn(3, '^');
    let secs = parts.next().and_then(|s| s.parse::<i64>().ok());
    let format = parts.next();
    let (Some(secs), Some(format)) = (secs, format) else {
        return fallback.unwrap_or_default().to_string();
    };
    let Some(t) = DateTime::from_timestamp(secs, 0) else {
        return fallback.unwrap_or_default().to_string();
    };
    let t = t.with_timezone(&team.tz);
    format
        .replace("{time}", &t.format("%H:%M").to_string())
        .replace("{date_short_pretty}", &t.format("%a, %b %-d").to_string())
        .replace("{date_short}", &t.format("%b %-d").to_string())
        .replace("{date_num}", &t.format("%Y-%m-%d").to_string())
        .replace("{date_long}", &t.format("%A, %B %-d").to_string())
        .replace("{date}", &t.format("%B %-d").to_string())
}

/// `_x_` marks dropped; an underscore inside a word (`cx_only`) stays.
fn drop_italics(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    for (i, &c) in chars.iter().enumerate() {
        if c == '_' {
            let before = i.checked_sub(1).and_then(|j| chars.get(j));
            let after = chars.get(i + 1);
            if !(before.is_some_and(|b| b.is_alphanumeric())
                && after.is_some_and(|a| a.is_alphanumeric()))
            {
                continue;
            }
        }
        out.push(c);
    }
    out
}

const EMOJI: &[(&str, &str)] = &[
    (":speech_balloon:", "💬"),
    (":white_check_mark:", "✅"),
    (":warning:", "⚠️"),
    (":telephone_receiver:", "📞"),
    (":rotating_light:", "🚨"),
    (":mega:", "📣"),
    (":wave:", "👋"),
    (":leftwards_arrow_with_hook:", "↩️"),
    (":bust_in_silhouette:", "👤"),
    (":busts_in_silhouette:", "👥"),
    (":arrow_double_up:", "⏫"),
    (":sunrise:", "🌅"),
    (":repeat:", "🔁"),
    (":raising_hand:", "🙋"),
    (":lock:", "🔒"),
    (":hourglass_flowing_sand:", "⏳"),
    (":hourglass:", "⌛"),
    (":grey_question:", "❔"),
    (":date:", "📅"),
    (":calendar:", "📆"),
    (":clipboard:", "📋"),
    (":city_sunset:", "🌇"),
    (":ballot_box_with_check:", "☑️"),
    (":alarm_clock:", "⏰"),
    (":zzz:", "💤"),
    (":x:", "❌"),
    (":tada:", "🎉"),
    (":no_entry_sign:", "🚫"),
    (":large_blue_circle:", "🔵"),
    (":clock:", "🕐"),
    (":bar_chart:", "📊"),
    (":arrows_counterclockwise:", "🔄"),
];

fn emoji(s: &str) -> String {
    if !s.contains(':') {
        return s.to_string();
    }
    let mut out = s.to_string();
    for (code, glyph) in EMOJI {
        if out.contains(code) {
            out = out.replace(code, glyph);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn team() -> Team {
        Team::for_tests(&[("U0ANA", "Ana")])
    }

    #[test]
    fn mrkdwn_becomes_plain_text_with_names() {
        let t = team();
        assert_eq!(
            plain(
                "*Claimed by* <@U0ANA> · <https://x.test/1|freshdesk #4521>",
                &t
            ),
            "Claimed by Ana · freshdesk #4521"
        );
        assert_eq!(
            plain(
                ":rotating_light: _late_ in cx_only &amp; <#C1|cx-leads>",
                &t
            ),
            "🚨 late in cx_only & #cx-leads"
        );
        assert_eq!(plain("<!here> `code`", &t), "@here code");
        assert_eq!(
            plain(
                "due <!date^1795450200^at {time} on {date_short}|at 1795450200>",
                &t
            ),
            "due at 11:10 on Nov 23"
        );
    }
}
