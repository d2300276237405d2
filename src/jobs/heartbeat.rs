//! The background worker's heartbeat: when its loop last finished a poll (looked for due
//! jobs, or leased and ran a batch), in the injected clock's milliseconds. `/readyz` turns
//! 503 when it is older than [`STALLED_AFTER_MS`]: the process still answers HTTP, but its
//! jobs (every Slack post, every timer) have stopped here.
//!
//! Only the production loop ([`Worker::run`](super::worker::Worker::run)) arms it. A
//! process that runs no worker loop (the tests and the demo drain theirs by hand) has an
//! unarmed heartbeat and stays ready however long nothing polls.

use tokio::sync::watch;

/// How long the worker loop may go without finishing a poll before `/readyz` calls it
/// stuck: 3 minutes. An idle loop polls every second; a busy one beats after every job, and
/// a job is cut off at half its lease (150 s, [`LEASE_MS`](super::worker::LEASE_MS)); the
/// 30 s beyond that cover a database slow to hand out a connection (its pool gives up after
/// 5 s) or a slow batch write. Longer than that, the loop is not coming back by itself (a
/// handler stuck in blocking code, a worker task that panicked): a load balancer should
/// send the work to a replica whose worker runs, and an operator should look.
pub const STALLED_AFTER_MS: i64 = super::worker::LEASE_MS / 2 + 30_000;

/// When the worker loop last polled; None while no loop runs.
#[derive(Debug)]
pub struct Heartbeat {
    last: watch::Sender<Option<i64>>,
}

impl Default for Heartbeat {
    fn default() -> Self {
        Self::new()
    }
}

impl Heartbeat {
    pub fn new() -> Self {
        Self {
            last: watch::Sender::new(None),
        }
    }

    /// The loop started, or finished a poll, at `now`.
    pub fn beat(&self, now: i64) {
        self.last.send_replace(Some(now));
    }

    /// A job finished at `now`: progress, when a loop runs (a drain by hand arms nothing).
    pub fn progress(&self, now: i64) {
        self.last.send_if_modified(|last| match last {
            Some(at) => {
                *at = now.max(*at);
                true
            }
            None => false,
        });
    }

    /// The loop stopped (shutdown).
    pub fn stop(&self) {
        self.last.send_replace(None);
    }

    /// How long since the loop last polled; None when no loop runs in this process.
    pub fn silent_for(&self, now: i64) -> Option<i64> {
        self.last.borrow().map(|at| (now - at).max(0))
    }

    /// Why this process is not ready, when its worker loop has not polled for longer than
    /// [`STALLED_AFTER_MS`]: "worker has not polled for 185 s".
    pub fn stalled(&self, now: i64) -> Option<String> {
        self.silent_for(now)
            .filter(|silent| *silent > STALLED_AFTER_MS)
            .map(|silent| format!("worker has not polled for {} s", silent / 1_000))
    }

    /// Changes of the last poll's time (a test waits for the loop's first beat).
    pub fn watch(&self) -> watch::Receiver<Option<i64>> {
        self.last.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unarmed_is_never_stalled() {
        let h = Heartbeat::new();
        h.progress(1_000);
        assert_eq!(h.silent_for(i64::MAX), None, "a drain by hand arms nothing");
        assert_eq!(h.stalled(10 * STALLED_AFTER_MS), None);
    }

    #[test]
    fn stalled_past_the_threshold_and_ready_again_after_a_beat() {
        let h = Heartbeat::new();
        h.beat(0);
        assert_eq!(
            h.stalled(STALLED_AFTER_MS),
            None,
            "at the threshold: still fine"
        );
        assert_eq!(
            h.stalled(STALLED_AFTER_MS + 5_000).as_deref(),
            Some("worker has not polled for 185 s")
        );
        h.progress(STALLED_AFTER_MS);
        assert_eq!(h.silent_for(STALLED_AFTER_MS + 5_000), Some(5_000));
        h.stop();
        assert_eq!(h.stalled(i64::MAX), None, "stopped: no loop to wait for");
    }
}
