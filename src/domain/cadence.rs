//! Follow-up cadences (seed 002): the team's "follow up on day 1, 3, 5, close
//! on day 6" procedures as data, and a pure per-ticket state machine.
//!
//! # How it works
//!
//! A [`Cadence`] is a list of [`Step`]s, each on a 1-based `day` after the
//! start date; days without a step are "nothing to do" days. Every step but
//! the last is an `attempt` (contact the customer); the last is the final step,
//! `close` (as unresponsive) or `escalate` (e.g. for a refund). A [`Variant`]
//! replaces the final step of a base cadence for tickets it matches (bot
//! issues are handed to an owner instead of being solved).
//! [`choose_cadence`] picks the cadence and variant for a ticket from its
//! tags, group and text; [`effective_cadence`] rebuilds it for a stored run.
//!
//! A [`CadenceRun`] is a ticket's progress: start date, index of the next step
//! not yet done, finished or not. It stores no times of its own: a step is due
//! from the start of its local day ([`DueStep::due_at`]) and overdue at the
//! end of it ([`DueStep::overdue_at`]), in the team's time zone (see
//! [`super::calendar`]). The scheduler asks [`CadenceRun::next_wakeup`] when
//! to look again, then [`CadenceRun::due`] what to do; the agent's "done"
//! calls [`CadenceRun::mark_done`].
//!
//! **One catch-up reminder per ticket, not one per missed tick.** If the
//! days of several steps have passed (downtime, or a run started two days
//! back), `due` returns only the latest step whose day has arrived; earlier
//! attempts are skipped (counted in `skipped`). The final step is the last, so
//! it can never be skipped over, and marking it done finishes the run, so it
//! happens exactly once. A new missed call or email restarts the run from day
//! 1 on today's date ([`CadenceRun::restart`]); a reply stops it.
//!
//! # Playbook shape
//!
//! ```toml
//! [[cadence]]
//! name = "general"            # unique, non-empty
//! days = "calendar"           # or "business" (Mon-Fri minus `holidays`)
//! holidays = ["2026-12-25"]   # business days only
//! match_tags = ["refund"]     # any tag matches (case-insensitive)
//! match_words = ["refund"]    # word prefix in subject/messages ("refunded" matches)
//! exclude_groups = ["US Passports"]  # never chosen by matching for these groups
//!
//! [[cadence.step]]
//! day = 1                     # strictly increasing, 1..=365
//! action = "attempt"          # "attempt" | "close" | "escalate" (last step only)
//! label = "..."               # optional; default "second follow-up", "close as unresponsive"...
//! note = "1/3"                # internal note; may use {agent}
//! set_status = "pending"      # open | pending | hold | solved | closed
//! assignee = "Unresponsive Customers/{agent}"
//! order_status = "Unresponsive"
//!
//! [[cadence_variant]]
//! name = "bot-ein"
//! base = "general"            # the cadence it modifies
//! match_tags = ["ein"]        # any tag, AND (if set) the group
//! match_group = "Bot Issues"
//! owner = "Vincent Ryan V"    # replaces {owner} in the final step
//! [cadence_variant.final_step]  # day/action/label default to the base's;
//! note = "@{owner} customer unresponsive"  # the helpdesk fields are replaced
//! assignee = "Unresponsive Customers/{owner}"  # as a whole (absent = unchanged
//! set_status = "open"         # in the helpdesk)
//! ```
//!
//! The cadence without `match_tags`/`match_words` is the default. The full
//! default playbook is [`DEFAULT_CADENCES_TOML`] (= [`default_cadences`] +
//! [`default_variants`]). Key paths in [`ConfigProblem`]s are 0-based:
//! `cadence[1].step[2].day` is the third step of the second cadence.
//!
//! # Adding a cadence
//!
//! Usually no code: add a `[[cadence]]` with match tags/words to the playbook
//! and run `cxbot check` ([`validate`]). Cadences are tried in file order,
//! so put the more specific one first. A new kind of step needs a
//! [`StepAction`] variant, its wording in `text.rs` and its rule in
//! `validate.rs`.

mod choose;
mod defaults;
mod fields;
#[cfg(test)]
mod props;
mod run;
#[cfg(test)]
mod run_tests;
mod text;
mod validate;
#[cfg(test)]
mod validate_tests;

pub use choose::{choose_cadence, effective_cadence, Choice};
pub use defaults::{default_cadences, default_variants, CadenceSection, DEFAULT_CADENCES_TOML};
pub use fields::{Holiday, Template, TicketStatus};
pub use run::{CadenceRun, DueStep, MarkOutcome, RunError, StopReason};
pub use text::{step_instructions, step_title};
pub use validate::{validate, ConfigProblem, MAX_DAY};

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::calendar::{self, DayKind};

macro_rules! name_type {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self(s.to_owned())
            }
        }
    };
}

name_type!(
    /// A cadence's `name`, e.g. "general".
    CadenceName
);
name_type!(
    /// A variant's `name`, e.g. "bot-ein".
    VariantName
);

/// A follow-up procedure (one `[[cadence]]` table).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cadence {
    pub name: CadenceName,
    #[serde(default)]
    pub days: DayKind,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub holidays: Vec<Holiday>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub match_tags: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub match_words: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude_groups: Vec<String>,
    #[serde(default, rename = "step")]
    pub steps: Vec<Step>,
}

impl Cadence {
    /// The closing or escalating step (the last one, in a valid cadence).
    pub fn final_step(&self) -> Option<&Step> {
        self.steps.last()
    }

    /// The day of the last step: "day 3 of *6*".
    pub fn last_day(&self) -> u32 {
        self.final_step().map_or(0, |s| s.day)
    }

    /// Holidays that parsed; [`validate`] reports the others.
    pub fn holiday_dates(&self) -> Vec<NaiveDate> {
        self.holidays.iter().filter_map(Holiday::date).collect()
    }

    /// The local date of day `day` for a run started on `start`.
    pub fn date_of_day(&self, start: NaiveDate, day: u32) -> NaiveDate {
        calendar::day_date(start, day, self.days, &self.holiday_dates())
    }

    /// Which day of the cadence `date` is (0 before day 1).
    pub fn day_number_on(&self, start: NaiveDate, date: NaiveDate) -> u32 {
        calendar::day_number_on(start, date, self.days, &self.holiday_dates())
    }

    /// True when nothing matches on this cadence: it is the fallback.
    pub fn is_default(&self) -> bool {
        self.match_tags.is_empty() && self.match_words.is_empty()
    }
}

/// One `[[cadence.step]]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// 1-based day on which the step is due.
    pub day: u32,
    pub action: StepAction,
    /// Overrides the generated title ("second follow-up").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Internal note to add (for an attempt: only if the customer was not reached).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<Template>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub set_status: Option<TicketStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee: Option<Template>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_status: Option<String>,
}

impl Step {
    /// A bare step; fill the optional fields with struct update syntax.
    pub fn new(day: u32, action: StepAction) -> Self {
        Step {
            day,
            action,
            label: None,
            note: None,
            set_status: None,
            assignee: None,
            order_status: None,
        }
    }
}

/// What a step asks the agent to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StepAction {
    /// Contact the customer (email/call/text).
    Attempt,
    /// Close the ticket as unresponsive (final).
    Close,
    /// Escalate the ticket, e.g. for a refund (final).
    Escalate,
}

impl StepAction {
    /// Close and escalate end a cadence.
    pub fn is_final(self) -> bool {
        !matches!(self, StepAction::Attempt)
    }
}

/// A `[[cadence_variant]]`: a base cadence with another final step, for
/// tickets matching its tags and/or group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Variant {
    pub name: VariantName,
    pub base: CadenceName,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub match_tags: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub match_group: Option<String>,
    /// Display name substituted for `{owner}`, e.g. "Roxy V".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    pub final_step: FinalStepOverride,
}

/// The replacement final step. `day`, `action` and `label` default to the
/// base's; the helpdesk fields (note, status, assignee, order status) are
/// taken as written, so a field left out is not changed in the helpdesk.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FinalStepOverride {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub day: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<StepAction>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<Template>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub set_status: Option<TicketStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee: Option<Template>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_status: Option<String>,
}

impl Variant {
    /// The base cadence with this variant's final step, `{owner}` filled in.
    /// The result keeps the base's name: runs store the variant separately.
    pub fn apply(&self, base: &Cadence) -> Cadence {
        let mut cadence = base.clone();
        let owner = self.owner.as_deref().unwrap_or("");
        if let Some(last) = cadence.steps.last_mut() {
            let o = &self.final_step;
            *last = Step {
                day: o.day.unwrap_or(last.day),
                action: o.action.unwrap_or(last.action),
                label: o.label.clone().or_else(|| last.label.clone()),
                note: o.note.as_ref().map(|t| t.with_owner(owner)),
                set_status: o.set_status,
                assignee: o.assignee.as_ref().map(|t| t.with_owner(owner)),
                order_status: o.order_status.clone(),
            };
        }
        cadence
    }
}

/// What a customer's new contact means for their running follow-ups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Contact {
    /// A missed or abandoned call, or a new email: start again from day 1.
    Restart,
    /// The customer answered: stop.
    Replied,
}
