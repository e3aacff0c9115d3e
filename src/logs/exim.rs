//! Exim main log lines: `DATE TIME [+ZONE] [[PID]] ID FLAG ...` with `<=` arrivals, `=>`/`->`
//! deliveries, `**` failures, `==` deferrals and `Completed`.

use super::syslog::{Delivery, Event, Outcome, reject_reason};
use super::time::parse_iso;

/// Whether `s` is an Exim message id (`1rjTG7-000H52-Hq` or `1rjTG7-000000005vi-0000`).
pub(crate) fn is_exim_id(s: &str) -> bool {
    let b = s.as_bytes();
    (b.len() == 16 && b[6] == b'-' && b[13] == b'-'
        || b.len() == 23 && b[6] == b'-' && b[18] == b'-')
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
}

/// Split an Exim line into its time and the rest (after the optional zone and `[pid]`).
pub fn split(line: &str) -> Option<(i64, &str)> {
    let (t, n) = parse_iso(line.as_bytes())?;
    let mut rest = line.get(n..)?.trim_start();
    if let Some(r) = rest.strip_prefix('[')
        && let Some(e) = r.find("] ")
    {
        rest = &r[e + 2..];
    }
    Some((t, rest))
}

/// Parse the part of an Exim line after the timestamp.
pub fn parse(rest: &str) -> Event<'_> {
    let Some(sp) = rest.find(' ') else {
        return Event::Ignored;
    };
    let id = &rest[..sp];
    if !is_exim_id(id) {
        let stage = if rest.contains(" rejected RCPT ") {
            Some("RCPT")
        } else if rest.contains(" rejected MAIL ") {
            Some("MAIL")
        } else if rest.contains("rejected after DATA") {
            Some("DATA")
        } else if rest.contains(" rejected connection") {
            Some("CONNECT")
        } else {
            None
        };
        if let Some(stage) = stage {
            let text = rest.rsplit_once(": ").map_or("", |x| x.1);
            return Event::Reject {
                stage,
                reason: reject_reason(stage, text),
            };
        }
        if rest.starts_with("no IP address found") || rest.contains("warning:") {
            return Event::Warning;
        }
        return Event::Ignored;
    }
    let body = &rest[sp + 1..];
    if body == "Completed" || body.starts_with("Completed ") {
        return Event::Removed { qid: id };
    }
    let (flag, r) = match body.split_once(' ') {
        Some(x) => x,
        None => return Event::Ignored,
    };
    match flag {
        "<=" => {
            let sender_end = r.find(' ').unwrap_or(r.len());
            let sender = &r[..sender_end];
            let sender = if sender == "<>" { "" } else { sender };
            let attrs = &r[sender_end..];
            let ndr_of = if sender.is_empty() {
                attr(attrs, "R=")
            } else {
                None
            };
            Event::From {
                qid: id,
                sender,
                size: attr(attrs, "S=").and_then(|v| v.parse().ok()),
                nrcpt: None,
                injected: true,
                ndr_of,
                // an SMTP client, not authenticated: received, or relayed for a trusted host
                remote: attr(attrs, "H=").is_some()
                    && attr(attrs, "A=").is_none()
                    && attr(attrs, "P=").is_none_or(|p| !p.starts_with("local")),
            }
        }
        "=>" | "->" | "*>" => delivery(id, r, Outcome::Sent, flag == "=>"),
        "**" => delivery(id, r, Outcome::Bounced, false),
        "==" => delivery(id, r, Outcome::Deferred, false),
        _ => Event::Ignored,
    }
}

/// The value of ` K=v` up to the next space (quoted values not supported here).
fn attr<'a>(s: &'a str, key: &str) -> Option<&'a str> {
    let mut from = 0;
    while let Some(i) = s[from..].find(key) {
        let at = from + i;
        if at == 0 || s.as_bytes()[at - 1] == b' ' {
            let v = &s[at + key.len()..];
            return Some(&v[..v.find(' ').unwrap_or(v.len())]);
        }
        from = at + key.len();
    }
    None
}

fn delivery<'a>(qid: &'a str, r: &'a str, outcome: Outcome, _first: bool) -> Event<'a> {
    let end = r.find(' ').unwrap_or(r.len());
    let mut rcpt = r[..end].trim_end_matches(':');
    if rcpt.is_empty() {
        return Event::Unparsed;
    }
    let mut rest = &r[end..];
    // a local delivery names the local part, then the address: `=> news <news@a.example>`
    if !rcpt.contains('@')
        && let Some(a) = rest.strip_prefix(" <")
        && let Some(e) = a.find('>')
        && a[..e].contains('@')
    {
        rcpt = a[..e].trim_end_matches(':');
        rest = &a[e + 1..];
    }
    // text: after the first ": " (failures), or the C="..." confirmation (deliveries)
    let (head, text) = match outcome {
        Outcome::Sent => (rest, attr_quoted(rest, "C=").unwrap_or("")),
        _ => match rest.find(": ") {
            Some(i) => (&rest[..i], rest[i + 2..].trim()),
            None if r[..end].ends_with(':') => ("", rest.trim()),
            None => (rest, ""),
        },
    };
    let host = attr(head, "H=");
    let connected = host.is_some() && head.contains(" [");
    let outcome = if outcome == Outcome::Bounced && is_expiry(text) {
        Outcome::Expired
    } else {
        outcome
    };
    let dsn = super::status_code(text);
    Event::Delivery(Delivery {
        qid,
        rcpt,
        outcome,
        relay_host: host,
        connected,
        dsn,
        text,
        delay: attr(rest, "QT=").and_then(parse_exim_duration),
        pid: 0,
        tls: Some(attr(head, "X=").is_some()),
        // a local transport (appendfile, pipe, LMTP to a store): no host, not remote_smtp
        mailbox: host.is_none() && attr(head, "T=").is_some_and(|t| !t.contains("smtp")),
    })
}

/// Whether a failure text is Exim giving up after its retry rules' cutoff: `retry timeout
/// exceeded`, or, for a message that arrives while every host has been failing for longer than
/// the cutoff, `retry time not reached for any host after a long failure period` (Exim before
/// 4.95) / `all hosts for 'DOMAIN' have been failing for a long time (and retry time not
/// reached)` (4.95 on).
pub(crate) fn is_expiry(text: &str) -> bool {
    text.contains("retry timeout exceeded")
        || text.contains("retry time not reached for any host after a long failure period")
        || text.contains("have been failing for a long time")
}

fn attr_quoted<'a>(s: &'a str, key: &str) -> Option<&'a str> {
    let i = s.find(&format!(" {key}\""))?;
    let v = &s[i + key.len() + 2..];
    Some(&v[..v.find('"').unwrap_or(v.len())])
}

/// `1.5s`, `2m3s`, `1h2m`, `1d3h` -> seconds.
fn parse_exim_duration(v: &str) -> Option<f64> {
    let mut total = 0.0;
    let mut num = String::new();
    for c in v.chars() {
        match c {
            '0'..='9' | '.' => num.push(c),
            'w' | 'd' | 'h' | 'm' | 's' => {
                let n: f64 = num.parse().ok()?;
                total += n * match c {
                    'w' => 604_800.0,
                    'd' => 86_400.0,
                    'h' => 3_600.0,
                    'm' => 60.0,
                    _ => 1.0,
                };
                num.clear();
            }
            _ => return None,
        }
    }
    num.is_empty().then_some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exim_lines() {
        let (t, r) = split("2024-03-11 00:11:16 1rjTG7-000H52-Hq Completed").unwrap();
        assert_eq!(t, 1_710_115_876);
        assert_eq!(
            parse(r),
            Event::Removed {
                qid: "1rjTG7-000H52-Hq"
            }
        );
        let (_, r) = split("2024-03-11 15:34:40 1rjhfk-000H9T-3N <= <> R=1rjhfj-000H9R-aC U=Debian-exim P=local S=14767").unwrap();
        assert_eq!(
            parse(r),
            Event::From {
                qid: "1rjhfk-000H9T-3N",
                sender: "",
                size: Some(14767),
                nrcpt: None,
                injected: true,
                ndr_of: Some("1rjhfj-000H9R-aC"),
                remote: false
            }
        );
        let (_, r) = split("2024-03-11 00:11:16 1rjTG7-000H52-Hq => a@b.example R=dnslookup T=remote_smtp H=mx.b.example [192.0.2.1] X=TLS1.3:X:256 CV=yes C=\"250 ok\" QT=1m2s DT=0.56s").unwrap();
        let Event::Delivery(d) = parse(r) else {
            panic!()
        };
        assert_eq!(
            (d.rcpt, d.relay_host, d.connected, d.tls),
            ("a@b.example", Some("mx.b.example"), true, Some(true))
        );
        assert_eq!(d.text, "250 ok");
        assert_eq!(d.delay, Some(62.0));
        let (_, r) =
            split("2024-03-11 15:34:40 1rjhfj-000H9R-aC ** a@b.example: Unrouteable address")
                .unwrap();
        let Event::Delivery(d) = parse(r) else {
            panic!()
        };
        assert_eq!(
            (d.rcpt, d.text, d.connected),
            ("a@b.example", "Unrouteable address", false)
        );
        let (_, r) = split("2024-03-11 15:34:40 1rjhfj-000H9R-aC == a@b.example R=dnslookup T=remote_smtp defer (-44) H=mx [192.0.2.1] X=TLS1.3:A:256 CV=no: SMTP error from remote mail server after RCPT TO:<a@b.example>: 452 4.2.2 full").unwrap();
        let Event::Delivery(d) = parse(r) else {
            panic!()
        };
        assert_eq!(d.outcome, Outcome::Deferred);
        assert_eq!(d.dsn, "4.2.2");
        assert!(d.text.starts_with("SMTP error"));
        assert_eq!(
            parse("H=(x) [1.2.3.4] F=<a@b> rejected RCPT <c@d>: no"),
            Event::Reject {
                stage: "RCPT",
                reason: "policy"
            }
        );
        assert_eq!(
            parse("H=(x) [1.2.3.4] F=<a@b> rejected RCPT <c@d>: relay not permitted"),
            Event::Reject {
                stage: "RCPT",
                reason: "relay"
            }
        );
    }

    #[test]
    fn expiries_in_each_wording() {
        // as Exim 4.96 of the log farm wrote them (tests/data/logs/real/exim/mainlog), and the
        // older wording for a message arriving after the cutoff
        for line in [
            "2026-12-06 23:12:47 1xaLOR-0008Lj-1v ** full@sink.example: retry timeout exceeded",
            "2026-12-06 23:16:46 1xaLTK-0003ZY-1V ** someone2@down.example R=outbound T=remote_smtp: all hosts for 'down.example' have been failing for a long time (and retry time not reached)",
            "2024-03-11 15:34:40 1rjhfj-000H9R-aC ** a@b.example R=dnslookup T=remote_smtp: retry time not reached for any host after a long failure period",
        ] {
            let (_, r) = split(line).unwrap();
            let Event::Delivery(d) = parse(r) else {
                panic!("{line}")
            };
            assert_eq!(d.outcome, Outcome::Expired, "{line}");
        }
        // a deferral that says "retry time not reached" is still a deferral
        let (_, r) = split("2026-12-06 23:11:47 1xaLOS-0008MV-1B == someone@down.example R=outbound T=remote_smtp defer (-54): retry time not reached for any host for 'down.example'").unwrap();
        let Event::Delivery(d) = parse(r) else {
            panic!()
        };
        assert_eq!(d.outcome, Outcome::Deferred);
    }

    #[test]
    fn direction_from_arrivals_and_transports() {
        // as the log farm's Exim 4.96 wrote them
        let from = |l| match parse(split(l).unwrap().1) {
            Event::From { remote, .. } => remote,
            e => panic!("{e:?}"),
        };
        assert!(from(
            "2026-12-06 23:24:42 1xaLb0-0001BC-2F <= friend@remote.example H=(client.remote.example) [192.0.2.20] P=esmtp S=797 id=1@x"
        ));
        assert!(!from(
            "2026-12-06 23:24:42 1xaLb0-0001BC-2F <= news@a.example H=(app) [192.0.2.30] P=esmtpsa A=plain:news S=797"
        ));
        assert!(!from(
            "2026-12-06 23:24:38 1xaLaw-00018b-2B <= <> R=1xaLaw-00018F-1W U=Debian-exim P=local S=2408"
        ));
        let (_, r) = split("2026-12-06 23:24:45 1xaLb2-0001Cm-39 => news <news@exim.example> R=mailboxes T=mailbox").unwrap();
        let Event::Delivery(d) = parse(r) else {
            panic!()
        };
        assert!(d.mailbox);
        assert_eq!(d.rcpt, "news@exim.example");
        let (_, r) = split("2024-03-11 00:11:16 1rjTG7-000H52-Hq => a@b.example R=dnslookup T=remote_smtp H=mx.b.example [192.0.2.1] C=\"250 ok\"").unwrap();
        let Event::Delivery(d) = parse(r) else {
            panic!()
        };
        assert!(!d.mailbox);
        assert_eq!(d.rcpt, "a@b.example");
    }
}
