//! What a CX lead would see, as terminal lines: each Slack call the stand-in recorded
//! becomes a line (or a few) at its simulated time, with the channel or DM it landed in:
//! cards with their ticket number, thread lines indented under the card they belong to,
//! DMs under the person's name, and what only one person sees marked as such. Slack's
//! mrkdwn is turned into plain text; user ids into names.

use super::mrkdwn::{message_lines, plain};
use super::slack::{Call, SlackStandIn};
use super::Team;
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

/// Width of the "where" column.
const WHERE: usize = 14;
/// Longest line of text printed for one message line (characters).
const WIDTH: usize = 110;

#[derive(Debug, Default, Clone)]
pub struct Tally {
    pub cards: u64,
    pub thread_lines: u64,
    pub dms: u64,
    pub private: u64,
    pub other_posts: u64,
    pub updates: u64,
    pub home_tabs: u64,
    pub forms: u64,
    pub limited: u64,
    /// Top-level posts by channel name.
    pub by_channel: BTreeMap<String, u64>,
}

/// A card as it stands after its last update.
struct CardState {
    ts: String,
    place: String,
    icon: &'static str,
    label: String,
    /// The card's fallback text: "headline (priority, status)".
    text: String,
    owner: Option<String>,
    thread_lines: u64,
}

/// A posted top-level message a thread line may point at.
struct Parent {
    /// "#4521" for a card, else the message's first words.
    label: String,
    /// The daily summary's lines (its thread's too), kept for the end.
    summary: Option<Vec<String>>,
}

pub struct Printer {
    tz: chrono_tz::Tz,
    parents: HashMap<String, Parent>,
    summaries: Vec<(DateTime<Utc>, String)>,
    cards: Vec<CardState>,
    pub tally: Tally,
    /// Lines printed so far.
    pub lines: usize,
    /// Answers only one person sees are counted, not printed (check-in thanks).
    pub mute_private: bool,
    /// DM rows held back, to merge with identical ones to others at the same time.
    held: Vec<Held>,
}

/// A DM row waiting to see whether the next ones say the same to others.
struct Held {
    at: DateTime<Utc>,
    people: Vec<String>,
    text: String,
}

impl Printer {
    pub fn new(tz: chrono_tz::Tz) -> Self {
        Self {
            tz,
            parents: HashMap::new(),
            summaries: Vec::new(),
            cards: Vec::new(),
            tally: Tally::default(),
            lines: 0,
            mute_private: false,
            held: Vec::new(),
        }
    }

    fn emit(&mut self, line: &str) {
        self.release();
        self.print(line);
    }

    fn print(&mut self, line: &str) {
        self.lines += 1;
        println!("{line}");
    }

    /// Prints the held DM rows: "DM Ana" or, the same words to several, "DMs" naming them.
    pub fn release(&mut self) {
        for h in std::mem::take(&mut self.held) {
            let line = if h.people.len() == 1 {
                self.format_row(h.at, &format!("DM {}", h.people[0]), &h.text)
            } else {
                let text = format!("→ {}: {}", h.people.join(", "), h.text);
                self.format_row(h.at, "DMs", &text)
            };
            self.print(&line);
        }
    }

    /// A one-line DM: held until something else is printed, so the same words to several
    /// people at once print once.
    fn dm_row(&mut self, at: DateTime<Utc>, person: String, text: String) {
        match self
            .held
            .iter_mut()
            .find(|h| h.at.timestamp() / 60 == at.timestamp() / 60 && h.text == text)
        {
            Some(h) => h.people.push(person),
            None => self.held.push(Held {
                at,
                people: vec![person],
                text,
            }),
        }
    }

    fn format_row(&self, at: DateTime<Utc>, place: &str, text: &str) -> String {
        let time = at.with_timezone(&self.tz).format("%H:%M");
        format!("{time}  {place:<WHERE$} {}", clip(text, WIDTH))
    }

    fn row(&mut self, at: DateTime<Utc>, place: &str, text: &str) {
        let line = self.format_row(at, place, text);
        self.emit(&line);
    }

    /// A continuation line under the previous one.
    fn more(&mut self, text: &str) {
        let line = format!("{:7}{:<WHERE$}   {}", "", "", clip(text, WIDTH - 3));
        self.emit(&line);
    }

    pub fn day_heading(&mut self, day: NaiveDate) {
        let title = day.format("%A %-d %B %Y").to_string();
        let line = format!(
            "\n── {title} {}",
            "─".repeat(60usize.saturating_sub(title.len()))
        );
        self.emit(&line);
    }

    pub fn heading(&mut self, title: &str) {
        let line = format!(
            "\n══ {title} {}",
            "═".repeat(60usize.saturating_sub(title.len()))
        );
        self.emit(&line);
    }

    pub fn plain_line(&mut self, text: &str) {
        self.emit(text);
    }

    /// Something a person does: a command typed, a button clicked.
    pub fn action(&mut self, at: DateTime<Utc>, who: &str, what: &str) {
        self.row(at, &format!("{who} ▸"), what);
    }

    /// Something that happens outside Slack: a call rings out, a customer writes.
    pub fn narrate(&mut self, at: DateTime<Utc>, what: &str) {
        self.row(at, "·", what);
    }

    /// The answer to a command, which only its author sees: its first `lines` lines.
    pub fn private_reply(&mut self, reply: &Value, lines: usize, team: &Team) {
        for (i, l) in message_lines(reply, team).iter().take(lines).enumerate() {
            self.more(&format!("{} {l}", if i == 0 { "↳" } else { " " }));
        }
    }

    fn place(&self, channel: &str, slack: &SlackStandIn, team: &Team) -> String {
        if let Some(user) = slack.dm_user(channel) {
            return format!("DM {}", team.name(&user));
        }
        slack
            .channel_name(channel)
            .unwrap_or_else(|| channel.to_string())
    }

    /// One recorded call, as the lines it shows.
    pub fn call(&mut self, c: &Call, slack: &SlackStandIn, team: &Team) {
        match c.method.as_str() {
            "chat.postMessage" if c.status == 429 => self.tally.limited += 1,
            "chat.postMessage" => self.post(c, slack, team),
            "chat.update" => {
                self.tally.updates += 1;
                let ts = c.params["ts"].as_str().unwrap_or_default();
                if let Some(card) = self.cards.iter_mut().find(|k| k.ts == ts) {
                    card.text = plain(c.params["text"].as_str().unwrap_or_default(), team);
                    card.owner = owner(&message_lines(&c.params, team));
                }
            }
            "views.publish" => self.tally.home_tabs += 1,
            "views.open" | "views.push" => self.tally.forms += 1,
            "chat.postEphemeral" => {
                self.tally.private += 1;
                if self.mute_private {
                    return;
                }
                let channel = c.params["channel"].as_str().unwrap_or_default();
                let place = self.place(channel, slack, team);
                let who = team.name(c.params["user"].as_str().unwrap_or_default());
                let text = first_line(&message_lines(&c.params, team));
                self.row(c.at, &place, &format!("(only {who} sees) {text}"));
            }
            _ => {}
        }
    }

    fn post(&mut self, c: &Call, slack: &SlackStandIn, team: &Team) {
        let channel = c.answer["channel"].as_str().unwrap_or_default().to_string();
        let place = self.place(&channel, slack, team);
        let ts = c.answer["ts"].as_str().unwrap_or_default().to_string();
        let lines = message_lines(&c.params, team);
        if let Some(parent_ts) = c.params["thread_ts"].as_str() {
            self.tally.thread_lines += 1;
            if let Some(Parent {
                summary: Some(kept),
                ..
            }) = self.parents.get_mut(parent_ts)
            {
                // The summary's per-person table: kept for the end, not streamed.
                kept.extend(lines);
                return;
            }
            let label = self
                .parents
                .get(parent_ts)
                .map(|p| p.label.clone())
                .unwrap_or_default();
            if let Some(card) = self.cards.iter_mut().find(|k| k.ts == parent_ts) {
                card.thread_lines += 1;
            }
            let text = first_line(&lines);
            self.row(c.at, &place, &format!("  └ {label} {text}"));
            for l in lines.iter().skip(1).take(2) {
                self.more(&format!("    {l}"));
            }
            return;
        }
        *self.tally.by_channel.entry(place.clone()).or_default() += 1;
        if let Some((label, kind)) = card_of(&c.params, team) {
            self.tally.cards += 1;
            let head = plain(c.params["text"].as_str().unwrap_or_default(), team);
            self.row(c.at, &place, &format!("{} {label} {head}", icon(&kind)));
            for l in card_details(&lines) {
                self.more(&l);
            }
            self.cards.push(CardState {
                ts: ts.clone(),
                place: place.clone(),
                icon: icon(&kind),
                label: label.clone(),
                text: head,
                owner: owner(&lines),
                thread_lines: 0,
            });
            self.parents.insert(
                ts,
                Parent {
                    label,
                    summary: None,
                },
            );
            return;
        }
        let first = first_line(&lines);
        if let Some(person) = place.strip_prefix("DM ") {
            self.tally.dms += 1;
            if lines.len() == 1 {
                self.dm_row(c.at, person.to_string(), first);
                return;
            }
        } else {
            self.tally.other_posts += 1;
        }
        let is_summary = first.contains("Daily summary");
        self.row(c.at, &place, &first);
        let shown = if is_summary { 1 } else { 4 };
        for l in lines.iter().skip(1).take(shown) {
            self.more(l);
        }
        if lines.len() > 1 + shown {
            self.more(&format!("… ({} more lines)", lines.len() - 1 - shown));
        }
        self.parents.insert(
            ts,
            Parent {
                label: format!("[{}]", clip(&first, 40)),
                summary: is_summary.then(|| lines.clone()),
            },
        );
        if is_summary {
            self.summaries
                .push((c.at, c.answer["ts"].as_str().unwrap_or_default().into()));
        }
    }

    /// Every card as it stands now, channel by channel: headline, priority and status,
    /// who has it, how long its thread is.
    pub fn channels(&mut self) {
        let mut places: Vec<String> = Vec::new();
        for c in &self.cards {
            if !places.contains(&c.place) {
                places.push(c.place.clone());
            }
        }
        let mut lines = Vec::new();
        for place in places {
            for (i, c) in self.cards.iter().filter(|c| c.place == place).enumerate() {
                let who = c.owner.as_deref().unwrap_or("nobody");
                let text = format!(
                    "{} {} {} · {who} · {} thread line{}",
                    c.icon,
                    c.label,
                    c.text,
                    c.thread_lines,
                    if c.thread_lines == 1 { "" } else { "s" }
                );
                let shown = if i == 0 { place.as_str() } else { "" };
                lines.push(format!("{:7}{shown:<WHERE$} {}", "", clip(&text, WIDTH)));
            }
        }
        for l in lines {
            self.emit(&l);
        }
    }

    /// The first daily summary posted, in full, with its thread.
    pub fn first_summary(&self) -> Option<(DateTime<Utc>, Vec<String>)> {
        let (at, ts) = self.summaries.first()?;
        let lines = self.parents.get(ts)?.summary.clone()?;
        Some((*at, lines))
    }
}

/// A card's ticket label ("#4521") and kind ("missed call"), from its footer.
fn card_of(params: &Value, team: &Team) -> Option<(String, String)> {
    const ROUTED: &str = "routed to this channel as ";
    let blocks = params["blocks"].as_array()?;
    blocks.iter().rev().find_map(|b| {
        let text = b["elements"][0]["text"].as_str()?;
        let (link, kind) = text.split_once(ROUTED)?;
        let link = plain(link, team);
        let number = link
            .trim()
            .trim_end_matches('·')
            .trim()
            .rsplit(' ')
            .next()?
            .to_string();
        Some((number, kind.trim().to_string()))
    })
}

/// The lines of a card worth a glance beside its headline: the customer's words, who
/// called, the follow-up text to send.
fn card_details(lines: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut follow_up = false;
    for l in lines {
        if follow_up {
            out.push(format!("  {l}"));
            follow_up = false;
        } else if l.starts_with("Follow-up to send") {
            out.push(l.clone());
            follow_up = true;
        } else if l.starts_with("> ") || l.starts_with("👤") || l.starts_with("❔") {
            out.push(l.clone());
        }
    }
    out.truncate(3);
    out
}

/// Who a card says has it ("Claimed by Ana"), if anyone.
fn owner(lines: &[String]) -> Option<String> {
    lines.iter().find_map(|l| {
        let (_, rest) = l.split_once("Claimed by ")?;
        Some(rest.split(" · ").next().unwrap_or(rest).trim().to_string())
    })
}

fn icon(kind: &str) -> &'static str {
    match kind {
        "missed call" => "📞",
        "missed chat" => "💬",
        "social" => "📣",
        "marketing" => "📢",
        "app review" => "⭐",
        "beta review" => "🧪",
        "email" => "📧",
        _ => "🎫",
    }
}

fn first_line(lines: &[String]) -> String {
    lines.first().cloned().unwrap_or_default()
}

/// Cut to `max` characters with an ellipsis.
fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(max - 1).collect();
        out.push('…');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn team() -> Team {
        Team::for_tests(&[("U0ANA", "Ana")])
    }

    #[test]
    fn a_cards_footer_names_its_ticket_and_kind() {
        let params = serde_json::json!({"blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": "Missed call"}},
            {"type": "context", "elements": [{"type": "mrkdwn",
              "text": "<https://acme.freshdesk.com/a/tickets/4521|freshdesk #4521>  ·  routed to this channel as missed call"}]}
        ]});
        assert_eq!(
            card_of(&params, &team()),
            Some(("#4521".to_string(), "missed call".to_string()))
        );
    }
}
