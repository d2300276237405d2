//! `cxbot contacts import FILE.csv`: a team's existing customer list (the seed's "look the
//! number up in Intra"), so a missed call's card can say who called. Columns: `name`,
//! `email`, `phone`, and optionally `order_id` (or `booking_id`). Every row needs an email
//! or a phone. All or nothing: a file with any bad row imports nothing and lists each.

use crate::db::{CustomerInput, SharedStore, StoreError};
use crate::domain::notice::CardLine;
use crate::domain::phone::{phone_key, Region};
use crate::jobs::enqueue;

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{}", .0.join("\n"))]
    Invalid(Vec<String>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The separator of a CSV file, read from its header line: a comma, or a semicolon (what
/// Excel writes in locales whose decimal mark is a comma), or a tab, whichever the header
/// uses most.
pub fn delimiter(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or_default();
    let count = |c: char| header.matches(c).count();
    [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|d| (count(*d as char), *d == b','))
        .unwrap_or(b',')
}

/// Parses the CSV; every problem is reported with its line number. Phones are keyed with
/// `region` (the playbook's `[contacts] default_region`), as intake keys them.
pub fn parse_csv(text: &str, region: Region) -> Result<Vec<CustomerInput>, Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(false)
        .delimiter(delimiter(text))
        .from_reader(text.as_bytes());
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|c| c.to_ascii_lowercase()).collect(),
        Err(e) => return Err(vec![format!("line 1: cannot read the header row: {e}")]),
    };
    let col = |names: &[&str]| headers.iter().position(|h| names.contains(&h.as_str()));
    let (name, email, phone) = (col(&["name"]), col(&["email"]), col(&["phone"]));
    let order = col(&["order_id", "booking_id", "order", "booking"]);
    let missing: Vec<&str> = [("name", name), ("email", email), ("phone", phone)]
        .iter()
        .filter(|(_, i)| i.is_none())
        .map(|(n, _)| *n)
        .collect();
    if !missing.is_empty() {
        return Err(vec![format!(
            "line 1: the header needs the columns name, email and phone (optional: order_id); missing: {}",
            missing.join(", ")
        )]);
    }
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                problems.push(format!("line {line}: {e}"));
                continue;
            }
        };
        let get = |idx: Option<usize>| {
            idx.and_then(|i| record.get(i))
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        let email_v = get(email).map(|e| e.to_lowercase());
        if let Some(e) = &email_v {
            if !e.contains('@') {
                problems.push(format!("line {line}: email {e:?} is not an email address"));
                continue;
            }
        }
        let phone_v = get(phone);
        let key = phone_v.as_deref().and_then(|p| phone_key(p, region));
        if phone_v.is_some() && key.is_none() {
            problems.push(format!(
                "line {line}: phone {:?} has too few digits",
                phone_v.unwrap_or_default()
            ));
            continue;
        }
        if email_v.is_none() && key.is_none() {
            problems.push(format!("line {line}: needs an email or a phone"));
            continue;
        }
        rows.push(CustomerInput {
            name: get(name),
            email: email_v,
            phone: phone_v,
            phone_key: key,
            order_id: get(order),
        });
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(problems)
    }
}

/// The caller a Record caller form saved: the card now names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallerSaved {
    pub name: String,
}

/// An unknown caller's card: someone says who it was. The customer is saved with the
/// number and the card re-rendered (it then names the caller).
pub async fn record_caller(
    services: &super::Services,
    ticket_id: i64,
    actor: super::claim::Actor<'_>,
    name: &str,
    email: Option<&str>,
    order_id: Option<&str>,
) -> super::Result<CallerSaved> {
    use super::{refuse, Refusal};
    let t = super::claim::ticket(services, ticket_id).await?;
    let Some(phone) = t.customer_phone.clone() else {
        return refuse(Refusal::NoNumberToName);
    };
    let name = name.trim();
    if name.is_empty() {
        return refuse(Refusal::CallerNameMissing);
    }
    let email = email
        .map(|e| e.trim().to_lowercase())
        .filter(|e| !e.is_empty());
    if email.as_deref().is_some_and(|e| !e.contains('@')) {
        return refuse(Refusal::NotAnEmail {
            given: email.unwrap_or_default(),
        });
    }
    let row = CustomerInput {
        name: Some(name.to_string()),
        email,
        phone_key: phone_key(&phone, services.playbook.contacts.region()),
        phone: Some(phone),
        order_id: order_id
            .map(str::trim)
            .filter(|o| !o.is_empty())
            .map(str::to_string),
    };
    let now = services.now_ms();
    let line = CardLine::CallerRecorded {
        by: actor.user.to_string(),
        name: name.to_string(),
    };
    // The customer and the card's re-render commit together: never a saved name on a stale card.
    let contact = crate::domain::writeback::ContactUpdate {
        name: row.name.clone(),
        email: row.email.clone(),
        phone: row.phone.clone(),
    };
    let mut jobs = vec![enqueue::card(&t, now), enqueue::card_line(&t, line, now)];
    jobs.extend(super::writeback::job(
        services,
        &t,
        crate::domain::writeback::WriteCause::Caller,
        format!("caller-{}-{now}", t.id),
        now,
        |w| w.contact = Some(contact),
    ));
    services.store.import_customers(&[row], now, &jobs).await?;
    services.wake_worker();
    Ok(CallerSaved {
        name: name.to_string(),
    })
}

/// Imports the file's contacts; returns how many were written.
pub async fn import(
    store: &SharedStore,
    text: &str,
    region: Region,
    now: i64,
) -> Result<usize, ImportError> {
    let rows = parse_csv(text, region).map_err(ImportError::Invalid)?;
    Ok(store.import_customers(&rows, now, &[]).await?)
}

/// What an import would do, written nowhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DryRun {
    /// Rows that would become new customers.
    pub new: usize,
    /// Rows that match a customer on file (by email or phone) and would update them.
    pub updated: usize,
}

/// `--dry-run`: the file is checked as for an import, and each row looked up.
pub async fn dry_run(
    store: &SharedStore,
    text: &str,
    region: Region,
) -> Result<DryRun, ImportError> {
    let rows = parse_csv(text, region).map_err(ImportError::Invalid)?;
    let mut out = DryRun { new: 0, updated: 0 };
    for r in &rows {
        match store
            .customer_by_contact(r.email.as_deref(), r.phone_key.as_deref())
            .await?
        {
            Some(_) => out.updated += 1,
            None => out.new += 1,
        }
    }
    Ok(out)
}

/// The data migration of issue 21: customers keyed by the digits of their number before
/// E.164 are re-keyed with `region` (the playbook's `[contacts] default_region`). It runs
/// where the SQL migrations run (`serve`, `migrate`, `contacts import`), after them, and
/// once per region: a team that changes its default region has its national numbers
/// re-keyed as the new country's. Answers how many customers changed (None: already done).
pub async fn rekey_phones(
    store: &SharedStore,
    region: Region,
    now: i64,
) -> Result<Option<u64>, StoreError> {
    let name = format!("customers.phone_key e164 {region}");
    let changed = store
        .rekey_customer_phones(&name, &move |p| phone_key(p, region), now)
        .await?;
    if let Some(n) = changed {
        tracing::info!(customers = n, %region, "customers' phone numbers re-keyed to E.164");
    }
    Ok(changed)
}

/// "1 contact", "2 contacts".
pub fn contacts(n: usize) -> String {
    format!("{n} contact{}", if n == 1 { "" } else { "s" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_normalised_and_bad_rows_named_by_line() {
        let ok = parse_csv("Name,Email,Phone,Booking_ID\nAna Lima, ANA@x.com ,+1 (555) 010-0100,B-7\nBen,,555 0101,\n", Region::US).unwrap();
        assert_eq!(ok.len(), 2);
        assert_eq!(ok[0].email.as_deref(), Some("ana@x.com"));
        assert_eq!(ok[0].phone_key.as_deref(), Some("+15550100100"));
        assert_eq!(ok[0].order_id.as_deref(), Some("B-7"));
        assert_eq!(ok[1].email, None);
        let bad = parse_csv(
            "name,email,phone\nA,not-an-email,\nB,,12\nC,,\n",
            Region::US,
        )
        .unwrap_err();
        assert_eq!(bad.len(), 3, "{bad:?}");
        assert!(
            bad[0].starts_with("line 2:")
                && bad[1].starts_with("line 3:")
                && bad[2].starts_with("line 4:")
        );
        let header = parse_csv("name,mail\nA,a@x.com\n", Region::US).unwrap_err();
        assert!(header[0].contains("missing: email, phone"), "{header:?}");
    }

    #[test]
    fn semicolon_and_tab_files_are_read_too() {
        let eu = parse_csv(
            "Name;Email;Phone\nAna Lima;ana@x.com;+1 555 010 0100\n",
            Region::US,
        )
        .unwrap();
        assert_eq!(
            (eu[0].name.as_deref(), eu[0].email.as_deref()),
            (Some("Ana Lima"), Some("ana@x.com"))
        );
        let tabs = parse_csv("name\temail\tphone\nBen\t\t555 0101\n", Region::US).unwrap();
        assert_eq!(tabs[0].phone_key.as_deref(), Some("+15550101"));
        // A comma inside a quoted name does not make a comma file of a semicolon one.
        assert_eq!(
            delimiter("name;email;phone\n\"Lima, Ana\";a@x.com;1\n"),
            b';'
        );
        assert_eq!(delimiter("name,email,phone"), b',');
        assert_eq!(contacts(1), "1 contact");
        assert_eq!(contacts(2), "2 contacts");
    }
}
