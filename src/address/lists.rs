//! Reference lists (disposable, role, free-mail, provider rules, typo targets), embedded from
//! `data/` and built once.

use std::sync::OnceLock;

use rustc_hash::{FxBuildHasher, FxHashMap, FxHashSet};

/// A provider's documented addressing rules, used for the duplicate-detection key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ProviderRule {
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
pub(crate) struct Lists {
    disposable: FxHashSet<&'static str>,
    free: FxHashSet<&'static str>,
    role: FxHashSet<&'static str>,
    /// The longest role name, in bytes (longer local parts are no role names).
    role_max_len: usize,
    /// A bit per [`role_signature`] of the role names: most local parts are ruled out here,
    /// without hashing the whole name.
    role_filter: Vec<u64>,
    providers: FxHashMap<&'static str, ProviderRule>,
    /// The distinct provider rules, for compact references ([`Lists::rule_index`]).
    rules: Vec<ProviderRule>,
    /// The same targets split at the first dot: (target, name, suffix).
    pub typo_split: Vec<TypoTarget>,
    /// For each length `n`, the indices into `typo_split` (ascending) of the targets whose name
    /// is `n - 1` to `n + 1` bytes long.
    typo_by_name_len: Vec<Vec<u8>>,
    /// The same for the whole target domain's length.
    typo_by_domain_len: Vec<Vec<u8>>,
    typo_target_set: FxHashSet<&'static str>,
}

/// A typo target split at its first dot, with the byte masks that rule it out quickly
/// ([`crate::address::typo::byte_mask`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct TypoTarget {
    /// The whole domain (`gmail.com`).
    pub domain: &'static str,
    /// The first label (`gmail`).
    pub name: &'static str,
    /// The rest after the first dot (`com`), or empty.
    pub suffix: &'static str,
    /// The byte mask of `name`.
    pub name_mask: u64,
    /// The byte mask of `domain`.
    pub domain_mask: u64,
}

impl TypoTarget {
    fn new(t: &'static str) -> TypoTarget {
        let (name, suffix) = t.split_once('.').unwrap_or((t, ""));
        TypoTarget {
            domain: t,
            name,
            suffix,
            name_mask: super::typo::byte_mask(name),
            domain_mask: super::typo::byte_mask(t),
        }
    }
}

/// For each length `n` up to the longest target's plus one, the indices of `targets` whose
/// `len` is within one of `n`.
fn by_len(targets: &[TypoTarget], len: impl Fn(&TypoTarget) -> usize) -> Vec<Vec<u8>> {
    let longest = targets.iter().map(&len).max().unwrap_or(0);
    assert!(targets.len() <= 256, "typo target indices are bytes");
    (0..=longest + 1)
        .map(|n| {
            (0..targets.len())
                .filter(|&i| len(&targets[i]).abs_diff(n) <= 1)
                .map(|i| i as u8)
                .collect()
        })
        .collect()
}

/// Entry `n` of a [`by_len`] table (empty past its end).
fn pick_len(table: &[Vec<u8>], n: usize) -> &[u8] {
    table.get(n).map_or(&[], Vec::as_slice)
}

/// The union of two ascending lists, ascending and without repeats.
fn merge_ascending<'a>(a: &'a [u8], b: &'a [u8]) -> impl Iterator<Item = usize> + 'a {
    let (mut i, mut j) = (0, 0);
    std::iter::from_fn(move || {
        let next = match (a.get(i), b.get(j)) {
            (Some(&x), Some(&y)) if x == y => {
                i += 1;
                j += 1;
                x
            }
            (Some(&x), Some(&y)) if x < y => {
                i += 1;
                x
            }
            (_, Some(&y)) => {
                j += 1;
                y
            }
            (Some(&x), None) => {
                i += 1;
                x
            }
            (None, None) => return None,
        };
        Some(usize::from(next))
    })
}

/// The entries of a list, in a set sized for them up front (no rehashing while it fills).
fn set_of(text: &'static str) -> FxHashSet<&'static str> {
    let mut set = FxHashSet::with_capacity_and_hasher(
        memchr::memchr_iter(b'\n', text.as_bytes()).count() + 1,
        FxBuildHasher,
    );
    set.extend(entries(text));
    set
}

fn entries(text: &'static str) -> impl Iterator<Item = &'static str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

impl Lists {
    /// The lists shipped in `data/`, built on first use.
    pub(crate) fn get() -> &'static Lists {
        static LISTS: OnceLock<Lists> = OnceLock::new();
        LISTS.get_or_init(Lists::build)
    }

    fn build() -> Lists {
        let providers: FxHashMap<&'static str, ProviderRule> =
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
        let typo_split: Vec<TypoTarget> =
            typo_targets.iter().map(|&t| TypoTarget::new(t)).collect();
        Lists {
            disposable: set_of(include_str!("../../data/disposable_domains.txt")),
            free: set_of(include_str!("../../data/free_mail_domains.txt")),
            role: set_of(include_str!("../../data/role_accounts.txt")),
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
            typo_by_name_len: by_len(&typo_split, |t| t.name.len()),
            typo_by_domain_len: by_len(&typo_split, |t| t.domain.len()),
            typo_split,
        }
    }

    /// Indices (ascending) of the typo targets whose name is within one byte of `name_len` long
    /// or whose whole domain is within one byte of `domain_len` long.
    pub(crate) fn typo_candidates(
        &self,
        name_len: usize,
        domain_len: usize,
    ) -> impl Iterator<Item = usize> + '_ {
        merge_ascending(
            pick_len(&self.typo_by_name_len, name_len),
            pick_len(&self.typo_by_domain_len, domain_len),
        )
    }

    /// Whether `domain` (lower-case, A-label or U-label form) or any parent is disposable.
    pub(crate) fn is_disposable(&self, domain: &str) -> bool {
        Self::any_parent(domain, |d| self.disposable.contains(d))
    }

    /// Whether `domain` is a free-mail provider (and not disposable).
    pub(crate) fn is_free(&self, domain: &str) -> bool {
        self.free.contains(domain)
    }

    /// Whether the local part (lower-cased, `+tag` removed) is a role account.
    pub(crate) fn is_role(&self, local: &str) -> bool {
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
    pub(crate) fn rule_index(&self, rule: &ProviderRule) -> Option<u8> {
        self.rules
            .iter()
            .position(|r| r == rule)
            .and_then(|i| u8::try_from(i).ok())
    }

    /// The rule at an index from [`Lists::rule_index`].
    pub(crate) fn rule_at(&self, i: u8) -> Option<&ProviderRule> {
        self.rules.get(usize::from(i))
    }

    /// The provider rule for a domain, if the provider documents one.
    pub(crate) fn provider_rule(&self, domain: &str) -> Option<&ProviderRule> {
        self.providers.get(domain)
    }

    /// Whether the domain is itself a typo-correction target.
    pub(crate) fn is_typo_target(&self, domain: &str) -> bool {
        self.typo_target_set.contains(domain)
    }

    fn any_parent(domain: &str, f: impl Fn(&str) -> bool) -> bool {
        let mut d = domain;
        loop {
            if f(d) {
                return true;
            }
            match d.bytes().position(|b| b == b'.') {
                Some(i) if d.as_bytes()[i + 1..].contains(&b'.') => d = &d[i + 1..],
                _ => return false,
            }
        }
    }
}
