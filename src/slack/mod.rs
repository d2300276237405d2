//! The Slack edge. Two transports bring Slack's payloads in: HTTP ([`routes`]: every
//! `/slack/*` request is verified, signature and freshness, before anything parses it)
//! and Socket Mode ([`socket`]: a WebSocket cxbot opens with the app-level token, for a
//! cxbot behind a firewall). Both hand the parsed payload to [`dispatch`], one path:
//! Events API to [`events`], the `/cx` command to [`commands`] (grammar) and
//! [`dispatch`], buttons and modals to [`interactions`]. Replies are built by templates
//! in [`views`]. Outbound Web API calls go through the job worker via [`api`].
//!
//! May import: `service` (use cases, their outcomes, `Refusal`), `domain`, `jobs::enqueue`
//! (to queue a reply it rendered), `app`, `http::error`, `config`. Never `db`: views render
//! domain types and service outcomes, not rows (`tests/api/layering.rs` checks).
//!
//! To add a `/cx` subcommand: a variant and its parse in `commands.rs` (its usage line
//! goes in `USAGE`); the dispatch arm in `dispatch.rs`, which calls the service function and
//! words its outcome through a view (`views::<feature>::outcome`); a new refusal's words in
//! `views/refusal.rs`.
//! To add a button: a variant in `actions.rs`, its button in a view, its arm in
//! `interactions.rs` (a modal: `modals.rs`).

pub mod actions;
pub mod api;
pub mod commands;
pub mod dispatch;
pub mod events;
pub mod interactions;
pub mod live;
mod modals;
pub mod readback;
pub mod routes;
pub mod socket;
pub mod verify;
pub mod views;

#[cfg(test)]
mod fuzz_tests;

/// Reads `tests/fixtures/slack/payloads/<name>` (Slack's payloads, each with its source noted
/// in that folder), for the unit tests of the Slack edge.
#[cfg(test)]
pub(crate) fn payload_fixture(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/slack/payloads")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()))
}
