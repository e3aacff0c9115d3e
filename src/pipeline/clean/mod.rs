//! `clean`: stream a CSV list through offline analysis, duplicate detection and the reject
//! policy into clean, rejects and results sinks.
//!
//! One row's way, file by file: `input` sniffs the head, finds the email column and cuts the
//! rest into chunks of whole records; `analyze` cuts a chunk into rows and analyses each email
//! cell (`row` holds what it finds); `ordered` runs the network stage, then numbers the rows and
//! detects duplicates in input order; `policy` decides which rows go to rejects; `serialize`
//! turns the chunk into output bytes; `writer` writes them in input order.
//!
//! [`run`] sets this up and hands it to one of three drivers: `serial` (one thread), `parallel`
//! (offline: workers take their own chunks and the ordered step in turn) or `staged` (with a
//! network stage: a reader thread, a worker pool, the ordered step on the calling thread).

mod analyze;
mod buffers;
mod error;
mod input;
mod ordered;
mod parallel;
mod policy;
mod row;
mod serial;
mod serialize;
mod staged;
mod writer;

use std::io::{Read, Write};
use std::time::Instant;

use crate::address::AnalyzeOptions;
use crate::pipeline::csvin::Chunker;
use crate::pipeline::progress::RowProgress;
use crate::pipeline::seen::Seen;
use crate::report::{Summary, Tally};
use crate::stage::Stage;

use buffers::Pools;
use input::Input;
use ordered::Sequential;
use row::Layout;
use serialize::SerializeOpts;
use writer::Writers;

pub use error::CleanError;
pub use policy::{Category, RejectSet, RejectSetError};

/// Options for a `clean` run.
#[derive(Clone)]
pub struct CleanConfig {
    /// Offline analysis options.
    pub analyze: AnalyzeOptions,
    /// The email column (name or 1-based number); detected from the header when `None`.
    pub column: Option<String>,
    /// What goes to rejects.
    pub reject: RejectSet,
    /// Keep the original email cell in the clean output instead of the normalised form.
    pub keep_original: bool,
    /// Escape cells that a spreadsheet would run as formulas.
    pub formula_escape: bool,
    /// Worker threads (0: one per core).
    pub threads: usize,
    /// Suppressed addresses (`--suppress`): rows whose key is in the set are marked and, with
    /// the `suppressed` category, rejected.
    pub suppress: Option<std::sync::Arc<crate::suppress::SuppressSet>>,
    /// Engagement data (`--engagement`): every row gets a segment; with the `inactive` and
    /// `never_engaged` categories, rows in those segments are rejected.
    pub engagement: Option<std::sync::Arc<crate::engagement::EngagementSet>>,
    /// Where progress goes (`None`: nowhere).
    pub progress: Option<std::sync::Arc<dyn crate::progress::Progress>>,
    /// How to read the list: its encoding (`--encoding`) and workbook sheet (`--sheet`).
    pub list: crate::input::ListOptions,
    /// The encoding of the clean and rejects outputs (`--output-encoding`); `None`: UTF-8,
    /// with a byte-order mark when the input had one.
    pub output_encoding: Option<&'static crate::input::Encoding>,
    /// Collect the hygiene report's figures into [`Summary::hygiene`] (`--report`,
    /// `--report-json`; every row then keeps its full record, which costs time).
    pub report: bool,
}

impl Default for CleanConfig {
    fn default() -> Self {
        CleanConfig {
            analyze: AnalyzeOptions::default(),
            column: None,
            reject: RejectSet::default_set(),
            keep_original: false,
            formula_escape: true,
            threads: 0,
            suppress: None,
            engagement: None,
            progress: None,
            list: crate::input::ListOptions::default(),
            output_encoding: None,
            report: false,
        }
    }
}

/// Where `clean` writes.
pub struct CleanSinks {
    /// Clean CSV.
    pub clean: Box<dyn Write + Send>,
    /// Rejects CSV.
    pub rejects: Box<dyn Write + Send>,
    /// Results JSON Lines, if wanted.
    pub results: Option<Box<dyn Write + Send>>,
}

/// One run, set up: the input after its header, the outputs, and what every driver shares.
struct Job<'a> {
    /// Cuts the input after its header into chunks of whole records.
    chunker: Chunker<Input>,
    /// The held-back first record of a headerless list.
    first: Option<Vec<u8>>,
    writers: Writers,
    layout: Layout,
    sopts: SerializeOpts,
    cfg: &'a CleanConfig,
    stage: Option<&'a dyn Stage>,
    pools: Pools,
    /// Worker threads.
    threads: usize,
    progress: RowProgress,
    /// The ordered step's state: row numbers and the addresses seen.
    seq_state: Sequential,
}

/// What a driver hands back for the summary.
struct Outcome {
    tally: Tally,
    /// Input bytes read.
    bytes_done: u64,
    seq_state: Sequential,
}

/// Run `clean` over `input` (of `input_len` bytes, if known), writing to `sinks`.
///
/// ```rust
/// use std::io::{Cursor, Write};
/// use std::sync::{Arc, Mutex};
///
/// use mailsift::pipeline::clean::{self, CleanConfig, CleanSinks};
///
/// /// An in-memory sink that can be read after the run.
/// #[derive(Clone, Default)]
/// struct Buf(Arc<Mutex<Vec<u8>>>);
///
/// impl Write for Buf {
///     fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
///         self.0.lock().unwrap().write(b)
///     }
///     fn flush(&mut self) -> std::io::Result<()> {
///         Ok(())
///     }
/// }
///
/// let csv = "name,email\nAnn,ann@posteo.de\nBob,not an address\nAnn again,ann@posteo.de\n";
/// let (good, rejects) = (Buf::default(), Buf::default());
/// let sinks = CleanSinks {
///     clean: Box::new(good.clone()),
///     rejects: Box::new(rejects.clone()),
///     results: None,
/// };
/// let cfg = CleanConfig::default();
/// let summary = clean::run(Box::new(Cursor::new(csv)), None, &cfg, sinks, None)?;
/// assert_eq!((summary.rows_in, summary.rows_clean, summary.rows_rejected), (3, 1, 2));
/// let good = good.0.lock().unwrap().clone();
/// assert_eq!(String::from_utf8(good).unwrap(), "name,email\nAnn,ann@posteo.de\n");
/// # Ok::<(), clean::CleanError>(())
/// ```
pub fn run(
    input: Box<dyn Read + Send>,
    input_len: Option<u64>,
    cfg: &CleanConfig,
    sinks: CleanSinks,
    stage: Option<&dyn Stage>,
) -> Result<Summary, CleanError> {
    let start = Instant::now();
    // Without a suppression set the `suppressed` category can match nothing: drop it, so that
    // the reject policy tests exactly what it tested before `--suppress` existed.
    let unsuppressed;
    // Likewise `inactive` and `never_engaged` without engagement data.
    let unused = |k: Category| match k {
        Category::Suppressed => cfg.suppress.is_none(),
        Category::Inactive | Category::NeverEngaged => cfg.engagement.is_none(),
        _ => false,
    };
    let cfg = if cfg.reject.0.iter().any(|&k| unused(k)) {
        let mut c = cfg.clone();
        c.reject.0.retain(|&k| !unused(k));
        unsuppressed = c;
        &unsuppressed
    } else {
        cfg
    };
    let threads = if cfg.threads == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        cfg.threads
    };
    let pools = Pools::new(threads);
    let src = input::open(input, cfg, pools.chunks.clone())?;
    let layout = Layout {
        delimiter: src.delimiter,
        column: src.column,
        width: src.width,
        keep_full: sinks.results.is_some() || stage.is_some() || cfg.report,
    };
    let sopts = SerializeOpts {
        delimiter: src.delimiter,
        column: src.column,
        width: src.width,
        keep_original: cfg.keep_original,
        formula_escape: cfg.formula_escape,
        want_results: sinks.results.is_some(),
        suppress: cfg.suppress.clone(),
        engagement: cfg.engagement.clone(),
        crlf: src.crlf,
    };

    let CleanSinks {
        clean,
        rejects,
        results,
    } = sinks;
    let (clean, rejects, bom) = output_encoding(clean, rejects, &src.report, cfg)?;
    let mut report = src.report;
    report.output_encoding = cfg.output_encoding.map_or("UTF-8", |e| e.name());
    let mut writers = Writers {
        clean,
        rejects,
        results,
        pool: pools.out.clone(),
    };
    // The byte-order mark and headers first.
    if bom {
        writers.write_bom()?;
    }
    if !src.headerless {
        writers.write(vec![serialize::header_chunk(&src.header, &sopts)])?;
    }
    // Pre-sized from the input's length (about 40 bytes a row), capped so that memory follows
    // the number of distinct addresses, not the file size; beyond the cap the table grows.
    let expect_rows = input_len.map_or(0, |n| (n / 40).min(1 << 20) as usize);
    // Progress counts the text read: the file's length measures it only for plain UTF-8.
    let plain =
        report.format == "csv" && report.compression.is_none() && report.encoding == "UTF-8";
    let input_len = input_len.filter(|_| plain);
    let job = Job {
        chunker: src.chunker,
        first: src.first,
        writers,
        layout,
        sopts,
        cfg,
        stage,
        pools,
        threads,
        progress: RowProgress::new(cfg.progress.clone(), input_len),
        seq_state: Sequential {
            seen: Seen::with_capacity(expect_rows),
            row_no: 0,
        },
    };
    let done = if threads == 1 {
        serial::drive(job)?
    } else if stage.is_none() {
        parallel::drive(job)?
    } else {
        staged::drive(job)?
    };
    let suppressed = done.tally.suppressed();
    let segments = done.tally.segments();
    let mut tally = done.tally;
    let hygiene = tally.take_hygiene();
    let mut summary = tally.into_summary(&Category::ALL.map(Category::as_str));
    summary.suppression = cfg.suppress.as_ref().map(|set| set.report(suppressed));
    summary.engagement = cfg.engagement.as_ref().map(|set| set.report(segments));
    summary.unique_addresses = done.seq_state.seen.len() as u64;
    report.replaced = src.replaced.load(std::sync::atomic::Ordering::Relaxed);
    report.open_quotes =
        std::mem::take(&mut *src.open_quotes.lock().unwrap_or_else(|e| e.into_inner()));
    summary.input = Some(report);
    if cfg.report {
        let sources = cfg.suppress.as_ref().map_or(&[][..], |s| s.sources());
        let h = hygiene.unwrap_or_default();
        summary.hygiene = Some(h.finish(summary.unique_addresses, sources));
    }
    summary.bytes_in = done.bytes_done;
    summary.elapsed_seconds = start.elapsed().as_secs_f64();
    summary.rows_per_second = summary.rows_in as f64 / summary.elapsed_seconds.max(1e-9);
    Ok(summary)
}

/// An output stream.
type Sink = Box<dyn Write + Send>;

/// The clean and rejects sinks in the output encoding, and whether they start with a
/// byte-order mark: without `--output-encoding`, UTF-8 with a mark when the input had one;
/// UTF-16 always with one; other encodings never.
fn output_encoding(
    clean: Sink,
    rejects: Sink,
    report: &crate::input::ListReport,
    cfg: &CleanConfig,
) -> Result<(Sink, Sink, bool), CleanError> {
    use crate::input::{EncodeWriter, Encoding};
    let Some(enc) = cfg.output_encoding else {
        return Ok((clean, rejects, report.bom));
    };
    let utf16 = matches!(enc.name(), "UTF-16LE" | "UTF-16BE");
    let bom = utf16 || (enc.name() == "UTF-8" && report.bom);
    let wrap = |w: Sink, enc: &'static Encoding| -> Sink { Box::new(EncodeWriter::new(w, enc)) };
    if enc.name() == "UTF-8" {
        return Ok((clean, rejects, bom));
    }
    Ok((wrap(clean, enc), wrap(rejects, enc), bom))
}
