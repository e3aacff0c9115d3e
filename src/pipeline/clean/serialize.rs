//! Serialisation: a decided chunk becomes bytes of clean CSV, rejects CSV (with the mailsift
//! columns) and results JSON Lines; unchanged rows are copied byte for byte.

use std::borrow::Cow;

use crate::pipeline::Pool;
use crate::text::escape_formula;

use crate::engagement::EngagementSet;
use crate::suppress::SuppressSet;

use super::analyze::reader_for;
use super::policy::Category;
use super::row::{ChunkWork, FieldsRef, RowWork};

/// Serialised output of one chunk.
#[derive(Default)]
pub(super) struct OutChunk {
    pub(super) clean: Vec<u8>,
    pub(super) rejects: Vec<u8>,
    pub(super) results: Vec<u8>,
}

/// How chunks are serialised: the layout and the output options.
pub(super) struct SerializeOpts {
    pub(super) delimiter: u8,
    pub(super) column: usize,
    pub(super) width: usize,
    pub(super) keep_original: bool,
    pub(super) formula_escape: bool,
    pub(super) want_results: bool,
    /// Line terminator for rewritten rows: CRLF when the input's header used it.
    pub(super) crlf: bool,
    /// The suppression set, for the sources of suppressed rows.
    pub(super) suppress: Option<std::sync::Arc<SuppressSet>>,
    /// The engagement data, for the results' `engagement` object.
    pub(super) engagement: Option<std::sync::Arc<EngagementSet>>,
}

/// The header rows: the input's header for the clean output, and the same with the mailsift
/// columns for rejects.
pub(super) fn header_chunk(header: &csv::ByteRecord, o: &SerializeOpts) -> OutChunk {
    let esc = |c: &[u8]| -> Vec<u8> {
        if o.formula_escape {
            escape_formula(c).into_owned()
        } else {
            c.to_vec()
        }
    };
    let mut head = OutChunk::default();
    let cells: Vec<Vec<u8>> = header.iter().map(esc).collect();
    write_record(&mut head.clean, &cells, o.delimiter, o.crlf);
    let mut cells = cells;
    for h in ["mailsift_row", "mailsift_reason", "mailsift_detail"] {
        cells.push(h.as_bytes().to_vec());
    }
    write_record(&mut head.rejects, &cells, o.delimiter, o.crlf);
    head
}

/// Serialise a decided chunk: clean, rejects and results bytes, in buffers from `pool`.
pub(super) fn serialize_chunk(
    work: &ChunkWork,
    o: &SerializeOpts,
    pool: &Pool<OutChunk>,
) -> OutChunk {
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
                write_result(&mut results, r, o);
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
                    write_result(&mut results, r, o);
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
            write_result(&mut results, r, o);
        }
    }
    OutChunk {
        clean: clean_w,
        rejects,
        results,
    }
}

/// One results line: the row's record, with `"suppressed": {"reason", "source"}` added when
/// the row is on a suppression list, and `"engagement": {...}` with engagement data.
fn write_result(results: &mut Vec<u8>, r: &RowWork, o: &SerializeOpts) {
    let _ = serde_json::to_writer(&mut *results, &r.full);
    if let (Some((reason, src)), Some(set)) = (r.suppressed, &o.suppress)
        && results.last() == Some(&b'}')
    {
        results.pop();
        results.extend_from_slice(b",\"suppressed\":{\"reason\":\"");
        results.extend_from_slice(reason.as_str().as_bytes());
        results.extend_from_slice(b"\",\"source\":");
        let src = set.sources().get(src as usize).map_or("", String::as_str);
        let _ = serde_json::to_writer(&mut *results, src);
        results.extend_from_slice(b"}}");
    }
    if let Some(set) = &o.engagement
        && results.last() == Some(&b'}')
    {
        results.pop();
        results.extend_from_slice(b",\"engagement\":");
        let _ = serde_json::to_writer(&mut *results, &set.engagement(r.key));
        results.push(b'}');
    }
    results.push(b'\n');
}

/// The source file and reason of a suppressed row, for `mailsift_detail`.
fn suppressed_detail(r: &RowWork, o: &SerializeOpts) -> Option<String> {
    let (reason, src) = r.suppressed?;
    let set = o.suppress.as_ref()?;
    let src = set.sources().get(src as usize)?;
    Some(format!("{} in {src}", reason.as_str()))
}

/// What the engagement data says of an inactive or never-engaged row, for `mailsift_detail`.
fn engagement_detail(r: &RowWork, o: &SerializeOpts) -> Option<String> {
    let e = o.engagement.as_ref()?.engagement(r.key);
    let last = e.last_human_open.max(e.last_click);
    Some(match last {
        Some(t) => format!(
            "last human open or click {t}, {} sends since",
            e.sends_since_engagement
        ),
        None => format!(
            "{} sends, no human open or click ({} machine opens)",
            e.sends, e.machine_opens
        ),
    })
}

/// `mailsift_row`, `mailsift_reason`, `mailsift_detail` for a rejected row.
fn reject_cells(r: &RowWork, cat: Category, o: &SerializeOpts) -> [Vec<u8>; 3] {
    let reason = if cat.by_reason() {
        r.facts.reason.as_str()
    } else {
        cat.as_str()
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
        Category::Suppressed => suppressed_detail(r, o),
        Category::Inactive | Category::NeverEngaged => engagement_detail(r, o),
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
