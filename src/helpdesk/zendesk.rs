//! Zendesk Support API (https://developer.zendesk.com/api-reference/): Basic auth as
//! `{email}/token` with the API token as password.
//!
//! | cxbot | request |
//! |---|---|
//! | assignee, group, status | `PUT /api/v2/tickets/{id}.json` `{"ticket": {"assignee_id", "group_id", "status"}}` |
//! | private note | `PUT /api/v2/tickets/{id}.json` `{"ticket": {"comment": {"body", "public": false}}}` |
//! | note already there? | `GET /api/v2/tickets/{id}/comments.json` |
//! | agent by email / name | `GET /api/v2/users/search.json?query=` (agents and admins only) |
//! | agent, requester | `GET /api/v2/users/{id}.json` |
//! | groups | `GET /api/v2/groups.json` |
//! | requester update | `GET /api/v2/tickets/{id}.json` (`requester_id`), `PUT /api/v2/users/{id}.json` |
//!
//! Zendesk does not let the API set `closed` (a solved ticket closes itself): cxbot's
//! closed is sent as `solved`.

use super::{
    contact_fields, encode, id_text, id_value, text, Agent, ApiResult, Client, HelpdeskApi,
    Requester, TicketUpdate,
};
use crate::domain::cadence::TicketStatus;
use crate::domain::writeback::ContactUpdate;
use async_trait::async_trait;
use reqwest::Method;
use serde_json::{json, Map, Value};

pub struct Zendesk {
    client: Client,
}

impl Zendesk {
    pub(crate) fn new(client: Client) -> Self {
        Self { client }
    }

    pub fn status_name(s: TicketStatus) -> &'static str {
        match s {
            TicketStatus::Open => "open",
            TicketStatus::Pending => "pending",
            TicketStatus::Hold => "hold",
            TicketStatus::Solved | TicketStatus::Closed => "solved",
        }
    }

    async fn put_ticket(&self, ticket: &str, fields: Map<String, Value>) -> ApiResult<()> {
        let req = self
            .client
            .request(
                Method::PUT,
                &format!("/api/v2/tickets/{}.json", encode(ticket)),
            )
            .json(&json!({ "ticket": fields }));
        self.client.send(req).await.map(drop)
    }

    fn is_agent(u: &Value) -> bool {
        matches!(
            u.get("role").and_then(Value::as_str),
            Some("agent" | "admin") | None
        )
    }

    fn agent(u: &Value) -> Option<Agent> {
        Some(Agent {
            id: id_text(u.get("id")?)?,
            name: text(u, "name"),
            email: text(u, "email"),
        })
    }

    async fn search_agent(
        &self,
        query: &str,
        pick: impl Fn(&Agent) -> bool + Send,
    ) -> ApiResult<Option<Agent>> {
        let found = self
            .client
            .get(&format!(
                "/api/v2/users/search.json?query={}",
                encode(query)
            ))
            .await?;
        Ok(found
            .get("users")
            .and_then(Value::as_array)
            .and_then(|users| {
                users
                    .iter()
                    .filter(|u| Self::is_agent(u))
                    .filter_map(Self::agent)
                    .find(|a| pick(a))
            }))
    }
}

#[async_trait]
impl HelpdeskApi for Zendesk {
    fn name(&self) -> &'static str {
        "Zendesk"
    }

    async fn agent_by_email(&self, email: &str) -> ApiResult<Option<Agent>> {
        let email = email.to_string();
        self.search_agent(&email.clone(), move |a| {
            a.email
                .as_deref()
                .is_some_and(|e| e.eq_ignore_ascii_case(&email))
        })
        .await
    }

    async fn agent_by_name(&self, name: &str) -> ApiResult<Option<Agent>> {
        let name = name.to_string();
        self.search_agent(&name.clone(), move |a| {
            a.name
                .as_deref()
                .is_some_and(|n| n.eq_ignore_ascii_case(&name))
        })
        .await
    }

    async fn agent(&self, id: &str) -> ApiResult<Option<Agent>> {
        Ok(self
            .client
            .get_optional(&format!("/api/v2/users/{}.json", encode(id)))
            .await?
            .and_then(|v| {
                v.get("user")
                    .filter(|u| Self::is_agent(u))
                    .and_then(Self::agent)
            }))
    }

    async fn group_by_name(&self, name: &str) -> ApiResult<Option<String>> {
        let all = self.client.get("/api/v2/groups.json").await?;
        Ok(all
            .get("groups")
            .and_then(Value::as_array)
            .and_then(|groups| {
                groups
                    .iter()
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
            .get(&format!("/api/v2/tickets/{}/comments.json", encode(ticket)))
            .await?;
        Ok(all
            .get("comments")
            .and_then(Value::as_array)
            .is_some_and(|comments| {
                comments.iter().any(|c| {
                    ["plain_body", "body"].iter().any(|k| {
                        c.get(*k)
                            .and_then(Value::as_str)
                            .is_some_and(|b| b.contains(reference))
                    })
                })
            }))
    }

    async fn add_private_note(&self, ticket: &str, body: &str) -> ApiResult<()> {
        let mut fields = Map::new();
        fields.insert("comment".into(), json!({"body": body, "public": false}));
        self.put_ticket(ticket, fields).await
    }

    async fn update_ticket(&self, ticket: &str, update: &TicketUpdate) -> ApiResult<()> {
        let mut fields = Map::new();
        if let Some(assignee) = &update.assignee {
            fields.insert(
                "assignee_id".into(),
                assignee.as_deref().map_or(Value::Null, id_value),
            );
        }
        if let Some(group) = &update.group {
            fields.insert("group_id".into(), id_value(group));
        }
        if let Some(status) = update.status {
            fields.insert("status".into(), json!(Self::status_name(status)));
        }
        self.put_ticket(ticket, fields).await
    }

    async fn update_requester(&self, ticket: &str, contact: &ContactUpdate) -> ApiResult<()> {
        let t = self
            .client
            .get(&format!("/api/v2/tickets/{}.json", encode(ticket)))
            .await?;
        let requester = self
            .client
            .requester_of(ticket, t.get("ticket").and_then(|t| t.get("requester_id")))?;
        let user = contact_fields(contact);
        let req = self
            .client
            .request(
                Method::PUT,
                &format!("/api/v2/users/{}.json", encode(&requester)),
            )
            .json(&json!({ "user": user }));
        self.client.send(req).await.map(drop)
    }

    async fn requester(&self, id: &str) -> ApiResult<Option<Requester>> {
        Ok(self
            .client
            .get_optional(&format!("/api/v2/users/{}.json", encode(id)))
            .await?
            .and_then(|v| v.get("user").cloned())
            .map(|u| Requester {
                id: id.to_string(),
                name: text(&u, "name"),
                email: text(&u, "email"),
                phone: text(&u, "phone"),
            }))
    }

    fn ticket_url(&self, ticket: &str) -> String {
        self.client.url(&format!("/agent/tickets/{ticket}"))
    }
}
