//! The queue-id state machine: joins MTA events (queue id -> message -> recipients) into final
//! states per recipient, counted in [`super::tally::MtaTally`]. Only messages still
//! in the queue are held; a message is dropped when it leaves the queue (`removed`,
//! `Completed`, or for Sendmail its last recipient's final status).

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};

use crate::status::find_reply_code;
use rustc_hash::FxBuildHasher as FxBuild;

use super::dsn_text::normalize_text;
use super::syslog::{Delivery, Event, Outcome, is_loopback};
use super::tally::{MtaTally, count_text};

/// Connections of one message to one domain within this many seconds are the same connection.
const SAME_CONNECTION_SECS: i64 = 120;

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

/// Finished messages kept for late lines.
const RECENT: usize = 4096;

/// The join state and everything counted so far.
#[derive(Debug, Default)]
pub(crate) struct Join {
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
    /// Everything counted so far.
    pub tally: MtaTally,
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

impl Join {
    /// Note the time of a line (for the span and out-of-order count).
    pub(crate) fn saw_time(&mut self, t: i64, prev: &mut Option<i64>) {
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
    pub(crate) fn apply(&mut self, ev: &Event<'_>, t: i64, complete_on_count: bool) {
        match *ev {
            Event::Injected { qid, reinjected } => {
                let m = self.msg(qid);
                if !m.injected && !m.ndr {
                    m.injected = true;
                    m.reinjected = reinjected;
                    if reinjected {
                        self.tally.totals.reinjected += 1;
                    } else {
                        self.tally.bump(None, None, Some(t), |c| c.messages += 1);
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
                if injected && nrcpt == Some(0) {
                    // a transaction whose every recipient was refused (Sendmail logs its
                    // `from=` all the same): no message; its refused recipients (the reply
                    // lines `QID: <rcpt>... User unknown`) were rejects by this server
                    let refused = self.msg(qid).replies.len() as u64;
                    self.tally.totals.rejected_smtpd += refused;
                    self.retire(qid);
                    return;
                }
                let sid = self.tally.sender(sender);
                let m = self.msg(qid);
                m.sender = Some(sid);
                if let Some(n) = nrcpt {
                    m.nrcpt = n;
                }
                if ndr_of.is_some() && !m.ndr {
                    m.ndr = true;
                    self.tally.totals.ndr_messages += 1;
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
                    self.tally.bump(None, Some(sid), Some(t), |c| {
                        c.messages += 1;
                        c.bytes_received += size;
                    });
                } else if m.injected && !m.reinjected {
                    // Postfix: the message was counted at `client=`/`pickup`; the sender and size
                    // come with qmgr
                    self.tally.senders[sid as usize].messages += 1;
                    self.tally.senders[sid as usize].bytes_received += size;
                    self.tally.totals.bytes_received += size;
                }
            }
            Event::Ndr { ndr, .. } => {
                self.tally.totals.ndr_messages += 1;
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
                            self.tally.totals.removed += 1;
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
            Event::Reject => self.tally.totals.rejected_smtpd += 1,
            Event::Warning => self.tally.totals.warnings += 1,
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
                self.tally.totals.ndr_deliveries += 1;
            }
            if done {
                self.retire(d.qid);
            }
            return;
        }
        if d.outcome == Outcome::Sent && d.relay_host.is_some_and(is_loopback) {
            // handed to a content filter on this machine; the filtered copy is delivered later
            // under a new queue id
            self.tally.totals.filter_handoffs += 1;
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
                let dom = self.tally.domain(domain_of(d.rcpt));
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
                self.tally
                    .bump(Some(dom), sender, None, |c| c.recipients += 1);
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
                        self.tally.bump(Some(dom), None, None, |c| {
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
                        self.tally
                            .bump(Some(dom), None, None, |c| c.tls_connections += 1);
                    } else {
                        self.tally
                            .bump(Some(dom), None, None, |c| c.plaintext_connections += 1);
                    }
                }
            }
            if self.tally.domains[dom as usize].mx.is_none()
                && let Some(h) = d.relay_host
            {
                self.tally.domains[dom as usize].mx = Some(h.into());
            }
        }
        let was_deferred = r.deferred;
        match d.outcome {
            Outcome::Sent => {
                self.tally.bump(Some(dom), sender, Some(t), |c| {
                    c.delivered += 1;
                    if was_deferred {
                        c.delivered_after_deferral += 1;
                    }
                });
                if let Some(x) = d.delay {
                    self.tally.delays.add(x);
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
                let (reason, hard) = self.tally.classify(dsn, text, &norm, "failed");
                let expired = d.outcome == Outcome::Expired;
                let rejected = find_reply_code(text).is_some_and(|c| (500..600).contains(&c));
                self.tally.bump(Some(dom), sender, Some(t), |c| {
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
                    self.tally
                        .bump(None, sender, None, |c| c.bounced_messages += 1);
                }
                *self.tally.bounce_dsn.entry(dsn.to_string()).or_default() += 1;
                *self.tally.bounce_reasons.entry(reason).or_default() += 1;
                count_text(&mut self.tally.bounce_texts, dsn, norm);
                self.tally.signals(dom, dsn, text, false);
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
                self.tally.bump(Some(dom), sender, Some(t), |c| {
                    c.deferral_events += 1;
                    if !was_deferred {
                        c.deferred_recipients += 1;
                    }
                });
                if first_msg {
                    self.tally
                        .bump(None, sender, None, |c| c.deferred_messages += 1);
                }
                let norm = normalize_text(d.text);
                let (reason, _) = self.tally.classify(dsn, d.text, &norm, "delayed");
                *self.tally.deferral_dsn.entry(dsn.to_string()).or_default() += 1;
                *self.tally.deferral_reasons.entry(reason).or_default() += 1;
                count_text(&mut self.tally.deferral_texts, dsn, norm);
                self.tally.signals(dom, dsn, d.text, !was_deferred);
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
                self.tally.totals.removed += 1;
            }
        }
    }

    /// End of input: recipients still deferred become `deferred_final`; returns the queue ids
    /// still open (sorted) and drops the state.
    pub(crate) fn finish(&mut self) -> Vec<String> {
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
                    self.tally
                        .bump(Some(r.domain), m.sender, None, |c| c.deferred_final += 1);
                }
            }
            open.push(qid.into_string());
        }
        open.sort();
        open
    }
}
