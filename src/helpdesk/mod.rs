//! The helpdesks' REST APIs: cxbot's write-back (assignee, notes, status, contacts), the
//! agent lookup that maps Slack people to helpdesk agents, and Zendesk's requester lookup.
//!
//! An edge, like `slack::api`: only jobs call it (`jobs/helpdesk_write.rs`,
//! `jobs/helpdesk_fetch.rs`), so every call is retried by the worker and survives a restart.
//! One client per vendor, built from the environment (`FRESHDESK_DOMAIN` +
//! `FRESHDESK_API_KEY`, `ZENDESK_SUBDOMAIN` + `ZENDESK_EMAIL` + `ZENDESK_API_TOKEN`); a
//! vendor without credentials has no client and cxbot writes nothing to it.
//!
//! Failures come back as [`ApiError`]: a 429 with its Retry-After (and the client refuses
//! further calls to that helpdesk until then, so one replica's jobs do not hammer it), a
//! timeout or 5xx as transient (the worker retries with backoff), anything else the
//! helpdesk refused (4xx) with its own words, which the job shows in the card's thread.

mod freshdesk;
mod zendesk;

pub use freshdesk::Freshdesk;
pub use zendesk::Zendesk;

use crate::domain::cadence::TicketStatus;
use crate::domain::writeback::ContactUpdate;
use async_trait::async_trait;
use reqwest::{RequestBuilder, Response, StatusCode};
use secrecy::SecretString;
use serde_json::Value;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One helpdesk's credentials, from the environment.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// `https://acme.freshdesk.com` (a bare `acme` or `acme.freshdesk.com` is completed).
    pub base_url: String,
    /// Freshdesk: the API key. Zendesk: `email/token` (the user part of Basic auth).
    pub user: String,
    pub secret: SecretString,
}

/// The configured helpdesk APIs.
#[derive(Debug, Clone, Default)]
pub struct HelpdeskSettings {
    pub freshdesk: Option<Credentials>,
    pub zendesk: Option<Credentials>,
    pub timeout: Duration,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    #[error("rate limited; retry after {0:?}")]
    RateLimited(Duration),
    #[error("{0}")]
    Transient(String),
    /// The helpdesk said no (403, 404, a validation error): retrying will not help.
    #[error("{helpdesk} refused ({status}): {reason}")]
    Refused {
        helpdesk: &'static str,
        status: u16,
        reason: String,
    },
}

pub type ApiResult<T> = Result<T, ApiError>;

/// A helpdesk agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agent {
    pub id: String,
    pub name: Option<String>,
    pub email: Option<String>,
}

/// A ticket's requester, as the helpdesk describes them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Requester {
    pub id: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// What one ticket update sets; `None` leaves a field alone.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TicketUpdate {
    /// `Some(None)` clears the assignee.
    pub assignee: Option<Option<String>>,
    pub group: Option<String>,
    pub status: Option<TicketStatus>,
}

impl TicketUpdate {
    pub fn is_empty(&self) -> bool {
        self.assignee.is_none() && self.group.is_none() && self.status.is_none()
    }
}

/// One vendor's API, as the jobs use it.
#[async_trait]
pub trait HelpdeskApi: Send + Sync {
    /// "Freshdesk", "Zendesk": how messages name it.
    fn name(&self) -> &'static str;
    async fn agent_by_email(&self, email: &str) -> ApiResult<Option<Agent>>;
    async fn agent_by_name(&self, name: &str) -> ApiResult<Option<Agent>>;
    async fn agent(&self, id: &str) -> ApiResult<Option<Agent>>;
    async fn group_by_name(&self, name: &str) -> ApiResult<Option<String>>;
    /// Whether a note containing `reference` is already on the ticket.
    async fn has_note(&self, ticket: &str, reference: &str) -> ApiResult<bool>;
    async fn add_private_note(&self, ticket: &str, body: &str) -> ApiResult<()>;
    async fn update_ticket(&self, ticket: &str, update: &TicketUpdate) -> ApiResult<()>;
    /// Updates the ticket's requester.
    async fn update_requester(&self, ticket: &str, contact: &ContactUpdate) -> ApiResult<()>;
    async fn requester(&self, id: &str) -> ApiResult<Option<Requester>>;
    /// The agent-facing URL of a ticket.
    fn ticket_url(&self, ticket: &str) -> String;
}

/// The configured clients, by helpdesk name (`freshdesk`, `zendesk`).
#[derive(Clone, Default)]
pub struct Helpdesks {
    freshdesk: Option<Arc<dyn HelpdeskApi>>,
    zendesk: Option<Arc<dyn HelpdeskApi>>,
    /// One lookup at a time per key in this process (two tickets of one requester arriving
    /// together make one API call: the second waits, then reads the first's answer).
    flights: Arc<Mutex<std::collections::HashMap<String, Arc<tokio::sync::Mutex<()>>>>>,
}

impl Helpdesks {
    pub fn new(settings: &HelpdeskSettings) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout.min(Duration::from_secs(5)))
            .user_agent(concat!("cxbot/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self {
            freshdesk: settings.freshdesk.clone().map(|c| {
                Arc::new(Freshdesk::new(Client::new(http.clone(), c, "Freshdesk")))
                    as Arc<dyn HelpdeskApi>
            }),
            zendesk: settings.zendesk.clone().map(|c| {
                Arc::new(Zendesk::new(Client::new(http.clone(), c, "Zendesk")))
                    as Arc<dyn HelpdeskApi>
            }),
            flights: Arc::default(),
        })
    }

    /// Holds `key`'s lock: lookups under one key run one at a time in this process.
    pub async fn single_flight(&self, key: &str) -> tokio::sync::OwnedMutexGuard<()> {
        let lock = {
            let mut flights = self.flights.lock().expect("flights lock");
            if flights.len() > 1_000 {
                // Idle entries (nobody holds or waits on them) are dropped now and then.
                flights.retain(|_, l| Arc::strong_count(l) > 1);
            }
            flights.entry(key.to_string()).or_default().clone()
        };
        lock.lock_owned().await
    }

    /// The client for a ticket's helpdesk, if cxbot can write to it.
    pub fn get(&self, helpdesk: &str) -> Option<&Arc<dyn HelpdeskApi>> {
        match helpdesk {
            "freshdesk" => self.freshdesk.as_ref(),
            "zendesk" => self.zendesk.as_ref(),
            _ => None,
        }
    }

    /// Names of the helpdesks cxbot can write to.
    pub fn configured(&self) -> Vec<&'static str> {
        [("freshdesk", &self.freshdesk), ("zendesk", &self.zendesk)]
            .into_iter()
            .filter(|(_, c)| c.is_some())
            .map(|(n, _)| n)
            .collect()
    }
}

/// The HTTP part every vendor shares: Basic auth, status mapping, the 429 gate.
pub(crate) struct Client {
    http: reqwest::Client,
    creds: Credentials,
    name: &'static str,
    /// Until when this helpdesk asked us to wait (its last 429).
    blocked_until: Mutex<Option<Instant>>,
}

impl Client {
    fn new(http: reqwest::Client, creds: Credentials, name: &'static str) -> Self {
        Self {
            http,
            creds,
            name,
            blocked_until: Mutex::new(None),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.creds.base_url.trim_end_matches('/'), path)
    }

    fn request(&self, method: reqwest::Method, path: &str) -> RequestBuilder {
        use secrecy::ExposeSecret;
        self.http
            .request(method, self.url(path))
            .basic_auth(&self.creds.user, Some(self.creds.secret.expose_secret()))
            .header("accept", "application/json")
    }

    fn gate(&self) -> ApiResult<()> {
        let mut blocked = self.blocked_until.lock().expect("gate lock");
        match *blocked {
            Some(until) if until > Instant::now() => {
                Err(ApiError::RateLimited(until - Instant::now()))
            }
            Some(_) => {
                *blocked = None;
                Ok(())
            }
            None => Ok(()),
        }
    }

    async fn get(&self, path: &str) -> ApiResult<Value> {
        self.send(self.request(reqwest::Method::GET, path)).await
    }

    /// A GET whose 404 means "none".
    async fn get_optional(&self, path: &str) -> ApiResult<Option<Value>> {
        match self.get(path).await {
            Ok(v) => Ok(Some(v)),
            Err(ApiError::Refused { status: 404, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// A ticket's requester id, or a refusal saying the ticket has none.
    fn requester_of(&self, ticket: &str, id: Option<&Value>) -> ApiResult<String> {
        id.and_then(id_text).ok_or_else(|| ApiError::Refused {
            helpdesk: self.name,
            status: 200,
            reason: format!("ticket {ticket} has no requester"),
        })
    }

    /// Sends, maps the status; the JSON body of a success (Null when empty).
    async fn send(&self, req: RequestBuilder) -> ApiResult<Value> {
        self.gate()?;
        let res = req.send().await.map_err(|e| {
            ApiError::Transient(format!("{} unreachable: {}", self.name, without_url(&e)))
        })?;
        let status = res.status();
        if status.is_success() {
            let bytes = res
                .bytes()
                .await
                .map_err(|e| ApiError::Transient(format!("{}: {}", self.name, without_url(&e))))?;
            return Ok(serde_json::from_slice(&bytes).unwrap_or(Value::Null));
        }
        Err(self.failure(status, res).await)
    }

    async fn failure(&self, status: StatusCode, res: Response) -> ApiError {
        if status == StatusCode::TOO_MANY_REQUESTS {
            let after = res
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map_or(Duration::from_secs(60), Duration::from_secs);
            *self.blocked_until.lock().expect("gate lock") = Some(Instant::now() + after);
            metrics::counter!("cxbot_helpdesk_rate_limited_total", "helpdesk" => self.name)
                .increment(1);
            return ApiError::RateLimited(after);
        }
        let body: Value = res.json().await.unwrap_or(Value::Null);
        if status.is_server_error() || status == StatusCode::REQUEST_TIMEOUT {
            return ApiError::Transient(format!("{} answered {status}", self.name));
        }
        let reason = match status {
            StatusCode::UNAUTHORIZED => format!(
                "the API credentials were rejected (check {})",
                if self.name == "Freshdesk" {
                    "FRESHDESK_API_KEY"
                } else {
                    "ZENDESK_EMAIL and ZENDESK_API_TOKEN"
                }
            ),
            _ => error_words(&body).unwrap_or_else(|| {
                status
                    .canonical_reason()
                    .unwrap_or("refused")
                    .to_lowercase()
            }),
        };
        ApiError::Refused {
            helpdesk: self.name,
            status: status.as_u16(),
            reason,
        }
    }
}

/// The kind of failure (reqwest's own text names the URL, ticket id and all).
fn without_url(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".into()
    } else if e.is_connect() {
        "could not connect".into()
    } else if e.is_decode() || e.is_body() {
        "unreadable answer".into()
    } else {
        "request failed".into()
    }
}

/// The words of a vendor's error body: Freshdesk `{description, errors: [{field, message}]}`,
/// Zendesk `{error, description, details: {field: [{description}]}}`.
fn error_words(body: &Value) -> Option<String> {
    let mut parts = Vec::new();
    if let Some(errors) = body.get("errors").and_then(Value::as_array) {
        for e in errors {
            let field = e.get("field").and_then(Value::as_str);
            let message = e.get("message").and_then(Value::as_str);
            match (field, message) {
                (Some(f), Some(m)) => parts.push(format!("{f}: {m}")),
                (None, Some(m)) => parts.push(m.to_string()),
                _ => {}
            }
        }
    }
    if let Some(details) = body.get("details").and_then(Value::as_object) {
        for (field, list) in details {
            for d in list.as_array().into_iter().flatten() {
                if let Some(m) = d.get("description").and_then(Value::as_str) {
                    parts.push(format!("{field}: {m}"));
                }
            }
        }
    }
    let head = body
        .get("description")
        .and_then(Value::as_str)
        .or_else(|| body.get("error").and_then(Value::as_str))
        .or_else(|| body.get("message").and_then(Value::as_str));
    if parts.is_empty() {
        head.map(str::to_string)
    } else {
        Some(match head {
            Some(h) => format!("{h}: {}", parts.join("; ")),
            None => parts.join("; "),
        })
    }
}

/// An id as the helpdesk wants it in JSON: a number when it is one.
fn id_value(id: &str) -> Value {
    id.parse::<u64>()
        .map(Value::from)
        .unwrap_or_else(|_| Value::from(id))
}

/// A JSON id (number or string) as text.
fn id_text(v: &Value) -> Option<String> {
    match v {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        _ => None,
    }
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// The requester fields a recorded caller sets (name, email), as both vendors name them.
fn contact_fields(contact: &ContactUpdate) -> serde_json::Map<String, Value> {
    let mut fields = serde_json::Map::new();
    if let Some(name) = &contact.name {
        fields.insert("name".into(), Value::from(name.as_str()));
    }
    if let Some(email) = &contact.email {
        fields.insert("email".into(), Value::from(email.as_str()));
    }
    fields
}

/// Percent-encodes a query value.
fn encode(v: &str) -> String {
    serde_urlencoded::to_string([("v", v)])
        .map(|s| s[2..].to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn vendor_error_bodies_become_words() {
        let fd = json!({"description": "Validation failed", "errors": [
            {"field": "responder_id", "message": "There is no agent with this id", "code": "invalid_value"}]});
        assert_eq!(
            error_words(&fd).unwrap(),
            "Validation failed: responder_id: There is no agent with this id"
        );
        let zd = json!({"error": "RecordInvalid", "description": "Record validation errors",
            "details": {"assignee": [{"description": "Assignee is not an agent"}]}});
        assert_eq!(
            error_words(&zd).unwrap(),
            "Record validation errors: assignee: Assignee is not an agent"
        );
        assert_eq!(
            error_words(&json!({"error": "RecordNotFound"})).unwrap(),
            "RecordNotFound"
        );
        assert_eq!(error_words(&Value::Null), None);
    }

    #[test]
    fn ids_keep_their_json_type() {
        assert_eq!(id_value("42"), json!(42));
        assert_eq!(id_value("abc"), json!("abc"));
        assert_eq!(id_text(&json!(42)), Some("42".into()));
        assert_eq!(id_text(&json!("")), None);
        assert_eq!(encode("ana+cx@example.com"), "ana%2Bcx%40example.com");
    }
}
