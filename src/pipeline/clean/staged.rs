//! The staged driver, for runs with a network stage: a reader thread cuts chunks for a worker
//! pool to analyse; the calling thread takes them in input order through the network stage and
//! the ordered step, and hands them back to the pool to decide and serialise; the writer thread
//! writes them in input order.

use std::sync::{Arc, mpsc};

use super::analyze::analyze_chunk;
use super::input::next_input;
use super::ordered::{Held, run_stage};
use super::policy::decide;
use super::row::ChunkWork;
use super::serialize::{OutChunk, serialize_chunk};
use super::writer::{finish_writer, spawn_named, spawn_writer};
use super::{CleanError, Job, Outcome};
use crate::pipeline::Workers;
use crate::report::Tally;
use crate::stage::Stage;

/// Run `job` through its network stage, with `job.threads` workers.
pub(super) fn drive(job: Job<'_>) -> Result<Outcome, CleanError> {
    let Job {
        chunker,
        first,
        writers,
        layout,
        sopts,
        cfg,
        stage,
        pools,
        threads,
        mut progress,
        mut seq_state,
    } = job;
    let batch_rows = stage.map_or(0, Stage::batch_rows);
    let mut bytes_done: u64 = 0;
    // A pipeline: the reader thread cuts chunks and hands each to the worker pool for
    // analysis (at most `window` in flight); this thread takes analysed chunks in input
    // order for the sequential step and hands them back to the pool for serialising; the
    // writer thread writes serialised chunks in input order.
    // Chunks analysed ahead of the ordered step: one per worker. More read-ahead only lets
    // analysed records fall out of the cache before they are serialised (measured: 2
    // threads 0.28 s with a window of 2, 0.33 s with 8, on 1M rows).
    let window = threads.max(2);
    let pool = Arc::new(
        Workers::new(threads, "mailsift-worker").map_err(|e| CleanError::Threads(e.to_string()))?,
    );
    let sopts = Arc::new(sopts);
    let (atx, arx) = mpsc::channel::<Analysed>();
    let (permit_tx, permit_rx) = mpsc::sync_channel::<()>(window);
    for _ in 0..window {
        let _ = permit_tx.send(());
    }
    let reader = {
        let pool = pool.clone();
        let rows_pool = pools.rows.clone();
        let opts = cfg.analyze;
        spawn_named("mailsift-reader", move || {
            let mut seq = 0u64;
            let dispatch = |chunk: Vec<u8>, bytes: u64, seq: u64| -> bool {
                if permit_rx.recv().is_err() {
                    return false;
                }
                let (atx, rows_pool) = (atx.clone(), rows_pool.clone());
                pool.spawn(seq, move || {
                    let work = analyze_chunk(chunk, layout, &opts, &rows_pool);
                    let _ = atx.send(Analysed::Work(seq, bytes, work));
                });
                true
            };
            let (mut chunker, mut first) = (chunker, first);
            loop {
                match next_input(&mut chunker, &mut first) {
                    Ok(Some((c, bytes))) => {
                        if !dispatch(c, bytes, seq) {
                            return;
                        }
                        seq += 1;
                    }
                    Ok(None) => {
                        let _ = atx.send(Analysed::End(seq));
                        return;
                    }
                    Err(e) => {
                        let _ = atx.send(Analysed::Failed(e));
                        return;
                    }
                }
            }
        })?
    };
    let reject = Arc::new(cfg.reject.clone());
    let report = cfg.report;
    let (wtx, wrx) = mpsc::sync_channel::<(u64, OutChunk, Tally)>(window);
    let writer = spawn_writer(writers, wrx)?;
    let mut waiting = std::collections::BTreeMap::new();
    let mut held = Held::new();
    let mut next = 0u64;
    let mut total: Option<u64> = None;
    let mut failure = None;
    while total.is_none_or(|t| next < t) {
        match arx.recv() {
            Ok(Analysed::Work(seq, b, work)) => {
                waiting.insert(seq, (b, work));
            }
            Ok(Analysed::End(t)) => total = Some(t),
            Ok(Analysed::Failed(e)) => {
                failure = Some(e);
                break;
            }
            Err(_) => break,
        }
        let mut full = false;
        while let Some((b, work)) = waiting.remove(&next) {
            bytes_done = bytes_done.max(b);
            let rows = work.rows.len();
            full |= held.push((next, work), rows, batch_rows);
            // Held chunks do not count against the reader's window (the batch bounds them).
            let _ = permit_tx.send(());
            next += 1;
        }
        if !(full || total.is_some_and(|t| next >= t) || failure.is_some()) {
            continue;
        }
        let mut works = held.take();
        run_stage(works.iter_mut().map(|(_, w)| w), stage);
        for (seq, mut work) in works {
            seq_state.apply(&mut work);
            let (sopts, out_pool, wtx) = (sopts.clone(), pools.out.clone(), wtx.clone());
            let (pools2, reject) = (pools.clone(), reject.clone());
            pool.spawn(seq, move || {
                let t = decide(&mut work, &reject, sopts.suppress.as_deref(), report);
                let out = serialize_chunk(&work, &sopts, &out_pool);
                pools2.recycle(work);
                let _ = wtx.send((seq, out, t));
            });
            progress.update(seq_state.row_no, bytes_done);
        }
    }
    drop(permit_tx);
    drop(wtx);
    progress.finish();
    // The workers finish queued serialising before the writer's channel closes.
    let _ = reader.join();
    if let Ok(pool) = Arc::try_unwrap(pool) {
        pool.join();
    }
    let tally = finish_writer(writer, failure, total, "the reader stopped early")?;
    Ok(Outcome {
        tally,
        bytes_done,
        seq_state,
    })
}

/// A message from the reader/analysis side of the pipeline.
enum Analysed {
    /// Chunk `seq` (bytes read so far) analysed.
    Work(u64, u64, ChunkWork),
    /// The input had this many chunks.
    End(u64),
    /// Reading failed.
    Failed(CleanError),
}
