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

/// All reference lists.
#[derive(Debug)]
pub struct Lists {
    disposable: HashSet<&'static str, FxBuild>,
    free: HashSet<&'static str, FxBuild>,
    role: HashSet<&'static str, FxBuild>,
    /// The longest role name, in bytes (longer local parts are no role names).
    role_max_len: usize,
    providers: HashMap<&'static str, ProviderRule, FxBuild>,
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
        let providers = entries(include_str!("../../data/providers.tsv"))
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
        let base = match memchr::memchr(b'+', local.as_bytes()) {
            Some(i) => &local[..i],
            None => local,
        };
        if base.len() > self.role_max_len {
            return false;
        }
        if base.bytes().any(|b| b.is_ascii_uppercase()) {
            self.role.contains(base.to_ascii_lowercase().as_str())
        } else {
            self.role.contains(base)
        }
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
