//! Freshdesk automation webhooks ("Trigger Webhook" action, JSON content).
//!
//! Freshdesk has no fixed webhook schema and no signature: the admin writes the body from
//! placeholders and sets the auth (we take the `X-Cxbot-Token` header or HTTP Basic, see
//! `auth.rs`). We accept the flat template zulip documented, under a `freshdesk_webhook` root:
//!
//! | field | use |
//! |---|---|
//! | `ticket_id` (required; string or number, digits) | `{{ticket.id}}` |
//! | `triggered_event` (required) | `{{triggered_event}}`, e.g. `{ticket_action:created}` |
//! | `ticket_subject`, `ticket_description` (HTML, stripped), `ticket_latest_public_comment` | text |
//! | `ticket_status`, `ticket_priority`, `ticket_source` | a display name or a numeric API code |
//! | `ticket_url`, `ticket_group_name`, `ticket_department`, `ticket_brand` | as is |
//! | `ticket_tags` | array, or one string split on commas |
//! | `ticket_requester_name`/`requester_name`/`ticket_contact_name`, `ticket_contact_email`/`requester_email`, `ticket_contact_phone`/`ticket_contact_mobile`/`requester_phone`, `ticket_order_id` | customer |
//! | `triggered_by` | optional: `requester`, `customer` or `contact` vs anything else (an agent) |
//! | `ticket_updated_at`/`updated_at`, `ticket_created_at`/`created_at` | RFC 3339 or `YYYY-MM-DD HH:MM:SS` |
//!
//! Kinds: `{ticket_action:created}` -> Ticket; `{status:{from:a,to:b}}` -> TicketStatus;
//! `{priority:{from:a,to:b}}` -> TicketPriority; `{responder_id:{from:a,to:b}}` (also `agent`,
//! `responder`, `assignee`) -> TicketAssignee, with `ticket_agent_id`/`ticket_agent_email`
//! when the template sends them; `{note_type:public}` -> CustomerReply unless
//! `triggered_by` names someone other than the requester (recommended automation condition:
//! "Performed by: Requester"); any other event sent with `triggered_by: requester` (e.g. a
//! "Reply is sent" rule) -> CustomerReply; `{note_type:private}` and everything else -> Ignored.
//! A body without `triggered_event` is Malformed (the template is wrong; a 422 shows the admin
//! in Freshdesk's webhook log). Freshcaller/Freshchat tickets arrive here as tickets with source
//! Phone/Chat; `domain::routing` decides "missed call"/"missed chat" from the subject.
//!
//! Codes (names are accepted in any case): status 2 Open, 3 Pending, 4 Resolved -> Solved,
//! 5 Closed, 6 and up (and any unknown name such as "Waiting on Customer") are custom statuses
//! -> Pending, 0/1 -> unknown (None). Priority 1-4 Low..Urgent, anything else -> None. Source 1
//! Email, 2 Portal, 3 Phone, 4 Forum, 5 Twitter, 6 Facebook, 7 Chat, 8 Mobihelp, 9 Feedback
//! Widget -> Web, 10 Outbound Email -> Email, 11 E-commerce, 12 Bot; unknown -> `Other`.
//! Unknown values degrade rather than reject: they only enrich a ticket we must not drop.
//!
//! Key: `freshdesk:{ticket_id}:{event}:{time}`, `event` being the normalised triggered event
//! (`status:4->6`) and `time` the updated-at field (as RFC 3339 when it parses) or, when the
//! template has none, `h` + a digest of the whole `freshdesk_webhook` object with keys sorted.
//! Freshdesk redelivers the body it rendered, so a retry digests the same; two different events
//! that render byte-identical bodies (say two public notes, with no comment text or time in the
//! template) would share a key, hence: put `{{ticket.latest_public_comment}}` or a time in it.

use super::json::{digest, parse_body, Obj};
use super::text::{html_to_text, parse_timestamp};
use super::{Delivery, WebhookError};
use crate::domain::intake::{
    normalize_name, Assignment, Change, EventKind, Helpdesk, IntakeEvent, Social,
};
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::Value;

mod codes;

pub use codes::{priority_from, source_from, status_from, status_from_code};

const ROOT: &str = "freshdesk_webhook";

/// A status, priority or source as Freshdesk rendered it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeOrName {
    Code(u64),
    Name(String),
}

/// `{{triggered_event}}`, which is not JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TriggeredEvent {
    /// `{ticket_action:created}`, `{note_type:private}`; both lower-cased.
    Action { key: String, value: String },
    /// `{status:{from:4,to:6}}`; the property lower-cased, values as sent.
    Change {
        property: String,
        from: String,
        to: String,
    },
}

impl TriggeredEvent {
    pub fn parse(raw: &str) -> Option<Self> {
        fn token(s: &str) -> &str {
            s.trim().trim_matches(|c| c == '"' || c == '\'').trim()
        }
        let inner = raw.trim().strip_prefix('{')?.strip_suffix('}')?;
        let (key, value) = inner.split_once(':')?;
        let key = token(key).to_ascii_lowercase();
        let value = value.trim();
        if key.is_empty() {
            return None;
        }
        if let Some(pairs) = value.strip_prefix('{').and_then(|v| v.strip_suffix('}')) {
            let (mut from, mut to) = (None, None);
            for pair in pairs.split(',') {
                let (k, v) = pair.split_once(':')?;
                match token(k).to_ascii_lowercase().as_str() {
                    "from" => from = Some(token(v).to_owned()),
                    "to" => to = Some(token(v).to_owned()),
                    _ => {}
                }
            }
            return Some(Self::Change {
                property: key,
                from: from?,
                to: to?,
            });
        }
        let value = token(value).to_ascii_lowercase();
        (!value.is_empty()).then_some(Self::Action { key, value })
    }

    /// Whitespace- and case-insensitive form used in keys: `ticket_action:created`, `status:4->6`.
    pub fn normalized(&self) -> String {
        match self {
            Self::Action { key, value } => format!("{key}:{value}"),
            Self::Change { property, from, to } => format!("{property}:{from}->{to}"),
        }
    }
}

/// The wire form of one Freshdesk delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FreshdeskPayload {
    pub ticket_id: String,
    pub triggered_event: TriggeredEvent,
    pub subject: Option<String>,
    pub description_html: Option<String>,
    pub latest_public_comment_html: Option<String>,
    pub status: Option<CodeOrName>,
    pub priority: Option<CodeOrName>,
    pub source: Option<CodeOrName>,
    pub url: Option<String>,
    pub tags: Vec<String>,
    pub group: Option<String>,
    pub department: Option<String>,
    pub brand: Option<String>,
    pub requester_name: Option<String>,
    pub requester_email: Option<String>,
    pub requester_phone: Option<String>,
    pub order_id: Option<String>,
    pub triggered_by: Option<String>,
    /// `{{ticket.agent.email}}`, and the agent's id when the template names it.
    pub agent_email: Option<String>,
    pub agent_id: Option<String>,
    pub updated_at: Option<String>,
    pub created_at: Option<String>,
    /// Digest of the `freshdesk_webhook` object, for the key when there is no time.
    pub digest: String,
    pub received_at: DateTime<Utc>,
}

fn code_or_name(o: &Obj<'_>, key: &str) -> Result<Option<CodeOrName>, WebhookError> {
    match o.get(key) {
        Some(Value::Number(n)) => n
            .as_u64()
            .map(|c| Some(CodeOrName::Code(c)))
            .ok_or_else(|| o.err(key, "expected a name or a numeric code")),
        _ => Ok(o.str(key)?.map(|s| match s.parse::<u64>() {
            Ok(code) => CodeOrName::Code(code),
            Err(_) => CodeOrName::Name(s.to_owned()),
        })),
    }
}

fn first(o: &Obj<'_>, keys: &[&'static str]) -> Result<Option<String>, WebhookError> {
    Ok(o.first_str(keys)?.map(|(_, s)| s.to_owned()))
}

impl TryFrom<&Delivery<'_>> for FreshdeskPayload {
    type Error = WebhookError;

    fn try_from(d: &Delivery<'_>) -> Result<Self, WebhookError> {
        let body = parse_body(d.body)?;
        let root = Obj::new(&body, "")?;
        let hook = root.req_object(ROOT)?;
        let o = Obj::new(hook, ROOT)?;

        let ticket_id = o
            .id("ticket_id")?
            .ok_or_else(|| o.err("ticket_id", "missing required field"))?;
        if !ticket_id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(o.err(
                "ticket_id",
                format!("expected a ticket number, got `{ticket_id}`"),
            ));
        }
        let raw_event = o.req_str("triggered_event")?;
        let triggered_event = TriggeredEvent::parse(raw_event).ok_or_else(|| {
            o.err(
                "triggered_event",
                format!(
                    "expected `{{key:value}}` or `{{property:{{from:a,to:b}}}}`, got `{raw_event}`"
                ),
            )
        })?;

        Ok(Self {
            ticket_id,
            triggered_event,
            subject: o.string("ticket_subject")?,
            description_html: o.string("ticket_description")?,
            latest_public_comment_html: o.string("ticket_latest_public_comment")?,
            status: code_or_name(&o, "ticket_status")?,
            priority: code_or_name(&o, "ticket_priority")?,
            source: code_or_name(&o, "ticket_source")?,
            url: o.string("ticket_url")?,
            tags: o.str_list("ticket_tags", &[','])?,
            group: o.string("ticket_group_name")?,
            department: first(&o, &["ticket_department", "department"])?,
            brand: o.string("ticket_brand")?,
            requester_name: first(
                &o,
                &[
                    "ticket_requester_name",
                    "requester_name",
                    "ticket_contact_name",
                ],
            )?,
            requester_email: first(
                &o,
                &[
                    "ticket_contact_email",
                    "requester_email",
                    "ticket_requester_email",
                ],
            )?,
            requester_phone: first(
                &o,
                &[
                    "ticket_contact_phone",
                    "ticket_contact_mobile",
                    "requester_phone",
                ],
            )?,
            order_id: first(&o, &["ticket_order_id", "order_id"])?,
            triggered_by: o.string("triggered_by")?,
            agent_email: first(&o, &["ticket_agent_email", "agent_email"])?,
            agent_id: first(&o, &["ticket_agent_id", "ticket_responder_id", "agent_id"])?,
            updated_at: first(&o, &["ticket_updated_at", "updated_at"])?,
            created_at: first(&o, &["ticket_created_at", "created_at"])?,
            digest: digest(hook),
            received_at: d.received_at,
        })
    }
}

fn is_requester(who: &str) -> bool {
    matches!(
        normalize_name(who).as_str(),
        "requester" | "customer" | "contact"
    )
}

fn kind_of(p: &FreshdeskPayload) -> Result<(EventKind, Option<Change>), WebhookError> {
    let by_requester = p.triggered_by.as_deref().map(is_requester);
    // `{status:{from:4,to:6}}` carries codes; a name is taken too, blank is unknown.
    let codes = |from: &str, to: &str| {
        let value = |s: &str| match s.parse() {
            Ok(code) => Some(CodeOrName::Code(code)),
            Err(_) => Some(CodeOrName::Name(s.to_owned())).filter(|_| !s.is_empty()),
        };
        (value(from), value(to))
    };
    match &p.triggered_event {
        TriggeredEvent::Action { key, value } if key == "ticket_action" && value == "created" => {
            Ok((EventKind::Ticket, None))
        }
        TriggeredEvent::Action { key, value } if key == "note_type" && value == "private" => {
            Err(WebhookError::ignored("private note"))
        }
        TriggeredEvent::Action { key, value } if key == "note_type" && value == "public" => {
            match by_requester {
                Some(false) => Err(WebhookError::ignored("public note not by the requester")),
                _ => Ok((EventKind::CustomerReply, None)),
            }
        }
        TriggeredEvent::Change { property, from, to } if property == "status" => {
            let (from, to) = codes(from, to);
            let change = Change::Status {
                from: from.as_ref().and_then(status_from),
                to: to.as_ref().and_then(status_from),
            };
            Ok((EventKind::TicketStatus, Some(change)))
        }
        TriggeredEvent::Change { property, from, to } if property == "priority" => {
            let (from, to) = codes(from, to);
            let change = Change::Priority {
                from: from.as_ref().and_then(priority_from),
                to: to.as_ref().and_then(priority_from),
            };
            Ok((EventKind::TicketPriority, Some(change)))
        }
        TriggeredEvent::Change { property, .. }
            if matches!(
                property.as_str(),
                "responder_id" | "responder" | "agent" | "agent_id" | "assignee"
            ) =>
        {
            Ok((EventKind::TicketAssignee, None))
        }
        _ if by_requester == Some(true) => Ok((EventKind::CustomerReply, None)),
        other => Err(WebhookError::ignored(format!(
            "Freshdesk event `{}` is not used",
            other.normalized()
        ))),
    }
}

/// Who a `{responder_id:{from:..,to:..}}` change gave the ticket to: the `to` value when it
/// is an id (Freshdesk agent ids are numbers), else the template's agent id; the agent's
/// email when the template has `{{ticket.agent.email}}`. A blank, `none` or `null` `to`
/// with no agent fields means unassigned.
fn assignment(p: &FreshdeskPayload) -> Assignment {
    let to = match &p.triggered_event {
        TriggeredEvent::Change { to, .. } => Some(to.trim()),
        TriggeredEvent::Action { .. } => None,
    };
    let unassigned = to.is_some_and(|t| {
        t.is_empty() || t.eq_ignore_ascii_case("none") || t.eq_ignore_ascii_case("null")
    });
    let id_from_change = to
        .filter(|t| !t.is_empty() && t.chars().all(|c| c.is_ascii_digit()))
        .map(str::to_owned);
    let agent_id = id_from_change.or_else(|| p.agent_id.clone());
    let agent_email = p.agent_email.clone().map(|e| e.trim().to_lowercase());
    if unassigned && p.agent_id.is_none() && agent_email.is_none() {
        return Assignment::default();
    }
    Assignment {
        agent_id: agent_id.or_else(|| agent_email.as_ref().map(|e| format!("email:{e}"))),
        agent_email,
    }
}

impl FreshdeskPayload {
    pub fn key(&self) -> String {
        let time = match &self.updated_at {
            Some(raw) => parse_timestamp(raw)
                .map(|t| t.to_rfc3339_opts(SecondsFormat::AutoSi, true))
                .unwrap_or_else(|| raw.clone()),
            None => format!("h{}", self.digest),
        };
        format!(
            "freshdesk:{}:{}:{}",
            self.ticket_id,
            self.triggered_event.normalized(),
            time
        )
    }
}

impl TryFrom<FreshdeskPayload> for IntakeEvent {
    type Error = WebhookError;

    fn try_from(p: FreshdeskPayload) -> Result<Self, WebhookError> {
        let (kind, change) = kind_of(&p)?;
        let occurred_at = p
            .updated_at
            .as_deref()
            .and_then(parse_timestamp)
            .unwrap_or(p.received_at);
        let mut event = IntakeEvent::new(
            p.key(),
            Helpdesk::Freshdesk,
            kind,
            occurred_at,
            p.ticket_id.clone(),
        );
        event.change = change;
        if kind == EventKind::TicketAssignee {
            event.assignee = Some(assignment(&p));
        }
        let (source, platform) = match &p.source {
            Some(s) => {
                let (source, platform) = source_from(s);
                (Some(source), platform)
            }
            None => (None, None),
        };
        event.social = platform.map(|platform| Social {
            platform,
            kind: None,
            brand: p.brand.clone(),
        });
        let html = match kind {
            EventKind::CustomerReply => p.latest_public_comment_html.or(p.description_html),
            _ => p.description_html,
        };
        event.message = html.map(|h| html_to_text(&h)).filter(|t| !t.is_empty());
        let t = &mut event.ticket;
        t.url = p.url;
        t.subject = p.subject;
        t.priority = p.priority.as_ref().and_then(priority_from);
        t.status = p.status.as_ref().and_then(status_from);
        t.source = source;
        t.group = p.group;
        t.department = p.department;
        t.tags = p.tags;
        t.created_at = p.created_at.as_deref().and_then(parse_timestamp);
        let c = &mut event.customer;
        c.name = p.requester_name;
        c.email = p.requester_email;
        c.phone = p.requester_phone;
        c.order_id = p.order_id;
        Ok(event)
    }
}

#[cfg(test)]
mod tests;
