//! The explanation of one input: the codes and their meanings, the class, the bounce reason
//! from the classifier of `bounces`, and the cause, fix and links from the knowledge table.

use serde::Serialize;

use super::codes::Meanings;
use super::input::extract;
use super::knowledge::{self, Facts, Specificity};
use crate::bounce::Class as Evidence;
use crate::bounce::diagnostic::{Diagnostic, read};
use crate::status::{BounceReason, EnhancedStatus, find_reply_code};

/// Whether a reply says the action succeeded, failed for now or for good.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Class {
    /// A 2yz reply or 2.x.x status.
    Success,
    /// A 4yz reply or 4.x.x status (or a deferral, or a message given up after retries).
    Temporary,
    /// A 5yz reply or 5.x.x status.
    Permanent,
    /// Nothing in the input says.
    Unknown,
}

impl Class {
    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Success => "success",
            Class::Temporary => "temporary",
            Class::Permanent => "permanent",
            Class::Unknown => "unknown",
        }
    }
}

/// What one input means.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    /// The input as given.
    pub input: String,
    /// Which reader found the reply text: `text`, `postfix`, `exim` or `sendmail`.
    pub format: &'static str,
    /// The reply or diagnostic text explained (the input itself, or the text of a log line).
    pub text: String,
    /// The SMTP reply code, if any.
    pub code: Option<u16>,
    /// What the reply code means (RFC 5321).
    pub code_meaning: Option<&'static str>,
    /// The enhanced status code, if any.
    pub enhanced_code: Option<String>,
    /// What the enhanced code means (RFC 3463, IANA registry).
    pub enhanced_meaning: Option<String>,
    /// Success, temporary, permanent or unknown.
    pub class: Class,
    /// The bounce reason `bounces` would give this text.
    pub reason: BounceReason,
    /// Whether `bounces` would call it a hard bounce (the address is bad).
    pub hard: bool,
    /// The SMTP command the reply answered, when the text says (`RCPT`, `MAIL`, `DATA`, ...).
    pub command: Option<&'static str>,
    /// Who documents the reply (`gmail`, `microsoft`, `spamhaus`, `rfc`, ...).
    pub provider: &'static str,
    /// The likely cause.
    pub cause: &'static str,
    /// What to do.
    pub fix: &'static str,
    /// Where to read more.
    pub links: Vec<&'static str>,
    /// How the cause was found: from the reply's codes or words, or the generic fallback by
    /// reason or by class.
    pub knowledge: Specificity,
}

/// Explain one input (a reply, a diagnostic or a log line).
///
/// ```
/// use mailsift::explain::{Class, explain};
///
/// let e = explain("421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred");
/// assert_eq!(e.class, Class::Temporary);
/// assert_eq!(e.enhanced_code.as_deref(), Some("4.7.0"));
/// assert_eq!(e.provider, "yahoo");
/// assert!(e.links.iter().all(|l| l.starts_with("https://")));
/// ```
pub fn explain(input: &str) -> Explanation {
    let x = extract(input);
    let status = EnhancedStatus::parse(&x.dsn).or_else(|| EnhancedStatus::find(&x.text));
    let reply = find_reply_code(&x.text);
    // a deferral is read as a reply, not as a delay report (whose reason is `expired`); it
    // is temporary all the same
    let deferred = x.action == "delayed";
    let reading = read(&Diagnostic {
        text: &x.text,
        status,
        reply,
        action: if deferred { "" } else { x.action },
        rhost: &x.rhost,
        domain: &x.domain,
    });
    let success = status.map_or_else(
        || reply.is_some_and(|r| r / 100 == 2) || x.action == "delivered",
        |s| s.class == 2,
    );
    let class = if success {
        Class::Success
    } else {
        match reading.class {
            Evidence::Permanent => Class::Permanent,
            Evidence::Temporary => Class::Temporary,
            Evidence::Unknown if deferred => Class::Temporary,
            Evidence::Unknown => Class::Unknown,
        }
    };
    let reason = if success {
        BounceReason::Delivered
    } else {
        reading.reason
    };
    let lower = x.text.to_lowercase();
    let facts = Facts {
        status,
        reply,
        lower: &lower,
        reason: reason.as_str(),
        class: class.as_str(),
    };
    let table = knowledge::builtin();
    let entry = knowledge::lookup(table, &facts);
    let meanings = Meanings::builtin();
    Explanation {
        input: input.to_string(),
        format: x.format,
        code: reply,
        code_meaning: reply.and_then(|r| meanings.reply(r)),
        enhanced_code: status.map(|s| s.to_string()),
        enhanced_meaning: status.and_then(|s| meanings.status(s)),
        class,
        reason,
        // (a deferral read as its reply may carry words of a hard reason, but it is temporary)
        hard: reading.hard && !matches!(class, Class::Success | Class::Temporary),
        command: (!reading.command.is_empty()).then_some(reading.command),
        provider: entry.map_or("mailsift", |e| e.provider),
        cause: entry.map_or("", |e| e.cause),
        fix: entry.map_or("", |e| e.fix),
        links: entry.map(|e| e.links.clone()).unwrap_or_default(),
        knowledge: entry.map_or(Specificity::Class, |e| e.specificity()),
        text: x.text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use BounceReason::*;

    /// Hand-written replies (not corpus text): class, reason, provider and specificity.
    #[test]
    fn hand_written_replies() {
        for (input, class, reason, provider, specific) in [
            (
                "550 5.1.1 <nobody@example.net>: Recipient address rejected: User unknown in \
                 virtual mailbox table",
                Class::Permanent,
                UserUnknown,
                "rfc",
                true,
            ),
            (
                "550-5.7.26 This mail has been blocked because the sender is unauthenticated. \
                 550 5.7.26 Gmail requires all senders to authenticate with SPF or DKIM.",
                Class::Permanent,
                AuthFailure,
                "gmail",
                true,
            ),
            (
                "421 4.7.28 Our system has detected an unusual rate of unsolicited mail \
                 originating from your IP address.",
                Class::Temporary,
                Speeding,
                "gmail",
                true,
            ),
            (
                "421 4.7.0 [TSS04] Messages from 198.51.100.7 temporarily deferred due to \
                 unexpected volume or user complaints",
                Class::Temporary,
                BadReputation,
                "yahoo",
                true,
            ),
            (
                "550 5.7.606 Access denied, banned sending IP [198.51.100.7]. To request \
                 removal from this list please visit https://sender.office.com/",
                Class::Permanent,
                Blocked,
                "microsoft",
                true,
            ),
            (
                "554 5.7.1 Service unavailable; Client host [198.51.100.7] blocked using \
                 zen.spamhaus.org",
                Class::Permanent,
                Blocked,
                "spamhaus",
                true,
            ),
            (
                "450 4.2.0 <x@example.org>: Recipient address rejected: Greylisted, see \
                 https://postgrey.example/",
                Class::Temporary,
                PolicyViolation,
                "rfc",
                true,
            ),
            (
                "250 2.0.0 Ok: queued as 4F9D21C0A2",
                Class::Success,
                Delivered,
                "mailsift",
                false,
            ),
            (
                "Mailbox quota exceeded for this recipient",
                Class::Unknown,
                MailboxFull,
                "mailsift",
                false,
            ),
        ] {
            let e = explain(input);
            assert_eq!(e.class, class, "{input}");
            assert_eq!(e.reason, reason, "{input}");
            assert_eq!(e.provider, provider, "{input}");
            assert_eq!(e.knowledge == Specificity::Specific, specific, "{input}");
            assert!(!e.cause.is_empty() && !e.fix.is_empty(), "{input}");
        }
    }

    proptest::proptest! {
        /// Any text, and any text after a log-line prefix, is explained without a panic, and
        /// a temporary class is never hard.
        #[test]
        fn never_panics(t in "\\PC{0,200}", prefix in 0usize..4) {
            let pre = [
                "",
                "Mar 11 00:07:01 mx1 postfix/smtp[1]: 4F9D21C0A2: to=<a@b.c>, dsn=4.1.1, status=deferred (",
                "2024-03-11 00:11:16 1rjTG7-000H52-Hq ** a@b.c: ",
                "to=<a@b.c>, stat=",
            ][prefix];
            let e = explain(&format!("{pre}{t}"));
            proptest::prop_assert!(!(e.hard && e.class == Class::Temporary));
            proptest::prop_assert!(!e.cause.is_empty());
        }
    }

    /// A temporary code is never a hard bounce, whatever the words say.
    #[test]
    fn temporary_is_never_hard() {
        let e = explain("450 4.1.1 <x@example.org>: Recipient address rejected: User unknown");
        assert_eq!(e.class, Class::Temporary);
        assert!(!e.hard);
        let e = explain(
            "== x@example.org R=dnslookup T=remote_smtp H=mx.example.org [192.0.2.1]: SMTP \
             error from remote mail server after RCPT TO:<x@example.org>: No such user here",
        );
        assert_eq!((e.format, e.class), ("exim", Class::Temporary));
        assert_eq!(e.reason, UserUnknown);
        assert!(!e.hard);
        let e = explain("550 5.1.1 <x@example.org>: Recipient address rejected: User unknown");
        assert!(e.hard);
        assert_eq!(e.enhanced_code.as_deref(), Some("5.1.1"));
        assert_eq!(e.code, Some(550));
        assert!(e.code_meaning.is_some() && e.enhanced_meaning.is_some());
    }

    /// A log line is explained by its reply: the `dsn=` status and outcome count.
    #[test]
    fn log_lines_use_their_reply() {
        let e = explain(
            "Mar 11 00:07:01 mx1 postfix/smtp[2345]: 4F9D21C0A2: to=<bob@example.net>, \
             relay=mx.example.net[192.0.2.10]:25, delay=1.2, delays=0.1/0/0.5/0.6, dsn=4.4.1, \
             status=deferred (connect to mx.example.net[192.0.2.10]:25: Connection timed out)",
        );
        assert_eq!((e.format, e.class), ("postfix", Class::Temporary));
        assert_eq!(e.enhanced_code.as_deref(), Some("4.4.1"));
        // (the classifier of `bounces` reads "timed out" as expired)
        assert_eq!(e.reason, Expired);
        assert_eq!(e.provider, "rfc");
        assert!(e.cause.starts_with("No answer from the destination server"));
        let e = explain(
            "Mar 11 02:02:20 mta1 sendmail[2489]: 2BB2I2ka002489: to=<dan@example.org>, \
             delay=00:00:01, mailer=esmtp, pri=120, relay=mx.example.org. [192.0.2.30], \
             dsn=5.1.1, stat=User unknown",
        );
        assert_eq!(
            (e.format, e.class, e.reason),
            ("sendmail", Class::Permanent, UserUnknown)
        );
    }
}
