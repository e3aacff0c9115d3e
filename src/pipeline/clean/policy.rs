//! The reject policy: the categories that send a row to rejects, the set chosen on the command
//! line, and the decision (with its counts) for each row of a chunk.

use crate::model::{Reason, Verdict};
use crate::report::Tally;
use crate::report::hygiene::RowFacts;

use crate::suppress::SuppressSet;

use super::row::{ChunkWork, Facts, RowWork};

/// What sends a row to the rejects output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    /// Ragged rows and rows whose email cell is not UTF-8.
    Malformed,
    /// Verdict `undeliverable` (invalid syntax; later: dead domains, unknown mailboxes).
    Undeliverable,
    /// On a suppression list (`--suppress`): hard bounce, complaint, unsubscribed or listed.
    Suppressed,
    /// A later row with the same duplicate-detection key as an earlier one.
    Duplicate,
    /// Disposable domain.
    Disposable,
    /// Role account.
    Role,
    /// Free-mail provider.
    Free,
    /// A typo suggestion exists.
    Typo,
    /// Verdict `risky`.
    Risky,
    /// Verdict `unknown` (offline, every valid address is `unknown: not_checked`).
    Unknown,
}

impl Category {
    /// Every category, in the order they are tested.
    pub const ALL: [Category; 10] = [
        Category::Malformed,
        Category::Undeliverable,
        Category::Suppressed,
        Category::Duplicate,
        Category::Disposable,
        Category::Role,
        Category::Free,
        Category::Typo,
        Category::Risky,
        Category::Unknown,
    ];

    /// The name used on the command line and in outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Malformed => "malformed",
            Category::Undeliverable => "undeliverable",
            Category::Suppressed => "suppressed",
            Category::Duplicate => "duplicate",
            Category::Disposable => "disposable",
            Category::Role => "role",
            Category::Free => "free",
            Category::Typo => "typo",
            Category::Risky => "risky",
            Category::Unknown => "unknown",
        }
    }

    /// Whether a row rejected for this category is reported under its verdict reason
    /// (`invalid_syntax`, ...) rather than the category's name (`duplicate`, ...).
    pub(super) fn by_reason(self) -> bool {
        matches!(
            self,
            Category::Malformed | Category::Undeliverable | Category::Risky | Category::Unknown
        )
    }

    fn matches(self, w: &RowWork) -> bool {
        let r: &Facts = &w.facts;
        match self {
            Category::Malformed => {
                matches!(r.reason, Reason::MalformedRow | Reason::InvalidEncoding)
            }
            Category::Undeliverable => r.verdict == Verdict::Undeliverable,
            Category::Suppressed => w.suppressed.is_some(),
            Category::Duplicate => r.flags.duplicate_of.is_some(),
            Category::Disposable => r.flags.disposable,
            Category::Role => r.flags.role,
            Category::Free => r.flags.free,
            Category::Typo => r.suggestion().is_some(),
            Category::Risky => r.verdict == Verdict::Risky,
            Category::Unknown => r.verdict == Verdict::Unknown,
        }
    }
}

/// Why a reject list (`--reject`) could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RejectSetError {
    /// A name is not a category, `all` or `none`.
    #[error(
        "unknown reject category '{name}' (expected: {}, all, none)",
        Category::ALL.map(|c| c.as_str()).join(", ")
    )]
    UnknownCategory {
        /// The name given.
        name: String,
    },
}

/// The set of categories that send a row to rejects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectSet(pub Vec<Category>);

impl RejectSet {
    /// The default: `malformed,undeliverable,suppressed,duplicate,disposable` (`suppressed`
    /// matches only with a suppression set).
    pub fn default_set() -> Self {
        RejectSet(vec![
            Category::Malformed,
            Category::Undeliverable,
            Category::Suppressed,
            Category::Duplicate,
            Category::Disposable,
        ])
    }

    /// Parse a comma-separated list of category names (`all` and `none` also accepted).
    pub fn parse(s: &str) -> Result<Self, RejectSetError> {
        let mut v = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match part {
                "none" => {}
                "all" => v.extend(Category::ALL),
                "invalid" => v.push(Category::Undeliverable),
                _ => match Category::ALL.iter().find(|c| c.as_str() == part) {
                    Some(c) => v.push(*c),
                    None => {
                        return Err(RejectSetError::UnknownCategory {
                            name: part.to_owned(),
                        });
                    }
                },
            }
        }
        // Test in the canonical order.
        Ok(RejectSet(
            Category::ALL
                .into_iter()
                .filter(|c| v.contains(c))
                .collect(),
        ))
    }

    fn first_match(&self, w: &RowWork) -> Option<Category> {
        self.0.iter().copied().find(|c| c.matches(w))
    }
}

/// Reject decisions and counts for a chunk whose rows are numbered and deduplicated (runs on
/// the workers). Rows are looked up in the suppression set, if there is one (without one,
/// nothing is looked up: the test is made once per chunk). With `report`, each row is also
/// fed to the hygiene report's collector.
pub(super) fn decide(
    work: &mut ChunkWork,
    reject: &RejectSet,
    suppress: Option<&SuppressSet>,
    report: bool,
) -> Tally {
    let mut tally = Tally::default();
    if let Some(set) = suppress {
        for w in work.rows.iter_mut() {
            w.suppressed = w.key.and_then(|k| set.get(k));
            if let Some((reason, _)) = w.suppressed {
                tally.add_suppressed(reason as usize);
            }
        }
    }
    for w in work.rows.iter_mut() {
        w.category = reject.first_match(w);
        let f = &w.facts;
        tally.add_parts(
            f.verdict,
            f.reason,
            &f.flags,
            f.suggestion().is_some(),
            w.category.map(|c| c as usize),
        );
        if let Some(c) = w.category {
            tally.add_rejection(c.by_reason().then_some(f.reason), c as usize);
        }
        if let Some(h) = tally.hygiene(report) {
            h.add(RowFacts {
                verdict: f.verdict,
                reason: f.reason,
                flags: &f.flags,
                record: w.full.as_deref(),
                suggestion: f.suggestion(),
                rejected: w.category.is_some(),
                suppressed: w.suppressed,
            });
        }
    }
    tally
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_category_message() {
        assert_eq!(
            RejectSet::parse("duplicate,bogus").unwrap_err().to_string(),
            "unknown reject category 'bogus' (expected: malformed, undeliverable, suppressed, \
             duplicate, disposable, role, free, typo, risky, unknown, all, none)"
        );
    }
}
