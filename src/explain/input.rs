//! From one input to the reply text to explain: a bare SMTP reply or DSN diagnostic is taken
//! as it is; a Postfix, Exim or Sendmail log line (with or without its syslog or Exim header)
//! is read with the parsers of `logs`, and its reply text, `dsn=` status, outcome and remote
//! host are taken from the delivery it reports.

use crate::logs::syslog::{Delivery, Event, Outcome, header};
use crate::logs::{exim, postfix, sendmail};

/// What was read from one input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Extracted {
    /// Which reader found the text: `text`, `postfix`, `exim` or `sendmail`.
    pub(super) format: &'static str,
    /// The reply or diagnostic text.
    pub(super) text: String,
    /// The enhanced status the line logged (`dsn=`), or empty.
    pub(super) dsn: String,
    /// The DSN action of the line's outcome (`failed`, `delayed`, `delivered`), or empty.
    pub(super) action: &'static str,
    /// The remote host, or empty.
    pub(super) rhost: String,
    /// The recipient's domain, or empty.
    pub(super) domain: String,
}

/// A placeholder queue id put before a log message that was pasted without one.
const POSTFIX_QID: &str = "0000000000";
const SENDMAIL_QID: &str = "q00000000";
const EXIM_ID: &str = "000000-000000-00";

fn from_delivery(format: &'static str, d: &Delivery<'_>) -> Extracted {
    Extracted {
        format,
        text: d.text.to_string(),
        dsn: d.dsn.to_string(),
        action: match d.outcome {
            Outcome::Sent => "delivered",
            Outcome::Deferred => "delayed",
            Outcome::Bounced | Outcome::Expired => "failed",
        },
        rhost: d.relay_host.unwrap_or("").to_string(),
        domain: d.rcpt.rsplit_once('@').map_or("", |(_, d)| d).to_string(),
    }
}

fn from_event(format: &'static str, e: &Event<'_>) -> Option<Extracted> {
    match e {
        Event::Delivery(d) | Event::Routed(d, _)
            if !d.text.trim().is_empty() || !d.dsn.is_empty() =>
        {
            Some(from_delivery(format, d))
        }
        Event::ReplyText { rcpt, text, .. } => Some(Extracted {
            format,
            text: text.to_string(),
            dsn: String::new(),
            action: "",
            rhost: String::new(),
            domain: rcpt.rsplit_once('@').map_or("", |(_, d)| d).to_string(),
        }),
        _ => None,
    }
}

/// A log message of `program`, or `None` when it reports no delivery with a text.
fn syslog_message(program: &str, pid: u32, msg: &str) -> Option<Extracted> {
    if postfix::is_postfix(program) {
        return from_event("postfix", &postfix::parse(program, pid, msg));
    }
    if sendmail::is_sendmail(program) {
        return from_event("sendmail", &sendmail::parse(pid, msg));
    }
    None
}

/// Read one input line.
pub(super) fn extract(line: &str) -> Extracted {
    let line = line.trim();
    let plain = || Extracted {
        format: "text",
        text: line.to_string(),
        dsn: String::new(),
        action: "",
        rhost: String::new(),
        domain: String::new(),
    };
    if let Some(h) = header(line) {
        if let Some(x) = syslog_message(h.program, h.pid, h.message) {
            return x;
        }
        return plain();
    }
    if let Some((_, rest)) = exim::split(line) {
        return from_event("exim", &exim::parse(rest)).unwrap_or_else(plain);
    }
    // a log message pasted without its header
    let is_postfix = line.contains("status=") && line.contains("to=<");
    if is_postfix {
        let msg = if line.starts_with("to=<") {
            format!("{POSTFIX_QID}: {line}")
        } else {
            line.to_string()
        };
        if let Some(x) = from_event("postfix", &postfix::parse("postfix/smtp", 0, &msg)) {
            return x;
        }
    }
    if line.contains("stat=") && line.contains("to=") {
        let msg = if line.starts_with("to=") {
            format!("{SENDMAIL_QID}: {line}")
        } else {
            line.to_string()
        };
        if let Some(x) = from_event("sendmail", &sendmail::parse(0, &msg)) {
            return x;
        }
    }
    if ["** ", "== "].iter().any(|p| line.starts_with(p)) {
        let msg = format!("{EXIM_ID} {line}");
        if let Some(x) = from_event("exim", &exim::parse(&msg)) {
            return x;
        }
    } else if line.split(' ').next().is_some_and(exim::is_exim_id)
        && let Some(x) = from_event("exim", &exim::parse(line))
    {
        return x;
    }
    plain()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postfix_lines() {
        let full = "Mar 11 00:07:01 mx1 postfix/smtp[2345]: 4F9D21C0A2: to=<bob@example.net>, \
                    relay=mx.example.net[192.0.2.10]:25, delay=1.2, delays=0.1/0/0.5/0.6, \
                    dsn=5.1.1, status=bounced (host mx.example.net[192.0.2.10] said: 550 5.1.1 \
                    <bob@example.net>: Recipient address rejected: User unknown (in reply to \
                    RCPT TO command))";
        let x = extract(full);
        assert_eq!(x.format, "postfix");
        assert_eq!(x.dsn, "5.1.1");
        assert_eq!(x.action, "failed");
        assert_eq!(x.rhost, "mx.example.net");
        assert_eq!(x.domain, "example.net");
        assert!(
            x.text
                .starts_with("host mx.example.net[192.0.2.10] said: 550 5.1.1")
        );
        assert!(x.text.ends_with("(in reply to RCPT TO command)"));
        // the message alone, and from `to=<` on
        let msg = &full[full.find("4F9D21C0A2").unwrap()..];
        assert_eq!(extract(msg), x);
        let to = &full[full.find("to=<").unwrap()..];
        assert_eq!(extract(to), x);
        let deferred = "to=<a@example.org>, relay=none, delay=30, dsn=4.4.1, status=deferred \
                        (connect to mx.example.org[192.0.2.7]:25: Connection timed out)";
        let x = extract(deferred);
        assert_eq!(
            (x.format, x.action, x.dsn.as_str()),
            ("postfix", "delayed", "4.4.1")
        );
        assert_eq!(
            x.text,
            "connect to mx.example.org[192.0.2.7]:25: Connection timed out"
        );
    }

    #[test]
    fn exim_lines() {
        let full = "2024-03-11 00:11:16 1rjTG7-000H52-Hq ** carol@example.com R=dnslookup \
                    T=remote_smtp H=mx.example.com [192.0.2.20]: SMTP error from remote mail \
                    server after RCPT TO:<carol@example.com>: 550 5.1.1 No such user";
        let x = extract(full);
        assert_eq!((x.format, x.action), ("exim", "failed"));
        assert_eq!(x.dsn, "5.1.1");
        assert_eq!(x.rhost, "mx.example.com");
        assert_eq!(
            x.text,
            "SMTP error from remote mail server after RCPT TO:<carol@example.com>: 550 5.1.1 \
             No such user"
        );
        let bare = &full[full.find("** ").unwrap()..];
        assert_eq!(extract(bare), x);
        let id = &full[full.find("1rjTG7").unwrap()..];
        assert_eq!(extract(id), x);
    }

    #[test]
    fn sendmail_lines() {
        let full = "Mar 11 02:02:20 mta1 sendmail[2489]: 2BB2I2ka002489: to=<dan@example.org>, \
                    delay=00:00:01, xdelay=00:00:01, mailer=esmtp, pri=120, \
                    relay=mx.example.org. [192.0.2.30], dsn=5.1.1, stat=User unknown";
        let x = extract(full);
        assert_eq!((x.format, x.action), ("sendmail", "failed"));
        assert_eq!((x.dsn.as_str(), x.text.as_str()), ("5.1.1", "User unknown"));
        assert_eq!(x.rhost, "mx.example.org");
        let to = &full[full.find("to=<").unwrap()..];
        assert_eq!(extract(to), x);
        let reply = "Mar 11 02:02:20 mta1 sendmail[2489]: 2BB2I2ka002489: <dan@example.org>... \
                     550 5.7.1 Rejected";
        let x = extract(reply);
        assert_eq!(
            (x.format, x.text.as_str()),
            ("sendmail", "550 5.7.1 Rejected")
        );
    }

    #[test]
    fn other_text_is_taken_as_it_is() {
        for t in [
            "550 5.7.26 Unauthenticated email is not accepted",
            "421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred",
            "Mar 11 00:07:01 mx1 postfix/qmgr[1]: 4F9D21C0A2: removed",
            "",
            "to=<x",
        ] {
            let x = extract(t);
            assert_eq!((x.format, x.text.as_str()), ("text", t.trim()), "{t}");
        }
    }
}
