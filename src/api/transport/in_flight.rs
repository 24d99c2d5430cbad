//! The calls waiting for an answer, so that the longest wait can be shown (the TUI's
//! spinner with the elapsed time, the CLI's line after a few seconds).

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use super::Waiting;

/// The calls waiting for an answer, keyed by a sequence number.
#[derive(Default)]
pub(super) struct InFlight {
    next: AtomicU64,
    calls: Mutex<BTreeMap<u64, (String, Instant)>>,
}

/// Removes its call from [`InFlight`] when the attempt ends, however it ends.
pub(super) struct InFlightGuard<'a> {
    owner: &'a InFlight,
    key: u64,
}

impl InFlight {
    pub(super) fn start(&self, endpoint: &str) -> InFlightGuard<'_> {
        let key = self.next.fetch_add(1, Ordering::Relaxed);
        self.lock()
            .insert(key, (endpoint.to_string(), Instant::now()));
        InFlightGuard { owner: self, key }
    }

    pub(super) fn longest(&self) -> Option<Waiting> {
        // Keys grow with time, so the first entry is the oldest.
        self.lock()
            .values()
            .next()
            .map(|(endpoint, started)| Waiting {
                endpoint: endpoint.clone(),
                elapsed: started.elapsed(),
            })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<u64, (String, Instant)>> {
        self.calls.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Drop for InFlightGuard<'_> {
    fn drop(&mut self) {
        self.owner.lock().remove(&self.key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_longest_waiting_call_is_the_oldest_in_flight() {
        let in_flight = InFlight::default();
        assert_eq!(in_flight.longest(), None);
        let first = in_flight.start("GET /a");
        let second = in_flight.start("GET /b");
        assert_eq!(in_flight.longest().unwrap().endpoint, "GET /a");
        drop(first);
        assert_eq!(in_flight.longest().unwrap().endpoint, "GET /b");
        drop(second);
        assert_eq!(in_flight.longest(), None);
    }
}
