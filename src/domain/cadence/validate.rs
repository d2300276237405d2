//! Checks a playbook's cadences and variants, naming every wrong key at once
//! (serde stops at the first error; `cxbot check` should not).

use std::collections::hash_map::Entry;
use std::collections::HashMap;

use super::{Cadence, DayKind, Holiday, Step, Template, Variant};

/// The largest `day` accepted: beyond a year is a typo, and the bound keeps
/// date arithmetic far from overflow.
pub const MAX_DAY: u32 = 365;

/// One wrong key: `path` is 0-based (`cadence[1].step[2].day`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: expected {expected}")]
pub struct ConfigProblem {
    pub path: String,
    pub expected: String,
}

struct Problems(Vec<ConfigProblem>);

impl Problems {
    fn add(&mut self, path: impl Into<String>, expected: impl Into<String>) {
        self.0.push(ConfigProblem {
            path: path.into(),
            expected: expected.into(),
        });
    }
}

/// Every problem in `cadences` and `variants`; empty when valid.
pub fn validate(cadences: &[Cadence], variants: &[Variant]) -> Vec<ConfigProblem> {
    let mut p = Problems(Vec::new());
    if cadences.is_empty() {
        p.add("cadence", "at least one [[cadence]] table");
    }
    let mut names = HashMap::new();
    for (i, c) in cadences.iter().enumerate() {
        let path = format!("cadence[{i}]");
        check_name(&mut p, &path, c.name.as_str(), i, &mut names, "cadence");
        check_cadence(&mut p, &path, c);
    }
    let defaults: Vec<usize> = (0..cadences.len())
        .filter(|&i| cadences[i].is_default())
        .collect();
    match defaults.as_slice() {
        [] if !cadences.is_empty() => p.add(
            "cadence",
            "one cadence without match_tags and match_words, used when nothing else matches",
        ),
        [_, rest @ ..] => {
            for &i in rest {
                p.add(
                    format!("cadence[{i}].match_tags"),
                    format!(
                        "match_tags or match_words: cadence[{}] is already the default",
                        defaults[0]
                    ),
                );
            }
        }
        [] => {}
    }
    let mut variant_names = HashMap::new();
    for (i, v) in variants.iter().enumerate() {
        let path = format!("cadence_variant[{i}]");
        check_name(
            &mut p,
            &path,
            v.name.as_str(),
            i,
            &mut variant_names,
            "cadence_variant",
        );
        check_variant(&mut p, &path, v, cadences);
    }
    p.0
}

fn check_name<'a>(
    p: &mut Problems,
    path: &str,
    name: &'a str,
    i: usize,
    seen: &mut HashMap<&'a str, usize>,
    table: &str,
) {
    if name.trim().is_empty() {
        p.add(format!("{path}.name"), "a non-empty name");
        return;
    }
    match seen.entry(name) {
        Entry::Occupied(first) => {
            let first = *first.get();
            p.add(
                format!("{path}.name"),
                format!("a unique name; \"{name}\" is also {table}[{first}]"),
            );
        }
        Entry::Vacant(slot) => {
            slot.insert(i);
        }
    }
}

fn check_cadence(p: &mut Problems, path: &str, c: &Cadence) {
    for (k, h) in c.holidays.iter().enumerate() {
        if let Holiday::Invalid(raw) = h {
            p.add(
                format!("{path}.holidays[{k}]"),
                format!("a date like \"2026-12-25\", found \"{raw}\""),
            );
        }
    }
    if c.days == DayKind::Calendar && !c.holidays.is_empty() {
        p.add(
            format!("{path}.holidays"),
            "no holidays unless days = \"business\" (calendar days ignore them)",
        );
    }
    check_list(p, &format!("{path}.match_tags"), &c.match_tags);
    check_list(p, &format!("{path}.match_words"), &c.match_words);
    check_list(p, &format!("{path}.exclude_groups"), &c.exclude_groups);
    if c.steps.is_empty() {
        p.add(
            format!("{path}.step"),
            "at least one [[cadence.step]], the last one \"close\" or \"escalate\"",
        );
        return;
    }
    let last = c.steps.len() - 1;
    for (j, s) in c.steps.iter().enumerate() {
        let sp = format!("{path}.step[{j}]");
        check_day(
            p,
            &format!("{sp}.day"),
            s.day,
            j.checked_sub(1).map(|k| (k, c.steps[k].day)),
        );
        if j < last && s.action.is_final() {
            p.add(
                format!("{sp}.action"),
                "\"attempt\": only the last step may close or escalate",
            );
        }
        check_step_fields(p, &sp, s, false);
    }
    if !c.steps[last].action.is_final() {
        p.add(
            format!("{path}.step[{last}].action"),
            "\"close\" or \"escalate\" on the last step, so the cadence ends",
        );
    }
}

fn check_day(p: &mut Problems, path: &str, day: u32, previous: Option<(usize, u32)>) {
    if !(1..=MAX_DAY).contains(&day) {
        p.add(path, format!("a day between 1 and {MAX_DAY}, found {day}"));
    } else if let Some((k, prev)) = previous.filter(|(_, prev)| day <= *prev) {
        p.add(
            path,
            format!("a day after step[{k}]'s day {prev} (days strictly increase), found {day}"),
        );
    }
}

fn check_step_fields(p: &mut Problems, sp: &str, s: &Step, owner_allowed: bool) {
    check_template(p, &format!("{sp}.note"), s.note.as_ref(), owner_allowed);
    check_template(
        p,
        &format!("{sp}.assignee"),
        s.assignee.as_ref(),
        owner_allowed,
    );
    if s.label.as_deref().is_some_and(|l| l.trim().is_empty()) {
        p.add(format!("{sp}.label"), "a non-empty label, or no label");
    }
    if s.order_status
        .as_deref()
        .is_some_and(|o| o.trim().is_empty())
    {
        p.add(
            format!("{sp}.order_status"),
            "a non-empty order status, or no order_status",
        );
    }
}

fn check_template(p: &mut Problems, path: &str, t: Option<&Template>, owner_allowed: bool) {
    let Some(t) = t else { return };
    let allowed: &[&str] = if owner_allowed {
        &["agent", "owner"]
    } else {
        &["agent"]
    };
    let wanted = if owner_allowed {
        "only {agent} and {owner} placeholders"
    } else {
        "only {agent} placeholders"
    };
    if t.as_str().trim().is_empty() {
        p.add(path, "non-empty text");
    }
    match t.placeholders() {
        None => p.add(
            path,
            format!("{wanted}, with a closing }}, found \"{}\"", t.as_str()),
        ),
        Some(names) => {
            if let Some(bad) = names.iter().find(|n| !allowed.contains(n)) {
                p.add(path, format!("{wanted}, found {{{bad}}}"));
            }
        }
    }
}

fn check_list(p: &mut Problems, path: &str, items: &[String]) {
    for (k, item) in items.iter().enumerate() {
        if item.trim().is_empty() {
            p.add(format!("{path}[{k}]"), "a non-empty entry");
        }
    }
}

fn check_variant(p: &mut Problems, path: &str, v: &Variant, cadences: &[Cadence]) {
    check_list(p, &format!("{path}.match_tags"), &v.match_tags);
    if v.match_tags.is_empty() && v.match_group.is_none() {
        p.add(
            path,
            format!(
                "match_tags or match_group, so the variant does not apply to every \"{}\" ticket",
                v.base
            ),
        );
    }
    if v.match_group
        .as_deref()
        .is_some_and(|g| g.trim().is_empty())
    {
        p.add(format!("{path}.match_group"), "a non-empty group name");
    }
    let o = &v.final_step;
    if o.action.is_some_and(|a| !a.is_final()) {
        p.add(
            format!("{path}.final_step.action"),
            "\"close\" or \"escalate\"",
        );
    }
    let uses_owner = [&o.note, &o.assignee]
        .iter()
        .filter_map(|t| t.as_ref()?.placeholders())
        .any(|names| names.contains(&"owner"));
    if uses_owner && v.owner.as_deref().is_none_or(|o| o.trim().is_empty()) {
        p.add(
            format!("{path}.owner"),
            "an owner name, since final_step uses {owner}",
        );
    }
    let probe = Step {
        label: o.label.clone(),
        note: o.note.clone(),
        assignee: o.assignee.clone(),
        order_status: o.order_status.clone(),
        ..Step::new(1, super::StepAction::Close)
    };
    check_step_fields(p, &format!("{path}.final_step"), &probe, true);

    let Some(base) = cadences.iter().find(|c| c.name == v.base) else {
        let known: Vec<&str> = cadences.iter().map(|c| c.name.as_str()).collect();
        p.add(
            format!("{path}.base"),
            format!(
                "the name of a [[cadence]] (one of: {}), found \"{}\"",
                known.join(", "),
                v.base
            ),
        );
        return;
    };
    if let Some(day) = o.day {
        let n = base.steps.len();
        let previous = n.checked_sub(2).map(|k| (k, base.steps[k].day));
        check_day(p, &format!("{path}.final_step.day"), day, previous);
    }
}
