//! `clean`: stream a CSV list through offline analysis, duplicate detection and the reject
//! policy into clean, rejects and results sinks.

use std::borrow::Cow;
use std::fmt;
use std::io::{self, Read, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, mpsc};
use std::time::{Duration, Instant};

use std::sync::Arc;

use super::csvin::{self, Chunker, RecordReader};
use super::progress::Progress;
use super::seen::{Key, Seen};
use super::{Pool, Stage, Workers};
use crate::address::{self, AnalyzeOptions, Found};
use crate::model::{AddressRecord, Derived, Flags, Reason, Verdict};
use crate::report::{Summary, Tally, escape_formula, is_formula};

/// What sends a row to the rejects output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    /// Ragged rows and rows whose email cell is not UTF-8.
    Malformed,
    /// Verdict `undeliverable` (invalid syntax; later: dead domains, unknown mailboxes).
    Undeliverable,
    /// A later row with the same duplicate-detection key as an earlier one.
    Duplicate,
    /// Disposable domain.
    Disposable,
    /// Role account.
    Role,
    /// Free-mail provider.
    Free,
    /// A typo suggestion exists.
    Typo,
    /// Verdict `risky`.
    Risky,
    /// Verdict `unknown` (offline, every valid address is `unknown: not_checked`).
    Unknown,
}

impl Category {
    /// Every category, in the order they are tested.
    pub const ALL: [Category; 9] = [
        Category::Malformed,
        Category::Undeliverable,
        Category::Duplicate,
        Category::Disposable,
        Category::Role,
        Category::Free,
        Category::Typo,
        Category::Risky,
        Category::Unknown,
    ];

    /// The name used on the command line and in outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Malformed => "malformed",
            Category::Undeliverable => "undeliverable",
            Category::Duplicate => "duplicate",
            Category::Disposable => "disposable",
            Category::Role => "role",
            Category::Free => "free",
            Category::Typo => "typo",
            Category::Risky => "risky",
            Category::Unknown => "unknown",
        }
    }

    fn matches(self, r: &Facts) -> bool {
        match self {
            Category::Malformed => {
                matches!(r.reason, Reason::MalformedRow | Reason::InvalidEncoding)
            }
            Category::Undeliverable => r.verdict == Verdict::Undeliverable,
            Category::Duplicate => r.flags.duplicate_of.is_some(),
            Category::Disposable => r.flags.disposable,
            Category::Role => r.flags.role,
            Category::Free => r.flags.free,
            Category::Typo => r.suggestion().is_some(),
            Category::Risky => r.verdict == Verdict::Risky,
            Category::Unknown => r.verdict == Verdict::Unknown,
        }
    }
}

/// The set of categories that send a row to rejects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectSet(pub Vec<Category>);

impl RejectSet {
    /// The default: `malformed,undeliverable,duplicate,disposable`.
    pub fn default_set() -> Self {
        RejectSet(vec![
            Category::Malformed,
            Category::Undeliverable,
            Category::Duplicate,
            Category::Disposable,
        ])
    }

    /// Parse a comma-separated list of category names (`all` and `none` also accepted).
    pub fn parse(s: &str) -> Result<Self, String> {
        let mut v = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match part {
                "none" => {}
                "all" => v.extend(Category::ALL),
                "invalid" => v.push(Category::Undeliverable),
                _ => match Category::ALL.iter().find(|c| c.as_str() == part) {
                    Some(c) => v.push(*c),
                    None => {
                        let names: Vec<&str> = Category::ALL.iter().map(|c| c.as_str()).collect();
                        return Err(format!(
                            "unknown reject category '{part}' (expected: {}, all, none)",
                            names.join(", ")
                        ));
                    }
                },
            }
        }
        // Test in the canonical order.
        Ok(RejectSet(
            Category::ALL
                .into_iter()
                .filter(|c| v.contains(c))
                .collect(),
        ))
    }

    fn first_match(&self, r: &Facts) -> Option<Category> {
        self.0.iter().copied().find(|c| c.matches(r))
    }
}

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
    /// Show a progress line when stderr is a terminal.
    pub progress: bool,
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
            progress: true,
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

/// Why `clean` could not do its job.
#[derive(Debug)]
pub enum CleanError {
    /// Reading or writing failed.
    Io(String, io::Error),
    /// The input has no bytes at all.
    EmptyInput,
    /// No column looks like an email column.
    NoEmailColumn {
        /// The header cells found.
        headers: Vec<String>,
        /// The `--column` asked for, if any.
        wanted: Option<String>,
    },
    /// The worker pool could not start.
    Threads(String),
}

impl fmt::Display for CleanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CleanError::Io(ctx, e) => write!(f, "{ctx}: {e}"),
            CleanError::EmptyInput => write!(f, "the input is empty (expected a header row)"),
            CleanError::NoEmailColumn { headers, wanted } => {
                let list = headers
                    .iter()
                    .enumerate()
                    .map(|(i, h)| format!("{}: {:?}", i + 1, h))
                    .collect::<Vec<_>>()
                    .join(", ");
                match wanted {
                    Some(w) => write!(f, "no column named {w:?}; the headers are: {list}"),
                    None => write!(
                        f,
                        "no email column found (use --column NAME); the headers are: {list}"
                    ),
                }
            }
            CleanError::Threads(e) => write!(f, "could not start worker threads: {e}"),
        }
    }
}

impl std::error::Error for CleanError {}

/// One data row after offline analysis.
struct RowWork {
    /// The raw record (with its line terminator) is `chunk[start..end]`.
    start: usize,
    end: usize,
    /// Where the row's fields are: spans into the chunk for an unquoted record, or the parsed
    /// record for one with quotes (kept only when the row may have to be rewritten: email cell
    /// changes, a formula-like cell, a ragged row; other rows are copied byte for byte).
    fields: RowFields,
    /// Some field starts like a spreadsheet formula.
    formula: bool,
    /// The email cell equals its normalised form (or there is none to write).
    email_same: bool,
    /// 128-bit hash of the duplicate-detection key, when the address is valid.
    key: Option<Key>,
    /// What the reject policy and the outputs need.
    facts: Facts,
    /// The full record, kept when `--results` or a network stage needs it.
    full: Option<Box<AddressRecord>>,
    category: Option<Category>,
}

/// What `clean` needs to know of a row's analysis (the full record is built only for
/// `--results` and the network stages).
struct Facts {
    row: u64,
    verdict: Verdict,
    reason: Reason,
    flags: Flags,
    /// Rarely present parts, boxed to keep rows small.
    extra: Option<Box<Extra>>,
}

/// The rarely present parts of [`Facts`].
#[derive(Default)]
struct Extra {
    suggestion: Option<String>,
    detail: Option<String>,
    /// The normalised address, when it differs from the cell.
    normalized: Option<String>,
}

impl Facts {
    fn new(
        verdict: Verdict,
        reason: Reason,
        flags: Flags,
        suggestion: Option<String>,
        detail: Option<String>,
        normalized: Option<String>,
    ) -> Facts {
        let extra = (suggestion.is_some() || detail.is_some() || normalized.is_some()).then(|| {
            Box::new(Extra {
                suggestion,
                detail,
                normalized,
            })
        });
        Facts {
            row: 0,
            verdict,
            reason,
            flags,
            extra,
        }
    }

    /// The facts of a full record (`email_same`: its normalised form equals the cell).
    fn of(rec: &AddressRecord, email_same: bool) -> Facts {
        Facts::new(
            rec.verdict,
            rec.reason,
            rec.flags.clone(),
            rec.suggestion.clone(),
            rec.detail.clone(),
            if email_same {
                None
            } else {
                rec.normalized.clone()
            },
        )
    }

    fn suggestion(&self) -> Option<&str> {
        self.extra.as_ref()?.suggestion.as_deref()
    }

    fn detail(&self) -> Option<&str> {
        self.extra.as_ref()?.detail.as_deref()
    }

    fn normalized(&self) -> Option<&str> {
        self.extra.as_ref()?.normalized.as_deref()
    }
}

/// The fields of a row, for rewriting it.
enum RowFields {
    /// Not kept (the row is copied as it is).
    None,
    /// `count` spans from `ChunkWork::spans[first..]`, each a byte range of the chunk (an
    /// unquoted record: the field is the bytes).
    Spans { first: u32, count: u32 },
    /// A record with quotes, parsed by the CSV reader.
    Parsed(Box<csv::ByteRecord>),
}

/// Recycled per-chunk row buffers: the rows and their field spans.
type RowBuffers = (Vec<RowWork>, Vec<(u32, u32)>);

/// One chunk of input with its analysed rows.
struct ChunkWork {
    chunk: Vec<u8>,
    rows: Vec<RowWork>,
    /// Field spans of unquoted rows (see [`RowFields::Spans`]).
    spans: Vec<(u32, u32)>,
}

impl ChunkWork {
    /// The fields of row `r`, if kept.
    fn fields<'a>(&'a self, r: &'a RowWork) -> Option<FieldsRef<'a>> {
        match &r.fields {
            RowFields::None => None,
            RowFields::Spans { first, count } => Some(FieldsRef::Spans(
                &self.chunk,
                &self.spans[*first as usize..(*first + *count) as usize],
            )),
            RowFields::Parsed(rec) => Some(FieldsRef::Parsed(rec)),
        }
    }
}

/// Borrowed fields of a row.
enum FieldsRef<'a> {
    Spans(&'a [u8], &'a [(u32, u32)]),
    Parsed(&'a csv::ByteRecord),
}

impl<'a> FieldsRef<'a> {
    fn len(&self) -> usize {
        match self {
            FieldsRef::Spans(_, s) => s.len(),
            FieldsRef::Parsed(r) => r.len(),
        }
    }

    fn get(&self, i: usize) -> Option<&'a [u8]> {
        match self {
            FieldsRef::Spans(c, s) => s.get(i).map(|&(a, b)| &c[a as usize..b as usize]),
            FieldsRef::Parsed(r) => r.get(i),
        }
    }
}

/// Layout facts shared by the workers.
#[derive(Clone, Copy)]
struct Layout {
    delimiter: u8,
    column: usize,
    width: usize,
    /// Rows keep their full record (for `--results` and the network stages).
    keep_full: bool,
}

fn reader_for(bytes: &[u8], delimiter: u8) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(bytes)
}

/// A 128-bit hash of a duplicate-detection key ([`crate::key_hash::hash128`]). With a million
/// keys the chance of any collision is about 1 in 10^26.
fn key_hash(key: &str) -> Key {
    crate::key_hash::hash128(key.as_bytes())
}

/// Split an unquoted record (no `"`, no CR but a final one) at `delimiter` into spans of
/// `chunk` (offset `base`), appended to `spans`.
fn split_plain(line: &[u8], base: usize, delimiter: u8, spans: &mut Vec<(u32, u32)>) {
    let mut from = 0;
    for i in memchr::memchr_iter(delimiter, line) {
        spans.push(((base + from) as u32, (base + i) as u32));
        from = i + 1;
    }
    spans.push(((base + from) as u32, (base + line.len()) as u32));
}

thread_local! {
    /// Each worker's parser for records with quotes.
    static RECORD_READER: std::cell::RefCell<Option<RecordReader>> =
        const { std::cell::RefCell::new(None) };
}

fn analyze_chunk(
    chunk: Vec<u8>,
    layout: Layout,
    opts: &AnalyzeOptions,
    pool: &Pool<RowBuffers>,
) -> ChunkWork {
    let (mut rows, mut spans) = pool.take().unwrap_or_default();
    rows.clear();
    spans.clear();
    rows.reserve(chunk.len() / 40 + 1);
    let n = chunk.len();
    let mut rec = csv::ByteRecord::new();
    let mut keybuf = String::with_capacity(256);
    // One UTF-8 check for the whole chunk (cheaper than one per cell); cells of a valid chunk
    // are cut from it.
    let text = std::str::from_utf8(&chunk).ok();
    // The next quote or CR at or after `pos` (`n` if none): lines before it are plain.
    let mut special = 0;
    let mut pos = 0;
    while pos < n {
        // Blank lines are no records (as for the CSV reader).
        if chunk[pos] == b'\n' || chunk[pos] == b'\r' {
            pos += 1;
            continue;
        }
        let nl = memchr::memchr(b'\n', &chunk[pos..]).map_or(n, |p| pos + p);
        let mut line_end = nl;
        if line_end > pos && chunk[line_end - 1] == b'\r' {
            line_end -= 1;
        }
        let line = &chunk[pos..line_end];
        if special < pos {
            special = memchr::memchr2(b'"', b'\r', &chunk[pos..]).map_or(n, |p| pos + p);
        }
        if special >= line_end {
            // The common case: no quotes, so the fields are the bytes between delimiters.
            let end = if nl < n { nl + 1 } else { n };
            let first = spans.len();
            split_plain(line, pos, layout.delimiter, &mut spans);
            let count = spans.len() - first;
            let cell = spans
                .get(first + layout.column)
                .filter(|_| layout.column < count)
                .map(|&(a, b)| &chunk[a as usize..b as usize]);
            let formula = spans[first..]
                .iter()
                .any(|&(a, b)| is_formula(&chunk[a as usize..b as usize]));
            let raw = RawRow {
                nfields: count,
                cell,
                text: text.and_then(|t| {
                    let &(a, b) = spans.get(first + layout.column)?;
                    t.get(a as usize..b as usize)
                }),
                formula,
                start: pos,
                end,
            };
            let mut row = analyze_row(raw, layout, opts, &mut keybuf);
            if row.needs_fields() {
                row.fields = RowFields::Spans {
                    first: first as u32,
                    count: count as u32,
                };
            } else {
                spans.truncate(first);
            }
            rows.push(row);
            pos = end;
        } else {
            // Quotes (or a bare CR): the CSV parser reads this one record (one parser per
            // thread, kept between chunks).
            let Some(took) = RECORD_READER.with(|r| {
                let mut r = r.borrow_mut();
                if r.as_ref().is_none_or(|r| r.delimiter() != layout.delimiter) {
                    *r = Some(RecordReader::new(layout.delimiter));
                }
                r.as_mut().and_then(|r| r.read(&chunk[pos..], &mut rec))
            }) else {
                break;
            };
            let mut end = (pos + took).min(n);
            // The reader stops after the CR of a CRLF; keep the LF with its record.
            if end > pos && end < n && chunk[end - 1] == b'\r' && chunk[end] == b'\n' {
                end += 1;
            }
            let formula = rec.iter().any(is_formula);
            let raw = RawRow {
                nfields: rec.len(),
                cell: rec.get(layout.column),
                text: None,
                formula,
                start: pos,
                end,
            };
            let mut row = analyze_row(raw, layout, opts, &mut keybuf);
            if row.needs_fields() {
                row.fields = RowFields::Parsed(Box::new(rec.clone()));
            }
            rows.push(row);
            pos = end.max(pos + 1);
        }
    }
    ChunkWork { chunk, rows, spans }
}

impl RowWork {
    /// Whether the row may have to be rewritten (so its fields are kept).
    fn needs_fields(&self) -> bool {
        self.formula || !self.email_same || self.facts.reason == Reason::MalformedRow
    }
}

/// A record as cut from the chunk.
struct RawRow<'a> {
    nfields: usize,
    /// The email cell, if the row has that column.
    cell: Option<&'a [u8]>,
    /// The same cell as text, when already known to be UTF-8.
    text: Option<&'a str>,
    /// Some field starts like a spreadsheet formula.
    formula: bool,
    /// `chunk[start..end]` is the record with its terminator.
    start: usize,
    end: usize,
}

fn analyze_row(
    raw: RawRow<'_>,
    layout: Layout,
    opts: &AnalyzeOptions,
    keybuf: &mut String,
) -> RowWork {
    let RawRow {
        nfields,
        cell,
        text,
        formula,
        start,
        end,
    } = raw;
    let ragged = nfields != layout.width;
    let text = match text {
        Some(t) if cell.is_some() => Some(Ok(t)),
        _ => cell.map(std::str::from_utf8),
    };
    let (mut facts, email_same, key, full) = match text {
        Some(Ok(s)) if !layout.keep_full && !ragged => {
            // The common case: no record, nothing allocated for a valid, normal address.
            address::analyze_found(s, opts, |found| match found {
                Found::Valid(v) => {
                    let same = v.normalized_is(s);
                    let key = if same && v.key_is_normalized() {
                        key_hash(s)
                    } else {
                        v.write_key(keybuf);
                        key_hash(keybuf)
                    };
                    let facts = Facts::new(
                        v.reason.verdict(),
                        v.reason,
                        v.flags.clone(),
                        v.suggested(),
                        None,
                        (!same).then(|| v.normalized()),
                    );
                    (facts, same, Some(key), None)
                }
                invalid => {
                    let rec = invalid.into_record(0, String::new());
                    (Facts::of(&rec, true), true, None, None)
                }
            })
        }
        _ => {
            let mut rec = match text {
                None => {
                    let mut r = address::analyze(0, "", opts);
                    r.reason = Reason::MalformedRow;
                    r.verdict = Reason::MalformedRow.verdict();
                    r
                }
                Some(Ok(s)) => address::analyze(0, s, opts),
                Some(Err(e)) => {
                    let lossy = String::from_utf8_lossy(cell.unwrap_or_default());
                    let mut r = address::analyze(0, &lossy, opts);
                    r.valid = false;
                    r.normalized = None;
                    r.ascii = Derived::None;
                    r.canonical = Derived::None;
                    r.suggestion = None;
                    r.reason = Reason::InvalidEncoding;
                    r.verdict = Reason::InvalidEncoding.verdict();
                    r.detail = Some(format!(
                        "the email cell is not valid UTF-8 (bad byte at offset {})",
                        e.valid_up_to()
                    ));
                    r
                }
            };
            if ragged {
                rec.reason = Reason::MalformedRow;
                rec.verdict = Reason::MalformedRow.verdict();
                rec.detail = Some(format!(
                    "the row has {} fields, the header has {}",
                    nfields, layout.width
                ));
            }
            let email_same = match (&rec.normalized, cell) {
                (Some(n), Some(c)) => n.as_bytes() == c,
                _ => true,
            };
            let key = if rec.valid {
                rec.canonical().map(key_hash)
            } else {
                None
            };
            let facts = Facts::of(&rec, email_same);
            (
                facts,
                email_same,
                key,
                layout.keep_full.then(|| Box::new(rec)),
            )
        }
    };
    facts.row = 0;
    RowWork {
        start,
        end,
        fields: RowFields::None,
        formula,
        email_same,
        key,
        facts,
        full,
        category: None,
    }
}

/// Serialised output of one chunk.
#[derive(Default)]
struct OutChunk {
    clean: Vec<u8>,
    rejects: Vec<u8>,
    results: Vec<u8>,
}

/// Append one RFC 4180 record to `out`, quoting fields only where needed.
fn write_record<T: AsRef<[u8]>>(out: &mut Vec<u8>, cells: &[T], delimiter: u8, crlf: bool) {
    for (i, c) in cells.iter().enumerate() {
        let c = c.as_ref();
        if i > 0 {
            out.push(delimiter);
        }
        let quote = (cells.len() == 1 && c.is_empty())
            || c.iter()
                .any(|&b| b == delimiter || b == b'"' || b == b'\n' || b == b'\r');
        if quote {
            out.push(b'"');
            for &b in c {
                if b == b'"' {
                    out.push(b'"');
                }
                out.push(b);
            }
            out.push(b'"');
        } else {
            out.extend_from_slice(c);
        }
    }
    out.extend_from_slice(if crlf { b"\r\n" } else { b"\n" });
}

struct SerializeOpts {
    delimiter: u8,
    column: usize,
    width: usize,
    keep_original: bool,
    formula_escape: bool,
    want_results: bool,
    /// Line terminator for rewritten rows: CRLF when the input's header used it.
    crlf: bool,
}

fn esc<'a>(o: &SerializeOpts, c: &'a [u8]) -> Cow<'a, [u8]> {
    if o.formula_escape {
        escape_formula(c)
    } else {
        Cow::Borrowed(c)
    }
}

fn trim_leading_newlines(raw: &[u8]) -> &[u8] {
    let n = raw
        .iter()
        .take_while(|&&b| b == b'\n' || b == b'\r')
        .count();
    &raw[n..]
}

fn trim_terminator(raw: &[u8]) -> &[u8] {
    let mut r = raw;
    if let Some(x) = r.strip_suffix(b"\n") {
        r = x;
    }
    if let Some(x) = r.strip_suffix(b"\r") {
        r = x;
    }
    r
}

/// `mailsift_row`, `mailsift_reason`, `mailsift_detail` for a rejected row.
fn reject_cells(r: &RowWork, cat: Category, o: &SerializeOpts) -> [Vec<u8>; 3] {
    let reason = match cat {
        Category::Malformed | Category::Undeliverable | Category::Risky | Category::Unknown => {
            r.facts.reason.as_str()
        }
        other => other.as_str(),
    };
    let detail = match cat {
        Category::Duplicate => r
            .facts
            .flags
            .duplicate_of
            .map(|d| format!("duplicate of row {d}")),
        Category::Typo => r.facts.suggestion().map(|s| format!("did you mean {s}?")),
        Category::Disposable => Some("disposable domain".to_owned()),
        Category::Role => Some("role account".to_owned()),
        Category::Free => Some("free-mail provider".to_owned()),
        _ => r.facts.detail().map(str::to_owned),
    };
    let mut detail = detail.unwrap_or_default();
    if cat != Category::Typo
        && let Some(s) = r.facts.suggestion()
    {
        if !detail.is_empty() {
            detail.push_str("; ");
        }
        detail.push_str("did you mean ");
        detail.push_str(s);
        detail.push('?');
    }
    [
        r.facts.row.to_string().into_bytes(),
        reason.as_bytes().to_vec(),
        esc(o, detail.as_bytes()).into_owned(),
    ]
}

fn serialize_chunk(work: &ChunkWork, o: &SerializeOpts, pool: &Pool<OutChunk>) -> OutChunk {
    let mut out = pool.take().unwrap_or_default();
    out.clean.clear();
    out.rejects.clear();
    out.results.clear();
    out.clean.reserve(work.chunk.len() + work.chunk.len() / 8);
    let OutChunk {
        clean: mut clean_w,
        mut rejects,
        mut results,
    } = out;
    let term: &[u8] = if o.crlf { b"\r\n" } else { b"\n" };
    let mut scratch = csv::ByteRecord::new();
    for r in &work.rows {
        let raw = trim_leading_newlines(&work.chunk[r.start..r.end]);
        let needs_escape = o.formula_escape && r.formula;
        if r.category.is_none() && !needs_escape && (o.keep_original || r.email_same) {
            // Unchanged row: copy the original bytes.
            clean_w.extend_from_slice(raw);
            if !matches!(raw.last(), Some(b'\n' | b'\r')) {
                clean_w.extend_from_slice(term);
            }
            if o.want_results {
                let _ = serde_json::to_writer(&mut results, &r.full);
                results.push(b'\n');
            }
            continue;
        }
        let fields = match (work.fields(r), r.category) {
            (Some(f), _) => f,
            (None, Some(cat)) => {
                // A well-formed row going to rejects: original bytes + the mailsift columns.
                rejects.extend_from_slice(trim_terminator(raw));
                rejects.push(o.delimiter);
                let extra = reject_cells(r, cat, o);
                write_record(&mut rejects, &extra, o.delimiter, o.crlf);
                if o.want_results {
                    let _ = serde_json::to_writer(&mut results, &r.full);
                    results.push(b'\n');
                }
                continue;
            }
            (None, None) => {
                // Only reachable with formula escaping off; re-parse the raw record.
                let mut rdr = reader_for(raw, o.delimiter);
                if !rdr.read_byte_record(&mut scratch).unwrap_or(false) {
                    scratch.clear();
                }
                FieldsRef::Parsed(&scratch)
            }
        };
        let mut cells: Vec<Cow<'_, [u8]>> = Vec::with_capacity(fields.len() + 3);
        match r.category {
            None => {
                for i in 0..fields.len() {
                    let f = fields.get(i).unwrap_or_default();
                    if i == o.column
                        && !o.keep_original
                        && let Some(n) = r.facts.normalized()
                    {
                        cells.push(esc(o, n.as_bytes()));
                        continue;
                    }
                    cells.push(esc(o, f));
                }
                write_record(&mut clean_w, &cells, o.delimiter, o.crlf);
            }
            Some(cat) => {
                for i in 0..o.width {
                    cells.push(fields.get(i).map(|f| esc(o, f)).unwrap_or_default());
                }
                cells.extend(reject_cells(r, cat, o).map(Cow::Owned));
                // Fields beyond the header's width are kept after the mailsift columns.
                for i in o.width..fields.len() {
                    cells.push(esc(o, fields.get(i).unwrap_or_default()));
                }
                write_record(&mut rejects, &cells, o.delimiter, o.crlf);
            }
        }
        if o.want_results {
            let _ = serde_json::to_writer(&mut results, &r.full);
            results.push(b'\n');
        }
    }
    OutChunk {
        clean: clean_w,
        rejects,
        results,
    }
}

/// Spawn a named thread (names show in `top -H` and profilers).
fn spawn_named<T: Send + 'static>(
    name: &str,
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<std::thread::JoinHandle<T>, CleanError> {
    std::thread::Builder::new()
        .name(name.to_owned())
        .spawn(f)
        .map_err(|e| CleanError::Threads(format!("{name}: {e}")))
}

/// Start the writer thread: it writes serialised chunks in input order (by sequence number)
/// and returns the merged counts.
fn spawn_writer(
    writers: Writers,
    chunks: mpsc::Receiver<(u64, OutChunk, Tally)>,
) -> Result<std::thread::JoinHandle<Result<Tally, CleanError>>, CleanError> {
    spawn_named("mailsift-writer", move || -> Result<Tally, CleanError> {
        let mut w = writers;
        let mut tally = Tally::default();
        let mut next = 0u64;
        let mut waiting = std::collections::BTreeMap::new();
        for (seq, out, t) in chunks {
            tally.merge(&t);
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
fn finish_writer(
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

/// A message from the reader/analysis side of the pipeline.
enum Analysed {
    /// Chunk `seq` (bytes read so far) analysed.
    Work(u64, u64, ChunkWork),
    /// The input had this many chunks.
    End(u64),
    /// Reading failed.
    Failed(CleanError),
}

/// Recycled buffers.
#[derive(Clone)]
struct Pools {
    chunks: Arc<Pool<Vec<u8>>>,
    rows: Arc<Pool<RowBuffers>>,
    out: Arc<Pool<OutChunk>>,
}

impl Pools {
    fn recycle(&self, work: ChunkWork) {
        self.chunks.put(work.chunk);
        let (mut rows, mut spans) = (work.rows, work.spans);
        rows.clear();
        spans.clear();
        self.rows.put((rows, spans));
    }
}

/// The sequential step, in input order: row numbers, duplicates, reject decisions.
struct Sequential {
    seen: Seen,
    row_no: u64,
}

/// Run the network stage over the records of several chunks at once.
/// The rows' facts follow what the stage found (verdict, reason, detail).
fn run_stage<'a>(works: impl Iterator<Item = &'a mut ChunkWork>, stage: Option<&dyn Stage>) {
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
struct Held<T> {
    items: Vec<T>,
    rows: usize,
}

impl<T> Held<T> {
    fn new() -> Self {
        Held {
            items: Vec::new(),
            rows: 0,
        }
    }

    /// Hold `item` of `rows` rows; true when the batch is full.
    fn push(&mut self, item: T, rows: usize, batch: usize) -> bool {
        self.items.push(item);
        self.rows += rows;
        self.rows >= batch
    }

    fn take(&mut self) -> Vec<T> {
        self.rows = 0;
        std::mem::take(&mut self.items)
    }
}

impl Sequential {
    /// Row numbers and duplicate detection, in input order (after the network stage).
    fn apply(&mut self, work: &mut ChunkWork) {
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

/// Reject decisions and counts for a chunk whose rows are numbered and deduplicated (runs on
/// the workers).
fn decide(work: &mut ChunkWork, reject: &RejectSet) -> Tally {
    let mut tally = Tally::default();
    for w in work.rows.iter_mut() {
        w.category = reject.first_match(&w.facts);
        let f = &w.facts;
        tally.add_parts(
            f.verdict,
            f.reason,
            &f.flags,
            f.suggestion().is_some(),
            w.category.map(|c| c as usize),
        );
    }
    tally
}

/// The three output streams.
struct Writers {
    clean: Box<dyn Write + Send>,
    rejects: Box<dyn Write + Send>,
    results: Option<Box<dyn Write + Send>>,
    pool: Arc<Pool<OutChunk>>,
}

impl Writers {
    fn write(&mut self, batch: Vec<OutChunk>) -> Result<(), CleanError> {
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

    fn flush(&mut self) -> Result<(), CleanError> {
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

type Input = Box<dyn Read + Send>;

/// The next chunk of input and the bytes read so far: the held-back first record of a
/// headerless list, then the chunker's chunks; `None` at the end.
fn next_input(
    chunker: &mut Chunker<Input>,
    first: &mut Option<Vec<u8>>,
) -> Result<Option<(Vec<u8>, u64)>, CleanError> {
    if let Some(f) = first.take() {
        return Ok(Some((f, 0)));
    }
    match chunker.next_chunk() {
        Ok(Some(c)) => Ok(Some((c, chunker.bytes_read))),
        Ok(None) => Ok(None),
        Err(e) => Err(CleanError::Io("reading input".into(), e)),
    }
}

/// Run `clean` over `input` (of `input_len` bytes, if known), writing to `sinks`.
pub fn run(
    input: Box<dyn Read + Send>,
    input_len: Option<u64>,
    cfg: &CleanConfig,
    sinks: CleanSinks,
    stage: Option<&dyn Stage>,
) -> Result<Summary, CleanError> {
    let start = Instant::now();
    let threads = if cfg.threads == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        cfg.threads
    };
    let mut input = input;
    let mut head = csvin::read_head(&mut input, 64 * 1024)
        .map_err(|e| CleanError::Io("reading input".into(), e))?;
    let had_bom = csvin::strip_bom(&mut head);
    if head.is_empty() {
        return Err(CleanError::EmptyInput);
    }
    let delimiter = csvin::detect_delimiter(&head);
    let chunk_pool: Arc<Pool<Vec<u8>>> = Pool::new(threads * 8 + 8);
    let out_pool: Arc<Pool<OutChunk>> = Pool::new(threads * 8 + 8);
    let rows_pool: Arc<Pool<RowBuffers>> = Pool::new(threads * 4 + 4);
    let mut chunker = Chunker::new(input, head, delimiter).with_pool(chunk_pool.clone());
    if had_bom {
        chunker.bytes_read += 3;
    }
    let header_chunk = chunker
        .next_record_chunk()
        .map_err(|e| CleanError::Io("reading input".into(), e))?
        .unwrap_or_default();
    let header_rec = csvin::parse_chunk(&header_chunk, delimiter)
        .into_iter()
        .next()
        .unwrap_or_default();
    let headers: Vec<String> = header_rec
        .iter()
        .map(|h| String::from_utf8_lossy(h).into_owned())
        .collect();
    if headers.is_empty() {
        return Err(CleanError::EmptyInput);
    }
    let (column, headerless) = match csvin::find_email_column(&headers, cfg.column.as_deref()) {
        Some(c) => (c, false),
        None if cfg.column.is_none() => match csvin::looks_like_data(&headers) {
            Some(c) => (c, true),
            None => {
                return Err(CleanError::NoEmailColumn {
                    headers,
                    wanted: None,
                });
            }
        },
        None => {
            return Err(CleanError::NoEmailColumn {
                headers,
                wanted: cfg.column.clone(),
            });
        }
    };
    let width = headers.len();
    let layout = Layout {
        delimiter,
        column,
        width,
        keep_full: sinks.results.is_some() || stage.is_some(),
    };
    let crlf = !header_chunk.ends_with(b"\n") || header_chunk.ends_with(b"\r\n");
    let sopts = SerializeOpts {
        delimiter,
        column,
        width,
        keep_original: cfg.keep_original,
        formula_escape: cfg.formula_escape,
        want_results: sinks.results.is_some(),
        crlf,
    };

    let CleanSinks {
        clean,
        rejects,
        results,
    } = sinks;
    let mut writers = Writers {
        clean,
        rejects,
        results,
        pool: out_pool.clone(),
    };
    // Headers first.
    if !headerless {
        let esc = |c: &[u8]| -> Vec<u8> {
            if cfg.formula_escape {
                escape_formula(c).into_owned()
            } else {
                c.to_vec()
            }
        };
        let mut head = OutChunk::default();
        let cells: Vec<Vec<u8>> = header_rec.iter().map(esc).collect();
        write_record(&mut head.clean, &cells, delimiter, crlf);
        let mut cells = cells;
        for h in ["mailsift_row", "mailsift_reason", "mailsift_detail"] {
            cells.push(h.as_bytes().to_vec());
        }
        write_record(&mut head.rejects, &cells, delimiter, crlf);
        writers.write(vec![head])?;
    }
    let first = if headerless { Some(header_chunk) } else { None };
    let mut tally = Tally::default();
    // Pre-sized from the input's length (about 40 bytes a row), capped so that memory follows
    // the number of distinct addresses, not the file size; beyond the cap the table grows.
    let expect_rows = input_len.map_or(0, |n| (n / 40).min(1 << 20) as usize);
    let mut seq_state = Sequential {
        seen: Seen::with_capacity(expect_rows),
        row_no: 0,
    };
    let mut progress = Progress::new(cfg.progress, input_len);
    let mut bytes_done: u64 = 0;
    let batch_rows = stage.map_or(0, Stage::batch_rows);
    let pools = Pools {
        chunks: chunk_pool,
        rows: rows_pool,
        out: out_pool,
    };
    if threads == 1 {
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
                tally.merge(&decide(&mut work, &cfg.reject));
                let out = serialize_chunk(&work, &sopts, &pools.out);
                pools.recycle(work);
                writers.write(vec![out])?;
                progress.update(seq_state.row_no, bytes_done);
            }
        }
        progress.finish();
        writers.flush()?;
    } else if stage.is_none() {
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
                            let t = decide(&mut work, reject);
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
        bytes_done = read_done.load(Ordering::Relaxed);
        progress.finish();
        tally = finish_writer(writer, failure, total, "the input was not read to its end")?;
        seq_state = state.into_inner().unwrap_or_else(|e| e.into_inner());
    } else {
        // A pipeline: the reader thread cuts chunks and hands each to the worker pool for
        // analysis (at most `window` in flight); this thread takes analysed chunks in input
        // order for the sequential step and hands them back to the pool for serialising; the
        // writer thread writes serialised chunks in input order.
        // Chunks analysed ahead of the ordered step: one per worker. More read-ahead only lets
        // analysed records fall out of the cache before they are serialised (measured: 2
        // threads 0.28 s with a window of 2, 0.33 s with 8, on 1M rows).
        let window = threads.max(2);
        let pool = Arc::new(
            Workers::new(threads, "mailsift-worker")
                .map_err(|e| CleanError::Threads(e.to_string()))?,
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
                    let t = decide(&mut work, &reject);
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
        tally = finish_writer(writer, failure, total, "the reader stopped early")?;
    }
    let mut summary = tally.into_summary(&Category::ALL.map(Category::as_str));
    summary.unique_addresses = seq_state.seen.len() as u64;
    summary.bytes_in = bytes_done;
    summary.elapsed_seconds = start.elapsed().as_secs_f64();
    summary.rows_per_second = summary.rows_in as f64 / summary.elapsed_seconds.max(1e-9);
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every record the CSV reader finds in `chunk`, as cut by `analyze_chunk`.
    fn check_against_reader(chunk: &[u8]) -> Result<(), proptest::test_runner::TestCaseError> {
        let layout = Layout {
            delimiter: b',',
            column: 0,
            width: 2,
            keep_full: false,
        };
        let pool = Pool::new(1);
        let work = analyze_chunk(chunk.to_vec(), layout, &AnalyzeOptions::default(), &pool);
        let mut rdr = reader_for(chunk, b',');
        let mut rec = csv::ByteRecord::new();
        let mut expected = Vec::new();
        while rdr.read_byte_record(&mut rec).unwrap_or(false) {
            expected.push(rec.clone());
        }
        proptest::prop_assert_eq!(work.rows.len(), expected.len());
        for (r, e) in work.rows.iter().zip(&expected) {
            let got: Vec<Vec<u8>> = match work.fields(r) {
                Some(f) => (0..f.len())
                    .map(|i| f.get(i).unwrap_or_default().to_vec())
                    .collect(),
                None => {
                    // Not kept: the row's bytes must read back as the same record.
                    let mut one = reader_for(&work.chunk[r.start..r.end], b',');
                    let mut x = csv::ByteRecord::new();
                    proptest::prop_assert!(one.read_byte_record(&mut x).unwrap_or(false));
                    x.iter().map(<[u8]>::to_vec).collect()
                }
            };
            let want: Vec<Vec<u8>> = e.iter().map(<[u8]>::to_vec).collect();
            proptest::prop_assert_eq!(got, want);
        }
        Ok(())
    }

    proptest::proptest! {
        /// The memchr splitter and the CSV reader cut the same records and fields, with quotes,
        /// CR, CRLF, blank lines and ragged rows mixed in.
        #[test]
        fn splitter_agrees_with_the_csv_reader(s in "[a@.,\"\n\r é]{0,120}") {
            check_against_reader(s.as_bytes())?;
        }
    }

    #[test]
    fn splitter_examples() {
        for s in [
            "a@b.c,x\nd@e.f,y\n",
            "a@b.c,x\r\n\r\nd@e.f,\"y,\"\"z\"\"\"\r\n",
            "\"a@b.c\nx\",1\nplain@b.c,2",
            "a,b,c\n,\n\n\"\"\n",
            "x\ry\rz",
        ] {
            check_against_reader(s.as_bytes()).unwrap();
        }
    }
}
