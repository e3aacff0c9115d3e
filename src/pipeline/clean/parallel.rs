//! The offline parallel driver: workers take chunks from the input themselves, and the worker
//! that completes the next-in-order chunk takes the ordered step for every chunk ready after it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, mpsc};
use std::time::Duration;

use super::analyze::analyze_chunk;
use super::input::{Input, next_input};
use super::policy::decide;
use super::row::ChunkWork;
use super::serialize::{OutChunk, serialize_chunk};
use super::writer::{finish_writer, spawn_writer};
use super::{CleanError, Job, Outcome};
use crate::pipeline::csvin::Chunker;
use crate::report::Tally;

/// Run `job` (which has no network stage) on `job.threads` workers.
pub(super) fn drive(job: Job<'_>) -> Result<Outcome, CleanError> {
    let Job {
        chunker,
        first,
        writers,
        layout,
        sopts,
        cfg,
        pools,
        threads,
        mut progress,
        seq_state,
        ..
    } = job;
    // Offline, in parallel: each worker takes the next chunk from the input itself (under
    // a lock, so chunks are numbered in input order and their bytes land in the cache of
    // the worker that analyses them), analyses it and leaves it in order; the worker that
    // completes the next-in-order chunk takes the ordered step (row numbers, duplicates)
    // under a lock for every chunk ready after it, then decides and serialises them; the
    // writer thread writes chunks in input order. No worker waits for another, and rows
    // never travel between threads. This thread reports progress.
    let input = Mutex::new(Feed {
        chunker,
        first,
        seq: 0,
        over: false,
    });
    let order = Mutex::new(Turn {
        next: 0,
        busy: false,
        ready: std::collections::BTreeMap::new(),
        unsent: 0,
    });
    // Locked only by the worker that is `busy` with the ordered step: never contended.
    let state = Mutex::new(seq_state);
    let (ptx, prx) = mpsc::channel::<Progressed>();
    // Rows through the ordered step and bytes read then, for the progress line (read by
    // this thread now and then: no message, and no wake-up, per chunk).
    let (rows_done, read_done) = (&AtomicU64::new(0), &AtomicU64::new(0));
    let (wtx, wrx) = mpsc::sync_channel::<(u64, OutChunk, Tally)>(threads * 2);
    let writer = spawn_writer(writers, wrx)?;
    let (opts, reject) = (&cfg.analyze, &cfg.reject);
    let room = Condvar::new();
    let (input, order_ref, state_ref, room, pools, sopts) =
        (&input, &order, &state, &room, &pools, &sopts);
    let mut failure = None;
    let mut total: Option<u64> = None;
    std::thread::scope(|sc| {
        for i in 0..threads {
            let (ptx, wtx) = (ptx.clone(), wtx.clone());
            let work_loop = move || {
                loop {
                    {
                        // Bounded memory: no new chunk while too many wait for their turn
                        // (the chunk whose turn it is is being analysed by another worker)
                        // or for serialising.
                        let mut g = order_ref.lock().unwrap_or_else(|e| e.into_inner());
                        while g.ready.len() + g.unsent >= threads * 2 {
                            g = room.wait(g).unwrap_or_else(|e| e.into_inner());
                        }
                    }
                    let (seq, chunk, bytes) = {
                        let mut g = input.lock().unwrap_or_else(|e| e.into_inner());
                        if g.over {
                            return;
                        }
                        let Feed { chunker, first, .. } = &mut *g;
                        match next_input(chunker, first) {
                            Ok(Some((c, b))) => {
                                g.seq += 1;
                                (g.seq - 1, c, b)
                            }
                            Ok(None) => {
                                g.over = true;
                                let _ = ptx.send(Progressed::End(g.seq));
                                return;
                            }
                            Err(e) => {
                                g.over = true;
                                let _ = ptx.send(Progressed::Failed(e));
                                return;
                            }
                        }
                    };
                    let work = analyze_chunk(chunk, layout, opts, &pools.rows);
                    // Leave the chunk; unless another worker is busy with the ordered step,
                    // take that step for every chunk whose turn has come, outside the lock
                    // (and then for those that became ready meanwhile).
                    let mut taken = {
                        let mut g = order_ref.lock().unwrap_or_else(|e| e.into_inner());
                        g.ready.insert(seq, (work, bytes));
                        if g.busy {
                            Vec::new()
                        } else {
                            let t = g.take_ready();
                            g.busy = !t.is_empty();
                            t
                        }
                    };
                    let mut mine = Vec::new();
                    while !taken.is_empty() {
                        {
                            let mut st = state_ref.lock().unwrap_or_else(|e| e.into_inner());
                            for (seq, mut w, b) in taken {
                                st.apply(&mut w);
                                mine.push((seq, w, b, st.row_no));
                            }
                        }
                        let mut g = order_ref.lock().unwrap_or_else(|e| e.into_inner());
                        taken = g.take_ready();
                        g.busy = !taken.is_empty();
                    }
                    let sent = mine.len();
                    for (seq, mut work, bytes, rows) in mine {
                        rows_done.fetch_max(rows, Ordering::Relaxed);
                        read_done.fetch_max(bytes, Ordering::Relaxed);
                        let t = decide(&mut work, reject, cfg.suppress.as_deref(), cfg.report);
                        let out = serialize_chunk(&work, sopts, &pools.out);
                        pools.recycle(work);
                        let _ = wtx.send((seq, out, t));
                    }
                    if sent > 0 {
                        order_ref.lock().unwrap_or_else(|e| e.into_inner()).unsent -= sent;
                        room.notify_all();
                    }
                }
            };
            let spawned = std::thread::Builder::new()
                .name(format!("mailsift-worker-{i}"))
                .spawn_scoped(sc, work_loop);
            if let Err(e) = spawned {
                input.lock().unwrap_or_else(|e| e.into_inner()).over = true;
                failure = Some(CleanError::Threads(format!("mailsift-worker-{i}: {e}")));
                break;
            }
        }
        drop(ptx);
        drop(wtx);
        // Until the input ends (the scope then waits for the workers to finish).
        loop {
            match prx.recv_timeout(Duration::from_millis(100)) {
                Ok(Progressed::End(t)) => {
                    total = Some(t);
                    break;
                }
                Ok(Progressed::Failed(e)) => {
                    failure.get_or_insert(e);
                    break;
                }
                Err(mpsc::RecvTimeoutError::Timeout) => progress.update(
                    rows_done.load(Ordering::Relaxed),
                    read_done.load(Ordering::Relaxed),
                ),
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
        }
    });
    let bytes_done = read_done.load(Ordering::Relaxed);
    progress.finish();
    let tally = finish_writer(writer, failure, total, "the input was not read to its end")?;
    let seq_state = state.into_inner().unwrap_or_else(|e| e.into_inner());
    Ok(Outcome {
        tally,
        bytes_done,
        seq_state,
    })
}

/// Whose turn it is in the ordered step (the offline parallel path).
struct Turn {
    /// The sequence number of the chunk whose turn it is.
    next: u64,
    /// A worker is taking the ordered step (it also takes the chunks that become ready
    /// meanwhile), so the others leave their chunks and go on.
    busy: bool,
    /// Analysed chunks waiting for their turn (with the bytes read when they were cut).
    ready: std::collections::BTreeMap<u64, (ChunkWork, u64)>,
    /// Chunks past the ordered step, not yet handed to the writer.
    unsent: usize,
}

impl Turn {
    /// The chunks whose turn has come, in order, marked as taken.
    fn take_ready(&mut self) -> Vec<(u64, ChunkWork, u64)> {
        let mut taken = Vec::new();
        while let Some((w, b)) = self.ready.remove(&self.next) {
            taken.push((self.next, w, b));
            self.next += 1;
        }
        self.unsent += taken.len();
        taken
    }
}

/// The input of the offline parallel path, taken chunk by chunk by the workers.
struct Feed {
    chunker: Chunker<Input>,
    /// The held-back first record of a headerless list.
    first: Option<Vec<u8>>,
    /// The sequence number of the next chunk.
    seq: u64,
    /// The input ended or failed: no more chunks.
    over: bool,
}

/// The end of the offline parallel path's input, reported to the coordinating thread.
enum Progressed {
    /// The input had this many chunks.
    End(u64),
    /// Reading failed.
    Failed(CleanError),
}
