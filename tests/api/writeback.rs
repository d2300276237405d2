//! Two-way helpdesks end to end (issue 18): a wiremock Freshdesk and Zendesk record every
//! request cxbot makes; each test asserts the exact requests (method, path, JSON body) for a
//! change made in Slack, or what a webhook from the helpdesk did to the claim and the card.

use crate::helpers::*;
use crate::intake::{deliver, drain, freshdesk, hook, posts_in, thread_replies, ticket, QUEUE};
use chrono::Duration;
use cxbot::config::playbook::EXAMPLE_PLAYBOOK;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use wiremock::matchers::{body_string_contains, method, path, path_regex};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// In the playbook with their Freshdesk and Zendesk ids.
pub(crate) const ANA: &str = "U0ANA0001";
const ANA_FD: i64 = 43000001;
const ANA_ZD: i64 = 360;
/// In the playbook by name only: found by the email on her Slack profile.
pub(crate) const BEA: &str = "U0BEA0001";
const BEA_FD: i64 = 43000002;
const BEA_ZD: i64 = 361;

pub(crate) fn playbook() -> String {
    format!(
        "{EXAMPLE_PLAYBOOK}\n[[team.member]]\nslack_id = \"{ANA}\"\nname = \"Ana\"\nlevel = \"L1\"\n\
         freshdesk_agent_id = {ANA_FD}\nzendesk_user_id = \"{ANA_ZD}\"\n\
         [[team.member]]\nslack_id = \"{BEA}\"\nname = \"Bea\"\nlevel = \"L1\"\n"
    )
}

/// A fake helpdesk: answers the lookups, accepts every write, and keeps the notes added so
/// a ticket's conversation shows them (as the real one does).
pub(crate) struct FakeHelpdesk {
    server: MockServer,
    notes: Arc<Mutex<Vec<String>>>,
}

impl FakeHelpdesk {
    pub(crate) async fn freshdesk() -> Self {
        let server = MockServer::start().await;
        let notes: Arc<Mutex<Vec<String>>> = Arc::new(Mutex::new(Vec::new()));
        let agents = json!([
            {"id": ANA_FD, "contact": {"name": "Ana", "email": "ana@acme.test"}},
            {"id": BEA_FD, "contact": {"name": "Bea", "email": "u0bea0001@acme.test"}}
        ]);
        Mock::given(method("GET"))
            .and(path("/api/v2/agents"))
            .respond_with(move |req: &Request| {
                let email = req
                    .url
                    .query_pairs()
                    .find(|(k, _)| k == "email")
                    .map(|(_, v)| v.to_string());
                let all = agents.as_array().unwrap().clone();
                let found: Vec<Value> = all
                    .into_iter()
                    .filter(|a| email.as_deref().is_none_or(|e| a["contact"]["email"] == e))
                    .collect();
                ResponseTemplate::new(200).set_body_json(found)
            })
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/api/v2/groups"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([
                {"id": 9001, "name": "Unresponsive Customers"}, {"id": 9002, "name": "Refunds"}])))
            .mount(&server)
            .await;
        let seen = notes.clone();
        Mock::given(method("GET"))
            .and(path_regex(r"^/api/v2/tickets/\d+/conversations$"))
            .respond_with(move |_: &Request| {
                let list: Vec<Value> = seen
                    .lock()
                    .unwrap()
                    .iter()
                    .map(|b| json!({"body": b, "body_text": b.replace("<br>", "\n"), "private": true}))
                    .collect();
                ResponseTemplate::new(200).set_body_json(list)
            })
            .mount(&server)
            .await;
        let kept = notes.clone();
        Mock::given(method("POST"))
            .and(path_regex(r"^/api/v2/tickets/\d+/notes$"))
            .respond_with(move |req: &Request| {
                let body: Value = serde_json::from_slice(&req.body).unwrap();
                kept.lock()
                    .unwrap()
                    .push(body["body"].as_str().unwrap().to_string());
                ResponseTemplate::new(201).set_body_json(json!({"id": 1}))
            })
            .mount(&server)
            .await;
        Mock::given(method("PUT"))
            .and(path_regex(r"^/api/v2/(tickets|contacts)/\d+$"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": 1})))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path_regex(r"^/api/v2/tickets/\d+$"))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(json!({"id": 1, "requester_id": 77})),
            )
            .mount(&server)
            .await;
        Self { server, notes }
    }

    async fn zendesk() -> Self {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/api/v2/users/search.json"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"users": [
                {"id": BEA_ZD, "name": "Bea", "email": "u0bea0001@acme.test", "role": "agent"}]})))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path_regex(r"^/api/v2/tickets/\d+/comments\.json$"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"comments": []})))
            .mount(&server)
            .await;
        Mock::given(method("PUT"))
            .and(path_regex(r"^/api/v2/tickets/\d+\.json$"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ticket": {}})))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/api/v2/users/555.json"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"user": {
                "id": 555, "name": "Rita Moreno", "email": "rita@example.com", "phone": "+1 555 0199", "role": "end-user"}})))
            .mount(&server)
            .await;
        Self {
            server,
            notes: Arc::new(Mutex::new(Vec::new())),
        }
    }

    /// Every request but the lookups: (method, path, JSON body).
    pub(crate) async fn writes(&self) -> Vec<(String, String, Value)> {
        self.requests()
            .await
            .into_iter()
            .filter(|(m, _, _)| m != "GET")
            .collect()
    }

    async fn requests(&self) -> Vec<(String, String, Value)> {
        self.server
            .received_requests()
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|r| {
                let body = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
                let target = match r.url.query() {
                    Some(q) => format!("{}?{q}", r.url.path()),
                    None => r.url.path().to_string(),
                };
                (r.method.to_string(), target, body)
            })
            .collect()
    }
}

pub(crate) async fn app_with(
    backend: Backend,
    fd: Option<&FakeHelpdesk>,
    zd: Option<&FakeHelpdesk>,
    pb: String,
) -> TestApp {
    spawn_app_with(TestOptions {
        backend,
        playbook: Some(pb),
        freshdesk_url: fd.map(|f| f.server.uri()),
        zendesk_url: zd.map(|z| z.server.uri()),
        ..Default::default()
    })
    .await
}

fn put(path: &str, body: Value) -> (String, String, Value) {
    ("PUT".into(), path.into(), body)
}

/// A new Freshdesk ticket `n`.
pub(crate) async fn fd_ticket(app: &TestApp, n: u64) -> i64 {
    let body = freshdesk(
        n,
        "{ticket_action:created}",
        json!({"ticket_subject": "Where is my order?", "ticket_source": "Email", "ticket_status": "Open",
               "ticket_contact_email": "pat@example.com", "ticket_requester_name": "Pat"}),
    );
    let id = deliver(app, "freshdesk", &body).await;
    drain(app).await;
    id
}

fn zd_event(kind: &str, id: &str, ticket: u64, event: Value) -> Value {
    json!({
        "type": format!("zen:event-type:ticket.{kind}"), "id": id, "time": "2026-11-23T14:00:00Z",
        "account_id": 1, "subject": format!("zen:ticket:{ticket}"),
        "detail": {"id": ticket.to_string(), "subject": "Card declined", "status": "OPEN", "priority": "NORMAL",
                   "requester_id": "555", "via": {"channel": "email"}},
        "event": event
    })
}

fn says(lines: &[Value], text: &str) -> bool {
    lines.iter().any(|l| l.to_string().contains(text))
}

#[tokio::test]
async fn a_claim_and_a_release_set_and_clear_the_freshdesk_assignee() {
    for backend in backends() {
        let fd = FakeHelpdesk::freshdesk().await;
        let app = app_with(backend, Some(&fd), None, playbook()).await;
        fd_ticket(&app, 4521).await;
        assert!(
            fd.writes().await.is_empty(),
            "a new ticket writes nothing back"
        );

        app.command(ANA, "claim 4521").await;
        drain(&app).await;
        assert_eq!(
            fd.writes().await,
            vec![put("/api/v2/tickets/4521", json!({"responder_id": ANA_FD}))]
        );

        app.command(ANA, "release 4521").await;
        drain(&app).await;
        // Bea is in the playbook by name only: her agent is found by her Slack profile's email.
        app.command(BEA, "claim 4521").await;
        drain(&app).await;
        assert_eq!(
            fd.writes().await,
            vec![
                put("/api/v2/tickets/4521", json!({"responder_id": ANA_FD})),
                put("/api/v2/tickets/4521", json!({"responder_id": null})),
                put("/api/v2/tickets/4521", json!({"responder_id": BEA_FD})),
            ]
        );
        let lookups: Vec<String> = fd
            .requests()
            .await
            .into_iter()
            .filter(|(m, _, _)| m == "GET")
            .map(|(_, p, _)| p)
            .collect();
        assert_eq!(
            lookups,
            vec!["/api/v2/agents?email=u0bea0001%40acme.test".to_string()]
        );
        let saved = app
            .state
            .services
            .store
            .agent_of(BEA, "freshdesk")
            .await
            .unwrap()
            .expect("match remembered");
        assert_eq!(
            (saved.agent_id.as_str(), saved.source.as_str()),
            (BEA_FD.to_string().as_str(), "email")
        );

        // A second claim by Bea needs no lookup; /cx whoami shows both ways of knowing.
        app.command(BEA, "release 4521").await;
        app.command(BEA, "claim 4521").await;
        drain(&app).await;
        assert_eq!(
            fd.requests()
                .await
                .iter()
                .filter(|(m, _, _)| m == "GET")
                .count(),
            1
        );
        let me = app.command(BEA, "whoami").await.to_string();
        assert!(
            me.contains("Freshdesk: agent 43000002 (matched by the email u0bea0001@acme.test"),
            "{me}"
        );
        let ana = app.command(ANA, "whoami").await.to_string();
        assert!(
            ana.contains("Freshdesk: agent 43000001 (set in the playbook)"),
            "{ana}"
        );
    }
}

#[tokio::test]
async fn follow_up_steps_write_their_note_status_and_final_assignee() {
    for backend in backends() {
        let fd = FakeHelpdesk::freshdesk().await;
        let app = app_with(backend, Some(&fd), None, playbook()).await;
        let id = fd_ticket(&app, 700).await;
        app.command(ANA, "claim 700").await;
        app.command(ANA, "followup 700 general").await;
        drain(&app).await;
        let start = {
            use cxbot::clock::Clock;
            app.clock.now()
        };
        for day in [1, 3, 5, 6] {
            app.clock.set(start + Duration::days(day - 1));
            let reply = app.command(ANA, "followup 700 done").await;
            assert!(reply.to_string().contains("Recorded day"), "{reply}");
            drain(&app).await;
        }
        let notes: Vec<(String, Value)> = fd
            .writes()
            .await
            .into_iter()
            .filter(|(m, p, _)| m == "POST" && p == "/api/v2/tickets/700/notes")
            .map(|(_, _, b)| {
                (
                    b["body"].as_str().unwrap().to_string(),
                    b["private"].clone(),
                )
            })
            .collect();
        let texts: Vec<&str> = notes
            .iter()
            .map(|(b, _)| b.split("<br><br>— cxbot ref ").next().unwrap())
            .collect();
        assert_eq!(
            texts,
            vec![
                "1/3",
                "2/3",
                "3/3",
                "customer unresponsive - closing ticket"
            ]
        );
        assert!(notes.iter().all(|(b, private)| *private == json!(true)
            && b.contains(&format!("— cxbot ref followup-{id}-"))));
        let puts: Vec<Value> = fd
            .writes()
            .await
            .into_iter()
            .filter(|(m, p, _)| m == "PUT" && p == "/api/v2/tickets/700")
            .map(|(_, _, b)| b)
            .collect();
        assert_eq!(
            puts,
            vec![
                json!({"responder_id": ANA_FD}),
                json!({"status": 3}),
                json!({"status": 3}),
                json!({"status": 3}),
                // Day 6 closes: "Unresponsive Customers/{agent}" = that group and Ana, SOLVED.
                json!({"group_id": 9001, "responder_id": ANA_FD, "status": 4}),
            ]
        );
    }
}

#[tokio::test]
async fn the_echo_of_a_status_cxbot_wrote_adds_no_thread_line() {
    for backend in backends() {
        let fd = FakeHelpdesk::freshdesk().await;
        let app = app_with(backend, Some(&fd), None, playbook()).await;
        let id = fd_ticket(&app, 710).await;
        app.command(ANA, "followup 710 general").await;
        app.command(ANA, "followup 710 done").await;
        drain(&app).await;
        assert!(fd
            .writes()
            .await
            .contains(&put("/api/v2/tickets/710", json!({"status": 3}))));
        let before = thread_replies(&app).await.len();

        // Freshdesk's rule fires for cxbot's own change: the row follows, the thread is quiet.
        let echo = freshdesk(
            710,
            "{status:{from:2,to:3}}",
            json!({"ticket_updated_at": "2026-11-23T14:05:00Z"}),
        );
        deliver(&app, "freshdesk", &echo).await;
        drain(&app).await;
        assert_eq!(ticket(&app, id).await.status, "pending");
        assert_eq!(
            thread_replies(&app).await.len(),
            before,
            "no line for the echo"
        );

        // The same change made by a person later is news.
        let reopen = freshdesk(
            710,
            "{status:{from:3,to:2}}",
            json!({"ticket_updated_at": "2026-11-23T14:06:00Z"}),
        );
        deliver(&app, "freshdesk", &reopen).await;
        let again = freshdesk(
            710,
            "{status:{from:2,to:3}}",
            json!({"ticket_updated_at": "2026-11-23T14:07:00Z"}),
        );
        deliver(&app, "freshdesk", &again).await;
        drain(&app).await;
        let lines = thread_replies(&app).await;
        assert_eq!(lines.len(), before + 2, "{:?}", &lines[before..]);
        assert!(
            says(&lines[before..], "Open → Pending"),
            "{:?}",
            &lines[before..]
        );
    }
}

#[tokio::test]
async fn callback_and_escalation_become_private_notes_in_zendesk() {
    for backend in backends() {
        let zd = FakeHelpdesk::zendesk().await;
        let app = app_with(backend, None, Some(&zd), playbook()).await;
        let body = json!({"event": "missed_call", "ticket_id": "88", "title": "Missed call from +1 555 0100",
                          "requester_phone": "+1 555 0100", "status": "open", "via": "Voicemail",
                          "updated_at": "2026-11-23T14:00:00Z"});
        let id = deliver(&app, "zendesk", &body).await;
        drain(&app).await;
        let actor = cxbot::service::claim::Actor {
            user: ANA,
            source: cxbot::domain::claim::Source::Modal,
        };
        cxbot::service::callback::record(
            &app.state.services,
            id,
            actor,
            "Left a voicemail, will retry at 4",
        )
        .await
        .unwrap();
        app.command(ANA, "escalate zendesk:88 customer asks for a manager")
            .await;
        drain(&app).await;
        let writes = zd.writes().await;
        assert_eq!(writes.len(), 2, "{writes:?}");
        let note = |i: usize| writes[i].2["ticket"]["comment"].clone();
        assert_eq!(writes[0].1, "/api/v2/tickets/88.json");
        assert_eq!(note(0)["public"], false);
        let callback = note(0)["body"].as_str().unwrap().to_string();
        assert!(
            callback.starts_with(
                "Called back by Ana: Left a voicemail, will retry at 4\n\n— cxbot ref callback-"
            ),
            "{callback}"
        );
        let escalation = note(1)["body"].as_str().unwrap().to_string();
        assert!(escalation.starts_with("Escalated to L2"), "{escalation}");
        assert!(
            escalation.contains("by Ana: customer asks for a manager"),
            "{escalation}"
        );
        assert_eq!(note(1)["public"], false);
        // Each was looked for first (a retry would find it and add nothing).
        let looked = zd
            .requests()
            .await
            .iter()
            .filter(|(m, p, _)| m == "GET" && p == "/api/v2/tickets/88/comments.json")
            .count();
        assert_eq!(looked, 2);
    }
}

#[tokio::test]
async fn a_ticket_s_writes_reach_the_helpdesk_in_the_order_they_happened() {
    for backend in backends() {
        let zd = FakeHelpdesk::zendesk().await;
        // The callback's note fails once; the escalation, queued just after, waits for it.
        Mock::given(method("PUT"))
            .and(path("/api/v2/tickets/89.json"))
            .and(body_string_contains("Called back"))
            .respond_with(ResponseTemplate::new(503))
            .up_to_n_times(1)
            .with_priority(1)
            .mount(&zd.server)
            .await;
        let app = app_with(backend, None, Some(&zd), playbook()).await;
        let body = json!({"event": "missed_call", "ticket_id": "89", "title": "Missed call",
                          "requester_phone": "+1 555 0101", "status": "open",
                          "updated_at": "2026-11-23T14:00:00Z"});
        let id = deliver(&app, "zendesk", &body).await;
        drain(&app).await;
        let actor = cxbot::service::claim::Actor {
            user: ANA,
            source: cxbot::domain::claim::Source::Modal,
        };
        cxbot::service::callback::record(&app.state.services, id, actor, "No answer")
            .await
            .unwrap();
        app.command(ANA, "escalate zendesk:89 asks for a manager")
            .await;
        drain(&app).await;
        app.advance(Duration::minutes(1));
        drain(&app).await;
        let notes: Vec<String> = zd
            .writes()
            .await
            .iter()
            .map(|(_, _, b)| {
                b["ticket"]["comment"]["body"]
                    .as_str()
                    .unwrap_or("")
                    .to_string()
            })
            .collect();
        assert_eq!(notes.len(), 3, "{notes:?}");
        assert!(notes[0].starts_with("Called back"), "{notes:?}");
        assert!(
            notes[1].starts_with("Called back"),
            "the retry comes first: {notes:?}"
        );
        assert!(notes[2].starts_with("Escalated to L2"), "{notes:?}");
    }
}

#[tokio::test]
async fn a_write_the_helpdesk_refuses_is_parked_and_said_in_the_thread() {
    for backend in backends() {
        let fd = FakeHelpdesk::freshdesk().await;
        Mock::given(method("PUT"))
            .and(path("/api/v2/tickets/4600"))
            .respond_with(ResponseTemplate::new(400).set_body_json(json!({"description": "Validation failed",
                "errors": [{"field": "responder_id", "message": "There is no agent with this id", "code": "invalid_value"}]})))
            .with_priority(1)
            .mount(&fd.server)
            .await;
        let app = app_with(backend, Some(&fd), None, playbook()).await;
        fd_ticket(&app, 4600).await;
        app.command(ANA, "claim 4600").await;
        drain(&app).await;
        drain(&app).await;
        assert_eq!(fd.writes().await.len(), 1, "refused once, never retried");
        let dead = app
            .state
            .services
            .store
            .list_jobs(cxbot::db::JobState::Dead)
            .await
            .unwrap();
        assert_eq!(dead.len(), 1, "{dead:?}");
        assert_eq!(dead[0].name, "helpdesk_write");
        assert!(dead[0]
            .last_error
            .as_deref()
            .unwrap()
            .contains("There is no agent with this id"));
        let lines = thread_replies(&app).await;
        assert!(
            says(&lines, "Freshdesk refused to set the assignee: Validation failed: responder_id: There is no agent with this id (400)"),
            "{lines:?}"
        );
        let metrics = app.get("/metrics").await.text().await.unwrap();
        assert!(
            metrics
                .lines()
                .any(|l| l.starts_with("cxbot_helpdesk_writes_total")
                    && l.contains("outcome=\"refused\"")
                    && l.contains("cause=\"claim\"")),
            "{metrics}"
        );
    }
}

#[tokio::test]
async fn a_retried_write_adds_its_note_once() {
    for backend in backends() {
        let fd = FakeHelpdesk::freshdesk().await;
        // The note goes in, then the status update fails once: the job runs again.
        Mock::given(method("PUT"))
            .and(path("/api/v2/tickets/720"))
            .respond_with(ResponseTemplate::new(503))
            .up_to_n_times(1)
            .with_priority(1)
            .mount(&fd.server)
            .await;
        let app = app_with(backend, Some(&fd), None, playbook()).await;
        fd_ticket(&app, 720).await;
        app.command(ANA, "followup 720 general").await;
        app.command(ANA, "followup 720 done").await;
        drain(&app).await;
        app.advance(Duration::minutes(1));
        drain(&app).await;
        let writes = fd.writes().await;
        let posts = writes.iter().filter(|(m, _, _)| m == "POST").count();
        let puts: Vec<&Value> = writes
            .iter()
            .filter(|(m, _, _)| m == "PUT")
            .map(|(_, _, b)| b)
            .collect();
        assert_eq!(posts, 1, "one note, however often the job ran: {writes:?}");
        assert_eq!(fd.notes.lock().unwrap().len(), 1);
        assert_eq!(
            puts,
            vec![&json!({"status": 3}), &json!({"status": 3})],
            "failed once, then written"
        );
        assert!(app
            .state
            .services
            .store
            .list_jobs(cxbot::db::JobState::Dead)
            .await
            .unwrap()
            .is_empty());
    }
}

#[tokio::test]
async fn an_assignee_change_in_zendesk_moves_the_claim_and_our_own_is_an_echo() {
    for backend in backends() {
        let zd = FakeHelpdesk::zendesk().await;
        let app = app_with(backend, None, Some(&zd), playbook()).await;
        let id = deliver(&app, "zendesk", &zd_event("created", "ev-1", 95, json!({}))).await;
        drain(&app).await;
        app.command(ANA, "claim zendesk:95").await;
        drain(&app).await;
        assert_eq!(
            zd.writes().await,
            vec![put(
                "/api/v2/tickets/95.json",
                json!({"ticket": {"assignee_id": ANA_ZD}})
            )]
        );
        let before = thread_replies(&app).await.len();

        // Zendesk tells us about our own assignment: nothing moves, nothing is said.
        deliver(
            &app,
            "zendesk",
            &zd_event(
                "agent_assignment_changed",
                "ev-2",
                95,
                json!({"previous": null, "current": ANA_ZD.to_string()}),
            ),
        )
        .await;
        drain(&app).await;
        assert_eq!(thread_replies(&app).await.len(), before);
        assert_eq!(ticket(&app, id).await.claimed_by.as_deref(), Some(ANA));

        // Someone reassigns it to Bea in Zendesk (her id is remembered from an earlier match).
        app.state
            .services
            .store
            .save_agent(&cxbot::db::AgentRow {
                user_id: BEA.into(),
                helpdesk: "zendesk".into(),
                agent_id: BEA_ZD.to_string(),
                email: Some("u0bea0001@acme.test".into()),
                source: "email".into(),
                matched_at: 0,
            })
            .await
            .unwrap();
        deliver(
            &app,
            "zendesk",
            &zd_event(
                "agent_assignment_changed",
                "ev-3",
                95,
                json!({"previous": ANA_ZD.to_string(), "current": BEA_ZD.to_string()}),
            ),
        )
        .await;
        drain(&app).await;
        assert_eq!(ticket(&app, id).await.claimed_by.as_deref(), Some(BEA));
        let lines = thread_replies(&app).await;
        assert!(
            says(
                &lines,
                &format!("Claimed by <@{BEA}> (was <@{ANA}>), from Zendesk")
            ),
            "{lines:?}"
        );
        let audit = app.state.services.store.audit_for(id).await.unwrap();
        assert_eq!(
            (
                audit.last().unwrap().action.as_str(),
                audit.last().unwrap().source.as_str()
            ),
            ("assign", "helpdesk")
        );
        assert_eq!(
            zd.writes().await.len(),
            1,
            "a change from Zendesk is not written back to it"
        );

        // Unassigned in Zendesk: the claim is released.
        deliver(
            &app,
            "zendesk",
            &zd_event(
                "agent_assignment_changed",
                "ev-4",
                95,
                json!({"previous": BEA_ZD.to_string(), "current": null}),
            ),
        )
        .await;
        drain(&app).await;
        assert_eq!(ticket(&app, id).await.claimed_by, None);
        assert!(says(
            &thread_replies(&app).await,
            "Unassigned in Zendesk: claim released"
        ));
    }
}

#[tokio::test]
async fn an_event_about_an_unseen_old_ticket_is_recorded_without_a_card() {
    for backend in backends() {
        let app = app_with(backend, None, None, playbook()).await;
        let res = hook(
            &app,
            "freshdesk",
            &freshdesk(
                31,
                "{status:{from:2,to:4}}",
                json!({"ticket_subject": "Old one"}),
            ),
        )
        .await;
        assert_eq!(res.status(), 200);
        drain(&app).await;
        assert!(
            app.slack.calls_to("chat.postMessage").await.is_empty(),
            "no card"
        );
        let found = app
            .state
            .services
            .store
            .tickets_by_number(Some("freshdesk"), "31")
            .await
            .unwrap();
        assert_eq!(found.len(), 1);
        assert!(found[0].quiet);
        assert_eq!(found[0].status, "solved");
        let queue = app.command(ANA, "queue").await.to_string();
        assert!(!queue.contains("Old one"), "{queue}");

        // A customer reply on it is news: now it gets its card.
        let reply = freshdesk(
            31,
            "{note_type:public}",
            json!({"triggered_by": "requester", "ticket_latest_public_comment": "Any news?"}),
        );
        deliver(&app, "freshdesk", &reply).await;
        drain(&app).await;
        assert_eq!(posts_in(&app, QUEUE).await.len(), 1);
        assert!(!ticket(&app, found[0].id).await.quiet);

        // A team that wants every event as a card says so.
        let post = playbook() + "\n";
        let post = post.replace("unseen_tickets = \"record\"", "unseen_tickets = \"post\"");
        let app = app_with(backend, None, None, post).await;
        hook(
            &app,
            "freshdesk",
            &freshdesk(
                32,
                "{status:{from:2,to:3}}",
                json!({"ticket_subject": "Old two"}),
            ),
        )
        .await;
        drain(&app).await;
        assert_eq!(posts_in(&app, QUEUE).await.len(), 1);
    }
}

#[tokio::test]
async fn zendesk_event_mode_cards_get_the_requester_and_link_fetched_once() {
    for backend in backends() {
        let zd = FakeHelpdesk::zendesk().await;
        let app = app_with(backend, None, Some(&zd), playbook()).await;
        let first = deliver(
            &app,
            "zendesk",
            &zd_event("created", "ev-10", 501, json!({})),
        )
        .await;
        let second = deliver(
            &app,
            "zendesk",
            &zd_event("created", "ev-11", 502, json!({})),
        )
        .await;
        drain(&app).await;
        let fetched = zd
            .requests()
            .await
            .iter()
            .filter(|(_, p, _)| p == "/api/v2/users/555.json")
            .count();
        assert_eq!(fetched, 1, "one call per requester");
        for (id, n) in [(first, 501), (second, 502)] {
            let t = ticket(&app, id).await;
            assert_eq!(t.customer_email.as_deref(), Some("rita@example.com"));
            assert_eq!(t.customer_name.as_deref(), Some("Rita Moreno"));
            assert_eq!(
                t.url,
                Some(format!("{}/agent/tickets/{n}", zd.server.uri()))
            );
        }
        let updates = app.slack.calls_to("chat.update").await;
        assert!(
            updates
                .iter()
                .any(|u| u.to_string().contains("rita@example.com")),
            "the card shows who it is"
        );
    }
}

#[tokio::test]
async fn a_recorded_caller_updates_the_freshdesk_contact() {
    for backend in backends() {
        let fd = FakeHelpdesk::freshdesk().await;
        let app = app_with(backend, Some(&fd), None, playbook()).await;
        let id = deliver(
            &app,
            "freshdesk",
            &crate::intake::freshdesk_missed_call(4700, "+1 555 0142"),
        )
        .await;
        drain(&app).await;
        let actor = cxbot::service::claim::Actor {
            user: ANA,
            source: cxbot::domain::claim::Source::Modal,
        };
        cxbot::service::contacts::record_caller(
            &app.state.services,
            id,
            actor,
            "Rita Moreno",
            Some("Rita@Example.com"),
            None,
        )
        .await
        .unwrap();
        drain(&app).await;
        assert_eq!(
            fd.writes().await,
            vec![put(
                "/api/v2/contacts/77",
                json!({"name": "Rita Moreno", "email": "rita@example.com"})
            )]
        );
        assert!(
            fd.requests()
                .await
                .iter()
                .any(|(m, p, _)| m == "GET" && p == "/api/v2/tickets/4700"),
            "the requester is read from the ticket"
        );
    }
}
