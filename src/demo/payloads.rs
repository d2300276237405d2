//! The helpdesks' webhook bodies the script sends, as each helpdesk shapes them.

use super::stage::Stage;
use serde_json::{json, Value};

/// A Freshdesk "simple" webhook body (Freshcaller and Freshchat tickets arrive this way).
pub fn freshdesk(s: &Stage, ticket: u64, event: &str, fields: Value) -> Value {
    let now = s.now().to_rfc3339();
    let mut inner = json!({
        "ticket_id": ticket.to_string(),
        "triggered_event": event,
        "ticket_url": format!("https://rally.freshdesk.com/a/tickets/{ticket}"),
        "ticket_status": "Open",
        "ticket_created_at": now,
        "ticket_updated_at": now,
    });
    for (k, v) in fields.as_object().into_iter().flatten() {
        inner[k] = v.clone();
    }
    json!({ "freshdesk_webhook": inner })
}

pub fn missed_call(s: &Stage, ticket: u64, phone: &str) -> Value {
    freshdesk(
        s,
        ticket,
        "{ticket_action:created}",
        json!({"ticket_subject": format!("Missed call from {phone}"), "ticket_source": "Phone",
               "ticket_contact_phone": phone}),
    )
}

/// cxbot's generic format, as a relay from AppFollow or a social tool sends it.
pub fn generic(s: &Stage, helpdesk: &str, kind: &str, ticket: &str, extra: Value) -> Value {
    let now = s.now().to_rfc3339();
    let mut v = json!({
        "id": format!("{helpdesk}-{ticket}-{kind}-{}", s.now().timestamp()),
        "type": kind, "occurred_at": now, "helpdesk": helpdesk,
        "ticket": {"id": ticket, "url": format!("https://{helpdesk}.example.com/t/{ticket}"), "created_at": now},
    });
    for (k, val) in extra.as_object().into_iter().flatten() {
        if k == "ticket" {
            for (tk, tv) in val.as_object().into_iter().flatten() {
                v["ticket"][tk] = tv.clone();
            }
        } else {
            v[k] = val.clone();
        }
    }
    v
}

/// A Zendesk trigger webhook body (README, "Zendesk"): a new ticket by email.
pub fn zendesk(
    s: &Stage,
    ticket: u64,
    title: &str,
    tags: &str,
    who: (&str, &str),
    message: &str,
) -> Value {
    json!({
        "event": "ticket", "ticket_id": ticket.to_string(), "title": title, "status": "new",
        "priority": "normal", "via": "Mail", "tags": tags, "group": "Support",
        "requester_name": who.0, "requester_email": who.1, "message": message,
        "url": format!("passports.zendesk.com/agent/tickets/{ticket}"),
        "updated_at": s.now().to_rfc3339(),
    })
}

/// A Zendesk trigger webhook body for a status change.
pub fn zendesk_status(s: &Stage, ticket: u64, status: &str) -> Value {
    json!({
        "event": "ticket_status", "ticket_id": ticket.to_string(), "status": status,
        "url": format!("passports.zendesk.com/agent/tickets/{ticket}"),
        "updated_at": s.now().to_rfc3339(),
    })
}
