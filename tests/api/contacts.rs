//! The customer directory and missed-call callbacks (seed 000): `cxbot contacts import`,
//! a missed call from an imported number naming its caller, and Called back recorded once.

use crate::helpers::*;
use crate::intake::{
    deliver, drain, freshdesk_missed_call, posts_in, thread_replies, ticket, QUEUE,
};
use serde_json::json;
use std::process::Command;

fn import(db_url: &str, csv: &str) -> std::process::Output {
    import_with(db_url, csv, &[])
}

fn import_with(db_url: &str, csv: &str, flags: &[&str]) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("contacts.csv");
    std::fs::write(&file, csv).unwrap();
    Command::new(env!("CARGO_BIN_EXE_cxbot"))
        .args(["contacts", "import", file.to_str().unwrap()])
        .args(flags)
        .current_dir(dir.path())
        .env_clear()
        .env("DATABASE_URL", db_url)
        .output()
        .expect("cxbot runs")
}

#[tokio::test]
async fn a_dry_run_says_what_would_change_and_a_semicolon_file_imports() {
    let db = fresh_db(Backend::Sqlite).await;
    let out = import(
        &db.url,
        "name,email,phone\nAna Lima,ana@example.com,+1 555 010 0100\n",
    );
    let said = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(said.contains("imported 1 contact from "), "{said}");
    let path = db.url.trim_start_matches("sqlite://");
    assert!(
        said.contains(&format!("into SQLite {path}")),
        "the database named in full: {said}"
    );

    // Excel in a European locale: semicolons. One known customer, one new.
    let eu =
        "Name;Email;Phone\nAna Lima;ana@example.com;+1 555 010 0100\nBen Ruiz;ben@example.com;\n";
    let out = import_with(&db.url, eu, &["--dry-run"]);
    let said = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.contains("dry run: 2 contacts from "), "{said}");
    assert!(
        said.contains("(1 new, 1 updating a customer on file); nothing written"),
        "{said}"
    );
    let (store, _) = (
        cxbot::db::open(&db.url, cxbot::db::OpenMode::Tool)
            .await
            .unwrap(),
        (),
    );
    assert!(
        store
            .customer_by_contact(Some("ben@example.com"), None)
            .await
            .unwrap()
            .is_none(),
        "nothing written"
    );
    let out = import(&db.url, eu);
    assert!(String::from_utf8_lossy(&out.stdout).contains("imported 2 contacts"));
    assert!(store
        .customer_by_contact(Some("ben@example.com"), None)
        .await
        .unwrap()
        .is_some());
    store.close().await;
}

#[tokio::test]
async fn imported_contacts_name_the_caller_on_a_missed_call_card() {
    let db = fresh_db(Backend::Sqlite).await;
    let out = import(&db.url, "name,email,phone,booking_id\nAna Lima,ana@example.com,+1 (555) 010-0100,B-7\nBen,,555 0101,\n");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("imported 2 contacts"));

    let app = spawn_app_with(TestOptions {
        db_url: Some(db.url.clone()),
        ..Default::default()
    })
    .await;
    let id = deliver(
        &app,
        "freshdesk",
        &freshdesk_missed_call(11, "+1 555 010 0100"),
    )
    .await;
    drain(&app).await;
    let card = posts_in(&app, QUEUE).await.remove(0).to_string();
    assert!(card.contains("Ana Lima"), "the caller is named: {card}");
    assert!(!card.contains("Unknown number"), "{card}");
    let t = ticket(&app, id).await;
    let c = app
        .state
        .services
        .store
        .customer(t.customer_id.unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (c.name.as_deref(), c.order_id.as_deref()),
        (Some("Ana Lima"), Some("B-7"))
    );
}

#[tokio::test]
async fn a_bad_contacts_file_imports_nothing_and_names_each_line() {
    let db = fresh_db(Backend::Sqlite).await;
    let out = import(
        &db.url,
        "name,email,phone\nGood,good@example.com,\nBad,not-an-email,\nNone,,\n",
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("nothing imported: 2 problem(s)"), "{err}");
    assert!(
        err.contains("line 3: email \"not-an-email\"")
            && err.contains("line 4: needs an email or a phone"),
        "{err}"
    );
    let store = cxbot::db::open(&db.url, cxbot::db::OpenMode::Tool)
        .await
        .unwrap();
    assert!(
        store
            .customer_by_contact(Some("good@example.com"), None)
            .await
            .unwrap()
            .is_none(),
        "all or nothing"
    );
}

#[tokio::test]
async fn called_back_records_the_notes_once() {
    let app = spawn_app().await;
    let id = deliver(&app, "freshdesk", &freshdesk_missed_call(11, "+1 555 0100")).await;
    drain(&app).await;
    let card = posts_in(&app, QUEUE).await.remove(0).to_string();
    assert!(
        card.contains(r#""action_id":"cx_called_back""#) && card.contains("Called back"),
        "{card}"
    );

    let res = app
        .click(
            "U0AGENT01",
            "cx_called_back",
            &id.to_string(),
            Some("1700000000.000001"),
        )
        .await;
    assert_eq!(res.status(), 200);
    let opened = app.slack.calls_to("views.open").await;
    assert_eq!(opened[0]["view"]["callback_id"], "cx_called_back_modal");

    let submit = |notes: &str| {
        json!({"type": "view_submission", "user": {"id": "U0AGENT01"},
               "view": {"id": "V1", "callback_id": "cx_called_back_modal", "private_metadata": id.to_string(),
                        "state": {"values": {"notes": {"notes_input": {"type": "plain_text_input", "value": notes}}}}}})
    };
    let res = app.interact(&submit("   ")).await;
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(
        body["response_action"], "errors",
        "empty notes are refused in the form"
    );

    let res = app
        .interact(&submit("Bus was late; rebooked for Friday"))
        .await;
    assert_eq!(res.status(), 200);
    drain(&app).await;
    assert!(thread_replies(&app)
        .await
        .iter()
        .any(|r| r.to_string().contains("Bus was late; rebooked for Friday")));
    let update = app
        .slack
        .calls_to("chat.update")
        .await
        .pop()
        .unwrap()
        .to_string();
    assert!(update.contains("Called back by <@U0AGENT01>"), "{update}");
    assert!(
        !update.contains("cx_called_back"),
        "the button is gone: {update}"
    );
    let t = ticket(&app, id).await;
    assert_eq!(t.claim.called_back_by.as_deref(), Some("U0AGENT01"));
    let audit = app.state.services.store.audit_for(id).await.unwrap();
    assert_eq!(
        audit.last().unwrap().detail.as_deref(),
        Some("Bus was late; rebooked for Friday")
    );

    // A second agent with an old copy of the card is stopped.
    app.click(
        "U0AGENT02",
        "cx_called_back",
        &id.to_string(),
        Some("1700000000.000001"),
    )
    .await;
    drain(&app).await;
    let eph = app.slack.calls_to("chat.postEphemeral").await;
    assert_eq!(eph.len(), 1);
    assert!(
        eph[0]
            .to_string()
            .contains("already called this customer back"),
        "{}",
        eph[0]
    );
    assert_eq!(
        app.slack.calls_to("views.open").await.len(),
        1,
        "no second notes form"
    );
}

#[tokio::test]
async fn an_unknown_caller_can_be_recorded_from_the_card() {
    let app = spawn_app().await;
    let id = deliver(&app, "freshdesk", &freshdesk_missed_call(12, "+1 555 0177")).await;
    drain(&app).await;
    let card = posts_in(&app, QUEUE).await.remove(0).to_string();
    assert!(
        card.contains("Unknown number") && card.contains(r#""action_id":"cx_record_caller""#),
        "{card}"
    );

    app.click(
        "U0AGENT01",
        "cx_record_caller",
        &id.to_string(),
        Some("1700000000.000001"),
    )
    .await;
    let opened = app.slack.calls_to("views.open").await;
    assert_eq!(opened[0]["view"]["callback_id"], "cx_record_caller_modal");
    let submit = |email: &str| {
        json!({"type": "view_submission", "user": {"id": "U0AGENT01"},
               "view": {"id": "V1", "callback_id": "cx_record_caller_modal", "private_metadata": id.to_string(),
                        "state": {"values": {
                            "caller_name": {"caller_name": {"type": "plain_text_input", "value": "Rita Moreno"}},
                            "caller_email": {"caller_email": {"type": "plain_text_input", "value": email}},
                            "caller_order": {"caller_order": {"type": "plain_text_input", "value": null}}}}}})
    };
    let bad: serde_json::Value = app
        .interact(&submit("rita-at-example"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        bad["errors"]["caller_email"], "\"rita-at-example\" is not an email address.",
        "{bad}"
    );
    let res = app.interact(&submit("Rita@Example.com")).await;
    assert_eq!(res.status(), 200);
    drain(&app).await;

    let update = app
        .slack
        .calls_to("chat.update")
        .await
        .pop()
        .unwrap()
        .to_string();
    assert!(
        update.contains("Rita Moreno") && !update.contains("Unknown number"),
        "{update}"
    );
    assert!(
        !update.contains("cx_record_caller"),
        "the button is gone once known: {update}"
    );
    let c = app
        .state
        .services
        .store
        .customer_by_contact(None, Some("+15550177"))
        .await
        .unwrap()
        .expect("saved");
    assert_eq!(
        (c.name.as_deref(), c.email.as_deref()),
        (Some("Rita Moreno"), Some("rita@example.com"))
    );
    assert!(thread_replies(&app)
        .await
        .iter()
        .any(|r| r.to_string().contains("recorded the caller: Rita Moreno")));
}
