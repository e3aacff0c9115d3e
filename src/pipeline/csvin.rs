//! Streaming CSV input (UTF-8 text, as [`crate::input::open_list`] hands it on): delimiter
//! detection, header and email-column detection, and
//! chunking at record boundaries so that chunks can be parsed in parallel.
//!
//! The chunker runs the same small state machine as an RFC 4180 parser (quotes only open a field
//! at its start, `""` inside quotes is a quote, CR and LF end records outside quotes), so a chunk
//! always holds whole records.
//!
//! A quote left open would make the rest of the input one cell (or, when a later cell is quoted,
//! swallow the lines up to it and put every quote after it out of step). A quoted cell is taken
//! as a quote left open when it runs to the end of the input, past [`OPEN_QUOTE_MAX`] bytes, or,
//! spanning lines, to a "closing" quote followed by text rather than a delimiter or line end
//! (the quote that opens the next quoted cell): its
//! opening quote is read as a literal character (the cell, up to the next delimiter or line end,
//! is rewritten as a properly quoted cell holding that quote), the record ends at the end of
//! that line, and the lines after it are records again. Each such quote is noted
//! ([`OpenQuote`]: the line where it opened), so that the run can warn about it.

use std::io::{self, Read};
use std::sync::{Arc, Mutex};

use super::Pool;
use crate::input::{OPEN_QUOTE_MAX, OpenQuote};

/// Bytes per chunk handed to a worker (a chunk grows to hold a record longer than this).
pub(crate) const CHUNK_TARGET: usize = 1 << 18;

/// Bytes read past the chunk target (and the least read at a time).
const CHUNK_SLACK: usize = 16 << 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    FieldStart,
    Unquoted,
    Quoted,
    QuoteInQuoted,
}

/// Splits a byte stream into chunks of whole CSV records.
pub(crate) struct Chunker<R> {
    inner: R,
    delimiter: u8,
    buf: Vec<u8>,
    /// Bytes of `buf` already scanned.
    scanned: usize,
    /// End of the last complete record in `buf`.
    boundary: usize,
    state: State,
    eof: bool,
    /// Total bytes read so far.
    pub bytes_read: u64,
    /// Recycled chunk buffers.
    pool: Option<Arc<Pool<Vec<u8>>>>,
    /// Where the quote of the quoted field being scanned opened (an offset in `buf`).
    quote_at: usize,
    /// Line feeds in the chunks handed out so far (for the line number of an open quote).
    lines_cut: u64,
    /// The scan found the quote at `quote_at` left open (and why).
    left_open: Option<&'static str>,
    /// The quotes left open found so far.
    open_quotes: Arc<Mutex<Vec<OpenQuote>>>,
}

impl<R: Read> Chunker<R> {
    /// Wrap a reader whose first bytes are `head` (already read for sniffing; BOM removed).
    pub(crate) fn new(inner: R, head: Vec<u8>, delimiter: u8) -> Self {
        let bytes_read = head.len() as u64;
        Chunker {
            inner,
            delimiter,
            buf: head,
            scanned: 0,
            boundary: 0,
            state: State::FieldStart,
            eof: false,
            bytes_read,
            pool: None,
            quote_at: 0,
            lines_cut: 0,
            left_open: None,
            open_quotes: Arc::default(),
        }
    }

    /// The quotes left open found so far (shared: read it when the input is done).
    pub(crate) fn open_quotes(&self) -> Arc<Mutex<Vec<OpenQuote>>> {
        self.open_quotes.clone()
    }

    /// Take chunk buffers from `pool` (return them there when done with a chunk).
    pub(crate) fn with_pool(mut self, pool: Arc<Pool<Vec<u8>>>) -> Self {
        self.pool = Some(pool);
        self
    }

    fn fresh_buffer(&self) -> Vec<u8> {
        let mut b = self
            .pool
            .as_ref()
            .and_then(|p| p.take())
            .unwrap_or_else(|| Vec::with_capacity(CHUNK_TARGET * 2));
        b.clear();
        b
    }

    /// Scan forward, stopping early once a record boundary at or past `target` is found.
    /// Stretches without quotes or CRs are crossed by [`Chunker::scan_plain`]; the byte-by-byte
    /// scan handles the records that have them and hands back at the next record end.
    fn scan(&mut self, target: usize) {
        while !self.scan_plain(target) && self.scan_bytes(target) {}
    }

    /// The byte-by-byte scan from `scanned`. True when it stopped at a record end before
    /// `target` (so the plain scan may go on from there).
    fn scan_bytes(&mut self, target: usize) -> bool {
        let d = self.delimiter;
        let mut resume = false;
        let mut st = self.state;
        let buf = &self.buf;
        let mut i = self.scanned;
        while i < buf.len() {
            let b = buf[i];
            st = match st {
                State::Quoted => {
                    // Fast path: jump to the next quote, within the longest cell allowed.
                    let limit = (self.quote_at + OPEN_QUOTE_MAX + 1).min(buf.len());
                    match memchr::memchr(b'"', &buf[i.min(limit)..limit]) {
                        Some(p) => {
                            i += p;
                            State::QuoteInQuoted
                        }
                        None => {
                            // Past the limit (`next_chunk_sized` takes the quote as left
                            // open), or at the end of what was read.
                            i = limit;
                            break;
                        }
                    }
                }
                State::QuoteInQuoted if b == b'"' => State::Quoted,
                State::FieldStart if b == b'"' => {
                    self.quote_at = i;
                    State::Quoted
                }
                State::FieldStart | State::Unquoted if b != d && b != b'\n' && b != b'\r' => {
                    // Fast path: outside quotes only a line end, or a quote that opens a field,
                    // changes anything. Jump to the next quote or line end.
                    match memchr::memchr3(b'"', b'\n', b'\r', &buf[i..]) {
                        None => {
                            // The end of what was read: a quote read next opens a field only
                            // after a delimiter.
                            i = buf.len();
                            st = if buf.last() == Some(&d) {
                                State::FieldStart
                            } else {
                                State::Unquoted
                            };
                            break;
                        }
                        Some(p) => {
                            let q = i + p;
                            if buf[q] == b'"' && p > 0 && buf[q - 1] == d {
                                i = q;
                                self.quote_at = q;
                                State::Quoted
                            } else if buf[q] == b'"' {
                                // A quote inside an unquoted field is literal.
                                i = q;
                                State::Unquoted
                            } else {
                                // Re-examine the line end in the `Unquoted` state.
                                i = q;
                                st = State::Unquoted;
                                continue;
                            }
                        }
                    }
                }
                // A delimiter or line end (any state but `Quoted`), or any other byte after a
                // closing quote.
                _ => {
                    if b == d {
                        State::FieldStart
                    } else if b == b'\n' || b == b'\r' {
                        if b == b'\r' {
                            if i + 1 >= buf.len() && !self.eof {
                                // Wait for the next byte: CRLF or CR alone?
                                break;
                            }
                            if buf.get(i + 1) == Some(&b'\n') {
                                i += 1;
                                continue;
                            }
                        }
                        self.boundary = i + 1;
                        i += 1;
                        st = State::FieldStart;
                        resume = self.boundary < target;
                        break;
                    } else if st == State::QuoteInQuoted
                        && b != b' '
                        && b != b'\t'
                        && memchr::memchr2(b'\n', b'\r', &buf[self.quote_at..i]).is_some()
                    {
                        // Text right after the quote that closed a cell spanning lines: that
                        // quote opened the next quoted cell, so the first one was left open.
                        self.left_open = Some("text_after_close");
                        break;
                    } else {
                        State::Unquoted
                    }
                }
            };
            i += 1;
        }
        self.scanned = i.min(buf.len());
        self.state = st;
        resume
    }

    /// The same as [`Chunker::scan`] over the part of the buffer before the next quote or CR
    /// (all of it, commonly): there records end at LFs, so only the LF at or after `target`
    /// (or the last one) is looked for. True when that settled the scan; false when the
    /// byte-by-byte scan must go on from `scanned` (a quote or CR ahead, or not at a field).
    fn scan_plain(&mut self, target: usize) -> bool {
        let i = self.scanned;
        if !matches!(self.state, State::FieldStart | State::Unquoted) {
            return false;
        }
        let len = self.buf.len();
        let stop = memchr::memchr2(b'"', b'\r', &self.buf[i..]).map_or(len, |p| i + p);
        let from = target.saturating_sub(1).max(i);
        if from < stop
            && let Some(p) = memchr::memchr(b'\n', &self.buf[from..stop])
        {
            self.boundary = from + p + 1;
            self.scanned = self.boundary;
            self.state = State::FieldStart;
            return true;
        }
        if let Some(p) = memchr::memrchr(b'\n', &self.buf[i..stop]) {
            self.boundary = i + p + 1;
            self.scanned = self.boundary;
            self.state = State::FieldStart;
        }
        if stop < len {
            // A quote or CR ahead: the byte-by-byte scan takes over at the last record end.
            return false;
        }
        if self.scanned < len {
            let last = self.buf[len - 1];
            self.state = if last == self.delimiter {
                State::FieldStart
            } else {
                State::Unquoted
            };
            self.scanned = len;
        }
        true
    }

    fn fill(&mut self) -> io::Result<()> {
        // Read up to `want` bytes straight into the buffer, in as few reads as the source
        // allows (a file: one).
        // Enough for a chunk and a little more, so that little is left to carry over to the
        // next chunk's buffer when this one is cut.
        let start = self.buf.len();
        let want = (CHUNK_TARGET + CHUNK_SLACK)
            .saturating_sub(start)
            .max(CHUNK_SLACK);
        self.buf.resize(start + want, 0);
        let mut n = 0;
        while n < want {
            match self.inner.read(&mut self.buf[start + n..]) {
                Ok(0) => break,
                Ok(k) => n += k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.buf.truncate(start + n);
                    return Err(e);
                }
            }
        }
        self.buf.truncate(start + n);
        self.bytes_read += n as u64;
        if n == 0 {
            self.eof = true;
        }
        Ok(())
    }

    /// The next chunk of whole records, or `None` at the end of input.
    pub(crate) fn next_chunk(&mut self) -> io::Result<Option<Vec<u8>>> {
        self.next_chunk_sized(CHUNK_TARGET)
    }

    /// Like [`Chunker::next_chunk`] but cut after the first record when `first_record_only`.
    pub(crate) fn next_record_chunk(&mut self) -> io::Result<Option<Vec<u8>>> {
        self.next_chunk_sized(1)
    }

    fn next_chunk_sized(&mut self, target: usize) -> io::Result<Option<Vec<u8>>> {
        loop {
            self.scan(target);
            if let Some(reason) = self.left_open.take() {
                self.reopen_at_literal_quote(reason);
                continue;
            }
            if self.state == State::Quoted {
                if self.scanned > self.quote_at + OPEN_QUOTE_MAX {
                    self.reopen_at_literal_quote("too_long");
                    continue;
                }
                if self.eof && self.scanned >= self.buf.len() {
                    self.reopen_at_literal_quote("end_of_input");
                    continue;
                }
            }
            if self.boundary > 0 && (self.boundary >= target || self.eof) {
                let mut rest = self.fresh_buffer();
                rest.extend_from_slice(&self.buf[self.boundary..]);
                self.buf.truncate(self.boundary);
                let chunk = std::mem::replace(&mut self.buf, rest);
                self.scanned -= self.boundary;
                self.quote_at = self.quote_at.saturating_sub(self.boundary);
                self.boundary = 0;
                self.lines_cut += count_lf(&chunk);
                return Ok(Some(chunk));
            }
            if self.eof {
                if self.buf.is_empty() {
                    return Ok(None);
                }
                self.scanned = 0;
                self.boundary = 0;
                let chunk = std::mem::take(&mut self.buf);
                self.lines_cut += count_lf(&chunk);
                return Ok(Some(chunk));
            }
            self.fill()?;
        }
    }

    /// The quote at `quote_at` was left open: note it, rewrite its cell (up to the next
    /// delimiter or line end) as a quoted cell holding the quote as a literal character, and
    /// scan on after it.
    fn reopen_at_literal_quote(&mut self, reason: &'static str) {
        let q = self.quote_at;
        let d = self.delimiter;
        let buf = &self.buf;
        let line_end = memchr::memchr2(b'\n', b'\r', &buf[q..]).map_or(buf.len(), |p| q + p);
        let field_end = memchr::memchr(d, &buf[q..line_end]).map_or(line_end, |p| q + p);
        let start = self.boundary.min(q);
        let shown: String = String::from_utf8_lossy(&buf[start..line_end])
            .chars()
            .take(80)
            .collect();
        let line = self.lines_cut + count_lf(&buf[..q]) + 1;
        let mut cell = Vec::with_capacity(field_end - q + 8);
        cell.push(b'"');
        for &b in &buf[q..field_end] {
            if b == b'"' {
                cell.push(b'"');
            }
            cell.push(b);
        }
        cell.push(b'"');
        let after = q + cell.len();
        self.buf.splice(q..field_end, cell);
        self.scanned = after;
        self.state = State::QuoteInQuoted;
        self.open_quotes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(OpenQuote {
                line,
                reason,
                record_start: shown,
            });
    }
}

/// Line feeds in `b` (memchr's vector count: it runs over every byte of the input, so it must
/// cost next to nothing).
fn count_lf(b: &[u8]) -> u64 {
    memchr::memchr_iter(b'\n', b).count() as u64
}

/// Pick `,`, `;` or tab: the one that occurs most often, outside quotes, in the first line.
pub(crate) fn detect_delimiter(head: &[u8]) -> u8 {
    let mut counts = [0usize; 3];
    let mut in_quotes = false;
    for &b in head {
        match b {
            b'"' => in_quotes = !in_quotes,
            b'\n' | b'\r' if !in_quotes => break,
            b',' if !in_quotes => counts[0] += 1,
            b';' if !in_quotes => counts[1] += 1,
            b'\t' if !in_quotes => counts[2] += 1,
            _ => {}
        }
    }
    let cands = [b',', b';', b'\t'];
    let mut best = 0;
    for i in 1..3 {
        if counts[i] > counts[best] {
            best = i;
        }
    }
    cands[best]
}

/// Parse a chunk of whole records.
pub(crate) fn parse_chunk(chunk: &[u8], delimiter: u8) -> Vec<csv::ByteRecord> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(chunk);
    let mut out = Vec::with_capacity(chunk.len() / 48 + 1);
    let mut rec = csv::ByteRecord::new();
    // With flexible(true) and an in-memory reader, reading cannot fail except on I/O.
    while rdr.read_byte_record(&mut rec).unwrap_or(false) {
        out.push(rec.clone());
    }
    out
}

/// Header names recognised as the email column, compared after lower-casing and removing
/// everything but letters and digits. Earlier entries win.
const EMAIL_HEADERS: &[&str] = &[
    "email",
    "emailaddress",
    "email1",
    "emailaddr",
    "mail",
    "mailaddress",
    "primaryemail",
    "workemail",
    "personalemail",
    "contactemail",
    "useremail",
    "subscriberemail",
    "emails",
    "courriel",
    "correo",
    "correoelectronico",
    "epost",
    "address",
];

fn header_key(h: &str) -> String {
    h.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Find the email column by name (`--column` first, matched exactly, then case-insensitively).
pub(crate) fn find_email_column(headers: &[String], wanted: Option<&str>) -> Option<usize> {
    if let Some(w) = wanted {
        return headers
            .iter()
            .position(|h| h.trim() == w)
            .or_else(|| {
                headers
                    .iter()
                    .position(|h| h.trim().eq_ignore_ascii_case(w))
            })
            .or_else(|| {
                let wk = header_key(w);
                headers.iter().position(|h| header_key(h) == wk)
            })
            .or_else(|| {
                // A 1-based column number.
                w.parse::<usize>()
                    .ok()
                    .filter(|&n| n >= 1 && n <= headers.len())
                    .map(|n| n - 1)
            });
    }
    let keys: Vec<String> = headers.iter().map(|h| header_key(h)).collect();
    for cand in EMAIL_HEADERS {
        if let Some(i) = keys.iter().position(|k| k == cand) {
            return Some(i);
        }
    }
    // "E-mail (work)", "Email Address 1" and the like.
    keys.iter()
        .position(|k| k.starts_with("email") || k.ends_with("email"))
}

/// Whether a header row looks like data (a headerless list): a cell with an `@` and no match.
pub(crate) fn looks_like_data(headers: &[String]) -> Option<usize> {
    headers.iter().position(|h| {
        let t = h.trim();
        t.contains('@') && !t.contains(' ') && t.len() > 2
    })
}

/// Reads one CSV record at a time from any position of a byte slice, by the same rules as
/// `csv::Reader` with `flexible(true)` and no headers (it is the same parser underneath), but
/// with the parser's tables built once rather than once per reader.
pub(crate) struct RecordReader {
    core: csv_core::Reader,
    delimiter: u8,
    out: Vec<u8>,
    ends: Vec<usize>,
}

impl RecordReader {
    /// A reader for records separated by `delimiter`.
    pub(crate) fn new(delimiter: u8) -> RecordReader {
        RecordReader {
            core: csv_core::ReaderBuilder::new().delimiter(delimiter).build(),
            delimiter,
            out: vec![0; 1024],
            ends: vec![0; 32],
        }
    }

    /// The delimiter this reader splits on.
    pub(crate) fn delimiter(&self) -> u8 {
        self.delimiter
    }

    /// Read the record that starts at `input[0]` into `rec` and give the bytes it took
    /// (through its terminator, or the CR of a CRLF), or `None` when no record is left.
    pub(crate) fn read(&mut self, input: &[u8], rec: &mut csv::ByteRecord) -> Option<usize> {
        use csv_core::ReadRecordResult as R;
        self.core.reset();
        rec.clear();
        let (mut nin, mut nout, mut nend) = (0, 0, 0);
        loop {
            // An empty rest of input tells the parser the input has ended.
            let (res, i, o, e) =
                self.core
                    .read_record(&input[nin..], &mut self.out[nout..], &mut self.ends[nend..]);
            nin += i;
            nout += o;
            nend += e;
            match res {
                R::InputEmpty => {}
                R::OutputFull => self.out.resize(self.out.len() * 2, 0),
                R::OutputEndsFull => self.ends.resize(self.ends.len() * 2, 0),
                R::Record => break,
                R::End => return None,
            }
        }
        let mut start = 0;
        for &end in &self.ends[..nend] {
            rec.push_field(&self.out[start..end]);
            start = end;
        }
        Some(nin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunks(input: &[u8], target: usize) -> Vec<Vec<u8>> {
        chunks_noting(input, target).0
    }

    /// Chunks, and the quotes left open that were found.
    fn chunks_noting(input: &[u8], target: usize) -> (Vec<Vec<u8>>, Vec<OpenQuote>) {
        let mut c = Chunker::new(&input[..0], input.to_vec(), b',');
        c.eof = true;
        let mut out = vec![];
        while let Some(ch) = c.next_chunk_sized(target).unwrap() {
            out.push(ch);
        }
        let open = c.open_quotes().lock().unwrap().clone();
        (out, open)
    }

    /// Whether `input` ends inside a quoted field (as a CSV parser reads it).
    fn ends_in_quotes(input: &[u8]) -> bool {
        let (_, open) = chunks_noting(input, usize::MAX);
        !open.is_empty()
    }

    /// Chunks when only `input[..split]` is in the buffer at first (the rest is read later).
    fn chunks_split(input: &[u8], split: usize, target: usize) -> Vec<Vec<u8>> {
        let split = split.min(input.len());
        let mut c = Chunker::new(&input[split..], input[..split].to_vec(), b',');
        let mut out = vec![];
        while let Some(ch) = c.next_chunk_sized(target).unwrap() {
            out.push(ch);
        }
        out
    }

    #[test]
    fn chunker_respects_quotes() {
        let input = b"a,\"x\ny\",b\nc,\"\"\"q\"\"\",d\r\ne,f\"g\n,h\n";
        let ch = chunks(input, 1);
        assert_eq!(ch.concat(), input.to_vec());
        assert_eq!(ch[0], b"a,\"x\ny\",b\n".to_vec());
        assert_eq!(ch[1], b"c,\"\"\"q\"\"\",d\r\n".to_vec());
        // a stray quote mid-field does not open a quoted section
        assert!(ch.iter().any(|c| c == b"e,f\"g\n"));
    }

    proptest::proptest! {
        /// Cutting into chunks never changes the records a CSV parser sees.
        #[test]
        fn chunks_hold_whole_records(
            input in proptest::collection::vec(
                proptest::sample::select(vec![b'a', b'b', b',', b'"', b'\n', b'\r', b' ']),
                0..200,
            ),
            target in 1usize..40,
        ) {
            // A quote left open is read as a literal character, whatever the chunk size;
            // without one, the records are the parser's.
            let (whole_chunks, open) = chunks_noting(&input, usize::MAX);
            let whole = if open.is_empty() {
                parse_chunk(&input, b',')
            } else {
                whole_chunks.iter().flat_map(|c| parse_chunk(c, b',')).collect()
            };
            let (parts, open_parts) = chunks_noting(&input, target);
            let mut pieces = Vec::new();
            for c in parts {
                pieces.extend(parse_chunk(&c, b','));
            }
            proptest::prop_assert_eq!(&whole, &pieces);
            proptest::prop_assert_eq!(open, open_parts);
        }

        /// The same when the input arrives in two reads (a scan stops at the end of what was
        /// read so far, inside a field, a quoted section or a CRLF).
        #[test]
        fn chunks_hold_whole_records_across_reads(
            input in proptest::collection::vec(
                proptest::sample::select(vec![b'a', b',', b'"', b'\n', b'\r']),
                0..120,
            ),
            split in 0usize..120,
            target in 1usize..40,
        ) {
            proptest::prop_assume!(!ends_in_quotes(&input));
            let whole = parse_chunk(&input, b',');
            let parts = chunks_split(&input, split, target);
            proptest::prop_assert_eq!(parts.concat(), input.clone());
            let mut pieces = Vec::new();
            for c in parts {
                pieces.extend(parse_chunk(&c, b','));
            }
            proptest::prop_assert_eq!(whole, pieces);
        }

        /// The record reader cuts the same record, at the same end, as `csv::Reader` moved to
        /// the same position.
        #[test]
        fn record_reader_agrees_with_csv_reader(
            input in proptest::collection::vec(
                proptest::sample::select(vec![b'a', b',', b';', b'"', b'\n', b'\r', b' ']),
                0..80,
            ),
            starts in proptest::collection::vec(0usize..80, 1..6),
        ) {
            let mut ours = RecordReader::new(b',');
            let mut theirs = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(io::Cursor::new(&input[..]));
            let (mut a, mut b) = (csv::ByteRecord::new(), csv::ByteRecord::new());
            for pos in starts.into_iter().filter(|&p| p <= input.len()) {
                let mut at = csv::Position::new();
                at.set_byte(pos as u64);
                theirs.seek(at).unwrap();
                let got_theirs = theirs.read_byte_record(&mut b).unwrap();
                let got_ours = ours.read(&input[pos..], &mut a);
                proptest::prop_assert_eq!(got_ours.is_some(), got_theirs);
                if got_theirs {
                    proptest::prop_assert_eq!(&a, &b);
                    let end = theirs.position().byte() as usize;
                    proptest::prop_assert_eq!(pos + got_ours.unwrap(), end);
                }
            }
        }
    }

    #[test]
    fn a_quote_left_open_is_literal_and_the_lines_after_it_are_records() {
        let input = b"name,email\nAnn,ann@example.com\n\"Bob,bob@example.com\nCy,cy@example.com\n";
        let (ch, open) = chunks_noting(input, 1);
        let recs: Vec<csv::ByteRecord> = ch.iter().flat_map(|c| parse_chunk(c, b',')).collect();
        assert_eq!(recs.len(), 4);
        assert_eq!(&recs[2][0], b"\"Bob");
        assert_eq!(&recs[2][1], b"bob@example.com");
        assert_eq!(&recs[3][1], b"cy@example.com");
        assert_eq!(open.len(), 1);
        assert_eq!(open[0].line, 3);
        assert_eq!(open[0].reason, "end_of_input");
        assert_eq!(open[0].record_start, "\"Bob,bob@example.com");
        // in the email column, after other fields, with a doubled quote and CRLF
        let input = b"a,b\r\nx,\"y\"\"z\r\np,q\r\n";
        let (ch, open) = chunks_noting(input, 1);
        let recs: Vec<csv::ByteRecord> = ch.iter().flat_map(|c| parse_chunk(c, b',')).collect();
        assert_eq!(recs.len(), 3, "{recs:?}");
        assert_eq!(&recs[1][1], b"\"y\"\"z");
        assert_eq!(&recs[2][0], b"p");
        assert_eq!(open[0].line, 2);
    }

    #[test]
    fn a_quoted_cell_past_the_limit_is_a_quote_left_open() {
        // the quote closes, but only after more than OPEN_QUOTE_MAX bytes: the "closing"
        // quote is another row's opening one
        let mut input = b"email,note\n\"x@example.com,hi\n".to_vec();
        for i in 0..10_000 {
            input.extend_from_slice(format!("u{i}@example.com,note\n").as_bytes());
        }
        input.extend_from_slice(b"last@example.com,\"quoted\"\n");
        for read_size in [7usize, 1 << 20] {
            let split = read_size.min(input.len());
            let mut c = Chunker::new(&input[split..], input[..split].to_vec(), b',');
            let mut recs = Vec::new();
            while let Some(ch) = c.next_chunk().unwrap() {
                recs.extend(parse_chunk(&ch, b','));
            }
            assert_eq!(recs.len(), 10_003);
            assert_eq!(&recs[1][0], b"\"x@example.com");
            assert_eq!(&recs[10_002][1], b"quoted");
            let open = c.open_quotes().lock().unwrap().clone();
            assert_eq!(open.len(), 1);
            assert_eq!((open[0].line, open[0].reason), (2, "too_long"));
        }
        // a stray quote before a later quoted cell: caught at that cell's opening quote
        let input = b"email,name\na@b.c,\"Ann\nb@b.c,Bob\nc@b.c,\"Smith, Cy\"\nd@b.c,Di\n";
        let (ch, open) = chunks_noting(input, 1);
        let recs: Vec<csv::ByteRecord> = ch.iter().flat_map(|c| parse_chunk(c, b',')).collect();
        assert_eq!(recs.len(), 5, "{recs:?}");
        assert_eq!(&recs[1][1], b"\"Ann");
        assert_eq!(&recs[3][1], b"Smith, Cy");
        assert_eq!(&recs[4][0], b"d@b.c");
        assert_eq!((open[0].line, open[0].reason), (2, "text_after_close"));
        // a long quoted cell below the limit is one cell
        let long = format!("email,note\na@b.c,\"{}\"\n", "x\n".repeat(30_000));
        let (ch, open) = chunks_noting(long.as_bytes(), 1000);
        assert!(open.is_empty());
        assert_eq!(ch.iter().flat_map(|c| parse_chunk(c, b',')).count(), 2);
    }

    #[test]
    fn line_feeds_are_counted() {
        for len in [0usize, 1, 31, 32, 33, 255 * 32, 255 * 32 + 1, 20_000] {
            let b: Vec<u8> = (0..len)
                .map(|i| if i % 3 == 0 { b'\n' } else { b'a' })
                .collect();
            assert_eq!(count_lf(&b), len.div_ceil(3) as u64, "{len}");
        }
        assert_eq!(count_lf(&[b'\n'; 20_000]), 20_000);
    }

    #[test]
    fn record_reader_grows_its_buffers() {
        let long = format!("\"{}\",{}\n", "x".repeat(5000), vec!["f"; 100].join(","));
        let mut r = RecordReader::new(b',');
        let mut rec = csv::ByteRecord::new();
        assert_eq!(r.read(long.as_bytes(), &mut rec), Some(long.len()));
        assert_eq!(rec.len(), 101);
        assert_eq!(rec[0].len(), 5000);
        assert_eq!(r.read(b"", &mut rec), None);
        assert_eq!(r.read(b"a;b", &mut rec), Some(3));
        assert_eq!(rec.len(), 1);
    }

    #[test]
    fn delimiter() {
        assert_eq!(detect_delimiter(b"a;b;c\n1,2;3"), b';');
        assert_eq!(detect_delimiter(b"a\tb\n"), b'\t');
        assert_eq!(detect_delimiter(b"email\n"), b',');
        assert_eq!(detect_delimiter(b"\"a;b\",c\n"), b',');
    }

    #[test]
    fn columns() {
        let h = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            find_email_column(&h(&["Name", "Email Address"]), None),
            Some(1)
        );
        assert_eq!(find_email_column(&h(&["id", "E-Mail"]), None), Some(1));
        assert_eq!(find_email_column(&h(&["id", "name"]), None), None);
        assert_eq!(
            find_email_column(&h(&["id", "contact"]), Some("contact")),
            Some(1)
        );
    }
}
