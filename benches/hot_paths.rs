//! criterion benchmarks of the per-request hot paths, all pure CPU:
//! Slack signature verification of a 1 KiB body; slash-command form decode + parse +
//! dispatch (`/cx help` rendered to its JSON reply); webhook parse + classification +
//! routing (generic and Freshdesk); ticket card rendering to Block Kit JSON; the cadence's
//! next step (`CadenceRun::due` + `next_wakeup` on the default general cadence).
//!
//! ```text
//! cargo bench --bench hot_paths            # all
//! cargo bench --bench hot_paths -- card    # those whose name contains "card"
//! ```

use chrono::{NaiveDate, TimeZone, Utc};
use criterion::{criterion_group, criterion_main, Criterion};
use cxbot::domain::cadence::{default_cadences, CadenceRun};
use cxbot::domain::routing::{classify, route, ClassificationConfig, RoutingConfig};
use cxbot::domain::ticket::Ticket;
use cxbot::slack::commands::{self, Command};
use cxbot::slack::routes::SlashCommandPayload;
use cxbot::slack::verify::{sign, verify};
use cxbot::slack::views::{self, card};
use cxbot::webhooks::{self, Provider};
use serde_json::json;
use std::hint::black_box;

const SECRET: &[u8] = b"8f742231b10e8888abcd99yyyzzz85a5";

/// A slash-command form body of exactly `len` bytes (the `text` field is padded).
fn command_body(text: &str, len: usize) -> String {
    let form = |text: &str| {
        serde_urlencoded::to_string([
            ("token", "gIkuvaNzQIHg97ATvDxqgjtO"),
            ("team_id", "T0001"),
            ("team_domain", "example"),
            ("channel_id", "C2147483705"),
            ("channel_name", "cx-queue"),
            ("user_id", "U2147483697"),
            ("user_name", "dana"),
            ("command", "/cx"),
            ("text", text),
            ("api_app_id", "A0KRD7HC3"),
            (
                "response_url",
                "https://hooks.slack.com/commands/1234/5678/abcdefghijklmnop",
            ),
            ("trigger_id", "13345224609.738474920.8088930838d88f008e0"),
        ])
        .expect("form")
    };
    let base = form(text);
    if base.len() >= len {
        return base;
    }
    // A space encodes as one `+`, each `x` as itself.
    form(&format!("{text} {}", "x".repeat(len - base.len() - 1)))
}

fn slack_verify(c: &mut Criterion) {
    let body = command_body("help", 1024);
    assert_eq!(body.len(), 1024, "a 1 KiB body");
    let now = Utc::now().timestamp();
    let ts = now.to_string();
    let sig = sign(SECRET, &ts, body.as_bytes());
    c.bench_function("slack_verify_1KiB", |b| {
        b.iter(|| {
            verify(
                SECRET,
                Some(black_box(&sig)),
                Some(&ts),
                black_box(body.as_bytes()),
                now,
            )
            .expect("valid")
        })
    });
}

fn slash_command(c: &mut Criterion) {
    let body = command_body("help", 0);
    c.bench_function("command_parse_dispatch_help", |b| {
        b.iter(|| {
            let p: SlashCommandPayload =
                serde_urlencoded::from_bytes(black_box(body.as_bytes())).expect("form");
            let reply = match commands::parse(&p.text) {
                Ok(cmd) => {
                    debug_assert!(matches!(cmd, Command::Help));
                    views::help(commands::USAGE)
                }
                Err(usage) => views::usage_error(&usage),
            };
            serde_json::to_vec(&reply.ephemeral_body()).expect("json")
        })
    });
}

fn webhook_route(c: &mut Criterion) {
    let generic = json!({
        "id": "evt-123", "type": "ticket", "occurred_at": "2026-11-22T10:00:00Z", "helpdesk": "zoho",
        "ticket": {"id": "4521", "url": "https://desk.example.com/tickets/4521",
                   "subject": "Where is my refund?", "priority": "high", "status": "open",
                   "source": "email", "group": "Billing", "department": "Paid Support",
                   "tags": ["billing", "refund"], "created_at": "2026-11-22T09:59:00Z"},
        "customer": {"name": "Ana", "email": "ana@example.com", "phone": "+1 555 0100", "order_id": "A-77"},
        "message": "I asked for a refund two weeks ago and have heard nothing since. Order A-77."
    })
    .to_string()
    .into_bytes();
    let freshdesk: &[u8] =
        include_bytes!("../tests/fixtures/helpdesk/freshdesk/zulip_ticket_created.json");
    let now = Utc::now();
    let cls = ClassificationConfig::default();
    let rt = RoutingConfig::default();
    for (name, provider, body) in [
        (
            "webhook_generic_parse_classify_route",
            Provider::Generic,
            &generic[..],
        ),
        (
            "webhook_freshdesk_parse_classify_route",
            Provider::Freshdesk,
            freshdesk,
        ),
    ] {
        c.bench_function(name, |b| {
            b.iter(|| {
                let e = webhooks::parse(provider, black_box(body), now).expect("parses");
                let k = classify(&e, &cls);
                black_box(route(&k, &e, &rt))
            })
        });
    }
}

/// A representative stored ticket, read back through the store (the db layer decodes
/// its row into the domain `Ticket`), so the bench keeps compiling when the row gains
/// columns.
fn ticket_row() -> Ticket {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("bench.db").display());
        let store = cxbot::db::open(&url, cxbot::db::OpenMode::Tool)
            .await
            .expect("store");
        let pool = sqlx::sqlite::SqlitePoolOptions::new()
            .max_connections(1)
            .connect(&url)
            .await
            .expect("sqlite");
        let now = Utc::now().timestamp_millis();
        sqlx::query(
            "INSERT INTO tickets (helpdesk, external_id, kind, status, priority, subject, url, \
             customer_name, customer_email, customer_phone, customer_order_id, department, tags, \
             message, channel, missed_calls, opened_at, created_at, updated_at) VALUES \
             ('zendesk', '4521', 'email', 'open', 'high', 'Where is my refund?', \
              'https://acme.zendesk.com/agent/tickets/4521', 'Ana Lima', 'ana@example.com', \
              '+1 555 0100', 'A-77', 'Paid Support', '[\"billing\",\"refund\"]', $1, '#cx-queue', \
              0, $2, $2, $2)",
        )
        .bind(
            "I asked for a refund two weeks ago and have heard nothing since.\n\
               The order number is A-77 and it was paid by card. <Please> help & reply soon."
                .repeat(3),
        )
        .bind(now - 3 * 3_600_000)
        .execute(&pool)
        .await
        .expect("insert");
        pool.close().await;
        let id = store.ticket_count().await.expect("count");
        let ticket = store.ticket(id).await.expect("read").expect("row");
        store.close().await;
        ticket
    })
}

fn card_render(c: &mut Criterion) {
    let row = ticket_row();
    let now_ms = Utc::now().timestamp_millis();
    let view = card::CardView {
        ticket: &row,
        now_ms,
        caller: None,
        follow_up: None,
    };
    c.bench_function("card_render_to_json", |b| {
        b.iter(|| {
            let r = card::ticket_card(black_box(&view));
            serde_json::to_vec(&json!({"text": r.text, "blocks": r.blocks})).expect("json")
        })
    });
}

fn cadence_next(c: &mut Criterion) {
    let general = default_cadences()
        .into_iter()
        .find(|c| c.name.as_str() == "general")
        .expect("the default general cadence");
    let tz = chrono_tz::America::New_York;
    let start = NaiveDate::from_ymd_opt(2026, 11, 23).expect("date");
    let run = CadenceRun::start(&general, None, start);
    // Day 4 at noon in New York: step 2 (day 3) is due, step 3 (day 5) is not yet.
    let now = Utc.with_ymd_and_hms(2026, 11, 26, 17, 0, 0).unwrap();
    assert!(run.due(&general, tz, now).is_some());
    c.bench_function("cadence_due_and_next_wakeup", |b| {
        b.iter(|| {
            let due = run.due(&general, tz, black_box(now)).map(|d| d.index);
            (due, run.next_wakeup(&general, tz))
        })
    });
}

criterion_group!(
    benches,
    slack_verify,
    slash_command,
    webhook_route,
    card_render,
    cadence_next
);
criterion_main!(benches);
