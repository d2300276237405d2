//! `cxbot check --live` against the fake Slack: auth.test, the granted scopes
//! (`x-oauth-scopes`), each playbook channel by id (conversations.info) or #name
//! (conversations.list, paged), each problem printed with its fix.

use crate::helpers::*;
use serde_json::json;
use std::process::{Command, Output};
use wiremock::matchers::path;
use wiremock::{Mock, ResponseTemplate};

/// The example playbook with queue, social and marketing given by id; everything else by
/// #name.
fn playbook() -> String {
    cxbot::config::playbook::EXAMPLE_PLAYBOOK
        .replacen("queue = \"#cx-queue\"", "queue = \"C0QUEUE01\"", 1)
        .replacen("social = \"#cx-social\"", "social = \"C0SOCIAL1\"", 1)
        .replacen("marketing = \"#marketing\"", "marketing = \"C0MARKET1\"", 1)
}

/// Every channel of `playbook()` in the fake workspace, the bot in each.
fn a_workspace_with_every_channel(slack: &FakeSlack) {
    slack.add_channel("C0QUEUE01", "cx-queue", true);
    slack.add_channel("C0SOCIAL1", "cx-social", true);
    slack.add_channel("C0MARKET1", "marketing", true);
    slack.add_channel("C0RANDOM1", "random", false);
    for (i, name) in [
        "cx-leads",
        "cx-only",
        "customer-experience",
        "cx-mobile",
        "cx-inhouse",
        "dev-support",
        "sales",
    ]
    .iter()
    .enumerate()
    {
        slack.add_channel(&format!("C0NAMED{i:02}"), name, true);
    }
}

/// Runs `cxbot check --live` against the fake Slack (off the test's runtime, which keeps
/// serving the fake meanwhile).
async fn check_live(slack: &FakeSlack, playbook: String) -> (Output, String, String) {
    let url = slack.url();
    let out = tokio::task::spawn_blocking(move || {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("cxbot.toml");
        std::fs::write(&file, playbook).unwrap();
        Command::new(env!("CARGO_BIN_EXE_cxbot"))
            .args(["check", "--live"])
            .current_dir(dir.path())
            .env_clear()
            .env("SLACK_SIGNING_SECRET", SIGNING_SECRET)
            .env("SLACK_BOT_TOKEN", BOT_TOKEN)
            .env("SLACK_API_URL", url)
            .env("CXBOT_CONFIG", &file)
            .output()
            .expect("cxbot runs")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    (out, stdout, stderr)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_workspace_with_every_channel_and_scope_passes() {
    let slack = FakeSlack::start().await;
    a_workspace_with_every_channel(&slack);
    let (out, stdout, stderr) = check_live(&slack, playbook()).await;
    assert!(out.status.success(), "stdout: {stdout}\nstderr: {stderr}");
    assert!(stdout.contains("configuration OK"), "{stdout}");
    assert!(
        stdout.contains("bot: @cxbot (U0CXBOT01) in Example Team"),
        "{stdout}"
    );
    assert!(
        stdout.contains("channels.queue: #cx-queue (C0QUEUE01) OK"),
        "{stdout}"
    );
    assert!(
        stdout.contains("channels.inhouse: #cx-inhouse OK"),
        "{stdout}"
    );
    assert!(stdout.contains("Slack OK"), "{stdout}");
    assert!(!stdout.contains(BOT_TOKEN) && !stderr.contains(BOT_TOKEN));

    // Ids were asked one by one, #names found by paging the list (10 channels, 3 a page).
    let calls = slack.calls().await;
    let infos: Vec<_> = calls
        .iter()
        .filter(|(m, _)| m == "conversations.info")
        .map(|(_, b)| b["channel"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(infos, ["C0MARKET1", "C0QUEUE01", "C0SOCIAL1"]);
    let pages = calls
        .iter()
        .filter(|(m, _)| m == "conversations.list")
        .count();
    assert_eq!(pages, 11_usize.div_ceil(FAKE_LIST_PAGE), "{calls:?}");
    // Every call carried the bot token.
    let requests = slack.server.received_requests().await.unwrap();
    assert!(
        requests
            .iter()
            .all(|r| r.headers.get("authorization").unwrap()
                == format!("Bearer {BOT_TOKEN}").as_str())
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_channel_a_missing_member_and_a_missing_scope_are_each_named_with_the_fix() {
    let slack = FakeSlack::start().await;
    a_workspace_with_every_channel(&slack);
    {
        let mut ws = slack.workspace.lock().unwrap();
        // #cx-mobile was never created; C0MARKET1 is not a channel the bot can see.
        ws.channels
            .retain(|c| c.name != "cx-mobile" && c.id != "C0MARKET1");
        // The bot was never invited to the social channel.
        ws.channels
            .iter_mut()
            .find(|c| c.id == "C0SOCIAL1")
            .unwrap()
            .is_member = false;
    }
    // Without chat:write.public a public channel needs the bot invited.
    let granted: Vec<&str> = cxbot::slack::api::required_scopes()
        .into_iter()
        .filter(|s| *s != "users:read.email" && *s != "chat:write.public")
        .collect();
    slack.grant_scopes(&granted);

    let (out, stdout, stderr) = check_live(&slack, playbook()).await;
    assert_eq!(
        out.status.code(),
        Some(1),
        "stdout: {stdout}\nstderr: {stderr}"
    );
    assert!(
        stderr.contains("cxbot check --live found 5 problem(s):"),
        "{stderr}"
    );
    for expected in [
        "scope users:read.email is not granted (needed by users.info)",
        "scope chat:write.public is not granted (needed by posting to public channels without an invite)",
        "fix: add the scope users:read.email and reinstall the app",
        "channels.marketing: channel C0MARKET1 was not found",
        "channels.mobile: #cx-mobile was not found",
        "fix: create #cx-mobile, or fix the name in the playbook",
        "channels.social: the bot is not a member of #cx-social (C0SOCIAL1)",
        "fix: invite the bot: /invite @cxbot in #cx-social (C0SOCIAL1)",
    ] {
        assert!(
            stderr.contains(expected),
            "expected {expected:?} in:\n{stderr}"
        );
    }
    // What was fine is still said.
    assert!(
        stdout.contains("channels.queue: #cx-queue (C0QUEUE01) OK"),
        "{stdout}"
    );
    assert!(!stdout.contains("Slack OK"), "{stdout}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_slack_refuses_stops_the_check_with_the_fix() {
    let slack = FakeSlack::start().await;
    Mock::given(path("/auth.test"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"ok": false, "error": "invalid_auth"})),
        )
        .with_priority(1)
        .mount(&slack.server)
        .await;
    let (out, _stdout, stderr) = check_live(&slack, playbook()).await;
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("found 1 problem(s)"), "{stderr}");
    assert!(stderr.contains("auth.test failed"), "{stderr}");
    assert!(
        stderr.contains("fix: SLACK_BOT_TOKEN is not valid: reinstall the app"),
        "{stderr}"
    );
    let asked: Vec<String> = slack.calls().await.into_iter().map(|(m, _)| m).collect();
    assert_eq!(
        asked,
        ["auth.test"],
        "nothing else is asked with a bad token"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn without_the_list_scope_a_name_is_reported_as_unchecked() {
    let slack = FakeSlack::start().await;
    a_workspace_with_every_channel(&slack);
    Mock::given(path("/conversations.list"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"ok": false, "error": "missing_scope", "needed": "channels:read"}),
        ))
        .with_priority(1)
        .mount(&slack.server)
        .await;
    let (out, _stdout, stderr) = check_live(&slack, playbook()).await;
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr
            .contains("channels.leads: #cx-leads could not be checked: conversations.list failed"),
        "{stderr}"
    );
    assert!(
        stderr.contains("give the playbook the channel's id"),
        "{stderr}"
    );
}

/// With chat:write.public the bot posts to a public channel it is not in: no problem. A
/// private one still needs the invite. When the granted scopes cannot be read, a public
/// channel without the bot is a warning, not a failure.
#[tokio::test(flavor = "multi_thread")]
async fn chat_write_public_makes_an_uninvited_public_channel_fine() {
    let slack = FakeSlack::start().await;
    a_workspace_with_every_channel(&slack);
    {
        let mut ws = slack.workspace.lock().unwrap();
        for c in ws.channels.iter_mut() {
            if c.id == "C0SOCIAL1" {
                c.is_member = false;
            }
            if c.name == "cx-inhouse" {
                c.is_member = false;
                c.is_private = true;
            }
        }
    }
    let (out, stdout, stderr) = check_live(&slack, playbook()).await;
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("cxbot check --live found 1 problem(s):"),
        "{stderr}"
    );
    assert!(
        stderr.contains("channels.inhouse: the bot is not a member of #cx-inhouse")
            && stderr.contains("a private channel needs the invite"),
        "{stderr}"
    );
    assert!(
        stdout.contains(
            "channels.social: #cx-social (C0SOCIAL1) OK (public: the bot posts there uninvited, with chat:write.public)"
        ),
        "{stdout}"
    );

    // Scopes unknown (no x-oauth-scopes header): the uninvited public channel is a warning.
    Mock::given(path("/auth.test"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "ok": true, "url": "https://example.slack.com/", "team": "Example Team",
            "user": "cxbot", "team_id": "T0001", "user_id": "U0CXBOT01", "bot_id": "B0CXBOT01"
        })))
        .with_priority(1)
        .mount(&slack.server)
        .await;
    let (_, stdout, stderr) = check_live(&slack, playbook()).await;
    assert!(
        stderr.contains("warning: channels.social: the bot is not a member of #cx-social (C0SOCIAL1); it can post there only with the chat:write.public scope, and the granted scopes could not be read"),
        "{stdout}\n{stderr}"
    );
    assert!(
        !stderr.contains("  - channels.social"),
        "not a problem: {stderr}"
    );
}
