//! OpenSMTPD log messages (program `smtpd`, after the syslog header): the event lines of 6.x
//! (`SESSION smtp message msgid=...`, `smtp envelope evpid=...`, `mta delivery`, `mda delivery`,
//! `smtp failed-command`) and the older `relay:` / `delivery:` / `smtp-in:` lines (5.x, and
//! 6.x's `relay: Expire for ...`).
//!
//! The queue id is the message id (8 hex digits); an envelope id (16 hex digits) starts with its
//! message's id. The message line (size, recipients) comes before the envelope lines (sender),
//! and a notice generated here arrives on a session from `address=local`: the parser keeps that
//! little state per session and per message, bounded, and is otherwise one line in, one event
//! out, borrowing from the line.

use std::collections::HashMap;

use super::syslog::{Delivery, Event, Outcome, angle, reject_reason};

/// Open sessions / messages kept at most (a log cut in the middle never grows it further).
const MAX_OPEN: usize = 65_536;

/// Whether a syslog program is OpenSMTPD (`smtpd`; Postfix's is `postfix/smtpd`).
pub(crate) fn is_opensmtpd(program: &str) -> bool {
    program == "smtpd" || program == "opensmtpd"
}

#[derive(Debug, Clone, Copy, Default)]
struct Pending {
    size: Option<u64>,
    nrcpt: Option<u32>,
    local: bool,
}

/// The OpenSMTPD line parser and its per-session state.
#[derive(Debug, Default)]
pub struct Parser {
    /// Sessions from `address=local` (notices generated here, local submission).
    local_sessions: HashMap<u64, ()>,
    /// Messages whose `smtp message` line was seen and whose first envelope line was not.
    pending: HashMap<u32, Pending>,
}

fn hex64(s: &str) -> Option<u64> {
    (s.len() == 16)
        .then(|| u64::from_str_radix(s, 16).ok())
        .flatten()
}

fn hex32(s: &str) -> Option<u32> {
    (s.len() == 8)
        .then(|| u32::from_str_radix(s, 16).ok())
        .flatten()
}

/// The value of `key=` in a space-separated list: `"quoted"` (up to the closing quote), `<x>` or
/// a bare word.
fn kv<'a>(s: &'a str, key: &str) -> Option<&'a str> {
    let mut from = 0;
    while let Some(i) = s[from..].find(key) {
        let at = from + i;
        if (at == 0 || matches!(s.as_bytes()[at - 1], b' ' | b','))
            && s[at + key.len()..].starts_with('=')
        {
            let v = &s[at + key.len() + 1..];
            if let Some(q) = v.strip_prefix('"') {
                // stat="..." may itself hold quotes: the value ends at `"` followed by the end
                // or a space
                let end = q
                    .match_indices('"')
                    .map(|(j, _)| j)
                    .find(|&j| q[j + 1..].is_empty() || q[j + 1..].starts_with(' '))
                    .unwrap_or(q.len());
                return Some(&q[..end]);
            }
            let end = v.find([' ', ',']).unwrap_or(v.len());
            return Some(&v[..end]);
        }
        from = at + key.len();
    }
    None
}

/// `1m`, `2h3m4s`, `5s`, `1d` -> seconds.
fn duration(v: &str) -> Option<f64> {
    let (mut total, mut num) = (0.0, 0.0);
    let mut digits = false;
    for c in v.chars() {
        if let Some(d) = c.to_digit(10) {
            num = num * 10.0 + f64::from(d);
            digits = true;
            continue;
        }
        let unit = match c {
            'd' => 86_400.0,
            'h' => 3_600.0,
            'm' => 60.0,
            's' => 1.0,
            _ => return None,
        };
        if !digits {
            return None;
        }
        total += num * unit;
        num = 0.0;
        digits = false;
    }
    (!digits && !v.is_empty()).then_some(total)
}

fn outcome(result: &str) -> Option<Outcome> {
    Some(match result {
        "Ok" => Outcome::Sent,
        "TempFail" => Outcome::Deferred,
        "PermFail" | "Loop" => Outcome::Bounced,
        "Expire" | "Expired" => Outcome::Expired,
        _ => return None,
    })
}

impl Parser {
    /// Parse the message of an OpenSMTPD line.
    pub fn parse<'a>(&mut self, msg: &'a str) -> Event<'a> {
        if msg.starts_with("warn:") || msg.starts_with("warning:") {
            return Event::Warning;
        }
        if let Some((word, rest)) = msg.split_once(": ")
            && matches!(word, "relay" | "delivery" | "expire" | "bounce")
        {
            return old_delivery(word, rest);
        }
        if let Some(r) = msg.strip_prefix("smtp-in: ") {
            return self.old_smtp_in(r);
        }
        let Some((sess, rest)) = msg.split_once(' ') else {
            return Event::Ignored;
        };
        let Some(sid) = hex64(sess) else {
            return Event::Ignored;
        };
        let (kind, rest) = rest.split_once(' ').unwrap_or((rest, ""));
        let (what, attrs) = rest.split_once(' ').unwrap_or((rest, ""));
        match (kind, what) {
            ("smtp", "connected") => {
                if kv(attrs, "address") == Some("local") {
                    self.bound();
                    self.local_sessions.insert(sid, ());
                }
                Event::Ignored
            }
            ("smtp", "disconnected") => {
                self.local_sessions.remove(&sid);
                Event::Ignored
            }
            ("smtp", "message") => {
                let Some(id) = kv(attrs, "msgid").and_then(hex32) else {
                    return Event::Unparsed;
                };
                self.bound();
                self.pending.insert(
                    id,
                    Pending {
                        size: kv(attrs, "size").and_then(|v| v.parse().ok()),
                        nrcpt: kv(attrs, "nrcpt").and_then(|v| v.parse().ok()),
                        local: self.local_sessions.contains_key(&sid),
                    },
                );
                Event::Ignored
            }
            ("smtp", "envelope") => {
                let (Some(ev), Some(from)) = (kv(attrs, "evpid"), kv(attrs, "from")) else {
                    return Event::Unparsed;
                };
                let Some(qid) = ev.get(..8).filter(|_| hex64(ev).is_some()) else {
                    return Event::Unparsed;
                };
                // the first envelope of a message carries its sender: the message is queued
                let Some(p) = hex32(qid).and_then(|id| self.pending.remove(&id)) else {
                    return Event::Ignored;
                };
                let sender = angle(from);
                Event::From {
                    qid,
                    sender,
                    size: p.size,
                    nrcpt: p.nrcpt,
                    injected: true,
                    // a notice this server generated (it reports on a message whose id the
                    // log does not say)
                    ndr_of: (sender.is_empty() && p.local).then_some(""),
                    // a session from another host: received, or relayed for a trusted one
                    remote: !p.local,
                }
            }
            ("smtp", "failed-command") => {
                let cmd = kv(attrs, "command").unwrap_or("").to_ascii_uppercase();
                let result = kv(attrs, "result").unwrap_or("");
                match ["RCPT", "MAIL", "DATA"]
                    .iter()
                    .find(|c| cmd.starts_with(*c))
                {
                    Some(&stage) if result.starts_with(['4', '5']) => Event::Reject {
                        stage,
                        reason: reject_reason(stage, result),
                    },
                    _ => Event::Ignored,
                }
            }
            ("mta" | "mda", "delivery") => delivery(kind == "mta", attrs),
            _ => Event::Ignored,
        }
    }

    /// `smtp-in: Accepted message MSGID on session SID: from=<..>, size=N, nrcpt=N, proto=..`
    /// and `smtp-in: Failed command on session SID: "RCPT TO:<..>" => 550 ...` (5.x).
    fn old_smtp_in<'a>(&mut self, r: &'a str) -> Event<'a> {
        if let Some(r) = r.strip_prefix("Accepted message ") {
            let Some((id, tail)) = r.split_once(' ') else {
                return Event::Unparsed;
            };
            if hex32(id).is_none() {
                return Event::Unparsed;
            }
            let sender = kv(tail, "from").map(angle).unwrap_or("");
            return Event::From {
                qid: id,
                sender,
                size: kv(tail, "size").and_then(|v| v.parse().ok()),
                nrcpt: kv(tail, "nrcpt").and_then(|v| v.parse().ok()),
                injected: true,
                ndr_of: None,
                remote: false,
            };
        }
        if r.starts_with("Failed command on session ")
            && let Some((_, reply)) = r.split_once("=> ")
            && reply.starts_with(['4', '5'])
        {
            let cmd = r.split_once('"').map_or("", |x| x.1).to_ascii_uppercase();
            let stage = ["RCPT", "MAIL", "DATA"]
                .into_iter()
                .find(|c| cmd.starts_with(c))
                .unwrap_or("SMTP");
            return Event::Reject {
                stage,
                reason: reject_reason(stage, reply),
            };
        }
        Event::Ignored
    }

    /// Keep the state bounded: a log that never closes its sessions does not grow it.
    fn bound(&mut self) {
        if self.local_sessions.len() >= MAX_OPEN {
            self.local_sessions.clear();
        }
        if self.pending.len() >= MAX_OPEN {
            self.pending.clear();
        }
    }
}

/// `mta delivery evpid=.. from=<..> to=<..> rcpt=<..> source=".." relay="ADDR (HOST)"
/// delay=1s result="Ok" stat="250 ..."`; `mda delivery ... user=U ... stat=Delivered`.
fn delivery(remote: bool, attrs: &str) -> Event<'_> {
    let (Some(ev), Some(to), Some(result)) =
        (kv(attrs, "evpid"), kv(attrs, "to"), kv(attrs, "result"))
    else {
        return Event::Unparsed;
    };
    let Some(qid) = ev.get(..8).filter(|_| hex64(ev).is_some()) else {
        return Event::Unparsed;
    };
    let Some(outcome) = outcome(result) else {
        return Event::Unparsed;
    };
    let text = kv(attrs, "stat").unwrap_or("");
    let (relay_host, connected) = if remote {
        match kv(attrs, "relay") {
            // "192.0.2.10 (mx.example.net)": the host name when known, else the address
            Some(r) => {
                let host = match (r.find(" ("), r.strip_suffix(')')) {
                    (Some(i), Some(x)) => &x[i + 2..],
                    _ => r,
                };
                // source="-": no connection was made (routes disabled, MX unreachable)
                let connected = kv(attrs, "source").is_some_and(|s| s != "-" && !s.is_empty());
                (Some(host), connected)
            }
            None => (None, false),
        }
    } else {
        (None, false)
    };
    Event::Delivery(Delivery {
        qid,
        rcpt: angle(to),
        outcome,
        relay_host,
        connected,
        dsn: super::status_code(text),
        text,
        delay: kv(attrs, "delay").and_then(duration),
        pid: 0,
        tls: None,
        mailbox: !remote,
    })
}

/// `relay: Ok for EVPID: session SID, from=<..>, to=<..>, rcpt=<..>, source=.., relay=..,
/// delay=.., stat=Sent (250 ...)`, `delivery: PermFail for EVPID: from=<..>, to=<..>, ...`,
/// `relay: Expire for EVPID: from=<..>, to=<..>, rcpt=<->, delay=1m, stat=Envelope expired`.
fn old_delivery<'a>(word: &str, rest: &'a str) -> Event<'a> {
    let Some((result, tail)) = rest.split_once(" for ") else {
        return Event::Ignored;
    };
    let Some(outcome) = outcome(result) else {
        return Event::Ignored;
    };
    let Some((ev, attrs)) = tail.split_once(": ") else {
        return Event::Unparsed;
    };
    let Some(qid) = ev.get(..8).filter(|_| hex64(ev).is_some()) else {
        return Event::Unparsed;
    };
    let Some(to) = kv(attrs, "to") else {
        return Event::Unparsed;
    };
    // stat= runs to the end of the line (it may hold commas)
    let text = attrs
        .find("stat=")
        .map(|i| &attrs[i + 5..])
        .unwrap_or("")
        .trim();
    let relay = (word == "relay")
        .then(|| kv(attrs, "relay"))
        .flatten()
        .filter(|r| !r.is_empty() && *r != "-");
    Event::Delivery(Delivery {
        qid,
        rcpt: angle(to),
        outcome,
        relay_host: relay,
        connected: relay.is_some() && outcome != Outcome::Expired,
        dsn: super::status_code(text),
        text,
        delay: kv(attrs, "delay").and_then(duration),
        pid: 0,
        tls: None,
        mailbox: word == "delivery",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_lines_of_6x() {
        let mut p = Parser::default();
        assert_eq!(
            p.parse("7dc51c5c1f60b5c0 smtp connected address=192.0.2.30 host=app.example"),
            Event::Ignored
        );
        assert_eq!(
            p.parse("7dc51c5c1f60b5c0 smtp message msgid=d9f1c7d3 size=773 nrcpt=2 proto=ESMTP"),
            Event::Ignored
        );
        assert_eq!(
            p.parse("7dc51c5c1f60b5c0 smtp envelope evpid=d9f1c7d393c40db9 from=<news@a.example> to=<ok1@b.example>"),
            Event::From {
                qid: "d9f1c7d3",
                sender: "news@a.example",
                size: Some(773),
                nrcpt: Some(2),
                injected: true,
                ndr_of: None,
                remote: true
            }
        );
        // the second envelope of the same message adds nothing
        assert_eq!(
            p.parse("7dc51c5c1f60b5c0 smtp envelope evpid=d9f1c7d3fc7fadda from=<news@a.example> to=<ok2@b.example>"),
            Event::Ignored
        );
        let e = p.parse(r#"7dc51c5f1ab2388b mta delivery evpid=c965281b992532b0 from=<news@a.example> to=<unknown@b.example> rcpt=<-> source="192.0.2.5" relay="192.0.2.10 (mx.b.example)" delay=0s result="PermFail" stat="550 5.1.1 <unknown@b.example>: User unknown""#);
        let Event::Delivery(d) = e else {
            panic!("{e:?}")
        };
        assert_eq!(
            (d.qid, d.rcpt, d.outcome, d.relay_host, d.connected),
            (
                "c965281b",
                "unknown@b.example",
                Outcome::Bounced,
                Some("mx.b.example"),
                true
            )
        );
        assert_eq!(d.dsn, "5.1.1");
        assert_eq!(d.text, "550 5.1.1 <unknown@b.example>: User unknown");
        // no connection: source="-", relay an address only
        let e = p.parse(r#"0000000000000000 mta delivery evpid=543d5820b0c28384 from=<news@a.example> to=<x@down.example> rcpt=<-> source="-" relay="192.0.2.11" delay=11s result="TempFail" stat="Network error on destination MXs""#);
        let Event::Delivery(d) = e else { panic!() };
        assert_eq!(
            (d.outcome, d.relay_host, d.connected, d.delay),
            (Outcome::Deferred, Some("192.0.2.11"), false, Some(11.0))
        );
        // local delivery; stat with quotes inside
        let e = p.parse(r#"7dc51c6d07d57c1c mda delivery evpid=4d7cb9c394bab61b from=<f@r.example> to=<alice@a.example> rcpt=<alice@a.example> user=nobody delay=0s result=PermFail stat=Error ("/bin/sh: 1: x: not found")"#);
        let Event::Delivery(d) = e else { panic!() };
        assert_eq!((d.outcome, d.relay_host), (Outcome::Bounced, None));
        assert_eq!(
            p.parse(r#"7dc51c6f077ac1b8 smtp failed-command command="rcpt TO:<n@a.example>" result="524 5.2.4 Mailing list expansion problem: <n@a.example>""#),
            Event::Reject {
                stage: "RCPT",
                reason: "unknown_recipient"
            }
        );
        assert_eq!(p.parse("warn: queue: no return path!"), Event::Warning);
    }

    #[test]
    fn notices_generated_here_come_from_local_sessions() {
        let mut p = Parser::default();
        p.parse("7dc51c66addb3def smtp connected address=local host=mail");
        p.parse("7dc51c66addb3def smtp message msgid=66bd34f2 size=2200 nrcpt=1 proto=ESMTP");
        let e = p.parse(
            "7dc51c66addb3def smtp envelope evpid=66bd34f23554fb72 from=<> to=<news@a.example>",
        );
        assert!(
            matches!(
                e,
                Event::From {
                    ndr_of: Some(_),
                    sender: "",
                    ..
                }
            ),
            "{e:?}"
        );
        // a null sender from a remote MX is a message received, not a notice made here
        p.parse("7dc51c77fd3d48ee smtp connected address=192.0.2.10 host=mx.b.example");
        p.parse("7dc51c77fd3d48ee smtp message msgid=2623db2a size=1089 nrcpt=1 proto=ESMTP");
        let e = p.parse(
            "7dc51c77fd3d48ee smtp envelope evpid=2623db2a21bf9751 from=<> to=<news@a.example>",
        );
        assert!(
            matches!(
                e,
                Event::From {
                    ndr_of: None,
                    sender: "",
                    ..
                }
            ),
            "{e:?}"
        );
    }

    #[test]
    fn older_lines() {
        let mut p = Parser::default();
        let e = p.parse("relay: Expire for 4dd15269646b5245: from=<news@a.example>, to=<full@b.example>, rcpt=<->, delay=1m, stat=Envelope expired");
        let Event::Delivery(d) = e else {
            panic!("{e:?}")
        };
        assert_eq!(
            (d.qid, d.rcpt, d.outcome, d.delay, d.text),
            (
                "4dd15269",
                "full@b.example",
                Outcome::Expired,
                Some(60.0),
                "Envelope expired"
            )
        );
        let e = p.parse("relay: Ok for 1a2b3c4d5e6f7a8b: session 0123456789abcdef, from=<s@a.example>, to=<r@b.example>, rcpt=<->, source=192.0.2.5, relay=192.0.2.10 (mx.b.example), delay=2s, stat=Sent (250 2.0.0 Ok: queued)");
        let Event::Delivery(d) = e else { panic!() };
        assert_eq!(
            (d.outcome, d.text),
            (Outcome::Sent, "Sent (250 2.0.0 Ok: queued)")
        );
        let e = p.parse("smtp-in: Accepted message 1a2b3c4d on session 0123456789abcdef: from=<s@a.example>, size=1234, nrcpt=1, proto=ESMTP");
        assert!(
            matches!(
                e,
                Event::From {
                    qid: "1a2b3c4d",
                    sender: "s@a.example",
                    size: Some(1234),
                    nrcpt: Some(1),
                    ..
                }
            ),
            "{e:?}"
        );
        assert_eq!(
            p.parse(r#"smtp-in: Failed command on session 0123456789abcdef: "RCPT TO:<x@a.example>" => 550 5.7.1 Relaying denied"#),
            Event::Reject {
                stage: "RCPT",
                reason: "relay"
            }
        );
        assert_eq!(duration("2h3m4s"), Some(7384.0));
        assert_eq!(duration("x"), None);
        assert_eq!(duration(""), None);
        // garbage never panics
        for l in [
            "",
            " ",
            "relay: ",
            "relay: Ok for ",
            "relay: Ok for x: ",
            "ffffffffffffffff",
            "ffffffffffffffff mta delivery evpid=é",
        ] {
            let _ = p.parse(l);
        }
    }
}
