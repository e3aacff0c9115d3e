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
pub mod seen;

use crate::model::AddressRecord;

/// A stage that refines records after offline analysis: the place where the DNS and SMTP stages
/// plug in. It sees each batch of records in input order, before duplicate detection.
pub trait Stage: Sync {
    /// Refine the verdicts of a batch of records in place.
    fn process(&self, records: &mut [&mut AddressRecord]);

    /// Rows the pipeline should gather (across its input chunks) before calling
    /// [`Stage::process`]: 0 for one call per chunk. Slow stages (SMTP, with its greylisting
    /// waits) see more domains at once with a larger batch.
    fn batch_rows(&self) -> usize {
        0
    }
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

type Job = Box<dyn FnOnce() + Send>;

/// A fixed set of worker threads, each with its own queue, that block (never spin) while
/// waiting: in a pipeline whose reader and writer threads also need the CPU, idle workers must
/// not burn it. Jobs for the same key run on the same worker, so a chunk's allocations are
/// freed by the thread that made them.
pub struct Workers {
    txs: Vec<std::sync::mpsc::Sender<Job>>,
    handles: Vec<std::thread::JoinHandle<()>>,
}

impl Workers {
    /// Start `n` workers named `{name}-{i}`.
    pub fn new(n: usize, name: &str) -> std::io::Result<Workers> {
        let mut txs = Vec::with_capacity(n);
        let mut handles = Vec::with_capacity(n);
        for i in 0..n.max(1) {
            let (tx, rx) = std::sync::mpsc::channel::<Job>();
            txs.push(tx);
            handles.push(
                std::thread::Builder::new()
                    .name(format!("{name}-{i}"))
                    .spawn(move || {
                        for job in rx {
                            job();
                        }
                    })?,
            );
        }
        Ok(Workers { txs, handles })
    }

    /// Queue a job on the worker for `key` (jobs of one worker run in the order queued).
    pub fn spawn(&self, key: u64, job: impl FnOnce() + Send + 'static) {
        if !self.txs.is_empty() {
            let _ = self.txs[(key % self.txs.len() as u64) as usize].send(Box::new(job));
        }
    }

    /// Finish every queued job and stop the workers.
    pub fn join(mut self) {
        self.txs.clear();
        for h in self.handles.drain(..) {
            let _ = h.join();
        }
    }
}
