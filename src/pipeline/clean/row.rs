//! What analysis makes of a chunk of input: its rows, each with the facts the reject policy
//! and the outputs need, and where the row's fields are for rewriting it.

use crate::model::{AddressRecord, Flags, Reason, Verdict};
use crate::pipeline::seen::Key;

use crate::engagement::Segment;
use crate::suppress::SuppressReason;

use super::policy::Category;

/// One data row after offline analysis.
pub(super) struct RowWork {
    /// The raw record (with its line terminator) is `chunk[start..end]`.
    pub(super) start: usize,
    pub(super) end: usize,
    /// Where the row's fields are: spans into the chunk for an unquoted record, or the parsed
    /// record for one with quotes (kept only when the row may have to be rewritten: email cell
    /// changes, a formula-like cell, a ragged row; other rows are copied byte for byte).
    pub(super) fields: RowFields,
    /// Some field starts like a spreadsheet formula.
    pub(super) formula: bool,
    /// The email cell equals its normalised form (or there is none to write).
    pub(super) email_same: bool,
    /// 128-bit hash of the duplicate-detection key, when the address is valid.
    pub(super) key: Option<Key>,
    /// What the reject policy and the outputs need.
    pub(super) facts: Facts,
    /// The full record, kept when `--results` or a network stage needs it.
    pub(super) full: Option<Box<AddressRecord>>,
    pub(super) category: Option<Category>,
    /// Why and from which source the row is suppressed (looked up only with `--suppress`).
    pub(super) suppressed: Option<(SuppressReason, u32)>,
    /// The engagement segment (looked up only with `--engagement`).
    pub(super) segment: Option<Segment>,
}

/// What `clean` needs to know of a row's analysis (the full record is built only for
/// `--results` and the network stages).
pub(super) struct Facts {
    pub(super) row: u64,
    pub(super) verdict: Verdict,
    pub(super) reason: Reason,
    pub(super) flags: Flags,
    /// Rarely present parts, boxed to keep rows small.
    extra: Option<Box<Extra>>,
}

/// The rarely present parts of [`Facts`].
#[derive(Default)]
struct Extra {
    suggestion: Option<String>,
    detail: Option<String>,
    /// The normalised address, when it differs from the cell.
    normalized: Option<String>,
}

impl Facts {
    pub(super) fn new(
        verdict: Verdict,
        reason: Reason,
        flags: Flags,
        suggestion: Option<String>,
        detail: Option<String>,
        normalized: Option<String>,
    ) -> Facts {
        let extra = (suggestion.is_some() || detail.is_some() || normalized.is_some()).then(|| {
            Box::new(Extra {
                suggestion,
                detail,
                normalized,
            })
        });
        Facts {
            row: 0,
            verdict,
            reason,
            flags,
            extra,
        }
    }

    /// The facts of a full record (`email_same`: its normalised form equals the cell).
    pub(super) fn of(rec: &AddressRecord, email_same: bool) -> Facts {
        Facts::new(
            rec.verdict,
            rec.reason,
            rec.flags.clone(),
            rec.suggestion.clone(),
            rec.detail.clone(),
            if email_same {
                None
            } else {
                rec.normalized.clone()
            },
        )
    }

    pub(super) fn suggestion(&self) -> Option<&str> {
        self.extra.as_ref()?.suggestion.as_deref()
    }

    pub(super) fn detail(&self) -> Option<&str> {
        self.extra.as_ref()?.detail.as_deref()
    }

    pub(super) fn normalized(&self) -> Option<&str> {
        self.extra.as_ref()?.normalized.as_deref()
    }
}

/// The fields of a row, for rewriting it.
pub(super) enum RowFields {
    /// Not kept (the row is copied as it is).
    None,
    /// `count` spans from `ChunkWork::spans[first..]`, each a byte range of the chunk (an
    /// unquoted record: the field is the bytes).
    Spans { first: u32, count: u32 },
    /// A record with quotes, parsed by the CSV reader.
    Parsed(Box<csv::ByteRecord>),
}

/// Recycled per-chunk row buffers: the rows and their field spans.
pub(super) type RowBuffers = (Vec<RowWork>, Vec<(u32, u32)>);

/// One chunk of input with its analysed rows.
pub(super) struct ChunkWork {
    pub(super) chunk: Vec<u8>,
    pub(super) rows: Vec<RowWork>,
    /// Field spans of unquoted rows (see [`RowFields::Spans`]).
    pub(super) spans: Vec<(u32, u32)>,
}

impl ChunkWork {
    /// The fields of row `r`, if kept.
    pub(super) fn fields<'a>(&'a self, r: &'a RowWork) -> Option<FieldsRef<'a>> {
        match &r.fields {
            RowFields::None => None,
            RowFields::Spans { first, count } => Some(FieldsRef::Spans(
                &self.chunk,
                &self.spans[*first as usize..(*first + *count) as usize],
            )),
            RowFields::Parsed(rec) => Some(FieldsRef::Parsed(rec)),
        }
    }
}

/// Borrowed fields of a row.
pub(super) enum FieldsRef<'a> {
    Spans(&'a [u8], &'a [(u32, u32)]),
    Parsed(&'a csv::ByteRecord),
}

impl<'a> FieldsRef<'a> {
    pub(super) fn len(&self) -> usize {
        match self {
            FieldsRef::Spans(_, s) => s.len(),
            FieldsRef::Parsed(r) => r.len(),
        }
    }

    pub(super) fn get(&self, i: usize) -> Option<&'a [u8]> {
        match self {
            FieldsRef::Spans(c, s) => s.get(i).map(|&(a, b)| &c[a as usize..b as usize]),
            FieldsRef::Parsed(r) => r.get(i),
        }
    }
}

/// Layout facts shared by the workers.
#[derive(Clone, Copy)]
pub(super) struct Layout {
    pub(super) delimiter: u8,
    pub(super) column: usize,
    pub(super) width: usize,
    /// Rows keep their full record (for `--results` and the network stages).
    pub(super) keep_full: bool,
}

impl RowWork {
    /// Whether the row may have to be rewritten (so its fields are kept).
    pub(super) fn needs_fields(&self) -> bool {
        self.formula || !self.email_same || self.facts.reason == Reason::MalformedRow
    }
}
