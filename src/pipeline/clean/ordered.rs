//! The ordered step, in input order: the network stage over batches of chunks, then row numbers
//! and duplicate detection.

use crate::model::AddressRecord;
use crate::pipeline::seen::Seen;
use crate::stage::Stage;

use super::row::{ChunkWork, Facts};

/// The sequential step, in input order: row numbers, duplicates, reject decisions.
pub(super) struct Sequential {
    pub(super) seen: Seen,
    pub(super) row_no: u64,
}

impl Sequential {
    /// Row numbers and duplicate detection, in input order (after the network stage).
    pub(super) fn apply(&mut self, work: &mut ChunkWork) {
        self.seen.warm(work.rows.iter().filter_map(|w| w.key));
        for w in work.rows.iter_mut() {
            self.row_no += 1;
            w.facts.row = self.row_no;
            if let Some(key) = w.key {
                w.facts.flags.duplicate_of = self.seen.first_row(key, self.row_no);
            }
            if let Some(full) = w.full.as_deref_mut() {
                full.row = self.row_no;
                full.flags.duplicate_of = w.facts.flags.duplicate_of;
            }
        }
    }
}

/// Run the network stage over the records of several chunks at once.
/// The rows' facts follow what the stage found (verdict, reason, detail).
pub(super) fn run_stage<'a>(
    works: impl Iterator<Item = &'a mut ChunkWork>,
    stage: Option<&dyn Stage>,
) {
    if let Some(stage) = stage {
        let mut works: Vec<&mut ChunkWork> = works.collect();
        let mut recs: Vec<&mut AddressRecord> = works
            .iter_mut()
            .flat_map(|w| w.rows.iter_mut().filter_map(|r| r.full.as_deref_mut()))
            .collect();
        if recs.is_empty() {
            return;
        }
        stage.process(&mut recs);
        for r in works.iter_mut().flat_map(|w| w.rows.iter_mut()) {
            if let Some(full) = &r.full {
                r.facts = Facts::of(full, r.email_same);
            }
        }
    }
}

/// Chunks held for the network stage until it has a batch of [`Stage::batch_rows`] rows.
pub(super) struct Held<T> {
    items: Vec<T>,
    rows: usize,
}

impl<T> Held<T> {
    pub(super) fn new() -> Self {
        Held {
            items: Vec::new(),
            rows: 0,
        }
    }

    /// Hold `item` of `rows` rows; true when the batch is full.
    pub(super) fn push(&mut self, item: T, rows: usize, batch: usize) -> bool {
        self.items.push(item);
        self.rows += rows;
        self.rows >= batch
    }

    pub(super) fn take(&mut self) -> Vec<T> {
        self.rows = 0;
        std::mem::take(&mut self.items)
    }
}
