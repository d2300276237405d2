//! Example walks through the seed's cadences, and the run's edge cases.

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

use super::calendar::local_date;
use super::{
    default_cadences, default_variants, Cadence, CadenceRun, MarkOutcome, RunError, StopReason,
};
use chrono_tz::{America::New_York, Europe::London};

fn local(tz: Tz, y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
    tz.with_ymd_and_hms(y, m, d, h, 0, 0)
        .unwrap()
        .with_timezone(&Utc)
}

/// Walks a run at `hour` local time every day from `start`, doing what is
/// due; returns (day, step index) pairs.
fn walk(
    cadence: &Cadence,
    tz: Tz,
    start: NaiveDate,
    days: u32,
    hour: u32,
) -> (CadenceRun, Vec<(u32, usize)>) {
    let mut run = CadenceRun::start(cadence, None, start);
    let mut fired = Vec::new();
    for day in 1..=days {
        let date = start + chrono::Days::new(u64::from(day - 1));
        let now = local(tz, date.year(), date.month(), date.day(), hour);
        if let Some(due) = run.due(cadence, tz, now) {
            assert_eq!(due.skipped, 0);
            assert!(!run.is_overdue(cadence, tz, now));
            run.mark_done(cadence, due.index, now).unwrap();
            fired.push((day, due.index));
            if let Some(w) = run.next_wakeup(cadence, tz) {
                let (date, due_at, _) = run.step_window(cadence, tz, run.next_step).unwrap();
                assert_eq!((w, local_date(w, tz)), (due_at, date));
            }
        }
    }
    (run, fired)
}

#[test]
fn general_cadence_walks_to_close_on_day_6_across_dst() {
    let general = &default_cadences()[1];
    // New York springs forward on Sunday 2026-03-08 (day 3).
    let (run, fired) = walk(general, New_York, "2026-03-06".parse().unwrap(), 9, 9);
    assert_eq!(fired, vec![(1, 0), (3, 1), (5, 2), (6, 3)]);
    assert!(run.finished && run.stop_reason.is_none());
    assert_eq!(run.finished_at, Some(local(New_York, 2026, 3, 11, 9)));
    assert_eq!(run.next_wakeup(general, New_York), None);
    let last = general.steps[3].clone();
    assert_eq!(last.set_status, Some(super::TicketStatus::Solved));
}

#[test]
fn refund_cadence_walks_to_escalation_on_day_4() {
    let refund = &default_cadences()[0];
    // London falls back on Sunday 2026-10-25 (day 2); walk just after midnight.
    let (run, fired) = walk(refund, London, "2026-10-24".parse().unwrap(), 6, 0);
    assert_eq!(fired, vec![(1, 0), (2, 1), (3, 2), (4, 3)]);
    assert_eq!(refund.steps[3].action, super::StepAction::Escalate);
    assert!(run.finished);
}

#[test]
fn wakeups_are_local_midnights() {
    let general = &default_cadences()[1];
    let mut run = CadenceRun::start(general, None, "2026-03-06".parse().unwrap());
    assert_eq!(
        run.next_wakeup(general, New_York),
        Some(local(New_York, 2026, 3, 6, 0))
    );
    run.mark_done(general, 0, local(New_York, 2026, 3, 6, 10))
        .unwrap();
    // Day 3 is Sunday 2026-03-08, the DST day: midnight is still EST.
    assert_eq!(
        run.next_wakeup(general, New_York),
        Some("2026-03-08T05:00:00Z".parse().unwrap())
    );
    let due = run
        .due(general, New_York, local(New_York, 2026, 3, 8, 12))
        .unwrap();
    assert_eq!(
        due.overdue_at,
        "2026-03-09T04:00:00Z".parse::<DateTime<Utc>>().unwrap()
    );
    assert_eq!(due.overdue_at - due.due_at, chrono::TimeDelta::hours(23));
}

#[test]
fn backdated_start_gives_one_catch_up() {
    let general = &default_cadences()[1];
    // `/cx followup <ticket> from <two days ago>`: day 3 today.
    let mut run = CadenceRun::start(general, None, "2026-03-04".parse().unwrap());
    let now = local(New_York, 2026, 3, 6, 11);
    let due = run.due(general, New_York, now).unwrap();
    assert_eq!((due.index, due.skipped, due.step.day), (1, 1, 3));
    assert!(!run.is_overdue(general, New_York, now));
    assert_eq!(
        run.mark_done(general, 1, now),
        Ok(MarkOutcome::Advanced { next: 2 })
    );
    assert_eq!(run.skipped, 1);
    assert!(run.due(general, New_York, now).is_none());
}

#[test]
fn a_missed_step_becomes_overdue_at_local_midnight() {
    let general = &default_cadences()[1];
    let run = CadenceRun::start(general, None, "2026-03-04".parse().unwrap());
    assert!(!run.is_overdue(general, New_York, local(New_York, 2026, 3, 4, 23)));
    // Day 2: the day-1 step is still the latest due, and now overdue.
    let next_day = local(New_York, 2026, 3, 5, 0);
    assert!(run.is_overdue(general, New_York, next_day));
    assert_eq!(run.due(general, New_York, next_day).unwrap().index, 0);
}

#[test]
fn restart_stop_and_snooze() {
    let general = &default_cadences()[1];
    let mut run = CadenceRun::start(general, None, "2026-03-04".parse().unwrap());
    run.mark_done(general, 0, local(New_York, 2026, 3, 4, 9))
        .unwrap();
    run.mark_done(general, 1, local(New_York, 2026, 3, 6, 9))
        .unwrap();
    // A new missed call on day 4: day 1 again, today.
    run.restart("2026-03-07".parse().unwrap());
    let now = local(New_York, 2026, 3, 7, 9);
    assert_eq!((run.next_step, run.restarts, run.skipped), (0, 1, 0));
    assert_eq!(run.due(general, New_York, now).unwrap().index, 0);

    assert_eq!(run.snooze(now, now), Err(RunError::SnoozeNotInFuture));
    run.snooze(local(New_York, 2026, 3, 7, 14), now).unwrap();
    assert!(run
        .due(general, New_York, local(New_York, 2026, 3, 7, 13))
        .is_none());
    assert_eq!(
        run.next_wakeup(general, New_York),
        Some(local(New_York, 2026, 3, 7, 14))
    );
    assert_eq!(
        run.due(general, New_York, local(New_York, 2026, 3, 7, 14))
            .unwrap()
            .index,
        0
    );

    assert!(run.stop(StopReason::CustomerReplied, now));
    assert!(!run.stop(StopReason::TicketSolved, now));
    assert_eq!(run.stop_reason, Some(StopReason::CustomerReplied));
    assert!(run
        .due(general, New_York, local(New_York, 2026, 3, 20, 9))
        .is_none());
    assert_eq!(run.mark_done(general, 1, now), Err(RunError::Finished));
}

#[test]
fn mark_done_guards() {
    let (cadences, variants) = (default_cadences(), default_variants());
    let mut run = CadenceRun::start(
        &cadences[1],
        Some(variants[0].name.clone()),
        "2026-03-04".parse().unwrap(),
    );
    let now = local(New_York, 2026, 3, 4, 9);
    assert!(matches!(
        run.mark_done(&cadences[0], 0, now),
        Err(RunError::WrongCadence { .. })
    ));
    assert!(matches!(
        run.mark_done(&cadences[1], 4, now),
        Err(RunError::NoSuchStep { index: 4, .. })
    ));
    assert_eq!(
        run.mark_done(&cadences[1], 0, now),
        Ok(MarkOutcome::Advanced { next: 1 })
    );
    assert_eq!(
        run.mark_done(&cadences[1], 0, now),
        Ok(MarkOutcome::AlreadyDone)
    );
    // Closing early is allowed (the agent closed the ticket): it finishes the run.
    assert_eq!(
        run.mark_done(&cadences[1], 3, now),
        Ok(MarkOutcome::Finished)
    );
    assert_eq!(run.skipped, 2);
}

#[test]
fn run_round_trips_through_serde() {
    let general = &default_cadences()[1];
    let mut run = CadenceRun::start(
        general,
        Some("bot-ein".into()),
        "2026-03-04".parse().unwrap(),
    );
    run.snooze(
        local(New_York, 2026, 3, 4, 14),
        local(New_York, 2026, 3, 4, 9),
    )
    .unwrap();
    run.stop(
        StopReason::Manual { by: "U123".into() },
        local(New_York, 2026, 3, 4, 10),
    );
    let text = toml::to_string(&run).unwrap();
    assert!(text.contains("start_date = \"2026-03-04\""), "{text}");
    assert_eq!(toml::from_str::<CadenceRun>(&text).unwrap(), run);
}
