//! Orchestration: streaming readers, parallel stages, ordered sinks, progress.
//!
//! `clean` flows like this:
//!
//! ```text
//! reader thread --chunks of whole records--> rayon: parse CSV + offline analysis (address)
//!   --> [network stages: DNS, SMTP, keyed by domain; see `Stage`]
//!   --> main thread, in input order: row numbers, duplicate detection, reject decision
//!   --> rayon: serialise CSV / JSON Lines --> writer thread: clean, rejects, results
//! ```

pub mod clean;
pub mod csvin;
pub mod progress;

use crate::model::AddressRecord;

/// A stage that refines records after offline analysis: the place where the DNS and SMTP stages
/// plug in. It sees each batch of records in input order, before duplicate detection.
pub trait Stage: Sync {
    /// Refine the verdicts of a batch of records in place.
    fn process(&self, records: &mut [&mut AddressRecord]);
}

/// A free list of reusable buffers shared between pipeline threads, so that big buffers are
/// recycled instead of being returned to (and faulted back in from) the operating system.
#[derive(Debug)]
pub struct Pool<T> {
    items: std::sync::Mutex<Vec<T>>,
    max: usize,
}

impl<T> Pool<T> {
    /// A pool keeping at most `max` idle items.
    pub fn new(max: usize) -> std::sync::Arc<Self> {
        std::sync::Arc::new(Pool {
            items: std::sync::Mutex::new(Vec::new()),
            max,
        })
    }

    /// An idle item, if any.
    pub fn take(&self) -> Option<T> {
        self.items.lock().ok()?.pop()
    }

    /// Return an item for reuse (dropped when the pool is full).
    pub fn put(&self, item: T) {
        if let Ok(mut v) = self.items.lock()
            && v.len() < self.max
        {
            v.push(item);
        }
    }
}
