//! Reference lists (disposable, role, free-mail, provider rules, typo targets), embedded from
//! `data/` and built once.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use crate::fxhash::FxBuild;

/// A provider's documented addressing rules, used for the duplicate-detection key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProviderRule {
    /// The domain every alias maps to (googlemail.com -> gmail.com).
    pub canonical_domain: &'static str,
    /// Dots in the local part are ignored.
    pub ignore_dots: bool,
    /// `+tag` sub-addressing is ignored.
    pub plus_tags: bool,
}

/// Size of the role-name filter, in bits (a power of two).
const ROLE_FILTER_BITS: usize = 1 << 16;

/// A cheap signature of a (non-empty) name for the role filter: its length and its first two
/// and last two bytes, lower-cased, mixed into a bit index.
fn role_signature(b: &[u8]) -> usize {
    let n = b.len();
    let at = |i: usize| u64::from(b[i].to_ascii_lowercase());
    let x = n as u64
        | at(0) << 8
        | at(1.min(n - 1)) << 16
        | at(n - 1) << 24
        | at(n.saturating_sub(2)) << 32;
    (x.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 48) as usize & (ROLE_FILTER_BITS - 1)
}

/// All reference lists.
#[derive(Debug)]
pub struct Lists {
    disposable: HashSet<&'static str, FxBuild>,
    free: HashSet<&'static str, FxBuild>,
    role: HashSet<&'static str, FxBuild>,
    /// The longest role name, in bytes (longer local parts are no role names).
    role_max_len: usize,
    /// A bit per [`role_signature`] of the role names: most local parts are ruled out here,
    /// without hashing the whole name.
    role_filter: Vec<u64>,
    providers: HashMap<&'static str, ProviderRule, FxBuild>,
    /// The distinct provider rules, for compact references ([`Lists::rule_index`]).
    rules: Vec<ProviderRule>,
    /// Typo-correction targets, most popular first.
    pub typo_targets: Vec<&'static str>,
    /// The same targets split at the first dot: (target, name, suffix).
    pub typo_split: Vec<(&'static str, &'static str, &'static str)>,
    typo_target_set: HashSet<&'static str, FxBuild>,
}

fn entries(text: &'static str) -> impl Iterator<Item = &'static str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

impl Lists {
    /// The lists shipped in `data/`, built on first use.
    pub fn get() -> &'static Lists {
        static LISTS: OnceLock<Lists> = OnceLock::new();
        LISTS.get_or_init(Lists::build)
    }

    fn build() -> Lists {
        let providers: HashMap<&'static str, ProviderRule, FxBuild> =
            entries(include_str!("../../data/providers.tsv"))
                .filter_map(|l| {
                    let mut it = l.split('\t');
                    let (d, c, rules) = (it.next()?, it.next()?, it.next().unwrap_or(""));
                    Some((
                        d,
                        ProviderRule {
                            canonical_domain: c,
                            ignore_dots: rules.split(',').any(|r| r == "dots"),
                            plus_tags: rules.split(',').any(|r| r == "plus"),
                        },
                    ))
                })
                .collect();
        let typo_targets: Vec<&'static str> =
            entries(include_str!("../../data/typo_targets.txt")).collect();
        Lists {
            disposable: entries(include_str!("../../data/disposable_domains.txt")).collect(),
            free: entries(include_str!("../../data/free_mail_domains.txt")).collect(),
            role: entries(include_str!("../../data/role_accounts.txt")).collect(),
            role_max_len: entries(include_str!("../../data/role_accounts.txt"))
                .map(str::len)
                .max()
                .unwrap_or(0),
            role_filter: {
                let mut bits = vec![0u64; ROLE_FILTER_BITS / 64];
                for r in entries(include_str!("../../data/role_accounts.txt")) {
                    if !r.is_empty() {
                        let sig = role_signature(r.as_bytes());
                        bits[sig / 64] |= 1 << (sig % 64);
                    }
                }
                bits
            },
            rules: {
                let mut v: Vec<ProviderRule> = Vec::new();
                for r in providers.values() {
                    if !v.contains(r) {
                        v.push(*r);
                    }
                }
                v
            },
            providers,
            typo_target_set: typo_targets.iter().copied().collect(),
            typo_split: typo_targets
                .iter()
                .map(|&t| match t.split_once('.') {
                    Some((n, s)) => (t, n, s),
                    None => (t, t, ""),
                })
                .collect(),
            typo_targets,
        }
    }

    /// Whether `domain` (lower-case, A-label or U-label form) or any parent is disposable.
    pub fn is_disposable(&self, domain: &str) -> bool {
        Self::any_parent(domain, |d| self.disposable.contains(d))
    }

    /// Whether `domain` is a free-mail provider (and not disposable).
    pub fn is_free(&self, domain: &str) -> bool {
        self.free.contains(domain)
    }

    /// Whether the local part (lower-cased, `+tag` removed) is a role account.
    pub fn is_role(&self, local: &str) -> bool {
        let base = match local.bytes().position(|b| b == b'+') {
            Some(i) => &local[..i],
            None => local,
        };
        if base.len() > self.role_max_len || base.is_empty() {
            return false;
        }
        let sig = role_signature(base.as_bytes());
        if self.role_filter[sig / 64] & (1 << (sig % 64)) == 0 {
            return false;
        }
        if base.bytes().any(|b| b.is_ascii_uppercase()) {
            self.role.contains(base.to_ascii_lowercase().as_str())
        } else {
            self.role.contains(base)
        }
    }

    /// A small index for `rule` (see [`Lists::rule_at`]), when it is one of the listed rules.
    pub fn rule_index(&self, rule: &ProviderRule) -> Option<u8> {
        self.rules
            .iter()
            .position(|r| r == rule)
            .and_then(|i| u8::try_from(i).ok())
    }

    /// The rule at an index from [`Lists::rule_index`].
    pub fn rule_at(&self, i: u8) -> Option<&ProviderRule> {
        self.rules.get(usize::from(i))
    }

    /// The provider rule for a domain, if the provider documents one.
    pub fn provider_rule(&self, domain: &str) -> Option<&ProviderRule> {
        self.providers.get(domain)
    }

    /// Whether the domain is itself a typo-correction target.
    pub fn is_typo_target(&self, domain: &str) -> bool {
        self.typo_target_set.contains(domain)
    }

    fn any_parent(domain: &str, f: impl Fn(&str) -> bool) -> bool {
        let mut d = domain;
        loop {
            if f(d) {
                return true;
            }
            match d.find('.') {
                Some(i) if d[i + 1..].contains('.') => d = &d[i + 1..],
                _ => return false,
            }
        }
    }
}
