//! Phone numbers as match keys: one caller however a helpdesk, a CSV or an agent spells
//! the number.
//!
//! A number is keyed in E.164 (`+15555550100`), parsed with libphonenumber's metadata (the
//! `phonenumber` crate) and the playbook's default region (`[contacts] default_region`, an
//! ISO 3166 code) for numbers written without a country code. With region US,
//! "+1 555 555 0100", "(555) 555-0100", "555-555-0100" and "1-555-555-0100" are one key;
//! "+44 20 7946 0958" stays British whatever the region.
//!
//! Parsed, not validated: a number is keyed when it parses and its national number has a
//! length its country's numbers can have. libphonenumber's `is_valid` would also reject
//! numbers outside assigned ranges (the fictional 555 area code of every demo and test),
//! and a key only needs to be the same for the same digits.
//!
//! Short numbers: a US number without its area code ("555-0100", 7 digits) is one the
//! metadata calls possible "local only". It is keyed as `+15550100`, so it matches itself
//! written with the country code ("+1 555 0100") but never a full number ending in those
//! digits: which area code it belongs to is unknown, and a guess would merge two callers.
//!
//! Anything else (a length its country's numbers never have, an unknown country code)
//! keeps the digits-only key cxbot used before E.164 (it still matches itself however it
//! is punctuated); fewer than [`MIN_DIGITS`] digits is no key at all. E.164 keys start
//! with `+` and digit keys never do, so the two kinds never match each other by accident.

use phonenumber::country::Id;
use phonenumber::metadata::{Metadata, DATABASE};
use phonenumber::Type;
use serde::Deserialize;
use std::fmt;
use std::str::FromStr;

/// Fewer digits than this is not a number we can match on (an extension, a typo).
pub const MIN_DIGITS: usize = 5;

/// An ISO 3166 region phonenumber's metadata knows: the country numbers written without a
/// country code belong to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region(Id);

impl Region {
    pub const US: Region = Region(Id::US);
}

impl Default for Region {
    fn default() -> Self {
        Region::US
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.as_ref())
    }
}

impl FromStr for Region {
    type Err = String;

    /// "US", "gb", " DE ": two letters, any case. The error says what was expected.
    fn from_str(s: &str) -> Result<Self, String> {
        let code = s.trim().to_ascii_uppercase();
        let known = code.len() == 2 && DATABASE.by_id(code.as_str()).is_some();
        match Id::from_str(&code) {
            Ok(id) if known => Ok(Region(id)),
            _ => Err(format!(
                "expected a two-letter ISO 3166 country code such as \"US\", \"GB\" or \"DE\" (the country of numbers written without +country code), got {s:?}"
            )),
        }
    }
}

/// The playbook's `[contacts]` section.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ContactsPolicy {
    /// ISO 3166 code of the country whose numbers are written without a country code.
    pub default_region: String,
}

impl Default for ContactsPolicy {
    fn default() -> Self {
        Self {
            default_region: "US".into(),
        }
    }
}

impl ContactsPolicy {
    /// The default region (validated at load, so the fallback is never used in practice).
    pub fn region(&self) -> Region {
        self.default_region.parse().unwrap_or_default()
    }

    /// `(key, message)` for each problem.
    pub fn problems(&self) -> Vec<(String, String)> {
        match self.default_region.parse::<Region>() {
            Ok(_) => Vec::new(),
            Err(e) => vec![("contacts.default_region".into(), e)],
        }
    }
}

/// The match key of `raw`: E.164 when it parses as a number of a plausible length, else its
/// digits; None under [`MIN_DIGITS`] digits. See the module's notes.
pub fn phone_key(raw: &str, region: Region) -> Option<String> {
    let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
    if digits.len() < MIN_DIGITS {
        return None;
    }
    Some(e164(raw, region).unwrap_or(digits))
}

/// `raw` in E.164 (`+` country code, national number), when it parses with `region` as the
/// default and its national number has a length some region of its country code allows
/// (in full, or local-only without an area code).
pub fn e164(raw: &str, region: Region) -> Option<String> {
    let number = phonenumber::parse(Some(region.0), raw).ok()?;
    let code = number.code().value();
    let national = number.national().to_string();
    let len = u16::try_from(national.len()).ok()?;
    let possible = DATABASE
        .by_code(&code)?
        .iter()
        .any(|meta| possible_length(meta, len));
    possible.then(|| format!("+{code}{national}"))
}

/// The kinds of number a customer may call from or give. (Not short codes or emergency
/// numbers, which are no one's.)
const KINDS: [Type; 10] = [
    Type::FixedLine,
    Type::Mobile,
    Type::TollFree,
    Type::PremiumRate,
    Type::SharedCost,
    Type::PersonalNumber,
    Type::Voip,
    Type::Pager,
    Type::Uan,
    Type::Voicemail,
];

/// Whether a national number of `len` digits can be one of `meta`'s region, in full or
/// local-only. Asked of each kind: the crate's metadata leaves the general lengths empty.
fn possible_length(meta: &Metadata, len: u16) -> bool {
    let kinds = meta.descriptors();
    KINDS
        .iter()
        .filter_map(|k| kinds.get(*k))
        .any(|d| d.possible_length().contains(&len) || d.possible_local_length().contains(&len))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(raw: &str, region: &str) -> Option<String> {
        phone_key(raw, region.parse().unwrap())
    }

    #[test]
    fn one_us_number_however_it_is_written() {
        for raw in [
            "+1 555 555 0100",
            "(555) 555-0100",
            "555-555-0100",
            "555.555.0100",
            "5555550100",
            "1-555-555-0100",
            "+1 (555) 555-0100",
            "tel:+1-555-555-0100",
        ] {
            assert_eq!(key(raw, "US").as_deref(), Some("+15555550100"), "{raw:?}");
        }
    }

    #[test]
    fn a_number_with_its_country_code_keeps_its_country() {
        for region in ["US", "DE", "GB"] {
            assert_eq!(
                key("+44 20 7946 0958", region).as_deref(),
                Some("+442079460958"),
                "with region {region}"
            );
            assert_eq!(
                key("+61 2 9876 5432", region).as_deref(),
                Some("+61298765432")
            );
        }
    }

    #[test]
    fn national_numbers_take_the_default_region() {
        assert_eq!(key("020 7946 0958", "GB").as_deref(), Some("+442079460958"));
        assert_eq!(key("030 1234567", "DE").as_deref(), Some("+49301234567"));
        assert_eq!(key("06 12 34 56 78", "FR").as_deref(), Some("+33612345678"));
        // Written nationally and internationally: one key.
        assert_eq!(key("0033 6 12 34 56 78", "FR"), key("06 12 34 56 78", "FR"));
    }

    #[test]
    fn short_local_numbers_match_only_themselves() {
        // 7 digits, no area code: local only. The "+1 555 0100" and "555-0100".
        assert_eq!(key("555-0100", "US").as_deref(), Some("+15550100"));
        assert_eq!(key("+1 555 0100", "US").as_deref(), Some("+15550100"));
        assert_ne!(key("555-0100", "US"), key("555-555-0100", "US"));
    }

    #[test]
    fn numbers_that_do_not_parse_keep_their_digits() {
        // A length no NANP number has (11 digits without the trunk 1).
        assert_eq!(key("0207 946 09581", "US").as_deref(), Some("020794609581"));
        // An unknown country code.
        assert_eq!(key("+999 1234 5678", "US").as_deref(), Some("99912345678"));
        // Too few digits for any key.
        assert_eq!(key("ext 12", "US"), None);
        assert_eq!(key("1234", "US"), None);
        assert_eq!(key("", "US"), None);
    }

    #[test]
    fn regions_are_iso_codes_phonenumber_knows() {
        assert_eq!("us".parse::<Region>(), Ok(Region::US));
        assert_eq!(
            " GB ".parse::<Region>().map(|r| r.to_string()).as_deref(),
            Ok("GB")
        );
        for bad in ["", "USA", "XX", "U", "1"] {
            let err = bad.parse::<Region>().unwrap_err();
            assert!(err.contains("ISO 3166"), "{bad:?}: {err}");
        }
        let pb = ContactsPolicy {
            default_region: "Mars".into(),
        };
        let problems = pb.problems();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].0, "contacts.default_region");
        assert!(problems[0].1.contains("\"Mars\""), "{problems:?}");
        assert!(ContactsPolicy::default().problems().is_empty());
    }
}
