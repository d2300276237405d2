//! The daily summary as messages: the day's figures and the first people of the per-agent
//! table in the first message, the rest of the table in its thread, 40 people a message
//! (`domain::summary::AGENTS_PER_PAGE`), sections cut at Slack's 3,000 characters.

use super::notice::{when, Rendered};
use super::{context, section, MAX_SECTION_TEXT};
use crate::domain::summary::{Summary, AGENTS_PER_PAGE};
use slack_morphism::prelude::SlackBlock;
use std::collections::BTreeMap;

fn counts(m: &BTreeMap<String, i64>) -> String {
    if m.is_empty() {
        return "none".into();
    }
    m.iter()
        .map(|(k, n)| format!("{k}: {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn minutes(p: Option<(i64, i64)>) -> String {
    match p {
        Some((median, p90)) => format!("median {median} min, 90% within {p90} min"),
        None => "none yet".into(),
    }
}

/// Lines into sections of at most 3,000 characters.
fn sections(lines: &[String]) -> Vec<SlackBlock> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for l in lines {
        if !cur.is_empty() && cur.chars().count() + l.chars().count() + 1 > MAX_SECTION_TEXT {
            out.push(section(&cur));
            cur.clear();
        }
        if !cur.is_empty() {
            cur.push('\n');
        }
        cur.push_str(l);
    }
    if !cur.is_empty() {
        out.push(section(&cur));
    }
    out
}

fn figures(s: &Summary) -> Vec<String> {
    let received: i64 = s.received.values().map(|(n, _)| n).sum();
    let open: i64 = s.received.values().map(|(_, o)| o).sum();
    let mut lines = vec![format!(
        "*Received: {received}* ({} handled, {open} still open)",
        received - open
    )];
    for (kind, (n, o)) in &s.received {
        lines.push(format!("• {}: {n} ({o} open)", kind.replace('_', " ")));
    }
    lines.push(format!("*Time to claim:* {}", minutes(s.claim_minutes)));
    lines.push(format!(
        "*Time to first response:* {}",
        minutes(s.response_minutes)
    ));
    lines.push(format!(
        "*SLA:* warnings {}; breaches {}",
        counts(&s.sla_warnings),
        counts(&s.sla_breaches)
    ));
    lines.push(format!("*Escalations:* {}", counts(&s.escalations)));
    if !s.unclaimed_escalations.is_empty() {
        let by_kind: BTreeMap<String, i64> = s
            .unclaimed_escalations
            .iter()
            .map(|(k, n)| (k.replace('_', " "), *n))
            .collect();
        lines.push(format!(
            "*Unclaimed past their time* (re-announced to the leads): {}",
            counts(&by_kind)
        ));
    }
    lines.push(format!(
        "*Missed calls:* {}, called back: {}",
        s.missed_calls, s.callbacks
    ));
    lines.push(format!(
        "*Follow-ups:* {} steps logged ({} closed unresponsive, {} escalated), {} overdue",
        s.followups_done, s.followups_closed, s.followups_escalated, s.followups_overdue
    ));
    if !s.checkins.is_empty() {
        let who: Vec<String> = s
            .checkins
            .iter()
            .map(|(u, (p, c))| format!("<@{u}> {c}/{p}"))
            .collect();
        lines.push(format!("*Check-ins:* {}", who.join(", ")));
    }
    if !s.directives_missing.is_empty() {
        let d: Vec<String> = s
            .directives_missing
            .iter()
            .map(|(id, n)| format!("{id}: {n} to go"))
            .collect();
        lines.push(format!(
            "*Directives not yet acknowledged:* {}",
            d.join(", ")
        ));
    }
    lines.push(format!("*Waiting on engineering:* {}", s.fringe));
    lines
}

fn agents(s: &Summary, page: usize) -> Vec<String> {
    let mut lines = Vec::new();
    if page == 0 && !s.agents.is_empty() {
        lines.push(
            "*Per person* (claims · first responses · follow-ups · callbacks · social · escalations)"
                .to_string(),
        );
    }
    for (u, f) in s
        .agents
        .iter()
        .skip(page * AGENTS_PER_PAGE)
        .take(AGENTS_PER_PAGE)
    {
        lines.push(format!(
            "• <@{u}>: {} · {} · {} · {} · {} · {}",
            f.claims, f.first_responses, f.followups, f.callbacks, f.social, f.escalations
        ));
    }
    lines
}

/// "120 ↑ 20% (100)": a figure beside the week before's.
fn change(now: i64, before: i64) -> String {
    match (now, before) {
        (0, 0) => "0 (0)".to_string(),
        (n, 0) => format!("{n} ↑ new (0)"),
        (n, b) => {
            let pct = (n - b) * 100 / b;
            let arrow = match pct {
                p if p > 0 => "↑",
                p if p < 0 => "↓",
                _ => "=",
            };
            format!("{n} {arrow} {}% ({b})", pct.abs())
        }
    }
}

/// A day as the reader's Slack shows it: "Mon, Nov 16" (the fallback: the unix time).
fn day(at_ms: i64) -> String {
    let s = at_ms / 1000;
    format!("<!date^{s}^{{date_short_pretty}}|{s}>")
}

/// The week's figures beside the week before's.
pub fn weekly(this: &Summary, before: &Summary) -> Rendered {
    let total = |s: &Summary| s.received.values().map(|(n, _)| n).sum::<i64>();
    let claims = |s: &Summary| s.agents.values().map(|f| f.claims).sum::<i64>();
    let breaches = |s: &Summary| s.sla_breaches.values().sum::<i64>();
    let escalations = |s: &Summary| s.escalations.values().sum::<i64>();
    let median = |s: &Summary| s.claim_minutes.map_or(0, |m| m.0);
    let head = format!(
        ":calendar: *The week* {} to {} ({}), against the week before",
        day(this.from),
        day(this.to),
        this.timezone
    );
    let lines = vec![
        head.clone(),
        format!("*Received:* {}", change(total(this), total(before))),
        format!("*Claims:* {}", change(claims(this), claims(before))),
        format!(
            "*Median time to claim (min):* {}",
            change(median(this), median(before))
        ),
        format!(
            "*SLA breaches:* {}",
            change(breaches(this), breaches(before))
        ),
        format!(
            "*Escalations:* {}",
            change(escalations(this), escalations(before))
        ),
        format!("*Callbacks:* {}", change(this.callbacks, before.callbacks)),
    ];
    Rendered {
        text: head,
        blocks: Some(sections(&lines)),
    }
}

/// Page `page` of the summary.
pub fn page(s: &Summary, page: usize) -> Rendered {
    titled(s, page, "Daily summary")
}

/// `/cx stats`: the figures and the per-person table (every page's people, one reply).
pub fn stats(s: &Summary) -> super::Reply {
    let mut blocks = Vec::new();
    let mut text = String::new();
    for p in 0..s.page_count() {
        let r = titled(s, p, "Figures");
        if p == 0 {
            text = r.text;
        }
        blocks.extend(r.blocks.unwrap_or_default());
    }
    blocks.truncate(super::MAX_MESSAGE_BLOCKS);
    super::Reply { text, blocks }
}

fn titled(s: &Summary, page: usize, title: &str) -> Rendered {
    let pages = s.page_count();
    let head = format!(
        ":bar_chart: *{title}*{} from {} to {} ({})",
        if s.late {
            " (late: cxbot was down at its time)"
        } else {
            ""
        },
        when(s.from),
        when(s.to),
        s.timezone
    );
    let mut lines = if page == 0 {
        let mut l = vec![head.clone()];
        l.extend(figures(s));
        l
    } else {
        Vec::new()
    };
    lines.extend(agents(s, page));
    let mut blocks = sections(&lines);
    if pages > 1 {
        blocks.push(context(format!("Page {} of {pages}", page + 1)));
    }
    Rendered {
        text: if page == 0 {
            head
        } else {
            format!("Daily summary, page {} of {pages}", page + 1)
        },
        blocks: Some(blocks),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::summary::AgentFigures;

    /// A 500-ticket day with a claim each by 500 people: the table pages into the thread,
    /// every message within Slack's limits, nobody left out.
    #[test]
    fn a_long_day_pages_within_slack_limits() {
        let mut s = Summary {
            timezone: "America/New_York".into(),
            ..Summary::default()
        };
        s.received.insert("email".into(), (500, 20));
        for i in 0..500 {
            s.agents.insert(
                format!("U{i:08}"),
                AgentFigures {
                    claims: 1,
                    ..AgentFigures::default()
                },
            );
        }
        assert_eq!(s.page_count(), 13);
        let mut listed = 0;
        for p in 0..s.page_count() {
            let r = page(&s, p);
            let blocks = r.blocks.unwrap();
            assert!(blocks.len() <= super::super::MAX_MESSAGE_BLOCKS, "page {p}");
            let json = serde_json::to_value(&blocks).unwrap();
            for b in json.as_array().unwrap() {
                if let Some(t) = b["text"]["text"].as_str() {
                    assert!(t.chars().count() <= MAX_SECTION_TEXT, "page {p}");
                    listed += t.matches("• <@U").count();
                }
            }
        }
        assert_eq!(listed, 500);
        assert!(page(&s, 0).text.contains("Daily summary"));
    }
}
