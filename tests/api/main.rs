//! End-to-end tests: one binary, the real app on port 0, a fresh database per test, a fake
//! Slack that records every call. Each test asserts what a user or operator would see: the
//! Slack call made, the row stored, the status returned.

mod ack_answers;
mod check;
mod check_live;
mod claims;
mod contacts;
mod crash;
mod demo;
mod directives;
mod fault_proxy;
mod faults;
mod first_install;
mod followups;
mod health;
mod helpers;
mod hostile;
mod intake;
mod jobs_cli;
mod layering;
mod manifest;
mod phones;
mod queue;
mod reactions;
mod refusals;
mod secrets;
mod shifts;
mod sla;
mod slack_edge;
mod slack_install;
mod socket_mode;
mod store;
mod summary;
mod worker;
mod writeback;
