//! The queue-id state machine: joins MTA events (queue id -> message -> recipients) into final
//! states per recipient, counted in [`super::tally::MtaTally`]. Only messages still
//! in the queue are held; a message is dropped when it leaves the queue (`removed`,
//! `Completed`, or for Sendmail its last recipient's final status).

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};

use crate::status::find_reply_code;
use rustc_hash::FxBuildHasher as FxBuild;

use super::direction::{Dir, Site, client_ip};
use super::dsn_text::normalize_text;
use super::inbound::Inbound;
use super::late::Late;
use super::parity::{Parity, client_host_domain};
use super::syslog::{Delivery, Dest, Event, Level, Outcome, Source, is_loopback};
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

/// How a Postfix message arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Org {
    /// No arrival line (other dialects, or a log that starts mid-way).
    #[default]
    Unknown,
    /// Submitted here: pickup, SASL, loopback, `--mynetworks`.
    Local,
    /// A remote client: inbound, or relayed for a trusted client (told by where it goes).
    Remote,
    /// A content filter's copy of another message.
    Copy,
}

/// A message's count moved to its filter copy while its direction was not known yet.
#[derive(Debug, Clone, Copy)]
struct Carry {
    t: i64,
    size: u64,
    sender: Option<u32>,
}

#[derive(Debug, Default)]
struct Msg {
    org: Org,
    dir: Option<Dir>,
    /// Arrival time.
    t_in: i64,
    size: u64,
    /// The message itself is still to be counted (when its direction is known).
    pend_msg: bool,
    carry: Option<Carry>,
    /// A filter copy not yet counted as `reinjected`.
    pend_copy: bool,
    /// Linked to the message it is a copy of.
    linked: bool,
    pend_handoffs: u32,
    /// Hash of the client address (trusted clients are learned).
    client: u64,
    /// Arrived over loopback (a local application, or a filter's copy).
    loopback: bool,
    /// Hash of the Message-ID.
    msgid: u64,
    /// A received bounce notice already counted.
    notice_counted: bool,
    /// Where the first delivery (not a hand-off to a filter) went: a local submission whose
    /// mail stays here is not mail sent.
    first_dest: Option<Dest>,
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
    /// Exim, Sendmail, OpenSMTPD: arrived from a remote client, not counted yet; its first
    /// delivery tells whether it was received (a mailbox here) or relayed out.
    pend_dir: bool,
    /// Direction told by `From { remote }` and the deliveries' `mailbox` (no `Arrived` line).
    by_from: bool,
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
    /// `--local-domains`, `--mynetworks`.
    pub site: Site,
    /// Mail received from remote clients.
    pub inbound: Inbound,
    /// pflogsumm's sections.
    pub parity: Parity,
    /// Late bounces (received bounce notices, `--bounces`).
    pub late: Late,
    /// Open messages by Message-ID hash (filter copies are linked to their original).
    msgids: HashMap<u64, u32, FxBuild>,
    /// Client addresses learned to relay out (hashes; capped).
    trusted: std::collections::HashSet<u64, FxBuild>,
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
        let h = self.slab[i].msgid;
        if h != 0 && self.msgids.get(&h) == Some(&(i as u32)) {
            self.msgids.remove(&h);
        }
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
                remote,
            } => {
                if injected && nrcpt == Some(0) {
                    // a transaction whose every recipient was refused (Sendmail logs its
                    // `from=` all the same): no message; its refused recipients (the reply
                    // lines `QID: <rcpt>... User unknown`) were rejects by this server
                    let m = self.msg(qid);
                    let refused = m.replies.len() as u64;
                    let reasons: Vec<&'static str> = m
                        .replies
                        .iter()
                        .map(|(_, text)| super::syslog::reject_reason("RCPT", text))
                        .collect();
                    self.tally.totals.rejected_smtpd += refused;
                    for reason in reasons {
                        self.inbound.reject("RCPT", reason);
                    }
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
                if m.org != Org::Unknown {
                    m.size = size;
                    if sender.is_empty() && m.org == Org::Remote {
                        // a bounce notice from a remote server: inbound
                        m.dir = Some(Dir::In);
                    }
                    if m.loopback && m.org == Org::Local && sender.is_empty() && !m.linked {
                        // null sender over loopback: a filter's copy of a notice, not an
                        // application's mail; told by where it goes
                        m.org = Org::Remote;
                        m.dir = None;
                    }
                    let (s, _) = self.slot(qid);
                    self.flush(s, false);
                    return;
                }
                if injected && !m.injected && remote {
                    // received or relayed out: counted when its first delivery tells which
                    m.injected = true;
                    m.by_from = true;
                    m.pend_dir = true;
                    m.t_in = t;
                    m.size = size;
                } else if injected && !m.injected {
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
                        mailbox: false,
                    };
                    self.delivery_to(&d, t, complete_on_count, Some(k));
                }
            }
            Event::Removed { qid } => {
                if let Some(&i) = self.ids.get(qid) {
                    self.close(i as usize);
                }
                let was_removed = self.ids.get(qid).map(|&i| {
                    self.slab[i as usize].removed || self.slab[i as usize].dir == Some(Dir::In)
                });
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
            Event::Reject { stage, reason } => {
                // Exim, Sendmail, OpenSMTPD: a refusal while receiving
                self.tally.totals.rejected_smtpd += 1;
                self.inbound.reject(stage, reason);
            }
            Event::Warning => self.tally.totals.warnings += 1,
            Event::Arrived { qid, source } => self.arrived(qid, source, t),
            Event::MessageId { qid, id } => self.message_id(qid, id),
            Event::Routed(ref d, dest) => self.routed(d, dest, t),
            Event::Rejected {
                stage,
                reason,
                warn,
                text,
            } => {
                let key = format!("{stage} {reason}: {}", normalize_text(text));
                if warn {
                    self.inbound.counts.reject_warnings += 1;
                    self.parity.reject_warnings.add(&key, 1, 0);
                } else {
                    self.tally.totals.rejected_smtpd += 1;
                    self.inbound.reject(stage, reason);
                    self.parity.rejects.add(&key, 1, 0);
                    self.parity.hour(t).rejected += 1;
                }
            }
            Event::Diverted { action, text, .. } => {
                let c = &mut self.inbound.counts;
                let norm = normalize_text(text);
                match action {
                    "hold" => {
                        c.held += 1;
                        self.parity.holds.add(&norm, 1, 0);
                    }
                    "discard" => {
                        c.discarded += 1;
                        self.parity.discards.add(&norm, 1, 0);
                    }
                    "redirect" => c.redirected += 1,
                    _ => {}
                }
            }
            Event::Notice {
                level,
                daemon,
                text,
            } => {
                if level == Level::Warning {
                    self.tally.totals.warnings += 1;
                }
                self.parity.notice(level, daemon, text);
            }
            Event::Connect { pid, client } => self.parity.connect(pid, client, t),
            Event::Disconnect { pid } => self.parity.disconnect(pid, t),
            Event::Ignored | Event::Unparsed => {}
        }
    }

    /// A Postfix message arrived (`client=` / `pickup`).
    fn arrived(&mut self, qid: &str, source: Source<'_>, t: i64) {
        let (s, _) = self.slot(qid);
        let site_local = match source {
            Source::Client { client, .. } => self.site.is_mynetwork(client),
            Source::Pickup => true,
        };
        let m = &mut self.slab[s];
        if m.injected || m.ndr {
            return;
        }
        m.injected = true;
        m.t_in = t;
        match source {
            Source::Pickup => {
                m.org = Org::Local;
                m.dir = Some(Dir::Out);
                m.pend_msg = true;
            }
            Source::Client {
                client,
                sasl,
                filter_service,
            } => {
                let loopback = is_loopback(client);
                m.loopback = loopback;
                if filter_service {
                    m.org = Org::Copy;
                    m.pend_copy = true;
                } else if sasl || loopback || site_local {
                    m.org = Org::Local;
                    m.dir = Some(Dir::Out);
                    m.pend_msg = true;
                } else {
                    m.org = Org::Remote;
                    m.pend_msg = true;
                    m.client = client_ip(client).map(|ip| fx(&ip.to_string())).unwrap_or(1);
                }
                if !loopback {
                    let (host, dom) = client_host_domain(client);
                    self.parity.received_host.add(host, 1, 0);
                    self.parity.received_domain.add(dom, 1, 0);
                }
            }
        }
        if self.slab[s].pend_msg {
            self.parity.hour(t).received += 1;
        }
    }

    /// The Message-ID of a message: a loopback arrival carrying the Message-ID of a message
    /// still in the queue is that message's copy, handed back by a content filter.
    fn message_id(&mut self, qid: &str, id: &str) {
        let h = super::late::msgid_hash(id);
        let (s, _) = self.slot(qid);
        let m = &mut self.slab[s];
        m.msgid = h;
        if (m.loopback || m.org == Org::Copy)
            && !m.linked
            && let Some(&p) = self.msgids.get(&h)
            && p as usize != s
        {
            self.link(s, p as usize);
            return;
        }
        self.msgids.entry(h).or_insert(s as u32);
    }

    /// Slot `c` is a content filter's copy of slot `p`.
    fn link(&mut self, c: usize, p: usize) {
        let (pdir, pndr, porg, pclient) = {
            let pm = &self.slab[p];
            (pm.dir, pm.ndr, pm.org, pm.client)
        };
        let carry = {
            let pm = &mut self.slab[p];
            if pm.pend_msg {
                pm.pend_msg = false;
                Some(Carry {
                    t: pm.t_in,
                    size: pm.size,
                    sender: pm.sender,
                })
            } else {
                None
            }
        };
        let cm = &mut self.slab[c];
        cm.linked = true;
        if cm.pend_msg && cm.org == Org::Local {
            // counted as a local submission by mistake: not flushed yet (no qmgr line), undo
            cm.pend_msg = false;
            self.parity.hour(cm.t_in).received -= 1;
        }
        cm.org = Org::Copy;
        if pndr {
            cm.ndr = true;
            cm.pend_copy = false;
            return;
        }
        cm.pend_copy = true;
        cm.dir = pdir;
        cm.carry = carry;
        if porg == Org::Remote {
            cm.client = pclient;
        }
        if cm.dir.is_some() && cm.from_seen {
            self.flush(c, false);
        }
    }

    /// Count what waited for the direction of slot `s` (`last`: the message leaves, count
    /// what is known).
    fn flush(&mut self, s: usize, last: bool) {
        let m = &mut self.slab[s];
        let Some(dir) = m.dir else { return };
        // mail submitted here is counted as sent when its first delivery goes out
        let hold = dir == Dir::Out && m.first_dest.is_none() && !last;
        let internal = dir == Dir::Out && m.first_dest == Some(Dest::Mailbox);
        let own = (!hold && std::mem::take(&mut m.pend_msg)).then_some(Carry {
            t: m.t_in,
            size: m.size,
            sender: m.sender,
        });
        let carry = if hold { None } else { m.carry.take() };
        let copy = std::mem::take(&mut m.pend_copy);
        let handoffs = std::mem::take(&mut m.pend_handoffs) as u64;
        for c in [own, carry].into_iter().flatten() {
            match dir {
                Dir::Out if internal => self.inbound.counts.internal_messages += 1,
                Dir::Out => {
                    self.tally.bump(None, None, Some(c.t), |x| x.messages += 1);
                    self.tally.totals.bytes_received += c.size;
                    if let Some(sid) = c.sender {
                        let row = &mut self.tally.senders[sid as usize];
                        row.messages += 1;
                        row.bytes_received += c.size;
                    }
                }
                Dir::In => {
                    self.inbound.counts.received += 1;
                    self.inbound.counts.bytes += c.size;
                }
            }
            if let Some(sid) = c.sender {
                let name = &self.tally.sender_names[sid as usize];
                self.parity.senders.add(name, 1, c.size);
            }
        }
        match dir {
            Dir::Out => {
                self.tally.totals.reinjected += copy as u64;
                self.tally.totals.filter_handoffs += handoffs;
            }
            Dir::In => {
                self.inbound.counts.reinjected += copy as u64;
                self.inbound.counts.filter_handoffs += handoffs;
            }
        }
    }

    /// The message in slot `s` leaves the queue (or the log ends): its direction is guessed
    /// when nothing told it, and everything waiting is counted.
    fn close(&mut self, s: usize) {
        // never delivered anywhere: counted as before direction was known, as mail sent
        self.decide(s, Dir::Out);
        let m = &mut self.slab[s];
        if m.dir.is_none() {
            m.dir = match m.org {
                Org::Unknown => None,
                Org::Local => Some(Dir::Out),
                Org::Remote if self.trusted.contains(&m.client) => Some(Dir::Out),
                Org::Remote | Org::Copy => Some(Dir::In),
            };
        }
        self.flush(s, true);
    }

    /// A Postfix delivery line, with where it went.
    fn routed(&mut self, d: &Delivery<'_>, dest: Dest, t: i64) {
        let (s, known) = self.slot(d.qid);
        if self.slab[s].ndr || self.slab[s].org == Org::Unknown && dest != Dest::Mailbox {
            if self.slab[s].ndr && dest == Dest::Filter {
                self.slab[s].finals += 1;
                return;
            }
            if !self.slab[s].ndr && dest != Dest::Filter {
                // a message that arrived before the log starts
                self.note_traffic(d, t);
                if d.outcome == Outcome::Sent {
                    self.parity.hour(t).delivered += 1;
                    self.parity.recipients.add(d.rcpt, 1, 0);
                }
            }
            self.delivery_to(d, t, false, None);
            return;
        }
        if !known {
            self.lines_for_unknown_ids += 1;
        }
        if dest == Dest::Filter {
            if d.outcome == Outcome::Sent {
                self.handoff(s, d);
            }
            return;
        }
        if self.slab[s].first_dest.is_none() {
            self.slab[s].first_dest = Some(dest);
            if self.slab[s].dir.is_some() {
                self.flush(s, false);
            }
        }
        if self.slab[s].dir.is_none() {
            let m = &self.slab[s];
            let local_rcpt = self.site.is_local_domain(d.rcpt);
            let dir = match m.org {
                Org::Local => Dir::Out,
                _ if dest == Dest::Mailbox || local_rcpt => Dir::In,
                _ => Dir::Out,
            };
            if dir == Dir::Out && m.client > 1 && self.trusted.len() < 65_536 {
                self.trusted.insert(m.client);
            }
            self.slab[s].dir = Some(dir);
            self.flush(s, false);
        }
        let size = self.slab[s].size;
        if d.outcome == Outcome::Sent {
            let hr = self.parity.hour(t);
            hr.delivered += 1;
            self.parity.recipients.add(d.rcpt, 1, size);
        }
        match (self.slab[s].dir, dest) {
            (Some(Dir::Out), Dest::Remote) => {
                self.note_traffic(d, t);
                self.delivery_to(d, t, false, None);
                if d.outcome == Outcome::Sent && self.late.active() {
                    let m = &self.slab[s];
                    let (msgid, sender) = (m.msgid, m.sender);
                    let dom = self.tally.domain(domain_of(d.rcpt));
                    self.late.delivered(d.qid, msgid, d.rcpt, dom, sender);
                }
            }
            (Some(Dir::Out), _) => {
                if d.outcome == Outcome::Sent {
                    self.inbound.counts.internal_delivered += 1;
                }
            }
            _ => {
                self.note_traffic(d, t);
                self.inbound_delivery(s, d, dest);
            }
        }
    }

    /// pflogsumm's per-hour deferred and bounced columns.
    fn note_traffic(&mut self, d: &Delivery<'_>, t: i64) {
        match d.outcome {
            Outcome::Deferred => self.parity.hour(t).deferred += 1,
            Outcome::Bounced | Outcome::Expired => self.parity.hour(t).bounced += 1,
            Outcome::Sent => {}
        }
    }

    /// A hand-off to a content filter: `queued as QID` names the copy.
    fn handoff(&mut self, s: usize, d: &Delivery<'_>) {
        self.slab[s].finals += 1;
        let child = d
            .text
            .rsplit_once("queued as ")
            .map(|(_, q)| q.trim_end_matches([')', '.', ' ']))
            .and_then(|q| self.ids.get(q).copied())
            .map(|c| c as usize)
            .filter(|&c| c != s);
        if let Some(c) = child
            && !self.slab[c].linked
        {
            self.link(c, s);
        }
        match self.slab[s].dir {
            Some(Dir::Out) => self.tally.totals.filter_handoffs += 1,
            Some(Dir::In) => self.inbound.counts.filter_handoffs += 1,
            None => match child {
                Some(c) if self.slab[c].dir.is_none() => self.slab[c].pend_handoffs += 1,
                Some(c) if self.slab[c].dir == Some(Dir::Out) => {
                    self.tally.totals.filter_handoffs += 1
                }
                Some(_) => self.inbound.counts.filter_handoffs += 1,
                None => self.slab[s].pend_handoffs += 1,
            },
        }
    }

    /// The direction of a message whose `From` said `remote` is known (its first delivery, or
    /// it leaves the queue): count it as sent or as received, once.
    fn decide(&mut self, s: usize, dir: Dir) {
        let m = &mut self.slab[s];
        if !std::mem::take(&mut m.pend_dir) {
            return;
        }
        let (t, size, sender) = (m.t_in, m.size, m.sender);
        match dir {
            Dir::Out => self.tally.bump(None, sender, Some(t), |c| {
                c.messages += 1;
                c.bytes_received += size;
            }),
            Dir::In => {
                m.dir = Some(Dir::In);
                self.inbound.counts.received += 1;
                self.inbound.counts.bytes += size;
            }
        }
    }

    /// A delivery of a received message.
    fn inbound_delivery(&mut self, s: usize, d: &Delivery<'_>, dest: Dest) {
        let key = fx(d.rcpt);
        let null_sender = self.slab[s]
            .sender
            .is_some_and(|sid| &*self.tally.sender_names[sid as usize] == "<>");
        if null_sender && !self.slab[s].notice_counted {
            self.slab[s].notice_counted = true;
            self.inbound.counts.bounce_notices += 1;
            if self.tally.is_local_sender(d.rcpt) {
                self.inbound.counts.late_bounce_notices += 1;
            }
        }
        let c = &mut self.inbound.counts;
        let m = &mut self.slab[s];
        let idx = match m.rcpts.iter().position(|(a, r)| *a == key && !r.done) {
            Some(i) => i,
            None => {
                m.rcpts.push((
                    key,
                    Rcpt {
                        domain: u32::MAX,
                        deferred: false,
                        done: false,
                    },
                ));
                c.recipients += 1;
                m.rcpts.len() - 1
            }
        };
        let r = &mut m.rcpts[idx].1;
        match d.outcome {
            Outcome::Sent => {
                r.done = true;
                if dest == Dest::Mailbox {
                    c.delivered_local += 1;
                } else {
                    c.relayed += 1;
                }
            }
            Outcome::Bounced | Outcome::Expired => {
                r.done = true;
                c.bounced += 1;
            }
            Outcome::Deferred => {
                c.deferral_events += 1;
                if !r.deferred {
                    r.deferred = true;
                    c.deferred_recipients += 1;
                }
            }
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
        if self.slab[s].by_from {
            // Exim, Sendmail, OpenSMTPD: the first delivery of mail from a remote client tells
            // its direction; mail received is counted in `mta.inbound`
            self.decide(s, if d.mailbox { Dir::In } else { Dir::Out });
            if self.slab[s].dir == Some(Dir::In) {
                let dest = if d.mailbox {
                    Dest::Mailbox
                } else {
                    Dest::Remote
                };
                self.inbound_delivery(s, d, dest);
                let m = &mut self.slab[s];
                if d.outcome != Outcome::Deferred {
                    m.finals += 1;
                }
                if complete_on_count && m.nrcpt > 0 && m.finals >= m.nrcpt {
                    self.retire(d.qid);
                }
                return;
            }
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
        let mut open = Vec::with_capacity(ids.len());
        for &i in ids.values() {
            if !self.slab[i as usize].removed {
                self.close(i as usize);
            }
        }
        let slab = std::mem::take(&mut self.slab);
        self.parity.finish();
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
