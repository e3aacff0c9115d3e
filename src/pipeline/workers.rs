//! `Workers`: a fixed set of blocking worker threads, one queue each, with jobs keyed to a
//! worker.

type Job = Box<dyn FnOnce() + Send>;

/// A fixed set of worker threads, each with its own queue, that block (never spin) while
/// waiting: in a pipeline whose reader and writer threads also need the CPU, idle workers must
/// not burn it. Jobs for the same key run on the same worker, so a chunk's allocations are
/// freed by the thread that made them.
pub(crate) struct Workers {
    txs: Vec<std::sync::mpsc::Sender<Job>>,
    handles: Vec<std::thread::JoinHandle<()>>,
}

impl Workers {
    /// Start `n` workers named `{name}-{i}`.
    pub(crate) fn new(n: usize, name: &str) -> std::io::Result<Workers> {
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
    pub(crate) fn spawn(&self, key: u64, job: impl FnOnce() + Send + 'static) {
        if !self.txs.is_empty() {
            let _ = self.txs[(key % self.txs.len() as u64) as usize].send(Box::new(job));
        }
    }

    /// Finish every queued job and stop the workers.
    pub(crate) fn join(mut self) {
        self.txs.clear();
        for h in self.handles.drain(..) {
            let _ = h.join();
        }
    }
}
