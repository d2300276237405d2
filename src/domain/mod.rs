//! Pure types and rules. Nothing here does I/O or depends on anything async: the service
//! layer feeds these functions the state it read and the clock's `now`, and stores what
//! they return. Property tests live beside the rules they check.
//!
//! Imports nothing else of the crate (`tests/api/layering.rs` checks). To add a rule: a
//! module of pure functions over plain types (serde for what is stored or configured),
//! with its tests beside it; the service that applies it reads and writes the state.
//!
//! - `ids`, `team`: identifier newtypes; the escalation ladder.
//! - `calendar`: cadence days as local dates, and when they begin and end.
//! - `cadence`: follow-up cadences: playbook data, validation, choice, the per-ticket run.
//! - `contact`: which channels (email, call, text) to use to reach a customer.
//! - `phone`: phone numbers as match keys (E.164 with the playbook's default region).
//! - `claim`, `escalation`: who may release, claim leases, where an escalation goes.
//! - `ticket`: a ticket as views, services and jobs see it (the db layer decodes its rows
//!   into it), and how people name one (`TicketQuery`).
//! - `queue`: when an unclaimed card is re-announced, and auto-assignment's round robin.
//! - `notice`: what cxbot tells people after the fact, as data that jobs carry and views
//!   render.
//
// No `///` on these `mod` lines: rustdoc would then resolve the modules' `//!` intra-doc
// links in this scope, where they do not exist.

pub mod cadence;
pub mod calendar;
pub mod claim;
pub mod contact;
pub mod directive;
pub mod escalation;
pub mod ids;
pub mod intake;
pub mod notice;
pub mod phone;
pub mod queue;
pub mod routing;
pub mod shift;
pub mod sla;
pub mod summary;
pub mod team;
pub mod ticket;
pub mod writeback;
