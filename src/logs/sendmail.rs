//! Sendmail syslog messages: `from=` envelopes, `to=` delivery lines (`stat=Sent`,
//! `stat=Deferred: ...`, failures), `DSN:` bounce notices, per-recipient reply lines,
//! `STARTTLS=client`, ruleset rejects.

use super::syslog::{Delivery, Event, Outcome, angle, field, is_qid, reject_reason};

/// Whether a syslog program is Sendmail (`sendmail`, `sm-mta`, `sm-msp-queue`, ...).
pub(crate) fn is_sendmail(program: &str) -> bool {
    program == "sendmail" || program.starts_with("sm-")
}

/// Parse a Sendmail message logged by process `pid`. A `to=` line listing several recipients
/// yields the first; use `recipients` for all of them.
pub fn parse(pid: u32, msg: &str) -> Event<'_> {
    if msg.starts_with("STARTTLS=client") {
        return match field(msg, "relay=") {
            Some(h) => Event::Tls {
                pid,
                host: h.trim().trim_end_matches('.'),
            },
            None => Event::Unparsed,
        };
    }
    if msg.contains("ruleset=")
        && let Some(text) = field(msg, "reject=")
    {
        let stage = match field(msg, "ruleset=").map(str::trim) {
            Some("check_rcpt") => "RCPT",
            Some("check_mail") => "MAIL",
            Some("check_relay") => "CONNECT",
            _ => "SMTP",
        };
        // the text may hold commas: to the end of the line
        let text = msg.find("reject=").map_or(text, |i| &msg[i + 7..]);
        return Event::Reject {
            stage,
            reason: reject_reason(stage, text),
        };
    }
    let Some(colon) = msg.find(": ") else {
        return Event::Ignored;
    };
    let qid = &msg[..colon];
    if !is_qid(qid) {
        return Event::Ignored;
    }
    let rest = &msg[colon + 2..];
    if rest.contains("did not issue MAIL/EXPN/VRFY/ETRN") {
        return Event::Warning;
    }
    if let Some(r) = rest.strip_prefix("from=") {
        let sender = angle(r.split(',').next().unwrap_or(""));
        return Event::From {
            qid,
            sender,
            size: field(rest, "size=").and_then(|v| v.parse().ok()),
            nrcpt: field(rest, "nrcpts=").and_then(|v| v.parse().ok()),
            injected: true,
            ndr_of: None,
            // `relay=host [addr]` of another machine (not authenticated): received, or relayed
            remote: field(rest, "relay=").is_some_and(|r| {
                r.contains(" [") && !r.contains("[127.") && !r.contains("[IPv6:::1]")
            }) && field(rest, "auth=").is_none(),
        };
    }
    if rest.starts_with("to=") {
        return match recipients(rest).next() {
            Some(rcpt) => delivery(qid, pid, rcpt, rest),
            None => Event::Unparsed,
        };
    }
    if let Some(r) = rest.strip_prefix('<')
        && let Some(e) = r.find(">... ")
    {
        return Event::ReplyText {
            qid,
            rcpt: &r[..e],
            text: &r[e + 5..],
        };
    }
    if let Some((ndr, tail)) = rest.split_once(": ")
        && (tail.starts_with("DSN: ")
            || tail.starts_with("return to sender: ")
            || tail.starts_with("postmaster notify: "))
        && is_qid(ndr)
    {
        return Event::Ndr { orig: qid, ndr };
    }
    if let Some(text) = rest.strip_prefix("reject=") {
        return Event::Reject {
            stage: "SMTP",
            reason: reject_reason("SMTP", text),
        };
    }
    Event::Ignored
}

/// Whether a message is Sendmail's notice that it gave up on a message after the queue
/// lifetime (`QID: NDRQID: DSN: Cannot send message for 5 days`): it logs no line per
/// recipient for that (their last line says `stat=Deferred`), so the recipients still open
/// expire with it.
pub fn is_expiry_notice(msg: &str) -> bool {
    msg.split_once(": ")
        .and_then(|(_, rest)| rest.split_once(": "))
        .is_some_and(|(_, tail)| {
            tail.starts_with("DSN: Cannot send message for")
                || tail.starts_with("return to sender: Cannot send message for")
        })
}

/// The recipients of a `to=` line (`to=<a>,<b>, delay=...` or `to=a,b, delay=...`).
pub fn recipients(rest: &str) -> impl Iterator<Item = &str> {
    let v = rest.strip_prefix("to=").unwrap_or("");
    let end = v.find(", ").unwrap_or(v.len());
    v[..end].split(',').map(angle).filter(|s| !s.is_empty())
}

/// The delivery event for one recipient of a `to=` line.
pub fn delivery<'a>(qid: &'a str, pid: u32, rcpt: &'a str, rest: &'a str) -> Event<'a> {
    let Some(stat) = rest.find("stat=") else {
        return Event::Unparsed;
    };
    let stat = &rest[stat + 5..];
    let dsn = field(rest, "dsn=").unwrap_or("").trim();
    if stat.starts_with("queued") {
        // accepted and queued for a later run (queue-only delivery, or a lookup that failed
        // for now): not a delivery attempt
        return Event::Ignored;
    }
    let (outcome, text) = if let Some(t) = stat.strip_prefix("Sent") {
        let t = t.trim();
        (
            Outcome::Sent,
            t.strip_prefix('(')
                .and_then(|x| x.strip_suffix(')'))
                .unwrap_or(t),
        )
    } else if let Some(t) = stat.strip_prefix("Deferred") {
        let t = t.trim_start_matches(':').trim();
        if dsn == "4.4.7" || t.starts_with("Cannot send message for") {
            (Outcome::Expired, t)
        } else {
            (Outcome::Deferred, t)
        }
    } else {
        (Outcome::Bounced, stat.trim())
    };
    // the remote server's own reply (`reply=550 5.1.1 ...`, Sendmail 8.16 on) says more than
    // the status word (`stat=User unknown`); it may hold commas, so it runs to `, stat=`
    let text = match (rest.find(", reply="), rest.rfind(", stat=")) {
        (Some(a), Some(b)) if a + 8 <= b => &rest[a + 8..b],
        _ => text,
    };
    let relay = field(rest, "relay=").map(str::trim);
    let (relay_host, connected) = match relay {
        Some(r) => match r.find(" [") {
            Some(i) => (Some(r[..i].trim_end_matches('.')), true),
            None => (Some(r.trim_end_matches('.')), false),
        },
        None => (None, false),
    };
    let mailer = field(rest, "mailer=").unwrap_or("");
    // a file or program (`to=/var/mail/news`, `to=|prog`): the address is the controlling
    // user's, `ctladdr=<news@a.example>`
    let rcpt = match field(rest, "ctladdr=").map(|c| angle(c.split(' ').next().unwrap_or(""))) {
        Some(a) if rcpt.starts_with(['/', '|']) && a.contains('@') => a,
        _ => rcpt,
    };
    Event::Delivery(Delivery {
        qid,
        rcpt,
        outcome,
        relay_host: if mailer == "prog" || mailer == "local" {
            None
        } else {
            relay_host
        },
        connected: connected && mailer != "prog",
        dsn,
        text,
        delay: field(rest, "delay=").and_then(parse_delay),
        pid,
        tls: None,
        mailbox: matches!(mailer, "local" | "*file*" | "prog" | "*include*"),
    })
}

/// `[D+]HH:MM:SS` -> seconds.
pub(crate) fn parse_delay(v: &str) -> Option<f64> {
    let v = v.trim();
    let (days, hms) = match v.split_once('+') {
        Some((d, r)) => (d.parse::<f64>().ok()?, r),
        None => (0.0, v),
    };
    let mut it = hms.split(':');
    let h: f64 = it.next()?.parse().ok()?;
    let m: f64 = it.next()?.parse().ok()?;
    let s: f64 = it.next()?.parse().ok()?;
    Some(days * 86400.0 + h * 3600.0 + m * 60.0 + s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sendmail_lines() {
        let e = parse(
            5,
            "i2B22KIW069512: to=<a@b.example>, delay=00:00:01, xdelay=00:00:01, mailer=esmtp, pri=38147, relay=mx.b.example. [192.0.2.1], dsn=2.0.0, stat=Sent (ok queued)",
        );
        let Event::Delivery(d) = e else {
            panic!("{e:?}")
        };
        assert_eq!(
            (d.rcpt, d.relay_host, d.connected, d.text),
            ("a@b.example", Some("mx.b.example"), true, "ok queued")
        );
        assert_eq!(d.delay, Some(1.0));
        let e = parse(
            5,
            "i2B22KIW069512: to=<a@b.example>, delay=5+00:00:00, mailer=esmtp, pri=1, dsn=4.4.7, stat=Deferred: Cannot send message for 5 days",
        );
        let Event::Delivery(d) = e else { panic!() };
        assert_eq!(d.outcome, Outcome::Expired);
        assert_eq!(d.delay, Some(432_000.0));
        assert_eq!(
            parse(
                1,
                "i2B2gEJp069591: i2BDejMX069753: DSN: Service unavailable"
            ),
            Event::Ndr {
                orig: "i2B2gEJp069591",
                ndr: "i2BDejMX069753"
            }
        );
        assert_eq!(
            parse(1, "STARTTLS=client, relay=mx.b.example., version=TLSv1.3"),
            Event::Tls {
                pid: 1,
                host: "mx.b.example"
            }
        );
        // as the log farm's Sendmail 8.17 wrote them (tests/data/logs/real/sendmail/mail.log)
        let e = parse(
            1,
            "6B6NFEQg009099: to=<full@sink.example>, ctladdr=<news@sendmail.example> (9/9), delay=00:00:00, xdelay=00:00:00, mailer=smtp, pri=30577, relay=[192.0.2.10] [192.0.2.10], dsn=4.3.1, reply=452 4.2.2 <full@sink.example>: Mailbox full, try again later, stat=Deferred: 452 4.2.2 <full@sink.example>: Mailbox full, try again later",
        );
        let Event::Delivery(d) = e else { panic!() };
        assert_eq!(d.outcome, Outcome::Deferred);
        assert_eq!(
            d.text,
            "452 4.2.2 <full@sink.example>: Mailbox full, try again later"
        );
        let e = parse(
            1,
            "6B6NFDmK009075: to=<unknown@sink.example>, delay=00:00:00, mailer=smtp, pri=30582, relay=[192.0.2.10] [192.0.2.10], dsn=5.1.1, reply=550 5.1.1 <unknown@sink.example>: Recipient address rejected: User unknown in local recipient table, stat=User unknown",
        );
        let Event::Delivery(d) = e else { panic!() };
        assert_eq!(d.outcome, Outcome::Bounced);
        assert!(
            d.text.starts_with("550 5.1.1 <unknown@sink.example>"),
            "{}",
            d.text
        );
        let expiry = "6B6NFFmx009145: 6B6NGZ6x013150: DSN: Cannot send message for 1 minute";
        assert!(is_expiry_notice(expiry));
        assert!(matches!(
            parse(1, expiry),
            Event::Ndr {
                orig: "6B6NFFmx009145",
                ..
            }
        ));
        assert!(!is_expiry_notice(
            "6B6NFDmK009075: 6B6NFDmK009078: DSN: User unknown"
        ));
        assert!(!is_expiry_notice(
            "6B6NFDmK009075: 6B6NFDmK009078: DSN: Warning: could not send message for past 4 hours"
        ));
        assert_eq!(
            parse(
                1,
                "6B6NCn7e001733: 6B6NDn7e003447: return to sender: Cannot send message for 1 minute"
            ),
            Event::Ndr {
                orig: "6B6NCn7e001733",
                ndr: "6B6NDn7e003447"
            }
        );
        assert_eq!(
            parse(
                1,
                "6B6NBntX032371: to=<ok1@sink.example>, delay=00:00:00, mailer=smtp, pri=60598, dsn=4.4.3, stat=queued"
            ),
            Event::Ignored
        );
        assert_eq!(
            recipients("to=<a@x>,<b@y>, delay=1").collect::<Vec<_>>(),
            vec!["a@x", "b@y"]
        );
        let e = parse(
            1,
            "i2B2gEJp069591: from=<s@x>, size=10, class=0, nrcpts=2, msgid=<m>",
        );
        assert!(matches!(
            e,
            Event::From {
                sender: "s@x",
                nrcpt: Some(2),
                size: Some(10),
                ..
            }
        ));
    }

    #[test]
    fn direction_from_relay_and_mailer() {
        // as the log farm's Sendmail 8.17 wrote them
        let remote = |l| match parse(1, l) {
            Event::From { remote, .. } => remote,
            e => panic!("{e:?}"),
        };
        assert!(remote(
            "6B6NOomE005044: from=<friend@remote.example>, size=585, class=0, nrcpts=1, proto=ESMTP, daemon=MTA, relay=client.remote.example [192.0.2.20]"
        ));
        assert!(!remote(
            "6B6NOomE005045: from=<news@a.example>, size=585, class=0, nrcpts=1, relay=localhost [127.0.0.1]"
        ));
        assert!(!remote(
            "6B6NOomE005046: from=root, size=585, class=0, nrcpts=1, relay=root@localhost"
        ));
        let Event::Delivery(d) = parse(
            2,
            "6B6NOras005224: to=/work/log-farm/sendmail/mail/news, ctladdr=<news@sendmail.example> (8/0), delay=00:00:00, xdelay=00:00:00, mailer=*file*, pri=31098, dsn=2.0.0, stat=Sent",
        ) else {
            panic!()
        };
        assert!(d.mailbox);
        assert_eq!(d.rcpt, "news@sendmail.example");
    }
}
