//! Joins ESP events per message: deduplication by event id (or by the whole record when the ESP
//! gives none), unique opens/clicks per message, rows by domain, campaign, hour.

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasher, Hasher};

use rustc_hash::FxBuildHasher as FxBuild;

use super::dsn_text::normalize_text;
use super::esp::{BounceClass, EspEvent, Flavor, Kind};
use super::metrics::EspCounts;
use super::tally::{Signal, TextCount, count_signals};

#[derive(Debug, Default, Clone, Copy)]
struct Msg {
    campaign: u32,
    domain: u32,
    hour: i64,
    opened: bool,
    opened_human: bool,
    clicked: bool,
    deferred: bool,
}

/// Messages whose state is kept per generation: the join remembers the last one to two
/// generations of messages (and event ids), so its memory is bounded however long the export;
/// events of one message further apart than that would count it again for unique opens.
const GENERATION: usize = 1 << 19;

/// A map that forgets its oldest generation: at most two generations of [`GENERATION`]
/// keys.
#[derive(Debug)]
struct Recent<V> {
    cur: HashMap<u64, V, FxBuild>,
    old: HashMap<u64, V, FxBuild>,
    cap: usize,
}

impl<V> Default for Recent<V> {
    fn default() -> Self {
        Recent {
            cur: HashMap::default(),
            old: HashMap::default(),
            cap: GENERATION,
        }
    }
}

impl<V: Copy> Recent<V> {
    fn get(&self, k: &u64) -> Option<&V> {
        self.cur.get(k).or_else(|| self.old.get(k))
    }

    fn insert(&mut self, k: u64, v: V) {
        if self.cur.len() >= self.cap && !self.cur.contains_key(&k) {
            self.old = std::mem::take(&mut self.cur);
        }
        self.cur.insert(k, v);
    }

    /// Insert; false when the key was already there (a duplicate).
    fn insert_new(&mut self, k: u64, v: V) -> bool {
        if self.get(&k).is_some() {
            return false;
        }
        self.insert(k, v);
        true
    }
}

/// ESP join state and counts.
#[derive(Debug, Default)]
pub(crate) struct EspJoin {
    seen: Recent<()>,
    msgs: Recent<Msg>,
    /// Overall counters.
    pub totals: EspCounts,
    /// Per domain (index = id), names in `domain_names`.
    pub domains: Vec<EspCounts>,
    /// Domain names.
    pub domain_names: Vec<Box<str>>,
    domain_ids: HashMap<Box<str>, u32, FxBuild>,
    /// Per campaign, names in `campaign_names`.
    pub campaigns: Vec<EspCounts>,
    /// Campaign names.
    pub campaign_names: Vec<Box<str>>,
    campaign_ids: HashMap<Box<str>, u32, FxBuild>,
    /// Per hour of the message's first event (Unix time / 3600).
    pub hours: HashMap<i64, EspCounts, FxBuild>,
    /// Drop reasons.
    pub drop_reasons: BTreeMap<String, u64>,
    /// Normalised bounce texts.
    pub bounce_texts: HashMap<String, TextCount>,
    /// Flavors seen.
    pub flavors: BTreeMap<&'static str, u64>,
    /// Authentication rejections.
    pub auth: Signal,
    /// Rate-limit deferrals.
    pub rate_limits: Signal,
    /// Whether any source logs a "processed"-like event (else processed is derived).
    implicit_processed: bool,
}

fn h(parts: &[&[u8]]) -> u64 {
    let mut x = FxBuild.build_hasher();
    for p in parts {
        x.write(p);
        x.write_u8(0xff);
    }
    x.finish()
}

impl EspJoin {
    fn intern(
        ids: &mut HashMap<Box<str>, u32, FxBuild>,
        names: &mut Vec<Box<str>>,
        rows: &mut Vec<EspCounts>,
        k: &str,
    ) -> u32 {
        if let Some(&i) = ids.get(k) {
            return i;
        }
        let i = names.len() as u32;
        names.push(k.into());
        rows.push(EspCounts::default());
        ids.insert(k.into(), i);
        i
    }

    /// Apply one event. `raw` is the record's text (its hash deduplicates records without an
    /// event id).
    pub(crate) fn apply(&mut self, flavor: Flavor, e: &EspEvent<'_>, raw: &[u8]) {
        let key = match &e.id {
            Some(id) if !id.is_empty() => h(&[flavor.as_str().as_bytes(), id.as_bytes()]),
            _ => h(&[b"raw", raw, e.email.as_bytes()]),
        };
        if !self.seen.insert_new(key, ()) {
            self.totals.duplicates += 1;
            return;
        }
        *self.flavors.entry(flavor.as_str()).or_default() += 1;
        if flavor == Flavor::Postmark {
            self.implicit_processed = true;
        }
        let email = e.email.as_ref();
        let domain = email.rsplit_once('@').map(|x| x.1).unwrap_or("");
        let domain = if domain.bytes().any(|c| c.is_ascii_uppercase()) {
            std::borrow::Cow::Owned(domain.to_ascii_lowercase())
        } else {
            std::borrow::Cow::Borrowed(domain)
        };
        let mkey = h(&[e.message.as_bytes(), email.as_bytes()]);
        let m = match self.msgs.get(&mkey) {
            Some(m) => *m,
            None => {
                let d = Self::intern(
                    &mut self.domain_ids,
                    &mut self.domain_names,
                    &mut self.domains,
                    &domain,
                );
                let c = Self::intern(
                    &mut self.campaign_ids,
                    &mut self.campaign_names,
                    &mut self.campaigns,
                    &e.campaign,
                );
                let m = Msg {
                    campaign: c,
                    domain: d,
                    hour: e.time.div_euclid(3600),
                    ..Default::default()
                };
                self.msgs.insert(mkey, m);
                m
            }
        };
        let mut m2 = m;
        let implicit = flavor == Flavor::Postmark;
        let f = |c: &mut EspCounts| match e.kind {
            Kind::Processed => {
                c.processed += 1;
                c.requests += 1;
            }
            Kind::Dropped => {
                c.dropped += 1;
                c.requests += 1;
            }
            Kind::Delivered => {
                c.delivered += 1;
                if implicit {
                    c.processed += 1;
                    c.requests += 1;
                }
            }
            Kind::Deferred => {
                c.deferred_events += 1;
                if !m.deferred {
                    c.deferred_messages += 1;
                }
            }
            Kind::Bounce(b) => {
                c.bounces += 1;
                match b {
                    BounceClass::Hard => c.hard_bounces += 1,
                    BounceClass::Soft => c.soft_bounces_final += 1,
                    BounceClass::Block => c.blocks += 1,
                }
                if implicit {
                    c.processed += 1;
                    c.requests += 1;
                }
            }
            Kind::Open(machine) => {
                c.opens_total += 1;
                if machine {
                    c.machine_opens += 1;
                }
                if !m.opened {
                    c.unique_opens += 1;
                }
                if !machine && !m.opened_human {
                    c.unique_opens_human += 1;
                }
            }
            Kind::Click => {
                c.clicks_total += 1;
                if !m.clicked {
                    c.unique_clicks += 1;
                }
            }
            Kind::SpamReport => c.spamreports += 1,
            Kind::Unsubscribe(false) => c.unsubscribes += 1,
            Kind::Unsubscribe(true) => c.group_unsubscribes += 1,
        };
        f(&mut self.totals);
        f(&mut self.domains[m.domain as usize]);
        f(&mut self.campaigns[m.campaign as usize]);
        f(self.hours.entry(m.hour).or_default());
        match e.kind {
            Kind::Deferred => m2.deferred = true,
            Kind::Open(machine) => {
                m2.opened = true;
                m2.opened_human |= !machine;
            }
            Kind::Click => m2.clicked = true,
            Kind::Dropped => {
                *self
                    .drop_reasons
                    .entry(e.drop_reason.to_string())
                    .or_default() += 1
            }
            Kind::Bounce(_) => {
                let key = normalize_text(&e.text);
                let t = self.bounce_texts.entry(key).or_default();
                if t.count == 0 {
                    t.dsn = e.status.to_string();
                }
                t.count += 1;
            }
            _ => {}
        }
        if matches!(e.kind, Kind::Deferred | Kind::Bounce(_)) {
            // recipients: a message's first deferral, or its bounce
            count_signals(
                &mut self.auth,
                &mut self.rate_limits,
                m.domain,
                &e.status,
                &e.text,
                !(e.kind == Kind::Deferred && m.deferred),
            );
        }
        self.msgs.insert(mkey, m2);
    }

    /// Whether processed counts were derived from final events (Postmark).
    pub(crate) fn processed_derived(&self) -> bool {
        self.implicit_processed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recent_forgets_old_generations_only() {
        let mut r: Recent<u32> = Recent {
            cap: 2,
            ..Default::default()
        };
        assert!(r.insert_new(1, 1));
        assert!(r.insert_new(2, 2));
        assert!(!r.insert_new(1, 9));
        r.insert(3, 3); // 1, 2 become the old generation
        assert_eq!(r.get(&1), Some(&1));
        r.insert(4, 4);
        r.insert(5, 5); // 3, 4 old; 1, 2 forgotten
        assert_eq!(r.get(&1), None);
        assert_eq!(r.get(&3), Some(&3));
    }
}
