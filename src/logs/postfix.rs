//! Postfix syslog messages (after the syslog header): smtpd/pickup injection, qmgr envelope,
//! smtp/lmtp/local/pipe/virtual delivery lines, bounce notices, `removed`, TLS, rejects.

use super::syslog::{Delivery, Event, Outcome, angle, field, find, is_loopback};

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
    let daemon = program.rsplit('/').next().unwrap_or(program);
    let Some(colon) = memchr::memchr(b':', msg.as_bytes()) else {
        return other(daemon, pid, msg);
    };
    let qid = &msg[..colon];
    if !is_qid(qid) {
        return other(daemon, pid, msg);
    }
    let rest = msg[colon + 1..].trim_start();
    if let Some(r) = rest.strip_prefix("to=<") {
        return delivery(qid, pid, r);
    }
    if let Some(client) = rest.strip_prefix("client=") {
        let client = client.split(',').next().unwrap_or("");
        return Event::Injected {
            qid,
            reinjected: is_loopback(client),
        };
    }
    if daemon == "pickup" && rest.contains("from=<") {
        return Event::Injected {
            qid,
            reinjected: false,
        };
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
    if rest.starts_with("reject:") || rest.starts_with("milter-reject:") {
        return Event::Reject;
    }
    if rest.starts_with("warning:") {
        return Event::Warning;
    }
    Event::Ignored
}

fn other<'a>(daemon: &str, pid: u32, msg: &'a str) -> Event<'a> {
    if msg.starts_with("NOQUEUE: reject:") || msg.starts_with("NOQUEUE: milter-reject:") {
        return Event::Reject;
    }
    if msg.starts_with("warning:") {
        return Event::Warning;
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
    let Some(end) = find(r, ">,") else {
        return Event::Unparsed;
    };
    let rcpt = &r[..end];
    let tail = &r[end + 2..];
    let Some(st) = find(tail, "status=") else {
        return Event::Unparsed;
    };
    let head = &tail[..st];
    let status = &tail[st + 7..];
    let word_end = status.find([' ', ',']).unwrap_or(status.len());
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
    let relay = field(head, "relay=").unwrap_or("none");
    let (relay_host, connected) = match relay.find('[') {
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
        dsn: field(head, "dsn=").unwrap_or("").trim(),
        text,
        delay: field(head, "delay=").and_then(|v| v.trim().parse().ok()),
        pid,
        tls: None,
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
        let Event::Delivery(d) = e else {
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
        let Event::Delivery(d) = e else { panic!() };
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
                ndr_of: None
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
            parse("postfix/smtpd", 1, "NOQUEUE: reject: RCPT from x"),
            Event::Reject
        );
    }
}
