//! Reading inputs, shared by `bounces` and `logs`: files, directories (recursively, Maildir
//! included), stdin (`-`), transparent gunzip; for messages also line-ending normalisation
//! (CRLF and CR-only to LF) and mbox splitting.

mod eol;
mod gzip;
mod mbox;
mod open;
mod read;
mod walk;

pub use eol::{EolNormalizer, normalize_eol, normalize_eol_in_place};
pub use gzip::{MaybeGzip, gunzip, is_gzip};
pub use mbox::{is_from_line, split_messages};
pub use open::{open, open_path};
pub use read::read_messages;
pub use walk::{InputFile, collect};
