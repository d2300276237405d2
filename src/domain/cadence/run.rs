//! The per-ticket state machine. Pure: every function takes the effective
//! cadence (the run's cadence with its variant applied, see
//! `effective_cadence`), the team's time zone and the current instant from
//! the caller. If the playbook later drops steps a stored run was on, `due`
//! and `next_wakeup` return `None` for it: restart or stop such runs.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::calendar::{local_day_end, local_day_start};
use super::{Cadence, CadenceName, Step, VariantName};

/// A ticket's progress through a cadence (stored as JSON or columns).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CadenceRun {
    pub cadence: CadenceName,
    #[serde(default)]
    pub variant: Option<VariantName>,
    /// Day 1's starting date (for business days, day 1 may be later).
    pub start_date: NaiveDate,
    /// Index of the next step not yet done.
    pub next_step: usize,
    pub finished: bool,
    #[serde(default)]
    pub finished_at: Option<DateTime<Utc>>,
    /// Why the run was stopped; `None` on a finished run means its final step was done.
    #[serde(default)]
    pub stop_reason: Option<StopReason>,
    /// Reminders are held back until then.
    #[serde(default)]
    pub snoozed_until: Option<DateTime<Utc>>,
    #[serde(default)]
    pub last_done_at: Option<DateTime<Utc>>,
    /// Attempts skipped by catch-ups since the last (re)start.
    #[serde(default)]
    pub skipped: u32,
    #[serde(default)]
    pub restarts: u32,
}

/// Why a run was stopped before its final step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StopReason {
    CustomerReplied,
    TicketSolved,
    /// Stopped by hand; `by` is who (display name or Slack user id).
    Manual {
        by: String,
    },
}

/// The step to do now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DueStep<'c> {
    pub index: usize,
    pub step: &'c Step,
    /// The step's local date.
    pub date: NaiveDate,
    /// Start of `date` in the team's time zone.
    pub due_at: DateTime<Utc>,
    /// End of `date` (exclusive): not done by then, it is overdue.
    pub overdue_at: DateTime<Utc>,
    /// Earlier steps not done that this catch-up skips.
    pub skipped: usize,
}

/// What [`CadenceRun::mark_done`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarkOutcome {
    /// The step is done; `next` is the index of the next step.
    Advanced { next: usize },
    /// The final step is done: the run is over.
    Finished,
    /// The step was already done (a repeated click or job): nothing changed.
    AlreadyDone,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RunError {
    #[error("this follow-up runs cadence \"{run}\", not \"{given}\"")]
    WrongCadence {
        run: CadenceName,
        given: CadenceName,
    },
    #[error("cadence \"{cadence}\" has no step {index}")]
    NoSuchStep { cadence: CadenceName, index: usize },
    #[error("this follow-up has already finished")]
    Finished,
    #[error("a snooze must end in the future")]
    SnoozeNotInFuture,
}

impl CadenceRun {
    /// A new run, day 1 on `start_date`.
    pub fn start(cadence: &Cadence, variant: Option<VariantName>, start_date: NaiveDate) -> Self {
        Self::start_named(cadence.name.clone(), variant, start_date)
    }

    /// The local date and [due_at, overdue_at) window of step `index`.
    pub fn step_window(
        &self,
        cadence: &Cadence,
        tz: Tz,
        index: usize,
    ) -> Option<(NaiveDate, DateTime<Utc>, DateTime<Utc>)> {
        let step = cadence.steps.get(index)?;
        let date = cadence.date_of_day(self.start_date, step.day);
        Some((date, local_day_start(date, tz), local_day_end(date, tz)))
    }

    /// The step to do at `now`, if any: the latest not-done step whose day
    /// has arrived (one catch-up, earlier attempts skipped). `None` when
    /// finished, snoozed, or the next step's day has not come.
    pub fn due<'c>(&self, cadence: &'c Cadence, tz: Tz, now: DateTime<Utc>) -> Option<DueStep<'c>> {
        if self.finished || self.snoozed_until.is_some_and(|until| now < until) {
            return None;
        }
        let mut found = None;
        // Step days strictly increase, so due_at does too: stop at the first future one.
        for index in self.next_step..cadence.steps.len() {
            let (date, due_at, overdue_at) = self.step_window(cadence, tz, index)?;
            if due_at > now {
                break;
            }
            let skipped = index - self.next_step;
            found = Some(DueStep {
                index,
                step: &cadence.steps[index],
                date,
                due_at,
                overdue_at,
                skipped,
            });
        }
        found
    }

    /// A due step not done by the end of its local day.
    pub fn is_overdue(&self, cadence: &Cadence, tz: Tz, now: DateTime<Utc>) -> bool {
        self.due(cadence, tz, now)
            .is_some_and(|d| now >= d.overdue_at)
    }

    /// When the scheduler should next look at this run: the next step's
    /// `due_at` (or the end of a snooze, if later). It may be in the past
    /// when a step is due and not done yet: look now. `None` when finished.
    /// To chase an overdue step, schedule at the `overdue_at` of [`Self::due`].
    pub fn next_wakeup(&self, cadence: &Cadence, tz: Tz) -> Option<DateTime<Utc>> {
        if self.finished {
            return None;
        }
        let (_, due_at, _) = self.step_window(cadence, tz, self.next_step)?;
        Some(self.snoozed_until.map_or(due_at, |until| until.max(due_at)))
    }

    /// Records step `index` as done at `now`. Any earlier steps not done are
    /// skipped; the final step finishes the run. Marking a step early (before
    /// its day) is allowed: the agent did the work.
    pub fn mark_done(
        &mut self,
        cadence: &Cadence,
        index: usize,
        now: DateTime<Utc>,
    ) -> Result<MarkOutcome, RunError> {
        if cadence.name != self.cadence {
            return Err(RunError::WrongCadence {
                run: self.cadence.clone(),
                given: cadence.name.clone(),
            });
        }
        if index >= cadence.steps.len() {
            return Err(RunError::NoSuchStep {
                cadence: cadence.name.clone(),
                index,
            });
        }
        if self.finished {
            return Err(RunError::Finished);
        }
        if index < self.next_step {
            return Ok(MarkOutcome::AlreadyDone);
        }
        let newly_skipped = u32::try_from(index - self.next_step).unwrap_or(u32::MAX);
        self.skipped = self.skipped.saturating_add(newly_skipped);
        self.next_step = index + 1;
        self.last_done_at = Some(now);
        self.snoozed_until = None;
        if self.next_step == cadence.steps.len() {
            self.finished = true;
            self.finished_at = Some(now);
            Ok(MarkOutcome::Finished)
        } else {
            Ok(MarkOutcome::Advanced {
                next: self.next_step,
            })
        }
    }

    /// Holds reminders back until `until`. Cleared by the next `mark_done`.
    pub fn snooze(&mut self, until: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), RunError> {
        if self.finished {
            return Err(RunError::Finished);
        }
        if until <= now {
            return Err(RunError::SnoozeNotInFuture);
        }
        self.snoozed_until = Some(until);
        Ok(())
    }

    /// A new missed call or email from the customer: start again from day 1
    /// on `today` (the team's local date), even if the run had finished.
    pub fn restart(&mut self, today: NaiveDate) {
        *self = CadenceRun {
            restarts: self.restarts.saturating_add(1),
            ..CadenceRun::start_named(self.cadence.clone(), self.variant.clone(), today)
        };
    }

    /// Ends the run early (customer replied, manual stop). Returns false if
    /// it had already finished, so a repeated stop changes nothing.
    pub fn stop(&mut self, reason: StopReason, now: DateTime<Utc>) -> bool {
        if self.finished {
            return false;
        }
        self.finished = true;
        self.finished_at = Some(now);
        self.stop_reason = Some(reason);
        self.snoozed_until = None;
        true
    }

    fn start_named(
        cadence: CadenceName,
        variant: Option<VariantName>,
        start_date: NaiveDate,
    ) -> Self {
        CadenceRun {
            cadence,
            variant,
            start_date,
            next_step: 0,
            finished: false,
            finished_at: None,
            stop_reason: None,
            snoozed_until: None,
            last_done_at: None,
            skipped: 0,
            restarts: 0,
        }
    }
}
