//! The operator's subcommands beside `serve`: `check` (and `check --live`), `jobs` and
//! `jobs retry`. Each loads the configuration, calls a use case (`service::ops`) or the
//! Slack client's checks (`slack::live`), and prints the outcome for a terminal: what is
//! wrong first, with what to do about it. Exit codes: 0 all well, 1 problems found,
//! 2 a request that cannot be done (an unknown job id).
//!
//! May import `config`, `db` (to open the store), `service`, `slack::api` and
//! `slack::live`. To add a subcommand: a variant in `config::Command`, a module here,
//! its arm in `main.rs`.

pub mod check;
pub mod jobs;

/// An instant (unix ms) as `2026-12-06 10:12:03 UTC`.
pub(crate) fn utc(ms: i64) -> String {
    crate::clock::from_ms(ms)
        .format("%Y-%m-%d %H:%M:%S UTC")
        .to_string()
}
