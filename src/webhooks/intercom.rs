//! Intercom webhooks (Developer Hub > your app > Webhooks): one notification per request,
//! `{"type": "notification_event", "topic", "id": "notif_…", "app_id", "created_at": <unix s>,
//! "data": {"item": {…}}}`, signed with the app's client secret (`auth::verify_intercom`).
//!
//! Topics used (every other topic is Ignored, 202, before the rest of the body is read; so is
//! `ping`, which Intercom sends when the webhook is saved or tested, with `id: null`):
//!
//! | topic | event |
//! |---|---|
//! | `conversation.user.created` | `Ticket`, source chat (see [`CONVERSATION_KIND`]) |
//! | `conversation.user.replied` | `CustomerReply`, the customer's latest part as the message |
//! | `conversation.admin.closed` | `TicketStatus` to Solved (a closed conversation reopens when the customer writes again, like Zendesk's solved, unlike its closed) |
//! | `ticket.created` | `Ticket` (title, description, state, channel) |
//!
//! Read from `data.item`: `id` (required: the conversation or ticket, our external id); the
//! customer from `source.author` (API 2.x) or `user` (1.x) when it is a user, lead or contact,
//! else the first of `contacts.contacts` (ids only in most versions, so often no name); the
//! message from `source.body` (2.x) or `conversation_message.body` (1.x), HTML stripped; the
//! subject from `source.subject`, `conversation_message.subject` or `title`; `state`
//! (open, snoozed -> Pending, closed -> Solved); `source.type` as the channel (email, facebook,
//! twitter, instagram, phone_call; anything else, the Messenger included, is chat);
//! `created_at`. Tickets: `ticket_attributes._default_title_` and `_default_description_`,
//! `ticket_state.category` (submitted, in_progress -> Open; waiting_on_customer -> Pending;
//! resolved -> Solved) and `channel`.
//!
//! URL: `links.conversation_web` when Intercom sends it (API 1.x), else derived as
//! `https://app.intercom.com/a/inbox/{app_id}/inbox/conversation/{item id}`, the inbox's own
//! link form (not part of the webhook; an EU or AU workspace has its own host).
//!
//! Key: `intercom:{topic}:{notification id}`. Intercom's notification id is the same on every
//! delivery attempt of one notification (`delivery_attempts` counts them), and Intercom signs
//! no timestamp, so this key is also what makes a replayed request a duplicate.

use super::json::{parse_body, Obj};
use super::text::html_to_text;
use super::{Delivery, WebhookError};
use crate::domain::intake::{normalize_name, Change};
use crate::domain::intake::{
    Customer, EventKind, Helpdesk, IntakeEvent, Social, SocialPlatform, Source, TicketStatus,
};
use chrono::{DateTime, Utc};
use serde_json::Value;

/// Why a conversation a customer starts is a `Ticket` with source chat, not `MissedChat`.
///
/// In cxbot's routing vocabulary a *missed* chat is one nobody answered live: Freshchat or
/// Zendesk save it as an "Offline message from …" ticket, a blank one gets the playbook's
/// "we saw you tried to chat" follow-up, and the customer's next contact marks it answered.
/// An Intercom conversation is none of that: it is the live thread itself, it carries the
/// customer's message, and the team answers it in Intercom. So it comes in as a new `Ticket`
/// whose source is chat: a card in the queue like any other new item, with its SLA clock,
/// and `domain::routing` can still call it a missed chat by its subject (an "Offline message
/// from" prefix) if a team's Intercom is set up to produce those.
pub const CONVERSATION_KIND: EventKind = EventKind::Ticket;

/// The Intercom topics cxbot acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntercomTopic {
    ConversationUserCreated,
    ConversationUserReplied,
    ConversationAdminClosed,
    TicketCreated,
}

impl IntercomTopic {
    pub fn parse(topic: &str) -> Option<Self> {
        match topic {
            "conversation.user.created" => Some(Self::ConversationUserCreated),
            "conversation.user.replied" => Some(Self::ConversationUserReplied),
            "conversation.admin.closed" => Some(Self::ConversationAdminClosed),
            "ticket.created" => Some(Self::TicketCreated),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::ConversationUserCreated => "conversation.user.created",
            Self::ConversationUserReplied => "conversation.user.replied",
            Self::ConversationAdminClosed => "conversation.admin.closed",
            Self::TicketCreated => "ticket.created",
        }
    }
}

/// The wire form of one Intercom notification whose topic cxbot uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntercomPayload {
    pub topic: IntercomTopic,
    /// The notification id (`notif_…`).
    pub id: String,
    pub app_id: Option<String>,
    /// When Intercom created the notification.
    pub created_at: Option<DateTime<Utc>>,
    /// The conversation's or ticket's id.
    pub item_id: String,
    pub item_created_at: Option<DateTime<Utc>>,
    pub url: Option<String>,
    pub subject: Option<String>,
    /// HTML: the opening message, the customer's latest reply, or the ticket's description.
    pub body_html: Option<String>,
    pub state: Option<TicketStatus>,
    /// `source.type` of a conversation, `channel` of a ticket.
    pub channel: Option<String>,
    pub customer: Customer,
    pub received_at: DateTime<Utc>,
}

fn unix(o: &Obj<'_>, key: &str) -> Result<Option<DateTime<Utc>>, WebhookError> {
    Ok(o.u64(key)?
        .and_then(|s| i64::try_from(s).ok())
        .and_then(|s| DateTime::from_timestamp(s, 0)))
}

fn is_customer(author_type: Option<&str>) -> bool {
    matches!(author_type, Some("user" | "lead" | "contact"))
}

/// A person object (`source.author`, `user`, a contact or a part's author) as a customer.
fn person(o: &Obj<'_>) -> Result<Customer, WebhookError> {
    Ok(Customer {
        name: o.string("name")?,
        email: o.string("email")?,
        phone: o.string("phone")?,
        order_id: None,
    })
}

fn nested<'a>(o: &Obj<'a>, key: &str, path: &'a str) -> Result<Option<Obj<'a>>, WebhookError> {
    o.object(key)?.map(|v| Obj::new(v, path)).transpose()
}

fn conversation_state(raw: &str) -> Option<TicketStatus> {
    match normalize_name(raw).as_str() {
        "open" => Some(TicketStatus::Open),
        "snoozed" => Some(TicketStatus::Pending),
        "closed" => Some(TicketStatus::Solved),
        _ => None,
    }
}

fn ticket_state(raw: &str) -> Option<TicketStatus> {
    match normalize_name(raw).as_str() {
        "submitted" | "in_progress" | "open" => Some(TicketStatus::Open),
        "waiting_on_customer" | "snoozed" => Some(TicketStatus::Pending),
        "resolved" | "closed" => Some(TicketStatus::Solved),
        _ => None,
    }
}

/// The customer's latest part with a body, from `conversation_parts.conversation_parts`.
fn latest_customer_part(item: &Obj<'_>) -> Result<Option<(Customer, String)>, WebhookError> {
    let Some(list) = nested(item, "conversation_parts", "data.item.conversation_parts")? else {
        return Ok(None);
    };
    let Some(parts) = list.array("conversation_parts")? else {
        return Ok(None);
    };
    for (i, part) in parts.iter().enumerate().rev() {
        let path = format!("data.item.conversation_parts.conversation_parts[{i}]");
        let p = Obj::new(part, &path)?;
        let author_path = format!("{path}.author");
        let author = p
            .object("author")?
            .map(|a| Obj::new(a, &author_path))
            .transpose()?;
        let Some(author) = author else { continue };
        if !is_customer(author.str("type")?) {
            continue;
        }
        if let Some(body) = p.string("body")? {
            return Ok(Some((person(&author)?, body)));
        }
    }
    Ok(None)
}

/// What a conversation item gives: who, its subject, the HTML that is news for this topic,
/// and `source.type`.
struct Conversation {
    customer: Customer,
    subject: Option<String>,
    body: Option<String>,
    channel: Option<String>,
}

fn conversation(topic: IntercomTopic, item: &Obj<'_>) -> Result<Conversation, WebhookError> {
    let source = nested(item, "source", "data.item.source")?;
    let message = nested(
        item,
        "conversation_message",
        "data.item.conversation_message",
    )?;
    let author = match &source {
        Some(s) => nested(s, "author", "data.item.source.author")?,
        None => None,
    };
    let mut customer = match &author {
        Some(a) if is_customer(a.str("type")?) => person(a)?,
        _ => Customer::default(),
    };
    if customer.name.is_none() && customer.email.is_none() {
        if let Some(user) = nested(item, "user", "data.item.user")? {
            customer = person(&user)?;
        }
    }
    if customer.name.is_none() && customer.email.is_none() {
        customer = first_contact(item)?;
    }
    let subject = match (&source, &message) {
        (Some(s), _) if s.has("subject") => s.string("subject")?,
        (_, Some(m)) if m.has("subject") => m.string("subject")?,
        _ => None,
    }
    .or(item.string("title")?);
    let opening = match (&source, &message) {
        (Some(s), _) if s.has("body") => s.string("body")?,
        (_, Some(m)) => m.string("body")?,
        _ => None,
    };
    let body = match topic {
        IntercomTopic::ConversationUserReplied => match latest_customer_part(item)? {
            Some((author, body)) => {
                if customer.name.is_none() && customer.email.is_none() {
                    customer = author;
                }
                Some(body)
            }
            None => None,
        },
        IntercomTopic::ConversationAdminClosed => None,
        _ => opening,
    };
    let channel = source.map(|s| s.string("type")).transpose()?.flatten();
    Ok(Conversation {
        customer,
        subject,
        body,
        channel,
    })
}

/// The first of `contacts.contacts`: in most API versions only ids, so often nothing.
fn first_contact(item: &Obj<'_>) -> Result<Customer, WebhookError> {
    let Some(list) = nested(item, "contacts", "data.item.contacts")? else {
        return Ok(Customer::default());
    };
    match list.array("contacts")?.and_then(|c| c.first()) {
        Some(first) => person(&Obj::new(first, "data.item.contacts.contacts[0]")?),
        None => Ok(Customer::default()),
    }
}

fn ticket(item: &Obj<'_>) -> Result<(Option<String>, Option<String>), WebhookError> {
    match nested(item, "ticket_attributes", "data.item.ticket_attributes")? {
        Some(a) => Ok((
            a.string("_default_title_")?,
            a.string("_default_description_")?,
        )),
        None => Ok((None, None)),
    }
}

fn derived_url(app_id: Option<&str>, item_id: &str) -> Option<String> {
    app_id.map(|app| format!("https://app.intercom.com/a/inbox/{app}/inbox/conversation/{item_id}"))
}

impl TryFrom<&Delivery<'_>> for IntercomPayload {
    type Error = WebhookError;

    fn try_from(d: &Delivery<'_>) -> Result<Self, WebhookError> {
        let body = parse_body(d.body)?;
        let o = Obj::new(&body, "")?;
        // The topic first: `ping` and unused topics are ignored whatever else the body holds.
        let raw_topic = o.req_str("topic")?;
        let topic = IntercomTopic::parse(raw_topic).ok_or_else(|| {
            WebhookError::ignored(format!("Intercom topic `{raw_topic}` is not used"))
        })?;
        let id = o.req_str("id")?.to_owned();
        let data = Obj::new(o.req_object("data")?, "data")?;
        let item = Obj::new(data.req_object("item")?, "data.item")?;
        let item_id = item
            .id("id")?
            .ok_or_else(|| item.err("id", "missing required field"))?;
        let app_id = o.string("app_id")?;

        let (customer, subject, body_html, channel, state) = match topic {
            IntercomTopic::TicketCreated => {
                let (title, description) = ticket(&item)?;
                let state = match item.get("ticket_state") {
                    Some(Value::Object(_)) => {
                        let s =
                            Obj::new(item.req_object("ticket_state")?, "data.item.ticket_state")?;
                        s.str("category")?.and_then(ticket_state)
                    }
                    _ => item.str("ticket_state")?.and_then(ticket_state),
                };
                (
                    first_contact(&item)?,
                    title,
                    description,
                    item.string("channel")?,
                    state,
                )
            }
            _ => {
                let c = conversation(topic, &item)?;
                let state = item.str("state")?.and_then(conversation_state);
                (c.customer, c.subject, c.body, c.channel, state)
            }
        };
        let url = match nested(&item, "links", "data.item.links")? {
            Some(links) => links.string("conversation_web")?,
            None => None,
        }
        .or_else(|| derived_url(app_id.as_deref(), &item_id));

        Ok(Self {
            topic,
            id,
            created_at: unix(&o, "created_at")?,
            app_id,
            item_created_at: unix(&item, "created_at")?,
            item_id,
            url,
            subject,
            body_html,
            state,
            channel,
            customer,
            received_at: d.received_at,
        })
    }
}

/// A conversation's `source.type` or a ticket's `channel`; Intercom's Messenger (its own chat
/// widget, not Facebook's, which `SocialPlatform::parse` would read "messenger" as) and
/// anything unknown are chat, since that is what an Intercom conversation is.
pub fn source_from(channel: &str) -> (Source, Option<SocialPlatform>) {
    let n = normalize_name(channel);
    if n.contains("email") {
        return (Source::Email, None);
    }
    if n.contains("phone") || n.contains("call") {
        return (Source::Phone, None);
    }
    if matches!(n.as_str(), "messenger" | "conversation" | "chat") {
        return (Source::Chat, None);
    }
    match SocialPlatform::parse(&n) {
        Some(platform) => (Source::Social, Some(platform)),
        None => (Source::Chat, None),
    }
}

impl IntercomPayload {
    pub fn key(&self) -> String {
        format!("intercom:{}:{}", self.topic.as_str(), self.id)
    }
}

impl TryFrom<IntercomPayload> for IntakeEvent {
    type Error = WebhookError;

    fn try_from(p: IntercomPayload) -> Result<Self, WebhookError> {
        let (kind, change) = match p.topic {
            IntercomTopic::ConversationUserCreated => (CONVERSATION_KIND, None),
            IntercomTopic::TicketCreated => (EventKind::Ticket, None),
            IntercomTopic::ConversationUserReplied => (EventKind::CustomerReply, None),
            IntercomTopic::ConversationAdminClosed => (
                EventKind::TicketStatus,
                Some(Change::Status {
                    from: None,
                    to: Some(TicketStatus::Solved),
                }),
            ),
        };
        let mut event = IntakeEvent::new(
            p.key(),
            Helpdesk::Intercom,
            kind,
            p.created_at.unwrap_or(p.received_at),
            p.item_id,
        );
        event.change = change;
        let (source, platform) = match p.channel.as_deref().map(source_from) {
            Some((s, platform)) => (s, platform),
            None => (Source::Chat, None),
        };
        event.social = platform.map(|platform| Social {
            platform,
            kind: None,
            brand: None,
        });
        event.message = p
            .body_html
            .map(|h| html_to_text(&h))
            .filter(|t| !t.is_empty());
        let t = &mut event.ticket;
        t.url = p.url;
        t.subject = p.subject;
        t.status = match p.topic {
            IntercomTopic::ConversationAdminClosed => Some(TicketStatus::Solved),
            _ => p.state,
        };
        t.source = Some(source);
        t.created_at = p.item_created_at;
        event.customer = p.customer;
        Ok(event)
    }
}

#[cfg(test)]
mod tests;
