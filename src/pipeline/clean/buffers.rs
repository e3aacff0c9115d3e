//! The recycled buffers of one `clean` run: input chunks, row buffers and output chunks.

use std::sync::Arc;

use crate::pipeline::Pool;

use super::row::{ChunkWork, RowBuffers};
use super::serialize::OutChunk;

/// Recycled buffers.
#[derive(Clone)]
pub(super) struct Pools {
    pub(super) chunks: Arc<Pool<Vec<u8>>>,
    pub(super) rows: Arc<Pool<RowBuffers>>,
    pub(super) out: Arc<Pool<OutChunk>>,
}

impl Pools {
    /// Pools sized for `threads` workers.
    pub(super) fn new(threads: usize) -> Pools {
        Pools {
            chunks: Pool::new(threads * 8 + 8),
            rows: Pool::new(threads * 4 + 4),
            out: Pool::new(threads * 8 + 8),
        }
    }

    pub(super) fn recycle(&self, work: ChunkWork) {
        self.chunks.put(work.chunk);
        let (mut rows, mut spans) = (work.rows, work.spans);
        rows.clear();
        spans.clear();
        self.rows.put((rows, spans));
    }
}
