//! The input side: open the list through the shared input layer (what the file is, its
//! encoding, decoded to UTF-8: see [`crate::input::open_list`]), sniff the delimiter, read the
//! header and find the email column, then hand out chunks of whole records.

use std::io::Read;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};

use crate::input::{ListError, ListReport, OpenQuote, open_list};
use crate::pipeline::Pool;
use crate::pipeline::csvin::{self, Chunker};

use super::{CleanConfig, CleanError};

/// The input stream of a run.
pub(super) type Input = Box<dyn Read + Send>;

/// The next chunk of input and the bytes read so far: the held-back first record of a
/// headerless list, then the chunker's chunks; `None` at the end.
pub(super) fn next_input(
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

/// The input once its header is read.
pub(super) struct Opened {
    /// Cuts the rest of the input into chunks of whole records.
    pub(super) chunker: Chunker<Input>,
    /// The held-back first record of a headerless list (its first line is data).
    pub(super) first: Option<Vec<u8>>,
    /// The header record.
    pub(super) header: csv::ByteRecord,
    /// The list has no header row.
    pub(super) headerless: bool,
    /// The field delimiter.
    pub(super) delimiter: u8,
    /// The email column (0-based).
    pub(super) column: usize,
    /// Fields in the header.
    pub(super) width: usize,
    /// Rewritten rows end in CRLF: the header did (or had no terminator).
    pub(super) crlf: bool,
    /// What the input was and how it was read (completed at the end of the run).
    pub(super) report: ListReport,
    /// Malformed sequences the decoder replaced (read at the end).
    pub(super) replaced: Arc<AtomicU64>,
    /// Quotes left open, noted by the chunker (read at the end).
    pub(super) open_quotes: Arc<Mutex<Vec<OpenQuote>>>,
}

/// Open `input` as a list (see [`open_list`]), sniff its delimiter, read its header and find
/// the email column.
pub(super) fn open(
    input: Input,
    cfg: &CleanConfig,
    chunk_pool: Arc<Pool<Vec<u8>>>,
) -> Result<Opened, CleanError> {
    let list = open_list(input, &cfg.list).map_err(|e| match e {
        ListError::Io(e) => CleanError::Io("reading input".into(), e),
        ListError::NotAList(m) => CleanError::NotAList(m),
    })?;
    let (head, mut report) = (list.head, list.report);
    if head.is_empty() {
        return Err(CleanError::EmptyInput);
    }
    let delimiter = csvin::detect_delimiter(&head);
    let mut chunker = Chunker::new(list.rest, head, delimiter).with_pool(chunk_pool);
    if report.bom && report.encoding == "UTF-8" && report.compression.is_none() {
        // (the bytes read count the input's bytes: decoded text is counted as it comes)
        chunker.bytes_read += 3;
    }
    let open_quotes = chunker.open_quotes();
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
    let crlf = !header_chunk.ends_with(b"\n") || header_chunk.ends_with(b"\r\n");
    report.delimiter = char::from(delimiter).to_string();
    report.line_ending = if crlf { "crlf" } else { "lf" };
    let first = if headerless { Some(header_chunk) } else { None };
    Ok(Opened {
        chunker,
        first,
        header: header_rec,
        headerless,
        delimiter,
        column,
        width,
        crlf,
        report,
        replaced: list.replaced,
        open_quotes,
    })
}
