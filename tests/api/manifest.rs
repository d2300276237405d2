//! manifest.yml against the code: the slash command, the request URLs (and that the app
//! serves them), the bot events and the bot scopes, each compared with the list the code
//! itself uses, never with a list written here.
//!
//! There is no YAML crate in the tree; manifest.yml is plain block YAML, and the reader
//! below follows its indentation (enough for this file, not for YAML at large).

use crate::helpers::*;
use cxbot::slack::{api, commands, events, routes};

const PLACEHOLDER_HOST: &str = "https://cxbot.example.com";

fn manifest() -> String {
    std::fs::read_to_string(format!("{}/manifest.yml", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// A line without its comment (a `#` at the start or after a space; `"#1d4f73"` stays).
fn code(line: &str) -> &str {
    let mut prev = ' ';
    for (i, c) in line.char_indices() {
        if c == '#' && prev == ' ' {
            return &line[..i];
        }
        prev = c;
    }
    line
}

/// The lines nested under the key path (`["oauth_config", "scopes", "bot"]`), trimmed.
/// Each key of the path must be a direct child of the one before (the top one at the
/// left margin).
fn block(text: &str, key_path: &[&str]) -> Vec<String> {
    // Indents of the keys of `key_path` matched so far.
    let mut open: Vec<usize> = Vec::new();
    // The indent of the direct children of the last key matched (the first line under it).
    let mut children: Option<usize> = Some(0);
    let mut found = Vec::new();
    for line in text.lines() {
        let line = code(line);
        if line.trim().is_empty() {
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        if open.last().is_some_and(|&i| indent <= i) {
            // Left the block: start again from the top.
            open.clear();
            children = Some(0);
        }
        let t = line.trim();
        if open.len() == key_path.len() {
            found.push(t.to_string());
            continue;
        }
        let child = *children.get_or_insert(indent);
        if indent == child && t == format!("{}:", key_path[open.len()]) {
            open.push(indent);
            children = None;
        }
    }
    found
}

/// The `- item` entries of a list under the key path.
fn list(text: &str, key_path: &[&str]) -> Vec<String> {
    block(text, key_path)
        .iter()
        .filter_map(|l| l.strip_prefix("- ").map(|v| v.trim().to_string()))
        .collect()
}

/// The value of `key:` directly in the block under the key path.
fn value(text: &str, key_path: &[&str], key: &str) -> Option<String> {
    block(text, key_path).iter().find_map(|l| {
        l.strip_prefix(&format!("{key}:"))
            .map(|v| v.trim().to_string())
    })
}

/// A request URL's path, checking it uses the placeholder host README tells you to replace.
fn url_path(url: &str) -> String {
    url.strip_prefix(PLACEHOLDER_HOST)
        .unwrap_or_else(|| panic!("{url} does not start with {PLACEHOLDER_HOST}"))
        .to_string()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[test]
fn the_reader_follows_the_manifests_nesting() {
    let text = "a:\n  b:\n    # note\n    - x   # why\n    - y\n  c: \"#1d4f73\"\n  d:\n    b:\n      - w\nb:\n  - z\n";
    assert_eq!(list(text, &["a", "b"]), ["x", "y"]);
    assert_eq!(list(text, &["b"]), ["z"]);
    assert_eq!(list(text, &["a", "d", "b"]), ["w"]);
    assert_eq!(value(text, &["a"], "c").as_deref(), Some("\"#1d4f73\""));
}

#[test]
fn the_slash_command_is_the_one_cxbot_answers_at_its_url() {
    let m = manifest();
    let items = block(&m, &["features", "slash_commands"]);
    let commands_declared: Vec<&str> = items
        .iter()
        .filter_map(|l| l.strip_prefix("- command:").map(str::trim))
        .collect();
    assert_eq!(commands_declared, [commands::SLASH_COMMAND]);
    let url = items
        .iter()
        .find_map(|l| l.strip_prefix("url:").map(str::trim))
        .expect("the slash command has a url");
    assert_eq!(url_path(url), routes::COMMANDS_PATH);
}

#[test]
fn the_request_urls_are_the_routes_the_code_declares() {
    let m = manifest();
    let events_url = value(&m, &["settings", "event_subscriptions"], "request_url").unwrap();
    assert_eq!(url_path(&events_url), routes::EVENTS_PATH);
    let interactivity = value(&m, &["settings", "interactivity"], "request_url").unwrap();
    assert_eq!(url_path(&interactivity), routes::INTERACTIVITY_PATH);
    assert_eq!(
        value(&m, &["settings", "interactivity"], "is_enabled").as_deref(),
        Some("true")
    );
}

/// Every path the manifest names is served (an unsigned POST is refused by the signature
/// check, 401, where an unknown path is 404).
#[tokio::test]
async fn every_manifest_url_is_served_by_the_app() {
    let m = manifest();
    let mut urls: Vec<String> = block(&m, &["features", "slash_commands"])
        .iter()
        .filter_map(|l| l.strip_prefix("url:").map(|u| u.trim().to_string()))
        .collect();
    urls.extend(value(
        &m,
        &["settings", "event_subscriptions"],
        "request_url",
    ));
    urls.extend(value(&m, &["settings", "interactivity"], "request_url"));
    assert_eq!(urls.len(), 3, "{urls:?}");
    let app = spawn_app().await;
    for url in urls {
        let p = url_path(&url);
        let res = app.post_raw(&p, "{}", "application/json", &[]).await;
        assert_eq!(
            res.status(),
            401,
            "{p} is not served as a signed Slack endpoint"
        );
    }
    let res = app
        .post_raw("/slack/nope", "{}", "application/json", &[])
        .await;
    assert_eq!(res.status(), 404);
}

#[test]
fn the_bot_events_are_the_ones_the_event_handler_acts_on() {
    let m = manifest();
    let declared = sorted(list(&m, &["settings", "event_subscriptions", "bot_events"]));
    let handled = sorted(
        events::SUBSCRIBED_EVENTS
            .iter()
            .map(|e| e.to_string())
            .collect(),
    );
    assert_eq!(declared, handled);
    // app_home_opened needs the Home tab it publishes.
    assert_eq!(
        value(&m, &["features", "app_home"], "home_tab_enabled").as_deref(),
        Some("true")
    );
}

#[test]
fn the_bot_scopes_are_exactly_those_the_web_api_calls_and_features_need() {
    let m = manifest();
    let declared = sorted(list(&m, &["oauth_config", "scopes", "bot"]));
    let needed: Vec<String> = api::required_scopes()
        .iter()
        .map(|s| s.to_string())
        .collect();
    let missing: Vec<&String> = needed.iter().filter(|s| !declared.contains(s)).collect();
    let unused: Vec<&String> = declared.iter().filter(|s| !needed.contains(s)).collect();
    assert!(
        missing.is_empty() && unused.is_empty(),
        "manifest.yml lacks {missing:?} (needed by: {}) and asks for {unused:?}, which no call in slack::api::WEB_API_METHODS or FEATURE_SCOPES needs",
        missing.iter().map(|s| api::needed_by(s)).collect::<Vec<_>>().join("; ")
    );
}

/// The usage hint Slack shows while typing `/cx` names every subcommand `/cx help` lists.
#[test]
fn the_usage_hint_lists_every_subcommand() {
    let m = manifest();
    let items = block(&m, &["features", "slash_commands"]);
    let hint = items
        .iter()
        .find_map(|l| {
            l.strip_prefix("usage_hint:")
                .map(|h| h.trim().trim_matches('"'))
        })
        .expect("the slash command has a usage hint");
    let in_hint: Vec<&str> = hint
        .split('|')
        .filter_map(|alt| alt.split_whitespace().next())
        .collect();
    for (usage, _) in commands::USAGE {
        let sub = usage
            .split_whitespace()
            .nth(1)
            .expect("a usage line names a subcommand");
        assert!(in_hint.contains(&sub), "usage_hint lacks `{sub}` ({usage})");
    }
}

/// What Cargo.toml's description promises is built: each feature it lists ("cards, claims,
/// cadences, SLAs, digests") is named by a row of the README's "What works today" table
/// marked done.
#[test]
fn the_package_description_lists_only_what_works() {
    let description = env!("CARGO_PKG_DESCRIPTION");
    let (_, list) = description
        .split_once(':')
        .expect("the description lists its features after a colon");
    let readme =
        std::fs::read_to_string(format!("{}/README.md", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let table = readme
        .split("## What works today")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("the README has a What works today section");
    let done: Vec<String> = table
        .lines()
        .filter(|l| {
            l.starts_with('|')
                && l.trim_end()
                    .trim_end_matches('|')
                    .trim_end()
                    .ends_with("done")
        })
        .map(str::to_lowercase)
        .collect();
    assert!(!done.is_empty());
    for feature in list.trim().trim_end_matches('.').split(',') {
        let feature = feature.trim().to_lowercase();
        let stem = feature.trim_end_matches('s');
        assert!(
            done.iter().any(|row| row.contains(stem)),
            "the description promises `{feature}` but no done row of What works today names it"
        );
    }
}
