//! What the joins count. The MTA join's tallies: counters overall, per recipient domain,
//! envelope sender and hour, bounce and deferral tables (status codes, reasons, normalised
//! texts), delivery delays and the deliverability signals; and the tally types the ESP join
//! shares (normalised text counts, signals).

use std::collections::{BTreeMap, HashMap};

use crate::bounce::classify::{Evidence, classify};
use crate::status::{BounceType, EnhancedStatus, find_reply_code};
use rustc_hash::FxBuildHasher as FxBuild;

use super::dsn_text::{AUTH_CODES, RATE_CODES, has_code};
use super::metrics::{Delays, MtaCounts};

/// Distinct normalised DSN texts kept per table; the rest are counted under one key.
const MAX_TEXTS: usize = 10_000;

/// One recipient domain's counters and the first MX host seen for it.
#[derive(Debug, Default, Clone)]
pub(crate) struct DomainRow {
    /// Counters.
    pub counts: MtaCounts,
    /// First relay host with an address seen for the domain.
    pub mx: Option<Box<str>>,
}

/// Count of one normalised text and one raw example.
#[derive(Debug, Default, Clone)]
pub(crate) struct TextCount {
    /// Occurrences.
    pub count: u64,
    /// Enhanced status code of the first occurrence.
    pub dsn: String,
}

/// A deliverability signal (authentication rejections, rate limiting) and its evidence.
#[derive(Debug, Default, Clone)]
pub(crate) struct Signal {
    /// Occurrences (recipient attempts).
    pub count: u64,
    /// Recipients affected at least once.
    pub recipients: u64,
    /// Occurrences per code (`5.7.26`, `TSS04`, ...).
    pub codes: BTreeMap<String, u64>,
    /// Occurrences per recipient domain index.
    pub domains: HashMap<u32, u64>,
    /// The first text seen.
    pub example: String,
}

/// Count a failure text (status `dsn`) towards the signals whose codes it carries;
/// `new_recipient`: it also counts as one more recipient affected.
pub(crate) fn count_signals(
    auth: &mut Signal,
    rate_limits: &mut Signal,
    dom: u32,
    dsn: &str,
    text: &str,
    new_recipient: bool,
) {
    for (sig, codes) in [(auth, AUTH_CODES), (rate_limits, RATE_CODES)] {
        if let Some(code) = codes.iter().find(|c| has_code(dsn, text, c)) {
            sig.count += 1;
            if new_recipient {
                sig.recipients += 1;
            }
            *sig.codes.entry((*code).to_string()).or_default() += 1;
            *sig.domains.entry(dom).or_default() += 1;
            if sig.example.is_empty() {
                sig.example = text.chars().take(300).collect();
            }
        }
    }
}

/// Everything the MTA join counts, by recipient domain, envelope sender and hour.
#[derive(Debug, Default)]
pub(crate) struct MtaTally {
    /// Overall counters.
    pub totals: MtaCounts,
    /// Per recipient domain (index = domain id).
    pub domains: Vec<DomainRow>,
    domain_ids: HashMap<Box<str>, u32, FxBuild>,
    /// Domain names by id.
    pub domain_names: Vec<Box<str>>,
    /// Per envelope sender (index = sender id); names in `sender_names`.
    pub senders: Vec<MtaCounts>,
    sender_ids: HashMap<Box<str>, u32, FxBuild>,
    /// Sender names by id (`<>` for the null sender).
    pub sender_names: Vec<Box<str>>,
    /// Per hour (Unix time / 3600).
    pub hours: HashMap<i64, MtaCounts, FxBuild>,
    /// Bounces per enhanced status code.
    pub bounce_dsn: BTreeMap<String, u64>,
    /// Deferrals per enhanced status code.
    pub deferral_dsn: BTreeMap<String, u64>,
    /// Bounces per reason (shared classifier).
    pub bounce_reasons: BTreeMap<&'static str, u64>,
    /// Deferrals per reason (shared classifier).
    pub deferral_reasons: BTreeMap<&'static str, u64>,
    /// Normalised bounce texts.
    pub bounce_texts: HashMap<String, TextCount>,
    /// Normalised deferral texts.
    pub deferral_texts: HashMap<String, TextCount>,
    /// Delivery delays of delivered recipients.
    pub delays: Delays,
    /// Authentication rejections.
    pub auth: Signal,
    /// Rate-limit deferrals.
    pub rate_limits: Signal,
    reason_cache: HashMap<String, (&'static str, bool), FxBuild>,
}

impl MtaTally {
    pub(super) fn domain(&mut self, d: &str) -> u32 {
        if let Some(&i) = self.domain_ids.get(d) {
            return i;
        }
        let key: Box<str> = if d.bytes().any(|c| c.is_ascii_uppercase()) {
            let low = d.to_ascii_lowercase();
            if let Some(&i) = self.domain_ids.get(low.as_str()) {
                return i;
            }
            low.into()
        } else {
            d.into()
        };
        let i = self.domains.len() as u32;
        self.domains.push(DomainRow::default());
        self.domain_names.push(key.clone());
        self.domain_ids.insert(key, i);
        i
    }

    pub(super) fn sender(&mut self, s: &str) -> u32 {
        let s = if s.is_empty() { "<>" } else { s };
        if let Some(&i) = self.sender_ids.get(s) {
            return i;
        }
        let i = self.senders.len() as u32;
        self.senders.push(MtaCounts::default());
        self.sender_names.push(s.into());
        self.sender_ids.insert(s.into(), i);
        i
    }

    /// Whether `addr` is an envelope sender of mail sent from here (a bounce notice to it is
    /// a late bounce).
    pub(super) fn is_local_sender(&self, addr: &str) -> bool {
        let hit = |a: &str| {
            self.sender_ids
                .get(a)
                .is_some_and(|&i| self.senders[i as usize].messages > 0)
        };
        if hit(addr)
            || (addr.bytes().any(|c| c.is_ascii_uppercase()) && hit(&addr.to_ascii_lowercase()))
        {
            return true;
        }
        // VERP (`news+bob=example.net@example.com`): the sender is `news@example.com`
        match verp_base(addr) {
            Some(base) => hit(&base) || hit(&base.to_ascii_lowercase()),
            None => false,
        }
    }

    pub(super) fn bump(
        &mut self,
        dom: Option<u32>,
        sender: Option<u32>,
        hour: Option<i64>,
        f: impl Fn(&mut MtaCounts),
    ) {
        f(&mut self.totals);
        if let Some(d) = dom {
            f(&mut self.domains[d as usize].counts);
        }
        if let Some(s) = sender {
            f(&mut self.senders[s as usize]);
        }
        if let Some(t) = hour {
            f(self.hours.entry(t.div_euclid(3600)).or_default());
        }
    }

    /// Reason and hardness, cached per (status, normalised text, action): the same texts come
    /// back again and again.
    pub(super) fn classify(
        &mut self,
        dsn: &str,
        text: &str,
        norm: &str,
        action: &str,
    ) -> (&'static str, bool) {
        let key = format!("{dsn}\u{0}{action}\u{0}{norm}");
        if let Some(r) = self.reason_cache.get(&key) {
            return *r;
        }
        let r = Self::classify_uncached(dsn, text, action);
        if self.reason_cache.len() < MAX_TEXTS {
            self.reason_cache.insert(key, r);
        }
        r
    }

    fn classify_uncached(dsn: &str, text: &str, action: &str) -> (&'static str, bool) {
        let status = EnhancedStatus::parse(dsn);
        let command = ["RCPT", "MAIL", "DATA", "EHLO", "HELO"]
            .into_iter()
            .find(|c| {
                text.contains(&format!("{c} TO")) || text.contains(&format!("in reply to {c}"))
            })
            .unwrap_or(if text.contains("end of DATA") {
                "DATA"
            } else {
                ""
            });
        let ev = Evidence {
            status,
            reply: find_reply_code(text),
            action,
            command,
            text,
            context: "",
            ..Default::default()
        };
        let reason = classify(&ev);
        let permanent = status.is_some_and(|s| s.is_permanent()) || action == "failed";
        (
            reason.as_str(),
            reason.bounce_type(permanent) == BounceType::Hard,
        )
    }
    pub(super) fn signals(&mut self, dom: u32, dsn: &str, text: &str, first_for_rcpt: bool) {
        count_signals(
            &mut self.auth,
            &mut self.rate_limits,
            dom,
            dsn,
            text,
            first_for_rcpt || dsn.starts_with('5'),
        );
    }
}

/// The sender of a VERP address (`local+rcpt=domain@host` -> `local@host`), when it is one.
pub(crate) fn verp_base(addr: &str) -> Option<String> {
    let (local, host) = addr.rsplit_once('@')?;
    let (base, tag) = local.split_once('+')?;
    (tag.contains('=') && !base.is_empty()).then(|| format!("{base}@{host}"))
}

/// Count one more occurrence of a normalised text (`key`, status `dsn`) in a capped table.
pub(super) fn count_text(map: &mut HashMap<String, TextCount>, dsn: &str, key: String) {
    let n = map.len();
    let e = if n >= MAX_TEXTS && !map.contains_key(&key) {
        map.entry("(other texts)".into()).or_default()
    } else {
        map.entry(key).or_default()
    };
    if e.count == 0 {
        e.dsn = dsn.to_string();
    }
    e.count += 1;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verp_senders() {
        assert_eq!(
            verp_base("news+bob=example.net@example.com").as_deref(),
            Some("news@example.com")
        );
        assert_eq!(verp_base("bounces+c001-weekly@example.com"), None);
        assert_eq!(verp_base("news@example.com"), None);
        let mut t = MtaTally::default();
        let s = t.sender("news@example.com");
        t.senders[s as usize].messages = 1;
        assert!(t.is_local_sender("news@example.com"));
        assert!(t.is_local_sender("news+bob=example.net@example.com"));
        assert!(!t.is_local_sender("other@example.com"));
        assert!(!t.is_local_sender("other+x=y@example.com"));
    }
}
