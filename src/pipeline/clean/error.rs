//! `CleanError`: why `clean` could not do its job.

use std::fmt;
use std::io;

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
