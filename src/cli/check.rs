//! `cxbot check`: the configuration, offline (every wrong or missing key); with `--live`,
//! also what Slack says (`slack::live`): the token, the scopes, the channels.

use crate::config::{Config, Needs, Problem, Settings};
use crate::db;
use crate::slack::api::SlackApi;
use crate::slack::live::{self, LiveReport};
use std::process::ExitCode;

pub async fn run(settings: &Settings, live: bool) -> anyhow::Result<ExitCode> {
    let loaded = settings.load(Needs::Everything);
    let mut problems = match &loaded {
        Ok(_) => Vec::new(),
        Err(found) => found.0.clone(),
    };
    // The database is asked whatever else is wrong (every problem in one run), unless its
    // URL is itself the problem.
    let reached = if problems.iter().any(|p| p.key == "DATABASE_URL") {
        None
    } else {
        match db::probe(&settings.database_url).await {
            Ok(what) => Some(what),
            Err(e) => {
                problems.push(Problem::new("DATABASE_URL", e.to_string()));
                None
            }
        }
    };
    let config = match loaded {
        Ok(config) if problems.is_empty() => config,
        _ => {
            eprintln!("cxbot check found {} problem(s):", problems.len());
            for p in &problems {
                eprintln!("  - {p}");
            }
            if live {
                eprintln!("(Slack was not asked: fix the configuration first)");
            }
            return Ok(ExitCode::FAILURE);
        }
    };
    print!("{}", config.summary());
    if let Some(what) = reached {
        println!("  database reached: {what}");
    }
    let warnings = config.warnings();
    if !warnings.is_empty() {
        eprintln!("cxbot check: {} warning(s):", warnings.len());
        for w in &warnings {
            eprintln!("  - warning: {w}");
        }
    }
    if !live {
        return Ok(ExitCode::SUCCESS);
    }
    let report = ask_slack(&config).await?;
    print!("{}", summary(&report));
    for w in &report.warnings {
        eprintln!("  - warning: {}\n    fix: {}", w.what, w.fix);
    }
    if report.problems.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    eprint!("{}", live_problems(&report));
    Ok(ExitCode::FAILURE)
}

async fn ask_slack(config: &Config) -> anyhow::Result<LiveReport> {
    // slack-morphism's and reqwest's TLS need the process-wide crypto provider first.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let api = SlackApi::new(&config.slack)?;
    Ok(live::check(&api, &config.playbook).await)
}

/// What was found in order (printed to stdout).
fn summary(r: &LiveReport) -> String {
    let mut out = String::from("slack (live)\n");
    if let Some(id) = &r.identity {
        out.push_str(&format!(
            "  bot: @{} ({}) in {}\n",
            id.user.as_deref().unwrap_or("?"),
            id.user_id,
            id.team
        ));
    }
    if let Some(scopes) = &r.scopes {
        out.push_str(&format!("  scopes granted: {}\n", scopes.join(", ")));
    }
    for (label, channel) in &r.channels_ok {
        out.push_str(&format!("  {label}: {channel} OK (the bot is in it)\n"));
    }
    for (label, channel) in &r.channels_public {
        out.push_str(&format!(
            "  {label}: {channel} OK (public: the bot posts there uninvited, with chat:write.public)\n"
        ));
    }
    if r.problems.is_empty() {
        out.push_str("  Slack OK\n");
    }
    out
}

/// Each problem with its fix (printed to stderr).
fn live_problems(r: &LiveReport) -> String {
    let mut out = format!(
        "cxbot check --live found {} problem(s):\n",
        r.problems.len()
    );
    for p in &r.problems {
        out.push_str(&format!("  - {}\n    fix: {}\n", p.what, p.fix));
    }
    out
}
