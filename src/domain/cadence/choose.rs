//! Picking a ticket's cadence and variant, and rebuilding it for a stored run.

use chrono::NaiveDate;

use super::{Cadence, CadenceName, CadenceRun, Variant, VariantName};

/// The cadence (and variant, if one matches) chosen for a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Choice<'a> {
    pub cadence: &'a Cadence,
    pub variant: Option<&'a Variant>,
}

impl Choice<'_> {
    /// The cadence to run: the base with the variant's final step, if any.
    pub fn effective(&self) -> Cadence {
        match self.variant {
            Some(v) => v.apply(self.cadence),
            None => self.cadence.clone(),
        }
    }

    /// A new run of this choice starting on `start_date`.
    pub fn start(&self, start_date: NaiveDate) -> CadenceRun {
        CadenceRun::start(
            self.cadence,
            self.variant.map(|v| v.name.clone()),
            start_date,
        )
    }
}

/// The cadence for a ticket: the first cadence (in playbook order) whose
/// `match_tags` contain one of `tags` or whose `match_words` occur in `text`
/// (subject and messages), unless `group` is in its `exclude_groups`; else the
/// default cadence. Then the first variant of that cadence whose tags and
/// group match. `None` only when there is no default cadence (see `validate`).
///
/// Tags and groups compare case-insensitively. A word matches at the start of
/// a word in the text, so "refund" matches "refunds" and "non-refundable"
/// but not "prefund"; a phrase ("money back") must appear word by word.
pub fn choose_cadence<'a, T: AsRef<str>>(
    tags: &[T],
    group: Option<&str>,
    text: &str,
    cadences: &'a [Cadence],
    variants: &'a [Variant],
) -> Option<Choice<'a>> {
    let tags: Vec<String> = tags.iter().map(|t| norm(t.as_ref())).collect();
    let group = group.map(norm);
    let words = tokens(text);
    let has_tag = |wanted: &[String]| wanted.iter().any(|w| tags.contains(&norm(w)));
    let excluded = |c: &Cadence| {
        group
            .as_ref()
            .is_some_and(|g| c.exclude_groups.iter().any(|x| norm(x) == *g))
    };
    let cadence = cadences
        .iter()
        .filter(|c| !c.is_default() && !excluded(c))
        .find(|c| {
            has_tag(&c.match_tags) || c.match_words.iter().any(|w| contains_phrase(&words, w))
        })
        .or_else(|| cadences.iter().find(|c| c.is_default()))?;
    let variant = variants
        .iter()
        .filter(|v| v.base == cadence.name)
        .find(|v| {
            (v.match_tags.is_empty() || has_tag(&v.match_tags))
                && v.match_group
                    .as_deref()
                    .is_none_or(|g| group.as_deref() == Some(norm(g).as_str()))
        });
    Some(Choice { cadence, variant })
}

/// The effective cadence of a stored run (its cadence, with its variant
/// applied), or `None` if the playbook no longer has either.
pub fn effective_cadence(
    cadences: &[Cadence],
    variants: &[Variant],
    cadence: &CadenceName,
    variant: Option<&VariantName>,
) -> Option<Cadence> {
    let base = cadences.iter().find(|c| c.name == *cadence)?;
    match variant {
        None => Some(base.clone()),
        Some(name) => {
            let v = variants
                .iter()
                .find(|v| v.name == *name && v.base == *cadence)?;
            Some(v.apply(base))
        }
    }
}

fn norm(s: &str) -> String {
    s.trim().to_lowercase()
}

fn tokens(text: &str) -> Vec<String> {
    text.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

fn contains_phrase(words: &[String], phrase: &str) -> bool {
    let phrase = tokens(phrase);
    let Some((last, init)) = phrase.split_last() else {
        return false;
    };
    words
        .windows(phrase.len())
        .any(|w| w[..init.len()] == *init && w[init.len()].starts_with(last.as_str()))
}

#[cfg(test)]
mod tests {
    use super::super::{default_cadences, default_variants};
    use super::*;

    fn choose(tags: &[&str], group: Option<&str>, text: &str) -> (String, Option<String>) {
        let (cadences, variants) = (default_cadences(), default_variants());
        let c = choose_cadence(tags, group, text, &cadences, &variants).unwrap();
        (
            c.cadence.name.to_string(),
            c.variant.map(|v| v.name.to_string()),
        )
    }

    #[test]
    fn refund_tag_or_words_choose_refund() {
        assert_eq!(choose(&["Refund"], None, "hello"), ("refund".into(), None));
        assert_eq!(
            choose(&[], None, "Subject: I want my money back!"),
            ("refund".into(), None)
        );
        assert_eq!(
            choose(&[], Some("Sales"), "Please REFUND me"),
            ("refund".into(), None)
        );
        assert_eq!(
            choose(&[], None, "Can I get it refunded?"),
            ("refund".into(), None)
        );
    }

    #[test]
    fn otherwise_general() {
        assert_eq!(
            choose(&["shipping"], None, "Where is my order?"),
            ("general".into(), None)
        );
        // Word-start matching: "prefund" is not "refund", "money" alone is not "money back".
        assert_eq!(
            choose(&[], None, "prefund the money, then come back later"),
            ("general".into(), None)
        );
    }

    #[test]
    fn refund_does_not_apply_to_us_passports() {
        assert_eq!(
            choose(&["refund"], Some("us passports"), "refund please"),
            ("general".into(), None)
        );
    }

    #[test]
    fn matching_variant_applies() {
        assert_eq!(
            choose(&["TSA"], Some("Bot Issues"), "bot stuck"),
            ("general".into(), Some("bot-tsa-ge-nexus-sentri".into()))
        );
        assert_eq!(
            choose(&["ein"], Some("bot issues"), ""),
            ("general".into(), Some("bot-ein".into()))
        );
        assert_eq!(
            choose(&["missing-label"], Some("US Passports"), "no label"),
            ("general".into(), Some("us-passport-missing-labels".into()))
        );
        // Tag without the group, or the group without a tag: no variant.
        assert_eq!(
            choose(&["ein"], Some("Sales"), ""),
            ("general".into(), None)
        );
        assert_eq!(
            choose(&["shipping"], Some("Bot Issues"), ""),
            ("general".into(), None)
        );
        // Variants only modify their base cadence.
        assert_eq!(
            choose(&["ein", "refund"], Some("Bot Issues"), ""),
            ("refund".into(), None)
        );
    }

    #[test]
    fn effective_cadence_rebuilds_a_runs_cadence() {
        let (cadences, variants) = (default_cadences(), default_variants());
        let c = choose_cadence(&["ein"], Some("Bot Issues"), "", &cadences, &variants).unwrap();
        let run = c.start("2026-03-06".parse().unwrap());
        let rebuilt =
            effective_cadence(&cadences, &variants, &run.cadence, run.variant.as_ref()).unwrap();
        assert_eq!(rebuilt, c.effective());
        assert_eq!(
            rebuilt
                .final_step()
                .unwrap()
                .assignee
                .as_ref()
                .unwrap()
                .as_str(),
            "Unresponsive Customers/Vincent Ryan V"
        );
        assert_eq!(
            effective_cadence(&cadences, &variants, &"gone".into(), None),
            None
        );
        assert_eq!(
            effective_cadence(
                &cadences,
                &variants,
                &"refund".into(),
                Some(&"bot-ein".into())
            ),
            None
        );
    }

    #[test]
    fn no_default_cadence_means_no_choice() {
        let cadences = vec![default_cadences().remove(0)];
        assert!(choose_cadence(&["x"], None, "", &cadences, &[]).is_none());
    }
}
