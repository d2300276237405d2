use super::*;
use crate::domain::ticket::tests::ticket;

const M: i64 = 60_000;

fn t(id: i64, kind: &str, opened: i64) -> Ticket {
    Ticket {
        id,
        kind: kind.into(),
        opened_at: opened,
        channel: format!("#{kind}"),
        ..ticket()
    }
}

fn audit(ticket_id: i64, action: &str, actor: &str, target: Option<&str>, at: i64) -> AuditEntry {
    AuditEntry {
        ticket_id,
        action: action.into(),
        actor: actor.into(),
        target: target.map(str::to_string),
        detail: None,
        at,
    }
}

/// A hand-counted day: three missed calls (one of them called twice), two social DMs, an
/// email; two claims by Ana (one social), one assign to Ben, one escalation to L3 by Ben,
/// one callback by Ana, one breach on the social channel; an entry outside the window.
#[test]
fn a_seeded_day_is_counted_exactly() {
    let day = 1_000 * M;
    let mut received = vec![
        t(1, "missed_call", day),
        t(2, "missed_call", day + 10 * M),
        t(3, "missed_call", day + 20 * M),
        t(4, "social", day + 30 * M),
        t(5, "social", day + 40 * M),
        t(6, "email", day + 50 * M),
    ];
    received[1].missed_calls = 2;
    received[3].social = Some(r#"{"platform":"instagram","kind":"dm","brand":null}"#.into());
    received[4].social = Some(r#"{"platform":"instagram","kind":"dm","brand":null}"#.into());
    // Claimed 10, 30 and 50 minutes after creation.
    received[0].claimed_by = Some("ANA".into());
    received[0].claim.claimed_at = Some(day + 10 * M);
    received[3].claimed_by = Some("ANA".into());
    received[3].claim.claimed_at = Some(day + 60 * M);
    received[5].claimed_by = Some("BEN".into());
    received[5].claim.claimed_at = Some(day + 100 * M);
    // Ticket 5's SLA clock was met 20 minutes in, unclaimed; ticket 1's 30 minutes in, Ana's.
    received[4].sla.kind = Some("first".into());
    received[4].sla.met_at = Some(day + 60 * M);
    received[0].sla.kind = Some("first".into());
    received[0].sla.met_at = Some(day + 30 * M);
    received[2].status = "solved".into();
    let tickets: BTreeMap<i64, Ticket> = received.iter().map(|t| (t.id, t.clone())).collect();
    let entries = vec![
        audit(1, "claim", "ANA", None, day + 10 * M),
        audit(4, "claim", "ANA", None, day + 60 * M),
        audit(6, "assign", "LEAD", Some("BEN"), day + 100 * M),
        audit(6, "escalate", "BEN", Some("L3"), day + 110 * M),
        audit(1, "called_back", "ANA", None, day + 120 * M),
        audit(5, "sla_breach", "cxbot", None, day + 130 * M),
        audit(2, "claim", "ANA", None, day - M),
        AuditEntry {
            detail: Some("close".into()),
            ..audit(4, "followup_done", "ANA", None, day + 140 * M)
        },
        AuditEntry {
            detail: Some("attempt".into()),
            ..audit(6, "followup_done", "BEN", None, day + 150 * M)
        },
    ];
    let s = summarize(day, day + 24 * 60 * M, &received, &entries, &tickets);
    assert_eq!(
        s.received.get("missed_call"),
        Some(&(3, 1)),
        "one open: #2; #3 solved"
    );
    assert_eq!(s.received.get("social dm"), Some(&(2, 0)));
    assert_eq!(s.received.get("email"), Some(&(1, 0)));
    assert_eq!(s.missed_calls, 4);
    assert_eq!(s.callbacks, 1);
    assert_eq!(s.claim_minutes, Some((30, 50)));
    assert_eq!(s.response_minutes, Some((20, 30)));
    assert_eq!(s.escalations.get("L3"), Some(&1));
    assert_eq!(s.sla_breaches.get("#social"), Some(&1));
    assert_eq!(
        s.agents.get("ANA"),
        Some(&AgentFigures {
            claims: 2,
            escalations: 0,
            callbacks: 1,
            social: 1,
            followups: 1,
            first_responses: 1,
        })
    );
    assert_eq!(
        s.agents.get("BEN"),
        Some(&AgentFigures {
            claims: 1,
            escalations: 1,
            callbacks: 0,
            social: 0,
            followups: 1,
            first_responses: 0,
        })
    );
    assert_eq!(
        s.agents.len(),
        2,
        "the entry before the window is not counted"
    );
    assert_eq!(
        (s.followups_done, s.followups_closed, s.followups_escalated),
        (2, 1, 0)
    );
}

#[test]
fn percentiles_use_the_nearest_rank() {
    assert_eq!(percentiles(vec![]), None);
    assert_eq!(percentiles(vec![5 * M]), Some((5, 5)));
    let v: Vec<i64> = (1..=10).map(|m| m * M).collect();
    assert_eq!(percentiles(v), Some((5, 9)));
}
