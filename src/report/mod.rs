//! The `clean` run summary and its tallies.

pub mod hygiene;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::{Flags, Reason, Verdict};

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
    /// Rejected rows per reason as written in the rejects' `mailsift_reason` column (the
    /// verdict reason, or the category for `duplicate`, `disposable`, ...).
    pub rejected_reasons: BTreeMap<String, u64>,
    /// The suppression files read and the rows found on them (`null` without `--suppress`).
    pub suppression: Option<crate::suppress::SuppressReport>,
    /// The engagement files, rules and segments (absent without `--engagement`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub engagement: Option<crate::engagement::EngagementReport>,
    /// Unique addresses (by duplicate-detection key).
    pub unique_addresses: u64,
    /// Input size in bytes (of text, after decompressing and decoding).
    pub bytes_in: u64,
    /// What the input was and how it was read: format, compression, encoding, byte-order
    /// mark, delimiter, line ending, output encoding, quotes left open (`null` only when no
    /// list was read).
    pub input: Option<crate::input::ListReport>,
    /// Wall-clock time of the run.
    pub elapsed_seconds: f64,
    /// Throughput.
    pub rows_per_second: f64,
    /// The DNS resolver and what it was judged to be (`null` without DNS, as with `--offline`).
    pub dns: Option<crate::dns::ResolverReport>,
    /// The hygiene report's figures (only with `--report` or `--report-json`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hygiene: Option<hygiene::Hygiene>,
}

/// Per-row counters kept as arrays on the hot path; turned into a [`Summary`] at the end.
#[derive(Debug, Default, Clone)]
pub(crate) struct Tally {
    verdicts: [u64; 4],
    reasons: Vec<u64>,
    flags: [u64; 6],
    categories: [u64; 16],
    /// Rejected rows by reason (first `Reason::ALL.len()` slots) or by category (16 more).
    rejected_why: Vec<u64>,
    rows_in: u64,
    rejected: u64,
    /// Rows on a suppression list, by `SuppressReason` index.
    suppressed: [u64; 4],
    /// Rows by engagement `Segment` index.
    segments: [u64; 6],
    /// The hygiene report's aggregates, when the report is wanted.
    hygiene: Option<Box<hygiene::Collector>>,
}

const FLAG_NAMES: [&str; 6] = [
    "disposable",
    "role",
    "free",
    "trimmed",
    "duplicate",
    "suggestion",
];

impl Tally {
    /// Count one row from its parts; `category` is the index of the reject category, if
    /// rejected.
    pub(crate) fn add_parts(
        &mut self,
        verdict: Verdict,
        reason: Reason,
        f: &Flags,
        suggestion: bool,
        category: Option<usize>,
    ) {
        if self.reasons.is_empty() {
            self.reasons = vec![0; Reason::ALL.len()];
        }
        self.rows_in += 1;
        self.verdicts[verdict as usize] += 1;
        self.reasons[reason as usize] += 1;
        for (i, on) in [
            f.disposable,
            f.role,
            f.free,
            f.trimmed,
            f.duplicate_of.is_some(),
            suggestion,
        ]
        .into_iter()
        .enumerate()
        {
            self.flags[i] += u64::from(on);
        }
        if let Some(c) = category {
            self.rejected += 1;
            self.categories[c.min(15)] += 1;
        }
    }

    /// Count a rejected row's `mailsift_reason`: its verdict `reason` when the category reports
    /// the reason, else the `category` index.
    pub(crate) fn add_rejection(&mut self, reason: Option<Reason>, category: usize) {
        if self.rejected_why.is_empty() {
            self.rejected_why = vec![0; Reason::ALL.len() + 16];
        }
        let i = match reason {
            Some(r) => r as usize,
            None => Reason::ALL.len() + category.min(15),
        };
        self.rejected_why[i] += 1;
    }

    /// Count a row found on a suppression list (`reason`: a `SuppressReason` index).
    pub(crate) fn add_suppressed(&mut self, reason: usize) {
        self.suppressed[reason.min(3)] += 1;
    }

    /// Rows found on a suppression list, by `SuppressReason` index.
    pub(crate) fn suppressed(&self) -> [u64; 4] {
        self.suppressed
    }

    /// Count a row's engagement segment (`segment`: a `Segment` index).
    pub(crate) fn add_segment(&mut self, segment: usize) {
        self.segments[segment.min(5)] += 1;
    }

    /// Rows by engagement segment index.
    pub(crate) fn segments(&self) -> [u64; 6] {
        self.segments
    }

    /// The hygiene report's collector, when the report is wanted (`on`).
    pub(crate) fn hygiene(&mut self, on: bool) -> Option<&mut hygiene::Collector> {
        if on && self.hygiene.is_none() {
            self.hygiene = Some(Box::default());
        }
        self.hygiene.as_deref_mut()
    }

    /// Take the hygiene report's collector out.
    pub(crate) fn take_hygiene(&mut self) -> Option<Box<hygiene::Collector>> {
        self.hygiene.take()
    }

    /// Add another tally's counts to this one (its hygiene aggregates are moved in).
    pub(crate) fn merge(&mut self, mut o: Tally) {
        if let Some(h) = o.hygiene.take() {
            match self.hygiene.as_deref_mut() {
                Some(mine) => mine.merge(*h),
                None => self.hygiene = Some(h),
            }
        }
        for (a, b) in self.segments.iter_mut().zip(&o.segments) {
            *a += b;
        }
        for (a, b) in self.suppressed.iter_mut().zip(&o.suppressed) {
            *a += b;
        }
        if self.reasons.len() < o.reasons.len() {
            self.reasons.resize(o.reasons.len(), 0);
        }
        for (a, b) in self.reasons.iter_mut().zip(&o.reasons) {
            *a += b;
        }
        for (a, b) in self.verdicts.iter_mut().zip(&o.verdicts) {
            *a += b;
        }
        for (a, b) in self.flags.iter_mut().zip(&o.flags) {
            *a += b;
        }
        for (a, b) in self.categories.iter_mut().zip(&o.categories) {
            *a += b;
        }
        if self.rejected_why.len() < o.rejected_why.len() {
            self.rejected_why.resize(o.rejected_why.len(), 0);
        }
        for (a, b) in self.rejected_why.iter_mut().zip(&o.rejected_why) {
            *a += b;
        }
        self.rows_in += o.rows_in;
        self.rejected += o.rejected;
    }

    /// The summary; `category_names[i]` names category index `i`.
    pub(crate) fn into_summary(self, category_names: &[&str]) -> Summary {
        // Every verdict, reason and flag is listed, zero counts included.
        let mut s = Summary {
            rows_in: self.rows_in,
            rows_rejected: self.rejected,
            rows_clean: self.rows_in - self.rejected,
            ..Summary::default()
        };
        for v in Verdict::ALL {
            s.verdicts.insert(v.as_str(), self.verdicts[v as usize]);
        }
        for (i, r) in Reason::ALL.iter().enumerate() {
            s.reasons
                .insert(r.as_str(), self.reasons.get(i).copied().unwrap_or(0));
        }
        for (i, n) in FLAG_NAMES.iter().enumerate() {
            s.flags.insert(n, self.flags[i]);
        }
        for (i, n) in category_names.iter().enumerate() {
            if self.categories[i] > 0 {
                s.rejected_by.insert((*n).to_owned(), self.categories[i]);
            }
        }
        let names = Reason::ALL
            .iter()
            .map(|r| r.as_str())
            .chain(category_names.iter().copied());
        for (n, &count) in names.zip(&self.rejected_why) {
            if count > 0 {
                *s.rejected_reasons.entry(n.to_owned()).or_default() += count;
            }
        }
        s
    }
}
