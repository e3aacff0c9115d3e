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
    /// The input is no list this tool reads (a binary file, a workbook without the sheet
    /// asked for): one line saying what it looks like.
    NotAList(String),
}

impl fmt::Display for CleanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CleanError::Io(ctx, e) => write!(f, "{ctx}: {e}"),
            CleanError::EmptyInput => write!(f, "the input is empty (expected a header row)"),
            CleanError::NoEmailColumn { headers, wanted } => {
                let list = header_list(headers);
                match wanted {
                    Some(w) => write!(f, "no column named {w:?}; the headers are: {list}"),
                    None => write!(
                        f,
                        "no email column found (use --column NAME); the headers are: {list}"
                    ),
                }
            }
            CleanError::Threads(e) => write!(f, "could not start worker threads: {e}"),
            CleanError::NotAList(m) => f.write_str(m),
        }
    }
}

/// Header cells shown in an error: at most this many...
const HEADERS_SHOWN: usize = 12;
/// ... of at most this many characters each.
const HEADER_CHARS: usize = 40;

/// The header cells for an error message: numbered, quoted with control characters escaped,
/// each cut to [`HEADER_CHARS`] characters, at most [`HEADERS_SHOWN`] of them (a binary file
/// read as text would otherwise fill the terminal).
fn header_list(headers: &[String]) -> String {
    let mut list = headers
        .iter()
        .take(HEADERS_SHOWN)
        .enumerate()
        .map(|(i, h)| {
            let mut cut: String = h.chars().take(HEADER_CHARS).collect();
            let more = h.chars().count() > HEADER_CHARS;
            cut = crate::text::terminal_safe(&cut);
            if more {
                format!("{}: {:?}...", i + 1, cut)
            } else {
                format!("{}: {:?}", i + 1, cut)
            }
        })
        .collect::<Vec<_>>()
        .join(", ");
    if headers.len() > HEADERS_SHOWN {
        list.push_str(&format!(" and {} more", headers.len() - HEADERS_SHOWN));
    }
    list
}

impl std::error::Error for CleanError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_cut_and_terminal_safe() {
        let mut headers: Vec<String> = (0..30).map(|i| format!("col{i}")).collect();
        headers[0] = format!("\u{1b}[31m{}", "x".repeat(500));
        let e = CleanError::NoEmailColumn {
            headers,
            wanted: None,
        }
        .to_string();
        assert!(!e.contains('\u{1b}'), "{e}");
        assert!(e.len() < 400, "{}", e.len());
        assert!(e.contains("and 18 more"), "{e}");
        assert!(e.contains("2: \"col1\""), "{e}");
    }
}
