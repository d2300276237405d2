//! Zendesk webhooks, in both of Zendesk's connection modes (one webhook is one or the other).
//!
//! (a) **Event subscription**: Zendesk's fixed envelope `{type: "zen:event-type:…", id, time,
//! account_id, subject: "zen:ticket:123", detail: {ticket fields}, event: {…}}`. Used:
//! `ticket.created` -> Ticket; `ticket.status_changed` -> TicketStatus and
//! `ticket.priority_changed` -> TicketPriority (from `event.previous`/`event.current`);
//! `ticket.agent_assignment_changed` -> TicketAssignee (the claim follows it);
//! `ticket.comment_added` -> CustomerReply when the comment is public and its author is not
//! staff (or, when `is_staff` is absent, is the requester). Every other type (`user.*`,
//! `organization.*`, other `ticket.*`) is Ignored before the rest of the body is read.
//! Key: `zendesk:event:{id}` (Zendesk's event id is the same on a retry).
//!
//! (b) **Trigger or automation**: an admin-defined body, see `trigger.rs` and
//! [`ZENDESK_TRIGGER_BODY_DOC`]. Any body whose `type` does not start with `zen:event-type:` is
//! read as a trigger body.
//!
//! Both are signed the same way (`auth::verify_zendesk`). Zendesk's status and priority sets
//! are fixed (status: new, open, pending, hold, solved, closed, plus deleted/archived/scrubbed
//! which we read as Closed; priority: low, normal, high, urgent), so an unknown value is
//! Malformed naming the field, not guessed.

mod trigger;

pub use trigger::{ZendeskTriggerPayload, ZENDESK_TRIGGER_BODY_DOC};

use super::json::{parse_body, Obj};
use super::text::parse_timestamp;
use super::{Delivery, WebhookError};
use crate::domain::intake::{
    normalize_name, Assignment, Change, EventKind, Helpdesk, IntakeEvent, Priority, Social,
    SocialPlatform, Source, TicketStatus,
};
use chrono::{DateTime, Utc};

const EVENT_PREFIX: &str = "zen:event-type:";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ZendeskPayload {
    Event(ZendeskEventPayload),
    Trigger(ZendeskTriggerPayload),
}

/// The ticket events cxbot reads from an event subscription, with their `event` object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ZendeskTicketEvent {
    Created,
    /// `event.previous` -> `event.current`.
    StatusChanged(Change),
    PriorityChanged(Change),
    CommentAdded(ZendeskComment),
    /// `ticket.agent_assignment_changed`: the new assignee's id (None: unassigned).
    AssigneeChanged(Option<String>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZendeskComment {
    pub is_public: bool,
    pub author_id: Option<String>,
    pub author_is_staff: Option<bool>,
    pub body: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZendeskEventPayload {
    pub id: String,
    pub event: ZendeskTicketEvent,
    pub time: DateTime<Utc>,
    pub ticket_id: String,
    pub subject: Option<String>,
    pub description: Option<String>,
    pub status: Option<TicketStatus>,
    pub priority: Option<Priority>,
    pub requester_id: Option<String>,
    pub tags: Vec<String>,
    pub via_channel: Option<String>,
    pub created_at: Option<DateTime<Utc>>,
}

/// Zendesk renders an unset priority as "-" in placeholders and `null` in events.
pub(crate) fn priority_from(o: &Obj<'_>, key: &str) -> Result<Option<Priority>, WebhookError> {
    match o.str(key)? {
        None | Some("-") => Ok(None),
        Some(raw) => Priority::parse(raw)
            .map(Some)
            .ok_or_else(|| o.err(key, format!("unknown Zendesk priority `{raw}`"))),
    }
}

pub(crate) fn status_from(o: &Obj<'_>, key: &str) -> Result<Option<TicketStatus>, WebhookError> {
    match o.str(key)? {
        None | Some("-") => Ok(None),
        Some(raw) => TicketStatus::parse(raw)
            .map(Some)
            .ok_or_else(|| o.err(key, format!("unknown Zendesk status `{raw}`"))),
    }
}

/// A `via.channel` value (`email`, `web`, `voice`, `chat`, `native_messaging`, `twitter`,
/// `facebook`, `instagram_dm`, …) or a rendered `{{ticket.via}}` ("Mail", "Web Form",
/// "Phone call (incoming)", "Voicemail", "Chat", "Twitter", …). Unknown -> `Other`.
pub fn source_from_via(via: &str) -> (Source, Option<SocialPlatform>) {
    let n = normalize_name(via);
    let has = |s: &str| n.contains(s);
    if has("twitter") {
        (Source::Social, Some(SocialPlatform::Twitter))
    } else if has("facebook") || has("messenger") {
        (Source::Social, Some(SocialPlatform::Facebook))
    } else if has("instagram") {
        (Source::Social, Some(SocialPlatform::Instagram))
    } else if has("phone") || has("voice") {
        (Source::Phone, None)
    } else if has("chat") || has("messaging") {
        (Source::Chat, None)
    } else if has("mail") {
        (Source::Email, None)
    } else if n == "web_form" || n == "web" || n == "web_widget" {
        (Source::Web, None)
    } else {
        (Source::parse(via), None)
    }
}

fn comment(ev: &Obj<'_>) -> Result<ZendeskComment, WebhookError> {
    let c = Obj::new(ev.req_object("comment")?, "event.comment")?;
    let author = c
        .object("author")?
        .map(|v| Obj::new(v, "event.comment.author"))
        .transpose()?;
    Ok(ZendeskComment {
        is_public: c.bool("is_public")?.unwrap_or(false),
        author_id: author.map(|a| a.id("id")).transpose()?.flatten(),
        author_is_staff: author.map(|a| a.bool("is_staff")).transpose()?.flatten(),
        body: c.string("body")?,
    })
}

fn ticket_event(o: &Obj<'_>, name: &str) -> Result<ZendeskTicketEvent, WebhookError> {
    let ev = o
        .object("event")?
        .map(|v| Obj::new(v, "event"))
        .transpose()?;
    let ev = ev.as_ref();
    Ok(match name {
        "ticket.created" => ZendeskTicketEvent::Created,
        "ticket.status_changed" => ZendeskTicketEvent::StatusChanged(Change::Status {
            from: ev
                .map(|e| status_from(e, "previous"))
                .transpose()?
                .flatten(),
            to: ev.map(|e| status_from(e, "current")).transpose()?.flatten(),
        }),
        "ticket.priority_changed" => ZendeskTicketEvent::PriorityChanged(Change::Priority {
            from: ev
                .map(|e| priority_from(e, "previous"))
                .transpose()?
                .flatten(),
            to: ev
                .map(|e| priority_from(e, "current"))
                .transpose()?
                .flatten(),
        }),
        "ticket.agent_assignment_changed" => {
            ZendeskTicketEvent::AssigneeChanged(ev.map(|e| e.id("current")).transpose()?.flatten())
        }
        "ticket.comment_added" => ZendeskTicketEvent::CommentAdded(comment(
            ev.ok_or_else(|| o.err("event", "missing required field"))?,
        )?),
        _ => {
            return Err(WebhookError::ignored(format!(
                "Zendesk event `{name}` is not used"
            )))
        }
    })
}

fn event_payload(o: &Obj<'_>, type_name: &str) -> Result<ZendeskEventPayload, WebhookError> {
    // Checked first: an unused event is ignored whatever its body holds.
    if !type_name.starts_with("ticket.") {
        return Err(WebhookError::ignored(format!(
            "Zendesk event `{type_name}` is not used"
        )));
    }
    let id = o.req_str("id")?.to_owned();
    let raw_time = o.req_str("time")?;
    let time = DateTime::parse_from_rfc3339(raw_time)
        .map_err(|_| {
            o.err(
                "time",
                format!("expected an ISO 8601 time, got `{raw_time}`"),
            )
        })?
        .with_timezone(&Utc);
    let event = ticket_event(o, type_name)?;
    let detail = Obj::new(o.req_object("detail")?, "detail")?;
    let from_subject = o
        .str("subject")?
        .and_then(|s| s.strip_prefix("zen:ticket:"))
        .map(str::to_owned);
    let ticket_id = detail
        .id("id")?
        .or(from_subject)
        .ok_or_else(|| detail.err("id", "missing required field"))?;
    let via = detail
        .object("via")?
        .map(|v| Obj::new(v, "detail.via"))
        .transpose()?;
    Ok(ZendeskEventPayload {
        id,
        event,
        time,
        ticket_id,
        subject: detail.string("subject")?,
        description: detail.string("description")?,
        status: status_from(&detail, "status")?,
        priority: priority_from(&detail, "priority")?,
        requester_id: detail.id("requester_id")?,
        tags: detail.str_list("tags", &[' ', ','])?,
        via_channel: via.map(|v| v.string("channel")).transpose()?.flatten(),
        created_at: detail.str("created_at")?.and_then(parse_timestamp),
    })
}

impl TryFrom<&Delivery<'_>> for ZendeskPayload {
    type Error = WebhookError;

    fn try_from(d: &Delivery<'_>) -> Result<Self, WebhookError> {
        let body = parse_body(d.body)?;
        let o = Obj::new(&body, "")?;
        match o.get("type").and_then(|t| t.as_str()) {
            Some(t) if t.starts_with(EVENT_PREFIX) => {
                Ok(Self::Event(event_payload(&o, &t[EVENT_PREFIX.len()..])?))
            }
            _ => Ok(Self::Trigger(ZendeskTriggerPayload::from_body(
                &o, &body, d,
            )?)),
        }
    }
}

impl TryFrom<ZendeskPayload> for IntakeEvent {
    type Error = WebhookError;

    fn try_from(p: ZendeskPayload) -> Result<Self, WebhookError> {
        match p {
            ZendeskPayload::Event(e) => e.try_into(),
            ZendeskPayload::Trigger(t) => t.try_into(),
        }
    }
}

impl TryFrom<ZendeskEventPayload> for IntakeEvent {
    type Error = WebhookError;

    fn try_from(p: ZendeskEventPayload) -> Result<Self, WebhookError> {
        let mut assignee = None;
        let (kind, change, comment) = match p.event {
            ZendeskTicketEvent::Created => (EventKind::Ticket, None, None),
            ZendeskTicketEvent::AssigneeChanged(agent_id) => {
                assignee = Some(Assignment {
                    agent_id,
                    agent_email: None,
                });
                (EventKind::TicketAssignee, None, None)
            }
            ZendeskTicketEvent::StatusChanged(c) => (EventKind::TicketStatus, Some(c), None),
            ZendeskTicketEvent::PriorityChanged(c) => (EventKind::TicketPriority, Some(c), None),
            ZendeskTicketEvent::CommentAdded(c) => {
                if !c.is_public {
                    return Err(WebhookError::ignored("private comment"));
                }
                let by_requester = match (c.author_is_staff, &c.author_id, &p.requester_id) {
                    (Some(staff), _, _) => !staff,
                    (None, Some(author), Some(requester)) => author == requester,
                    _ => return Err(WebhookError::ignored("cannot tell who wrote the comment")),
                };
                if !by_requester {
                    return Err(WebhookError::ignored("comment by staff"));
                }
                (EventKind::CustomerReply, None, c.body)
            }
        };
        let mut event = IntakeEvent::new(
            format!("zendesk:event:{}", p.id),
            Helpdesk::Zendesk,
            kind,
            p.time,
            p.ticket_id,
        );
        let (source, platform) = match p.via_channel.as_deref().map(source_from_via) {
            Some((s, platform)) => (Some(s), platform),
            None => (None, None),
        };
        event.social = platform.map(|platform| Social {
            platform,
            kind: None,
            brand: None,
        });
        event.change = change;
        event.assignee = assignee;
        event.requester_id = p.requester_id;
        event.message = match kind {
            EventKind::CustomerReply => comment,
            _ => p.description,
        };
        let t = &mut event.ticket;
        t.subject = p.subject;
        t.status = p.status;
        t.priority = p.priority;
        t.source = source;
        t.tags = p.tags;
        t.created_at = p.created_at;
        Ok(event)
    }
}

#[cfg(test)]
mod tests;
