//! `TicketStore` conformance, on SQLite and (with TEST_DATABASE_URL) PostgreSQL.

use super::*;
use cxbot::db::{CustomerInput, IntakeContext, IntakePlan, IntakeRequest, NewJob, TicketWrite};

fn row(external_id: &str, kind: &str) -> Ticket {
    Ticket {
        id: 0,
        helpdesk: "zoho".into(),
        external_id: external_id.into(),
        kind: kind.into(),
        status: "open".into(),
        priority: "medium".into(),
        subject: Some("Hello".into()),
        url: None,
        customer_id: None,
        customer_name: None,
        customer_email: Some("ana@example.com".into()),
        customer_phone: None,
        customer_order_id: None,
        department: None,
        group_name: None,
        tags: "[]".into(),
        message: None,
        social: None,
        review: None,
        channel: "#cx-queue".into(),
        claimed_by: None,
        answered: false,
        customer_replied_at: None,
        missed_calls: 0,
        opened_at: 1_000,
        created_at: 1_000,
        updated_at: 1_000,
        claim: Default::default(),
        sla: Default::default(),
        quiet: false,
    }
}

fn job(id: i64) -> Vec<NewJob> {
    vec![NewJob {
        name: "test_job",
        payload: id.to_string(),
        run_at: 0,
        dedupe_key: None,
        recurring: false,
        pace_key: None,
        coalesce_key: None,
    }]
}

/// Inserts when the ticket is new, else bumps its status to `pending`.
fn planner(external_id: &'static str) -> impl Fn(&IntakeContext) -> IntakePlan + Send + Sync {
    move |ctx| {
        let write = match &ctx.existing {
            None => {
                let mut t = row(external_id, "ticket");
                t.customer_id = ctx.customer_id;
                TicketWrite::Insert(Box::new(t))
            }
            Some(t) => {
                let mut t = t.clone();
                t.status = "pending".into();
                TicketWrite::Update(Box::new(t))
            }
        };
        IntakePlan {
            write_sla: true,
            write,
            mark_answered: ctx.customer_tickets.iter().map(|t| t.id).collect(),
            jobs: Box::new(job),
        }
    }
}

fn req<'a>(key: &'a str, external_id: &'a str, customer: &'a CustomerInput) -> IntakeRequest<'a> {
    IntakeRequest {
        key,
        source: "zoho",
        now: 2_000,
        helpdesk: "zoho",
        external_id,
        customer,
    }
}

#[tokio::test]
async fn record_intake_is_idempotent_and_matches_customers() {
    for backend in backends() {
        let (store, _db) = open(backend).await;
        let ana = CustomerInput {
            email: Some("ana@example.com".into()),
            phone: Some("+1 555 0100".into()),
            phone_key: Some("15550100".into()),
            ..CustomerInput::default()
        };
        let first = store
            .record_intake(&req("k1", "1", &ana), &planner("1"))
            .await
            .unwrap();
        assert!(first.fresh && first.new_ticket, "{backend:?}");
        let id = first.ticket_id.unwrap();

        let dup = store
            .record_intake(&req("k1", "1", &ana), &planner("1"))
            .await
            .unwrap();
        assert!(!dup.fresh && dup.ticket_id.is_none(), "{backend:?}");
        // The job names the ticket written (its id is reserved before the write).
        assert_eq!(
            pending_payloads(&store).await,
            [id.to_string()],
            "{backend:?}"
        );

        let again = store
            .record_intake(&req("k2", "1", &ana), &planner("1"))
            .await
            .unwrap();
        assert_eq!(
            (again.ticket_id, again.new_ticket),
            (Some(id), false),
            "{backend:?}"
        );
        assert_eq!(
            pending_payloads(&store).await,
            [id.to_string(), id.to_string()],
            "{backend:?}: an update queues its jobs too"
        );
        let t = store.ticket(id).await.unwrap().unwrap();
        assert_eq!(t.status, "pending");
        assert!(t.customer_id.is_some());

        // Matched by phone alone; the name is learnt; the first ticket is in its context.
        let by_phone = CustomerInput {
            name: Some("Ana".into()),
            phone_key: Some("15550100".into()),
            ..CustomerInput::default()
        };
        let other = store
            .record_intake(&req("k3", "2", &by_phone), &planner("2"))
            .await
            .unwrap();
        let answered = store.ticket(id).await.unwrap().unwrap();
        assert!(answered.answered, "{backend:?}: mark_answered applied");
        let customer = store
            .customer(t.customer_id.unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(customer.name.as_deref(), Some("Ana"));
        let open = store
            .open_tickets_for_contact(Some("ana@example.com"), None)
            .await
            .unwrap();
        assert_eq!(open.len(), 2, "{backend:?}");
        let open = store
            .open_tickets_for_contact(None, Some("15550100"))
            .await
            .unwrap();
        assert_eq!(open.len(), 2, "{backend:?}");
        let recent = store
            .recent_tickets(t.customer_id.unwrap(), id, 5)
            .await
            .unwrap();
        assert_eq!(
            recent.iter().map(|r| r.id).collect::<Vec<_>>(),
            [other.ticket_id.unwrap()]
        );
        assert_eq!(
            store
                .ticket_by_ref("zoho", "2")
                .await
                .unwrap()
                .map(|t| t.id),
            other.ticket_id
        );
        assert_eq!(
            other.ticket_id,
            Some(id + 1),
            "{backend:?}: a repeated event and an update take no ticket id"
        );

        // An event that names no email and no phone records no customer.
        let nobody = CustomerInput::default();
        let anon = store
            .record_intake(&req("k4", "3", &nobody), &planner("3"))
            .await
            .unwrap();
        let anon = store
            .ticket(anon.ticket_id.unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!((anon.id, anon.customer_id), (id + 2, None), "{backend:?}");
        assert_eq!(store.ticket_count().await.unwrap(), 3);
        assert_eq!(
            pending_payloads(&store).await.last(),
            Some(&anon.id.to_string()),
            "{backend:?}"
        );

        // An event about a ticket not stored whose plan updates another one (a repeat
        // call): PostgreSQL reserved an id for it with the lookup and leaves a gap, SQLite
        // reserves only for an insert. Its repeated delivery takes no id anywhere.
        let onto_anon = |_: &IntakeContext| IntakePlan {
            write_sla: true,
            write: TicketWrite::Update(Box::new(anon.clone())),
            mark_answered: Vec::new(),
            jobs: Box::new(|_| Vec::new()),
        };
        for _ in 0..2 {
            store
                .record_intake(&req("k5", "4", &nobody), &onto_anon)
                .await
                .unwrap();
        }
        let next = store
            .record_intake(&req("k6", "5", &nobody), &planner("5"))
            .await
            .unwrap();
        let gap = match backend {
            Backend::Postgres => 1,
            Backend::Sqlite => 0,
        };
        assert_eq!(next.ticket_id, Some(anon.id + 1 + gap), "{backend:?}");
    }
}

/// Inserts exactly `t`, queues nothing.
fn insert(t: Ticket) -> impl Fn(&IntakeContext) -> IntakePlan + Send + Sync {
    move |_| IntakePlan {
        write_sla: true,
        write: TicketWrite::Insert(Box::new(t.clone())),
        mark_answered: Vec::new(),
        jobs: Box::new(|_| Vec::new()),
    }
}

/// The App Home and `/cx queue` read the queue in order from an index and count it only up
/// to a cap, so their cost does not grow with the backlog.
#[tokio::test]
async fn the_queue_reads_in_order_and_counts_up_to_the_cap() {
    use cxbot::domain::claim::UNCLAIMED_COUNT_CAP;
    for backend in backends() {
        let (store, _db) = open(backend).await;
        let nobody = CustomerInput::default();
        let add = |n: i64, kind: &str, priority: &str| {
            let mut t = row(&n.to_string(), kind);
            t.priority = priority.into();
            t.opened_at = 10_000 - n;
            let store = store.clone();
            let nobody = nobody.clone();
            async move {
                let key = format!("q{n}");
                let ext = n.to_string();
                store
                    .record_intake(&req(&key, &ext, &nobody), &insert(t))
                    .await
                    .unwrap();
            }
        };
        for n in 0..UNCLAIMED_COUNT_CAP {
            add(n, "ticket", "medium").await;
        }
        add(5_000, "ticket", "urgent").await;
        add(5_001, "missed_call", "low").await;
        add(5_002, "marketing", "urgent").await; // never in the queue
        let first: Vec<String> = store
            .unclaimed(3)
            .await
            .unwrap()
            .into_iter()
            .map(|t| t.external_id)
            .collect();
        // Missed calls first, then priority, then the oldest (opened first).
        let oldest_medium = (UNCLAIMED_COUNT_CAP - 1).to_string();
        assert_eq!(
            first,
            vec!["5001".to_string(), "5000".into(), oldest_medium],
            "{backend:?}"
        );
        assert_eq!(
            store.unclaimed_count().await.unwrap(),
            UNCLAIMED_COUNT_CAP + 1,
            "{backend:?}: counted to one past the cap (1,002 in the queue), no further"
        );
    }
}

/// Counts the events of one ticket: inserts it with one missed call, else adds one.
fn count_calls(ctx: &IntakeContext) -> IntakePlan {
    let write = match &ctx.existing {
        None => {
            let mut t = row("call", "missed_call");
            t.missed_calls = 1;
            TicketWrite::Insert(Box::new(t))
        }
        Some(t) => {
            let mut t = t.clone();
            t.missed_calls += 1;
            TicketWrite::Update(Box::new(t))
        }
    };
    IntakePlan {
        write_sla: true,
        write,
        mark_answered: Vec::new(),
        jobs: Box::new(job),
    }
}

/// Helpdesks send several webhooks for one ticket at once (created, updated, a note): each
/// event is planned on the ticket as the one before left it, none is refused and none is
/// lost, on every backend (PostgreSQL runs them on separate connections at once).
#[tokio::test]
async fn concurrent_events_of_one_ticket_each_see_the_one_before() {
    const EVENTS: i64 = 12;
    for backend in backends() {
        let (store, _db) = open(backend).await;
        let nobody = CustomerInput::default();
        let runs = (0..EVENTS).map(|n| {
            let store = store.clone();
            let nobody = nobody.clone();
            tokio::spawn(async move {
                let key = format!("call-{n}");
                store
                    .record_intake(&req(&key, "call", &nobody), &count_calls)
                    .await
            })
        });
        let mut new_tickets = 0;
        for run in futures_util::future::join_all(runs).await {
            let recorded = run.unwrap().unwrap_or_else(|e| panic!("{backend:?}: {e}"));
            new_tickets += recorded.new_ticket as i64;
        }
        let t = store.ticket_by_ref("zoho", "call").await.unwrap().unwrap();
        assert_eq!(
            (new_tickets, t.missed_calls),
            (1, EVENTS),
            "{backend:?}: one card, every call counted"
        );
        assert_eq!(
            pending_payloads(&store).await.len(),
            EVENTS as usize,
            "{backend:?}"
        );
    }
}

/// Events of one customer's two tickets at once, each also marking the other ticket (as a
/// repeat call or a blank chat does): the transactions take their locks in one order, so
/// none deadlocks and has to be run again (each plan runs once), and every event counts.
#[tokio::test]
async fn concurrent_events_of_one_customer_take_locks_in_one_order() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    const ROUNDS: usize = 6;
    for backend in backends() {
        let (store, _db) = open(backend).await;
        let ana = CustomerInput {
            email: Some("ana@example.com".into()),
            ..CustomerInput::default()
        };
        let mut ids = Vec::new();
        for ext in ["a", "b"] {
            let first = store
                .record_intake(
                    &req(&format!("new-{ext}"), ext, &ana),
                    &insert(row(ext, "ticket")),
                )
                .await
                .unwrap();
            ids.push(first.ticket_id.unwrap());
        }
        let plans = Arc::new(AtomicUsize::new(0));
        let mut runs = Vec::new();
        for n in 0..ROUNDS {
            for (ext, other) in [("a", ids[1]), ("b", ids[0])] {
                let (store, ana, plans) = (store.clone(), ana.clone(), plans.clone());
                runs.push(tokio::spawn(async move {
                    let key = format!("{ext}-{n}");
                    let plan = move |ctx: &IntakeContext| {
                        plans.fetch_add(1, Ordering::SeqCst);
                        let mut t = ctx.existing.clone().expect("the ticket exists");
                        t.missed_calls += 1;
                        IntakePlan {
                            write_sla: true,
                            write: TicketWrite::Update(Box::new(t)),
                            mark_answered: vec![other],
                            jobs: Box::new(|_| Vec::new()),
                        }
                    };
                    store.record_intake(&req(&key, ext, &ana), &plan).await
                }));
            }
        }
        for run in futures_util::future::join_all(runs).await {
            run.unwrap().unwrap_or_else(|e| panic!("{backend:?}: {e}"));
        }
        assert_eq!(
            plans.load(Ordering::SeqCst),
            2 * ROUNDS,
            "{backend:?}: each event planned once (none rolled back and run again)"
        );
        for id in &ids {
            let t = store.ticket(*id).await.unwrap().unwrap();
            assert_eq!(
                (t.missed_calls, t.answered),
                (ROUNDS as i64, true),
                "{backend:?}"
            );
        }
    }
}

/// PostgreSQL: an intake whose caller stopped waiting mid-transaction (its request timed
/// out while another session held the ticket's row) leaves nothing behind. Its connection's
/// transaction is rolled back before the connection serves anyone else: the event counts
/// as new when it comes again, and nothing waits on a lock the dropped one held.
#[tokio::test]
async fn an_intake_dropped_mid_transaction_leaves_no_row_and_no_lock() {
    use std::time::Duration;
    if !backends().contains(&Backend::Postgres) {
        return;
    }
    let (store, db) = open(Backend::Postgres).await;
    let ana = CustomerInput {
        email: Some("ana@example.com".into()),
        ..CustomerInput::default()
    };
    let first = store
        .record_intake(&req("k1", "1", &ana), &planner("1"))
        .await
        .unwrap();
    let id = first.ticket_id.unwrap();

    let other = sqlx::PgPool::connect(&db.url).await.unwrap();
    let mut holder = other.begin().await.unwrap();
    sqlx::query("SELECT id FROM tickets WHERE id = $1 FOR UPDATE")
        .bind(id)
        .execute(&mut *holder)
        .await
        .unwrap();
    let gave_up = tokio::time::timeout(
        Duration::from_millis(300),
        store.record_intake(&req("k2", "1", &ana), &planner("1")),
    )
    .await;
    assert!(gave_up.is_err(), "the intake waits on the held row");
    holder.rollback().await.unwrap();

    let again = tokio::time::timeout(
        Duration::from_secs(10),
        store.record_intake(&req("k2", "1", &ana), &planner("1")),
    )
    .await
    .expect("no lock of the dropped intake is left waiting")
    .unwrap();
    assert!(
        again.fresh,
        "the dropped intake's inbox row was rolled back, so the event is new"
    );
    assert_eq!(again.ticket_id, Some(id));
    assert_eq!(
        pending_payloads(&store).await,
        [id.to_string(), id.to_string()],
        "the first event's job and this one's: none of the dropped one's"
    );
    other.close().await;
}
