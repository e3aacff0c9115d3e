//! The single-thread driver: each chunk in turn is read, analysed, refined by the network
//! stage, numbered, decided, serialised and written, all on the calling thread.

use crate::report::Tally;
use crate::stage::Stage;

use super::analyze::analyze_chunk;
use super::input::next_input;
use super::ordered::{Held, run_stage};
use super::policy::decide;
use super::serialize::serialize_chunk;
use super::{CleanError, Job, Outcome};

/// Run `job` on this thread.
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
        mut progress,
        mut seq_state,
        ..
    } = job;
    let batch_rows = stage.map_or(0, Stage::batch_rows);
    let mut tally = Tally::default();
    let mut bytes_done: u64 = 0;
    // Everything on this thread, in turn.
    let (mut chunker, mut first, mut writers) = (chunker, first, writers);
    let mut held = Held::new();
    let mut more = true;
    while more {
        match next_input(&mut chunker, &mut first)? {
            Some((chunk, b)) => {
                bytes_done = bytes_done.max(b);
                let work = analyze_chunk(chunk, layout, &cfg.analyze, &pools.rows);
                let rows = work.rows.len();
                if !held.push(work, rows, batch_rows) {
                    continue;
                }
            }
            None => more = false,
        }
        let mut works = held.take();
        run_stage(works.iter_mut(), stage);
        for mut work in works {
            seq_state.apply(&mut work);
            tally.merge(decide(
                &mut work,
                &cfg.reject,
                cfg.suppress.as_deref(),
                cfg.report,
            ));
            let out = serialize_chunk(&work, &sopts, &pools.out);
            pools.recycle(work);
            writers.write(vec![out])?;
            progress.update(seq_state.row_no, bytes_done);
        }
    }
    progress.finish();
    writers.flush()?;
    Ok(Outcome {
        tally,
        bytes_done,
        seq_state,
    })
}
