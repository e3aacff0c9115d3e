//! The queue-id state machine: joins MTA events (queue id -> message -> recipients) into final
//! states per recipient and the counters of [`super::metrics::MtaCounts`]. Only messages still
//! in the queue are held; a message is dropped when it leaves the queue (`removed`,
//! `Completed`, or for Sendmail its last recipient's final status).

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasher, Hasher};

use crate::bounce::classify::{Evidence, classify};
use crate::status::{BounceType, EnhancedStatus, find_reply_code};
use rustc_hash::FxBuildHasher as FxBuild;

use super::metrics::{Delays, MtaCounts};
use super::syslog::{Delivery, Event, Outcome, is_loopback};

/// Connections of one message to one domain within this many seconds are the same connection.
const SAME_CONNECTION_SECS: i64 = 120;
/// Distinct normalised DSN texts kept per table; the rest are counted under one key.
const MAX_TEXTS: usize = 10_000;

#[derive(Debug, Clone, Copy)]
struct Rcpt {
    domain: u32,
    deferred: bool,
    done: bool,
}

#[derive(Debug, Clone, Copy)]
struct Conn {
    domain: u32,
    pid: u32,
    last: i64,
    tls: bool,
}

#[derive(Debug, Default)]
struct Msg {
    sender: Option<u32>,
    injected: bool,
    from_seen: bool,
    ndr: bool,
    deferred: bool,
    bounced: bool,
    nrcpt: u32,
    finals: u32,
    /// Recipients: hash of the address, state.
    rcpts: Vec<(u64, Rcpt)>,
    conns: Vec<Conn>,
    /// Sendmail reply lines: hash of the address, text.
    replies: Vec<(u64, Box<str>)>,
    removed: bool,
    reinjected: bool,
}

impl Msg {
    /// Back to the default state, keeping the vectors' memory.
    fn reset(&mut self) {
        let (mut r, mut c, mut p) = (
            std::mem::take(&mut self.rcpts),
            std::mem::take(&mut self.conns),
            std::mem::take(&mut self.replies),
        );
        r.clear();
        c.clear();
        p.clear();
        *self = Msg {
            rcpts: r,
            conns: c,
            replies: p,
            ..Msg::default()
        };
    }
}

/// One recipient domain's counters and the first MX host seen for it.
#[derive(Debug, Default, Clone)]
pub struct DomainRow {
    /// Counters.
    pub counts: MtaCounts,
    /// First relay host with an address seen for the domain.
    pub mx: Option<Box<str>>,
}

/// Count of one normalised text and one raw example.
#[derive(Debug, Default, Clone)]
pub struct TextCount {
    /// Occurrences.
    pub count: u64,
    /// Enhanced status code of the first occurrence.
    pub dsn: String,
}

/// A deliverability signal (authentication rejections, rate limiting) and its evidence.
#[derive(Debug, Default, Clone)]
pub struct Signal {
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

/// Finished messages kept for late lines.
const RECENT: usize = 4096;

/// Codes that mean "authentication required" (Gmail/Yahoo 2024, Outlook 2025).
pub const AUTH_CODES: &[&str] = &["5.7.26", "5.7.515", "4.7.32"];
/// Codes and markers of sender rate limiting (Gmail 4.7.28, Yahoo TSS04).
pub const RATE_CODES: &[&str] = &["4.7.28", "TSS04"];

/// The join state and everything counted so far.
#[derive(Debug, Default)]
pub struct Join {
    /// Queue id -> slot in `slab`.
    ids: HashMap<Box<str>, u32, FxBuild>,
    slab: Vec<Msg>,
    free: Vec<u32>,
    /// Recently finished messages (a ring), so that a late line (out of order) still joins;
    /// keyed by the hash of the queue id.
    ring: Vec<(u64, Msg)>,
    ring_pos: usize,
    ring_ids: HashMap<u64, u32, FxBuild>,
    pending_tls: HashMap<u32, Vec<u64>, FxBuild>,
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
    /// Lines about queue ids never seen arriving (log started mid-way, or several servers).
    pub lines_for_unknown_ids: u64,
    /// Lines logged earlier than the line before them (in the same file).
    pub out_of_order_lines: u64,
    /// Earliest and latest event time.
    pub span: Option<(i64, i64)>,
}

fn fx(s: &str) -> u64 {
    let mut h = FxBuild.build_hasher();
    h.write(s.as_bytes());
    h.finish()
}

/// The domain part of an address, lowercased only when needed.
fn domain_of(addr: &str) -> &str {
    match addr.rfind('@') {
        Some(i) => &addr[i + 1..],
        None => "",
    }
}

/// Normalise a DSN text for grouping: digits and long tokens with digits become `#`, white
/// space is squeezed, the result is cut at 200 characters.
pub fn normalize_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(220));
    for (i, word) in text.split_whitespace().enumerate() {
        if out.len() >= 200 {
            out.push('…');
            break;
        }
        if i > 0 {
            out.push(' ');
        }
        let digits = word.bytes().filter(u8::is_ascii_digit).count();
        let w = word.trim_end_matches('-');
        let is_code =
            EnhancedStatus::parse(word.trim_matches(|c: char| !c.is_ascii_alphanumeric()))
                .is_some()
                || (w.len() == 3
                    && matches!(w.as_bytes()[0], b'2' | b'4' | b'5')
                    && w.bytes().all(|c| c.is_ascii_digit()));
        if is_code {
            out.push_str(word);
        } else if digits > 0 && word.len() >= 8 {
            out.push('#');
        } else {
            let mut last_digit = false;
            for c in word.chars() {
                if c.is_ascii_digit() {
                    if !last_digit {
                        out.push('#');
                    }
                    last_digit = true;
                } else {
                    out.push(c);
                    last_digit = false;
                }
            }
        }
    }
    out
}

pub(crate) fn has_code(dsn: &str, text: &str, code: &str) -> bool {
    if dsn == code {
        return true;
    }
    let b = text.as_bytes();
    let mut from = 0;
    while let Some(i) = memchr::memmem::find(&b[from..], code.as_bytes()) {
        let at = from + i;
        let end = at + code.len();
        let before_ok = at == 0 || !b[at - 1].is_ascii_alphanumeric() && b[at - 1] != b'.';
        let after_ok = end >= b.len() || !b[end].is_ascii_digit();
        if before_ok && after_ok {
            return true;
        }
        from = end;
    }
    false
}

impl Join {
    /// A fresh join.
    pub fn new() -> Join {
        Join::default()
    }

    /// Messages still in the queue.
    pub fn open_messages(&self) -> usize {
        self.ids.len()
    }

    fn domain(&mut self, d: &str) -> u32 {
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

    fn sender(&mut self, s: &str) -> u32 {
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

    fn bump(
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

    /// Note the time of a line (for the span and out-of-order count).
    pub fn saw_time(&mut self, t: i64, prev: &mut Option<i64>) {
        if let Some(p) = *prev
            && t < p
        {
            self.out_of_order_lines += 1;
        }
        *prev = Some(t);
        self.span = Some(match self.span {
            Some((a, b)) => (a.min(t), b.max(t)),
            None => (t, t),
        });
    }

    /// The slot of a queue id: the open message, a finished one revived for a late line, or
    /// a new one. The flag tells whether the id was known.
    fn slot(&mut self, qid: &str) -> (usize, bool) {
        if let Some(&i) = self.ids.get(qid) {
            return (i as usize, true);
        }
        let revived = self.ring_ids.remove(&fx(qid)).map(|pos| {
            let e = &mut self.ring[pos as usize];
            e.0 = 0;
            std::mem::take(&mut e.1)
        });
        let known = revived.is_some();
        let i = match self.free.pop() {
            Some(i) => i,
            None => {
                self.slab.push(Msg::default());
                (self.slab.len() - 1) as u32
            }
        };
        if let Some(m) = revived {
            self.slab[i as usize] = m;
        }
        self.ids.insert(qid.into(), i);
        (i as usize, known)
    }

    fn msg(&mut self, qid: &str) -> &mut Msg {
        let (i, _) = self.slot(qid);
        &mut self.slab[i]
    }

    /// The message leaves the queue: keep it in the ring of finished messages, free its slot.
    fn retire(&mut self, qid: &str) -> Option<Msg> {
        let i = self.ids.remove(qid)? as usize;
        let key = fx(qid);
        let pos = self.ring_pos;
        self.ring_pos = (pos + 1) % RECENT;
        if self.ring.len() < RECENT {
            self.ring.push((key, Msg::default()));
        } else if self.ring[pos].0 != 0 {
            let old = self.ring[pos].0;
            if self.ring_ids.get(&old) == Some(&(pos as u32)) {
                self.ring_ids.remove(&old);
            }
        }
        let e = &mut self.ring[pos];
        std::mem::swap(&mut e.1, &mut self.slab[i]);
        e.0 = key;
        e.1.removed = true;
        let snapshot = Msg {
            ndr: e.1.ndr,
            removed: e.1.removed,
            ..Msg::default()
        };
        self.ring_ids.insert(key, pos as u32);
        self.slab[i].reset();
        self.free.push(i as u32);
        Some(snapshot)
    }

    /// Apply one event logged at Unix time `t`. `complete_on_count`: the dialect logs no
    /// "removed" line (Sendmail), so a message is done when all its recipients are final.
    pub fn apply(&mut self, ev: &Event<'_>, t: i64, complete_on_count: bool) {
        match *ev {
            Event::Injected { qid, reinjected } => {
                let m = self.msg(qid);
                if !m.injected && !m.ndr {
                    m.injected = true;
                    m.reinjected = reinjected;
                    if reinjected {
                        self.totals.reinjected += 1;
                    } else {
                        self.bump(None, None, Some(t), |c| c.messages += 1);
                    }
                }
            }
            Event::From {
                qid,
                sender,
                size,
                nrcpt,
                injected,
                ndr_of,
            } => {
                let sid = self.sender(sender);
                let m = self.msg(qid);
                m.sender = Some(sid);
                if let Some(n) = nrcpt {
                    m.nrcpt = n;
                }
                if ndr_of.is_some() && !m.ndr {
                    m.ndr = true;
                    self.totals.ndr_messages += 1;
                    return;
                }
                if sender.is_empty() && !m.injected && !injected {
                    m.ndr = true;
                }
                if m.ndr || m.from_seen {
                    return;
                }
                m.from_seen = true;
                let size = size.unwrap_or(0);
                if injected && !m.injected {
                    m.injected = true;
                    self.bump(None, Some(sid), Some(t), |c| {
                        c.messages += 1;
                        c.bytes_received += size;
                    });
                } else if m.injected && !m.reinjected {
                    // Postfix: the message was counted at `client=`/`pickup`; the sender and size
                    // come with qmgr
                    self.senders[sid as usize].messages += 1;
                    self.senders[sid as usize].bytes_received += size;
                    self.totals.bytes_received += size;
                }
            }
            Event::Ndr { ndr, .. } => {
                self.totals.ndr_messages += 1;
                let m = self.msg(ndr);
                m.ndr = true;
                if complete_on_count && m.nrcpt == 0 {
                    m.nrcpt = 1;
                }
            }
            Event::Delivery(ref d) => self.delivery_to(d, t, complete_on_count, None),
            Event::Expired { qid } => {
                let Some(&i) = self.ids.get(qid) else {
                    self.lines_for_unknown_ids += 1;
                    return;
                };
                let open: Vec<usize> = self.slab[i as usize]
                    .rcpts
                    .iter()
                    .enumerate()
                    .filter(|(_, (_, r))| !r.done)
                    .map(|(k, _)| k)
                    .collect();
                for k in open {
                    let d = Delivery {
                        qid,
                        rcpt: "",
                        outcome: Outcome::Expired,
                        relay_host: None,
                        connected: false,
                        dsn: "4.4.7",
                        text: "message expired in the queue",
                        delay: None,
                        pid: 0,
                        tls: None,
                    };
                    self.delivery_to(&d, t, complete_on_count, Some(k));
                }
            }
            Event::Removed { qid } => {
                let was_removed = self.ids.get(qid).map(|&i| self.slab[i as usize].removed);
                match self.retire(qid) {
                    Some(m) => {
                        if !m.ndr && was_removed == Some(false) {
                            self.totals.removed += 1;
                        }
                    }
                    None => self.lines_for_unknown_ids += 1,
                }
            }
            Event::Tls { pid, host } => {
                let v = self.pending_tls.entry(pid).or_default();
                if v.len() >= 8 {
                    v.remove(0);
                }
                v.push(fx(host));
            }
            Event::ReplyText { qid, rcpt, text } => {
                let m = self.msg(qid);
                if m.replies.len() < 64 {
                    m.replies.push((fx(rcpt), text.into()));
                }
            }
            Event::Reject => self.totals.rejected_smtpd += 1,
            Event::Warning => self.totals.warnings += 1,
            Event::Ignored | Event::Unparsed => {}
        }
    }

    /// One delivery line; `forced`: the recipient slot (message expiry), else found by address.
    fn delivery_to(
        &mut self,
        d: &Delivery<'_>,
        t: i64,
        complete_on_count: bool,
        forced: Option<usize>,
    ) {
        let (s, known) = self.slot(d.qid);
        if !known {
            self.lines_for_unknown_ids += 1;
        }
        let (ndr, sender) = (self.slab[s].ndr, self.slab[s].sender);
        if ndr {
            let m = &mut self.slab[s];
            if d.outcome != Outcome::Deferred {
                m.finals += 1;
            }
            let done = complete_on_count && m.nrcpt > 0 && m.finals >= m.nrcpt;
            if d.outcome == Outcome::Sent {
                self.totals.ndr_deliveries += 1;
            }
            if done {
                self.retire(d.qid);
            }
            return;
        }
        if d.outcome == Outcome::Sent && d.relay_host.is_some_and(is_loopback) {
            // handed to a content filter on this machine; the filtered copy is delivered later
            // under a new queue id
            self.totals.filter_handoffs += 1;
            self.slab[s].finals += 1;
            return;
        }
        let key = fx(d.rcpt);
        // the first recipient slot with this address still open; a further final line for an
        // address already final is another recipient (duplicate recipients, aliases)
        let found = match forced {
            Some(k) => Some(k),
            None => self.slab[s]
                .rcpts
                .iter()
                .position(|(a, r)| *a == key && !r.done),
        };
        let idx = match found {
            Some(i) => i,
            None => {
                let dom = self.domain(domain_of(d.rcpt));
                let m = &mut self.slab[s];
                m.rcpts.push((
                    key,
                    Rcpt {
                        domain: dom,
                        deferred: false,
                        done: false,
                    },
                ));
                let i = m.rcpts.len() - 1;
                self.bump(Some(dom), sender, None, |c| c.recipients += 1);
                i
            }
        };
        let m = &mut self.slab[s];
        let dom = m.rcpts[idx].1.domain;
        let r = m.rcpts[idx].1;
        // connections and TLS: lines of one delivery process to one domain close in time share
        // a connection; a new connection uses TLS when the same process logged a TLS session to
        // that host just before (Postfix, Sendmail) or the line says so (Exim `X=`)
        if d.connected {
            let m = &mut self.slab[s];
            let hit = m.conns.iter_mut().find(|c| {
                c.domain == dom && c.pid == d.pid && (t - c.last).abs() <= SAME_CONNECTION_SECS
            });
            let fresh_tls = hit.is_none() && d.tls.is_none() && {
                let h = fx(d.relay_host.unwrap_or(""));
                match self.pending_tls.get_mut(&d.pid) {
                    Some(v) => match v.iter().position(|x| *x == h) {
                        Some(i) => {
                            v.remove(i);
                            true
                        }
                        None => false,
                    },
                    None => false,
                }
            };
            match hit {
                Some(c) => {
                    c.last = t;
                    if d.tls == Some(true) && !c.tls {
                        c.tls = true;
                        self.bump(Some(dom), None, None, |c| {
                            c.plaintext_connections -= 1;
                            c.tls_connections += 1;
                        });
                    }
                }
                None => {
                    let tls = fresh_tls || d.tls == Some(true);
                    let m = &mut self.slab[s];
                    m.conns.push(Conn {
                        domain: dom,
                        pid: d.pid,
                        last: t,
                        tls,
                    });
                    if tls {
                        self.bump(Some(dom), None, None, |c| c.tls_connections += 1);
                    } else {
                        self.bump(Some(dom), None, None, |c| c.plaintext_connections += 1);
                    }
                }
            }
            if self.domains[dom as usize].mx.is_none()
                && let Some(h) = d.relay_host
            {
                self.domains[dom as usize].mx = Some(h.into());
            }
        }
        let was_deferred = r.deferred;
        match d.outcome {
            Outcome::Sent => {
                self.bump(Some(dom), sender, Some(t), |c| {
                    c.delivered += 1;
                    if was_deferred {
                        c.delivered_after_deferral += 1;
                    }
                });
                if let Some(x) = d.delay {
                    self.delays.add(x);
                }
            }
            Outcome::Bounced | Outcome::Expired => {
                let m = &mut self.slab[s];
                let reply: Option<Box<str>> = m
                    .replies
                    .iter()
                    .find(|(a, _)| *a == key)
                    .map(|(_, t)| t.clone());
                let first_bounce = !m.bounced;
                m.bounced = true;
                let text = reply.as_deref().unwrap_or(d.text);
                let dsn = if d.dsn.is_empty() {
                    super::status_code(text)
                } else {
                    d.dsn
                };
                let norm = normalize_text(text);
                let (reason, hard) = self.classify(dsn, text, &norm, "failed");
                let expired = d.outcome == Outcome::Expired;
                let rejected = find_reply_code(text).is_some_and(|c| (500..600).contains(&c));
                self.bump(Some(dom), sender, Some(t), |c| {
                    c.bounced += 1;
                    if expired {
                        c.expired += 1;
                    }
                    if was_deferred {
                        c.bounced_after_deferral += 1;
                    }
                    if hard {
                        c.hard_bounced += 1;
                    } else {
                        c.soft_bounced += 1;
                    }
                    if rejected {
                        c.rejected += 1;
                    }
                });
                if first_bounce {
                    self.bump(None, sender, None, |c| c.bounced_messages += 1);
                }
                *self.bounce_dsn.entry(dsn.to_string()).or_default() += 1;
                *self.bounce_reasons.entry(reason).or_default() += 1;
                count_text(&mut self.bounce_texts, dsn, norm);
                self.signals(dom, dsn, text, false);
            }
            Outcome::Deferred => {
                let m = &mut self.slab[s];
                let first_msg = !m.deferred;
                m.deferred = true;
                m.rcpts[idx].1.deferred = true;
                let dsn = if d.dsn.is_empty() {
                    super::status_code(d.text)
                } else {
                    d.dsn
                };
                self.bump(Some(dom), sender, Some(t), |c| {
                    c.deferral_events += 1;
                    if !was_deferred {
                        c.deferred_recipients += 1;
                    }
                });
                if first_msg {
                    self.bump(None, sender, None, |c| c.deferred_messages += 1);
                }
                let norm = normalize_text(d.text);
                let (reason, _) = self.classify(dsn, d.text, &norm, "delayed");
                *self.deferral_dsn.entry(dsn.to_string()).or_default() += 1;
                *self.deferral_reasons.entry(reason).or_default() += 1;
                count_text(&mut self.deferral_texts, dsn, norm);
                self.signals(dom, dsn, d.text, !was_deferred);
                return;
            }
        }
        let m = &mut self.slab[s];
        m.rcpts[idx].1.done = true;
        m.finals += 1;
        if complete_on_count && m.nrcpt > 0 && m.finals >= m.nrcpt {
            let counted = m.removed;
            self.retire(d.qid);
            if !counted {
                self.totals.removed += 1;
            }
        }
    }

    /// Reason and hardness, cached per (status, normalised text, action): the same texts come
    /// back again and again.
    fn classify(
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

    fn signals(&mut self, dom: u32, dsn: &str, text: &str, first_for_rcpt: bool) {
        for (sig, codes) in [
            (&mut self.auth, AUTH_CODES),
            (&mut self.rate_limits, RATE_CODES),
        ] {
            if let Some(code) = codes.iter().find(|c| has_code(dsn, text, c)) {
                sig.count += 1;
                if first_for_rcpt || dsn.starts_with('5') {
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

    /// End of input: recipients still deferred become `deferred_final`; returns the queue ids
    /// still open (sorted) and drops the state.
    pub fn finish(&mut self) -> Vec<String> {
        let ids = std::mem::take(&mut self.ids);
        let slab = std::mem::take(&mut self.slab);
        let mut open = Vec::with_capacity(ids.len());
        for (qid, i) in ids {
            let m = &slab[i as usize];
            if m.removed {
                continue; // finished; a late line revived it
            }
            for (_, r) in &m.rcpts {
                if !r.done && r.deferred {
                    self.bump(Some(r.domain), m.sender, None, |c| c.deferred_final += 1);
                }
            }
            open.push(qid.into_string());
        }
        open.sort();
        open
    }
}

fn count_text(map: &mut HashMap<String, TextCount>, dsn: &str, key: String) {
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
    fn normalises_texts() {
        assert_eq!(
            normalize_text("550 5.1.1 <a@b>: user 12 unknown  abc123def456"),
            "550 5.1.1 <a@b>: user # unknown #"
        );
        assert!(has_code("", "421-4.7.28 rate", "4.7.28"));
        assert!(!has_code("", "421 4.7.280 x", "4.7.28"));
        assert!(has_code("", "[TSS04] Messages", "TSS04"));
    }
}
