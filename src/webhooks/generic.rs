//! cxbot's own webhook format, for any helpdesk that can POST custom JSON (Zoho Desk,
//! HubSpot, Intercom, Freshcaller, AppFollow, a Zapier or Make step). Strict: it is our format,
//! so an unknown enum value is an error naming its field, not a guess. See
//! [`GENERIC_FORMAT_DOC`].

use super::json::{malformed, parse_body, Obj};
use super::{Delivery, WebhookError};
use crate::domain::intake::{
    Customer, EventKind, Helpdesk, IntakeEvent, Priority, Review, ReviewStore, Social, SocialKind,
    SocialPlatform, Source, TicketInfo, TicketStatus,
};
use chrono::{DateTime, Utc};

/// Markdown for the README: the generic format, its rules and its signature.
pub const GENERIC_FORMAT_DOC: &str = r#"### Generic webhook (`POST /hooks/generic`)

```json
{"id": "evt-123", "type": "missed_call | missed_chat | ticket | customer_reply | ticket_status | ticket_priority | social | app_review",
 "occurred_at": "2026-11-22T10:00:00Z", "helpdesk": "zoho",
 "ticket": {"id": "4521", "url": "https://desk.example.com/tickets/4521", "subject": "Missed call from +1 555 0100",
            "priority": "high", "status": "open", "source": "phone",
            "group": "Hotline", "department": "Paid Support", "tags": ["billing"], "created_at": "2026-11-22T09:59:00Z"},
 "customer": {"name": "Ana", "email": "ana@example.com", "phone": "+1 555 0100", "order_id": "A-77"},
 "message": "text of the chat, post or review; may be empty",
 "social": {"platform": "facebook", "kind": "dm", "brand": "OurBus"},
 "review": {"store": "google_play", "rating": 2, "app_version": "4.1.0", "beta": false}}
```

| field | rule |
|---|---|
| `id` | **required**, unique per event; a repeat with the same `helpdesk` and `id` is acknowledged and ignored (key `generic:{helpdesk}:{id}`) |
| `type` | **required**: `missed_call`, `missed_chat`, `ticket`, `customer_reply`, `ticket_status`, `ticket_priority`, `social`, `app_review`. Any other value is answered `202` and ignored, so senders can be ahead of cxbot |
| `occurred_at` | **required**, RFC 3339 |
| `helpdesk` | optional, e.g. `zoho`, `hubspot`, `intercom`, `freshcaller`, `appfollow`; any name is kept; default `generic` |
| `ticket.id` | **required** (string or integer); `ticket` is required |
| `ticket.priority` | `urgent`, `high`, `medium`, `low` |
| `ticket.status` | `open`, `pending`, `solved`, `closed` |
| `ticket.source` | `email`, `phone`, `chat`, `portal`, `web`, `social`, `app_store` or any other name; when absent it is implied by `missed_call` (phone), `missed_chat` (chat), `social` and `app_review` |
| `ticket.tags` | array of strings; `ticket.created_at` RFC 3339 |
| `social` | **required when `type` is `social`**: `platform` (`facebook`, `instagram`, `twitter`) and `kind` (`dm`, `comment`, `mention`) required, `brand` optional |
| `review` | **required when `type` is `app_review`**: `store` (`google_play`, `app_store`), `rating` (integer 1 to 5) required, `app_version`, `beta` (default false) optional |
| everything else | optional; `null` and `""` mean absent; unknown fields are ignored |

Errors: `422` with `{error, field}` naming the JSON path (`ticket.id`, `review.rating`);
`401` for a bad signature; `202` for an ignored `type`.

Signature: send `X-Cxbot-Timestamp: <unix seconds>` and
`X-Cxbot-Signature: v0=<hex HMAC-SHA256(secret, "v0:" + timestamp + ":" + raw body)>`.
Requests more than 300 s from cxbot's clock are rejected.
"#;

/// The wire form: already typed, because the format is ours.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenericPayload {
    pub id: String,
    pub kind: EventKind,
    pub occurred_at: DateTime<Utc>,
    pub helpdesk: Helpdesk,
    pub ticket: TicketInfo,
    pub customer: Customer,
    pub message: Option<String>,
    pub social: Option<Social>,
    pub review: Option<Review>,
}

fn time(o: &Obj<'_>, key: &str) -> Result<Option<DateTime<Utc>>, WebhookError> {
    match o.str(key)? {
        None => Ok(None),
        Some(raw) => DateTime::parse_from_rfc3339(raw)
            .map(|t| Some(t.with_timezone(&Utc)))
            .map_err(|_| o.err(key, format!("expected an RFC 3339 time, got `{raw}`"))),
    }
}

fn one_of<T>(
    o: &Obj<'_>,
    key: &str,
    parse: impl Fn(&str) -> Option<T>,
    allowed: &str,
) -> Result<Option<T>, WebhookError> {
    match o.str(key)? {
        None => Ok(None),
        Some(raw) => parse(raw)
            .map(Some)
            .ok_or_else(|| o.err(key, format!("expected one of {allowed}, got `{raw}`"))),
    }
}

fn req_one_of<T>(
    o: &Obj<'_>,
    key: &str,
    parse: impl Fn(&str) -> Option<T>,
    allowed: &str,
) -> Result<T, WebhookError> {
    one_of(o, key, parse, allowed)?.ok_or_else(|| o.err(key, "missing required field"))
}

fn ticket(o: &Obj<'_>) -> Result<TicketInfo, WebhookError> {
    Ok(TicketInfo {
        external_id: o
            .id("id")?
            .ok_or_else(|| o.err("id", "missing required field"))?,
        url: o.string("url")?,
        subject: o.string("subject")?,
        priority: one_of(o, "priority", Priority::parse, "urgent, high, medium, low")?,
        status: one_of(
            o,
            "status",
            TicketStatus::parse,
            "open, pending, solved, closed",
        )?,
        source: o.str("source")?.map(Source::parse),
        group: o.string("group")?,
        department: o.string("department")?,
        tags: match o.get("tags") {
            None | Some(serde_json::Value::Array(_)) => o.str_list("tags", &[])?,
            Some(_) => return Err(o.err("tags", "expected an array of strings")),
        },
        created_at: time(o, "created_at")?,
    })
}

fn social(o: &Obj<'_>) -> Result<Social, WebhookError> {
    Ok(Social {
        platform: req_one_of(
            o,
            "platform",
            SocialPlatform::parse,
            "facebook, instagram, twitter",
        )?,
        kind: Some(req_one_of(
            o,
            "kind",
            SocialKind::parse,
            "dm, comment, mention",
        )?),
        brand: o.string("brand")?,
    })
}

fn review(o: &Obj<'_>) -> Result<Review, WebhookError> {
    let store = req_one_of(o, "store", ReviewStore::parse, "google_play, app_store")?;
    let rating = o
        .u64("rating")?
        .ok_or_else(|| o.err("rating", "missing required field"))?;
    let rating = u8::try_from(rating)
        .ok()
        .filter(|r| (1..=5).contains(r))
        .ok_or_else(|| o.err("rating", format!("expected 1 to 5, got {rating}")))?;
    Ok(Review {
        store,
        rating,
        app_version: o.string("app_version")?,
        beta: o.bool("beta")?.unwrap_or(false),
    })
}

impl TryFrom<&Delivery<'_>> for GenericPayload {
    type Error = WebhookError;

    fn try_from(d: &Delivery<'_>) -> Result<Self, WebhookError> {
        let body = parse_body(d.body)?;
        let o = Obj::new(&body, "")?;
        let id = o.req_str("id")?.to_owned();
        // The type first: an unknown type is ignored whatever else the body holds.
        let type_name = o.req_str("type")?;
        let kind = EventKind::parse(type_name).ok_or_else(|| {
            WebhookError::ignored(format!("event type `{type_name}` is not used"))
        })?;
        let occurred_at = time(&o, "occurred_at")?
            .ok_or_else(|| o.err("occurred_at", "missing required field"))?;
        let nested = |key: &'static str| -> Result<Option<Obj<'_>>, WebhookError> {
            o.object(key)?.map(|v| Obj::new(v, key)).transpose()
        };
        let ticket = ticket(&Obj::new(o.req_object("ticket")?, "ticket")?)?;
        let customer = match nested("customer")? {
            None => Customer::default(),
            Some(c) => Customer {
                name: c.string("name")?,
                email: c.string("email")?,
                phone: c.string("phone")?,
                order_id: c.string("order_id")?,
            },
        };
        Ok(Self {
            id,
            kind,
            occurred_at,
            helpdesk: o
                .str("helpdesk")?
                .map_or(Helpdesk::Other("generic".into()), Helpdesk::parse),
            ticket,
            customer,
            message: o.string("message")?,
            social: nested("social")?.map(|s| social(&s)).transpose()?,
            review: nested("review")?.map(|r| review(&r)).transpose()?,
        })
    }
}

impl TryFrom<GenericPayload> for IntakeEvent {
    type Error = WebhookError;

    fn try_from(p: GenericPayload) -> Result<Self, WebhookError> {
        if p.kind == EventKind::Social && p.social.is_none() {
            return Err(malformed("social", "required when type is `social`"));
        }
        if p.kind == EventKind::AppReview && p.review.is_none() {
            return Err(malformed("review", "required when type is `app_review`"));
        }
        let implied = match p.kind {
            EventKind::MissedCall => Some(Source::Phone),
            EventKind::MissedChat => Some(Source::Chat),
            EventKind::Social => Some(Source::Social),
            EventKind::AppReview => Some(Source::AppStore),
            _ => None,
        };
        let mut ticket = p.ticket;
        ticket.source = ticket.source.or(implied);
        Ok(IntakeEvent {
            key: format!("generic:{}:{}", p.helpdesk, p.id),
            helpdesk: p.helpdesk,
            kind: p.kind,
            occurred_at: p.occurred_at,
            ticket,
            customer: p.customer,
            message: p.message,
            social: p.social,
            review: p.review,
            change: None,
            assignee: None,
            requester_id: None,
        })
    }
}

#[cfg(test)]
mod tests;
