//! HubSpot webhooks (an app's Webhooks subscriptions, API v3 signatures). One request is a
//! JSON array of up to 100 events, each `{"eventId", "subscriptionId", "portalId", "appId",
//! "occurredAt": <ms>, "subscriptionType", "attemptNumber", "objectId", "propertyName",
//! "propertyValue", "changeSource", …}`; every event is read on its own and becomes its own
//! intake event (see [`super::parse_delivery`]), and a malformed one names its path from the
//! array (`[2].objectId`).
//!
//! | `subscriptionType` | event |
//! |---|---|
//! | `ticket.creation` | `Ticket` |
//! | `ticket.propertyChange`, `propertyName` `hs_pipeline_stage` | `TicketStatus`: stage `1` (New) and `3` (Waiting on us) Open, `2` (Waiting on contact) Pending, `4` (Closed) Closed, the default ticket pipeline's ids; any other stage id is Ignored, since its meaning is the portal's own |
//! | `ticket.propertyChange`, `propertyName` `hs_ticket_priority` | `TicketPriority` (`LOW`, `MEDIUM`, `HIGH`, `URGENT`; blank or unknown -> no priority) |
//! | `object.creation` / `object.propertyChange` with `objectTypeId` `0-5` | the same (HubSpot's newer generic format; `0-5` is the ticket) |
//! | anything else: other ticket properties, `contact.*`, `deal.*`, conversations… | Ignored |
//!
//! What could not be enriched: HubSpot events carry ids only. A ticket's card has its id
//! (`objectId`), a link, the time and, for a change, the new value; no subject, customer,
//! message or source, and a status change has no "from" (HubSpot does not send the old value).
//! Filling those in needs HubSpot's CRM API (a private-app token and a call per ticket), which
//! intake does not make. The link is derived, not sent:
//! `https://app.hubspot.com/contacts/{portalId}/record/0-5/{objectId}` (EU portals live on
//! another host and are redirected or not by HubSpot).
//!
//! Key: `hubspot:{portalId}:{objectId}:{subscriptionType}[:{propertyName}]:{occurredAt}:{eventId}`.
//! HubSpot documents `eventId` as "not guaranteed to be unique", so it is only one part;
//! `attemptNumber` is left out because it grows on each retry of the same event.

use super::json::{event_array, parse_body, Obj};
use super::{Delivery, WebhookError};
use crate::domain::intake::{Change, EventKind, Helpdesk, IntakeEvent, Priority, TicketStatus};
use chrono::DateTime;
use serde_json::Value;

/// HubSpot's object type id of tickets, in generic (`object.*`) events.
pub const TICKET_OBJECT_TYPE: &str = "0-5";

/// What one HubSpot event says about a ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HubspotChange {
    Created,
    /// `hs_pipeline_stage`, with the stage id as sent.
    Stage(String),
    /// `hs_ticket_priority`, as sent (None when cleared).
    Priority(Option<String>),
}

/// One event of a delivery that is about a ticket and a property cxbot reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HubspotEvent {
    pub subscription_type: String,
    pub change: HubspotChange,
    pub object_id: String,
    pub portal_id: Option<String>,
    pub event_id: Option<String>,
    pub occurred_at_ms: i64,
    pub property_name: Option<String>,
    pub change_source: Option<String>,
}

/// A whole delivery: each event read, or why it was not (Ignored or Malformed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HubspotPayload {
    pub events: Vec<Result<HubspotEvent, WebhookError>>,
}

/// A property name or value: HubSpot sends strings, but a number is read as its text.
fn text(o: &Obj<'_>, key: &str) -> Result<Option<String>, WebhookError> {
    match o.get(key) {
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        _ => o.string(key),
    }
}

fn event(o: &Obj<'_>) -> Result<HubspotEvent, WebhookError> {
    let subscription_type = o.req_str("subscriptionType")?.to_owned();
    // What the event is about first: anything not about a ticket is ignored whatever it holds.
    let (object, action) = subscription_type
        .split_once('.')
        .unwrap_or((subscription_type.as_str(), ""));
    let is_ticket = match object {
        "ticket" => true,
        "object" => o.id("objectTypeId")?.as_deref() == Some(TICKET_OBJECT_TYPE),
        _ => false,
    };
    if !is_ticket || !matches!(action, "creation" | "propertyChange") {
        return Err(WebhookError::ignored(format!(
            "HubSpot event `{subscription_type}` is not used"
        )));
    }
    let property_name = o.string("propertyName")?;
    let change = if action == "creation" {
        HubspotChange::Created
    } else {
        match property_name.as_deref() {
            Some("hs_pipeline_stage") => HubspotChange::Stage(
                text(o, "propertyValue")?
                    .ok_or_else(|| o.err("propertyValue", "missing required field"))?,
            ),
            Some("hs_ticket_priority") => HubspotChange::Priority(text(o, "propertyValue")?),
            Some(other) => {
                return Err(WebhookError::ignored(format!(
                    "HubSpot ticket property `{other}` is not used"
                )))
            }
            None => return Err(o.err("propertyName", "missing required field")),
        }
    };
    let object_id = o
        .id("objectId")?
        .ok_or_else(|| o.err("objectId", "missing required field"))?;
    let occurred_at = o
        .u64("occurredAt")?
        .ok_or_else(|| o.err("occurredAt", "missing required field"))?;
    let occurred_at_ms = i64::try_from(occurred_at)
        .ok()
        .filter(|ms| DateTime::from_timestamp_millis(*ms).is_some())
        .ok_or_else(|| o.err("occurredAt", "expected milliseconds since 1970"))?;
    Ok(HubspotEvent {
        subscription_type,
        change,
        object_id,
        portal_id: o.id("portalId")?,
        event_id: o.id("eventId")?,
        occurred_at_ms,
        property_name,
        change_source: o.string("changeSource")?,
    })
}

impl TryFrom<&Delivery<'_>> for HubspotPayload {
    type Error = WebhookError;

    fn try_from(d: &Delivery<'_>) -> Result<Self, WebhookError> {
        let body = parse_body(d.body)?;
        let events = event_array(&body, "HubSpot")?
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let path = format!("[{i}]");
                event(&Obj::new(item, &path)?)
            })
            .collect();
        Ok(Self { events })
    }
}

/// A stage of HubSpot's default ticket pipeline; other pipelines' ids mean what the portal says.
pub fn status_from_stage(stage: &str) -> Option<TicketStatus> {
    match stage.trim() {
        "1" | "3" => Some(TicketStatus::Open),
        "2" => Some(TicketStatus::Pending),
        "4" => Some(TicketStatus::Closed),
        _ => None,
    }
}

impl HubspotEvent {
    pub fn key(&self) -> String {
        let property = self
            .property_name
            .as_deref()
            .filter(|_| self.change != HubspotChange::Created)
            .map(|p| format!(":{p}"))
            .unwrap_or_default();
        format!(
            "hubspot:{}:{}:{}{}:{}:{}",
            self.portal_id.as_deref().unwrap_or("-"),
            self.object_id,
            self.subscription_type,
            property,
            self.occurred_at_ms,
            self.event_id.as_deref().unwrap_or("-"),
        )
    }

    pub fn url(&self) -> Option<String> {
        self.portal_id.as_ref().map(|portal| {
            format!(
                "https://app.hubspot.com/contacts/{portal}/record/{TICKET_OBJECT_TYPE}/{}",
                self.object_id
            )
        })
    }
}

impl TryFrom<HubspotEvent> for IntakeEvent {
    type Error = WebhookError;

    fn try_from(e: HubspotEvent) -> Result<Self, WebhookError> {
        let (kind, change, status) = match &e.change {
            HubspotChange::Created => (EventKind::Ticket, None, None),
            HubspotChange::Stage(stage) => {
                let to = status_from_stage(stage).ok_or_else(|| {
                    WebhookError::ignored(format!(
                        "HubSpot pipeline stage `{stage}` is not one of the default pipeline's (1 to 4)"
                    ))
                })?;
                (
                    EventKind::TicketStatus,
                    Some(Change::Status {
                        from: None,
                        to: Some(to),
                    }),
                    Some(to),
                )
            }
            HubspotChange::Priority(value) => (
                EventKind::TicketPriority,
                Some(Change::Priority {
                    from: None,
                    to: value.as_deref().and_then(Priority::parse),
                }),
                None,
            ),
        };
        let occurred_at =
            DateTime::from_timestamp_millis(e.occurred_at_ms).expect("checked when read");
        let mut event = IntakeEvent::new(
            e.key(),
            Helpdesk::Hubspot,
            kind,
            occurred_at,
            e.object_id.clone(),
        );
        event.change = change;
        event.ticket.url = e.url();
        event.ticket.status = status;
        if let Some(Change::Priority { to, .. }) = change {
            event.ticket.priority = to;
        }
        if kind == EventKind::Ticket {
            event.ticket.created_at = Some(occurred_at);
        }
        Ok(event)
    }
}

impl HubspotPayload {
    /// Each event's outcome, in order.
    pub fn events(self) -> Vec<Result<IntakeEvent, WebhookError>> {
        self.events
            .into_iter()
            .map(|e| e.and_then(IntakeEvent::try_from))
            .collect()
    }
}

#[cfg(test)]
mod tests;
