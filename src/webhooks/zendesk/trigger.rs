//! Zendesk trigger/automation webhooks: the body is whatever the admin wrote, so we publish one
//! ([`ZENDESK_TRIGGER_BODY_DOC`]) and also read the camel-case style of zendesk-go's example
//! (`ticketID`, `type: "End User Comment"`, `priority: "Normal"`, space-separated `tags`).
//!
//! Key: `zendesk:{ticket_id}:{event}:{updated_at}`; without `updated_at`, `h` + a digest of the
//! body with keys sorted (a retry sends the same rendered body, see `freshdesk.rs` for the
//! caveat this implies).

use super::{priority_from, source_from_via, status_from};
use crate::domain::intake::{
    normalize_name, EventKind, Helpdesk, IntakeEvent, Priority, Social, TicketStatus,
};
use crate::webhooks::json::{digest, Obj};
use crate::webhooks::text::parse_timestamp;
use crate::webhooks::{Delivery, WebhookError};
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::Value;

/// Markdown for the README: the trigger body to paste into Zendesk.
pub const ZENDESK_TRIGGER_BODY_DOC: &str = r#"### Zendesk trigger webhook (`POST /hooks/zendesk`)

Create one webhook (Admin Center > Apps and integrations > Webhooks) with
*Trigger or automation* as connection method, endpoint `https://<cxbot>/hooks/zendesk`,
method POST, format JSON, and copy its signing secret into cxbot's config. Then, for each
trigger that should reach cxbot, add the action *Notify active webhook* with this body and set
`event` for that trigger:

```json
{
  "event": "ticket",
  "ticket_id": "{{ticket.id}}",
  "title": "{{ticket.title}}",
  "status": "{{ticket.status}}",
  "priority": "{{ticket.priority}}",
  "via": "{{ticket.via}}",
  "tags": "{{ticket.tags}}",
  "group": "{{ticket.group.name}}",
  "requester_name": "{{ticket.requester.name}}",
  "requester_email": "{{ticket.requester.email}}",
  "requester_phone": "{{ticket.requester.phone}}",
  "url": "{{ticket.url}}",
  "updated_at": "{{ticket.updated_at_with_timestamp}}"
}
```

| `event` | set it on the trigger for | cxbot |
|---|---|---|
| `ticket` | Ticket is Created | new card (missed call, missed chat, social or queue: decided by subject, via and group) |
| `customer_reply` | Ticket is Updated, *Current user is (end user)*, *Comment is Public* | marks the card "customer replied" |
| `ticket_status` | Status changed | updates the card |
| `ticket_priority` | Priority changed | updates the card; a raise to High/Urgent tells the leads |
| `missed_call`, `missed_chat`, `social` | a trigger that already knows | forces that card kind |

Any other `event` is answered 202 and ignored. Required: `event` and `ticket_id` (digits);
everything else is optional and may be left out. Also read when present: `department`,
`brand`, `order_id`, `created_at`, and `message` (for example
`"{{ticket.latest_public_comment}}"`; leave it out if comments can contain characters your
Zendesk does not escape in JSON, since an unparsable body is rejected). `status` and `priority`
must be Zendesk's own values (`-` means unset). `{{ticket.url}}` has no scheme: cxbot adds
`https://`. Keep `updated_at`: it makes each delivery's idempotency key unique; without it two
identical renderings of the same ticket and event count as one.
"#;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZendeskTriggerPayload {
    pub ticket_id: String,
    /// `event` as the admin set it, normalised (`End User Comment` -> `end_user_comment`).
    pub event: String,
    pub title: Option<String>,
    pub status: Option<TicketStatus>,
    pub priority: Option<Priority>,
    pub via: Option<String>,
    pub tags: Vec<String>,
    pub group: Option<String>,
    pub department: Option<String>,
    pub brand: Option<String>,
    pub requester_name: Option<String>,
    pub requester_email: Option<String>,
    pub requester_phone: Option<String>,
    pub order_id: Option<String>,
    pub url: Option<String>,
    pub updated_at: Option<String>,
    pub created_at: Option<String>,
    pub message: Option<String>,
    pub digest: String,
    pub received_at: DateTime<Utc>,
}

fn first(o: &Obj<'_>, keys: &[&'static str]) -> Result<Option<String>, WebhookError> {
    Ok(o.first_str(keys)?.map(|(_, s)| s.to_owned()))
}

impl ZendeskTriggerPayload {
    pub(super) fn from_body(
        o: &Obj<'_>,
        body: &Value,
        d: &Delivery<'_>,
    ) -> Result<Self, WebhookError> {
        let event = match o.first_str(&["event", "type"])? {
            Some((_, e)) => normalize_name(e),
            None => return Err(o.err("event", "missing required field")),
        };
        let (id_key, ticket_id) = match o.get("ticketID") {
            Some(_) if !o.has("ticket_id") => ("ticketID", o.id("ticketID")?),
            _ => ("ticket_id", o.id("ticket_id")?),
        };
        let ticket_id = ticket_id.ok_or_else(|| o.err(id_key, "missing required field"))?;
        if !ticket_id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(o.err(
                id_key,
                format!("expected a ticket number, got `{ticket_id}`"),
            ));
        }
        Ok(Self {
            ticket_id,
            event,
            title: first(o, &["title", "subject"])?,
            status: status_from(o, "status")?,
            priority: priority_from(o, "priority")?,
            via: o.string("via")?,
            tags: o.str_list("tags", &[' ', ','])?,
            group: first(o, &["group", "group_name"])?,
            department: o.string("department")?,
            brand: o.string("brand")?,
            requester_name: o.string("requester_name")?,
            requester_email: o.string("requester_email")?,
            requester_phone: o.string("requester_phone")?,
            order_id: o.string("order_id")?,
            url: o.string("url")?,
            updated_at: o.string("updated_at")?,
            created_at: o.string("created_at")?,
            message: o.string("message")?,
            digest: digest(body),
            received_at: d.received_at,
        })
    }

    pub fn kind(&self) -> Option<EventKind> {
        match self.event.as_str() {
            "ticket" | "ticket_created" | "created" => Some(EventKind::Ticket),
            "customer_reply" | "end_user_comment" | "end_user_reply" => {
                Some(EventKind::CustomerReply)
            }
            "ticket_status" | "status_changed" => Some(EventKind::TicketStatus),
            "ticket_priority" | "priority_changed" => Some(EventKind::TicketPriority),
            "missed_call" => Some(EventKind::MissedCall),
            "missed_chat" => Some(EventKind::MissedChat),
            "social" => Some(EventKind::Social),
            _ => None,
        }
    }

    pub fn key(&self, kind: EventKind) -> String {
        let time = match &self.updated_at {
            Some(raw) => parse_timestamp(raw)
                .map(|t| t.to_rfc3339_opts(SecondsFormat::AutoSi, true))
                .unwrap_or_else(|| raw.clone()),
            None => format!("h{}", self.digest),
        };
        format!("zendesk:{}:{}:{}", self.ticket_id, kind.as_str(), time)
    }
}

impl TryFrom<ZendeskTriggerPayload> for IntakeEvent {
    type Error = WebhookError;

    fn try_from(p: ZendeskTriggerPayload) -> Result<Self, WebhookError> {
        let kind = p.kind().ok_or_else(|| {
            WebhookError::ignored(format!("Zendesk trigger event `{}` is not used", p.event))
        })?;
        let occurred_at = p
            .updated_at
            .as_deref()
            .and_then(parse_timestamp)
            .unwrap_or(p.received_at);
        let mut event = IntakeEvent::new(
            p.key(kind),
            Helpdesk::Zendesk,
            kind,
            occurred_at,
            p.ticket_id,
        );
        let (source, platform) = match p.via.as_deref().map(source_from_via) {
            Some((s, platform)) => (Some(s), platform),
            None => (None, None),
        };
        event.social = platform.map(|platform| Social {
            platform,
            kind: None,
            brand: p.brand.clone(),
        });
        event.message = p.message;
        let t = &mut event.ticket;
        t.url = p.url.map(|u| {
            if u.starts_with("http://") || u.starts_with("https://") {
                u
            } else {
                format!("https://{u}")
            }
        });
        t.subject = p.title;
        t.status = p.status;
        t.priority = p.priority;
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
