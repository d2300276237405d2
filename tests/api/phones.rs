//! Phone numbers matched in E.164 with the playbook's default region (issue 21): one
//! caller however the helpdesk spells the number, numbers from abroad kept as they are,
//! and customers stored under the old digits-only key found again after the re-key.

use crate::helpers::*;
use crate::intake::{deliver, drain, freshdesk_missed_call, posts_in, ticket, QUEUE};
use cxbot::db::{CustomerInput, OpenMode, SharedStore};
use cxbot::domain::phone::Region;
use cxbot::service::contacts::rekey_phones;

async fn customer_name(store: &SharedStore, key: &str) -> Option<String> {
    store
        .customer_by_contact(None, Some(key))
        .await
        .unwrap()
        .and_then(|c| c.name)
}

#[tokio::test]
async fn three_spellings_of_a_us_number_are_one_caller_on_one_card() {
    // The built-in playbook: [contacts] default_region = "US".
    let app = spawn_app().await;
    let first = deliver(
        &app,
        "freshdesk",
        &freshdesk_missed_call(31, "+1 555 555 0100"),
    )
    .await;
    for (n, spelled) in [(32, "(555) 555-0100"), (33, "555-555-0100")] {
        let id = deliver(&app, "freshdesk", &freshdesk_missed_call(n, spelled)).await;
        assert_eq!(id, first, "{spelled:?} is the caller of the open card");
    }
    drain(&app).await;
    assert_eq!(posts_in(&app, QUEUE).await.len(), 1, "one card");
    let t = ticket(&app, first).await;
    assert_eq!(t.missed_calls, 3, "the card counts three calls");
    let store = &app.state.services.store;
    let c = store
        .customer_by_contact(None, Some("+15555550100"))
        .await
        .unwrap()
        .expect("one customer, keyed in E.164");
    assert_eq!(Some(c.id), t.customer_id);
}

#[tokio::test]
async fn a_number_from_abroad_keeps_its_country_and_a_national_one_takes_the_region() {
    let app = spawn_app().await;
    let uk = deliver(
        &app,
        "freshdesk",
        &freshdesk_missed_call(41, "+44 20 7946 0958"),
    )
    .await;
    let store = &app.state.services.store;
    let c = store
        .customer_by_contact(None, Some("+442079460958"))
        .await
        .unwrap()
        .expect("kept as a British number with region US");
    assert_eq!(
        c.phone.as_deref(),
        Some("+44 20 7946 0958"),
        "shown as written"
    );
    assert_eq!(ticket(&app, uk).await.customer_id, Some(c.id));

    // A team in the UK: its national numbers are the same callers as the + ones.
    let playbook = cxbot::config::playbook::EXAMPLE_PLAYBOOK
        .replace("times = [\"09:00\", \"15:00\"]", "times = []")
        .replace("default_region = \"US\"", "default_region = \"GB\"");
    let app = spawn_app_with(TestOptions {
        playbook: Some(playbook),
        ..Default::default()
    })
    .await;
    let a = deliver(
        &app,
        "freshdesk",
        &freshdesk_missed_call(42, "+44 20 7946 0958"),
    )
    .await;
    let b = deliver(
        &app,
        "freshdesk",
        &freshdesk_missed_call(43, "020 7946 0958"),
    )
    .await;
    assert_eq!(a, b, "one caller, one card");
    assert_eq!(ticket(&app, a).await.missed_calls, 2);
}

#[tokio::test]
async fn a_bad_default_region_is_refused_at_load_naming_the_key() {
    let playbook = cxbot::config::playbook::EXAMPLE_PLAYBOOK
        .replace("default_region = \"US\"", "default_region = \"USA\"");
    let problems = cxbot::config::Playbook::parse(&playbook).unwrap_err();
    let said: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
    assert_eq!(said.len(), 1, "{said:?}");
    assert!(
        said[0].starts_with("contacts.default_region: expected a two-letter ISO 3166 country code")
            && said[0].contains("got \"USA\""),
        "{said:?}"
    );
}

/// A customer as cxbot stored them before E.164: the digits of the number as the key.
fn stored_before_e164(name: &str, phone: &str) -> CustomerInput {
    CustomerInput {
        name: Some(name.into()),
        phone: Some(phone.into()),
        phone_key: Some(phone.chars().filter(char::is_ascii_digit).collect()),
        ..Default::default()
    }
}

#[tokio::test]
async fn a_customer_stored_under_the_old_key_is_found_after_the_rekey_at_start() {
    let db = fresh_db(Backend::Sqlite).await;
    let store = cxbot::db::open(&db.url, OpenMode::Tool).await.unwrap();
    store
        .import_customers(&[stored_before_e164("Ana Lima", "(555) 555-0100")], 1, &[])
        .await
        .unwrap();
    assert_eq!(customer_name(&store, "+15555550100").await, None, "old key");
    store.close().await;

    // Starting cxbot re-keys the customers on file.
    let app = spawn_app_with(TestOptions {
        db_url: Some(db.url.clone()),
        ..Default::default()
    })
    .await;
    let id = deliver(
        &app,
        "freshdesk",
        &freshdesk_missed_call(51, "+1 555 555 0100"),
    )
    .await;
    drain(&app).await;
    let card = posts_in(&app, QUEUE).await.remove(0).to_string();
    assert!(card.contains("Ana Lima"), "the caller is named: {card}");
    let t = ticket(&app, id).await;
    assert_eq!(
        customer_name(&app.state.services.store, "+15555550100").await,
        Some("Ana Lima".into())
    );
    assert!(t.customer_id.is_some());
}

#[tokio::test]
async fn the_rekey_runs_once_even_when_two_replicas_start_together() {
    for backend in backends() {
        let (store, db) = open(backend).await;
        store
            .import_customers(
                &[
                    stored_before_e164("Ana Lima", "(555) 555-0100"),
                    stored_before_e164("Kai Smith", "+44 20 7946 0958"),
                    stored_before_e164("Short", "555-0100"),
                    stored_before_e164("Odd", "+999 1234 5678"),
                ],
                1,
                &[],
            )
            .await
            .unwrap();
        let other = cxbot::db::open(&db.url, OpenMode::Tool).await.unwrap();
        let (a, b) = tokio::join!(
            rekey_phones(&store, Region::US, 2),
            rekey_phones(&other, Region::US, 2)
        );
        let mut ran = [a.unwrap(), b.unwrap()];
        ran.sort();
        assert_eq!(
            ran,
            [None, Some(3)],
            "{backend:?}: one replica re-keys (the unknown country code keeps its digits)"
        );
        assert_eq!(rekey_phones(&store, Region::US, 3).await.unwrap(), None);
        for (key, name) in [
            ("+15555550100", "Ana Lima"),
            ("+442079460958", "Kai Smith"),
            ("+15550100", "Short"),
            ("99912345678", "Odd"),
        ] {
            assert_eq!(
                customer_name(&store, key).await.as_deref(),
                Some(name),
                "{backend:?}: {key}"
            );
        }
        // A new default region re-keys the national numbers as that country's.
        let gb: Region = "GB".parse().unwrap();
        assert_eq!(rekey_phones(&store, gb, 4).await.unwrap(), Some(2));
        assert_eq!(
            customer_name(&store, "+445555550100").await.as_deref(),
            Some("Ana Lima"),
            "{backend:?}"
        );
        other.close().await;
        store.close().await;
    }
}
