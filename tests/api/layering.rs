//! The direction of dependencies (issue 23, `../shared/DESIGN.md`): edges -> service ->
//! domain + db, jobs call services and services queue jobs only through `jobs::enqueue`,
//! views render domain types. Read from the source, so a change that breaks a rule fails
//! here with the file and the line.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every line under `src/<dir>` (or the file `src/<dir>`) that names one of `forbidden`,
/// but for the `allowed` prefixes.
fn offences(dir: &str, forbidden: &[&str], allowed: &[&str]) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(dir);
    let mut files = Vec::new();
    if root.is_dir() {
        rust_files(&root, &mut files);
    } else {
        files.push(root);
    }
    let mut found = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            for bad in forbidden {
                let mut rest = code;
                while let Some(at) = rest.find(bad) {
                    let here = &rest[at..];
                    if !allowed.iter().any(|ok| here.starts_with(ok)) {
                        found.push(format!("{}:{}: {}", f.display(), n + 1, line.trim()));
                    }
                    rest = &rest[at + bad.len()..];
                }
            }
        }
    }
    found
}

#[test]
fn services_speak_no_slack_and_queue_jobs_through_enqueue() {
    let found = offences(
        "service",
        &[
            "crate::slack",
            "crate::http",
            "crate::webhooks",
            "crate::jobs",
        ],
        &["crate::jobs::enqueue"],
    );
    assert!(
        found.is_empty(),
        "service imports an edge:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_domain_depends_on_nothing_else() {
    let found = offences(
        "domain",
        &[
            "crate::db",
            "crate::service",
            "crate::slack",
            "crate::jobs",
            "crate::http",
            "crate::webhooks",
            "crate::config",
            "crate::app",
        ],
        &[],
    );
    assert!(
        found.is_empty(),
        "domain imports a layer above:\n{}",
        found.join("\n")
    );
}

#[test]
fn views_render_domain_types_not_rows() {
    let mut found = offences("slack", &["crate::db"], &[]);
    found.extend(offences("http/error.rs", &["crate::db"], &[]));
    assert!(
        found.is_empty(),
        "an edge reads storage:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_enqueue_interface_holds_no_service_code() {
    let found = offences("jobs/enqueue.rs", &["crate::service", "super::"], &[]);
    assert!(found.is_empty(), "{}", found.join("\n"));
}
