//! What a first install trips on (issue 21): TLS to PostgreSQL, errors that name what failed,
//! a `cxbot check` that connects to the database and reports every problem.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::{Command, Output};

fn cxbot(args: &[&str], envs: &[(&str, &str)]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cxbot"));
    cmd.args(args).current_dir(dir.path()).env_clear();
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.output().expect("cxbot runs")
}

/// A server that answers PostgreSQL's SSLRequest with `N` (no TLS here), as a server
/// without TLS does.
fn postgres_without_tls() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { return };
            let mut request = [0u8; 8];
            if s.read_exact(&mut request).is_ok() {
                let _ = s.write_all(b"N");
            }
        }
    });
    addr.to_string()
}

#[test]
fn sslmode_require_asks_the_server_for_tls() {
    let addr = postgres_without_tls();
    let url = format!("postgres://postgres@{addr}/cxbot?sslmode=require");
    let out = cxbot(&["migrate"], &[("DATABASE_URL", &url)]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(!stderr.contains("without TLS support"), "{stderr}");
    assert!(stderr.contains("server does not support TLS"), "{stderr}");
}

/// With TEST_DATABASE_URL set, `sslmode=require` reaches that server over TLS (a server
/// without TLS is reported as such, never as a build without TLS).
#[test]
fn check_connects_to_the_test_postgres_with_sslmode_require() {
    let Ok(base) = std::env::var("TEST_DATABASE_URL") else {
        return;
    };
    let sep = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{sep}sslmode=require");
    let (ok, stdout, stderr) = check(&[("DATABASE_URL", &url)]);
    assert!(!stderr.contains("without TLS support"), "{stderr}");
    if stderr.contains("server does not support TLS") {
        eprintln!("the server at TEST_DATABASE_URL has no TLS: connected without it only");
        return;
    }
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("database reached: PostgreSQL at"),
        "{stdout}"
    );
}

/// `cxbot serve` with `envs` (and good Slack settings) in `dir`: what it printed to stderr.
fn serve_fails(dir: &std::path::Path, envs: &[(&str, &str)]) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cxbot"));
    cmd.arg("serve")
        .current_dir(dir)
        .env_clear()
        .env("SLACK_SIGNING_SECRET", "abc123")
        .env("SLACK_BOT_TOKEN", "xoxb-1-2-3")
        .env("CXBOT_LISTEN", "127.0.0.1:0");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let started = std::time::Instant::now();
    let out = cmd.output().expect("cxbot runs");
    assert!(!out.status.success(), "serve must fail");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(10),
        "fails fast"
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn serve_names_a_postgres_server_that_does_not_answer_once() {
    let dir = tempfile::tempdir().unwrap();
    let stderr = serve_fails(
        dir.path(),
        &[("DATABASE_URL", "postgres://postgres@127.0.0.1:1/cxbot")],
    );
    assert_eq!(stderr.matches("127.0.0.1:1").count(), 1, "{stderr}");
    assert!(
        stderr.contains("cannot connect to PostgreSQL at 127.0.0.1:1: "),
        "{stderr}"
    );
    assert!(
        stderr.contains("Check that the server is running"),
        "{stderr}"
    );
    assert!(!stderr.contains("pool timed out"), "{stderr}");
}

#[test]
fn serve_names_a_sqlite_file_in_a_missing_directory_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("missing").join("cx.db");
    let url = format!("sqlite://{}", db.display());
    let stderr = serve_fails(dir.path(), &[("DATABASE_URL", &url)]);
    let path = db.display().to_string();
    assert_eq!(stderr.matches(&path).count(), 1, "{stderr}");
    assert!(stderr.contains("does not exist"), "{stderr}");
    assert!(!stderr.contains("unable to open"), "{stderr}");
    assert!(!dir.path().join("missing").exists());
}

#[test]
fn serve_names_a_sqlite_path_it_cannot_open_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a-directory");
    std::fs::create_dir(&db).unwrap();
    let url = format!("sqlite://{}", db.display());
    let stderr = serve_fails(dir.path(), &[("DATABASE_URL", &url)]);
    let path = db.display().to_string();
    assert_eq!(stderr.matches(&path).count(), 1, "{stderr}");
    assert_eq!(
        stderr.matches("unable to open database file").count(),
        1,
        "{stderr}"
    );
    assert!(stderr.contains("must name a file"), "{stderr}");
}

#[test]
fn serve_names_a_busy_address_once_before_creating_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let held = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = held.local_addr().unwrap().to_string();
    let stderr = serve_fails(
        dir.path(),
        &[("CXBOT_LISTEN", &addr), ("DATABASE_URL", "sqlite://cx.db")],
    );
    assert_eq!(stderr.matches(&addr).count(), 1, "{stderr}");
    assert!(stderr.contains("CXBOT_LISTEN"), "{stderr}");
    assert!(stderr.contains("Address already in use"), "{stderr}");
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert!(left.is_empty(), "nothing created: {left:?}");
    drop(held);
}

/// `cxbot check` with good Slack settings, then `envs` over them.
fn check(envs: &[(&str, &str)]) -> (bool, String, String) {
    let mut all = vec![
        ("SLACK_SIGNING_SECRET", "abc123"),
        ("SLACK_BOT_TOKEN", "xoxb-1-2-3"),
    ];
    all.extend_from_slice(envs);
    let out = cxbot(&["check"], &all);
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn check_rejects_the_readmes_placeholders() {
    let (ok, _, stderr) = check(&[
        ("SLACK_SIGNING_SECRET", "your-signing-secret"),
        ("SLACK_BOT_TOKEN", "xoxb-your-token"),
    ]);
    assert!(!ok);
    for key in ["SLACK_SIGNING_SECRET", "SLACK_BOT_TOKEN"] {
        assert!(
            stderr.contains(&format!("{key}: is a placeholder")),
            "{key} in {stderr}"
        );
    }
    let (ok, _, stderr) = check(&[("SLACK_BOT_TOKEN", "xoxb-...")]);
    assert!(!ok);
    assert!(
        stderr.contains("SLACK_BOT_TOKEN: is a placeholder"),
        "{stderr}"
    );
}

#[test]
fn check_accepts_only_a_bot_token_and_says_what_the_other_kinds_are() {
    let (ok, _, stderr) = check(&[("SLACK_BOT_TOKEN", "xoxp-1-2-3-usersecret")]);
    assert!(!ok);
    assert!(
        stderr.contains("SLACK_BOT_TOKEN: expected a Slack token starting with xoxb-: this is a user token (xoxp-)"),
        "{stderr}"
    );
    let (ok, _, stderr) = check(&[("SLACK_BOT_TOKEN", "xapp-1-A0001-42-appsecret")]);
    assert!(!ok);
    assert!(
        stderr.contains("this is an app-level token (xapp-), which goes in SLACK_APP_TOKEN"),
        "{stderr}"
    );
    assert!(!stderr.contains("usersecret") && !stderr.contains("appsecret"));
}

#[test]
fn check_connects_to_postgres_and_names_the_server_it_cannot_reach() {
    let (ok, _, stderr) = check(&[("DATABASE_URL", "postgres://postgres@127.0.0.1:1/cxbot")]);
    assert!(!ok);
    assert!(
        stderr.contains("DATABASE_URL: cannot connect to PostgreSQL at 127.0.0.1:1: "),
        "{stderr}"
    );
    assert_eq!(stderr.matches("127.0.0.1:1").count(), 1, "{stderr}");
}

#[test]
fn check_opens_sqlite_without_creating_anything_and_names_a_bad_path() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("missing").join("cx.db");
    let url = format!("sqlite://{}", db.display());
    let (ok, _, stderr) = check(&[("DATABASE_URL", &url)]);
    assert!(!ok);
    assert!(
        stderr.contains(&format!(
            "DATABASE_URL: cannot open the SQLite database {}: its directory",
            db.display()
        )),
        "{stderr}"
    );
    let fresh = dir.path().join("cx.db");
    let url = format!("sqlite://{}", fresh.display());
    let (ok, stdout, stderr) = check(&[("DATABASE_URL", &url)]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("database reached: SQLite file"), "{stdout}");
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert!(left.is_empty(), "check creates nothing: {left:?}");
}

#[test]
fn check_reports_a_playbook_syntax_error_and_every_environment_problem_in_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let playbook = dir.path().join("cxbot.toml");
    std::fs::write(&playbook, "[team\ntimezone = \"UTC\"\n").unwrap();
    let (ok, _, stderr) = check(&[
        ("CXBOT_CONFIG", playbook.to_str().unwrap()),
        ("SLACK_SIGNING_SECRET", "your-signing-secret"),
        ("SLACK_BOT_TOKEN", "xoxp-1"),
        ("DATABASE_URL", "postgres://postgres@127.0.0.1:1/cxbot"),
    ]);
    assert!(!ok);
    for expected in [
        "found 4 problem(s)",
        "playbook (line 1)",
        "SLACK_SIGNING_SECRET: is a placeholder",
        "SLACK_BOT_TOKEN: expected a Slack token starting with xoxb-",
        "DATABASE_URL: cannot connect to PostgreSQL at 127.0.0.1:1",
    ] {
        assert!(stderr.contains(expected), "{expected:?} in {stderr}");
    }
}

#[test]
fn check_warns_without_a_webhook_secret_or_a_lead_and_still_passes() {
    let (ok, _, stderr) = check(&[]);
    assert!(ok, "{stderr}");
    assert!(
        stderr.contains("warning: webhooks: no helpdesk webhook secret is set"),
        "{stderr}"
    );
    assert!(
        stderr.contains("warning: team.members: no lead"),
        "{stderr}"
    );

    let dir = tempfile::tempdir().unwrap();
    let example =
        std::fs::read_to_string(format!("{}/cxbot.example.toml", env!("CARGO_MANIFEST_DIR")))
            .unwrap();
    let with_lead = example
        .replace(
            "# [[team.member]]\n# slack_id = \"U0123ABCD\"",
            "[[team.member]]\nslack_id = \"U0123ABCD\"",
        )
        .replace(
            "# name = \"Dana\"\n# level = \"L3\"\n# lead = true",
            "name = \"Dana\"\nlevel = \"L3\"\nlead = true",
        );
    assert_ne!(with_lead, example, "the example's commented member");
    let playbook = dir.path().join("cxbot.toml");
    std::fs::write(&playbook, with_lead).unwrap();
    let (ok, stdout, stderr) = check(&[
        ("CXBOT_CONFIG", playbook.to_str().unwrap()),
        ("ZENDESK_WEBHOOK_SECRET", "zsecret"),
    ]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("1 people (1 leads)"), "{stdout}");
    assert!(!stderr.contains("warning"), "{stderr}");
}
