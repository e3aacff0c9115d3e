//! Reading inputs, shared by `bounces`, `logs` and `clean`: files, directories (recursively,
//! Maildir included), stdin (`-`), transparent gunzip; for messages also line-ending
//! normalisation (CRLF and CR-only to LF) and mbox splitting; for lists, what a file is by its
//! first bytes (text, gzip, workbook, other binary), its character encoding, decoding to UTF-8,
//! workbooks as CSV, and encoding the outputs.

mod decode;
mod encode;
mod encoding;
mod eol;
mod gzip;
mod list;
mod mbox;
mod open;
mod read;
mod sniff;
mod walk;
mod workbook;

pub use decode::DecodeReader;
pub use encode::EncodeWriter;
pub use encoding::{Detected, EncodingSource, detect as detect_encoding, encoding_for_label};
/// The character encodings (re-exported from `encoding_rs`).
pub use encoding_rs::Encoding;
pub use eol::{EolNormalizer, normalize_eol, normalize_eol_in_place};
pub use gzip::{MaybeGzip, gunzip, is_gzip};
pub use list::{
    HEAD_LEN, ListError, ListInput, ListOptions, ListReport, OPEN_QUOTE_MAX, OpenQuote, list_text,
    open_list,
};
pub use mbox::{is_from_line, split_messages};
pub use open::{open, open_path};
pub use read::read_messages;
pub use sniff::{Sniffed, sniff};
pub use walk::{InputFile, collect, list};
pub use workbook::{SheetCsv, WorkbookFormat, read_sheet};
