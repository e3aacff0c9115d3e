//! The row counter of a `clean` run: reports to the caller's [`Progress`] at most five times a
//! second, and only once the run has lasted a second.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::progress::{Progress, Step};

/// Row progress of one run; silent without a sink.
pub(crate) struct RowProgress {
    sink: Option<Arc<dyn Progress>>,
    start: Instant,
    last: Instant,
    total_bytes: Option<u64>,
    shown: bool,
}

impl RowProgress {
    /// A reporter for an input of `total_bytes` (if known).
    pub(crate) fn new(sink: Option<Arc<dyn Progress>>, total_bytes: Option<u64>) -> Self {
        let now = Instant::now();
        RowProgress {
            sink,
            start: now,
            last: now,
            total_bytes,
            shown: false,
        }
    }

    /// Report `rows` done and `bytes` read.
    pub(crate) fn update(&mut self, rows: u64, bytes: u64) {
        let Some(sink) = &self.sink else { return };
        let now = Instant::now();
        if now.duration_since(self.start) < Duration::from_secs(1)
            || now.duration_since(self.last) < Duration::from_millis(200)
        {
            return;
        }
        self.last = now;
        if !self.shown {
            self.shown = true;
            sink.start(Step::Rows, self.total_bytes);
        }
        sink.update(Step::Rows, rows, bytes);
    }

    /// The run ended.
    pub(crate) fn finish(&mut self) {
        if let (true, Some(sink)) = (self.shown, &self.sink) {
            sink.finish(Step::Rows);
        }
    }
}
