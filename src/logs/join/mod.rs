//! The queue-id state machine: joins MTA events (queue id -> message -> recipients) into final
//! states per recipient, counted in [`super::tally::MtaTally`]. Only messages still
//! in the queue are held; a message is dropped when it leaves the queue (`removed`,
//! `Completed`, or for Sendmail its last recipient's final status).

mod arrival;
mod delivery;

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};

use rustc_hash::FxBuildHasher as FxBuild;

use super::direction::{Dir, Site};
use super::dsn_text::normalize_text;
use super::inbound::Inbound;
use super::late::Late;
use super::parity::Parity;
use super::syslog::{Delivery, Dest, Event, Level, Outcome};
use super::tally::MtaTally;

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
    match memchr::memrchr(b'@', addr.as_bytes()) {
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
