//! Helpdesk webhooks: bytes in, [`IntakeEvent`](crate::domain::intake::IntakeEvent)s (or a precise error) out.
//!
//! How it works. The HTTP layer routes `POST /hooks/{provider}`: it turns the segment into a
//! [`Provider`](crate::webhooks::Provider) (unknown -> [`WebhookError::UnknownProvider`](crate::webhooks::WebhookError::UnknownProvider), a 404), checks the shared secret
//! with the matching function in [`auth`](crate::webhooks::auth) (-> `Unauthorized`, a 401 that says nothing more),
//! then calls [`parse_delivery`](crate::webhooks::parse_delivery) with the raw body and the time it received it. Each provider module
//! reads the body as `serde_json::Value` into its `*Payload` wire struct through the
//! path-aware helpers in `json.rs` (so a missing or wrong field fails as `Malformed` naming its
//! JSON path, a 422), then converts it with `TryFrom<*Payload> for IntakeEvent`, which is where
//! event types cxbot does not use become `Ignored` (the HTTP layer answers 202 and stores
//! nothing). Everything here is pure: no clock, no I/O.
//!
//! Most helpdesks send one event per request. HubSpot and Zoho Desk send a JSON array (HubSpot
//! up to 100 events): their `*Payload` holds one outcome per event and `events()` turns them
//! into intake events (a Zoho update may give two), each event Ignored or Malformed on its own
//! with its path from the array (`[2].objectId`). The HTTP layer stores nothing if any event of
//! a delivery is malformed, else hands each usable one to the service in order.
//!
//! Each event carries an idempotency key built so that a redelivery of the same event gives the
//! same key and two different events give different keys; the service stores it and acks a
//! repeat without acting.
//!
//! May import `domain` (what a payload becomes), `service::intake` (from `routes.rs`),
//! `http::error`, `app` and `config`; never `db` or `slack`.
//!
//! Adding a helpdesk:
//! 1. add a variant to `Helpdesk` in `domain/intake.rs` if it is new there;
//! 2. write `webhooks/<name>.rs` with a `<Name>Payload` (`TryFrom<&Delivery>`), a
//!    `TryFrom<<Name>Payload> for IntakeEvent` (or, for a batch, `events()`), a key rule, and
//!    tests over its fixtures (copied under `tests/fixtures/helpdesk/<name>/` with their
//!    `.source.txt`; payloads written by hand say so there);
//! 3. add a [`Provider`](crate::webhooks::Provider) variant, its URL segment in [`Provider::from_segment`](crate::webhooks::Provider::from_segment) and its arm in
//!    [`parse_delivery`](crate::webhooks::parse_delivery);
//! 4. add its verification function to `auth.rs` (or document why it reuses one) and call it
//!    from `routes.rs` (with its secret in `config::WebhookSecrets`, its variable named in
//!    `routes::secret`, the README's configuration table and its "Pointing your helpdesk" section).
//!
//! Native endpoints: Freshdesk, Zendesk, Intercom, HubSpot and Zoho Desk. A system that can
//! send arbitrary JSON and has no endpoint of its own (Freshcaller, AppFollow, a Zapier step)
//! can be pointed at `/hooks/generic` with the format in [`GENERIC_FORMAT_DOC`](crate::webhooks::generic::GENERIC_FORMAT_DOC).

pub mod auth;
pub mod freshdesk;
pub mod generic;
pub mod hubspot;
pub mod intercom;
mod json;
pub mod routes;
pub mod text;
pub mod zendesk;
pub mod zoho;

use crate::domain::intake::IntakeEvent;
use chrono::{DateTime, Utc};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    /// Bad or missing token or signature. Deliberately says nothing more.
    #[error("unauthorized")]
    Unauthorized,
    /// Malformed JSON (`field` = "body") or a missing or invalid field (`field` = its JSON path).
    #[error("malformed payload: `{field}`: {reason}")]
    Malformed { field: String, reason: String },
    /// A well-formed event cxbot does not act on.
    #[error("ignored: {reason}")]
    Ignored { reason: String },
    #[error("unknown helpdesk provider `{name}`")]
    UnknownProvider { name: String },
}

impl WebhookError {
    /// The HTTP status the edge should answer with.
    pub fn http_status(&self) -> u16 {
        match self {
            Self::Unauthorized => 401,
            Self::Malformed { .. } => 422,
            Self::Ignored { .. } => 202,
            Self::UnknownProvider { .. } => 404,
        }
    }

    pub(crate) fn ignored(reason: impl Into<String>) -> Self {
        Self::Ignored {
            reason: reason.into(),
        }
    }
}

/// The `{provider}` segment of `/hooks/{provider}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Provider {
    Freshdesk,
    Zendesk,
    Generic,
    Intercom,
    Hubspot,
    Zoho,
}

impl Provider {
    pub const ALL: [Provider; 6] = [
        Self::Freshdesk,
        Self::Zendesk,
        Self::Generic,
        Self::Intercom,
        Self::Hubspot,
        Self::Zoho,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Freshdesk => "freshdesk",
            Self::Zendesk => "zendesk",
            Self::Generic => "generic",
            Self::Intercom => "intercom",
            Self::Hubspot => "hubspot",
            Self::Zoho => "zoho",
        }
    }

    /// True for the helpdesks whose requests carry an array of events.
    pub fn batches(self) -> bool {
        matches!(self, Self::Hubspot | Self::Zoho)
    }

    /// Exact, lower-case segment match (URLs are case-sensitive; one spelling per provider).
    pub fn from_segment(segment: &str) -> Result<Self, WebhookError> {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == segment)
            .ok_or_else(|| WebhookError::UnknownProvider {
                // Echoed in a 404 body: keep it short.
                name: segment.chars().take(40).collect(),
            })
    }
}

impl std::str::FromStr for Provider {
    type Err = WebhookError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::from_segment(s)
    }
}

/// One received request body; the input to each provider's `*Payload` parser.
#[derive(Debug, Clone, Copy)]
pub struct Delivery<'a> {
    pub body: &'a [u8],
    /// Used as the event time when the payload has none, never as part of a key: a
    /// redelivery arrives later but must produce the same key.
    pub received_at: DateTime<Utc>,
}

/// What one delivery holds, event by event: `Ok` to record, `Err(Ignored)` to skip,
/// `Err(Malformed)` naming its path. A body that cannot be read at all, or that a single-event
/// helpdesk sends about an unused event, is one `Err` for the whole delivery.
pub type Outcomes = Vec<Result<IntakeEvent, WebhookError>>;

/// Parses an authenticated body from `provider`: one event, or HubSpot's and Zoho's batches.
pub fn parse_delivery(
    provider: Provider,
    body: &[u8],
    received_at: DateTime<Utc>,
) -> Result<Outcomes, WebhookError> {
    let delivery = Delivery { body, received_at };
    let one = |event: Result<IntakeEvent, WebhookError>| event.map(|e| vec![Ok(e)]);
    match provider {
        Provider::Freshdesk => one(freshdesk::FreshdeskPayload::try_from(&delivery)?.try_into()),
        Provider::Zendesk => one(zendesk::ZendeskPayload::try_from(&delivery)?.try_into()),
        Provider::Generic => one(generic::GenericPayload::try_from(&delivery)?.try_into()),
        Provider::Intercom => one(intercom::IntercomPayload::try_from(&delivery)?.try_into()),
        Provider::Hubspot => Ok(hubspot::HubspotPayload::try_from(&delivery)?.events()),
        Provider::Zoho => Ok(zoho::ZohoPayload::try_from(&delivery)?.events()),
    }
}

/// Parses a body that holds exactly one event (every single-event helpdesk; a batch of one).
/// A batch of several is Malformed here: requests go through [`parse_delivery`].
pub fn parse(
    provider: Provider,
    body: &[u8],
    received_at: DateTime<Utc>,
) -> Result<IntakeEvent, WebhookError> {
    let mut outcomes = parse_delivery(provider, body, received_at)?;
    match outcomes.len() {
        1 => outcomes.pop().expect("one"),
        0 => Err(WebhookError::ignored("no events")),
        n => Err(WebhookError::Malformed {
            field: "body".into(),
            reason: format!("expected one event, got {n}"),
        }),
    }
}

/// Reads `tests/fixtures/helpdesk/<rel>` (copied from shared/fixtures with their
/// `.source.txt`; the Slack signing vector is shared with the Slack edge, in `../slack/`).
#[cfg(test)]
pub(crate) fn fixture(rel: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/helpdesk")
        .join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()))
}

#[cfg(test)]
mod fuzz_tests;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::intake::{EventKind, Helpdesk};

    #[test]
    fn provider_comes_from_the_url_segment() {
        assert_eq!(Provider::from_segment("zendesk"), Ok(Provider::Zendesk));
        assert_eq!("generic".parse::<Provider>(), Ok(Provider::Generic));
        assert_eq!(Provider::from_segment("intercom"), Ok(Provider::Intercom));
        assert_eq!(Provider::from_segment("hubspot"), Ok(Provider::Hubspot));
        assert_eq!(Provider::from_segment("zoho"), Ok(Provider::Zoho));
        assert!(Provider::from_segment("HubSpot").is_err(), "one spelling");
        assert!(Provider::from_segment("zoho_desk").is_err(), "one spelling");
        for p in Provider::ALL {
            assert_eq!(Provider::from_segment(p.as_str()), Ok(p));
        }
        let err = Provider::from_segment("kayako").unwrap_err();
        assert_eq!(
            err,
            WebhookError::UnknownProvider {
                name: "kayako".into()
            }
        );
        assert_eq!(err.http_status(), 404);
        assert_eq!(err.to_string(), "unknown helpdesk provider `kayako`");
    }

    #[test]
    fn parse_dispatches_by_provider() {
        let now = Utc::now();
        let fd = parse(
            Provider::Freshdesk,
            &fixture("freshdesk/zulip_ticket_created.json"),
            now,
        )
        .unwrap();
        assert_eq!(
            (fd.helpdesk, fd.kind),
            (Helpdesk::Freshdesk, EventKind::Ticket)
        );
        let zd = parse(
            Provider::Zendesk,
            &fixture("zendesk/event.ticket_status_changed.third_party_example.json"),
            now,
        )
        .unwrap();
        assert_eq!(
            (zd.helpdesk, zd.kind),
            (Helpdesk::Zendesk, EventKind::TicketStatus)
        );
        // Same bytes at the wrong endpoint: the generic parser names what is missing.
        let err = parse(
            Provider::Generic,
            &fixture("freshdesk/zulip_ticket_created.json"),
            now,
        )
        .unwrap_err();
        assert_eq!(err.http_status(), 422);
        assert!(matches!(err, WebhookError::Malformed { ref field, .. } if field == "id"));
    }

    #[test]
    fn error_statuses_and_messages() {
        assert_eq!(WebhookError::Unauthorized.to_string(), "unauthorized");
        assert_eq!(WebhookError::Unauthorized.http_status(), 401);
        let m = WebhookError::Malformed {
            field: "ticket.priority".into(),
            reason: "unknown priority `meh`".into(),
        };
        assert_eq!(
            m.to_string(),
            "malformed payload: `ticket.priority`: unknown priority `meh`"
        );
        assert_eq!(WebhookError::ignored("x").http_status(), 202);
    }
}
