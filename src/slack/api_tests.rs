//! `WEB_API_METHODS` against the calls the code makes, and the scopes it derives.

use super::{required_scopes, WEB_API_METHODS};

/// The Web API methods named in `source` as the first argument of `marker` calls.
fn methods_called<'a>(source: &'a str, marker: &str) -> Vec<&'a str> {
    let mut found = Vec::new();
    for (i, _) in source.match_indices(marker) {
        let rest = source[i + marker.len()..].trim_start();
        let name = rest
            .strip_prefix('"')
            .and_then(|lit| lit.find('"').map(|end| &lit[..end]));
        if let Some(name) = name.filter(|n| n.contains('.')) {
            found.push(name);
        }
    }
    found
}

/// Every call to Slack goes through `call` (slack-morphism) or `raw_get` (one header
/// slack-morphism does not expose), in this module, `live.rs` and `readback.rs`; the list of methods
/// and their scopes must name exactly those.
#[test]
fn the_method_list_names_exactly_the_methods_called() {
    // The code, not these tests.
    let code = |s: &'static str| s.split("#[cfg(test)]").next().unwrap();
    let sources = [
        code(include_str!("api.rs")),
        code(include_str!("live.rs")),
        code(include_str!("readback.rs")),
    ];
    let mut called: Vec<&str> = sources
        .iter()
        .flat_map(|s| {
            let mut m = methods_called(s, ".call(");
            m.extend(methods_called(s, ".raw_get(&client,"));
            m
        })
        .collect();
    called.sort_unstable();
    called.dedup();
    let mut listed: Vec<&str> = WEB_API_METHODS.iter().map(|(m, _)| *m).collect();
    listed.sort_unstable();
    assert_eq!(
        called, listed,
        "WEB_API_METHODS is out of step with the calls"
    );
}

/// Nothing else in the crate opens a Slack session: every Web API call is one of the
/// above.
#[test]
fn no_other_module_calls_the_web_api() {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    walk(&root, &mut files);
    for f in files {
        let rel = f
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if [
            "slack/api.rs",
            "slack/api_tests.rs",
            "slack/live.rs",
            "slack/readback.rs",
        ]
        .contains(&rel.as_str())
        {
            continue;
        }
        let text = std::fs::read_to_string(&f).unwrap();
        for needle in ["open_session(", "SlackClient::new("] {
            assert!(
                !text.contains(needle),
                "{rel} calls Slack's Web API directly ({needle}): go through SlackApi"
            );
        }
    }
}

#[test]
fn required_scopes_are_the_union_sorted() {
    let scopes = required_scopes();
    assert!(scopes.contains(&"chat:write"));
    assert!(scopes.contains(&"commands"));
    assert!(scopes.windows(2).all(|w| w[0] < w[1]), "{scopes:?}");
}
