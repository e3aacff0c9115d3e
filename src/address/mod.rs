//! Addresses: syntax, normalisation, provider canonical forms, reference lists and typo
//! suggestions. Everything here is pure and offline.

pub mod canonical;
pub mod lists;
pub mod syntax;
pub mod typo;

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};

use crate::fxhash::FxBuild;
use crate::model::{AddressRecord, Derived, Flags, Reason, Verdict};
pub use lists::Lists;
pub use syntax::{ParsedAddress, SyntaxError, SyntaxPolicy};

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

/// What we know about a domain, computed once per domain per run.
#[derive(Debug)]
struct DomainInfo {
    parsed: Result<(String, String), SyntaxError>,
    disposable: bool,
    free: bool,
    suggestion: Option<&'static str>,
    /// The provider's addressing rule for the A-label domain (`data/providers.tsv`).
    rule: Option<lists::ProviderRule>,
}

const DOMAIN_CACHE_MAX: usize = 200_000;
const SHARDS: usize = 16;

/// Per-thread cache (first level): the policy it was built for, and domain -> info.
type DomainCache = (SyntaxPolicy, HashMap<String, Arc<DomainInfo>, FxBuild>);

thread_local! {
    static DOMAIN_CACHE: RefCell<DomainCache> = RefCell::new((SyntaxPolicy::default(), HashMap::default()));
}

/// A shard of the shared cache: the policy it holds entries for, and domain -> info.
type Shard = RwLock<(SyntaxPolicy, HashMap<String, Arc<DomainInfo>, FxBuild>)>;

/// Shared cache (second level), so that worker threads do not each redo the same domains.
fn shared_cache() -> &'static [Shard; SHARDS] {
    static SHARED: OnceLock<[Shard; SHARDS]> = OnceLock::new();
    SHARED.get_or_init(|| {
        std::array::from_fn(|_| RwLock::new((SyntaxPolicy::default(), HashMap::default())))
    })
}

fn shard_of(raw: &str) -> usize {
    use std::hash::{BuildHasher, Hasher};
    let mut h = FxBuild::default().build_hasher();
    h.write(raw.as_bytes());
    (h.finish() >> 59) as usize % SHARDS
}

fn compute_domain_info(raw: &str, policy: SyntaxPolicy, lists: &Lists) -> DomainInfo {
    let parsed = syntax::domain_name(raw, policy);
    let (disposable, free, suggestion) = match &parsed {
        Ok((uni, ascii)) => {
            let disposable = lists.is_disposable(ascii) || lists.is_disposable(uni);
            let free = !disposable && (lists.is_free(ascii) || lists.is_free(uni));
            (disposable, free, typo::suggest_domain(ascii, lists))
        }
        Err(_) => (
            false,
            false,
            typo::suggest_domain(&raw.to_ascii_lowercase(), lists),
        ),
    };
    let rule = match &parsed {
        Ok((_, ascii)) => lists.provider_rule(ascii).copied(),
        Err(_) => None,
    };
    DomainInfo {
        parsed,
        disposable,
        free,
        suggestion,
        rule,
    }
}

/// Run `f` on what we know about `raw` (a domain as written), from the per-thread cache, else
/// the shared cache, else computed. `f` runs while the per-thread cache is borrowed, so the hot
/// path clones no `Arc` (no shared reference count bouncing between cores).
fn with_domain_info<R>(
    raw: &str,
    policy: SyntaxPolicy,
    lists: &Lists,
    f: impl FnOnce(&DomainInfo) -> R,
) -> R {
    DOMAIN_CACHE.with(|c| {
        // `f` never analyses another address, so the cache stays borrowed while it runs.
        let mut c = c.borrow_mut();
        if c.0 != policy {
            c.0 = policy;
            c.1.clear();
        }
        if let Some(info) = c.1.get(raw) {
            return f(info);
        }
        let shard = &shared_cache()[shard_of(raw)];
        let found = {
            let g = shard.read().unwrap_or_else(|e| e.into_inner());
            if g.0 == policy {
                g.1.get(raw).cloned()
            } else {
                None
            }
        };
        let info = match found {
            Some(i) => i,
            None => {
                let i = Arc::new(compute_domain_info(raw, policy, lists));
                let mut g = shard.write().unwrap_or_else(|e| e.into_inner());
                if g.0 != policy || g.1.len() >= DOMAIN_CACHE_MAX / SHARDS {
                    g.0 = policy;
                    g.1.clear();
                }
                g.1.insert(raw.to_owned(), i.clone());
                i
            }
        };
        let map = &mut c.1;
        if map.len() >= DOMAIN_CACHE_MAX {
            map.clear();
        }
        map.insert(raw.to_owned(), info.clone());
        f(&info)
    })
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
pub fn analyze(row: u64, input: &str, opts: &AnalyzeOptions) -> AddressRecord {
    analyze_impl(row, input, opts, true)
}

/// Like [`analyze`], but the record's `input` is left empty: for callers that keep the text
/// themselves and fill it in only when they need it (saves a copy per address).
pub fn analyze_without_input(row: u64, input: &str, opts: &AnalyzeOptions) -> AddressRecord {
    analyze_impl(row, input, opts, false)
}

fn analyze_impl(row: u64, input: &str, opts: &AnalyzeOptions, keep_input: bool) -> AddressRecord {
    let input_copy = || {
        if keep_input {
            input.to_owned()
        } else {
            String::new()
        }
    };
    let lists = Lists::get();
    let candidate = if opts.trim { trim_cell(input) } else { input };
    let trimmed = candidate.len() != input.len();
    let flags = Flags {
        trimmed,
        ..Flags::default()
    };
    let invalid = |e: SyntaxError, suggestion: Option<String>, flags: Flags| AddressRecord {
        row,
        input: input_copy(),
        valid: false,
        normalized: None,
        ascii: Derived::None,
        canonical: Derived::None,
        verdict: Verdict::Undeliverable,
        reason: Reason::InvalidSyntax,
        detail: Some(e.0.into_owned()),
        flags,
        suggestion,
        dns: None,
        smtp: None,
    };
    let (local_raw, domain_raw) = match fast_shape(candidate) {
        Shape::Simple(l, d) => (l, d),
        Shape::TooLong => {
            return invalid(
                SyntaxError("the address is longer than 254 octets".into()),
                None,
                flags,
            );
        }
        Shape::Other => {
            // Quoted local parts, address literals and odd shapes: the full parser, no cache.
            return match syntax::parse(candidate, opts.syntax) {
                Ok(p) => finish(
                    row,
                    input_copy(),
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
                ),
                Err(e) => invalid(e, None, flags),
            };
        }
    };
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
            Err(e) => return invalid(e, suggest(), flags),
        };
        match &info.parsed {
            Ok((uni, ascii)) => {
                if local.len() + 1 + uni.len().max(ascii.len()) > 254 {
                    return invalid(
                        SyntaxError("the address is longer than 254 octets".into()),
                        suggest(),
                        flags,
                    );
                }
                finish(
                    row,
                    input_copy(),
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
                )
            }
            Err(e) => invalid(e.clone(), suggest(), flags),
        }
    })
}

/// Build the record of a syntactically valid address.
#[allow(clippy::too_many_arguments)]
fn finish(
    row: u64,
    input: String,
    mut flags: Flags,
    opts: &AnalyzeOptions,
    lists: &Lists,
    local: &str,
    uni: &str,
    ascii_domain: &str,
    disposable: bool,
    free: bool,
    suggestion: Option<&'static str>,
    rule: Option<&lists::ProviderRule>,
) -> AddressRecord {
    flags.disposable = disposable;
    flags.free = free;
    flags.role = lists.is_role(local);
    let mut normalized = String::with_capacity(local.len() + 1 + uni.len());
    normalized.push_str(local);
    normalized.push('@');
    normalized.push_str(uni);
    let ascii = if !local.is_ascii() {
        Derived::None
    } else if uni == ascii_domain {
        Derived::SameAsNormalized
    } else {
        Derived::Own(format!("{local}@{ascii_domain}"))
    };
    let canonical = match canonical::canonical_key(local, ascii_domain, rule) {
        Some(k) => Derived::Own(k),
        None if uni == ascii_domain => Derived::SameAsNormalized,
        None => Derived::Own(format!("{local}@{ascii_domain}")),
    };
    let reason = if disposable {
        Reason::Disposable
    } else if flags.role && opts.role_is_risky {
        Reason::RoleAccount
    } else {
        Reason::NotChecked
    };
    AddressRecord {
        row,
        input,
        valid: true,
        ascii,
        normalized: Some(normalized),
        canonical,
        verdict: reason.verdict(),
        reason,
        detail: None,
        flags,
        suggestion: suggestion.map(|s| format!("{local}@{s}")),
        dns: None,
        smtp: None,
    }
}

/// The shape of an address, for choosing the cached fast path.
enum Shape<'a> {
    /// Unquoted local part, one @, a domain name: (local, domain).
    Simple(&'a str, &'a str),
    /// Longer than any address can be.
    TooLong,
    /// Anything else (quoted local part, address literal, no @, ...): the full parser.
    Other,
}

fn fast_shape(s: &str) -> Shape<'_> {
    if s.len() > 254 {
        return Shape::TooLong;
    }
    // One pass over the bytes: the single @, and no angle brackets.
    let b = s.as_bytes();
    let mut at = None;
    for (i, &c) in b.iter().enumerate() {
        match c {
            b'@' if at.is_none() => at = Some(i),
            b'@' | b'<' | b'>' => return Shape::Other,
            _ => {}
        }
    }
    let Some(at) = at else {
        return Shape::Other;
    };
    let (local, domain) = (&s[..at], &s[at + 1..]);
    if local.is_empty() || domain.is_empty() || b[0] == b'"' || b[at + 1] == b'[' {
        return Shape::Other;
    }
    Shape::Simple(local, domain)
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
