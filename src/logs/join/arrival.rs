//! How a message arrived and which way it goes: the arrival line (local submission, remote
//! client, a content filter's copy), Message-IDs linking filter copies to their original, and
//! the counts that wait until a message's direction is known.

use super::super::direction::{Dir, client_ip};
use super::super::parity::client_host_domain;
use super::super::syslog::{Dest, Source, is_loopback};
use super::{Carry, Join, Org, fx};

impl Join {
    /// A Postfix message arrived (`client=` / `pickup`).
    pub(super) fn arrived(&mut self, qid: &str, source: Source<'_>, t: i64) {
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
    pub(super) fn message_id(&mut self, qid: &str, id: &str) {
        let h = crate::logs::late::msgid_hash(id);
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
    pub(super) fn link(&mut self, c: usize, p: usize) {
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
    pub(super) fn flush(&mut self, s: usize, last: bool) {
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
    pub(super) fn close(&mut self, s: usize) {
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

    /// The direction of a message whose `From` said `remote` is known (its first delivery, or
    /// it leaves the queue): count it as sent or as received, once.
    pub(super) fn decide(&mut self, s: usize, dir: Dir) {
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
}
