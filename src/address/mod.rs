//! Addresses: syntax, normalisation, provider canonical forms, reference lists and typo
//! suggestions. Everything here is pure and offline.

pub mod canonical;
pub mod lists;
pub mod syntax;
pub mod typo;

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use crate::fxhash::FxBuild;
use crate::model::{AddressRecord, Flags, Reason, Verdict};
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

/// What we know about a domain, computed once per domain per thread.
#[derive(Debug)]
struct DomainInfo {
    parsed: Result<(String, String), SyntaxError>,
    disposable: bool,
    free: bool,
    suggestion: Option<&'static str>,
}

const DOMAIN_CACHE_MAX: usize = 200_000;

thread_local! {
    static DOMAIN_CACHE: RefCell<HashMap<(String, SyntaxPolicy), Rc<DomainInfo>, FxBuild>> =
        RefCell::new(HashMap::default());
}

fn domain_info(raw: &str, policy: SyntaxPolicy, lists: &Lists) -> Rc<DomainInfo> {
    DOMAIN_CACHE.with(|c| {
        let key = (raw.to_owned(), policy);
        if let Some(info) = c.borrow().get(&key) {
            return info.clone();
        }
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
        let info = Rc::new(DomainInfo {
            parsed,
            disposable,
            free,
            suggestion,
        });
        let mut map = c.borrow_mut();
        if map.len() >= DOMAIN_CACHE_MAX {
            map.clear();
        }
        map.insert(key, info.clone());
        info
    })
}

/// Trim white space (including no-break space) from both ends.
fn trim_cell(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
}

/// Analyse one address offline. `row` is carried into the record.
pub fn analyze(row: u64, input: &str, opts: &AnalyzeOptions) -> AddressRecord {
    let lists = Lists::get();
    let candidate = if opts.trim { trim_cell(input) } else { input };
    let trimmed = candidate.len() != input.len();
    let mut flags = Flags {
        trimmed,
        ..Flags::default()
    };
    let parsed = parse_with_cache(candidate, opts.syntax, lists);
    let (parsed, dinfo) = match parsed {
        Ok(p) => p,
        Err((e, dinfo)) => {
            let suggestion = dinfo.and_then(|d| d.suggestion).and_then(|s| {
                let local = candidate.rsplit_once('@')?.0;
                syntax::parse(&format!("{local}@{s}"), opts.syntax).ok()
            });
            return AddressRecord {
                row,
                input: input.to_owned(),
                address: input.to_owned(),
                valid: false,
                normalized: None,
                ascii: None,
                canonical: None,
                verdict: Verdict::Undeliverable,
                reason: Reason::InvalidSyntax,
                detail: Some(e.0.into_owned()),
                flags,
                suggestion: suggestion.map(|p| p.normalized()),
            };
        }
    };
    let normalized = parsed.normalized();
    let (disposable, free, suggestion) = match &dinfo {
        Some(d) => (d.disposable, d.free, d.suggestion),
        None => (false, false, None),
    };
    flags.disposable = disposable;
    flags.free = free;
    flags.role = lists.is_role(&parsed.local);
    let canonical = canonical::canonical_key(&parsed, lists);
    let reason = if disposable {
        Reason::Disposable
    } else if flags.role && opts.role_is_risky {
        Reason::RoleAccount
    } else {
        Reason::NotChecked
    };
    let suggestion = suggestion.map(|s| format!("{}@{}", parsed.local, s));
    AddressRecord {
        row,
        input: input.to_owned(),
        address: input.to_owned(),
        valid: true,
        ascii: parsed.ascii(),
        normalized: Some(normalized),
        canonical: Some(canonical),
        verdict: reason.verdict(),
        reason,
        detail: None,
        flags,
        suggestion,
    }
}

type ParseOutcome =
    Result<(ParsedAddress, Option<Rc<DomainInfo>>), (SyntaxError, Option<Rc<DomainInfo>>)>;

/// Parse an address, using the per-thread domain cache for plain (non-literal) domains.
fn parse_with_cache(s: &str, policy: SyntaxPolicy, lists: &Lists) -> ParseOutcome {
    // Only the simple, common shape goes through the cache: unquoted local part, one @, a domain
    // name. Everything else takes the full parser.
    if s.len() > 254 {
        return Err((
            SyntaxError("the address is longer than 254 octets".into()),
            None,
        ));
    }
    let simple = !s.starts_with('"') && s.matches('@').count() == 1 && !s.contains(['<', '>']);
    if !simple {
        return syntax::parse(s, policy)
            .map(|p| (p, None))
            .map_err(|e| (e, None));
    }
    let (local, domain) = s.split_once('@').expect("one @");
    if local.is_empty() || domain.is_empty() || domain.starts_with('[') {
        return syntax::parse(s, policy)
            .map(|p| (p, None))
            .map_err(|e| (e, None));
    }
    let info = domain_info(domain, policy, lists);
    let local = match syntax::local_part(local) {
        Ok(l) => l,
        Err(e) => return Err((e, Some(info))),
    };
    match &info.parsed {
        Ok((uni, ascii)) => {
            if local.len() + 1 + uni.len().max(ascii.len()) > 254 {
                return Err((
                    SyntaxError("the address is longer than 254 octets".into()),
                    Some(info),
                ));
            }
            let p = ParsedAddress {
                local,
                domain: uni.clone(),
                ascii_domain: ascii.clone(),
                is_literal: false,
            };
            Ok((p, Some(info)))
        }
        Err(e) => Err((e.clone(), Some(info))),
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
        assert_eq!(r.canonical.as_deref(), Some("jdoe@gmail.com"));
        assert!(r.flags.free);
        let r = analyze(3, "bob@gmial.com", &o);
        assert_eq!(r.suggestion.as_deref(), Some("bob@gmail.com"));
        let r = analyze(4, "bob@gmail", &o);
        assert!(!r.valid);
        assert_eq!(r.suggestion.as_deref(), Some("bob@gmail.com"));
    }
}
