//! The writer side: the three output streams, and the writer thread that writes serialised
//! chunks in input order.

use std::io::Write;
use std::sync::{Arc, mpsc};

use crate::pipeline::Pool;
use crate::report::Tally;

use super::CleanError;
use super::serialize::OutChunk;

/// The three output streams.
pub(super) struct Writers {
    pub(super) clean: Box<dyn Write + Send>,
    pub(super) rejects: Box<dyn Write + Send>,
    pub(super) results: Option<Box<dyn Write + Send>>,
    pub(super) pool: Arc<Pool<OutChunk>>,
}

impl Writers {
    pub(super) fn write(&mut self, batch: Vec<OutChunk>) -> Result<(), CleanError> {
        for c in batch {
            self.clean
                .write_all(&c.clean)
                .map_err(|e| CleanError::Io("writing clean output".into(), e))?;
            self.rejects
                .write_all(&c.rejects)
                .map_err(|e| CleanError::Io("writing rejects".into(), e))?;
            if let Some(r) = self.results.as_mut() {
                r.write_all(&c.results)
                    .map_err(|e| CleanError::Io("writing results".into(), e))?;
            }
            self.pool.put(c);
        }
        Ok(())
    }

    /// Start the clean and rejects outputs with a byte-order mark (U+FEFF in UTF-8; an
    /// encoding writer in front turns it into the output encoding's).
    pub(super) fn write_bom(&mut self) -> Result<(), CleanError> {
        self.clean
            .write_all("\u{feff}".as_bytes())
            .map_err(|e| CleanError::Io("writing clean output".into(), e))?;
        self.rejects
            .write_all("\u{feff}".as_bytes())
            .map_err(|e| CleanError::Io("writing rejects".into(), e))
    }

    pub(super) fn flush(&mut self) -> Result<(), CleanError> {
        self.clean
            .flush()
            .map_err(|e| CleanError::Io("writing clean output".into(), e))?;
        self.rejects
            .flush()
            .map_err(|e| CleanError::Io("writing rejects".into(), e))?;
        if let Some(r) = self.results.as_mut() {
            r.flush()
                .map_err(|e| CleanError::Io("writing results".into(), e))?;
        }
        Ok(())
    }
}

/// Start the writer thread: it writes serialised chunks in input order (by sequence number)
/// and returns the merged counts.
pub(super) fn spawn_writer(
    writers: Writers,
    chunks: mpsc::Receiver<(u64, OutChunk, Tally)>,
) -> Result<std::thread::JoinHandle<Result<Tally, CleanError>>, CleanError> {
    spawn_named("mailsift-writer", move || -> Result<Tally, CleanError> {
        let mut w = writers;
        let mut tally = Tally::default();
        let mut next = 0u64;
        let mut waiting = std::collections::BTreeMap::new();
        for (seq, out, t) in chunks {
            tally.merge(t);
            waiting.insert(seq, out);
            while let Some(out) = waiting.remove(&next) {
                w.write(vec![out])?;
                next += 1;
            }
        }
        w.flush()?;
        Ok(tally)
    })
}

/// Wait for the writer thread and give its counts, or the first failure: a reading failure,
/// a writing failure, or `early` when the input's end was never reached.
pub(super) fn finish_writer(
    writer: std::thread::JoinHandle<Result<Tally, CleanError>>,
    failure: Option<CleanError>,
    total: Option<u64>,
    early: &str,
) -> Result<Tally, CleanError> {
    let written = writer
        .join()
        .unwrap_or_else(|_| Err(CleanError::Threads("writer thread panicked".into())));
    if let Some(e) = failure {
        return Err(e);
    }
    let tally = written?;
    if total.is_none() {
        return Err(CleanError::Threads(early.into()));
    }
    Ok(tally)
}

/// Spawn a named thread (names show in `top -H` and profilers).
pub(super) fn spawn_named<T: Send + 'static>(
    name: &str,
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<std::thread::JoinHandle<T>, CleanError> {
    std::thread::Builder::new()
        .name(name.to_owned())
        .spawn(f)
        .map_err(|e| CleanError::Threads(format!("{name}: {e}")))
}
