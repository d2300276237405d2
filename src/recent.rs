//! A bounded set of recently seen keys, the oldest forgotten first: what a process
//! remembers for a while so it can answer a repeat without asking anyone (a replayed
//! Slack signature, a redelivered event it recorded). Per process: another replica does
//! not see it, so each user keeps the real guarantee elsewhere and uses this to skip work.

use std::borrow::Borrow;
use std::collections::{HashSet, VecDeque};
use std::hash::Hash;
use std::sync::Mutex;

#[derive(Debug)]
pub struct RecentKeys<K> {
    capacity: usize,
    seen: Mutex<Seen<K>>,
}

#[derive(Debug)]
struct Seen<K> {
    keys: HashSet<K>,
    /// (forget after, key), in the order they were added.
    order: VecDeque<(i64, K)>,
}

impl<K: Hash + Eq + Clone> RecentKeys<K> {
    /// Keeps at most `capacity` keys.
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            seen: Mutex::new(Seen {
                keys: HashSet::new(),
                order: VecDeque::new(),
            }),
        }
    }

    /// Adds `key`, kept until `until` (any clock, the same as `now`'s) unless room is
    /// needed first; true when it was not there. Keys added earlier whose time has passed
    /// are forgotten on the way.
    pub fn insert(&self, key: K, until: i64, now: i64) -> bool {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        while let Some((expiry, _)) = seen.order.front() {
            if *expiry >= now && seen.order.len() < self.capacity {
                break;
            }
            if let Some((_, old)) = seen.order.pop_front() {
                seen.keys.remove(&old);
            }
        }
        if !seen.keys.insert(key.clone()) {
            return false;
        }
        seen.order.push_back((until, key));
        true
    }

    pub fn contains<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.seen
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .keys
            .contains(key)
    }

    /// How many keys are kept now.
    pub fn len(&self) -> usize {
        self.seen
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .order
            .len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::RecentKeys;

    #[test]
    fn a_key_is_kept_until_its_time_or_until_room_is_needed() {
        let recent = RecentKeys::new(3);
        assert!(recent.insert("a", 100, 0));
        assert!(!recent.insert("a", 100, 0), "already there");
        assert!(recent.insert("b", i64::MAX, 0));
        assert!(recent.insert("c", i64::MAX, 0));
        assert!(
            recent.insert("d", i64::MAX, 0),
            "full: the oldest makes room"
        );
        assert!(!recent.contains("a"));
        assert!(recent.contains("b") && recent.contains("d"));
        assert_eq!(recent.len(), 3);
        let timed = RecentKeys::new(10);
        timed.insert("x", 100, 0);
        timed.insert("y", 500, 0);
        assert!(timed.insert("z", 900, 200), "x's time has passed");
        assert!(!timed.contains("x"));
        assert!(timed.contains("y"));
    }
}
