//! `cxbot demo`: a scripted CX day replayed through the real pipeline, with nothing to set
//! up. The app is built as `serve` builds it (the HTTP edge, the services, the worker, a
//! SQLite database in a temporary directory), with a manual clock starting on a Monday
//! morning and the Web API pointed at [`slack::SlackStandIn`], a Slack stand-in in the same
//! process that answers like Slack (per-channel rate limit included, in simulated time).
//!
//! The script ([`script`]) is what the seeds' teams do in a day: helpdesk webhooks signed as
//! each helpdesk signs them, slash commands and clicks signed as Slack signs them, sent over
//! HTTP to the app's own listener; between steps the clock moves on and the worker runs
//! every job due on the way, at its own simulated time. What Slack was asked to show is
//! printed as it happens ([`print`]): channel, DM or person, card headlines, thread lines.
//!
//! To show a new feature: add its steps to the script (`monday.rs` for the day itself,
//! `script.rs` for the mornings after): a webhook (`payloads.rs`), a command or a click
//! (`send.rs`), and `s.at(h, m)` to let the clock reach its timers. If it posts a new kind
//! of message worth more than its first line, teach `print.rs` to show it. Then add its key
//! line to the demo's test (`tests/api/demo.rs`) so the demo cannot rot.

mod monday;
mod mrkdwn;
mod payloads;
mod print;
mod script;
mod send;
pub mod slack;
mod stage;

use crate::app::{Application, WorkerMode};
use crate::clock::ManualClock;
use crate::config::{Config, Playbook, SlackSettings, WebhookSecrets};
use crate::helpdesk::HelpdeskSettings;
use secrecy::SecretString;
use stage::{first_morning, Stage};
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How the simulated clock relates to the real one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Pace {
    /// No pauses: as fast as the machine goes.
    Instant,
    /// This many simulated minutes per real second (a pause is at most 1.5 s, so nights and
    /// quiet hours pass quickly).
    Speed(f64),
}

#[derive(Debug, Clone)]
pub struct Options {
    pub pace: Pace,
    /// Leave the database (and print its path) for `cxbot serve` to open.
    pub keep: bool,
}

/// A person of the demo team.
#[derive(Debug, Clone)]
pub struct Person {
    pub id: &'static str,
    pub name: &'static str,
    pub level: &'static str,
    pub lead: bool,
    pub schedule: Option<&'static str>,
}

pub const ANA: &str = "U0DEMOANA";
pub const BEN: &str = "U0DEMOBEN";
pub const CHEN: &str = "U0DEMOCHN";
pub const DANA: &str = "U0DEMODNA";

/// Ana and Ben work set hours; Chen (L2 Strategist) and Dana (L3 Brand Lead, the lead) come
/// and go with `/cx on` and `/cx off`.
pub const PEOPLE: &[Person] = &[
    Person {
        id: ANA,
        name: "Ana",
        level: "L1",
        lead: false,
        schedule: Some("Mon-Fri 08:00-16:00"),
    },
    Person {
        id: BEN,
        name: "Ben",
        level: "L1",
        lead: false,
        schedule: Some("Mon-Fri 10:00-18:00"),
    },
    Person {
        id: CHEN,
        name: "Chen",
        level: "L2",
        lead: false,
        schedule: None,
    },
    Person {
        id: DANA,
        name: "Dana",
        level: "L3",
        lead: true,
        schedule: None,
    },
];

/// Who is who, for the printout.
#[derive(Debug, Clone)]
pub struct Team {
    pub tz: chrono_tz::Tz,
    /// The queue channel as the playbook names it (`#cx-queue`).
    pub queue: String,
    names: HashMap<String, String>,
}

impl Team {
    /// A user id's name; an id nobody knows stays as it is.
    pub fn name(&self, id: &str) -> String {
        self.names
            .get(id)
            .cloned()
            .unwrap_or_else(|| id.to_string())
    }

    #[cfg(test)]
    pub fn for_tests(people: &[(&str, &str)]) -> Self {
        Self {
            tz: chrono_tz::America::New_York,
            queue: "#cx-queue".into(),
            names: people
                .iter()
                .map(|(id, n)| (id.to_string(), n.to_string()))
                .collect(),
        }
    }
}

/// The built-in playbook with the demo team added.
pub fn playbook_text() -> String {
    let mut text = crate::config::playbook::EXAMPLE_PLAYBOOK.to_string();
    for p in PEOPLE {
        text.push_str(&format!(
            "\n[[team.member]]\nslack_id = \"{}\"\nname = \"{}\"\nlevel = \"{}\"\nlead = {}\n",
            p.id, p.name, p.level, p.lead
        ));
        if let Some(s) = p.schedule {
            text.push_str(&format!("schedule = [\"{s}\"]\n"));
        }
    }
    text
}

fn config(playbook: Playbook, db: &Path, slack_url: String) -> Config {
    let secret = |s: &str| Some(SecretString::from(s.to_string()));
    Config {
        slack: SlackSettings {
            signing_secret: SecretString::from(stage::SIGNING_SECRET.to_string()),
            bot_token: SecretString::from("xoxb-demo".to_string()),
            api_url: slack_url,
            timeout: Duration::from_secs(5),
            app_token: None,
        },
        database_url: format!("sqlite://{}", db.display()),
        listen: "127.0.0.1:0".parse().expect("a socket address"),
        playbook,
        playbook_source: "built-in defaults (cxbot.example.toml) and the demo team".into(),
        webhooks: WebhookSecrets {
            freshdesk_token: secret(stage::FRESHDESK_TOKEN),
            zendesk_secret: secret(stage::ZENDESK_SECRET),
            generic_secret: secret(stage::GENERIC_SECRET),
            ..WebhookSecrets::default()
        },
        helpdesks: HelpdeskSettings {
            freshdesk: None,
            zendesk: None,
            timeout: Duration::from_secs(5),
        },
        worker_concurrency: 4,
    }
}

/// Plays the day; the database's directory is removed after unless `keep`.
pub async fn run(opts: Options) -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!("cxbot-demo-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir)?;
    let db = dir.join("cxbot.db");
    // Ctrl-C (or SIGTERM) mid-run still removes the temporary directory.
    let result = tokio::select! {
        r = play(&opts, &db) => r,
        _ = crate::app::shutdown_signal() => Err(anyhow::anyhow!("interrupted")),
    };
    if opts.keep {
        println!(
            "\nThe database is kept: {}\nOpen it with: DATABASE_URL=sqlite://{} cxbot serve",
            db.display(),
            db.display()
        );
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }
    result
}

async fn play(opts: &Options, db: &Path) -> anyhow::Result<()> {
    let started = Instant::now();
    let playbook = Playbook::parse(&playbook_text()).map_err(|p| {
        anyhow::anyhow!(
            "the demo playbook is invalid: {}",
            crate::config::Problems(p)
        )
    })?;
    let tz = playbook.tz();
    let team = Team {
        tz,
        queue: playbook.channel("queue").unwrap_or("#cx-queue").to_string(),
        names: PEOPLE
            .iter()
            .map(|p| (p.id.to_string(), p.name.to_string()))
            .collect(),
    };
    let clock = Arc::new(ManualClock::new(first_morning(tz)));

    let mut slack_opts = slack::Options::new(clock.clone());
    slack_opts.min_interval = Some(chrono::Duration::seconds(1));
    slack_opts.record = true;
    slack_opts.people = PEOPLE
        .iter()
        .map(|p| {
            (
                p.id.to_string(),
                slack::Person {
                    name: p.name.to_string(),
                    tz: tz.name().to_string(),
                },
            )
        })
        .collect();
    let slack = slack::SlackStandIn::new(slack_opts);
    let slack_addr = slack.start().await?;

    let config = config(playbook, db, format!("http://{slack_addr}/"));
    let app = Application::build(config, clock.clone(), WorkerMode::Manual).await?;
    let base = format!("http://{}", app.local_addr());
    let state = app.state();
    let worker = app.worker();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async {
        let _ = stopped.await;
    }));

    let mut out = print::Printer::new(tz);
    intro(&mut out, opts, db, slack_addr);
    let mut stage = Stage::new(clock, state, worker, slack, team, out, base, opts.pace);
    let played = script::play(&mut stage).await;
    stage.flush();
    let _ = stop.send(());
    server.await??;
    played?;
    outro(&mut stage, started.elapsed());
    Ok(())
}

fn intro(out: &mut print::Printer, opts: &Options, db: &Path, slack: std::net::SocketAddr) {
    out.plain_line("cxbot demo: a CX team's day, replayed through the real pipeline");
    out.plain_line(&format!(
        "  Slack:    a stand-in at http://{slack}/ (answers the Web API like Slack, 1 post/s per channel)"
    ));
    out.plain_line(&format!("  Database: SQLite, {}", db.display()));
    let people: Vec<String> = PEOPLE
        .iter()
        .map(|p| {
            let mut s = format!("{} ({}", p.name, p.level);
            if p.lead {
                s.push_str(", lead");
            }
            if let Some(h) = p.schedule {
                s.push_str(&format!(", {h}"));
            }
            s.push(')');
            s
        })
        .collect();
    out.plain_line(&format!(
        "  Team:     {} (America/New_York)",
        people.join(", ")
    ));
    out.plain_line(&format!(
        "  Clock:    simulated, {}",
        match opts.pace {
            Pace::Instant => "--instant (no pauses)".to_string(),
            Pace::Speed(n) => format!("--speed {n} ({n} simulated minutes a second)"),
        }
    ));
    out.plain_line(
        "  Each line: the time, where it shows (a channel, a DM, or a person acting ▸), what it says",
    );
}

fn outro(stage: &mut Stage, took: Duration) {
    stage
        .out
        .heading("The cards at the end, channel by channel");
    stage.out.channels();
    if let Some((at, lines)) = stage.out.first_summary() {
        let day = at.with_timezone(&stage.team.tz).format("%A %H:%M");
        stage
            .out
            .heading(&format!("The daily summary, as #cx-only got it ({day})"));
        for l in lines {
            stage.out.plain_line(&format!("  {l}"));
        }
    }
    let t = stage.out.tally.clone();
    stage.out.heading("Tally");
    let channels: Vec<String> = t
        .by_channel
        .iter()
        .map(|(c, n)| format!("{c} {n}"))
        .collect();
    let lines = [
        format!(
            "Slack: {} cards, {} thread lines, {} DMs, {} other posts, {} seen by one person only,",
            t.cards, t.thread_lines, t.dms, t.other_posts, t.private
        ),
        format!(
            "       {} card updates in place, {} App Home refreshes, {} forms opened, {} posts refused with 429 (1 post/s per channel)",
            t.updates, t.home_tabs, t.forms, t.limited
        ),
        format!("Posts by channel: {}", channels.join(", ")),
        format!(
            "cxbot: {} signed requests answered, {} jobs run by the worker; {} simulated days in {:.1} s",
            stage.requests(),
            stage.jobs,
            (stage.day - first_morning(stage.team.tz).with_timezone(&stage.team.tz).date_naive())
                .num_days()
                + 1,
            took.as_secs_f64()
        ),
    ];
    for l in lines {
        stage.out.plain_line(&l);
    }
}
