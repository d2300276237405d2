//! Zoho Desk webhooks (Setup > Developer Space > Webhooks, or the `/api/v1/webhooks` API).
//!
//! What is documented, and what is not. Zoho's webhook page says the callback must answer
//! `200 OK` (anything else, or no answer within 5 to 10 seconds, is a failed delivery) and that
//! `410 Gone` removes the subscription; its OpenAPI file (`zoho/zohodesk-oas`, `Webhook.json`)
//! says a new or changed webhook URL is first validated with a GET, then a POST if the GET did
//! not get 200, and lists the subscriptions (`Ticket_Add`, `Ticket_Update` with
//! `includePrevState`, `Ticket_Thread_Add`, …). No official sample body was retrievable as
//! text, so the body shape below comes from consistent third-party code and one excerpt of
//! Zoho's documented `Ticket_Update` sample, and the test payloads are written by hand
//! (`tests/fixtures/helpdesk/zoho_desk/*.source.txt` say so). Hence this module reads only the
//! fields it needs and is lenient about the rest.
//!
//! Body: a JSON array of events, `[{"eventType", "orgId", "eventTime": "<ms>", "payload": {…},
//! "prevState": {…}}]`. Each event is read on its own (see [`super::parse_delivery`]); a
//! malformed one names its path from the array (`[0].payload.id`).
//!
//! | `eventType` | event |
//! |---|---|
//! | `Ticket_Add` | `Ticket`: `payload.id` (required, our external id), `subject`, `description` (HTML), `webUrl`, `email`, `phone`, `contact` (`firstName`, `lastName`, `email`, `phone`, `mobile`), `priority`, `status`/`statusType`, `channel` -> source, `department.name` or `departmentId`, `createdTime` |
//! | `Ticket_Update` | `TicketStatus` when `prevState` shows `status`/`statusType` changed, `TicketPriority` when it shows `priority` changed (both: two events); nothing changed, or no `prevState` (the webhook needs "include previous state"), is Ignored |
//! | `Ticket_Thread_Add` | `CustomerReply` when `payload.direction` is `in` (or, without a direction, the author's type is an end user); the text from `content` (HTML) or `summary`; `payload.ticketId` is required. Outgoing and private threads are Ignored |
//! | anything else | Ignored |
//!
//! Values: `statusType` Open, On Hold (-> Pending), Closed decides the status; without it the
//! status name is read (Open, On Hold, Closed; a custom name -> unknown). Priorities High,
//! Medium, Low (and Urgent); anything else is no priority. Unknown values degrade, they never
//! reject: Zoho's lists are each portal's own.
//!
//! Keys: `zoho:{orgId}:ticket_add:{ticket id}` (a ticket is created once),
//! `zoho:{orgId}:thread_add:{thread id}`, and
//! `zoho:{orgId}:ticket_update:{ticket id}:{modifiedTime | eventTime | h<digest>}:{status|priority}`.
//!
//! Authentication: a shared token (`auth::verify_zoho_token`). Zoho Desk also signs each request
//! with an RS256 JWT in `X-ZDesk-JWT` (issuer `orgId:…`, audience `webhookId:…`, keys at the
//! Desk host's `/.well-known/jwks.json`, according to third-party verifiers; Zoho's own page
//! was not readable). Verifying it means fetching and caching Zoho's keys per data centre at
//! run time, which cxbot does not do yet; the token in the URL is the check.

use super::json::{digest, event_array, parse_body, Obj};
use super::text::{html_to_text, parse_timestamp};
use super::{Delivery, WebhookError};
use crate::domain::intake::{
    normalize_name, Change, Customer, EventKind, Helpdesk, IntakeEvent, Priority, Social,
    SocialPlatform, Source, TicketStatus,
};
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::Value;

/// The ticket fields cxbot reads from a `payload` (or a `prevState`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ZohoTicket {
    pub id: String,
    pub ticket_number: Option<String>,
    pub subject: Option<String>,
    pub description_html: Option<String>,
    pub web_url: Option<String>,
    pub customer: Customer,
    pub priority: Option<String>,
    pub status: Option<String>,
    pub status_type: Option<String>,
    pub channel: Option<String>,
    pub department: Option<String>,
    pub created_time: Option<DateTime<Utc>>,
    pub modified_time: Option<DateTime<Utc>>,
}

/// A thread (reply) added to a ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZohoThread {
    pub id: String,
    pub ticket_id: String,
    pub content_html: Option<String>,
    pub channel: Option<String>,
    pub customer: Customer,
    pub created_time: Option<DateTime<Utc>>,
}

/// A change `prevState` shows, mapped to our vocabulary (either side may be unknown).
pub type Changed<T> = Option<(Option<T>, Option<T>)>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ZohoEventBody {
    TicketAdd(ZohoTicket),
    TicketUpdate {
        ticket: ZohoTicket,
        status: Changed<TicketStatus>,
        priority: Changed<Priority>,
    },
    ThreadAdd(ZohoThread),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZohoEvent {
    pub org_id: Option<String>,
    /// `eventTime` as sent (milliseconds in Zoho's sample), and as an instant.
    pub event_time_raw: Option<String>,
    pub event_time: Option<DateTime<Utc>>,
    pub body: ZohoEventBody,
    /// Digest of the whole event, for an update key without a time.
    pub digest: String,
    pub received_at: DateTime<Utc>,
}

/// A whole delivery: each event read, or why it was not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZohoPayload {
    pub events: Vec<Result<ZohoEvent, WebhookError>>,
}

/// `eventTime`: milliseconds (as text or a number), or an RFC 3339 time.
fn event_time(o: &Obj<'_>) -> Result<(Option<String>, Option<DateTime<Utc>>), WebhookError> {
    let Some(raw) = o.id("eventTime")? else {
        return Ok((None, None));
    };
    let at = if raw.bytes().all(|b| b.is_ascii_digit()) {
        raw.parse::<i64>()
            .ok()
            .and_then(DateTime::from_timestamp_millis)
    } else {
        parse_timestamp(&raw)
    };
    match at {
        Some(at) => Ok((Some(raw), Some(at))),
        None => Err(o.err(
            "eventTime",
            format!("expected milliseconds or an RFC 3339 time, got `{raw}`"),
        )),
    }
}

fn time(o: &Obj<'_>, key: &str) -> Result<Option<DateTime<Utc>>, WebhookError> {
    Ok(o.str(key)?.and_then(parse_timestamp))
}

fn contact(payload: &Obj<'_>, path: &str) -> Result<Customer, WebhookError> {
    let contact_path = format!("{path}.contact");
    let c = payload
        .object("contact")?
        .map(|v| Obj::new(v, &contact_path))
        .transpose()?;
    let (name, email, phone) = match &c {
        Some(c) => {
            let full = [c.str("firstName")?, c.str("lastName")?]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
            let name = Some(full).filter(|n| !n.is_empty()).or(c.string("name")?);
            let phone = c
                .first_str(&["phone", "mobile"])?
                .map(|(_, p)| p.to_owned());
            (name, c.string("email")?, phone)
        }
        None => (None, None, None),
    };
    Ok(Customer {
        name,
        email: payload.string("email")?.or(email),
        phone: payload.string("phone")?.or(phone),
        order_id: None,
    })
}

fn ticket(p: &Obj<'_>, path: &str, id_required: bool) -> Result<ZohoTicket, WebhookError> {
    let id = match p.id("id")? {
        Some(id) => id,
        None if id_required => return Err(p.err("id", "missing required field")),
        None => String::new(),
    };
    let department_path = format!("{path}.department");
    let department = match p.object("department")? {
        Some(v) => Obj::new(v, &department_path)?.string("name")?,
        None => None,
    }
    .or(p.id("departmentId")?);
    Ok(ZohoTicket {
        id,
        ticket_number: p.id("ticketNumber")?,
        subject: p.string("subject")?,
        description_html: p.string("description")?,
        web_url: p.string("webUrl")?,
        customer: contact(p, path)?,
        priority: p.string("priority")?,
        status: p.string("status")?,
        status_type: p.string("statusType")?,
        channel: p.string("channel")?,
        department,
        created_time: time(p, "createdTime")?,
        modified_time: time(p, "modifiedTime")?,
    })
}

pub fn status_of(status_type: Option<&str>, status: Option<&str>) -> Option<TicketStatus> {
    match status_type.map(normalize_name).as_deref() {
        Some("open") => Some(TicketStatus::Open),
        Some("on_hold" | "onhold") => Some(TicketStatus::Pending),
        Some("closed") => Some(TicketStatus::Closed),
        _ => status.and_then(TicketStatus::parse),
    }
}

/// High, Medium, Low, Urgent; Zoho's "-" or "None", or a portal's own name, is no priority.
pub fn priority_of(raw: Option<&str>) -> Option<Priority> {
    raw.and_then(Priority::parse)
}

/// What `prevState` shows changed. A field missing from `prevState` did not change; one
/// present (even `null`) is compared as sent, and only a change our vocabulary can see counts.
fn changes(
    now: &ZohoTicket,
    prev: &Obj<'_>,
    before: &ZohoTicket,
) -> (Changed<TicketStatus>, Changed<Priority>) {
    let status = (prev.present("status") || prev.present("statusType"))
        .then(|| {
            let from = status_of(before.status_type.as_deref(), before.status.as_deref());
            let to = status_of(now.status_type.as_deref(), now.status.as_deref());
            (from, to)
        })
        .filter(|(from, to)| from != to);
    let priority = prev
        .present("priority")
        .then(|| {
            (
                priority_of(before.priority.as_deref()),
                priority_of(now.priority.as_deref()),
            )
        })
        .filter(|(from, to)| from != to);
    (status, priority)
}

fn is_end_user(author_type: Option<&str>) -> bool {
    matches!(
        author_type.map(normalize_name).as_deref(),
        Some("end_user" | "enduser" | "customer" | "contact")
    )
}

fn thread(p: &Obj<'_>, path: &str) -> Result<ZohoThread, WebhookError> {
    let id = p
        .id("id")?
        .ok_or_else(|| p.err("id", "missing required field"))?;
    let ticket_id = p
        .id("ticketId")?
        .ok_or_else(|| p.err("ticketId", "missing required field"))?;
    if p.str("visibility")?
        .is_some_and(|v| v.eq_ignore_ascii_case("private"))
    {
        return Err(WebhookError::ignored("private thread"));
    }
    let author_path = format!("{path}.author");
    let author = p
        .object("author")?
        .map(|v| Obj::new(v, &author_path))
        .transpose()?;
    let author_type = author
        .as_ref()
        .map(|a| a.str("type"))
        .transpose()?
        .flatten();
    match p.str("direction")?.map(str::to_ascii_lowercase).as_deref() {
        Some("in") => {}
        Some(other) => {
            return Err(WebhookError::ignored(format!(
                "thread direction `{other}` (not from the customer)"
            )))
        }
        None if is_end_user(author_type) => {}
        None => {
            return Err(WebhookError::ignored(
                "cannot tell who wrote the thread (no direction)",
            ))
        }
    }
    let customer = Customer {
        name: author
            .as_ref()
            .map(|a| a.string("name"))
            .transpose()?
            .flatten(),
        email: match author
            .as_ref()
            .map(|a| a.string("email"))
            .transpose()?
            .flatten()
        {
            Some(e) => Some(e),
            None => p.string("fromEmailAddress")?,
        },
        phone: None,
        order_id: None,
    };
    Ok(ZohoThread {
        id,
        ticket_id,
        content_html: p
            .first_str(&["content", "summary"])?
            .map(|(_, c)| c.to_owned()),
        channel: p.string("channel")?,
        customer,
        created_time: time(p, "createdTime")?,
    })
}

fn event(
    item: &Value,
    o: &Obj<'_>,
    path: &str,
    received_at: DateTime<Utc>,
) -> Result<ZohoEvent, WebhookError> {
    // The type first: an unused event is ignored whatever else it holds.
    let event_type = o.req_str("eventType")?;
    if !matches!(
        event_type,
        "Ticket_Add" | "Ticket_Update" | "Ticket_Thread_Add"
    ) {
        return Err(WebhookError::ignored(format!(
            "Zoho Desk event `{event_type}` is not used"
        )));
    }
    let payload_path = format!("{path}.payload");
    let payload = Obj::new(o.req_object("payload")?, &payload_path)?;
    let body = match event_type {
        "Ticket_Add" => ZohoEventBody::TicketAdd(ticket(&payload, &payload_path, true)?),
        "Ticket_Update" => {
            let now = ticket(&payload, &payload_path, true)?;
            let prev_path = format!("{path}.prevState");
            let Some(prev) = o.object("prevState")? else {
                return Err(WebhookError::ignored(
                    "Ticket_Update without prevState: turn on \"include previous state\" in the Zoho webhook",
                ));
            };
            let prev = Obj::new(prev, &prev_path)?;
            let before = ticket(&prev, &prev_path, false)?;
            let (status, priority) = changes(&now, &prev, &before);
            if status.is_none() && priority.is_none() {
                return Err(WebhookError::ignored(
                    "Ticket_Update changed neither status nor priority",
                ));
            }
            ZohoEventBody::TicketUpdate {
                ticket: now,
                status,
                priority,
            }
        }
        _ => ZohoEventBody::ThreadAdd(thread(&payload, &payload_path)?),
    };
    let (event_time_raw, event_time) = event_time(o)?;
    Ok(ZohoEvent {
        org_id: o.id("orgId")?,
        event_time_raw,
        event_time,
        body,
        digest: digest(item),
        received_at,
    })
}

impl TryFrom<&Delivery<'_>> for ZohoPayload {
    type Error = WebhookError;

    fn try_from(d: &Delivery<'_>) -> Result<Self, WebhookError> {
        // Zoho's validation POST (sent only when its GET did not get a 200) has no documented
        // body; an empty one is acknowledged as that.
        if d.body.iter().all(u8::is_ascii_whitespace) {
            return Err(WebhookError::ignored("empty body (Zoho's URL validation)"));
        }
        let body = parse_body(d.body)?;
        let events = event_array(&body, "Zoho Desk")?
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let path = format!("[{i}]");
                event(item, &Obj::new(item, &path)?, &path, d.received_at)
            })
            .collect();
        Ok(Self { events })
    }
}

/// A Zoho channel name (Email, Phone, Web, Chat, Twitter, Facebook, Instagram, Forums,
/// Feedback Widget, …) as a source, with the social platform when it names one.
pub fn source_from(channel: &str) -> (Source, Option<SocialPlatform>) {
    match SocialPlatform::parse(channel) {
        Some(platform) => (Source::Social, Some(platform)),
        None => (Source::parse(channel), None),
    }
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

impl ZohoEvent {
    fn org(&self) -> &str {
        self.org_id.as_deref().unwrap_or("-")
    }

    fn occurred_at(&self, fallback: Option<DateTime<Utc>>) -> DateTime<Utc> {
        self.event_time.or(fallback).unwrap_or(self.received_at)
    }

    fn ticket_event(&self, key: String, kind: EventKind, t: &ZohoTicket) -> IntakeEvent {
        let occurred_at = self.occurred_at(t.modified_time.or(t.created_time));
        let mut event = IntakeEvent::new(key, Helpdesk::Zoho, kind, occurred_at, t.id.clone());
        let (source, platform) = match t.channel.as_deref().map(source_from) {
            Some((s, platform)) => (Some(s), platform),
            None => (None, None),
        };
        event.social = platform.map(|platform| Social {
            platform,
            kind: None,
            brand: None,
        });
        let ticket = &mut event.ticket;
        ticket.url = t.web_url.clone();
        ticket.subject = t.subject.clone();
        ticket.priority = priority_of(t.priority.as_deref());
        ticket.status = status_of(t.status_type.as_deref(), t.status.as_deref());
        ticket.source = source;
        ticket.department = t.department.clone();
        ticket.created_at = t.created_time;
        event.customer = t.customer.clone();
        event
    }

    /// The intake events this Zoho event becomes: none, one, or two for an update that
    /// changed both status and priority.
    pub fn intake_events(&self) -> Vec<IntakeEvent> {
        match &self.body {
            ZohoEventBody::TicketAdd(t) => {
                let key = format!("zoho:{}:ticket_add:{}", self.org(), t.id);
                let mut event = self.ticket_event(key, EventKind::Ticket, t);
                event.message = t
                    .description_html
                    .as_deref()
                    .map(html_to_text)
                    .filter(|m| !m.is_empty());
                vec![event]
            }
            ZohoEventBody::TicketUpdate {
                ticket: t,
                status,
                priority,
            } => {
                let time = t
                    .modified_time
                    .map(rfc3339)
                    .or_else(|| self.event_time_raw.clone())
                    .unwrap_or_else(|| format!("h{}", self.digest));
                let key = |what: &str| {
                    format!("zoho:{}:ticket_update:{}:{time}:{what}", self.org(), t.id)
                };
                let mut events = Vec::new();
                if let Some((from, to)) = status {
                    let mut e = self.ticket_event(key("status"), EventKind::TicketStatus, t);
                    e.change = Some(Change::Status {
                        from: *from,
                        to: *to,
                    });
                    events.push(e);
                }
                if let Some((from, to)) = priority {
                    let mut e = self.ticket_event(key("priority"), EventKind::TicketPriority, t);
                    e.change = Some(Change::Priority {
                        from: *from,
                        to: *to,
                    });
                    events.push(e);
                }
                events
            }
            ZohoEventBody::ThreadAdd(th) => {
                let key = format!("zoho:{}:thread_add:{}", self.org(), th.id);
                let mut event = IntakeEvent::new(
                    key,
                    Helpdesk::Zoho,
                    EventKind::CustomerReply,
                    self.occurred_at(th.created_time),
                    th.ticket_id.clone(),
                );
                event.message = th
                    .content_html
                    .as_deref()
                    .map(html_to_text)
                    .filter(|m| !m.is_empty());
                event.ticket.source = th.channel.as_deref().map(|c| source_from(c).0);
                event.customer = th.customer.clone();
                vec![event]
            }
        }
    }
}

impl ZohoPayload {
    /// Each event's outcome, in order (an update may give two).
    pub fn events(self) -> Vec<Result<IntakeEvent, WebhookError>> {
        let mut out = Vec::new();
        for e in self.events {
            match e {
                Ok(e) => out.extend(e.intake_events().into_iter().map(Ok)),
                Err(err) => out.push(Err(err)),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests;
