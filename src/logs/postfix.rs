//! Postfix syslog messages (after the syslog header): smtpd/pickup injection, qmgr envelope,
//! smtp/lmtp/local/pipe/virtual delivery lines, bounce notices, `removed`, TLS, rejects.

use super::syslog::{
    Delivery, Dest, Event, Level, Outcome, Source, angle, byte_pos, field, field_with, find,
    find_with, is_loopback,
};

/// The needles of every delivery line, searchers built once: `>,`, `status=`, `relay=`,
/// `dsn=`, `delay=`.
static NEEDLES: std::sync::LazyLock<[memchr::memmem::Finder<'static>; 5]> =
    std::sync::LazyLock::new(|| {
        [">,", "status=", "relay=", "dsn=", "delay="].map(memchr::memmem::Finder::new)
    });

/// Whether a syslog program name is a Postfix daemon (`postfix/smtp`, `postfix-out/qmgr`, ...).
pub(crate) fn is_postfix(program: &str) -> bool {
    program.starts_with("postfix")
}

/// Whether `s` is a Postfix queue id: short (upper-case hex) or long (`enable_long_queue_ids`:
/// digits and consonants, a `z` between time and inode parts).
pub(crate) fn is_qid(s: &str) -> bool {
    const LONG: &[u8] = b"0123456789BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz";
    (6..=32).contains(&s.len())
        && (s
            .bytes()
            .all(|c| c.is_ascii_digit() || (b'A'..=b'F').contains(&c))
            || s.bytes().all(|c| LONG.contains(&c)))
}

/// Parse the message of a Postfix line logged by `program` (process `pid`).
pub fn parse<'a>(program: &'a str, pid: u32, msg: &'a str) -> Event<'a> {
    let daemon: &'a str = match memchr::memrchr(b'/', program.as_bytes()) {
        Some(i) => &program[i + 1..],
        None => program,
    };
    let Some(colon) = byte_pos(msg.as_bytes(), b':') else {
        return other(daemon, pid, msg);
    };
    let qid = &msg[..colon];
    if !is_qid(qid) {
        return other(daemon, pid, msg);
    }
    // the usual single space first, then any other leading white space
    let rest = &msg[colon + 1..];
    let rest = rest.strip_prefix(' ').unwrap_or(rest);
    let rest = if rest.starts_with(char::is_whitespace) {
        rest.trim_start()
    } else {
        rest
    };
    if let Some(r) = rest.strip_prefix("to=<") {
        return match delivery(qid, pid, r) {
            Event::Delivery(d) => Event::Routed(d, destination(daemon, r, &d)),
            e => e,
        };
    }
    if let Some(line) = rest.strip_prefix("client=") {
        let client = line.split(',').next().unwrap_or("");
        // a service named after a port (`postfix/10025/smtpd`) is a filter's re-injection
        // listener
        let filter_service = program
            .split('/')
            .any(|p| !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit()));
        return Event::Arrived {
            qid,
            source: Source::Client {
                client,
                sasl: find(line, "sasl_username=").is_some(),
                filter_service: filter_service && is_loopback(client),
            },
        };
    }
    if daemon == "pickup" && rest.contains("from=<") {
        return Event::Arrived {
            qid,
            source: Source::Pickup,
        };
    }
    if let Some(id) = rest.strip_prefix("message-id=") {
        return Event::MessageId {
            qid,
            id: angle(id.split(' ').next().unwrap_or("")),
        };
    }
    for action in ["hold", "discard", "redirect", "filter"] {
        if let Some(t) = rest.strip_prefix(action).and_then(|t| t.strip_prefix(": ")) {
            return Event::Diverted {
                qid,
                action,
                text: t,
            };
        }
    }
    if let Some(r) = rest.strip_prefix("from=<") {
        let Some(end) = r
            .find(">,")
            .or_else(|| r.strip_suffix('>').map(|x| x.len()))
        else {
            return Event::Unparsed;
        };
        let sender = &r[..end];
        let tail = &r[end..];
        if find(tail, "status=expired").is_some() {
            return Event::Expired { qid };
        }
        return Event::From {
            qid,
            sender,
            size: field(tail, "size=").and_then(|v| v.trim().parse().ok()),
            nrcpt: field(tail, "nrcpt=").and_then(|v| v.split(' ').next()?.parse().ok()),
            injected: false,
            ndr_of: None,
            remote: false,
        };
    }
    if rest == "removed" {
        return Event::Removed { qid };
    }
    if let Some(r) = rest
        .strip_prefix("sender non-delivery notification: ")
        .or_else(|| rest.strip_prefix("postmaster non-delivery notification: "))
    {
        let ndr = r.trim();
        return if is_qid(ndr) {
            Event::Ndr { orig: qid, ndr }
        } else {
            Event::Unparsed
        };
    }
    if let Some(e) = reject(daemon, rest) {
        return e;
    }
    if let Some(e) = notice(daemon, rest) {
        return e;
    }
    Event::Ignored
}

/// `reject: RCPT from host[addr]: 550 5.1.1 <x>: Recipient address rejected: ...; from=<..>
/// to=<..> proto=ESMTP helo=<..>` (and `reject_warning:`, `milter-reject:`).
fn reject<'a>(daemon: &str, rest: &'a str) -> Option<Event<'a>> {
    let (warn, r) = if let Some(r) = rest.strip_prefix("reject: ") {
        (false, r)
    } else if let Some(r) = rest.strip_prefix("milter-reject: ") {
        (false, r)
    } else {
        (true, rest.strip_prefix("reject_warning: ")?)
    };
    let milter = rest.starts_with("milter");
    let stage = r.split(' ').next().unwrap_or("");
    // the reply: after `from host[addr]: ` (or `from host[addr]; ` in cleanup lines)
    let text = match find(r, "]: ") {
        Some(i) => &r[i + 3..],
        None => r,
    };
    let text = match find(text, "; from=<") {
        Some(i) => &text[..i],
        None => text,
    };
    let stage = if daemon == "postscreen" {
        "postscreen"
    } else if milter {
        "milter"
    } else {
        stage
    };
    Some(Event::Rejected {
        stage,
        reason: reject_reason(stage, text),
        warn,
        text,
    })
}

/// The reason of an inbound reject, from its stage and reply text.
pub(crate) fn reject_reason(stage: &str, text: &str) -> &'static str {
    let has = |n: &str| {
        text.as_bytes()
            .windows(n.len())
            .any(|w| w.eq_ignore_ascii_case(n.as_bytes()))
    };
    if has("blocked using") || has("listed by") || has("dnsbl") {
        "rbl"
    } else if has("greylist") {
        "greylisting"
    } else if has("helo command rejected") {
        "helo"
    } else if has("sender address rejected") {
        "sender"
    } else if has("recipient address rejected")
        && (has("user unknown")
            || has("unknown in ")
            || has("undeliverable address")
            || has("does not exist"))
    {
        "unknown_recipient"
    } else if has("relay access denied") {
        "relay"
    } else if has("client host rejected") || has("reverse hostname") {
        "client"
    } else if matches!(stage, "header" | "body" | "milter" | "END-OF-MESSAGE") {
        "content"
    } else {
        "policy"
    }
}

/// `warning:` / `error:` / `fatal:` / `panic:` lines, master daemon messages, SMTP client
/// failures before any reply.
fn notice<'a>(daemon: &'a str, msg: &'a str) -> Option<Event<'a>> {
    for (word, level) in [
        ("warning: ", Level::Warning),
        ("error: ", Level::Error),
        ("fatal: ", Level::Fatal),
        ("panic: ", Level::Panic),
    ] {
        if let Some(text) = msg.strip_prefix(word) {
            return Some(Event::Notice {
                level,
                daemon,
                text,
            });
        }
    }
    if daemon == "master" {
        return Some(Event::Notice {
            level: Level::Master,
            daemon,
            text: msg,
        });
    }
    if matches!(daemon, "smtp" | "lmtp") && msg.starts_with("connect to ") {
        return Some(Event::Notice {
            level: Level::SmtpFailure,
            daemon,
            text: msg,
        });
    }
    None
}

/// Where a delivery line went: the delivery agent, then the relay and the reply.
fn destination(daemon: &str, line: &str, d: &Delivery<'_>) -> Dest {
    if matches!(daemon, "local" | "virtual" | "pipe" | "discard") {
        return Dest::Mailbox;
    }
    // loopback: the relay's address (`relay=127.0.0.1[127.0.0.1]:10024`, `localhost[::1]`)
    let loopback = d.connected
        && field_with(line, "relay=", &NEEDLES[2]).is_some_and(|r| r != "none" && is_loopback(r));
    if daemon != "lmtp" && !loopback {
        return Dest::Remote;
    }
    let queued_as = find(d.text, "queued as ").is_some();
    match daemon {
        "lmtp" => {
            if queued_as && loopback {
                Dest::Filter
            } else if queued_as {
                Dest::Remote
            } else {
                Dest::Mailbox
            }
        }
        _ if loopback => {
            // LMTP/SMTP to a mailbox store on this machine answers without a new queue id
            if d.outcome == Outcome::Sent && !queued_as && find(d.text, "Saved").is_some() {
                Dest::Mailbox
            } else {
                Dest::Filter
            }
        }
        _ => Dest::Remote,
    }
}

fn other<'a>(daemon: &'a str, pid: u32, msg: &'a str) -> Event<'a> {
    if let Some(r) = msg.strip_prefix("NOQUEUE: ")
        && let Some(e) = reject(daemon, r)
    {
        return e;
    }
    if let Some(e) = notice(daemon, msg) {
        return e;
    }
    if daemon == "smtpd" {
        if let Some(c) = msg.strip_prefix("connect from ") {
            return Event::Connect { pid, client: c };
        }
        if msg.starts_with("disconnect from ") {
            return Event::Disconnect { pid };
        }
    }
    if matches!(daemon, "smtp" | "lmtp")
        && let Some((_, r)) = msg.split_once(' ')
        && let Some(r) = r.strip_prefix("TLS connection established to ")
    {
        let end = r.find(['[', ':']).unwrap_or(r.len());
        return Event::Tls {
            pid,
            host: &r[..end],
        };
    }
    Event::Ignored
}

fn delivery<'a>(qid: &'a str, pid: u32, r: &'a str) -> Event<'a> {
    // r = "rcpt>, [orig_to=<..>, ]relay=..., delay=..., dsn=..., status=... (text)"
    let Some(end) = find_with(r, &NEEDLES[0]) else {
        return Event::Unparsed;
    };
    let rcpt = &r[..end];
    let tail = &r[end + 2..];
    let Some(st) = find_with(tail, &NEEDLES[1]) else {
        return Event::Unparsed;
    };
    let head = &tail[..st];
    let status = &tail[st + 7..];
    let word_end = status
        .bytes()
        .position(|c| c == b' ' || c == b',')
        .unwrap_or(status.len());
    let outcome = match &status[..word_end] {
        "sent" => Outcome::Sent,
        "bounced" => Outcome::Bounced,
        "deferred" => Outcome::Deferred,
        "expired" => Outcome::Expired,
        "undeliverable" | "deliverable" => return Event::Ignored, // address verification probes
        _ => return Event::Unparsed,
    };
    let text = status[word_end..].trim();
    let text = text
        .strip_prefix('(')
        .and_then(|t| t.strip_suffix(')'))
        .unwrap_or(text);
    let relay = field_with(head, "relay=", &NEEDLES[2]).unwrap_or("none");
    let (relay_host, connected) = match byte_pos(relay.as_bytes(), b'[') {
        Some(i) => (Some(&relay[..i]), !relay[i..].starts_with("[]")),
        None if relay == "none" => (None, false),
        None => (Some(relay), false),
    };
    Event::Delivery(Delivery {
        qid,
        rcpt: angle(rcpt),
        outcome,
        relay_host,
        connected,
        dsn: field_with(head, "dsn=", &NEEDLES[3]).unwrap_or("").trim(),
        text,
        delay: field_with(head, "delay=", &NEEDLES[4]).and_then(|v| v.trim().parse().ok()),
        pid,
        tls: None,
        mailbox: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delivery_lines() {
        let e = parse(
            "postfix/smtp",
            7,
            "AC26A10B3C: to=<a@b.example>, relay=mx.b.example[192.0.2.1]:25, delay=0.76, delays=0.31/0.067/0.24/0.13, dsn=2.0.0, status=sent (250 2.0.0 OK)",
        );
        let Event::Routed(d, Dest::Remote) = e else {
            panic!("{e:?}")
        };
        assert_eq!(d.rcpt, "a@b.example");
        assert_eq!(d.outcome, Outcome::Sent);
        assert_eq!(d.relay_host, Some("mx.b.example"));
        assert!(d.connected);
        assert_eq!(d.dsn, "2.0.0");
        assert_eq!(d.delay, Some(0.76));
        assert_eq!(d.text, "250 2.0.0 OK");
        let e = parse(
            "postfix/smtp",
            7,
            "AC26A10B3C: to=<a@b.example>, relay=none, delay=1, delays=1/0/0/0, dsn=5.4.4, status=bounced (Host or domain name not found)",
        );
        let Event::Routed(d, Dest::Remote) = e else {
            panic!()
        };
        assert!(!d.connected && d.relay_host.is_none());
        assert_eq!(
            parse(
                "postfix/qmgr",
                1,
                "AC26A10B3C: from=<s@x>, size=9022, nrcpt=2 (queue active)"
            ),
            Event::From {
                qid: "AC26A10B3C",
                sender: "s@x",
                size: Some(9022),
                nrcpt: Some(2),
                injected: false,
                ndr_of: None,
                remote: false
            }
        );
        assert_eq!(
            parse(
                "postfix/bounce",
                1,
                "AC26A10B3C: sender non-delivery notification: 1B2C3D4E5F"
            ),
            Event::Ndr {
                orig: "AC26A10B3C",
                ndr: "1B2C3D4E5F"
            }
        );
        assert_eq!(
            parse(
                "postfix/smtp",
                9,
                "Verified TLS connection established to mx.b.example[192.0.2.1]:25: TLSv1.3"
            ),
            Event::Tls {
                pid: 9,
                host: "mx.b.example"
            }
        );
        assert_eq!(
            parse("postfix/smtp", 1, "AC26A10B3C: to=<a@b>, relay=none"),
            Event::Unparsed
        );
        assert_eq!(
            parse(
                "postfix/smtpd",
                1,
                "NOQUEUE: reject: RCPT from x[192.0.2.9]: 550 5.1.1 <a@b>: Recipient address rejected: User unknown in virtual mailbox table; from=<s@x> to=<a@b> proto=ESMTP helo=<x>"
            ),
            Event::Rejected {
                stage: "RCPT",
                reason: "unknown_recipient",
                warn: false,
                text: "550 5.1.1 <a@b>: Recipient address rejected: User unknown in virtual mailbox table"
            }
        );
        let pscreen = "NOQUEUE: reject: RCPT from [185.246.220.193]:62795: 550 5.7.1 Service unavailable; client [185.246.220.193] blocked using zen.spamhaus.org; from=<a@b>, to=<c@d>, proto=ESMTP, helo=<x>";
        let Event::Rejected { stage, reason, .. } = parse("postfix/postscreen", 1, pscreen) else {
            panic!()
        };
        assert_eq!((stage, reason), ("postscreen", "rbl"));
        let amavis = "4PbC4x469Jz3tBr: to=<u@uhu.example>, orig_to=<f@b.example>, relay=127.0.0.1[127.0.0.1]:10024, delay=2.4, delays=0.29/0.02/0.01/2.1, dsn=2.0.0, status=sent (250 2.0.0 from MTA(smtp:[127.0.0.1]:10025): 250 2.0.0 Ok: queued as 4PbC4z6W5Qz3tG3)";
        assert!(matches!(
            parse("postfix/amavis/smtp", 1, amavis),
            Event::Routed(_, Dest::Filter)
        ));
        let dovecot = "4PbC4z6W5Qz3tG3: to=<u@uhu.example>, relay=dovecot, delay=0.1, delays=0/0/0/0.1, dsn=2.0.0, status=sent (delivered via dovecot service)";
        assert!(matches!(
            parse("postfix/pipe", 1, dovecot),
            Event::Routed(_, Dest::Mailbox)
        ));
        assert_eq!(
            parse(
                "postfix/10025/smtpd",
                1,
                "4PbC4z6W5Qz3tG3: client=localhost[127.0.0.1]"
            ),
            Event::Arrived {
                qid: "4PbC4z6W5Qz3tG3",
                source: Source::Client {
                    client: "localhost[127.0.0.1]",
                    sasl: false,
                    filter_service: true
                }
            }
        );
    }
}
