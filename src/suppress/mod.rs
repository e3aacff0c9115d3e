//! Suppression lists: addresses that must not be mailed (hard bounces, complaints,
//! unsubscribes, listed), read from `mailsift bounces` output, ESP exports and plain lists.
//!
//! Sans-IO: [`SuppressSet::load`] takes a file's name and bytes; the driver reads the file.
//! The format is detected from the content ([`Format`] lists them); an unrecognised file is an error.
//! Addresses are matched by the duplicate-detection key `clean` uses (provider rules, Gmail
//! dots and tags), hashed to 128 bits.

mod detect;
mod json;
mod plain;
mod table;

use std::collections::HashMap;

use crate::address::{self, AnalyzeOptions};

pub use detect::Format;

/// Why an address is suppressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SuppressReason {
    /// A permanent (hard) bounce.
    HardBounce,
    /// A spam complaint (feedback loop, spam report).
    Complaint,
    /// The recipient unsubscribed (or was suppressed by hand at the ESP).
    Unsubscribed,
    /// On a plain list (no reason given).
    Listed,
}

impl SuppressReason {
    /// Every reason.
    pub const ALL: [SuppressReason; 4] = [
        SuppressReason::HardBounce,
        SuppressReason::Complaint,
        SuppressReason::Unsubscribed,
        SuppressReason::Listed,
    ];

    /// The name written in outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            SuppressReason::HardBounce => "hard_bounce",
            SuppressReason::Complaint => "complaint",
            SuppressReason::Unsubscribed => "unsubscribed",
            SuppressReason::Listed => "listed",
        }
    }
}

/// Why a suppression file could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SuppressError {
    /// The content matches no supported format.
    #[error("{file}: not a recognised suppression file ({why})")]
    Unrecognised {
        /// The file's name.
        file: String,
        /// What was seen.
        why: String,
    },
}

/// A malformed or unusable line of a suppression file (skipped, counted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuppressWarning {
    /// The file's name.
    pub file: String,
    /// 1-based line number.
    pub line: u64,
    /// What is wrong with it.
    pub why: String,
}

impl std::fmt::Display for SuppressWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.why)
    }
}

/// What one record of a suppression file says.
pub(crate) enum Entry<'a> {
    /// Suppress this address for this reason.
    Suppress(&'a str, SuppressReason),
    /// A valid record that does not suppress (soft bounce, ambiguous record, ...).
    Skip,
    /// A malformed record: why.
    Bad(String),
}

/// What the summary says of the suppression files.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct SuppressReport {
    /// One entry a file, in the order given.
    pub files: Vec<FileReport>,
    /// Distinct suppressed addresses (by duplicate-detection key).
    pub addresses: u64,
    /// Malformed lines skipped (each reported on stderr with file:line).
    pub warnings: u64,
    /// Input rows found on the lists, by reason.
    pub rows: std::collections::BTreeMap<&'static str, u64>,
}

/// What one suppression file gave.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FileReport {
    /// The file as given.
    pub file: String,
    /// The detected format.
    pub format: &'static str,
    /// Addresses first listed in this file.
    pub added: u64,
    /// Records that do not suppress (soft bounces, ambiguous records).
    pub skipped: u64,
    /// Malformed records.
    pub malformed: u64,
}

/// What loading one file did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadStats {
    /// The detected format.
    pub format: Format,
    /// Addresses added (first seen in this file).
    pub added: u64,
    /// Records that do not suppress (soft bounces, ambiguous records).
    pub skipped: u64,
    /// Malformed records (each also reported as a warning).
    pub malformed: u64,
}

/// The suppressed addresses, by the hash of their duplicate-detection key.
#[derive(Debug, Default)]
pub struct SuppressSet {
    map: HashMap<(u64, u64), (SuppressReason, u32)>,
    sources: Vec<String>,
    files: Vec<FileReport>,
    /// Malformed lines seen while loading.
    pub warnings: Vec<SuppressWarning>,
}

impl SuppressSet {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of distinct suppressed keys.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether no address is suppressed.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The source files, in the order loaded.
    pub fn sources(&self) -> &[String] {
        &self.sources
    }

    /// Read one suppression file (`name` is used in outputs and messages). The first file to
    /// list an address decides its reason and source.
    pub fn load(
        &mut self,
        name: &str,
        bytes: &[u8],
        opts: &AnalyzeOptions,
    ) -> Result<LoadStats, SuppressError> {
        let text = String::from_utf8_lossy(bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes));
        let format = detect::detect(&text).map_err(|why| SuppressError::Unrecognised {
            file: name.to_owned(),
            why,
        })?;
        let src = self.sources.len() as u32;
        self.sources.push(name.to_owned());
        let mut stats = LoadStats {
            format,
            added: 0,
            skipped: 0,
            malformed: 0,
        };
        // Read the entries in file order (cheap), then analyse the addresses on all cores
        // (the costly part), then insert in file order: the first listing decides.
        let mut entries: Vec<(u64, Owned)> = Vec::new();
        let mut sink = |line: u64, e: Entry<'_>| {
            entries.push((
                line,
                match e {
                    Entry::Suppress(a, r) => Owned::Suppress(a.to_owned(), r),
                    Entry::Skip => Owned::Skip,
                    Entry::Bad(why) => Owned::Bad(why),
                },
            ))
        };
        match format {
            Format::Plain => plain::read(&text, &mut sink),
            Format::BouncesJsonl => json::read_bounces_jsonl(&text, &mut sink),
            Format::SesJson => json::read_ses_json(&text, &mut sink),
            f => table::read(&text, f, &mut sink),
        }
        let keys: Vec<Option<(u64, u64)>> = {
            use rayon::prelude::*;
            entries
                .par_iter()
                .map(|(_, e)| match e {
                    Owned::Suppress(addr, _) => key_of(addr, opts),
                    _ => None,
                })
                .collect()
        };
        for ((line, e), key) in entries.into_iter().zip(keys) {
            match e {
                Owned::Suppress(addr, reason) => match key {
                    Some(k) => {
                        if let std::collections::hash_map::Entry::Vacant(v) = self.map.entry(k) {
                            v.insert((reason, src));
                            stats.added += 1;
                        }
                    }
                    None => {
                        stats.malformed += 1;
                        self.warnings.push(SuppressWarning {
                            file: name.to_owned(),
                            line,
                            why: format!("not a valid address: {:?}", truncate(&addr)),
                        });
                    }
                },
                Owned::Skip => stats.skipped += 1,
                Owned::Bad(why) => {
                    stats.malformed += 1;
                    self.warnings.push(SuppressWarning {
                        file: name.to_owned(),
                        line,
                        why,
                    });
                }
            }
        }
        self.files.push(FileReport {
            file: name.to_owned(),
            format: format.as_str(),
            added: stats.added,
            skipped: stats.skipped,
            malformed: stats.malformed,
        });
        Ok(stats)
    }

    /// Why and from which file the address with this key hash is suppressed.
    /// The summary's report, with `rows` (input rows found, by [`SuppressReason`] index).
    pub fn report(&self, rows: [u64; 4]) -> SuppressReport {
        SuppressReport {
            files: self.files.clone(),
            addresses: self.map.len() as u64,
            warnings: self.warnings.len() as u64,
            rows: SuppressReason::ALL
                .iter()
                .map(|r| (r.as_str(), rows[*r as usize]))
                .collect(),
        }
    }

    /// Why and from which source (an index into [`SuppressSet::sources`]) the address with
    /// this key hash is suppressed.
    pub(crate) fn get(&self, key: (u64, u64)) -> Option<(SuppressReason, u32)> {
        self.map.get(&key).copied()
    }
}

/// An [`Entry`] kept until the addresses are analysed.
enum Owned {
    Suppress(String, SuppressReason),
    Skip,
    Bad(String),
}

/// The hash of an address's duplicate-detection key, if it is a valid address.
fn key_of(addr: &str, opts: &AnalyzeOptions) -> Option<(u64, u64)> {
    let rec = address::analyze(0, addr.trim(), opts);
    if !rec.valid {
        return None;
    }
    rec.canonical()
        .map(|k| crate::key_hash::hash128(k.as_bytes()))
}

fn truncate(s: &str) -> &str {
    match s.char_indices().nth(80) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set_of(files: &[(&str, &str)]) -> SuppressSet {
        let mut s = SuppressSet::new();
        for (n, b) in files {
            s.load(n, b.as_bytes(), &AnalyzeOptions::default()).unwrap();
        }
        s
    }

    fn lookup(s: &SuppressSet, addr: &str) -> Option<(SuppressReason, String)> {
        let k = key_of(addr, &AnalyzeOptions::default())?;
        s.get(k).map(|(r, f)| (r, s.sources()[f as usize].clone()))
    }

    #[test]
    fn canonical_matching_and_first_source_wins() {
        let s = set_of(&[
            ("a.txt", "J.Doe+x@gmail.com\n"),
            ("b.txt", "jdoe@googlemail.com\nann@posteo.de\n"),
        ]);
        assert_eq!(s.len(), 2);
        assert_eq!(
            lookup(&s, "jdoe@gmail.com"),
            Some((SuppressReason::Listed, "a.txt".into()))
        );
        assert_eq!(
            lookup(&s, "ANN@posteo.de"),
            Some((SuppressReason::Listed, "b.txt".into()))
        );
        assert_eq!(lookup(&s, "bob@posteo.de"), None);
    }

    #[test]
    fn unrecognised_is_an_error_naming_the_file() {
        let mut s = SuppressSet::new();
        let e = s
            .load("x.csv", b"foo,bar\n1,2\n", &AnalyzeOptions::default())
            .unwrap_err();
        assert!(e.to_string().starts_with("x.csv: not a recognised"), "{e}");
    }

    #[test]
    fn bad_lines_are_warnings_with_line_numbers() {
        let mut s = SuppressSet::new();
        let st = s
            .load(
                "p.txt",
                b"a@posteo.de\nnot an address\n\nb@posteo.de\n",
                &AnalyzeOptions::default(),
            )
            .unwrap();
        assert_eq!((st.added, st.malformed), (2, 1));
        assert_eq!(
            s.warnings[0].to_string(),
            "p.txt:2: not a valid address: \"not an address\""
        );
    }
}
