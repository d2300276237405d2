//! Monday: the day of the seeds, from Ana's start at 07:55 to the daily summary at 18:00.

use super::payloads::{freshdesk, generic, missed_call, zendesk};
use super::script::{escalate_with_form, evening, resolve_in_freshdesk};
use super::stage::Stage;
use super::{ANA, BEN, CHEN, DANA};
use serde_json::json;

/// Monday morning, from Ana's start to the directive's status at noon.
pub async fn morning(s: &mut Stage) -> anyhow::Result<()> {
    let call = phones(s).await?;
    chats(s).await?;
    race(s, call).await?;
    let insta = social(s).await?;
    directive(s).await?;
    ben_starts(s, insta).await?;
    reviews(s).await?;
    cadences(s).await?;
    escalation(s, insta).await
}

/// Ana starts; missed calls (seed 000): one number twice, one called back once and only once, its caller recorded. Returns #4521's ticket id.
async fn phones(s: &mut Stage) -> anyhow::Result<i64> {
    s.at(7, 55).await?;
    s.command(ANA, "on", 3).await?;

    // Seed 000: missed calls, one repeated, one called back (once, and only once).
    s.at(8, 5).await?;
    s.out.narrate(
        s.now(),
        "☎ +1 555 0100 calls Rally and nobody picks up (Freshcaller → Freshdesk #4521)",
    );
    let call = s
        .hook("freshdesk", missed_call(s, 4521, "+1 555 0100"))
        .await?;
    s.at(8, 9).await?;
    s.out
        .narrate(s.now(), "☎ the same number tries again (Freshdesk #4522)");
    s.hook("freshdesk", missed_call(s, 4522, "+1 (555) 0100"))
        .await?;
    s.at(8, 14).await?;
    s.out.narrate(
        s.now(),
        "☎ +1 555 0188 calls, nobody picks up (Freshdesk #4523)",
    );
    let luis = s
        .hook("freshdesk", missed_call(s, 4523, "+1 555 0188"))
        .await?;
    s.at(8, 22).await?;
    let card = s.card(luis).await?;
    s.click(
        ANA,
        "Called back",
        "cx_called_back",
        &luis.to_string(),
        &card,
    )
    .await?;
    let notes = "Luis Ortega: the 7:30 to Ithaca left without him; rebooked on the 10:30.";
    s.out.action(
        s.now(),
        "Ana",
        &format!("writes her call notes: \"{notes}\""),
    );
    let values = json!({"notes": {"notes_input": {"type": "plain_text_input", "value": notes}}});
    s.submit(ANA, "cx_called_back_modal", &luis.to_string(), values)
        .await?;
    s.at(8, 24).await?;
    s.click(
        ANA,
        "Record caller",
        "cx_record_caller",
        &luis.to_string(),
        &card,
    )
    .await?;
    s.out.action(
        s.now(),
        "Ana",
        "records who called: Luis Ortega, luis.ortega@example.com, booking R-20417",
    );
    let input = |v: &str| json!({"type": "plain_text_input", "value": v});
    let values = json!({
        "caller_name": {"caller_name": input("Luis Ortega")},
        "caller_email": {"caller_email": input("luis.ortega@example.com")},
        "caller_order": {"caller_order": input("R-20417")},
    });
    s.submit(ANA, "cx_record_caller_modal", &luis.to_string(), values)
        .await?;
    s.at(8, 26).await?;
    s.click(
        BEN,
        "Called back",
        "cx_called_back",
        &luis.to_string(),
        &card,
    )
    .await?;
    s.at(8, 28).await?;
    resolve_in_freshdesk(s, 4523, "✔ Ana resolves #4523 in Freshdesk").await?;
    Ok(call)
}

/// A blank missed chat gets the canned follow-up, until the customer writes again; Dana and Chen start.
async fn chats(s: &mut Stage) -> anyhow::Result<()> {
    s.at(8, 30).await?;
    s.out.narrate(
        s.now(),
        "💬 Maria Lopez starts a chat, leaves her email and no message (Freshchat → Freshdesk #4525)",
    );
    let chat = json!({"ticket_subject": "Offline message from Maria Lopez", "ticket_source": "Chat",
                      "ticket_requester_name": "Maria Lopez", "ticket_contact_email": "maria.lopez@example.com",
                      "ticket_description": ""});
    s.hook(
        "freshdesk",
        freshdesk(s, 4525, "{ticket_action:created}", chat),
    )
    .await?;
    s.at(8, 52).await?;
    s.out.narrate(
        s.now(),
        "✉ Maria writes in by email after all (Freshdesk #4526)",
    );
    let email = json!({"ticket_subject": "A seat for my son on Friday", "ticket_source": "Email",
                       "ticket_requester_name": "Maria Lopez", "ticket_contact_email": "maria.lopez@example.com",
                       "ticket_description": "<p>Can I add a seat for my son on Friday's 8am bus to Boston?</p>"});
    s.hook(
        "freshdesk",
        freshdesk(s, 4526, "{ticket_action:created}", email),
    )
    .await?;

    s.at(8, 58).await?;
    s.command(DANA, "on", 1).await?;
    s.command(CHEN, "on", 1).await?;
    Ok(())
}

/// Two agents click Claim on #4521 at the same moment: exactly one wins, and calls back.
async fn race(s: &mut Stage, call: i64) -> anyhow::Result<()> {
    s.at(9, 5).await?;
    let card = s.card(call).await?;
    s.out.action(
        s.now(),
        "Ana + Chen",
        "both click Claim on #4521 at the same moment",
    );
    let (a, c) = (
        s.click_payload(ANA, "cx_claim", &call.to_string(), &card),
        s.click_payload(CHEN, "cx_claim", &call.to_string(), &card),
    );
    let (ra, rc) = tokio::join!(s.interact_detached(&a), s.interact_detached(&c));
    ra?;
    rc?;
    s.drain().await?;
    // Whoever won calls back (the directive Dana is about to post asks for it).
    let owner = s
        .state
        .services
        .store
        .ticket(call)
        .await?
        .and_then(|t| t.claimed_by)
        .unwrap_or_else(|| ANA.to_string());
    s.at(9, 6).await?;
    s.click(
        &owner,
        "Called back",
        "cx_called_back",
        &call.to_string(),
        &card,
    )
    .await?;
    let notes = "Kim Park: asked about the luggage allowance on the Boston run; answered.";
    let name = s.team.name(&owner);
    s.out.action(
        s.now(),
        &name,
        &format!("writes the call notes: \"{notes}\""),
    );
    let values = json!({"notes": {"notes_input": {"type": "plain_text_input", "value": notes}}});
    s.submit(&owner, "cx_called_back_modal", &call.to_string(), values)
        .await?;
    s.at(9, 8).await?;
    resolve_in_freshdesk(s, 4521, &format!("✔ {name} resolves #4521 in Freshdesk")).await?;
    Ok(())
}

/// Social (seed 001): a DM with a two-hour SLA, a comment, a marketing mention. Returns the DM's ticket id.
async fn social(s: &mut Stage) -> anyhow::Result<i64> {
    s.at(9, 10).await?;
    s.out.narrate(
        s.now(),
        "📣 an Instagram DM to OurBus lands in Freshdesk's Social Media group (#4530)",
    );
    let dm = json!({"ticket_subject": "Where is my bus?", "ticket_source": "Instagram",
                    "ticket_group_name": "Social Media", "ticket_brand": "OurBus", "ticket_requester_name": "Jay K",
                    "ticket_description": "<p>Waiting at Penn Station gate 7, the 9:00 to DC never came. Nobody answers the phone!</p>"});
    let insta = s
        .hook(
            "freshdesk",
            freshdesk(s, 4530, "{ticket_action:created}", dm),
        )
        .await?;
    s.at(9, 12).await?;
    let comment = json!({"social": {"platform": "facebook", "kind": "comment", "brand": "Rally"},
                         "customer": {"name": "Sam Reyes"},
                         "message": "Shoutout to the driver on the Ithaca run this morning, so kind!"});
    s.hook("generic", generic(s, "social", "social", "1001", comment))
        .await?;
    s.at(9, 14).await?;
    let mention = json!({"social": {"platform": "twitter", "kind": "mention", "brand": "OurBus"},
                         "customer": {"name": "@tripsbykim"},
                         "message": "@OurBus we'd love an influencer collab for our summer trips, DM us!"});
    s.hook("generic", generic(s, "social", "social", "1002", mention))
        .await?;
    Ok(insta)
}

/// A lead's directive, the morning check-ins, the blank chat closed, the comment answered.
async fn directive(s: &mut Stage) -> anyhow::Result<()> {
    s.at(9, 20).await?;
    s.command(
        DANA,
        "directive Call back every missed call before lunch, and paste your call notes into the ticket.",
        1,
    )
    .await?;
    s.acknowledge(DANA).await?;
    s.at(9, 25).await?;
    s.answer_checkins(&[BEN]).await?;
    s.at(9, 27).await?;
    s.acknowledge(ANA).await?;
    s.acknowledge(CHEN).await?;
    s.at(9, 30).await?;
    resolve_in_freshdesk(
        s,
        4525,
        "✔ Ana resolves the blank chat #4525: Maria already wrote in by email",
    )
    .await?;

    s.at(9, 35).await?;
    s.command(CHEN, "claim 1001", 1).await?;
    s.at(9, 40).await?;
    s.out.narrate(
        s.now(),
        "✍ Chen answers the Facebook comment; the ticket is solved",
    );
    let solved = json!({"ticket": {"status": "solved"}});
    s.hook(
        "generic",
        generic(s, "social", "ticket_status", "1001", solved),
    )
    .await?;
    Ok(())
}

/// Ben starts at 10:00 and takes the Instagram DM and Maria's email.
async fn ben_starts(s: &mut Stage, insta: i64) -> anyhow::Result<()> {
    s.at(10, 0).await?;
    s.command(BEN, "on", 3).await?;
    s.at(10, 5).await?;
    let card = s.card(insta).await?;
    s.click(BEN, "Claim", "cx_claim", &insta.to_string(), &card)
        .await?;
    s.at(10, 8).await?;
    s.command(BEN, "claim 4526", 1).await?;
    Ok(())
}

/// App reviews (seed 003): store reviews to the remote team, beta ones in-house.
async fn reviews(s: &mut Stage) -> anyhow::Result<()> {
    s.at(10, 15).await?;
    let review = json!({"review": {"store": "google_play", "rating": 2, "app_version": "4.1.0"},
                        "customer": {"name": "Pat Q"},
                        "message": "App crashes every time I open my ticket. Useless."});
    s.hook(
        "generic",
        generic(s, "appfollow", "app_review", "301", review),
    )
    .await?;
    let beta = json!({"review": {"store": "app_store", "rating": 4, "app_version": "4.2.0-beta.1", "beta": true},
                      "message": "The new seat map is great, but slow to load."});
    s.hook(
        "generic",
        generic(s, "appfollow", "app_review", "302", beta),
    )
    .await?;
    s.at(10, 20).await?;
    s.command(CHEN, "claim 301", 1).await?;
    s.at(10, 25).await?;
    resolve_in_freshdesk(
        s,
        4526,
        "✔ Ben adds the seat for Maria's son and resolves #4526",
    )
    .await?;
    Ok(())
}

/// The refund and general cadences (seed 002) start.
async fn cadences(s: &mut Stage) -> anyhow::Result<()> {
    s.at(10, 30).await?;
    s.out
        .narrate(s.now(), "✉ Priya Shah asks for a refund (Zendesk #88123)");
    let refund = zendesk(
        s,
        88123,
        "Refund for a double charge",
        "refund",
        ("Priya Shah", "priya.shah@example.com"),
        "I was charged twice for my appointment on Nov 20. Please refund one charge.",
    );
    s.hook("zendesk", refund).await?;
    s.at(10, 32).await?;
    s.command(CHEN, "claim 88123", 1).await?;
    s.command(CHEN, "followup 88123", 1).await?;
    s.at(10, 40).await?;
    s.command(
        CHEN,
        "followup 88123 done emailed and called; left a voicemail",
        1,
    )
    .await?;

    s.at(10, 45).await?;
    s.out.narrate(
        s.now(),
        "✉ Tom Becker asks where his passport renewal is (Zendesk #88140)",
    );
    let mut general = zendesk(
        s,
        88140,
        "Passport renewal status",
        "renewal",
        ("Tom Becker", "tom.becker@example.com"),
        "I sent my renewal forms three weeks ago and heard nothing. Can you check?",
    );
    general["requester_phone"] = json!("+1 555 0177");
    s.hook("zendesk", general).await?;
    s.at(10, 47).await?;
    s.command(ANA, "claim 88140", 1).await?;
    s.command(ANA, "followup 88140 general", 1).await?;
    s.at(10, 55).await?;
    s.command(ANA, "followup 88140 done no answer by phone; emailed", 1)
        .await?;
    Ok(())
}

/// The Instagram DM is Ben's but unanswered: the SLA warns at 10:40 and breaches at 11:10; Ben escalates it to the Brand Lead, who takes it.
async fn escalation(s: &mut Stage, insta: i64) -> anyhow::Result<()> {
    s.at(11, 15).await?;
    let card = s.card(insta).await?;
    escalate_with_form(
        s,
        BEN,
        insta,
        &card,
        "L3",
        "Customer stranded at Penn Station; the 9:00 to DC never left.",
    )
    .await?;
    s.at(11, 25).await?;
    s.command(DANA, &format!("assign 4530 <@{DANA}>"), 1)
        .await?;
    s.at(11, 40).await?;
    resolve_in_freshdesk(
        s,
        4530,
        "✔ Dana books Jay on the 12:00 to DC, answers on Instagram and resolves #4530",
    )
    .await?;
    s.at(12, 0).await?;
    s.command(DANA, "directive status", 3).await
}

/// Monday afternoon: leases, an assignment, the end-of-day check-ins, `/cx off`, the
/// figures, the daily summary at 18:00.
pub async fn afternoon(s: &mut Stage) -> anyhow::Result<()> {
    // Chen's review claim idles: a "still on it?" DM at 12:20, back to the queue at 12:50.
    s.at(13, 20).await?;
    s.answer_checkins(&[]).await?;
    s.at(14, 0).await?;
    s.command(DANA, &format!("assign 301 <@{BEN}>"), 1).await?;
    s.at(14, 30).await?;
    s.out.narrate(
        s.now(),
        "✍ Ben answers the review in AppFollow and closes it",
    );
    let solved = json!({"ticket": {"status": "solved"}});
    s.hook(
        "generic",
        generic(s, "appfollow", "ticket_status", "301", solved),
    )
    .await?;
    s.at(15, 10).await?;
    s.answer_checkins(&[]).await?;
    s.at(15, 55).await?;
    s.command(ANA, "off", 3).await?;
    s.at(17, 10).await?;
    s.answer_checkins(&[]).await?;
    s.at(17, 30).await?;
    s.command(DANA, "stats", 6).await?;
    s.at(18, 5).await?;
    evening(s).await
}
