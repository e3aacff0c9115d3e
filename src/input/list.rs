//! Opening a list as people have it: plain or gzip-compressed text in any encoding, or a
//! spreadsheet workbook, told by its first bytes (not its name), handed on as UTF-8 text; any
//! other binary file is one clear error naming what it looks like.

use std::io::{self, BufReader, Cursor, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use encoding_rs::{Encoding, UTF_8};
use serde::Serialize;

use super::decode::DecodeReader;
use super::encoding::detect;
use super::sniff::{Sniffed, sniff};
use super::workbook::read_sheet;

/// Bytes read from the start of the input to tell what it is (and handed on as the head).
pub const HEAD_LEN: usize = 64 << 10;

/// How to read a list.
#[derive(Debug, Clone, Default)]
pub struct ListOptions {
    /// The text encoding (`--encoding`): detected when `None`.
    pub encoding: Option<&'static Encoding>,
    /// The workbook sheet to read (`--sheet`): the first when `None`.
    pub sheet: Option<String>,
}

/// A quoted cell that was never closed (or ran past [`OPEN_QUOTE_MAX`] bytes): where it
/// opened, and how it was read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpenQuote {
    /// The 1-based line of the input (after decoding) where the quote opened.
    pub line: u64,
    /// Why it was taken as left open: `end_of_input` (no closing quote), `too_long` (the
    /// cell ran past [`OPEN_QUOTE_MAX`] bytes) or `text_after_close` (the cell spanned lines
    /// and its closing quote was followed by text, not a delimiter or line end: that quote
    /// opened a later cell).
    pub reason: &'static str,
    /// The start of the record, up to 80 characters, as text (not terminal-safe: escape it
    /// before printing).
    pub record_start: String,
}

/// The longest quoted cell taken as one: 128 KiB, room for Excel's largest cell (32,767
/// characters) at four UTF-8 bytes each. A quoted cell longer than this is a quote left open.
pub const OPEN_QUOTE_MAX: usize = 128 << 10;

/// What the input was and how it was read: the summary's `input` object.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ListReport {
    /// `csv` (delimited text, whatever the delimiter), `xlsx`, `xls`, `xlsb` or `ods`.
    pub format: &'static str,
    /// `gzip` for a gzip-compressed input, else `null`.
    pub compression: Option<&'static str>,
    /// The text encoding read (`UTF-8`, `UTF-16LE`, `UTF-16BE`, `windows-1252`, ...); a
    /// workbook's text is UTF-8 once read.
    pub encoding: &'static str,
    /// How the encoding was chosen: `bom`, `detected`, `forced` (`--encoding`), or
    /// `workbook`.
    pub encoding_source: &'static str,
    /// The input started with a byte-order mark.
    pub bom: bool,
    /// Malformed byte sequences replaced with U+FFFD while decoding (0 for UTF-8 read as it
    /// is: its bad cells are rejected as `invalid_encoding`).
    pub replaced: u64,
    /// The sheet read from a workbook.
    pub sheet: Option<String>,
    /// The field delimiter (`,`, `;` or a tab).
    pub delimiter: String,
    /// `lf` or `crlf`: the line ending of the header, kept in the outputs.
    pub line_ending: &'static str,
    /// The encoding of the clean and rejects outputs.
    pub output_encoding: &'static str,
    /// Quoted cells left open: each was read with its quote as a literal character, and the
    /// lines after it as rows.
    pub open_quotes: Vec<OpenQuote>,
}

/// A list opened for reading: its first bytes as UTF-8 (at most [`HEAD_LEN`], byte-order
/// mark removed), the rest of the UTF-8 text, and what it was.
pub struct ListInput {
    /// The first bytes of the text.
    pub head: Vec<u8>,
    /// The text after `head`.
    pub rest: Box<dyn Read + Send>,
    /// What the input was (the `delimiter`, `line_ending`, `output_encoding` and
    /// `open_quotes` are left for the CSV layer to fill).
    pub report: ListReport,
    /// Replacements made by the decoder so far (read it at the end).
    pub replaced: Arc<AtomicU64>,
}

/// Why a list could not be opened.
#[derive(Debug)]
pub enum ListError {
    /// Reading failed.
    Io(io::Error),
    /// The input is not a list this tool reads: one line saying what it looks like.
    NotAList(String),
}

impl std::fmt::Display for ListError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ListError::Io(e) => write!(f, "reading input: {e}"),
            ListError::NotAList(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for ListError {}

impl From<io::Error> for ListError {
    fn from(e: io::Error) -> Self {
        ListError::Io(e)
    }
}

/// Read up to `n` bytes.
fn read_head<R: Read + ?Sized>(r: &mut R, n: usize) -> io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(n);
    r.take(n as u64).read_to_end(&mut head)?;
    Ok(head)
}

/// Open `input` as a list. Plain UTF-8 (the common case) is handed on as it is, without a
/// copy or a decoder in between.
pub fn open_list(input: Box<dyn Read + Send>, opts: &ListOptions) -> Result<ListInput, ListError> {
    open_inner(input, opts, None)
}

/// A whole list file's bytes as UTF-8 text, for readers that take a file whole (suppression
/// lists): decompressed, decoded, a workbook's sheet as CSV, the byte-order mark removed.
pub fn list_text(bytes: Vec<u8>, opts: &ListOptions) -> Result<(Vec<u8>, ListReport), ListError> {
    let mut l = open_list(Box::new(Cursor::new(bytes)), opts)?;
    let mut text = l.head;
    l.rest.read_to_end(&mut text)?;
    l.report.replaced = l.replaced.load(Ordering::Relaxed);
    Ok((text, l.report))
}

fn open_inner(
    mut input: Box<dyn Read + Send>,
    opts: &ListOptions,
    compression: Option<&'static str>,
) -> Result<ListInput, ListError> {
    let mut head = read_head(&mut input, HEAD_LEN)?;
    let complete = head.len() < HEAD_LEN;
    let container = match sniff(&head) {
        Sniffed::Text => None,
        // `--encoding` says it is text
        Sniffed::NotText if opts.encoding.is_some() => None,
        Sniffed::NotText => {
            return Err(ListError::NotAList(
                "the input is binary data of an unknown type (not text), not a list: give a \
                 CSV or TSV file, a .csv.gz, or an .xlsx, .xls or .ods workbook (or --encoding \
                 if it is text after all)"
                    .into(),
            ));
        }
        Sniffed::Gzip if compression.is_none() => {
            let raw = Cursor::new(head).chain(input);
            let gz = flate2::bufread::MultiGzDecoder::new(BufReader::with_capacity(64 << 10, raw));
            return open_inner(Box::new(GzipErrors(gz)), opts, Some("gzip"));
        }
        Sniffed::Gzip => {
            return Err(ListError::NotAList(
                "the input is gzip-compressed twice: decompress it once first".into(),
            ));
        }
        Sniffed::Zip => Some("a ZIP archive"),
        Sniffed::Ole2 => Some("an OLE2 compound document (an old Office file)"),
        Sniffed::Binary(what) => {
            let what = match compression {
                Some(c) => format!("{what} ({c}-compressed)"),
                None => what.to_string(),
            };
            return Err(ListError::NotAList(format!(
                "the input is {what}, not a list: give a CSV or TSV file, a .csv.gz, or an \
                 .xlsx, .xls or .ods workbook"
            )));
        }
    };
    if let Some(container) = container {
        input.read_to_end(&mut head)?;
        let sheet =
            read_sheet(head, opts.sheet.as_deref(), container).map_err(ListError::NotAList)?;
        let report = ListReport {
            format: sheet.format.as_str(),
            compression,
            encoding: UTF_8.name(),
            encoding_source: "workbook",
            sheet: Some(sheet.sheet),
            ..ListReport::default()
        };
        let mut csv = sheet.csv;
        let rest = csv.split_off(csv.len().min(HEAD_LEN));
        return Ok(ListInput {
            head: csv,
            rest: Box::new(Cursor::new(rest)),
            report,
            replaced: Arc::default(),
        });
    }
    let d = detect(&head, complete, opts.encoding);
    let mut report = ListReport {
        format: "csv",
        compression,
        encoding: d.encoding.name(),
        encoding_source: d.source.as_str(),
        bom: d.bom_len > 0,
        ..ListReport::default()
    };
    let replaced = Arc::new(AtomicU64::new(0));
    if d.encoding == UTF_8 {
        // The fast path: UTF-8 as it is (malformed cells are judged `invalid_encoding`).
        head.drain(..d.bom_len);
        return Ok(ListInput {
            head,
            rest: input,
            report,
            replaced,
        });
    }
    let raw = Cursor::new(head.split_off(d.bom_len)).chain(input);
    let mut reader = Counted {
        inner: DecodeReader::new(raw, d.encoding),
        replaced: replaced.clone(),
    };
    let head = read_head(&mut reader, HEAD_LEN)?;
    report.replaced = replaced.load(Ordering::Relaxed);
    Ok(ListInput {
        head,
        rest: Box::new(reader),
        report,
        replaced,
    })
}

/// A decoder publishing its replacement count as it goes.
struct Counted<R> {
    inner: DecodeReader<R>,
    replaced: Arc<AtomicU64>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.replaced.store(self.inner.replaced, Ordering::Relaxed);
        Ok(n)
    }
}

/// A gzip decoder whose errors say that the gzip data is broken.
struct GzipErrors<R>(R);

impl<R: Read> Read for GzipErrors<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf).map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("the gzip-compressed input is damaged: {e}"),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn open(bytes: &[u8], opts: &ListOptions) -> Result<(String, ListReport), String> {
        let (text, report) = list_text(bytes.to_vec(), opts).map_err(|e| e.to_string())?;
        Ok((String::from_utf8(text).unwrap(), report))
    }

    const LIST: &str = "name,email\nJos\u{e9},jos\u{e9}@example.com\n";

    #[test]
    fn utf8_is_passed_on() {
        let (t, r) = open(LIST.as_bytes(), &ListOptions::default()).unwrap();
        assert_eq!(t, LIST);
        assert_eq!((r.format, r.encoding, r.bom), ("csv", "UTF-8", false));
        let bom = [b"\xef\xbb\xbf", LIST.as_bytes()].concat();
        let (t, r) = open(&bom, &ListOptions::default()).unwrap();
        assert_eq!(t, LIST);
        assert_eq!(
            (r.encoding, r.encoding_source, r.bom),
            ("UTF-8", "bom", true)
        );
    }

    #[test]
    fn utf16_and_legacy_are_decoded() {
        let le: Vec<u8> = "\u{feff}name\temail\nJos\u{e9}\tjos\u{e9}@example.com\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let (t, r) = open(&le, &ListOptions::default()).unwrap();
        assert_eq!(t, "name\temail\nJos\u{e9}\tjos\u{e9}@example.com\n");
        assert_eq!((r.encoding, r.bom), ("UTF-16LE", true));
        let (w, _, _) = encoding_rs::WINDOWS_1252.encode(LIST);
        let (t, r) = open(&w, &ListOptions::default()).unwrap();
        assert_eq!(t, LIST);
        assert_eq!(
            (r.encoding, r.encoding_source),
            ("windows-1252", "detected")
        );
        // forced: the same bytes read as ISO-8859-2 give another letter
        let opts = ListOptions {
            encoding: Some(encoding_rs::ISO_8859_2),
            ..ListOptions::default()
        };
        let (t, r) = open(&w, &opts).unwrap();
        assert!(t.contains("Jos\u{e9}"));
        assert_eq!(r.encoding_source, "forced");
    }

    #[test]
    fn gzip_is_opened_and_sniffed_again() {
        let (w, _, _) = encoding_rs::WINDOWS_1252.encode(LIST);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&w).unwrap();
        let gz = gz.finish().unwrap();
        let (t, r) = open(&gz, &ListOptions::default()).unwrap();
        assert_eq!(t, LIST);
        assert_eq!((r.compression, r.encoding), (Some("gzip"), "windows-1252"));
    }

    #[test]
    fn binary_files_are_one_line() {
        for (bytes, what) in [
            (
                &b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj"[..],
                "a PDF document",
            ),
            (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00", "a PNG image"),
            (b"PK\x03\x04\x14\x00\x00\x00\x08\x00junk", "a ZIP archive"),
        ] {
            let e = open(bytes, &ListOptions::default()).unwrap_err();
            assert!(e.starts_with(&format!("the input is {what}")), "{e}");
            assert!(
                !e.contains('\n') && !e.contains("IHDR") && !e.contains("junk"),
                "{e}"
            );
        }
    }
}
