//! How to reach a customer on a follow-up attempt (seed 002, "Action needed").
//!
//! The seed's rules: with a linked order, EMAIL, CALL and TEXT; without one,
//! a number only means CALL and TEXT, an email only means EMAIL, and an email
//! that contains a phone number means EMAIL plus CALL and TEXT to that number.
//! Read together they say "use every channel you know of", which is what
//! [`contact_actions`] does; a linked order matters because it is where the
//! caller finds the email and phone to put in [`ContactInfo`]. A number from
//! the message text is only used when no phone is on file, so a customer's
//! stated number never overrides the one in the order.
//!
//! [`find_phone_number`] is deliberately conservative: a wrong CALL is worse
//! than none, so dates, order and reference numbers, prices, IP addresses and
//! card numbers are rejected.

use std::fmt;

/// What is known about a ticket's customer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactInfo {
    pub email: Option<String>,
    pub phone: Option<String>,
    /// The linked order, if any (its email and phone belong in the fields above).
    pub order_id: Option<String>,
    /// The customer's subject and messages, searched for a phone number.
    pub message_text: String,
}

/// One way to reach the customer, with the address to use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContactAction {
    Email(String),
    Call(String),
    Text(String),
}

impl fmt::Display for ContactAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ContactAction::Email(a) => write!(f, "EMAIL {a}"),
            ContactAction::Call(n) => write!(f, "CALL {n}"),
            ContactAction::Text(n) => write!(f, "TEXT {n}"),
        }
    }
}

/// The contact actions for one attempt, in the order EMAIL, CALL, TEXT.
pub fn contact_actions(info: &ContactInfo) -> Vec<ContactAction> {
    let email = non_blank(info.email.as_deref());
    let phone = non_blank(info.phone.as_deref()).or_else(|| find_phone_number(&info.message_text));
    let mut actions = Vec::with_capacity(3);
    if let Some(e) = email {
        actions.push(ContactAction::Email(e));
    }
    if let Some(p) = phone {
        actions.push(ContactAction::Call(p.clone()));
        actions.push(ContactAction::Text(p));
    }
    actions
}

fn non_blank(s: Option<&str>) -> Option<String> {
    s.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// The first plausible phone number in `text`, as the customer wrote it.
pub fn find_phone_number(text: &str) -> Option<String> {
    find_phone_numbers(text).into_iter().next()
}

/// Every plausible phone number in `text`, as written (trimmed).
pub fn find_phone_numbers(text: &str) -> Vec<String> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let Some(end) = candidate_end(&chars, i) else {
            i += 1;
            continue;
        };
        // `end` is the index just past the candidate's last digit (ASCII, 1 byte).
        let (from, to) = (chars[i].0, chars[end - 1].0 + 1);
        if is_plausible(&text[..from], &text[from..to], &text[to..]) {
            found.push(text[from..to].to_owned());
        }
        // Skip the whole run so a rejected number's tail is not retried.
        i = end;
    }
    found
}

/// If a candidate starts at `i`, the index just past its last digit.
fn candidate_end(chars: &[(usize, char)], i: usize) -> Option<usize> {
    let c = chars[i].1;
    let next_is_digit = chars.get(i + 1).is_some_and(|(_, n)| n.is_ascii_digit());
    let starts = c.is_ascii_digit() || ((c == '+' || c == '(') && next_is_digit);
    if !starts || !boundary_before(i.checked_sub(1).map(|p| chars[p].1)) {
        return None;
    }
    let mut last_digit_end = None;
    let mut separators = 0;
    for (k, &(_, ch)) in chars.iter().enumerate().skip(i) {
        if ch.is_ascii_digit() {
            separators = 0;
            last_digit_end = Some(k + 1);
        } else if k == i {
            // The leading '+' or '('.
        } else if matches!(ch, ' ' | '-' | '.' | '(' | ')') && separators < 3 {
            separators += 1;
        } else {
            break;
        }
    }
    last_digit_end
}

/// A number glued to a word, an id (`#`, `/`, `=`), a currency sign or a
/// decimal point is not a phone number.
fn boundary_before(prev: Option<char>) -> bool {
    match prev {
        None => true,
        Some(p) => !(p.is_alphanumeric() || "#$€£¥₹/\\=@_&.-+".contains(p)),
    }
}

const ID_WORDS: &[&str] = &[
    "order",
    "invoice",
    "ticket",
    "case",
    "ref",
    "reference",
    "confirmation",
    "tracking",
    "account",
    "acct",
    "receipt",
    "transaction",
    "txn",
    "application",
    "passport",
    "ssn",
    "ein",
    "zip",
    "postal",
    "id",
    "sku",
    "serial",
    "policy",
    "routing",
    "card",
    "amount",
    "total",
    "price",
    "paid",
    "charged",
];
const CURRENCY_WORDS: &[&str] = &[
    "usd", "dollars", "eur", "euros", "gbp", "cad", "aud", "pesos",
];

fn is_plausible(before: &str, raw: &str, after: &str) -> bool {
    let groups: Vec<&str> = raw
        .split(|c: char| !c.is_ascii_digit())
        .filter(|g| !g.is_empty())
        .collect();
    let digits: usize = groups.iter().map(|g| g.len()).sum();
    let international = raw.starts_with('+') || raw.starts_with("00");
    let max = if international { 15 } else { 12 };
    if digits < 7 || digits > max || raw.matches('(').count() > 1 {
        return false;
    }
    // An unbroken run of digits is more often an id than a phone number.
    if groups.len() == 1 && !international && digits > 11 {
        return false;
    }
    if looks_like_date(raw, &groups) || looks_like_other_number(raw, &groups) {
        return false;
    }
    let next = after.chars().next();
    if next.is_some_and(|c| c.is_alphanumeric() || "%@/".contains(c)) {
        return false;
    }
    if after.starts_with([',', '.']) && after[1..].starts_with(|c: char| c.is_ascii_digit()) {
        return false; // 1,234,567 or 1234567.89
    }
    let next_word = after
        .split(|c: char| !c.is_alphanumeric())
        .find(|w| !w.is_empty());
    if next_word.is_some_and(|w| CURRENCY_WORDS.contains(&w.to_lowercase().as_str())) {
        return false;
    }
    let lead = before.trim_end_matches([' ', ':', '#', '-']);
    if lead.ends_with(['$', '€', '£', '¥', '₹']) {
        return false;
    }
    // "order 5550100199", "order no. 5550100199", "tracking #: ..."
    let words: Vec<String> = lead
        .rsplit(|c: char| !c.is_alphabetic())
        .filter(|w| !w.is_empty())
        .take(2)
        .map(str::to_lowercase)
        .collect();
    !words.iter().any(|w| ID_WORDS.contains(&w.as_str()))
}

fn looks_like_date(raw: &str, groups: &[&str]) -> bool {
    let num = |s: &str| s.parse::<u32>().unwrap_or(0);
    let valid = |y: u32, m: u32, d: u32| {
        (1900..=2100).contains(&y) && (1..=12).contains(&m) && (1..=31).contains(&d)
    };
    let one_separator_kind = {
        let mut seps = raw.chars().filter(|c| !c.is_ascii_digit());
        seps.next()
            .is_some_and(|s| matches!(s, '-' | '.') && seps.all(|c| c == s))
    };
    match groups {
        [y, m, d] if one_separator_kind && y.len() == 4 => valid(num(y), num(m), num(d)),
        [a, b, y] if one_separator_kind && y.len() == 4 && a.len() <= 2 && b.len() <= 2 => {
            valid(num(y), num(a), num(b)) || valid(num(y), num(b), num(a))
        }
        [ymd] if ymd.len() == 8 => valid(num(&ymd[..4]), num(&ymd[4..6]), num(&ymd[6..])),
        [a, b] if a.len() == 4 && b.len() == 4 => {
            // A year range such as 2019-2023.
            (1900..=2100).contains(&num(a)) && (1900..=2100).contains(&num(b))
        }
        _ => false,
    }
}

fn looks_like_other_number(raw: &str, groups: &[&str]) -> bool {
    let dots = raw.matches('.').count();
    let only_dots = raw.chars().all(|c| c.is_ascii_digit() || c == '.');
    // 1234567.89 (a price) or 192.168.100.200 (an IP address).
    let decimal = dots == 1 && only_dots && groups.last().is_some_and(|g| g.len() <= 2);
    let ip = groups.len() == 4 && only_dots && groups.iter().all(|g| g.len() <= 3);
    // 12345-6789 is a ZIP+4 code, not a phone number.
    let zip4 = matches!(groups, [a, b] if a.len() == 5 && b.len() == 4) && raw.contains('-');
    decimal || ip || zip4
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(
        email: Option<&str>,
        phone: Option<&str>,
        order: Option<&str>,
        text: &str,
    ) -> ContactInfo {
        ContactInfo {
            email: email.map(Into::into),
            phone: phone.map(Into::into),
            order_id: order.map(Into::into),
            message_text: text.into(),
        }
    }
    use ContactAction::{Call, Email, Text};

    #[test]
    fn linked_order_uses_email_call_and_text() {
        let got = contact_actions(&info(
            Some("jane@x.com"),
            Some("+1 555 0100"),
            Some("45211"),
            "",
        ));
        assert_eq!(
            got,
            vec![
                Email("jane@x.com".into()),
                Call("+1 555 0100".into()),
                Text("+1 555 0100".into())
            ]
        );
    }

    #[test]
    fn phone_only_means_call_and_text() {
        let got = contact_actions(&info(None, Some("555-010-0199"), None, "voicemail"));
        assert_eq!(
            got,
            vec![Call("555-010-0199".into()), Text("555-010-0199".into())]
        );
    }

    #[test]
    fn email_only_means_email() {
        let got = contact_actions(&info(
            Some("jane@x.com"),
            Some("  "),
            None,
            "Where is my order #45211?",
        ));
        assert_eq!(got, vec![Email("jane@x.com".into())]);
    }

    #[test]
    fn email_with_a_number_in_it_adds_call_and_text() {
        let text = "Hi, please call me back at (555) 010-0199. Thanks";
        let got = contact_actions(&info(Some("jane@x.com"), None, None, text));
        assert_eq!(
            got,
            vec![
                Email("jane@x.com".into()),
                Call("(555) 010-0199".into()),
                Text("(555) 010-0199".into())
            ]
        );
    }

    #[test]
    fn phone_on_file_wins_over_one_in_the_text() {
        let got = contact_actions(&info(
            None,
            Some("+1 555 0100"),
            None,
            "or try 555.010.0199",
        ));
        assert_eq!(
            got,
            vec![Call("+1 555 0100".into()), Text("+1 555 0100".into())]
        );
    }

    #[test]
    fn nothing_known_means_no_actions() {
        assert!(contact_actions(&info(None, None, Some("45211"), "hello")).is_empty());
    }

    #[test]
    fn finds_common_phone_formats() {
        for (text, want) in [
            ("call +1 555 0100 today", "+1 555 0100"),
            ("(555) 010-0199", "(555) 010-0199"),
            ("my cell: 555.010.0199.", "555.010.0199"),
            ("UK: +44 20 7946 0958", "+44 20 7946 0958"),
            ("+61 2 9876 5432, after 5pm", "+61 2 9876 5432"),
            ("ring 0044 20 7946 0958", "0044 20 7946 0958"),
            ("5550100199", "5550100199"),
            ("at 555-0100 please", "555-0100"),
            ("number is +1-555-010-0199!", "+1-555-010-0199"),
        ] {
            assert_eq!(
                find_phone_number(text).as_deref(),
                Some(want),
                "in {text:?}"
            );
        }
    }

    #[test]
    fn rejects_things_that_are_not_phone_numbers() {
        for text in [
            "Order #45211 placed 2026-03-04",
            "order 5550100199",
            "Order No. 5550100199",
            "tracking #: 9400100000",
            "on 03.04.2026 and 12-05-2024",
            "20260304",
            "from 2019-2023",
            "it cost $1,234,567.00",
            "I paid 1234567.89",
            "refund 1234567 USD",
            "€ 5550100",
            "server 192.168.100.200",
            "card 4111 1111 1111 1111",
            "zip 12345-6789 and 98765-4321",
            "code 12345",
            "john5550100199@x.com",
            "https://x.com/orders/5550100199",
            "id=5550100199",
            "5550100199abc",
            "99.5% sure",
            "123456789012345",
        ] {
            assert_eq!(
                find_phone_numbers(text),
                Vec::<String>::new(),
                "in {text:?}"
            );
        }
    }

    #[test]
    fn finds_several_numbers_in_order() {
        let text = "home 555-010-0199 or work +1 (555) 010-0100; order #45211";
        assert_eq!(
            find_phone_numbers(text),
            vec!["555-010-0199", "+1 (555) 010-0100"]
        );
    }
}
