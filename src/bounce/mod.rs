//! The bounce auditor: read bounce messages (.eml, mbox, Maildir, directories, stdin, gzip),
//! decode them (RFC 3464/6533 DSNs, RFC 5965 ARF, RFC 3834 auto-replies, plain-text MTA
//! formats) and classify each failed recipient (docs/architecture.md, "Bounce reasons").
//!
//! Start with [`decode_message`] for one message or [`run`] for files and directories.
//! Nothing here panics on untrusted input: a message that cannot be decoded yields a `norecord`
//! line or a record with reason `undefined`.

pub mod classify;
mod decode;
pub mod input;
mod provider;
pub mod text;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Write};
use std::path::PathBuf;
use std::time::Instant;

use rayon::prelude::*;
use serde::Serialize;

use crate::status::{BounceReason, BounceType};

pub use decode::{decode_message, parse_only, parser as message_parser};
pub use input::InputFile;

/// One bounced recipient (or one "no bounce" marker) of one message.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct BounceRecord {
    /// The input file, as found under the given directory.
    pub file: String,
    /// 1-based message position in the file (mbox files hold several).
    pub msgindex: usize,
    /// The failed recipient.
    pub recipient: String,
    /// Why it failed.
    pub reason: BounceReason,
    /// `hard`, `soft` or `none`.
    pub bounce_type: BounceType,
    /// `bounce_type == hard`.
    pub hard: bool,
    /// A permanent failure (5.x.x / 5xx), kept apart from hard/soft.
    pub permanent: bool,
    /// Enhanced status code (`5.1.1`) or empty.
    pub deliverystatus: String,
    /// SMTP reply code (`550`) or empty.
    pub replycode: String,
    /// DSN action (`failed`, `delayed`, `delivered`, ...) or empty.
    pub action: String,
    /// The diagnostic text (white space squeezed, at most 1000 bytes).
    pub diagnosticcode: String,
    /// The SMTP command the failure answered (`RCPT`, `DATA`, ...) or empty.
    pub smtpcommand: String,
    /// The remote MTA.
    pub rhost: String,
    /// The reporting (local) MTA.
    pub lhost: String,
    /// The sender of the original message.
    pub addresser: String,
    /// Unix time of the bounce (or last attempt), if known.
    pub timestamp: Option<i64>,
    /// Which decoder produced the record (`rfc3464`, `text`, `arf`, `rfc3834`, ...).
    pub detector: &'static str,
    /// ARF feedback type (`abuse`, `opt-out`, ...) or empty.
    pub feedbacktype: String,
    /// Message-ID of the original message.
    pub message_id: String,
    /// List-Id of the original message.
    pub list_id: String,
}

impl BounceRecord {
    /// An empty record with a reason.
    pub fn new(reason: BounceReason, permanent: bool) -> BounceRecord {
        let bt = reason.bounce_type(permanent);
        BounceRecord {
            file: String::new(),
            msgindex: 0,
            recipient: String::new(),
            reason,
            bounce_type: bt,
            hard: bt == BounceType::Hard,
            permanent,
            deliverystatus: String::new(),
            replycode: String::new(),
            action: String::new(),
            diagnosticcode: String::new(),
            smtpcommand: String::new(),
            rhost: String::new(),
            lhost: String::new(),
            addresser: String::new(),
            timestamp: None,
            detector: "",
            feedbacktype: String::new(),
            message_id: String::new(),
            list_id: String::new(),
        }
    }

    /// Set the reason and the derived hard/soft fields.
    pub fn set_reason(&mut self, reason: BounceReason, permanent: bool) {
        self.reason = reason;
        self.permanent = permanent;
        self.bounce_type = reason.bounce_type(permanent);
        self.hard = self.bounce_type == BounceType::Hard;
    }

    /// Whether the recipient belongs on a suppression list (hard bounce or complaint).
    pub fn suppress(&self) -> bool {
        self.hard || self.reason == BounceReason::Feedback
    }
}

/// The outcome for one message.
#[derive(Debug, Clone, PartialEq)]
pub enum MessageOutcome {
    /// One record per failed recipient.
    Records(Vec<BounceRecord>),
    /// The message holds no bounce.
    NoRecord {
        /// The input file.
        file: String,
        /// 1-based message position.
        msgindex: usize,
    },
}

#[derive(Serialize)]
struct NoRecordLine<'a> {
    file: &'a str,
    msgindex: usize,
    norecord: bool,
}

/// Output format of the per-record stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// JSON Lines (with `norecord` lines).
    Jsonl,
    /// CSV with a header row (no-bounce messages are left out).
    Csv,
}

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

/// Counts of a run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct BounceSummary {
    /// Files read.
    pub files: u64,
    /// Messages decoded.
    pub messages: u64,
    /// Messages with no bounce.
    pub messages_without_bounce: u64,
    /// Records written.
    pub records: u64,
    /// Records by reason.
    pub by_reason: BTreeMap<String, u64>,
    /// Records by bounce type.
    pub by_bounce_type: BTreeMap<String, u64>,
    /// Records by recipient domain.
    pub by_recipient_domain: BTreeMap<String, u64>,
    /// Records by detector.
    pub by_detector: BTreeMap<String, u64>,
    /// Distinct addresses to suppress (hard bounces and complaints).
    pub suppressed_addresses: u64,
    /// Inputs that could not be read (path: error).
    pub errors: Vec<String>,
    /// Wall-clock seconds.
    pub elapsed_seconds: f64,
    /// Messages per second.
    pub messages_per_second: f64,
}

/// Decode every message of one in-memory file (any line endings, gzip allowed).
pub fn decode_file_bytes(name: &str, data: &[u8]) -> Vec<MessageOutcome> {
    let unzipped;
    let data = if data.len() >= 2 && data[0] == 0x1f && data[1] == 0x8b {
        let mut v = Vec::new();
        let mut d = flate2::read::MultiGzDecoder::new(data);
        let _ = io::Read::read_to_end(&mut d, &mut v);
        unzipped = v;
        &unzipped[..]
    } else {
        data
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

const CSV_FIELDS: [&str; 21] = [
    "file",
    "msgindex",
    "recipient",
    "reason",
    "bounce_type",
    "hard",
    "permanent",
    "deliverystatus",
    "replycode",
    "action",
    "diagnosticcode",
    "smtpcommand",
    "rhost",
    "lhost",
    "addresser",
    "timestamp",
    "detector",
    "feedbacktype",
    "message_id",
    "list_id",
    "norecord",
];

fn csv_row(r: &BounceRecord) -> [String; 21] {
    [
        r.file.clone(),
        r.msgindex.to_string(),
        r.recipient.clone(),
        r.reason.as_str().into(),
        r.bounce_type.as_str().into(),
        r.hard.to_string(),
        r.permanent.to_string(),
        r.deliverystatus.clone(),
        r.replycode.clone(),
        r.action.clone(),
        r.diagnosticcode.clone(),
        r.smtpcommand.clone(),
        r.rhost.clone(),
        r.lhost.clone(),
        r.addresser.clone(),
        r.timestamp.map(|t| t.to_string()).unwrap_or_default(),
        r.detector.into(),
        r.feedbacktype.clone(),
        r.message_id.clone(),
        r.list_id.clone(),
        String::new(),
    ]
}

/// Cells starting with these may be read as formulas by spreadsheets.
fn csv_safe(s: String) -> String {
    if s.len() > 1 && s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s
    }
}

/// Append `s` as a JSON string: copied as it is when nothing needs an escape (the common
/// case), else written by serde_json (the same escapes as the derived serialiser).
fn json_str(out: &mut Vec<u8>, s: &str) -> io::Result<()> {
    // (a table lookup per byte: the bytes serde_json escapes)
    const ESCAPED: [bool; 256] = {
        let mut t = [false; 256];
        let mut i = 0;
        while i < 0x20 {
            t[i] = true;
            i += 1;
        }
        t[b'"' as usize] = true;
        t[b'\\' as usize] = true;
        t
    };
    if s.bytes().any(|b| ESCAPED[b as usize]) {
        serde_json::to_writer(&mut *out, s).map_err(io::Error::other)
    } else {
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
        Ok(())
    }
}

/// Append one record as a JSON object: the same bytes as `serde_json::to_writer` with the
/// derived `Serialize` (field order and names of [`BounceRecord`]), without its per-field
/// overhead.
fn record_json(out: &mut Vec<u8>, r: &BounceRecord) -> io::Result<()> {
    let bool_str = |b: bool| if b { &b"true"[..] } else { &b"false"[..] };
    out.extend_from_slice(b"{\"file\":");
    json_str(out, &r.file)?;
    write!(out, ",\"msgindex\":{}", r.msgindex)?;
    out.extend_from_slice(b",\"recipient\":");
    json_str(out, &r.recipient)?;
    out.extend_from_slice(b",\"reason\":");
    serde_json::to_writer(&mut *out, &r.reason).map_err(io::Error::other)?;
    out.extend_from_slice(b",\"bounce_type\":");
    serde_json::to_writer(&mut *out, &r.bounce_type).map_err(io::Error::other)?;
    out.extend_from_slice(b",\"hard\":");
    out.extend_from_slice(bool_str(r.hard));
    out.extend_from_slice(b",\"permanent\":");
    out.extend_from_slice(bool_str(r.permanent));
    for (name, v) in [
        (&b",\"deliverystatus\":"[..], &r.deliverystatus),
        (b",\"replycode\":", &r.replycode),
        (b",\"action\":", &r.action),
        (b",\"diagnosticcode\":", &r.diagnosticcode),
        (b",\"smtpcommand\":", &r.smtpcommand),
        (b",\"rhost\":", &r.rhost),
        (b",\"lhost\":", &r.lhost),
        (b",\"addresser\":", &r.addresser),
    ] {
        out.extend_from_slice(name);
        json_str(out, v)?;
    }
    match r.timestamp {
        Some(t) => write!(out, ",\"timestamp\":{t}")?,
        None => out.extend_from_slice(b",\"timestamp\":null"),
    }
    out.extend_from_slice(b",\"detector\":");
    json_str(out, r.detector)?;
    for (name, v) in [
        (&b",\"feedbacktype\":"[..], &r.feedbacktype),
        (b",\"message_id\":", &r.message_id),
        (b",\"list_id\":", &r.list_id),
    ] {
        out.extend_from_slice(name);
        json_str(out, v)?;
    }
    out.push(b'}');
    Ok(())
}

/// Serialise outcomes in order.
fn write_outcomes(
    outs: &[MessageOutcome],
    format: Format,
    jsonw: &mut Vec<u8>,
    csvw: &mut Option<csv::Writer<&mut Vec<u8>>>,
) -> io::Result<()> {
    for o in outs {
        match (o, format) {
            (MessageOutcome::Records(rs), Format::Jsonl) => {
                for r in rs {
                    record_json(jsonw, r)?;
                    jsonw.push(b'\n');
                }
            }
            (MessageOutcome::NoRecord { file, msgindex }, Format::Jsonl) => {
                serde_json::to_writer(
                    &mut *jsonw,
                    &NoRecordLine {
                        file,
                        msgindex: *msgindex,
                        norecord: true,
                    },
                )
                .map_err(io::Error::other)?;
                jsonw.push(b'\n');
            }
            (MessageOutcome::Records(rs), Format::Csv) => {
                if let Some(w) = csvw.as_mut() {
                    for r in rs {
                        w.write_record(csv_row(r).map(csv_safe))
                            .map_err(io::Error::other)?;
                    }
                }
            }
            (MessageOutcome::NoRecord { file, msgindex }, Format::Csv) => {
                if let Some(w) = csvw.as_mut() {
                    let mut row: [String; 21] = Default::default();
                    row[0] = csv_safe(file.clone());
                    row[1] = msgindex.to_string();
                    row[20] = "true".into();
                    w.write_record(row).map_err(io::Error::other)?;
                }
            }
        }
    }
    Ok(())
}

/// Outcomes as JSON Lines (the `--format jsonl` output), e.g. for golden tests.
pub fn to_jsonl(outs: &[MessageOutcome]) -> String {
    let mut buf = Vec::new();
    let _ = write_outcomes(outs, Format::Jsonl, &mut buf, &mut None);
    String::from_utf8(buf).unwrap_or_default()
}

fn tally(s: &mut BounceSummary, outs: &[MessageOutcome], suppress: &mut BTreeSet<String>) {
    for o in outs {
        s.messages += 1;
        match o {
            MessageOutcome::NoRecord { .. } => s.messages_without_bounce += 1,
            MessageOutcome::Records(rs) => {
                for r in rs {
                    s.records += 1;
                    *s.by_reason.entry(r.reason.as_str().into()).or_default() += 1;
                    *s.by_bounce_type
                        .entry(r.bounce_type.as_str().into())
                        .or_default() += 1;
                    let dom = r
                        .recipient
                        .rsplit_once('@')
                        .map(|(_, d)| d.to_ascii_lowercase())
                        .unwrap_or_default();
                    *s.by_recipient_domain.entry(dom).or_default() += 1;
                    *s.by_detector.entry(r.detector.into()).or_default() += 1;
                    if r.suppress() && !r.recipient.is_empty() {
                        suppress.insert(r.recipient.to_ascii_lowercase());
                    }
                }
            }
        }
    }
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

fn serialise(outs: &[MessageOutcome], format: Format) -> Vec<u8> {
    // (a JSON line is a few hundred bytes: room for the usual records without regrowing)
    let mut buf = Vec::with_capacity(1024 * outs.len().max(1));
    match format {
        Format::Jsonl => {
            let _ = write_outcomes(outs, format, &mut buf, &mut None);
        }
        Format::Csv => {
            let mut w = Some(
                csv::WriterBuilder::new()
                    .has_headers(false)
                    .from_writer(&mut buf),
            );
            let mut unused = Vec::new();
            let _ = write_outcomes(outs, format, &mut unused, &mut w);
            if let Some(mut w) = w {
                let _ = w.flush();
            }
        }
    }
    buf
}

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
        for a in &suppress {
            w.write_all(a.as_bytes())?;
            w.write_all(b"\n")?;
        }
        w.flush()?;
    }
    summary.elapsed_seconds = start.elapsed().as_secs_f64();
    summary.messages_per_second = if summary.elapsed_seconds > 0.0 {
        summary.messages as f64 / summary.elapsed_seconds
    } else {
        0.0
    };
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_json_matches_serde() {
        let mut r = BounceRecord::new(BounceReason::MailboxFull, true);
        r.file = "a/b.eml".into();
        r.msgindex = 12;
        r.recipient = "u@example.org".into();
        r.diagnosticcode = "550 \"quoted\" \\ back\tslash \u{1} été".into();
        r.detector = "rfc3464";
        for ts in [None, Some(-5), Some(1_700_000_000)] {
            r.timestamp = ts;
            let mut ours = Vec::new();
            record_json(&mut ours, &r).unwrap();
            assert_eq!(
                String::from_utf8(ours).unwrap(),
                serde_json::to_string(&r).unwrap()
            );
        }
        r.set_reason(BounceReason::Feedback, false);
        let mut ours = Vec::new();
        record_json(&mut ours, &r).unwrap();
        assert_eq!(
            String::from_utf8(ours).unwrap(),
            serde_json::to_string(&r).unwrap()
        );
    }
}
