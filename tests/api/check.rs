//! `cxbot check` on good and bad configurations (`--live`: `check_live.rs`; the manifest:
//! `manifest.rs`).

use std::process::Command;

fn cxbot(envs: &[(&str, &str)]) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cxbot"));
    cmd.arg("check").current_dir(dir.path()).env_clear();
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.output().expect("cxbot runs")
}

#[test]
fn check_passes_with_both_secrets_and_prints_a_summary() {
    let out = cxbot(&[
        ("SLACK_SIGNING_SECRET", "abc123"),
        ("SLACK_BOT_TOKEN", "xoxb-1-2-3"),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "stdout: {stdout}\nstderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("configuration OK"));
    assert!(stdout.contains("SQLite (sqlite://cxbot.db)"));
    assert!(stdout.contains("queue=#cx-queue"));
    assert!(stdout.contains("time zone America/New_York"));
    assert!(stdout.contains("slack transport: HTTP"), "{stdout}");
    assert!(!stdout.contains("abc123"), "no secret is printed");
    assert!(!stdout.contains("xoxb-1-2-3"), "no token is printed");
}

#[test]
fn check_names_a_missing_signing_secret_and_fails() {
    let out = cxbot(&[("SLACK_BOT_TOKEN", "xoxb-1-2-3")]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("SLACK_SIGNING_SECRET: missing"), "{stderr}");
}

#[test]
fn check_with_an_app_token_needs_no_signing_secret_and_names_socket_mode() {
    let out = cxbot(&[
        ("SLACK_BOT_TOKEN", "xoxb-1-2-3"),
        ("SLACK_APP_TOKEN", "xapp-1-A0001-42-secretpart"),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "stdout: {stdout}\nstderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("slack transport: Socket Mode (SLACK_APP_TOKEN; manifest.socket.yml); HTTP /slack/* refused (no SLACK_SIGNING_SECRET)"),
        "{stdout}"
    );
    assert!(!stdout.contains("secretpart"), "no token is printed");
    let both = cxbot(&[
        ("SLACK_BOT_TOKEN", "xoxb-1-2-3"),
        ("SLACK_APP_TOKEN", "xapp-1-A0001-42-secretpart"),
        ("SLACK_SIGNING_SECRET", "abc123"),
    ]);
    let stdout = String::from_utf8_lossy(&both.stdout);
    assert!(both.status.success());
    assert!(
        stdout.contains("slack transport: Socket Mode (SLACK_APP_TOKEN; manifest.socket.yml), and signed HTTP requests to /slack/* too"),
        "{stdout}"
    );
}

#[test]
fn check_refuses_an_app_token_that_is_not_an_xapp_token() {
    let out = cxbot(&[
        ("SLACK_SIGNING_SECRET", "abc"),
        ("SLACK_BOT_TOKEN", "xoxb-1"),
        ("SLACK_APP_TOKEN", "xoxb-2-not-an-app-token"),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("SLACK_APP_TOKEN: expected an app-level token starting with xapp-"),
        "{stderr}"
    );
    assert!(
        stderr.contains("connections:write"),
        "names the fix: {stderr}"
    );
    assert!(!stderr.contains("not-an-app-token"), "no token is printed");
}

#[test]
fn check_reports_every_problem_with_its_key() {
    let dir = tempfile::tempdir().unwrap();
    let playbook = dir.path().join("bad.toml");
    std::fs::write(
        &playbook,
        "[team]\ntimezone = \"Nowhere/City\"\n[channels]\nqueue = \"cx queue\"\n",
    )
    .unwrap();
    let out = cxbot(&[
        ("SLACK_BOT_TOKEN", "not-a-token"),
        ("DATABASE_URL", "mysql://x"),
        ("CXBOT_LISTEN", "everywhere"),
        ("CXBOT_CONFIG", playbook.to_str().unwrap()),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    for key in [
        "SLACK_SIGNING_SECRET",
        "SLACK_BOT_TOKEN: expected a Slack token",
        "DATABASE_URL",
        "CXBOT_LISTEN",
        "team.timezone",
        "channels.queue",
        "channels.social: missing",
    ] {
        assert!(stderr.contains(key), "expected {key:?} in:\n{stderr}");
    }
}

#[test]
fn check_reports_an_unreadable_playbook() {
    let out = cxbot(&[
        ("SLACK_SIGNING_SECRET", "abc"),
        ("SLACK_BOT_TOKEN", "xoxb-1"),
        ("CXBOT_CONFIG", "/nonexistent/cxbot.toml"),
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("CXBOT_CONFIG: cannot read /nonexistent/cxbot.toml"));
}

/// The lines that say what the app is (commands, scopes, events, features), without
/// comments, request URLs and the transport switch.
fn app_definition(file: &str) -> Vec<String> {
    let text = std::fs::read_to_string(format!("{}/{file}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    text.lines()
        .map(str::trim_end)
        .filter(|l| {
            let t = l.trim();
            !(t.is_empty()
                || t.starts_with('#')
                || t.starts_with("url:")
                || t.starts_with("request_url:")
                || t.starts_with("socket_mode_enabled:"))
        })
        .map(str::to_string)
        .collect()
}

#[test]
fn the_socket_mode_manifest_is_the_same_app_without_request_urls() {
    let http = app_definition("manifest.yml");
    let socket = app_definition("manifest.socket.yml");
    assert_eq!(
        socket, http,
        "manifest.socket.yml must declare the commands, scopes and events of manifest.yml"
    );
    for must in [
        "- command: /cx",
        "- commands",
        "- app_home_opened",
        "is_enabled: true",
    ] {
        assert!(socket.iter().any(|l| l.trim() == must), "{must}");
    }
    let text = std::fs::read_to_string(format!(
        "{}/manifest.socket.yml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    assert!(text.contains("\n  socket_mode_enabled: true\n"));
    assert!(!text.contains("url:"), "no request URL in Socket Mode");
    let http_text =
        std::fs::read_to_string(format!("{}/manifest.yml", env!("CARGO_MANIFEST_DIR"))).unwrap();
    assert!(http_text.contains("\n  socket_mode_enabled: false\n"));
}

#[test]
fn the_readme_documents_the_webhook_formats_exactly_as_the_code_reads_them() {
    let readme =
        std::fs::read_to_string(format!("{}/README.md", env!("CARGO_MANIFEST_DIR"))).unwrap();
    for doc in [
        cxbot::webhooks::generic::GENERIC_FORMAT_DOC,
        cxbot::webhooks::zendesk::ZENDESK_TRIGGER_BODY_DOC,
    ] {
        let body = doc.split_once('\n').unwrap().1;
        assert!(
            readme.contains(body),
            "README is missing or has an outdated copy of:\n{body}"
        );
    }
}

#[test]
fn the_readme_lists_every_environment_variable() {
    let root = env!("CARGO_MANIFEST_DIR");
    let readme = std::fs::read_to_string(format!("{root}/README.md")).unwrap();
    let config = std::fs::read_to_string(format!("{root}/src/config/mod.rs")).unwrap();
    let vars: Vec<&str> = config
        .split("env = \"")
        .skip(1)
        .filter_map(|rest| rest.split_once('"').map(|(name, _)| name))
        .collect();
    for expected in [
        "SLACK_APP_TOKEN",
        "FRESHDESK_WEBHOOK_TOKEN",
        "INTERCOM_CLIENT_SECRET",
        "HUBSPOT_CLIENT_SECRET",
        "ZOHO_WEBHOOK_TOKEN",
        "CXBOT_PUBLIC_URL",
    ] {
        assert!(vars.contains(&expected), "{expected} in {vars:?}");
    }
    for var in vars {
        assert!(
            readme.contains(&format!("| `{var}` |")),
            "README's configuration table lacks {var}"
        );
    }
}

#[test]
fn check_rejects_a_public_url_that_is_not_http() {
    let out = cxbot(&[
        ("SLACK_SIGNING_SECRET", "abc"),
        ("SLACK_BOT_TOKEN", "xoxb-1"),
        ("CXBOT_PUBLIC_URL", "cxbot.example.com"),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("CXBOT_PUBLIC_URL: expected"), "{stderr}");
    let ok = cxbot(&[
        ("SLACK_SIGNING_SECRET", "abc"),
        ("SLACK_BOT_TOKEN", "xoxb-1"),
        ("CXBOT_PUBLIC_URL", "https://cxbot.example.com/"),
    ]);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
}

/// `serve` writing to a pipe or a file (not a terminal) logs plain text: no colour codes.
#[test]
fn serve_logs_plain_text_when_not_on_a_terminal() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_cxbot"))
        .arg("serve")
        .current_dir(dir.path())
        .env_clear()
        .env("SLACK_SIGNING_SECRET", "abc123")
        .env("SLACK_BOT_TOKEN", "xoxb-1-2-3")
        .env("CXBOT_LISTEN", "127.0.0.1:0")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("cxbot serve starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut seen = Vec::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        let done = line.contains("listening");
        seen.push(line);
        if done {
            break;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(seen.iter().any(|l| l.contains("listening")), "{seen:?}");
    assert!(
        seen.iter().all(|l| !l.contains('\u{1b}')),
        "colour codes in {seen:?}"
    );
}
