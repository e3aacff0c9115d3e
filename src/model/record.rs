//! The per-address record: everything learned about one address, as written to `--results`
//! and by `check`.

use std::sync::Arc;

use serde::Serialize;

use super::{DnsEvidence, Flags, Reason, SmtpEvidence, Verdict};

/// Everything we learned about one address, as written to `--results` and by `check`.
///
/// Serialised with an extra `address` field (the same as `input`) for scoring tools.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressRecord {
    /// 1-based data row number (header excluded), or argument position for `check`.
    pub row: u64,
    /// The cell exactly as read (invalid UTF-8 replaced by U+FFFD).
    pub input: String,
    /// Whether the syntax check accepted the address.
    pub valid: bool,
    /// Normalised form (NFC local part, lower-case Unicode domain), when valid.
    pub normalized: Option<String>,
    /// All-ASCII form (IDNA A-labels) when valid and the local part is ASCII; read it with
    /// [`AddressRecord::ascii`].
    pub ascii: Derived,
    /// The key used for duplicate detection (provider canonical form); read it with
    /// [`AddressRecord::canonical`].
    pub canonical: Derived,
    /// The verdict.
    pub verdict: Verdict,
    /// The primary reason.
    pub reason: Reason,
    /// Human-readable detail for the reason (e.g. what is wrong with the syntax).
    pub detail: Option<String>,
    /// Secondary flags.
    pub flags: Flags,
    /// Suggested correction for a misspelt domain (full address).
    pub suggestion: Option<String>,
    /// What DNS said about the domain (shared by every address of the domain), when looked up.
    pub dns: Option<Arc<DnsEvidence>>,
    /// What the mail server said, when probed (`--smtp`).
    pub smtp: Option<Arc<SmtpEvidence>>,
}

/// A form derived from the normalised address, stored only when it differs from it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Derived {
    /// Not available (invalid address, or no such form).
    #[default]
    None,
    /// The same string as `normalized`.
    SameAsNormalized,
    /// A different string.
    Own(String),
}

impl AddressRecord {
    fn resolve<'a>(&'a self, d: &'a Derived) -> Option<&'a str> {
        match d {
            Derived::None => None,
            Derived::SameAsNormalized => self.normalized.as_deref(),
            Derived::Own(s) => Some(s),
        }
    }

    /// The all-ASCII form (A-label domain), when the address is valid and its local part ASCII.
    pub fn ascii(&self) -> Option<&str> {
        self.resolve(&self.ascii)
    }

    /// The duplicate-detection key (provider canonical form), when the address is valid.
    pub fn canonical(&self) -> Option<&str> {
        self.resolve(&self.canonical)
    }
}

impl Serialize for AddressRecord {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Out<'a> {
            row: u64,
            input: &'a str,
            address: &'a str,
            valid: bool,
            normalized: &'a Option<String>,
            ascii: Option<&'a str>,
            canonical: Option<&'a str>,
            verdict: Verdict,
            reason: Reason,
            detail: &'a Option<String>,
            flags: &'a Flags,
            suggestion: &'a Option<String>,
            dns: Option<&'a DnsEvidence>,
            #[serde(skip_serializing_if = "Option::is_none")]
            smtp: Option<&'a SmtpEvidence>,
        }
        Out {
            row: self.row,
            input: &self.input,
            address: &self.input,
            valid: self.valid,
            normalized: &self.normalized,
            ascii: self.ascii(),
            canonical: self.canonical(),
            verdict: self.verdict,
            reason: self.reason,
            detail: &self.detail,
            flags: &self.flags,
            suggestion: &self.suggestion,
            dns: self.dns.as_deref(),
            smtp: self.smtp.as_deref(),
        }
        .serialize(s)
    }
}
