//! Row analysis: cut a chunk into records (a memchr splitter for plain lines, the CSV parser for
//! quoted ones), then analyse each record's email cell offline into a [`RowWork`].

use crate::address::{self, AnalyzeOptions, Found};
use crate::model::{Derived, Reason};
use crate::pipeline::Pool;
use crate::pipeline::csvin::RecordReader;
use crate::pipeline::seen::Key;
use crate::text::is_formula;

use super::row::{ChunkWork, Facts, Layout, RowBuffers, RowFields, RowWork};

pub(super) fn analyze_chunk(
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
        suppressed: None,
        segment: None,
    }
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

/// A 128-bit hash of a duplicate-detection key ([`crate::key_hash::hash128`]). With a million
/// keys the chance of any collision is about 1 in 10^26.
fn key_hash(key: &str) -> Key {
    crate::key_hash::hash128(key.as_bytes())
}

pub(super) fn reader_for(bytes: &[u8], delimiter: u8) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(bytes)
}

thread_local! {
    /// Each worker's parser for records with quotes.
    static RECORD_READER: std::cell::RefCell<Option<RecordReader>> =
        const { std::cell::RefCell::new(None) };
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
