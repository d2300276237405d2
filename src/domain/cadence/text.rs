//! The words: step titles, the `/cx followup` status line and the exact
//! instructions a reminder gives the agent.

use std::fmt;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::super::contact::ContactAction;
use super::calendar::local_date;
use super::{Cadence, CadenceRun, Step, StepAction, StopReason};

impl fmt::Display for StopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StopReason::CustomerReplied => f.write_str("customer replied"),
            StopReason::TicketSolved => f.write_str("ticket solved"),
            StopReason::Manual { by } => write!(f, "by {by}"),
        }
    }
}

/// The step's title: its `label`, else "first contact (initial grab)",
/// "second follow-up", ..., "close as unresponsive" or "escalate".
pub fn step_title(cadence: &Cadence, step: &Step) -> String {
    if let Some(label) = &step.label {
        return label.clone();
    }
    match step.action {
        StepAction::Close => "close as unresponsive".into(),
        StepAction::Escalate => "escalate".into(),
        StepAction::Attempt => {
            let n = cadence
                .steps
                .iter()
                .filter(|s| s.action == StepAction::Attempt && s.day <= step.day)
                .count();
            match n {
                0 | 1 => "first contact (initial grab)".into(),
                n => format!("{} follow-up", ordinal(n)),
            }
        }
    }
}

fn ordinal(n: usize) -> String {
    const WORDS: [&str; 10] = [
        "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
        "tenth",
    ];
    WORDS
        .get(n.wrapping_sub(1))
        .map_or_else(|| format!("{n}th"), |w| (*w).to_owned())
}

/// What a reminder tells the agent to do for `step`, with `{agent}` filled
/// with `agent` and the contact actions spelled out, e.g.
/// `Day 3 of 6 (general): second follow-up. EMAIL jane@x.com, CALL +1 555 0100,
/// TEXT +1 555 0100. If you can't reach them: internal note "2/3", set status PENDING.`
pub fn step_instructions(
    cadence: &Cadence,
    step: &Step,
    agent: &str,
    actions: &[ContactAction],
) -> String {
    let mut out = format!(
        "Day {} of {} ({}): {}.",
        step.day,
        cadence.last_day(),
        cadence.name,
        step_title(cadence, step)
    );
    let fields = helpdesk_fields(step, agent);
    match step.action {
        StepAction::Attempt => {
            if actions.is_empty() {
                out.push_str(" No email or phone number on file: reach them through the helpdesk.");
            } else {
                let list: Vec<String> = actions.iter().map(ToString::to_string).collect();
                out.push_str(&format!(" {}.", list.join(", ")));
            }
            if !fields.is_empty() {
                out.push_str(&format!(" If you can't reach them: {}.", fields.join(", ")));
            }
        }
        StepAction::Close if fields.is_empty() => {
            out.push_str(" Close the ticket in the helpdesk.")
        }
        StepAction::Close => out.push_str(&format!(" In the helpdesk: {}.", fields.join(", "))),
        StepAction::Escalate => {
            out.push_str(" Escalate the ticket.");
            if !fields.is_empty() {
                out.push_str(&format!(" In the helpdesk: {}.", fields.join(", ")));
            }
        }
    }
    out
}

/// The helpdesk changes of a step, in the order the agent makes them.
fn helpdesk_fields(step: &Step, agent: &str) -> Vec<String> {
    let mut fields = Vec::new();
    if let Some(o) = &step.order_status {
        fields.push(format!("order status \"{o}\""));
    }
    if let Some(n) = &step.note {
        fields.push(format!("internal note \"{}\"", n.render(agent)));
    }
    if let Some(a) = &step.assignee {
        fields.push(format!("assignee \"{}\"", a.render(agent)));
    }
    if let Some(s) = step.set_status {
        fields.push(format!("set status {s}"));
    }
    fields
}

/// The short form for the status line: `note 2/3, set PENDING`.
fn short_fields(step: &Step) -> String {
    let quote = |s: &str| {
        if s.contains(char::is_whitespace) {
            format!("\"{s}\"")
        } else {
            s.to_owned()
        }
    };
    let mut parts = Vec::new();
    if let Some(o) = &step.order_status {
        parts.push(format!("order status {}", quote(o)));
    }
    if let Some(n) = &step.note {
        parts.push(format!("note {}", quote(n.as_str())));
    }
    if let Some(a) = &step.assignee {
        parts.push(format!("assign {}", quote(a.as_str())));
    }
    if let Some(s) = step.set_status {
        parts.push(format!("set {s}"));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join(", "))
    }
}

impl CadenceRun {
    /// One sentence for `/cx followup <ticket>`, e.g. `general cadence, day 3
    /// of 6: second follow-up due today (note 2/3, set PENDING); next: day 5`.
    pub fn status_line(&self, cadence: &Cadence, tz: Tz, now: DateTime<Utc>) -> String {
        let name = &cadence.name;
        let date_of = |t: Option<DateTime<Utc>>| {
            t.map_or_else(|| "?".to_owned(), |t| local_date(t, tz).to_string())
        };
        if self.finished {
            return match (&self.stop_reason, cadence.final_step()) {
                (Some(reason), _) => format!(
                    "{name} cadence stopped ({reason}) on {}",
                    date_of(self.finished_at)
                ),
                (None, Some(last)) => format!(
                    "{name} cadence finished: day {} {} done on {}",
                    last.day,
                    step_title(cadence, last),
                    date_of(self.finished_at)
                ),
                (None, None) => format!("{name} cadence finished"),
            };
        }
        let today = local_date(now, tz);
        let (day, last) = (
            cadence.day_number_on(self.start_date, today),
            cadence.last_day(),
        );
        let head = match day {
            0 => format!(
                "{name} cadence, starts {}",
                cadence.date_of_day(self.start_date, 1)
            ),
            d if d <= last => format!("{name} cadence, day {d} of {last}"),
            _ => format!("{name} cadence, past its last day ({last})"),
        };
        // Describe the due step even while snoozed, then say it is snoozed.
        let unsnoozed = CadenceRun {
            snoozed_until: None,
            ..self.clone()
        };
        let Some(due) = unsnoozed.due(cadence, tz, now) else {
            return match cadence.steps.get(self.next_step) {
                Some(next) => format!(
                    "{head}: nothing to do today; next: day {} ({}), {}",
                    next.day,
                    cadence.date_of_day(self.start_date, next.day),
                    step_title(cadence, next)
                ),
                None => format!("{head}: no steps left"),
            };
        };
        let when = if now >= due.overdue_at {
            format!("overdue since {} (day {})", due.date, due.step.day)
        } else {
            "due today".to_owned()
        };
        let mut line = format!(
            "{head}: {} {when}{}",
            step_title(cadence, due.step),
            short_fields(due.step)
        );
        if let Some(until) = self.snoozed_until.filter(|u| *u > now) {
            line.push_str(&format!(
                ", snoozed until {}",
                until.with_timezone(&tz).format("%Y-%m-%d %H:%M %Z")
            ));
        }
        if due.skipped > 0 {
            let s = if due.skipped == 1 { "" } else { "s" };
            line.push_str(&format!("; skipping {} missed step{s}", due.skipped));
        }
        match cadence.steps.get(due.index + 1) {
            Some(next) => line.push_str(&format!("; next: day {}", next.day)),
            None => line.push_str("; last step"),
        }
        line
    }
}

#[cfg(test)]
mod tests {
    use super::super::{default_cadences, default_variants};
    use super::*;
    use chrono_tz::America::New_York;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn titles_follow_the_seed() {
        let [refund, general] = <[Cadence; 2]>::try_from(default_cadences()).unwrap();
        let titles: Vec<String> = general
            .steps
            .iter()
            .map(|s| step_title(&general, s))
            .collect();
        assert_eq!(
            titles,
            [
                "first contact (initial grab)",
                "second follow-up",
                "third follow-up",
                "close as unresponsive"
            ]
        );
        assert_eq!(step_title(&refund, &refund.steps[3]), "escalate for refund");
        assert_eq!(ordinal(12), "12th");
    }

    #[test]
    fn attempt_instructions_list_contacts_and_fallback() {
        let general = &default_cadences()[1];
        let actions = [
            ContactAction::Email("jane@x.com".into()),
            ContactAction::Call("+1 555 0100".into()),
            ContactAction::Text("+1 555 0100".into()),
        ];
        assert_eq!(
            step_instructions(general, &general.steps[1], "Sam K", &actions),
            "Day 3 of 6 (general): second follow-up. EMAIL jane@x.com, CALL +1 555 0100, TEXT +1 555 0100. \
             If you can't reach them: internal note \"2/3\", set status PENDING."
        );
        let refund = &default_cadences()[0];
        assert_eq!(
            step_instructions(refund, &refund.steps[0], "Sam K", &[]),
            "Day 1 of 4 (refund): first contact (initial grab). No email or phone number on file: reach them through the helpdesk."
        );
    }

    #[test]
    fn final_instructions_say_exactly_what_to_set() {
        let general = &default_cadences()[1];
        assert_eq!(
            step_instructions(general, &general.steps[3], "Sam K", &[]),
            "Day 6 of 6 (general): close as unresponsive. In the helpdesk: internal note \"customer unresponsive - closing ticket\", \
             assignee \"Unresponsive Customers/Sam K\", set status SOLVED."
        );
        let tsa = default_variants()[0].apply(general);
        assert_eq!(
            step_instructions(&tsa, tsa.final_step().unwrap(), "Sam K", &[]),
            "Day 6 of 6 (general): hand over as unresponsive. In the helpdesk: order status \"Unresponsive\", \
             internal note \"@Roxy V customer unresponsive\", assignee \"Unresponsive Customers/Roxy V\", set status OPEN."
        );
        let refund = &default_cadences()[0];
        assert_eq!(
            step_instructions(refund, &refund.steps[3], "Sam K", &[]),
            "Day 4 of 4 (refund): escalate for refund. Escalate the ticket."
        );
    }

    #[test]
    fn status_lines_through_a_run() {
        let general = &default_cadences()[1];
        let mut run = CadenceRun::start(general, None, "2026-03-04".parse().unwrap());
        // Day 1, 10:00 New York.
        assert_eq!(
            run.status_line(general, New_York, at("2026-03-04T15:00:00Z")),
            "general cadence, day 1 of 6: first contact (initial grab) due today (note 1/3, set PENDING); next: day 3"
        );
        run.mark_done(general, 0, at("2026-03-04T15:05:00Z"))
            .unwrap();
        assert_eq!(
            run.status_line(general, New_York, at("2026-03-05T15:00:00Z")),
            "general cadence, day 2 of 6: nothing to do today; next: day 3 (2026-03-06), second follow-up"
        );
        assert_eq!(
            run.status_line(general, New_York, at("2026-03-06T15:00:00Z")),
            "general cadence, day 3 of 6: second follow-up due today (note 2/3, set PENDING); next: day 5"
        );
        run.snooze(at("2026-03-06T19:00:00Z"), at("2026-03-06T15:00:00Z"))
            .unwrap();
        assert_eq!(
            run.status_line(general, New_York, at("2026-03-06T16:00:00Z")),
            "general cadence, day 3 of 6: second follow-up due today (note 2/3, set PENDING), \
             snoozed until 2026-03-06 14:00 EST; next: day 5"
        );
        // Nobody acted until day 8: one catch-up, the close, overdue.
        assert_eq!(
            run.status_line(general, New_York, at("2026-03-11T15:00:00Z")),
            "general cadence, past its last day (6): close as unresponsive overdue since 2026-03-09 (day 6) \
             (note \"customer unresponsive - closing ticket\", assign \"Unresponsive Customers/{agent}\", set SOLVED); \
             skipping 2 missed steps; last step"
        );
        run.mark_done(general, 3, at("2026-03-11T15:00:00Z"))
            .unwrap();
        assert_eq!(
            run.status_line(general, New_York, at("2026-03-11T16:00:00Z")),
            "general cadence finished: day 6 close as unresponsive done on 2026-03-11"
        );
        run.restart("2026-03-12".parse().unwrap());
        run.stop(
            StopReason::Manual { by: "Sam K".into() },
            at("2026-03-12T15:00:00Z"),
        );
        assert_eq!(
            run.status_line(general, New_York, at("2026-03-12T16:00:00Z")),
            "general cadence stopped (by Sam K) on 2026-03-12"
        );
    }

    #[test]
    fn business_run_before_day_one() {
        let mut general = default_cadences().remove(1);
        general.days = super::super::DayKind::Business;
        let run = CadenceRun::start(&general, None, "2026-03-07".parse().unwrap()); // a Saturday
        assert_eq!(
            run.status_line(&general, New_York, at("2026-03-07T15:00:00Z")),
            "general cadence, starts 2026-03-09: nothing to do today; next: day 1 (2026-03-09), first contact (initial grab)"
        );
    }
}
