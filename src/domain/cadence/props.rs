//! Property tests: random valid cadences, start dates, time zones (several
//! with DST, one with midnight gaps) and random sequences of clock advances,
//! scheduler passes, agent "done" clicks, restarts and snoozes.

use chrono::{DateTime, Days, NaiveDate, TimeDelta, Utc};
use chrono_tz::Tz;
use proptest::prelude::*;

use super::calendar::{is_business_day, local_date, local_day_start};
use super::{
    validate, Cadence, CadenceRun, DayKind, Holiday, MarkOutcome, RunError, Step, StepAction,
};

const ZONES: [Tz; 6] = [
    chrono_tz::America::New_York,
    chrono_tz::Europe::London,
    chrono_tz::Australia::Lord_Howe,
    chrono_tz::America::Sao_Paulo,
    chrono_tz::America::Havana,
    chrono_tz::UTC,
];

#[derive(Debug, Clone)]
enum Op {
    /// Move the clock forward by this many seconds.
    Advance(i64),
    /// Jump to the run's next wakeup, as the scheduler would.
    ToWakeup,
    /// A scheduler pass: do whatever is due.
    Process,
    /// An agent marks a step done (possibly early, repeated or out of range).
    MarkDone(usize),
    Restart,
    Snooze(i64),
}

fn arb_op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0i64..3 * 86_400).prop_map(Op::Advance),
        3 => Just(Op::ToWakeup),
        4 => Just(Op::Process),
        1 => (0usize..8).prop_map(Op::MarkDone),
        1 => Just(Op::Restart),
        1 => (1i64..2 * 86_400).prop_map(Op::Snooze),
    ]
}

/// A cadence valid by construction, and a start date.
fn arb_cadence() -> impl Strategy<Value = (Cadence, NaiveDate)> {
    // A quarter of the runs start within a week before a DST switch of one
    // of the zones (Sao Paulo's two skip midnight itself).
    let near_switch = [
        "2018-11-04",
        "2017-10-15",
        "2026-03-29",
        "2026-03-08",
        "2026-10-04",
        "2020-11-01",
    ];
    let near_switch = (prop::sample::select(near_switch.to_vec()), 0u64..7)
        .prop_map(|(d, back)| d.parse::<NaiveDate>().unwrap() - Days::new(back));
    let uniform =
        (0u64..40 * 365).prop_map(|n| NaiveDate::from_ymd_opt(1995, 1, 1).unwrap() + Days::new(n));
    let start = prop_oneof![3 => uniform, 1 => near_switch];
    (
        prop::collection::vec(1u32..=3, 1..=6),
        any::<bool>(),
        any::<bool>(),
        prop::collection::vec(0u64..30, 0..4),
        start,
    )
        .prop_map(|(gaps, escalate, business, holiday_offsets, start)| {
            let mut day = 0;
            let last = gaps.len() - 1;
            let steps = gaps
                .iter()
                .enumerate()
                .map(|(i, gap)| {
                    day += gap;
                    let action = match (i == last, escalate) {
                        (false, _) => StepAction::Attempt,
                        (true, true) => StepAction::Escalate,
                        (true, false) => StepAction::Close,
                    };
                    Step::new(day, action)
                })
                .collect();
            let holidays = if business {
                holiday_offsets
                    .iter()
                    .map(|o| Holiday::Date(start + Days::new(*o)))
                    .collect()
            } else {
                vec![]
            };
            let days = if business {
                DayKind::Business
            } else {
                DayKind::Calendar
            };
            let cadence = Cadence {
                name: "prop".into(),
                days,
                holidays,
                match_tags: vec![],
                match_words: vec![],
                exclude_groups: vec![],
                steps,
            };
            (cadence, start)
        })
}

/// What the simulation has seen since the last (re)start.
struct Epoch {
    done: Vec<usize>,
    finals: usize,
}

struct Sim {
    c: Cadence,
    tz: Tz,
    run: CadenceRun,
    now: DateTime<Utc>,
    epoch: Epoch,
}

impl Sim {
    fn last(&self) -> usize {
        self.c.steps.len() - 1
    }

    fn record_done(&mut self, index: usize) {
        assert!(!self.epoch.done.contains(&index), "step {index} done twice");
        assert!(
            self.epoch.done.iter().all(|&d| d < index),
            "steps went backwards"
        );
        self.epoch.done.push(index);
        if index == self.last() {
            self.epoch.finals += 1;
            assert_eq!(self.epoch.finals, 1, "final step happened twice");
        }
    }

    /// A scheduler pass at `now`: at most one step, then nothing is due.
    fn process(&mut self) -> Option<usize> {
        let (c, tz, now) = (&self.c, self.tz, self.now);
        let fired = self.run.due(c, tz, now).map(|d| {
            assert!(d.index >= self.run.next_step);
            assert!(d.due_at <= now && d.overdue_at > d.due_at);
            assert_eq!(d.skipped, d.index - self.run.next_step);
            let holidays = c.holiday_dates();
            assert_eq!(
                d.date,
                super::calendar::day_date(self.run.start_date, d.step.day, c.days, &holidays)
            );
            match c.days {
                DayKind::Calendar => {
                    assert_eq!(
                        d.date,
                        self.run.start_date + Days::new(u64::from(d.step.day - 1))
                    );
                }
                DayKind::Business => assert!(is_business_day(d.date, &holidays)),
            }
            // The step's window is exactly its local date, whatever DST does.
            assert_eq!(local_date(d.due_at, tz), d.date);
            assert_eq!(local_date(d.overdue_at - TimeDelta::seconds(1), tz), d.date);
            assert_eq!(
                local_date(d.due_at - TimeDelta::seconds(1), tz),
                d.date.pred_opt().unwrap()
            );
            // One catch-up: it is the latest step whose day has arrived.
            if let Some((_, next_due, _)) = self.run.step_window(c, tz, d.index + 1) {
                assert!(next_due > now);
            }
            d.index
        });
        if let Some(index) = fired {
            let outcome = self.run.mark_done(c, index, now).unwrap();
            assert_eq!(outcome == MarkOutcome::Finished, index == self.last());
            self.record_done(index);
        }
        assert!(
            self.run.due(&self.c, tz, now).is_none(),
            "still due after a pass"
        );
        if let Some(wake) = self.run.next_wakeup(&self.c, tz) {
            assert!(
                wake > now,
                "next_wakeup {wake} not after the processed instant {now}"
            );
        }
        fired
    }

    fn apply(&mut self, op: &Op) {
        let tz = self.tz;
        match *op {
            Op::Advance(secs) => self.now += TimeDelta::seconds(secs),
            Op::ToWakeup => {
                if let Some(w) = self.run.next_wakeup(&self.c, tz) {
                    self.now = self.now.max(w);
                }
            }
            Op::Process => {
                self.process();
            }
            Op::MarkDone(index) => {
                let before = self.run.clone();
                let result = self.run.mark_done(&self.c, index, self.now);
                if index > self.last() {
                    assert!(matches!(result, Err(RunError::NoSuchStep { .. })));
                    assert_eq!(self.run, before);
                } else if before.finished {
                    assert_eq!(result, Err(RunError::Finished));
                    assert_eq!(self.run, before);
                } else if index < before.next_step {
                    assert_eq!(result, Ok(MarkOutcome::AlreadyDone));
                    assert_eq!(self.run, before);
                } else {
                    assert!(result.is_ok());
                    assert_eq!(self.run.next_step, index + 1);
                    self.record_done(index);
                }
            }
            Op::Restart => {
                let today = local_date(self.now, tz);
                self.run.restart(today);
                self.epoch = Epoch {
                    done: vec![],
                    finals: 0,
                };
                assert_eq!(
                    (self.run.next_step, self.run.finished, self.run.start_date),
                    (0, false, today)
                );
                // Back to day 1: only a day-1 step can be due, and it is.
                let day_one_today = match self.c.days {
                    DayKind::Calendar => true,
                    DayKind::Business => is_business_day(today, &self.c.holiday_dates()),
                };
                assert_eq!(self.c.day_number_on(today, today), u32::from(day_one_today));
                let expect = (day_one_today && self.c.steps[0].day == 1).then_some(0);
                assert_eq!(self.run.due(&self.c, tz, self.now).map(|d| d.index), expect);
            }
            Op::Snooze(secs) => {
                let until = self.now + TimeDelta::seconds(secs);
                match self.run.snooze(until, self.now) {
                    Ok(()) => assert!(self.run.due(&self.c, tz, self.now).is_none()),
                    Err(e) => assert!(self.run.finished && e == RunError::Finished),
                }
            }
        }
        assert!(!self.run.status_line(&self.c, tz, self.now).is_empty());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn runs_never_repeat_and_finish_exactly_once(
        (cadence, start) in arb_cadence(),
        tz in prop::sample::select(ZONES.to_vec()),
        first_second in 0i64..86_400,
        ops in prop::collection::vec(arb_op(), 0..40),
    ) {
        prop_assert_eq!(validate(std::slice::from_ref(&cadence), &[]), vec![]);
        let day_start = local_day_start(start, tz);
        let run = CadenceRun::start(&cadence, None, start);
        let mut sim = Sim { c: cadence, tz, run, now: day_start, epoch: Epoch { done: vec![], finals: 0 } };
        // Anywhere within the start date (some dates are 23 hours long).
        let end = super::calendar::local_day_end(start, tz);
        sim.now = (day_start + TimeDelta::seconds(first_second)).min(end - TimeDelta::seconds(1));
        for op in &ops {
            sim.apply(op);
        }
        // Long after the last day: one catch-up, and it is the final step.
        sim.now += TimeDelta::days(400);
        if sim.run.finished {
            prop_assert_eq!(sim.epoch.finals, 1);
            prop_assert_eq!(sim.process(), None);
        } else {
            prop_assert_eq!(sim.process(), Some(sim.last()));
            prop_assert_eq!(sim.process(), None);
        }
        prop_assert!(sim.run.finished);
        prop_assert_eq!(sim.epoch.finals, 1);
        prop_assert_eq!(sim.run.next_wakeup(&sim.c, tz), None);
    }

    #[test]
    fn step_dates_are_start_plus_days_in_every_zone(
        (cadence, start) in arb_cadence(),
        tz in prop::sample::select(ZONES.to_vec()),
    ) {
        let run = CadenceRun::start(&cadence, None, start);
        let mut previous_end = None;
        for (i, step) in cadence.steps.iter().enumerate() {
            let (date, due_at, overdue_at) = run.step_window(&cadence, tz, i).unwrap();
            if cadence.days == DayKind::Calendar {
                prop_assert_eq!(date, start + Days::new(u64::from(step.day - 1)));
            }
            prop_assert_eq!(cadence.day_number_on(start, date), step.day);
            prop_assert!(overdue_at > due_at);
            prop_assert!(previous_end.is_none_or(|end| due_at >= end));
            previous_end = Some(overdue_at);
        }
    }
}
