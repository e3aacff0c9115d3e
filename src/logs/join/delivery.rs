//! Delivery lines: where each went (remote server, mailbox, content filter), the recipient's
//! state, connections and TLS, and the bounce and deferral tables.

use crate::status::find_reply_code;

use super::super::direction::Dir;
use super::super::dsn_text::normalize_text;
use super::super::syslog::{Delivery, Dest, Outcome, is_loopback};
use super::super::tally::count_text;
use super::{Conn, Join, Org, Rcpt, SAME_CONNECTION_SECS, domain_of, fx};

impl Join {
    /// A Postfix delivery line, with where it went.
    pub(super) fn routed(&mut self, d: &Delivery<'_>, dest: Dest, t: i64) {
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
    pub(super) fn note_traffic(&mut self, d: &Delivery<'_>, t: i64) {
        match d.outcome {
            Outcome::Deferred => self.parity.hour(t).deferred += 1,
            Outcome::Bounced | Outcome::Expired => self.parity.hour(t).bounced += 1,
            Outcome::Sent => {}
        }
    }

    /// A hand-off to a content filter: `queued as QID` names the copy.
    pub(super) fn handoff(&mut self, s: usize, d: &Delivery<'_>) {
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

    /// A delivery of a received message.
    pub(super) fn inbound_delivery(&mut self, s: usize, d: &Delivery<'_>, dest: Dest) {
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
    pub(super) fn delivery_to(
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
                    crate::logs::status_code(text)
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
                    crate::logs::status_code(d.text)
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
}
