//! The hygiene report's own figures: the aggregates `clean --report` collects beside the run
//! summary (the `hygiene` section of the summary and of `--report-json`).

use serde::{Deserialize, Serialize};

/// The `hygiene` section: what the page shows beyond the summary's counts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Hygiene {
    /// The input as given (`-` for stdin).
    pub input: String,
    /// Rows whose address is valid syntax.
    pub valid_rows: u64,
    /// Rows with at least one problem the grade counts: verdict `undeliverable`, a malformed
    /// row, a disposable domain, or on a suppression list.
    pub problem_rows: u64,
    /// Which checks ran, in rows.
    pub checks: Checks,
    /// Recipient domains, biggest first.
    pub domains: Ranked<DomainRow>,
    /// Mailbox providers, biggest first.
    pub providers: Ranked<ProviderRow>,
    /// Typo corrections suggested, most rows first.
    pub typos: Ranked<TypoRow>,
    /// Duplicate rows and how they were found.
    pub duplicates: Duplicates,
    /// Disposable, role and free-mail addresses.
    pub shares: Shares,
    /// What DNS and SMTP said, by domain.
    pub evidence: Evidence,
    /// Suppressed rows by reason and suppression file, most first.
    pub suppressed: Vec<SuppressedRow>,
}

/// Rows that went through each check.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Checks {
    /// Rows whose domain was looked up in DNS (or in a `--zone` file).
    pub dns_rows: u64,
    /// Rows whose mailbox was asked with an SMTP probe.
    pub smtp_rows: u64,
}

/// The biggest entries of a table, and how many there are in all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Ranked<T> {
    /// Distinct entries in all.
    pub distinct: u64,
    /// Rows in all the entries.
    pub rows: u64,
    /// The biggest entries, biggest first (ties by name).
    pub top: Vec<T>,
}

impl<T> Default for Ranked<T> {
    fn default() -> Self {
        Ranked {
            distinct: 0,
            rows: 0,
            top: Vec::new(),
        }
    }
}

/// Rows by verdict, and how many of them were rejected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct VerdictMix {
    /// Rows in all.
    pub rows: u64,
    /// Rows judged `deliverable`.
    pub deliverable: u64,
    /// Rows judged `risky`.
    pub risky: u64,
    /// Rows judged `undeliverable`.
    pub undeliverable: u64,
    /// Rows judged `unknown`.
    pub unknown: u64,
    /// Rows sent to the rejects output.
    pub rejected: u64,
}

impl VerdictMix {
    /// The four verdict counts, in [`crate::model::Verdict::ALL`] order.
    pub fn counts(&self) -> [u64; 4] {
        [
            self.deliverable,
            self.risky,
            self.undeliverable,
            self.unknown,
        ]
    }
}

/// One recipient domain.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DomainRow {
    /// The domain (normalised: lower case, Unicode).
    pub domain: String,
    /// Its rows by verdict.
    pub mix: VerdictMix,
}

/// One mailbox provider.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProviderRow {
    /// The provider: from the MX hosts when DNS ran (`google`, `microsoft`, ...), else the
    /// provider's main domain for the domains with a known provider rule (`gmail.com` for
    /// `googlemail.com` too); `other` for the rest.
    pub provider: String,
    /// Distinct domains seen for it.
    pub domains: u64,
    /// Its rows by verdict.
    pub mix: VerdictMix,
}

/// A typo correction suggested.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TypoRow {
    /// The domain as written.
    pub from: String,
    /// The domain suggested.
    pub to: String,
    /// Rows with this correction.
    pub rows: u64,
}

/// Duplicate rows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Duplicates {
    /// Rows whose duplicate-detection key was seen on an earlier row.
    pub rows: u64,
    /// Of them, rows whose normalised address, case aside, was seen on an earlier row (the
    /// same address).
    pub same_address: u64,
    /// Of them, rows found only by a provider rule: a different address that reaches the same
    /// mailbox (Gmail ignores dots and `+tags`, `googlemail.com` is `gmail.com`, ...).
    pub provider_rule: u64,
    /// Rows a provider rule rewrote for duplicate detection (the key differs from the
    /// address), by the provider's main domain, most first.
    pub rewritten: Vec<DomainCount>,
}

/// Rows and a share of the valid rows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Share {
    /// Rows.
    pub rows: u64,
    /// `rows` divided by the valid rows (0 when there are none).
    pub share: f64,
}

/// Disposable, role and free-mail addresses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Shares {
    /// Addresses at a disposable (throw-away) domain.
    pub disposable: Share,
    /// Role accounts (info@, sales@, ...).
    pub role: Share,
    /// Addresses at a free-mail provider.
    pub free: Share,
}

/// Rows of one domain.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DomainCount {
    /// The domain.
    pub domain: String,
    /// Rows.
    pub rows: u64,
}

/// DNS and SMTP evidence, by domain.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Evidence {
    /// Domains that do not exist (`invalid_domain`) or have no mail server (`no_mail_server`).
    pub dead_domains: Ranked<DomainCount>,
    /// Domains that publish a null MX (RFC 7505: they accept no mail).
    pub null_mx: Ranked<DomainCount>,
    /// Domains whose server accepted a random local part (catch-all: any address "exists").
    pub catch_all: Ranked<DomainCount>,
    /// Rows whose mailbox the server said does not exist (`mailbox_not_found`), by domain.
    pub mailbox_not_found: Ranked<DomainCount>,
    /// Rows left unknown by a temporary DNS failure or an untrusted resolver (`dns_timeout`,
    /// `dns_servfail`, `dns_untrusted`).
    pub dns_temporary_rows: u64,
    /// Rows left unknown by a temporary SMTP failure (timeouts, closed connections, 4xx,
    /// greylisting, our sender refused).
    pub smtp_temporary_rows: u64,
}

/// Suppressed rows of one reason and file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SuppressedRow {
    /// `hard_bounce`, `complaint`, `unsubscribed` or `listed`.
    pub reason: String,
    /// The suppression file that listed the address first.
    pub source: String,
    /// Input rows.
    pub rows: u64,
}
