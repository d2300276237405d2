//! The Slack edge. Every `/slack/*` request is verified (signature and freshness) before
//! anything parses it, then routed: Events API to [`events`], the `/cx` command to
//! [`commands`] (grammar) and [`routes`] (dispatch), buttons and modals to
//! [`interactions`]. Replies are built by templates in [`views`]. Outbound Web API calls
//! go through the job worker via [`api`].
//!
//! To add a `/cx` subcommand: a variant and its parse in `commands.rs` (its usage line
//! goes in `USAGE`), a service function, and the dispatch arm in `routes.rs`.
//! To add a button: a variant in `actions.rs`, its button in `views.rs`, its arm in
//! `interactions.rs`.

pub mod actions;
pub mod api;
pub mod commands;
pub mod events;
pub mod interactions;
pub mod routes;
pub mod verify;
pub mod views;
