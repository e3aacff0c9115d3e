//! Addresses: syntax, normalisation, provider canonical forms, reference lists and typo
//! suggestions. Everything here is pure and offline.

pub mod canonical;
pub mod lists;
mod shared;
pub mod syntax;
pub mod typo;

use std::cell::RefCell;
use std::collections::HashMap;

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
#[derive(Debug, PartialEq)]
struct DomainInfo {
    parsed: Result<(String, String), SyntaxError>,
    disposable: bool,
    free: bool,
    suggestion: Option<&'static str>,
    /// The provider's addressing rule for the A-label domain (`data/providers.tsv`).
    rule: Option<lists::ProviderRule>,
}

const DOMAIN_CACHE_MAX: usize = 200_000;

/// Per-thread cache (first level): the policy it was built for, and domain -> info.
type DomainCache = (SyntaxPolicy, HashMap<String, DomainInfo, FxBuild>);

thread_local! {
    static DOMAIN_CACHE: RefCell<DomainCache> = RefCell::new((SyntaxPolicy::default(), HashMap::default()));
    static QUICK: RefCell<QuickTable> = RefCell::new(QuickTable::default());
}

/// What the hot path needs of a valid domain already in normal form (written exactly as its
/// lower-case U-label and A-label forms) and with no typo suggestion: a few bytes, so the
/// table of them stays in the cache.
#[derive(Debug, Clone, Copy)]
struct QuickInfo {
    disposable: bool,
    free: bool,
    /// The provider rule, as a [`Lists::rule_index`].
    rule: Option<u8>,
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
/// ([`crate::fxhash::hash128`]; a collision among a million domains is about as likely as one
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

/// The quick facts of a domain (its [`crate::fxhash::hash128`] `key`) in normal form, from
/// this thread's table or else from the shared one (then kept in this thread's too).
fn quick_lookup(key: (u64, u64), policy: SyntaxPolicy) -> Option<QuickInfo> {
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
    let q = quick_lookup(crate::fxhash::hash128(lower.as_bytes()), policy)?;
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
        let info = lowercase_twin(raw, policy, lists)
            .unwrap_or_else(|| compute_domain_info(raw, policy, lists));
        match info.quick(raw, lists) {
            // Domains in normal form go to the quick table only.
            Some(q) => {
                let key = crate::fxhash::hash128(raw.as_bytes());
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
    analyze_found(input, opts, |found| {
        found.into_record(row, input.to_owned())
    })
}

/// What the offline analysis of one address found, before any record is built (borrowed from
/// the domain cache; see [`analyze_found`]).
#[derive(Debug)]
pub enum Found<'a> {
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
pub struct Valid<'a> {
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
    pub fn normalized_is(&self, text: &str) -> bool {
        let (l, u) = (self.local.len(), self.uni.len());
        text.len() == l + 1 + u
            && text.as_bytes()[l] == b'@'
            && (std::ptr::eq(text.as_ptr(), self.local.as_ptr()) || text.starts_with(self.local))
            && (std::ptr::eq(text[l + 1..].as_ptr(), self.uni.as_ptr()) || text.ends_with(self.uni))
    }

    /// Whether the duplicate-detection key is the normalised address itself (no provider rule,
    /// nothing to lower-case, the same domain in both forms).
    pub fn key_is_normalized(&self) -> bool {
        self.rule.is_none()
            && (std::ptr::eq(self.uni, self.ascii) || self.uni == self.ascii)
            && if self.local.is_ascii() {
                !self.local.bytes().any(|b| b.is_ascii_uppercase())
            } else {
                !self.local.chars().any(char::is_uppercase)
            }
    }

    /// The normalised address.
    pub fn normalized(&self) -> String {
        let mut n = String::with_capacity(self.local.len() + 1 + self.uni.len());
        n.push_str(self.local);
        n.push('@');
        n.push_str(self.uni);
        n
    }

    /// Write the duplicate-detection key (see [`canonical::canonical_key`]) into `out`.
    pub fn write_key(&self, out: &mut String) {
        canonical::write_key(self.local, self.ascii, self.rule, out);
    }

    /// The suggested address, when the domain looks misspelt.
    pub fn suggested(&self) -> Option<String> {
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
    pub fn into_record(self, row: u64, input: String) -> AddressRecord {
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
pub fn analyze_found<R>(input: &str, opts: &AnalyzeOptions, f: impl FnOnce(Found<'_>) -> R) -> R {
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
    let key = crate::fxhash::hash128(domain_raw.as_bytes());
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

/// The shape of an address, for choosing the cached fast path.
enum Shape<'a> {
    /// Unquoted local part, one @, a domain name: (local, domain).
    Simple(&'a str, &'a str),
    /// Longer than any address can be.
    TooLong,
    /// Anything else (quoted local part, address literal, no @, ...): the full parser.
    Other,
}

/// A bit 0x80 in each byte of `w` that is zero (exact: no borrow between bytes).
fn zero_bytes(w: u64) -> u64 {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    !(((w & LOW7).wrapping_add(LOW7)) | w | LOW7)
}

/// The position of the only `@` in `b`, when there is exactly one and no `<` or `>`. Eight
/// bytes at a time.
fn single_at(b: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    let (at, lt, gt) = (
        ONES * u64::from(b'@'),
        ONES * u64::from(b'<'),
        ONES * u64::from(b'>'),
    );
    let mut found = None;
    // Word `w` holds the bytes from `i` on (zero bytes past the end match nothing).
    let mut check = |w: u64, i: usize| -> bool {
        if zero_bytes(w ^ lt) | zero_bytes(w ^ gt) != 0 {
            return false;
        }
        let m = zero_bytes(w ^ at);
        if m != 0 {
            if found.is_some() || m & (m - 1) != 0 {
                return false;
            }
            found = Some(i + (m.trailing_zeros() / 8) as usize);
        }
        true
    };
    let n = b.len();
    let mut words = b.chunks_exact(8);
    for (k, c) in (&mut words).enumerate() {
        if !check(u64::from_le_bytes(c.try_into().expect("8 bytes")), k * 8) {
            return None;
        }
    }
    let rest = words.remainder().len();
    if rest > 0 {
        let w = if n >= 8 {
            // The last eight bytes, shifted so that only the `rest` unchecked ones remain.
            let last = u64::from_le_bytes(b[n - 8..].try_into().expect("8 bytes"));
            last >> ((8 - rest) * 8)
        } else {
            let mut word = [0u8; 8];
            word[..n].copy_from_slice(b);
            u64::from_le_bytes(word)
        };
        if !check(w, n - rest) {
            return None;
        }
    }
    found
}

fn fast_shape(s: &str) -> Shape<'_> {
    if s.len() > 254 {
        return Shape::TooLong;
    }
    // Exactly one @, and no angle brackets.
    let b = s.as_bytes();
    let Some(at) = single_at(b) else {
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
            t.put(crate::fxhash::hash128(&i.to_le_bytes()), info(i));
        }
        assert_eq!(t.len, n as usize);
        assert!(t.slots.len() >= QUICK_MIN_SLOTS * 4);
        for i in 1..=n {
            let got = t.get(crate::fxhash::hash128(&i.to_le_bytes()), p);
            let got = got.expect("every domain put is found");
            assert_eq!(
                (got.disposable, got.free),
                (i.is_multiple_of(2), i.is_multiple_of(3))
            );
        }
        assert!(t.get(crate::fxhash::hash128(b"absent"), p).is_none());
        // Another syntax policy starts afresh.
        let other = SyntaxPolicy {
            allow_smtp_syntax: true,
            ..p
        };
        assert!(
            t.get(crate::fxhash::hash128(&1u64.to_le_bytes()), other)
                .is_none()
        );
        assert_eq!(t.len, 0);
    }

    #[test]
    fn single_at_matches_a_byte_scan() {
        let reference = |b: &[u8]| {
            let ats: Vec<usize> = (0..b.len()).filter(|&i| b[i] == b'@').collect();
            (ats.len() == 1 && !b.iter().any(|&c| c == b'<' || c == b'>')).then(|| ats[0])
        };
        let bytes = [
            b'a', b'@', b'<', b'>', b'A', b'?', 0, 0x80, 0xc0, 0x7f, b'.',
        ];
        // Mostly plain letters, so that many strings have exactly one @.
        for s in crate::testgen::mostly(1, 40, 400, 5, &bytes, b'x') {
            assert_eq!(single_at(&s), reference(&s), "{s:?}");
        }
        assert_eq!(single_at(b"a@A"), Some(1));
        assert_eq!(single_at(b"abcdefg@ABCDEFGH"), Some(7));
        assert_eq!(single_at(b"abcdefgh@bcdefgh@"), None);
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
