//! Helpdesk strings into plain values: HTML bodies into plain text, rendered timestamps into
//! instants. Shared by every helpdesk (Freshdesk and Intercom both send HTML).

use chrono::{DateTime, NaiveDateTime, Utc};

/// Plain text from a helpdesk HTML fragment: tags dropped, block boundaries and `<br>` become
/// line breaks, images become `[image]` (so a reader knows something was there), `<script>`/`<style>`
/// content and comments dropped, the common entities decoded, runs of spaces collapsed and at
/// most one blank line kept. Not a full HTML parser: enough for ticket descriptions and notes.
pub fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        push_text(&mut out, &rest[..lt]);
        rest = &rest[lt..];
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.find("-->").map_or("", |end| &after[end + 3..]);
            continue;
        }
        let Some(gt) = rest.find('>') else {
            // A lone '<' is text.
            push_text(&mut out, rest);
            rest = "";
            break;
        };
        let tag = &rest[1..gt];
        rest = &rest[gt + 1..];
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        match name.as_str() {
            "script" | "style" if !tag.starts_with('/') => {
                let close = format!("</{name}");
                rest = find_ci(rest, &close)
                    .and_then(|at| rest[at..].find('>').map(|gt| &rest[at + gt + 1..]))
                    .unwrap_or("");
            }
            "img" => out.push_str(" [image] "),
            // An explicit break always counts (`<div><br></div>` is Freshdesk's blank line).
            "br" => out.push('\n'),
            // A block boundary starts a new line once: `</div><div>` is one break, not two.
            "p" | "div" | "li" | "tr" | "ul" | "ol" | "table" | "blockquote" | "pre" | "h1"
            | "h2" | "h3" | "h4" | "h5" | "h6"
                if out.trim_end_matches(' ').ends_with(|c| c != '\n') =>
            {
                out.push('\n')
            }
            "td" | "th" => out.push(' '),
            _ => {}
        }
    }
    push_text(&mut out, rest);
    tidy(&out)
}

fn find_ci(haystack: &str, needle: &str) -> Option<usize> {
    haystack
        .to_ascii_lowercase()
        .find(&needle.to_ascii_lowercase())
}

/// Appends a text run: source line breaks are just whitespace in HTML, entities decoded.
fn push_text(out: &mut String, text: &str) {
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.extend(rest[..amp].chars().map(html_space));
        rest = &rest[amp..];
        match rest.find(';').filter(|&semi| semi <= 10) {
            Some(semi) => match decode_entity(&rest[1..semi]) {
                Some(c) => {
                    out.push(html_space(c));
                    rest = &rest[semi + 1..];
                }
                None => {
                    out.push('&');
                    rest = &rest[1..];
                }
            },
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.extend(rest.chars().map(html_space));
}

fn html_space(c: char) -> char {
    match c {
        '\n' | '\r' | '\t' | '\u{a0}' => ' ',
        c => c,
    }
}

fn decode_entity(name: &str) -> Option<char> {
    match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        "nbsp" => Some(' '),
        _ => {
            let num = name.strip_prefix('#')?;
            let code = match num.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => num.parse().ok()?,
            };
            char::from_u32(code)
        }
    }
}

/// Collapses spaces within lines, trims lines, keeps at most one blank line in a row.
fn tidy(text: &str) -> String {
    let mut lines: Vec<String> = Vec::new();
    for line in text.lines() {
        let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
        if line.is_empty() && lines.last().is_none_or(|l| l.is_empty()) {
            continue;
        }
        lines.push(line);
    }
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    lines.join("\n")
}

/// An instant from a helpdesk timestamp: RFC 3339 (`2026-11-22T10:00:00Z`, any offset,
/// fractional seconds), or `YYYY-MM-DD HH:MM:SS` with an optional ` +0000`/` UTC` suffix, read
/// as UTC. `None` when it is none of these.
pub fn parse_timestamp(raw: &str) -> Option<DateTime<Utc>> {
    let raw = raw.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(t) = DateTime::parse_from_str(raw, "%Y-%m-%d %H:%M:%S%.f %z") {
        return Some(t.with_timezone(&Utc));
    }
    let naive = raw.strip_suffix(" UTC").unwrap_or(raw);
    NaiveDateTime::parse_from_str(naive, "%Y-%m-%d %H:%M:%S%.f")
        .ok()
        .map(|t| t.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_tags_and_decodes_entities() {
        assert_eq!(
            html_to_text("<div>Test ticket description ☃.</div>"),
            "Test ticket description ☃."
        );
        assert_eq!(
            html_to_text("<p>Fish &amp; chips &lt;3&nbsp;&#8364;&#x41;</p><p>Bye</p>"),
            "Fish & chips <3 €A\nBye"
        );
        assert_eq!(
            html_to_text("<style>p{color:red}</style>Hi<script>alert(1)</script><!-- x -->!"),
            "Hi!"
        );
        assert_eq!(html_to_text("a < b & c"), "a < b & c");
    }

    #[test]
    fn line_breaks_come_from_tags_not_source_newlines() {
        assert_eq!(
            html_to_text(
                "<div>one\n two</div>\n<div><br></div>\n<div></div><div>three<br/>four</div>"
            ),
            "one two\n\nthree\nfour"
        );
    }

    #[test]
    fn parses_rendered_timestamps() {
        let want = DateTime::parse_from_rfc3339("2026-11-22T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        for raw in [
            "2026-11-22T10:00:00Z",
            "2026-11-22T11:00:00+01:00",
            "2026-11-22 10:00:00",
            "2026-11-22 10:00:00 UTC",
            "2026-11-22 10:00:00.000000000 +0000",
        ] {
            assert_eq!(parse_timestamp(raw), Some(want), "{raw}");
        }
        assert_eq!(parse_timestamp("yesterday"), None);
    }
}
