//! Addresses: syntax, normalisation, provider canonical forms, reference lists and typo
//! suggestions. Everything here is pure and offline.

pub(crate) mod canonical;
mod domain_cache;
pub(crate) mod lists;
mod shape;
mod shared;
pub(crate) mod syntax;
pub(crate) mod typo;

use crate::model::{AddressRecord, Derived, Flags, Reason, Verdict};
pub(crate) use lists::Lists;
pub use syntax::{ParsedAddress, SyntaxError, SyntaxPolicy, parse};

use domain_cache::{quick_lookup, with_domain_info};
use shape::{Shape, fast_shape};

/// Options for offline analysis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnalyzeOptions {
    /// Which syntax to accept.
    pub syntax: SyntaxPolicy,
    /// Remove leading and trailing white space before checking (flagged `trimmed`).
    pub trim: bool,
    /// Make `role_account` the primary reason (risky) for role addresses.
    pub role_is_risky: bool,
}

impl Default for AnalyzeOptions {
    fn default() -> Self {
        AnalyzeOptions {
            syntax: SyntaxPolicy::default(),
            trim: true,
            role_is_risky: false,
        }
    }
}

/// Trim white space (including no-break space) from both ends.
fn trim_cell(s: &str) -> &str {
    let b = s.as_bytes();
    if let (Some(&f), Some(&l)) = (b.first(), b.last())
        && f > b' '
        && f < 0x80
        && l > b' '
        && l < 0x80
    {
        return s;
    }
    s.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
}

/// Analyse one address offline. `row` is carried into the record.
///
/// ```rust
/// use mailsift::address::{AnalyzeOptions, analyze};
/// use mailsift::{Reason, Verdict};
///
/// let opts = AnalyzeOptions::default();
/// let ok = analyze(1, " ann@Posteo.DE ", &opts);
/// assert!(ok.valid);
/// assert_eq!(ok.normalized.as_deref(), Some("ann@posteo.de"));
/// // Offline: well-formed, but nobody asked the mail server.
/// assert_eq!((ok.verdict, ok.reason), (Verdict::Unknown, Reason::NotChecked));
///
/// let bad = analyze(2, "ann@@posteo.de", &opts);
/// assert_eq!((bad.verdict, bad.reason), (Verdict::Undeliverable, Reason::InvalidSyntax));
/// ```
pub fn analyze(row: u64, input: &str, opts: &AnalyzeOptions) -> AddressRecord {
    analyze_found(input, opts, |found| {
        found.into_record(row, input.to_owned())
    })
}

/// What the offline analysis of one address found, before any record is built (borrowed from
/// the domain cache; see [`analyze_found`]).
#[derive(Debug)]
pub(crate) enum Found<'a> {
    /// The address is not valid.
    Invalid {
        /// What is wrong.
        error: SyntaxError,
        /// A corrected address, when the domain looks misspelt.
        suggestion: Option<String>,
        /// Flags known so far (`trimmed`).
        flags: Flags,
    },
    /// The address is valid.
    Valid(Valid<'a>),
}

/// A valid address, in parts.
#[derive(Debug)]
pub(crate) struct Valid<'a> {
    /// The normalised local part.
    pub local: &'a str,
    /// The domain, lower-case Unicode (U-labels).
    pub uni: &'a str,
    /// The domain, ASCII (A-labels).
    pub ascii: &'a str,
    /// Flags (`trimmed`, `disposable`, `free`, `role`).
    pub flags: Flags,
    /// The offline reason (`disposable`, `role_account` or `not_checked`).
    pub reason: Reason,
    /// The suggested domain, when the domain looks misspelt.
    pub suggestion: Option<&'static str>,
    /// The provider's addressing rule, for the duplicate-detection key.
    pub rule: Option<&'a lists::ProviderRule>,
}

impl Valid<'_> {
    /// Whether `text` is exactly the normalised address (`local@uni`), without building it.
    /// (The parts are often slices of `text` itself: then no bytes need comparing.)
    pub(crate) fn normalized_is(&self, text: &str) -> bool {
        let (l, u) = (self.local.len(), self.uni.len());
        text.len() == l + 1 + u
            && text.as_bytes()[l] == b'@'
            && (std::ptr::eq(text.as_ptr(), self.local.as_ptr()) || text.starts_with(self.local))
            && (std::ptr::eq(text[l + 1..].as_ptr(), self.uni.as_ptr()) || text.ends_with(self.uni))
    }

    /// Whether the duplicate-detection key is the normalised address itself (no provider rule,
    /// nothing to lower-case, the same domain in both forms).
    pub(crate) fn key_is_normalized(&self) -> bool {
        self.rule.is_none()
            && (std::ptr::eq(self.uni, self.ascii) || self.uni == self.ascii)
            && if self.local.is_ascii() {
                !self.local.bytes().any(|b| b.is_ascii_uppercase())
            } else {
                !self.local.chars().any(char::is_uppercase)
            }
    }

    /// The normalised address.
    pub(crate) fn normalized(&self) -> String {
        let mut n = String::with_capacity(self.local.len() + 1 + self.uni.len());
        n.push_str(self.local);
        n.push('@');
        n.push_str(self.uni);
        n
    }

    /// Write the duplicate-detection key (see `canonical::canonical_key`) into `out`.
    pub(crate) fn write_key(&self, out: &mut String) {
        canonical::write_key(self.local, self.ascii, self.rule, out);
    }

    /// The suggested address, when the domain looks misspelt.
    pub(crate) fn suggested(&self) -> Option<String> {
        self.suggestion.map(|s| format!("{}@{s}", self.local))
    }
}

impl Found<'_> {
    /// An invalid address: what is wrong, a suggestion, the flags known so far.
    fn invalid(error: SyntaxError, suggestion: Option<String>, flags: Flags) -> Self {
        Found::Invalid {
            error,
            suggestion,
            flags,
        }
    }

    /// The full record (`input` is the cell as read).
    pub(crate) fn into_record(self, row: u64, input: String) -> AddressRecord {
        match self {
            Found::Invalid {
                error,
                suggestion,
                flags,
            } => AddressRecord {
                row,
                input,
                valid: false,
                normalized: None,
                ascii: Derived::None,
                canonical: Derived::None,
                verdict: Verdict::Undeliverable,
                reason: Reason::InvalidSyntax,
                detail: Some(error.0.into_owned()),
                flags,
                suggestion,
                dns: None,
                smtp: None,
            },
            Found::Valid(v) => {
                let ascii = if !v.local.is_ascii() {
                    Derived::None
                } else if v.uni == v.ascii {
                    Derived::SameAsNormalized
                } else {
                    Derived::Own(format!("{}@{}", v.local, v.ascii))
                };
                let canonical = match canonical::canonical_key(v.local, v.ascii, v.rule) {
                    Some(k) => Derived::Own(k),
                    None if v.uni == v.ascii => Derived::SameAsNormalized,
                    None => Derived::Own(format!("{}@{}", v.local, v.ascii)),
                };
                AddressRecord {
                    row,
                    input,
                    valid: true,
                    ascii,
                    normalized: Some(v.normalized()),
                    canonical,
                    verdict: v.reason.verdict(),
                    reason: v.reason,
                    detail: None,
                    suggestion: v.suggested(),
                    flags: v.flags,
                    dns: None,
                    smtp: None,
                }
            }
        }
    }
}

/// Analyse one address offline and hand what was found to `f` (which runs while the domain
/// cache is borrowed: it must not analyse another address).
pub(crate) fn analyze_found<R>(
    input: &str,
    opts: &AnalyzeOptions,
    f: impl FnOnce(Found<'_>) -> R,
) -> R {
    let lists = Lists::get();
    let candidate = if opts.trim { trim_cell(input) } else { input };
    let trimmed = candidate.len() != input.len();
    let flags = Flags {
        trimmed,
        ..Flags::default()
    };
    let (local_raw, domain_raw) = match fast_shape(candidate) {
        Shape::Simple(l, d) => (l, d),
        Shape::TooLong => {
            return f(Found::invalid(
                SyntaxError("the address is longer than 254 octets".into()),
                None,
                flags,
            ));
        }
        Shape::Other => {
            // Quoted local parts, address literals and odd shapes: the full parser, no cache.
            return match syntax::parse(candidate, opts.syntax) {
                Ok(p) => f(Found::Valid(valid(
                    flags,
                    opts,
                    lists,
                    &p.local,
                    &p.domain,
                    &p.ascii_domain,
                    false,
                    false,
                    None,
                    lists.provider_rule(&p.ascii_domain),
                ))),
                Err(e) => f(Found::invalid(e, None, flags)),
            };
        }
    };
    let key = crate::key_hash::hash128(domain_raw.as_bytes());
    if let Some(q) = quick_lookup(key, opts.syntax) {
        // A domain seen before, in normal form: its parts are the bytes as written.
        return match syntax::local_part_cow(local_raw) {
            Ok(local) if local.len() + 1 + domain_raw.len() <= 254 => f(Found::Valid(valid(
                flags,
                opts,
                lists,
                &local,
                domain_raw,
                domain_raw,
                q.disposable,
                q.free,
                None,
                q.rule.and_then(|i| lists.rule_at(i)),
            ))),
            // The rare cases (an invalid or too long address) take the general path.
            _ => analyze_domain(local_raw, domain_raw, flags, opts, lists, f),
        };
    }
    analyze_domain(local_raw, domain_raw, flags, opts, lists, f)
}

/// The general path for an address of simple shape: the domain from the caches.
fn analyze_domain<R>(
    local_raw: &str,
    domain_raw: &str,
    flags: Flags,
    opts: &AnalyzeOptions,
    lists: &Lists,
    f: impl FnOnce(Found<'_>) -> R,
) -> R {
    with_domain_info(domain_raw, opts.syntax, lists, |info| {
        let suggest = || {
            info.suggestion.and_then(|s| {
                syntax::parse(&format!("{local_raw}@{s}"), opts.syntax)
                    .ok()
                    .map(|p| p.normalized())
            })
        };
        let local = match syntax::local_part_cow(local_raw) {
            Ok(l) => l,
            Err(e) => return f(Found::invalid(e, suggest(), flags)),
        };
        match &info.parsed {
            Ok((uni, ascii)) => {
                if local.len() + 1 + uni.len().max(ascii.len()) > 254 {
                    return f(Found::invalid(
                        SyntaxError("the address is longer than 254 octets".into()),
                        suggest(),
                        flags,
                    ));
                }
                f(Found::Valid(valid(
                    flags,
                    opts,
                    lists,
                    &local,
                    uni,
                    ascii,
                    info.disposable,
                    info.free,
                    info.suggestion,
                    info.rule.as_ref(),
                )))
            }
            Err(e) => f(Found::invalid(e.clone(), suggest(), flags)),
        }
    })
}

/// The parts of a syntactically valid address, with its flags and offline reason.
#[allow(clippy::too_many_arguments)]
fn valid<'a>(
    mut flags: Flags,
    opts: &AnalyzeOptions,
    lists: &Lists,
    local: &'a str,
    uni: &'a str,
    ascii: &'a str,
    disposable: bool,
    free: bool,
    suggestion: Option<&'static str>,
    rule: Option<&'a lists::ProviderRule>,
) -> Valid<'a> {
    flags.disposable = disposable;
    flags.free = free;
    flags.role = lists.is_role(local);
    let reason = if disposable {
        Reason::Disposable
    } else if flags.role && opts.role_is_risky {
        Reason::RoleAccount
    } else {
        Reason::NotChecked
    };
    Valid {
        local,
        uni,
        ascii,
        flags,
        reason,
        suggestion,
        rule,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn analyze_flags() {
        let o = AnalyzeOptions::default();
        let r = analyze(1, " Info@Mailinator.com ", &o);
        assert!(r.valid);
        assert!(r.flags.trimmed && r.flags.disposable && r.flags.role);
        assert_eq!(r.reason, Reason::Disposable);
        assert_eq!(r.normalized.as_deref(), Some("info@mailinator.com"));
        let r = analyze(2, "j.doe+news@GoogleMail.com", &o);
        assert_eq!(r.canonical(), Some("jdoe@gmail.com"));
        assert!(r.flags.free);
        let r = analyze(3, "bob@gmial.com", &o);
        assert_eq!(r.suggestion.as_deref(), Some("bob@gmail.com"));
        let r = analyze(4, "bob@gmail", &o);
        assert!(!r.valid);
        assert_eq!(r.suggestion.as_deref(), Some("bob@gmail.com"));
    }
}
