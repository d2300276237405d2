//! Tracing (human or JSON lines) and the Prometheus recorder.

use crate::config::LogFormat;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::Duration;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::EnvFilter;

/// Where log lines go: `serve` logs to stdout (what a container or systemd collects); the
/// operator's commands log to stderr, so their stdout is only their answer (a table, a
/// summary) whatever the log level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogTo {
    Stdout,
    Stderr,
}

pub fn init_tracing(format: LogFormat, filter: &str, to: LogTo) {
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    // Colour codes only on a terminal: a log file or a log collector gets plain text.
    let terminal = match to {
        LogTo::Stdout => std::io::IsTerminal::is_terminal(&std::io::stdout()),
        LogTo::Stderr => std::io::IsTerminal::is_terminal(&std::io::stderr()),
    };
    let writer = move || -> Box<dyn std::io::Write> {
        match to {
            LogTo::Stdout => Box::new(std::io::stdout()),
            LogTo::Stderr => Box::new(std::io::stderr()),
        }
    };
    // Err only when a subscriber is already set (a test harness's): keep that one.
    let _ = match format {
        LogFormat::Human => tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_target(false)
            .with_ansi(terminal)
            .with_writer(writer)
            .finish()
            .try_init(),
        LogFormat::Json => json_subscriber(filter, writer).try_init(),
    };
}

/// `CXBOT_LOG_FORMAT=json`: one object per line, the event's fields at the top level and
/// the span's fields once, under `span`.
///
/// tracing-subscriber writes both `span` (the current span) and `spans` (every span in
/// scope, root first, the current one last) by default, so each span field was in every
/// line twice. `span` is kept: it is a flat object that log pipelines index as they are
/// (`span.request_id`, `span.route`), where `spans` is an array of objects that most of
/// them (Loki's `json`, Elasticsearch's default mapping) cannot filter on field by field.
/// cxbot opens one span, the request's, so nothing is lost; a span nested in it later
/// should carry the fields a line must be found by.
pub fn json_subscriber<W>(filter: EnvFilter, writer: W) -> impl tracing::Subscriber + Send + Sync
where
    W: for<'w> tracing_subscriber::fmt::MakeWriter<'w> + Send + Sync + 'static,
{
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_ansi(false)
        .with_writer(writer)
        .json()
        .flatten_event(true)
        .with_current_span(true)
        .with_span_list(false)
        .finish()
}

/// The process-wide metrics recorder (installed once; several test apps share it).
pub fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Suffix("seconds".to_string()),
                    &[
                        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
                        5.0, 10.0,
                    ],
                )
                .expect("bucket list is not empty")
                .install_recorder()
                .map(spawn_upkeep)
                // The process metrics' HELP lines, once the recorder is there to hold them.
                .inspect(|_| process_collector().describe())
                .expect("no other metrics recorder is installed")
        })
        .clone()
}

/// The standard `process_*` metrics (resident and virtual memory, open and maximum file
/// descriptors, CPU seconds, start time, threads), read from `/proc/self` on Linux.
fn process_collector() -> &'static metrics_process::Collector {
    static COLLECTOR: OnceLock<metrics_process::Collector> = OnceLock::new();
    COLLECTOR.get_or_init(metrics_process::Collector::default)
}

/// Refreshes the `process_*` metrics; `/metrics` calls it on every scrape, so they are
/// as fresh as the scrape and cost nothing between scrapes.
pub fn collect_process_metrics() {
    process_collector().collect();
}

/// How often histogram samples are folded into their buckets.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// `install_recorder` leaves upkeep to its caller: without it every histogram sample (one per
/// request) is kept until the next scrape of `/metrics`, so an unscraped cxbot grew without
/// bound (found in issue 7). A thread, not a task, so it outlives any one runtime (tests
/// build several apps on one recorder).
fn spawn_upkeep(handle: PrometheusHandle) -> PrometheusHandle {
    let upkept = handle.clone();
    let _ = std::thread::Builder::new()
        .name("metrics-upkeep".into())
        .spawn(move || loop {
            std::thread::sleep(UPKEEP_EVERY);
            upkept.run_upkeep();
        });
    handle
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    /// A `MakeWriter` into a shared buffer.
    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl Write for Buffer {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'w> tracing_subscriber::fmt::MakeWriter<'w> for Buffer {
        type Writer = Buffer;
        fn make_writer(&'w self) -> Buffer {
            self.clone()
        }
    }

    #[test]
    fn a_json_line_carries_each_span_field_once() {
        let buffer = Buffer::default();
        let subscriber = json_subscriber(EnvFilter::new("info"), buffer.clone());
        tracing::subscriber::with_default(subscriber, || {
            let span = tracing::info_span!(
                "request",
                route = "/slack/commands",
                request_id = "3f9a1c2e-42"
            );
            let _in = span.enter();
            tracing::info!(status = 200, "response");
        });
        let text = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
        let line = text.lines().next().expect("one line logged");
        let json: serde_json::Value = serde_json::from_str(line).expect("a JSON object");
        assert_eq!(json["message"], "response", "{line}");
        assert_eq!(json["status"], 200, "the event's fields at the top: {line}");
        assert_eq!(json["span"]["request_id"], "3f9a1c2e-42", "{line}");
        assert_eq!(json["span"]["name"], "request", "{line}");
        assert_eq!(
            line.matches("3f9a1c2e-42").count(),
            1,
            "the span's fields once, not under both `span` and `spans`: {line}"
        );
        assert!(json.get("spans").is_none(), "{line}");
    }
}
