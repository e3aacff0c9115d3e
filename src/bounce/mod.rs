//! The bounce auditor: read bounce messages (.eml, mbox, Maildir, directories, stdin, gzip),
//! decode them (RFC 3464/6533 DSNs, RFC 5965 ARF, RFC 3834 auto-replies, plain-text MTA
//! formats) and classify each failed recipient (docs/architecture.md, "Bounce reasons").
//!
//! Start with [`decode_message`] for one message or [`run`] for files and directories.
//! Nothing here panics on untrusted input: a message that cannot be decoded yields a `norecord`
//! line or a record with reason `undefined`.

pub(crate) mod classify;
mod connection_note;
pub(crate) mod decode;
pub(crate) mod diagnostic;
mod evidence;
mod phrase_dfa;
mod provider;
mod record;
mod summary;
pub(crate) mod text;
mod write;

use std::collections::BTreeSet;
use std::io::{self, Read, Write};
use std::path::PathBuf;
use std::time::Instant;

use rayon::prelude::*;

pub use decode::decode_message;
pub(crate) use evidence::Class;

use crate::input;
use crate::input::InputFile;
pub use record::{BounceRecord, MessageOutcome};
pub use summary::BounceSummary;
pub use write::{Format, to_jsonl};

use summary::tally;
use write::{CSV_FIELDS, serialise, write_suppress};

/// Configuration of a [`run`].
#[derive(Debug, Clone)]
pub struct BounceConfig {
    /// Files, directories or `-`.
    pub inputs: Vec<PathBuf>,
    /// Output format.
    pub format: Format,
    /// Worker threads (0 = one per core).
    pub threads: usize,
    /// Read every input this many times (benchmarks); 0 counts as 1.
    pub repeat: usize,
}

/// Whether the format-specific detectors are turned off (the environment variable
/// `MAILSIFT_GENERIC_ONLY=1`, read once): only the generic RFC 3464 and plain-text paths and
/// the generic classifier run, without the provider rules (`data/bounce_rhost.tsv`), the MTA
/// category fields (`data/bounce_categories.tsv`), the Amazon SES JSON and diagnostic
/// readers, the old Sendmail session reader and the Google Groups rule. A test switch for the
/// generalisation check of docs/bounces.md; never set in normal use.
#[doc(hidden)]
pub fn generic_only() -> bool {
    static G: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *G.get_or_init(|| {
        std::env::var_os("MAILSIFT_GENERIC_ONLY").is_some_and(|v| !v.is_empty() && v != "0")
    })
}

/// Decode every message of one in-memory file (any line endings, gzip allowed).
pub fn decode_file_bytes(name: &str, data: &[u8]) -> Vec<MessageOutcome> {
    let unzipped;
    let data = match input::gunzip(data) {
        Ok(input::MaybeGzip::Gzip(mut d)) => {
            let mut v = Vec::new();
            let _ = d.read_to_end(&mut v);
            unzipped = v;
            &unzipped[..]
        }
        _ => data,
    };
    let norm = input::normalize_eol(data);
    let mut msgs = Vec::new();
    let _ = input::split_messages(&norm[..], |i, m| {
        msgs.push((i, m));
        true
    });
    let mut out: Vec<MessageOutcome> = msgs.iter().map(|(i, m)| outcome(name, *i, m)).collect();
    if out.is_empty() {
        out.push(MessageOutcome::NoRecord {
            file: name.to_string(),
            msgindex: 1,
        });
    }
    out
}

fn outcome(name: &str, idx: usize, msg: &[u8]) -> MessageOutcome {
    let mut recs = decode_message(msg);
    if recs.is_empty() {
        return MessageOutcome::NoRecord {
            file: name.to_string(),
            msgindex: idx,
        };
    }
    for r in &mut recs {
        r.file = name.to_string();
        r.msgindex = idx;
    }
    MessageOutcome::Records(recs)
}

/// Where the results of a [`run`] go.
pub struct BounceSinks {
    /// Per-record output (JSONL or CSV).
    pub records: Box<dyn Write + Send>,
    /// Suppression list: one address a line, deduplicated, sorted.
    pub suppress: Option<Box<dyn Write + Send>>,
}

/// One unit of parallel work: a whole (small) file, read and decoded by a worker, or one
/// message of a large file streamed by the reader thread.
enum Work {
    File(InputFile),
    Msg(String, usize, Vec<u8>),
}

/// What a worker returns for one unit: outcomes (for the counts), their serialised lines and
/// a read error, if any.
struct WorkOut {
    outs: Vec<MessageOutcome>,
    bytes: Vec<u8>,
    error: Option<String>,
}

/// A batch of work items, decoded in parallel and written in order.
type Batch = Vec<Work>;

const BATCH_ITEMS: usize = 256;
const BATCH_BYTES: usize = 32 << 20;
/// Files up to this size are read by the workers; larger ones are streamed by the reader.
const WORKER_FILE_MAX: u64 = 4 << 20;

fn do_work(w: &Work, format: Format) -> WorkOut {
    let (outs, error) = match w {
        Work::Msg(name, idx, m) => (vec![outcome(name, *idx, m)], None),
        Work::File(f) => {
            let mut outs = Vec::new();
            let res = input::read_messages(f, |i, m| {
                outs.push(outcome(&f.name, i, &m));
                true
            });
            match res {
                Ok(0) => outs.push(MessageOutcome::NoRecord {
                    file: f.name.clone(),
                    msgindex: 1,
                }),
                Ok(_) => {}
                Err(e) => {
                    return WorkOut {
                        outs: Vec::new(),
                        bytes: Vec::new(),
                        error: Some(format!("{}: {e}", f.name)),
                    };
                }
            }
            (outs, None)
        }
    };
    let bytes = serialise(&outs, format);
    WorkOut { outs, bytes, error }
}

/// Read all inputs, decode in parallel, write records in input order. Small files are read
/// and decoded by the workers; large files (mbox archives) are streamed message by message by
/// a reader thread. Memory: two batches in flight (at most 256 items or 32 MiB plus one item).
pub fn run(cfg: &BounceConfig, mut sinks: BounceSinks) -> io::Result<BounceSummary> {
    let start = Instant::now();
    let mut summary = BounceSummary::default();
    let files = input::collect(&cfg.inputs, &mut summary.errors);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(cfg.threads)
        .build()
        .map_err(io::Error::other)?;
    let (tx, rx) = std::sync::mpsc::sync_channel::<Batch>(2);
    let repeat = cfg.repeat.max(1);
    let reader = std::thread::spawn(move || {
        let mut errors = Vec::new();
        let mut nfiles = 0u64;
        let mut batch: Batch = Vec::new();
        let mut bytes = 0usize;
        let push = |batch: &mut Batch, bytes: &mut usize, w: Work, size: usize| -> bool {
            batch.push(w);
            *bytes += size;
            if batch.len() >= BATCH_ITEMS || *bytes >= BATCH_BYTES {
                *bytes = 0;
                return tx.send(std::mem::take(batch)).is_ok();
            }
            true
        };
        'all: for _ in 0..repeat {
            for f in &files {
                nfiles += 1;
                // the size from the listing: no `stat` per file and pass
                let size = f.size.filter(|_| f.path.as_os_str() != "-");
                if let Some(size) = size.filter(|&n| n <= WORKER_FILE_MAX) {
                    if !push(&mut batch, &mut bytes, Work::File(f.clone()), size as usize) {
                        break 'all;
                    }
                    continue;
                }
                let mut any = false;
                let mut stop = false;
                let res = input::read_messages(f, |i, m| {
                    any = true;
                    let size = m.len();
                    if !push(
                        &mut batch,
                        &mut bytes,
                        Work::Msg(f.name.clone(), i, m),
                        size,
                    ) {
                        stop = true;
                        return false;
                    }
                    true
                });
                if stop {
                    break 'all;
                }
                if let Err(e) = &res {
                    errors.push(format!("{}: {e}", f.name));
                }
                if !any && res.is_ok() {
                    // empty input: one "no bounce" line
                    if !push(
                        &mut batch,
                        &mut bytes,
                        Work::Msg(f.name.clone(), 1, Vec::new()),
                        0,
                    ) {
                        break 'all;
                    }
                }
            }
        }
        if !batch.is_empty() {
            let _ = tx.send(batch);
        }
        (nfiles, errors)
    });
    let mut suppress = BTreeSet::new();
    if cfg.format == Format::Csv {
        let mut head = Vec::new();
        let mut w = csv::Writer::from_writer(&mut head);
        w.write_record(CSV_FIELDS).map_err(io::Error::other)?;
        w.flush()?;
        drop(w);
        sinks.records.write_all(&head)?;
    }
    let mut write_err = None;
    let format = cfg.format;
    'batches: for batch in rx {
        let results: Vec<WorkOut> =
            pool.install(|| batch.par_iter().map(|w| do_work(w, format)).collect());
        for r in results {
            if let Some(e) = r.error {
                summary.errors.push(e);
            }
            tally(&mut summary, &r.outs, &mut suppress);
            if let Err(e) = sinks.records.write_all(&r.bytes) {
                write_err = Some(e);
                break 'batches;
            }
        }
    }
    let (nfiles, errors) = reader
        .join()
        .map_err(|_| io::Error::other("reader thread failed"))?;
    if let Some(e) = write_err {
        return Err(e);
    }
    sinks.records.flush()?;
    summary.files = nfiles;
    summary.errors.extend(errors);
    summary.suppressed_addresses = suppress.len() as u64;
    if let Some(w) = sinks.suppress.as_mut() {
        write_suppress(w, &suppress)?;
    }
    summary.elapsed_seconds = start.elapsed().as_secs_f64();
    summary.messages_per_second = if summary.elapsed_seconds > 0.0 {
        summary.messages as f64 / summary.elapsed_seconds
    } else {
        0.0
    };
    Ok(summary)
}
