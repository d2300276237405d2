//! The stand-in's answers: the rate limit, DMs and people, the read-back.

use super::*;
use crate::clock::ManualClock;

fn stand_in(clock: Arc<ManualClock>) -> SlackStandIn {
    let mut opts = Options::new(clock);
    opts.min_interval = Some(Duration::seconds(1));
    opts.record = true;
    SlackStandIn::new(opts)
}

#[test]
fn a_second_post_within_the_interval_is_refused_with_retry_after() {
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let slack = stand_in(clock.clone());
    let post = json!({"channel": "#cx-queue", "text": "one"});
    let (status, _, first) = slack.answer("chat.postMessage", &post);
    assert_eq!(status, StatusCode::OK);
    assert_eq!(first["channel"], channel_id("#cx-queue"));
    clock.advance(Duration::milliseconds(400));
    let (status, retry, body) = slack.answer("chat.postMessage", &post);
    assert_eq!(
        (status, retry, body["error"].as_str()),
        (StatusCode::TOO_MANY_REQUESTS, Some(1), Some("ratelimited"))
    );
    let (status, _, _) = slack.answer("chat.postMessage", &json!({"channel": "#other"}));
    assert_eq!(status, StatusCode::OK, "another channel is not held back");
    clock.advance(Duration::milliseconds(600));
    let (status, _, _) = slack.answer("chat.postMessage", &post);
    assert_eq!(status, StatusCode::OK);
    let stats = slack.stats();
    assert_eq!((stats.posts, stats.limited), (3, 1));
    assert_eq!(
        slack.channel_name(&channel_id("#cx-queue")).as_deref(),
        Some("#cx-queue")
    );
}

#[test]
fn keyed_posts_are_read_back_by_channel_with_their_metadata() {
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let slack = SlackStandIn::new(Options::new(clock));
    let meta = json!({"event_type": "cxbot_post", "event_payload": {"key": "card:1"}});
    let (_, _, posted) = slack.answer(
        "chat.postMessage",
        &json!({"channel": "#cx-queue", "text": "card", "metadata": meta}),
    );
    slack.answer(
        "chat.postMessage",
        &json!({"channel": "#cx-queue", "text": "plain"}),
    );
    let id = channel_id("#cx-queue");
    let (_, _, list) = slack.answer("conversations.list", &json!({}));
    assert_eq!(list["channels"][0]["id"], id.as_str());
    assert_eq!(list["channels"][0]["name"], "cx-queue");
    let (_, _, h) = slack.answer(
        "conversations.history",
        &json!({"channel": id, "include_all_metadata": "true"}),
    );
    let msgs = h["messages"].as_array().unwrap();
    assert_eq!(msgs.len(), 1, "only keyed posts are kept: {h}");
    assert_eq!(msgs[0]["ts"], posted["ts"]);
    assert_eq!(msgs[0]["metadata"], meta);
    let (_, _, bare) = slack.answer("conversations.history", &json!({"channel": id}));
    assert!(bare["messages"][0].get("metadata").is_none());
}

#[test]
fn dms_open_per_user_and_known_people_have_names() {
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let mut opts = Options::new(clock);
    opts.people.insert(
        "U0ANA".into(),
        Person {
            name: "Ana".into(),
            tz: "America/Chicago".into(),
        },
    );
    let slack = SlackStandIn::new(opts);
    let (_, _, open) = slack.answer("conversations.open", &json!({"users": ["U0ANA"]}));
    assert_eq!(open["channel"]["id"], "D0ANA");
    assert_eq!(slack.dm_user("D0ANA").as_deref(), Some("U0ANA"));
    let (_, _, info) = slack.answer("users.info", &json!({"user": "U0ANA"}));
    assert_eq!(info["user"]["profile"]["display_name"], "Ana");
    assert_eq!(info["user"]["tz"], "America/Chicago");
    let (_, _, other) = slack.answer("users.info", &json!({"user": "U0BEN"}));
    assert_eq!(other["user"]["real_name"], "Agent U0BEN");
}
