//! The domain-fact cache: what is known about each domain (validity, lists, typo suggestion,
//! provider rule), computed once per domain per thread, with a compact quick table of domains in
//! normal form (per thread and shared by all threads) in front of it.

use std::cell::RefCell;

use rustc_hash::FxHashMap;

use super::lists::{self, Lists};
use super::syntax::{self, SyntaxError, SyntaxPolicy};
use super::{shared, typo};

/// What we know about a domain, computed once per domain per run.
#[derive(Debug, PartialEq)]
pub(super) struct DomainInfo {
    pub(super) parsed: Result<(String, String), SyntaxError>,
    pub(super) disposable: bool,
    pub(super) free: bool,
    pub(super) suggestion: Option<&'static str>,
    /// The provider's addressing rule for the A-label domain (`data/providers.tsv`).
    pub(super) rule: Option<lists::ProviderRule>,
}

const DOMAIN_CACHE_MAX: usize = 200_000;

/// Per-thread cache (first level): the policy it was built for, and domain -> info.
type DomainCache = (SyntaxPolicy, FxHashMap<String, DomainInfo>);

thread_local! {
    static DOMAIN_CACHE: RefCell<DomainCache> = RefCell::new((SyntaxPolicy::default(), FxHashMap::default()));
    static QUICK: RefCell<QuickTable> = RefCell::new(QuickTable::default());
}

/// What the hot path needs of a valid domain already in normal form (written exactly as its
/// lower-case U-label and A-label forms) and with no typo suggestion: a few bytes, so the
/// table of them stays in the cache.
#[derive(Debug, Clone, Copy)]
pub(super) struct QuickInfo {
    pub(super) disposable: bool,
    pub(super) free: bool,
    /// The provider rule, as a [`Lists::rule_index`].
    pub(super) rule: Option<u8>,
}

impl QuickInfo {
    /// The facts in 11 bits, for the [`shared::SharedTable`].
    fn pack(self) -> u16 {
        u16::from(self.disposable)
            | u16::from(self.free) << 1
            | self.rule.map_or(0, |r| 4 | u16::from(r) << 3)
    }

    fn unpack(v: u16) -> QuickInfo {
        QuickInfo {
            disposable: v & 1 != 0,
            free: v & 2 != 0,
            rule: (v & 4 != 0).then_some((v >> 3) as u8),
        }
    }
}

/// Slots of the quick table shared by all threads (2 MiB; it shares up to 98,304 domains).
const SHARED_SLOTS: usize = 1 << 17;

/// The quick facts of domains in normal form, shared by all threads, so that a domain met by
/// several workers is computed about once. Keyed like the per-thread tables, with the syntax
/// policy mixed in.
fn shared_quick() -> &'static shared::SharedTable {
    static SHARED: std::sync::OnceLock<shared::SharedTable> = std::sync::OnceLock::new();
    SHARED.get_or_init(|| shared::SharedTable::new(SHARED_SLOTS))
}

/// The shared table's key for a domain hash under `policy`.
fn shared_key(key: (u64, u64), policy: SyntaxPolicy) -> (u64, u64) {
    let tag =
        u64::from(policy.allow_smtp_syntax) | u64::from(policy.allow_special_use_domains) << 1;
    (key.0, key.1 ^ tag.wrapping_mul(0x9e37_79b9_7f4a_7c15))
}

/// Initial and largest number of slots of a per-thread quick table (powers of two). At the
/// largest (24 MiB) it holds about 786,000 domains; later ones take the general path.
const QUICK_MIN_SLOTS: usize = 1 << 14;
const QUICK_MAX_SLOTS: usize = 1 << 20;

/// The empty slot (no domain hashes to `(0, 0)` in practice; such a domain is never stored).
const QUICK_EMPTY: ((u64, u64), QuickInfo) = (
    (0, 0),
    QuickInfo {
        disposable: false,
        free: false,
        rule: None,
    },
);

/// A per-thread open-addressing table (linear probing, at most 3/4 full) in front of the
/// domain cache, keyed by the 128-bit hash of the domain as written
/// ([`crate::key_hash::hash128`]; a collision among a million domains is about as likely as one
/// in 10^26). Holds only domains in normal form, in 24-byte slots, so that a list's domains
/// mostly stay in the CPU cache.
#[derive(Default)]
struct QuickTable {
    policy: SyntaxPolicy,
    slots: Vec<((u64, u64), QuickInfo)>,
    len: usize,
}

impl QuickTable {
    fn get(&mut self, key: (u64, u64), policy: SyntaxPolicy) -> Option<QuickInfo> {
        if self.policy != policy || self.slots.is_empty() {
            self.policy = policy;
            self.slots = vec![QUICK_EMPTY; QUICK_MIN_SLOTS];
            self.len = 0;
            return None;
        }
        let mask = self.slots.len() - 1;
        let mut i = key.0 as usize & mask;
        loop {
            let (k, info) = self.slots[i];
            if k == key {
                return Some(info);
            }
            if k == QUICK_EMPTY.0 {
                return None;
            }
            i = (i + 1) & mask;
        }
    }

    fn put(&mut self, key: (u64, u64), info: QuickInfo) {
        if key == QUICK_EMPTY.0 || self.slots.is_empty() {
            return;
        }
        if (self.len + 1) * 4 > self.slots.len() * 3 {
            if self.slots.len() >= QUICK_MAX_SLOTS {
                return;
            }
            let bigger = vec![QUICK_EMPTY; self.slots.len() * 2];
            let old = std::mem::replace(&mut self.slots, bigger);
            self.len = 0;
            for (k, v) in old {
                if k != QUICK_EMPTY.0 {
                    self.put(k, v);
                }
            }
        }
        let mask = self.slots.len() - 1;
        let mut i = key.0 as usize & mask;
        loop {
            let k = self.slots[i].0;
            if k == key {
                self.slots[i].1 = info;
                return;
            }
            if k == QUICK_EMPTY.0 {
                self.slots[i] = (key, info);
                self.len += 1;
                return;
            }
            i = (i + 1) & mask;
        }
    }
}

impl DomainInfo {
    /// The quick form, when `raw` is valid and already normal and has no suggestion.
    fn quick(&self, raw: &str, lists: &Lists) -> Option<QuickInfo> {
        let rule = match &self.rule {
            Some(r) => Some(lists.rule_index(r)?),
            None => None,
        };
        match &self.parsed {
            Ok((uni, ascii)) if uni == raw && ascii == raw && self.suggestion.is_none() => {
                Some(QuickInfo {
                    disposable: self.disposable,
                    free: self.free,
                    rule,
                })
            }
            _ => None,
        }
    }
}

fn compute_domain_info(raw: &str, policy: SyntaxPolicy, lists: &Lists) -> DomainInfo {
    let parsed = syntax::domain_name(raw, policy);
    let (disposable, free, suggestion) = match &parsed {
        Ok((uni, ascii)) => {
            // The U-label form is looked up too, only when it differs (an IDN).
            let idn = uni != ascii;
            let disposable = lists.is_disposable(ascii) || (idn && lists.is_disposable(uni));
            let free = !disposable && (lists.is_free(ascii) || (idn && lists.is_free(uni)));
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

/// The quick facts of a domain (its [`crate::key_hash::hash128`] `key`) in normal form, from
/// this thread's table or else from the shared one (then kept in this thread's too).
pub(super) fn quick_lookup(key: (u64, u64), policy: SyntaxPolicy) -> Option<QuickInfo> {
    QUICK.with(|t| {
        let mut t = t.borrow_mut();
        t.get(key, policy).or_else(|| {
            let q = QuickInfo::unpack(shared_quick().get(shared_key(key, policy))?);
            t.put(key, q);
            Some(q)
        })
    })
}

/// The facts of an ASCII domain written with capitals, taken from its lower-case form when that
/// form's quick facts are known: they are the facts [`compute_domain_info`] would find, since
/// case changes neither validity nor any lookup (all use the lower-case A-label form), and a
/// domain with quick facts has no suggestion.
fn lowercase_twin(raw: &str, policy: SyntaxPolicy, lists: &Lists) -> Option<DomainInfo> {
    if !raw.is_ascii() || !raw.bytes().any(|b| b.is_ascii_uppercase()) {
        return None;
    }
    let lower = raw.to_ascii_lowercase();
    let q = quick_lookup(crate::key_hash::hash128(lower.as_bytes()), policy)?;
    Some(DomainInfo {
        parsed: Ok((lower.clone(), lower)),
        disposable: q.disposable,
        free: q.free,
        suggestion: None,
        rule: q.rule.and_then(|i| lists.rule_at(i)).copied(),
    })
}

/// Run `f` on what we know about `raw` (a domain as written): from the per-thread cache, else
/// computed (and kept: in the quick table when the domain is in normal form, else in the
/// per-thread cache). Each worker thread computes a domain once; computing is cheaper than
/// sharing a cache between threads (measured: the locks cost more than they saved).
pub(super) fn with_domain_info<R>(
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
        let info = lowercase_twin(raw, policy, lists)
            .unwrap_or_else(|| compute_domain_info(raw, policy, lists));
        match info.quick(raw, lists) {
            // Domains in normal form go to the quick table only.
            Some(q) => {
                let key = crate::key_hash::hash128(raw.as_bytes());
                QUICK.with(|t| t.borrow_mut().put(key, q));
                shared_quick().put(shared_key(key, policy), q.pack());
                f(&info)
            }
            None => {
                let map = &mut c.1;
                if map.len() >= DOMAIN_CACHE_MAX {
                    map.clear();
                }
                f(map.entry(raw.to_owned()).or_insert(info))
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::address::{AnalyzeOptions, analyze};

    #[test]
    fn quick_table_grows_and_keeps_every_domain() {
        let mut t = QuickTable::default();
        let p = SyntaxPolicy::default();
        assert!(t.get((1, 2), p).is_none());
        let info = |i: u64| QuickInfo {
            disposable: i.is_multiple_of(2),
            free: i.is_multiple_of(3),
            rule: None,
        };
        let n = QUICK_MIN_SLOTS as u64 * 3;
        for i in 1..=n {
            t.put(crate::key_hash::hash128(&i.to_le_bytes()), info(i));
        }
        assert_eq!(t.len, n as usize);
        assert!(t.slots.len() >= QUICK_MIN_SLOTS * 4);
        for i in 1..=n {
            let got = t.get(crate::key_hash::hash128(&i.to_le_bytes()), p);
            let got = got.expect("every domain put is found");
            assert_eq!(
                (got.disposable, got.free),
                (i.is_multiple_of(2), i.is_multiple_of(3))
            );
        }
        assert!(t.get(crate::key_hash::hash128(b"absent"), p).is_none());
        // Another syntax policy starts afresh.
        let other = SyntaxPolicy {
            allow_smtp_syntax: true,
            ..p
        };
        assert!(
            t.get(crate::key_hash::hash128(&1u64.to_le_bytes()), other)
                .is_none()
        );
        assert_eq!(t.len, 0);
    }

    #[test]
    fn capitals_take_the_lower_case_facts() {
        let (l, p) = (Lists::get(), SyntaxPolicy::default());
        for d in [
            "Gmail.com",
            "GOOGLEMAIL.COM",
            "Mailinator.com",
            "Yahoo.Co.Uk",
            "Acme-Widgets.COM",
            "Example.Test",
            "Gmial.com",
        ] {
            // The lower-case form first (through the quick path when it qualifies).
            let _ = analyze(
                1,
                &format!("a@{}", d.to_ascii_lowercase()),
                &AnalyzeOptions::default(),
            );
            let computed = compute_domain_info(d, p, l);
            match lowercase_twin(d, p, l) {
                Some(twin) => assert_eq!(twin, computed, "{d}"),
                // Only domains without quick facts (invalid, or with a suggestion) have none.
                None => assert!(
                    computed.parsed.is_err() || computed.suggestion.is_some(),
                    "{d}"
                ),
            }
        }
        assert!(lowercase_twin("Gmail.com", p, l).is_some());
        assert!(lowercase_twin("gmail.com", p, l).is_none());
    }
}
