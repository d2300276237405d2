//! cxbot: a Slack app that keeps a customer-experience team's procedures.
//!
//! Code tour (dependencies point one way: edges -> `service` -> `domain` + `db`):

/// Wiring: `AppState`, building the server and worker, graceful shutdown.
pub mod app;
/// The operator's subcommands: `check [--live]`, `jobs`, `jobs retry`.
pub mod cli;
/// The one source of time; tests inject a manual clock.
pub mod clock;
/// CLI, environment and playbook, read once, validated, passed down.
pub mod config;
/// Persistence: the `Store` traits and their SQLite and PostgreSQL implementations.
pub mod db;
/// `cxbot demo`: a scripted day through the real pipeline, with a Slack stand-in.
pub mod demo;
/// Pure types and rules: ids, tickets, routing, cadences. No I/O.
pub mod domain;
/// Test support: the seeded configuration and fixture mutations of the parsers' property tests.
#[cfg(test)]
mod fuzz;
/// The helpdesks' REST APIs (write-back, agent and requester lookups); jobs call them.
pub mod helpdesk;
/// HTTP plumbing: router, middleware, error type, health and metrics.
pub mod http;
/// The durable job worker: every Slack Web API call and every timer runs here.
pub mod jobs;
/// A bounded set of recently seen keys (replayed signatures, redelivered events).
pub mod recent;
/// The use cases; a slash command, a button and a job all call these.
pub mod service;
/// The Slack edge: request verification, command grammar, actions, views, Web API client.
pub mod slack;
/// Tracing and metrics set-up.
pub mod telemetry;
/// Helpdesk webhooks: auth, wire formats, conversion into intake events, `POST /hooks/*`.
pub mod webhooks;
