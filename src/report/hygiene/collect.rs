//! The collector: per-row facts folded into the hygiene report's aggregates on the workers
//! (one collector per chunk), merged in input order with the run's tallies and finished into
//! [`Hygiene`] at the end.

use rustc_hash::{FxHashMap, FxHashSet};

use crate::address::Lists;
use crate::model::{AddressRecord, Flags, Reason, Verdict};
use crate::suppress::SuppressReason;

use super::data::{
    Checks, DomainCount, DomainRow, Duplicates, Evidence, Hygiene, ProviderRow, Ranked, Share,
    Shares, SuppressedRow, TypoRow, VerdictMix,
};

/// The biggest domains kept in the report.
const TOP_DOMAINS: usize = 20;
/// The biggest providers kept.
const TOP_PROVIDERS: usize = 15;
/// The most frequent typo corrections kept.
const TOP_TYPOS: usize = 25;
/// Domains kept per evidence table.
const TOP_EVIDENCE: usize = 20;

/// What the collector needs to know of one row.
pub(crate) struct RowFacts<'a> {
    /// The verdict.
    pub(crate) verdict: Verdict,
    /// The primary reason.
    pub(crate) reason: Reason,
    /// The flags (duplicate, disposable, role, free).
    pub(crate) flags: &'a Flags,
    /// The full record (normalised address, canonical form, DNS and SMTP evidence).
    pub(crate) record: Option<&'a AddressRecord>,
    /// The suggested correction (a full address).
    pub(crate) suggestion: Option<&'a str>,
    /// The row went to rejects.
    pub(crate) rejected: bool,
    /// On a suppression list: why, and the index of the source file.
    pub(crate) suppressed: Option<(SuppressReason, u32)>,
}

/// Per-domain counts.
#[derive(Debug, Default, Clone)]
struct DomainTally {
    mix: VerdictMix,
    /// The provider, from the first row of the domain.
    provider: &'static str,
    dead: u64,
    null_mx: u64,
    catch_all: u64,
    not_found: u64,
}

/// The hygiene aggregates of some rows; merged across chunks.
#[derive(Debug, Default, Clone)]
pub(crate) struct Collector {
    valid: u64,
    problem: u64,
    checks: Checks,
    domains: FxHashMap<Box<str>, DomainTally>,
    typos: FxHashMap<(Box<str>, Box<str>), u64>,
    duplicates: u64,
    /// Hashes of the distinct normalised addresses, lower-cased (with the number of distinct
    /// keys, they tell duplicates of the same address from provider-rule merges).
    normalized: FxHashSet<(u64, u64)>,
    rewritten: FxHashMap<&'static str, u64>,
    disposable: u64,
    role: u64,
    free: u64,
    dns_temporary: u64,
    smtp_temporary: u64,
    /// Suppressed rows by (`SuppressReason` index, source index).
    suppressed: FxHashMap<(u8, u32), u64>,
}

/// The domain part of an address.
fn domain_of(addr: &str) -> &str {
    addr.rsplit_once('@').map_or("", |(_, d)| d)
}

/// The mailbox provider of a row: the MX provider when DNS named one, else the main domain of
/// the provider rule for the domain, else `other`.
fn provider_of(rec: &AddressRecord, domain: &str) -> &'static str {
    if let Some(p) = rec.dns.as_ref().and_then(|d| d.provider) {
        return p;
    }
    match Lists::get().provider_rule(domain) {
        Some(rule) => rule.canonical_domain,
        None => "other",
    }
}

impl Collector {
    /// Fold one row in.
    pub(crate) fn add(&mut self, r: RowFacts<'_>) {
        let f = r.flags;
        let problem = r.verdict == Verdict::Undeliverable
            || r.reason == Reason::MalformedRow
            || f.disposable
            || r.suppressed.is_some();
        self.problem += u64::from(problem);
        self.duplicates += u64::from(f.duplicate_of.is_some());
        self.disposable += u64::from(f.disposable);
        self.role += u64::from(f.role);
        self.free += u64::from(f.free);
        match r.reason {
            Reason::DnsTimeout | Reason::DnsServfail | Reason::DnsUntrusted => {
                self.dns_temporary += 1;
            }
            Reason::SmtpTimeout
            | Reason::ConnectFailed
            | Reason::ConnectionClosed
            | Reason::Unavailable
            | Reason::Tempfail
            | Reason::Greylisted
            | Reason::GreylistedUnresolved
            | Reason::SenderBlocked => self.smtp_temporary += 1,
            _ => {}
        }
        if let Some((reason, src)) = r.suppressed {
            *self.suppressed.entry((reason as u8, src)).or_default() += 1;
        }
        let Some(rec) = r.record else { return };
        let Some(normalized) = rec.normalized.as_deref().filter(|_| rec.valid) else {
            return;
        };
        self.valid += 1;
        // Case aside: a repeat that differs only in case is the same address.
        let folded = normalized.to_lowercase();
        self.normalized
            .insert(crate::key_hash::hash128(folded.as_bytes()));
        let domain = domain_of(normalized);
        if let Some(canonical) = rec.canonical()
            && canonical != folded
            && let Some(rule) = Lists::get().provider_rule(domain)
        {
            *self.rewritten.entry(rule.canonical_domain).or_default() += 1;
        }
        self.checks.dns_rows += u64::from(rec.dns.is_some());
        self.checks.smtp_rows += u64::from(rec.smtp.is_some());
        if let Some(s) = r.suggestion {
            let to = domain_of(s);
            let key = (Box::<str>::from(domain), Box::<str>::from(to));
            *self.typos.entry(key).or_default() += 1;
        }
        let d = match self.domains.get_mut(domain) {
            Some(d) => d,
            None => self
                .domains
                .entry(domain.into())
                .or_insert_with(|| DomainTally {
                    provider: provider_of(rec, domain),
                    ..DomainTally::default()
                }),
        };
        d.mix.rows += 1;
        match r.verdict {
            Verdict::Deliverable => d.mix.deliverable += 1,
            Verdict::Risky => d.mix.risky += 1,
            Verdict::Undeliverable => d.mix.undeliverable += 1,
            Verdict::Unknown => d.mix.unknown += 1,
        }
        d.mix.rejected += u64::from(r.rejected);
        match r.reason {
            Reason::InvalidDomain | Reason::NoMailServer => d.dead += 1,
            Reason::NullMx => d.null_mx += 1,
            Reason::MailboxNotFound => d.not_found += 1,
            _ => {}
        }
        let catch_all = r.reason == Reason::AcceptAll
            || rec.smtp.as_ref().and_then(|s| s.catch_all) == Some(true);
        d.catch_all += u64::from(catch_all);
    }

    /// Add another collector's counts to this one.
    pub(crate) fn merge(&mut self, o: Collector) {
        self.valid += o.valid;
        self.problem += o.problem;
        self.checks.dns_rows += o.checks.dns_rows;
        self.checks.smtp_rows += o.checks.smtp_rows;
        for (k, v) in o.domains {
            match self.domains.get_mut(&k) {
                Some(d) => {
                    let m = &mut d.mix;
                    m.rows += v.mix.rows;
                    m.deliverable += v.mix.deliverable;
                    m.risky += v.mix.risky;
                    m.undeliverable += v.mix.undeliverable;
                    m.unknown += v.mix.unknown;
                    m.rejected += v.mix.rejected;
                    d.dead += v.dead;
                    d.null_mx += v.null_mx;
                    d.catch_all += v.catch_all;
                    d.not_found += v.not_found;
                }
                None => {
                    self.domains.insert(k, v);
                }
            }
        }
        for (k, v) in o.typos {
            *self.typos.entry(k).or_default() += v;
        }
        self.duplicates += o.duplicates;
        if self.normalized.len() < o.normalized.len() {
            let mine = std::mem::replace(&mut self.normalized, o.normalized);
            self.normalized.extend(mine);
        } else {
            self.normalized.extend(o.normalized);
        }
        for (k, v) in o.rewritten {
            *self.rewritten.entry(k).or_default() += v;
        }
        self.disposable += o.disposable;
        self.role += o.role;
        self.free += o.free;
        self.dns_temporary += o.dns_temporary;
        self.smtp_temporary += o.smtp_temporary;
        for (k, v) in o.suppressed {
            *self.suppressed.entry(k).or_default() += v;
        }
    }

    /// The report's figures; `unique_keys` is the number of distinct duplicate-detection keys,
    /// `sources` the suppression files by index.
    pub(crate) fn finish(self, unique_keys: u64, sources: &[String]) -> Hygiene {
        let share = |rows: u64| Share {
            rows,
            share: if self.valid == 0 {
                0.0
            } else {
                rows as f64 / self.valid as f64
            },
        };
        let shares = Shares {
            disposable: share(self.disposable),
            role: share(self.role),
            free: share(self.free),
        };
        let provider_rule = (self.normalized.len() as u64)
            .saturating_sub(unique_keys)
            .min(self.duplicates);
        let duplicates = Duplicates {
            rows: self.duplicates,
            same_address: self.duplicates - provider_rule,
            provider_rule,
            rewritten: most_first(
                self.rewritten
                    .into_iter()
                    .map(|(d, rows)| DomainCount {
                        domain: d.to_owned(),
                        rows,
                    })
                    .collect(),
                |c| (c.rows, c.domain.clone()),
            ),
        };
        let mut providers: FxHashMap<&'static str, ProviderRow> = FxHashMap::default();
        for d in self.domains.values() {
            let p = providers.entry(d.provider).or_insert_with(|| ProviderRow {
                provider: d.provider.to_owned(),
                ..ProviderRow::default()
            });
            p.domains += 1;
            let m = &mut p.mix;
            m.rows += d.mix.rows;
            m.deliverable += d.mix.deliverable;
            m.risky += d.mix.risky;
            m.undeliverable += d.mix.undeliverable;
            m.unknown += d.mix.unknown;
            m.rejected += d.mix.rejected;
        }
        let evidence_of = |pick: fn(&DomainTally) -> u64| -> Ranked<DomainCount> {
            ranked(
                self.domains
                    .iter()
                    .filter(|(_, d)| pick(d) > 0)
                    .map(|(k, d)| DomainCount {
                        domain: k.to_string(),
                        rows: pick(d),
                    })
                    .collect(),
                TOP_EVIDENCE,
                |c| c.rows,
                |c| (c.rows, c.domain.clone()),
            )
        };
        let evidence = Evidence {
            dead_domains: evidence_of(|d| d.dead),
            null_mx: evidence_of(|d| d.null_mx),
            catch_all: evidence_of(|d| d.catch_all),
            mailbox_not_found: evidence_of(|d| d.not_found),
            dns_temporary_rows: self.dns_temporary,
            smtp_temporary_rows: self.smtp_temporary,
        };
        let typos = ranked(
            self.typos
                .into_iter()
                .map(|((from, to), rows)| TypoRow {
                    from: from.into(),
                    to: to.into(),
                    rows,
                })
                .collect(),
            TOP_TYPOS,
            |t| t.rows,
            |t| (t.rows, format!("{}\u{0}{}", t.from, t.to)),
        );
        let suppressed = most_first(
            self.suppressed
                .into_iter()
                .map(|((reason, src), rows)| SuppressedRow {
                    reason: SuppressReason::ALL
                        .get(usize::from(reason))
                        .map_or("listed", |r| r.as_str())
                        .to_owned(),
                    source: sources.get(src as usize).cloned().unwrap_or_default(),
                    rows,
                })
                .collect(),
            |s| (s.rows, format!("{}\u{0}{}", s.reason, s.source)),
        );
        let domains = ranked(
            self.domains
                .into_iter()
                .map(|(k, d)| DomainRow {
                    domain: k.into(),
                    mix: d.mix,
                })
                .collect(),
            TOP_DOMAINS,
            |d| d.mix.rows,
            |d| (d.mix.rows, d.domain.clone()),
        );
        let providers = ranked(
            providers.into_values().collect(),
            TOP_PROVIDERS,
            |p| p.mix.rows,
            |p| (p.mix.rows, p.provider.clone()),
        );
        Hygiene {
            input: String::new(),
            valid_rows: self.valid,
            problem_rows: self.problem,
            checks: self.checks,
            domains,
            providers,
            typos,
            duplicates,
            shares,
            evidence,
            suppressed,
        }
    }
}

/// `v` sorted by `key`'s count, biggest first, ties by its name.
fn most_first<T>(mut v: Vec<T>, key: impl Fn(&T) -> (u64, String)) -> Vec<T> {
    v.sort_by_cached_key(|t| {
        let (n, name) = key(t);
        (std::cmp::Reverse(n), name)
    });
    v
}

/// The `top` biggest of `v` with the totals of all.
fn ranked<T>(
    v: Vec<T>,
    top: usize,
    rows: impl Fn(&T) -> u64,
    key: impl Fn(&T) -> (u64, String),
) -> Ranked<T> {
    let distinct = v.len() as u64;
    let total = v.iter().map(&rows).sum();
    let mut v = most_first(v, key);
    v.truncate(top);
    Ranked {
        distinct,
        rows: total,
        top: v,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::address::{AnalyzeOptions, analyze};

    fn add(c: &mut Collector, addr: &str, dup: bool, rejected: bool) {
        let mut rec = analyze(0, addr, &AnalyzeOptions::default());
        if dup {
            rec.flags.duplicate_of = Some(1);
        }
        c.add(RowFacts {
            verdict: rec.verdict,
            reason: rec.reason,
            flags: &rec.flags,
            record: Some(&rec),
            suggestion: rec.suggestion.as_deref(),
            rejected,
            suppressed: None,
        });
    }

    #[test]
    fn duplicates_by_provider_rule_and_same_address() {
        // Two chunks, merged: a.b@gmail.com, ab@gmail.com (a Gmail dot merge),
        // ab+x@googlemail.com (a tag and alias-domain merge), x@posteo.de twice (the same
        // address, case aside).
        let (mut one, mut two) = (Collector::default(), Collector::default());
        add(&mut one, "a.b@gmail.com", false, false);
        add(&mut one, "ab@gmail.com", true, true);
        add(&mut two, "ab+x@googlemail.com", true, true);
        add(&mut two, "x@posteo.de", false, false);
        add(&mut two, "X@posteo.de", true, true);
        one.merge(two);
        // Distinct keys: ab@gmail.com and x@posteo.de.
        let h = one.finish(2, &[]);
        assert_eq!(h.duplicates.rows, 3);
        assert_eq!(h.duplicates.provider_rule, 2);
        assert_eq!(h.duplicates.same_address, 1);
        assert_eq!(h.valid_rows, 5);
        assert_eq!(h.domains.distinct, 3);
        assert_eq!(h.domains.top[0].domain, "gmail.com");
        assert_eq!(h.domains.top[0].mix.rows, 2);
        assert_eq!(h.domains.top[0].mix.rejected, 1);
        // gmail.com and googlemail.com are one provider offline.
        assert_eq!(h.providers.top[0].provider, "gmail.com");
        assert_eq!(h.providers.top[0].domains, 2);
        assert_eq!(h.providers.top[0].mix.rows, 3);
        // a.b@gmail.com and ab+x@googlemail.com were rewritten; ab@gmail.com was not.
        let rewritten: Vec<_> = h.duplicates.rewritten.iter().map(|d| d.rows).collect();
        assert_eq!(rewritten, [2]);
        // A case difference alone is no rewrite.
        let mut c = Collector::default();
        add(&mut c, "Kai@outlook.com", false, false);
        assert!(c.finish(1, &[]).duplicates.rewritten.is_empty());
    }

    #[test]
    fn typos_shares_and_problems() {
        let mut c = Collector::default();
        add(&mut c, "ann@gmial.com", false, false);
        add(&mut c, "bob@gmial.com", false, false);
        add(&mut c, "info@posteo.de", false, false);
        add(&mut c, "not an address", false, true);
        let h = c.finish(3, &[]);
        assert_eq!(h.typos.top.len(), 1);
        let t = &h.typos.top[0];
        assert_eq!(
            (t.from.as_str(), t.to.as_str(), t.rows),
            ("gmial.com", "gmail.com", 2)
        );
        assert_eq!(h.shares.role.rows, 1);
        assert!((h.shares.role.share - 1.0 / 3.0).abs() < 1e-9);
        // gmial.com is on the disposable list: two disposable rows and the invalid one.
        assert_eq!(h.shares.disposable.rows, 2);
        assert_eq!(h.problem_rows, 3);
        assert_eq!(h.valid_rows, 3);
    }
}
