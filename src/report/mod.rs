//! Sinks and aggregation: CSV cells safe for spreadsheets, JSON Lines, the run summary, and text
//! safe for a terminal.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::{AddressRecord, Reason, Verdict};

/// Whether a spreadsheet would run this cell as a formula (`=`, `+`, `-`, `@`, or a leading
/// tab/CR, as OWASP lists them).
pub fn is_formula(cell: &[u8]) -> bool {
    matches!(
        cell.first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    )
}

/// Prefix a formula-like cell with `'` so spreadsheets show it as text.
pub fn escape_formula(cell: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    if is_formula(cell) {
        let mut v = Vec::with_capacity(cell.len() + 1);
        v.push(b'\'');
        v.extend_from_slice(cell);
        std::borrow::Cow::Owned(v)
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

/// Replace control and bidirectional-override characters so untrusted text cannot move the
/// cursor, change colours or reorder a terminal line.
pub fn terminal_safe(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control()
                || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
            {
                '\u{fffd}'
            } else {
                c
            }
        })
        .collect()
}

/// Counts for the summary, keyed by name.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Summary {
    /// Data rows read (header excluded).
    pub rows_in: u64,
    /// Rows written to the clean output.
    pub rows_clean: u64,
    /// Rows written to the rejects output.
    pub rows_rejected: u64,
    /// Rows per verdict.
    pub verdicts: BTreeMap<&'static str, u64>,
    /// Rows per primary reason.
    pub reasons: BTreeMap<&'static str, u64>,
    /// Rows per flag that is set.
    pub flags: BTreeMap<&'static str, u64>,
    /// Rejected rows per reject category.
    pub rejected_by: BTreeMap<String, u64>,
    /// Unique addresses (by duplicate-detection key).
    pub unique_addresses: u64,
    /// Input size in bytes.
    pub bytes_in: u64,
    /// Wall-clock time of the run.
    pub elapsed_seconds: f64,
    /// Throughput.
    pub rows_per_second: f64,
}

impl Summary {
    /// A summary with every verdict and reason present (zero counts included).
    pub fn new() -> Self {
        let mut s = Summary::default();
        for v in Verdict::ALL {
            s.verdicts.insert(v.as_str(), 0);
        }
        for r in Reason::ALL {
            s.reasons.insert(r.as_str(), 0);
        }
        for f in [
            "disposable",
            "role",
            "free",
            "trimmed",
            "duplicate",
            "suggestion",
        ] {
            s.flags.insert(f, 0);
        }
        s
    }

    /// Count one record.
    pub fn add(&mut self, r: &AddressRecord) {
        self.rows_in += 1;
        *self.verdicts.entry(r.verdict.as_str()).or_default() += 1;
        *self.reasons.entry(r.reason.as_str()).or_default() += 1;
        let f = &r.flags;
        for (name, on) in [
            ("disposable", f.disposable),
            ("role", f.role),
            ("free", f.free),
            ("trimmed", f.trimmed),
            ("duplicate", f.duplicate_of.is_some()),
            ("suggestion", r.suggestion.is_some()),
        ] {
            if on {
                *self.flags.entry(name).or_default() += 1;
            }
        }
    }
}
