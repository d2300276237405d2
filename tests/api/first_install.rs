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
