//! The `cxbot` binary: parse the command line, set up logging, run the subcommand.

use clap::parser::ValueSource;
use clap::{CommandFactory, FromArgMatches};
use cxbot::app::{shutdown_signal, Application, WorkerMode};
use cxbot::clock::Clock;
use cxbot::clock::SystemClock;
use cxbot::config::{Cli, Command, ContactsCommand, Needs};
use cxbot::db::{self, OpenMode};
use cxbot::service::contacts::rekey_phones;
use cxbot::telemetry::LogTo;
use std::process::ExitCode;
use std::sync::Arc;

#[tokio::main]
async fn main() -> ExitCode {
    let matches = Cli::command().get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    // The demo's printout is the point: its logs stay quiet unless a filter was asked for.
    let log = match (&cli.command, matches.value_source("log")) {
        (Command::Demo(_), Some(ValueSource::DefaultValue)) => "error",
        _ => cli.settings.log.as_str(),
    };
    let log_to = match cli.command {
        Command::Serve => LogTo::Stdout,
        _ => LogTo::Stderr,
    };
    cxbot::telemetry::init_tracing(cli.settings.log_format, log, log_to);
    match run(cli).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("cxbot: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match &cli.command {
        Command::Check { live } => cxbot::cli::check::run(&cli.settings, *live).await,
        Command::Jobs(args) => {
            let config = load_or_exit(&cli, Needs::Database)?;
            let store = db::open(&config.database_url, OpenMode::Tool).await?;
            let result = cxbot::cli::jobs::run(&store, args).await;
            store.close().await;
            result
        }
        Command::Migrate => {
            let config = load_or_exit(&cli, Needs::Database)?;
            let store = db::open(&config.database_url, OpenMode::Tool).await?;
            let region = config.playbook.contacts.region();
            let rekeyed = rekey_phones(&store, region, SystemClock.now_ms()).await;
            store.close().await;
            rekeyed?;
            println!("migrations applied");
            Ok(ExitCode::SUCCESS)
        }
        Command::Contacts(ContactsCommand::Import { file, dry_run }) => {
            use cxbot::service::contacts::{self, contacts as n_contacts};
            let config = load_or_exit(&cli, Needs::Database)?;
            let text = std::fs::read_to_string(file)
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
            // Named in full: an import run from another directory must not silently fill a
            // second ./cxbot.db.
            let into = cxbot::config::database_label(&config.database_url);
            let region = config.playbook.contacts.region();
            let store = db::open(&config.database_url, OpenMode::Tool).await?;
            // Customers on file keyed as before E.164 would not match the file's rows. (A
            // dry run too: like the SQL migrations `open` applied, this brings the database
            // to this version; it is not the import's change.)
            if let Err(e) = rekey_phones(&store, region, SystemClock.now_ms()).await {
                store.close().await;
                return Err(e.into());
            }
            let result = if *dry_run {
                contacts::dry_run(&store, &text, region).await.map(|d| {
                    println!(
                        "dry run: {} from {} would be imported into {into} ({} new, {} updating a customer on file); nothing written",
                        n_contacts(d.new + d.updated),
                        file.display(),
                        d.new,
                        d.updated
                    );
                })
            } else {
                contacts::import(&store, &text, region, SystemClock.now_ms())
                    .await
                    .map(|n| {
                        println!(
                            "imported {} from {} into {into}",
                            n_contacts(n),
                            file.display()
                        )
                    })
            };
            store.close().await;
            match result {
                Ok(()) => Ok(ExitCode::SUCCESS),
                Err(cxbot::service::contacts::ImportError::Invalid(problems)) => {
                    eprintln!(
                        "nothing imported: {} problem(s) in {}:",
                        problems.len(),
                        file.display()
                    );
                    for p in problems {
                        eprintln!("  - {p}");
                    }
                    Ok(ExitCode::FAILURE)
                }
                Err(e) => Err(e.into()),
            }
        }
        Command::Demo(args) => {
            if args.speed.is_nan() || args.speed <= 0.0 {
                anyhow::bail!("--speed must be a positive number of simulated minutes per second");
            }
            let pace = if args.instant {
                cxbot::demo::Pace::Instant
            } else {
                cxbot::demo::Pace::Speed(args.speed)
            };
            cxbot::demo::run(cxbot::demo::Options {
                pace,
                keep: args.keep,
            })
            .await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve => {
            let config = load_or_exit(&cli, Needs::Everything)?;
            tracing::info!(playbook = %config.playbook_source, "starting cxbot");
            let app =
                Application::build(config, Arc::new(SystemClock), WorkerMode::Background).await?;
            tracing::info!(address = %app.local_addr(), "listening");
            app.run_until(shutdown_signal()).await?;
            tracing::info!("stopped");
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn load_or_exit(cli: &Cli, needs: Needs) -> anyhow::Result<cxbot::config::Config> {
    cli.settings.load(needs).map_err(|problems| {
        anyhow::anyhow!(
            "configuration problems (run `cxbot check` for the full list):\n{}",
            problems
        )
    })
}
