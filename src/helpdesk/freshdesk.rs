//! Freshdesk API v2 (https://developers.freshdesk.com/api/): Basic auth with the API key as
//! user and `X` as password.
//!
//! | cxbot | request |
//! |---|---|
//! | assignee, group, status | `PUT /api/v2/tickets/{id}` `{"responder_id", "group_id", "status"}` |
//! | private note | `POST /api/v2/tickets/{id}/notes` `{"body", "private": true}` |
//! | note already there? | `GET /api/v2/tickets/{id}/conversations` |
//! | agent by email / by id | `GET /api/v2/agents?email=` / `GET /api/v2/agents/{id}` |
//! | agent by name, groups | `GET /api/v2/agents?per_page=100`, `GET /api/v2/groups?per_page=100` |
//! | requester | `GET /api/v2/tickets/{id}` (`requester_id`), `PUT /api/v2/contacts/{id}` |
//!
//! Statuses: 2 Open, 3 Pending, 4 Resolved (cxbot's solved), 5 Closed.

use super::{
    contact_fields, encode, id_text, id_value, text, Agent, ApiResult, Client, HelpdeskApi,
    Requester, TicketUpdate,
};
use crate::domain::cadence::TicketStatus;
use crate::domain::writeback::ContactUpdate;
use async_trait::async_trait;
use reqwest::Method;
use serde_json::{json, Map, Value};

pub struct Freshdesk {
    client: Client,
}

impl Freshdesk {
    pub(crate) fn new(client: Client) -> Self {
        Self { client }
    }

    pub fn status_code(s: TicketStatus) -> u8 {
        match s {
            TicketStatus::Open => 2,
            // Freshdesk has no default on-hold status: pending is the nearest.
            TicketStatus::Pending | TicketStatus::Hold => 3,
            TicketStatus::Solved => 4,
            TicketStatus::Closed => 5,
        }
    }

    fn agent(v: &Value) -> Option<Agent> {
        let contact = v.get("contact").unwrap_or(&Value::Null);
        Some(Agent {
            id: id_text(v.get("id")?)?,
            name: text(contact, "name"),
            email: text(contact, "email"),
        })
    }
}

/// A note's HTML: Freshdesk renders the body as HTML, so the text is escaped and its line
/// breaks kept.
fn note_html(body: &str) -> String {
    body.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('\n', "<br>")
}

#[async_trait]
impl HelpdeskApi for Freshdesk {
    fn name(&self) -> &'static str {
        "Freshdesk"
    }

    async fn agent_by_email(&self, email: &str) -> ApiResult<Option<Agent>> {
        let found = self
            .client
            .get(&format!("/api/v2/agents?email={}", encode(email)))
            .await?;
        Ok(found
            .as_array()
            .and_then(|a| a.iter().find_map(Self::agent)))
    }

    async fn agent_by_name(&self, name: &str) -> ApiResult<Option<Agent>> {
        let all = self.client.get("/api/v2/agents?per_page=100").await?;
        Ok(all.as_array().and_then(|a| {
            a.iter().filter_map(Self::agent).find(|ag| {
                ag.name
                    .as_deref()
                    .is_some_and(|n| n.eq_ignore_ascii_case(name))
            })
        }))
    }

    async fn agent(&self, id: &str) -> ApiResult<Option<Agent>> {
        Ok(self
            .client
            .get_optional(&format!("/api/v2/agents/{}", encode(id)))
            .await?
            .as_ref()
            .and_then(Self::agent))
    }

    async fn group_by_name(&self, name: &str) -> ApiResult<Option<String>> {
        let all = self.client.get("/api/v2/groups?per_page=100").await?;
        Ok(all.as_array().and_then(|a| {
            a.iter()
                .find(|g| {
                    g.get("name")
                        .and_then(Value::as_str)
                        .is_some_and(|n| n.trim().eq_ignore_ascii_case(name))
                })
                .and_then(|g| id_text(g.get("id")?))
        }))
    }

    async fn has_note(&self, ticket: &str, reference: &str) -> ApiResult<bool> {
        let all = self
            .client
            .get(&format!("/api/v2/tickets/{}/conversations", encode(ticket)))
            .await?;
        Ok(all.as_array().is_some_and(|a| {
            a.iter().any(|c| {
                ["body_text", "body"].iter().any(|k| {
                    c.get(*k)
                        .and_then(Value::as_str)
                        .is_some_and(|b| b.contains(reference))
                })
            })
        }))
    }

    async fn add_private_note(&self, ticket: &str, body: &str) -> ApiResult<()> {
        let req = self
            .client
            .request(
                Method::POST,
                &format!("/api/v2/tickets/{}/notes", encode(ticket)),
            )
            .json(&json!({"body": note_html(body), "private": true}));
        self.client.send(req).await.map(drop)
    }

    async fn update_ticket(&self, ticket: &str, update: &TicketUpdate) -> ApiResult<()> {
        let mut body = Map::new();
        if let Some(assignee) = &update.assignee {
            body.insert(
                "responder_id".into(),
                assignee.as_deref().map_or(Value::Null, id_value),
            );
        }
        if let Some(group) = &update.group {
            body.insert("group_id".into(), id_value(group));
        }
        if let Some(status) = update.status {
            body.insert("status".into(), json!(Self::status_code(status)));
        }
        let req = self
            .client
            .request(Method::PUT, &format!("/api/v2/tickets/{}", encode(ticket)))
            .json(&Value::Object(body));
        self.client.send(req).await.map(drop)
    }

    async fn update_requester(&self, ticket: &str, contact: &ContactUpdate) -> ApiResult<()> {
        let t = self
            .client
            .get(&format!("/api/v2/tickets/{}", encode(ticket)))
            .await?;
        let requester = self.client.requester_of(ticket, t.get("requester_id"))?;
        let body = contact_fields(contact);
        let req = self
            .client
            .request(
                Method::PUT,
                &format!("/api/v2/contacts/{}", encode(&requester)),
            )
            .json(&Value::Object(body));
        self.client.send(req).await.map(drop)
    }

    async fn requester(&self, id: &str) -> ApiResult<Option<Requester>> {
        Ok(self
            .client
            .get_optional(&format!("/api/v2/contacts/{}", encode(id)))
            .await?
            .map(|c| Requester {
                id: id.to_string(),
                name: text(&c, "name"),
                email: text(&c, "email"),
                phone: text(&c, "phone").or_else(|| text(&c, "mobile")),
            }))
    }

    fn ticket_url(&self, ticket: &str) -> String {
        self.client.url(&format!("/a/tickets/{ticket}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_freshdesk_codes() {
        assert_eq!(Freshdesk::status_code(TicketStatus::Pending), 3);
        assert_eq!(Freshdesk::status_code(TicketStatus::Solved), 4);
        assert_eq!(
            note_html("a < b\n\n— cxbot ref x"),
            "a &lt; b<br><br>— cxbot ref x"
        );
    }
}
