//! `cxbot jobs`: the parked (dead) jobs, newest first, with why each was parked;
//! `cxbot jobs retry <id>` / `--all` puts them back to pending, and lets cxbot post again
//! after Slack stopped it (the app uninstalled or its token revoked, then reinstalled).

use crate::clock::{Clock, SystemClock};
use crate::config::{JobsArgs, JobsCommand};
use crate::db::SharedStore;
use crate::service::install;
use crate::service::ops::{self, DeadJob, RetryOutcome, RetryTarget};
use std::process::ExitCode;

/// Exit code of a request that cannot be done (no such job, a job that is not dead).
pub const EXIT_REFUSED: u8 = 2;

pub async fn run(store: &SharedStore, args: &JobsArgs) -> anyhow::Result<ExitCode> {
    match &args.command {
        None => {
            let dead = ops::dead_jobs(store, args.limit).await?;
            print!("{}", table(&dead.jobs));
            println!("{}", count_line(dead.total, dead.jobs.len()));
            Ok(ExitCode::SUCCESS)
        }
        Some(JobsCommand::Retry { id, all }) => {
            // The operator's word that the app is installed again (`service::install`).
            if let Some(stop) = install::resume(store).await? {
                println!(
                    "posting resumed: cleared the stop Slack caused ({} at {})",
                    stop.event,
                    super::utc(stop.at)
                );
            }
            let target = match (id, all) {
                (Some(id), _) => RetryTarget::One(*id),
                (None, _) => RetryTarget::All,
            };
            let outcome = ops::retry_dead_jobs(store, target, SystemClock.now_ms()).await?;
            Ok(report_retry(target, &outcome))
        }
    }
}

fn report_retry(target: RetryTarget, outcome: &RetryOutcome) -> ExitCode {
    match (target, outcome) {
        (RetryTarget::One(id), RetryOutcome::Requeued(_)) => {
            println!("requeued job {id}: pending again, due now, attempts reset");
            ExitCode::SUCCESS
        }
        (RetryTarget::All, RetryOutcome::Requeued(0)) => {
            println!("no dead jobs to retry");
            ExitCode::SUCCESS
        }
        (RetryTarget::All, RetryOutcome::Requeued(n)) => {
            println!(
                "requeued {n} dead job{}: pending again, due now, attempts reset",
                plural(*n as i64)
            );
            ExitCode::SUCCESS
        }
        (_, RetryOutcome::NoSuchJob(id)) => {
            eprintln!("cxbot: no job {id}: `cxbot jobs` lists the dead jobs and their ids");
            ExitCode::from(EXIT_REFUSED)
        }
        (_, RetryOutcome::NotDead { id, state }) => {
            eprintln!(
                "cxbot: job {id} is {state}, not dead: only parked jobs can be retried (`cxbot jobs` lists them)"
            );
            ExitCode::from(EXIT_REFUSED)
        }
    }
}

fn plural(n: i64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// "3 dead jobs", or "250 dead jobs (the newest 100 shown; --limit N for more)".
fn count_line(total: i64, shown: usize) -> String {
    let mut line = format!("{total} dead job{}", plural(total));
    if (shown as i64) < total {
        line.push_str(&format!(" (the newest {shown} shown; --limit N for more)"));
    }
    line
}

/// One row a job: id, job name, attempts, when parked, the reason (on one line).
fn table(jobs: &[DeadJob]) -> String {
    if jobs.is_empty() {
        return String::new();
    }
    let rows: Vec<[String; 5]> = jobs
        .iter()
        .map(|j| {
            [
                j.id.to_string(),
                j.name.clone(),
                j.attempts.to_string(),
                super::utc(j.parked_at),
                j.reason.split_whitespace().collect::<Vec<_>>().join(" "),
            ]
        })
        .collect();
    let header = ["ID", "JOB", "ATTEMPTS", "PARKED", "REASON"];
    let mut widths = header.map(str::len);
    for r in &rows {
        for (w, cell) in widths.iter_mut().zip(r) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: [&str; 5]| {
        let mut out = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i == 4 {
                out.push_str(cell);
            } else {
                out.push_str(&format!("{cell:<w$}  ", w = widths[i]));
            }
        }
        out.trim_end().to_string() + "\n"
    };
    let mut out = line(header);
    for r in &rows {
        out.push_str(&line([&r[0], &r[1], &r[2], &r[3], &r[4]]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_lines_up_and_keeps_each_reason_on_one_line() {
        let jobs = vec![
            DeadJob {
                id: 1234,
                name: "slack_call".into(),
                attempts: 1,
                parked_at: 1_796_552_323_000,
                reason: "not_in_channel: invite the bot\nto #cx-queue".into(),
            },
            DeadJob {
                id: 7,
                name: "helpdesk_write".into(),
                attempts: 8,
                parked_at: 1_796_552_000_000,
                reason: String::new(),
            },
        ];
        let text = table(&jobs);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert!(
            lines[0].starts_with("ID    JOB             ATTEMPTS  PARKED"),
            "{text}"
        );
        assert!(
            lines[1].starts_with("1234  slack_call      1         2026-12-06 ")
                && lines[1].ends_with("UTC  not_in_channel: invite the bot to #cx-queue"),
            "{text}"
        );
        assert!(lines[2].starts_with("7     helpdesk_write  8 "), "{text}");
    }

    #[test]
    fn the_count_line_says_when_the_list_is_cut() {
        assert_eq!(count_line(0, 0), "0 dead jobs");
        assert_eq!(count_line(1, 1), "1 dead job");
        assert_eq!(
            count_line(250, 100),
            "250 dead jobs (the newest 100 shown; --limit N for more)"
        );
    }
}
