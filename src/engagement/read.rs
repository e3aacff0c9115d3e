//! The streaming reader of one engagement file: blocks of whole lines (whole CSV records) are
//! cut from the input in turn, parsed and keyed on all cores (rayon), then counted in input
//! order. Memory holds a few blocks at a time, never the file.

use std::borrow::Cow;
use std::io::{self, Read};

use rayon::prelude::*;

use crate::address::{self, AnalyzeOptions, Found};

use super::detect::{Columns, Format, detect};
use super::event::{Act, Record};
use super::tally::Key;
use super::{generic, klaviyo, mailchimp, mailgun, postmark, sendgrid, ses};

/// Bytes of input a block holds (at least; a block ends at a line end).
const BLOCK: usize = 1 << 20;

/// The largest pretty-printed JSON document read whole (JSON Lines have no limit).
const DOCUMENT_MAX: usize = 256 << 20;

/// What a block of input gave, in input order.
pub(super) enum Item {
    /// An event of the address with this key hash.
    Event(Key, i64, Act),
    /// A malformed record: its line and why.
    Bad(u64, String),
}

/// Why a file could not be read at all.
pub(super) enum Failure {
    /// Reading failed.
    Io(io::Error),
    /// The content matches no format: what was seen.
    Unrecognised(String),
}

/// Read `r` to its end: detect the format from its first record, then hand every item to
/// `apply` in input order. `threads` blocks are parsed at once.
pub(super) fn read_all<R: Read>(
    mut r: R,
    opts: &AnalyzeOptions,
    threads: usize,
    apply: &mut (dyn FnMut(Item) + Send),
) -> Result<Format, Failure> {
    let mut buf = Vec::with_capacity(BLOCK * 2);
    let mut eof = false;
    // the first non-blank line, whole
    let (first, first_line) = loop {
        if let Some(found) = first_line(&buf, eof) {
            break found;
        }
        if eof {
            return Err(Failure::Unrecognised("the file is empty".into()));
        }
        eof = fill(&mut r, &mut buf, BLOCK).map_err(Failure::Io)?;
    };
    let first_text = String::from_utf8_lossy(&buf[first.0..first.1]).into_owned();
    let first_trim = first_text.trim().trim_start_matches('\u{feff}');
    // A pretty-printed JSON document (an array or an object over many lines): read whole,
    // then one record a line.
    if (first_trim.starts_with('[') || first_trim.starts_with('{'))
        && serde_json::from_str::<serde_json::Value>(first_trim).is_err()
    {
        (&mut r)
            .take(DOCUMENT_MAX as u64)
            .read_to_end(&mut buf)
            .map_err(Failure::Io)?;
        if buf.len() >= DOCUMENT_MAX {
            return Err(Failure::Unrecognised(format!(
                "the first line is not a JSON record, and a JSON document over {} MiB is not read",
                DOCUMENT_MAX >> 20
            )));
        }
        let text = String::from_utf8_lossy(&buf);
        let v: serde_json::Value = serde_json::from_str(text.trim_start_matches('\u{feff}'))
            .map_err(|e| {
                Failure::Unrecognised(format!("not JSON Lines and not a JSON document ({e})"))
            })?;
        let records = match v {
            serde_json::Value::Array(a) => a,
            v => vec![v],
        };
        let lines: Vec<String> = records.iter().map(|v| v.to_string()).collect();
        let joined = lines.join("\n").into_bytes();
        return read_all(io::Cursor::new(joined), opts, threads, apply);
    }
    let (format, cols) = detect(first_trim).map_err(Failure::Unrecognised)?;
    let header_line = if format.is_csv() { first_line } else { 0 };
    let threads = threads.max(1);
    let mut blocks = Blocks {
        r,
        buf,
        eof,
        line: 1,
        csv: format.is_csv(),
    };
    // Blocks are parsed on all cores while the previous batch is counted (in input order).
    let mut pending: Vec<Vec<Item>> = Vec::new();
    loop {
        let batch = blocks.next_batch(threads * 2).map_err(Failure::Io)?;
        if batch.is_empty() {
            pending.into_iter().flatten().for_each(&mut *apply);
            return Ok(format);
        }
        let (parsed, ()) = rayon::join(
            || {
                batch
                    .par_iter()
                    .map(|(start, b)| parse_block(format, &cols, *start, header_line, b, opts))
                    .collect::<Vec<_>>()
            },
            || pending.drain(..).flatten().for_each(&mut *apply),
        );
        pending = parsed;
    }
}

/// Cuts the input into blocks of whole lines (whole records, for CSV).
struct Blocks<R> {
    r: R,
    buf: Vec<u8>,
    eof: bool,
    /// The line number of the first line in `buf`.
    line: u64,
    csv: bool,
}

impl<R: Read> Blocks<R> {
    /// Up to `n` blocks with the line number each starts on (none at the end of the input).
    fn next_batch(&mut self, n: usize) -> io::Result<Vec<(u64, Vec<u8>)>> {
        let mut out = Vec::with_capacity(n);
        while out.len() < n {
            if !self.eof && self.buf.len() < BLOCK {
                self.eof = fill(&mut self.r, &mut self.buf, BLOCK)?;
                continue;
            }
            let end = match cut(&self.buf, BLOCK, self.csv) {
                Some(e) => e,
                None if self.eof => self.buf.len(),
                None => {
                    // one record longer than a block: read on
                    let want = self.buf.len() + BLOCK;
                    self.eof = fill(&mut self.r, &mut self.buf, want)?;
                    continue;
                }
            };
            if end == 0 {
                break;
            }
            let rest = self.buf.split_off(end);
            let block = std::mem::replace(&mut self.buf, rest);
            let start = self.line;
            self.line += memchr::memchr_iter(b'\n', &block).count() as u64;
            out.push((start, block));
        }
        Ok(out)
    }
}

/// Read more of `r` into `buf` until it holds `want` bytes or the input ends; whether it ended.
fn fill<R: Read>(r: &mut R, buf: &mut Vec<u8>, want: usize) -> io::Result<bool> {
    while buf.len() < want {
        let n = buf.len();
        buf.resize(want.max(n + 64 * 1024), 0);
        let got = loop {
            match r.read(&mut buf[n..]) {
                Ok(g) => break g,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    buf.truncate(n);
                    return Err(e);
                }
            }
        };
        buf.truncate(n + got);
        if got == 0 {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The byte range and 1-based line number of the first non-blank line of `buf`, once it is
/// complete (ends in a line end, or the input ended).
fn first_line(buf: &[u8], eof: bool) -> Option<((usize, usize), u64)> {
    let mut pos = 0;
    let mut line = 1;
    while pos < buf.len() {
        let nl = memchr::memchr(b'\n', &buf[pos..]).map(|i| pos + i);
        let end = match nl {
            Some(e) => e,
            None if eof => buf.len(),
            None => return None,
        };
        let l = &buf[pos..end];
        let blank = l.iter().all(|b| b.is_ascii_whitespace())
            || l.strip_prefix(b"\xef\xbb\xbf")
                .is_some_and(|r| r.iter().all(u8::is_ascii_whitespace));
        if !blank {
            return Some(((pos, end), line));
        }
        pos = end + 1;
        line += 1;
    }
    None
}

/// Where a block of `buf` ends: just after the last line end at or before `limit` (for CSV,
/// outside quotes), else just after the first one beyond it; `None` if there is none.
fn cut(buf: &[u8], limit: usize, csv: bool) -> Option<usize> {
    if !csv {
        let head = &buf[..limit.min(buf.len())];
        return memchr::memrchr(b'\n', head)
            .or_else(|| memchr::memchr(b'\n', &buf[head.len()..]).map(|i| head.len() + i))
            .map(|i| i + 1);
    }
    let mut quoted = false;
    let mut last = None;
    for i in memchr::memchr2_iter(b'"', b'\n', buf) {
        if buf[i] == b'"' {
            quoted = !quoted;
        } else if !quoted {
            if i >= limit {
                return Some(last.unwrap_or(i + 1));
            }
            last = Some(i + 1);
        }
    }
    last
}

/// Parse one block (whose first line is `start`) into items.
fn parse_block(
    format: Format,
    cols: &Columns,
    start: u64,
    header_line: u64,
    block: &[u8],
    opts: &AnalyzeOptions,
) -> Vec<Item> {
    let text = String::from_utf8_lossy(block);
    let mut items = Vec::with_capacity(block.len() / 200 + 1);
    let mut keybuf = String::with_capacity(128);
    let mut push = |line: u64, rec: Record<'_>, keybuf: &mut String| match rec {
        Record::Event { email, time, act } => match key_of(&email, opts, keybuf) {
            Some(k) => items.push(Item::Event(k, time, act)),
            None => items.push(Item::Bad(
                line,
                format!("not a valid address: {:?}", truncate(&email)),
            )),
        },
        Record::Skip => {}
        Record::Bad(why) => items.push(Item::Bad(line, why)),
    };
    if format.is_csv() {
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(cols.delimiter)
            .from_reader(text.as_bytes());
        let mut rec = csv::StringRecord::new();
        loop {
            match rdr.read_record(&mut rec) {
                Ok(false) => break,
                Ok(true) => {
                    let line = start + rec.position().map_or(1, |p| p.line()) - 1;
                    if line <= header_line
                        || (rec.len() == 1 && rec.get(0).is_some_and(|c| c.trim().is_empty()))
                    {
                        continue;
                    }
                    let r = match format {
                        Format::MailchimpMembers => mailchimp::record(&rec, cols),
                        Format::Klaviyo => klaviyo::record(&rec, cols),
                        _ => generic::record(&rec, cols),
                    };
                    push(line, r, &mut keybuf);
                }
                Err(e) => {
                    let line = start + e.position().map_or(1, |p| p.line()) - 1;
                    push(
                        line,
                        Record::Bad(format!("unreadable CSV record: {e}")),
                        &mut keybuf,
                    );
                    if !matches!(e.kind(), csv::ErrorKind::Utf8 { .. }) {
                        break;
                    }
                }
            }
        }
        return items;
    }
    let reader: for<'a> fn(&'a str, &mut dyn FnMut(Record<'a>)) = match format {
        Format::Sendgrid => sendgrid::read,
        Format::Mailgun => mailgun::read,
        Format::Ses => ses::read,
        _ => postmark::read,
    };
    for (i, l) in text.split('\n').enumerate() {
        let l = l.trim();
        let l = l.strip_prefix('\u{feff}').unwrap_or(l);
        if l.is_empty() {
            continue;
        }
        let line = start + i as u64;
        reader(l, &mut |rec| push(line, rec, &mut keybuf));
    }
    items
}

/// The hash of an address's duplicate-detection key (the key `clean` and `--suppress` use),
/// if it is a valid address.
pub(super) fn key_of(email: &str, opts: &AnalyzeOptions, keybuf: &mut String) -> Option<Key> {
    address::analyze_found(email, opts, |found| match found {
        Found::Valid(v) => Some(if v.normalized_is(email) && v.key_is_normalized() {
            crate::key_hash::hash128(email.as_bytes())
        } else {
            v.write_key(keybuf);
            crate::key_hash::hash128(keybuf.as_bytes())
        }),
        _ => None,
    })
}

fn truncate(s: &str) -> Cow<'_, str> {
    match s.char_indices().nth(80) {
        Some((i, _)) => Cow::Borrowed(&s[..i]),
        None => Cow::Borrowed(s),
    }
}
