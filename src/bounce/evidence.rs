//! The class of a failure (permanent, temporary or unknown) decided from structure before any
//! text: the enhanced status class, the SMTP reply class, the DSN action and the notice's own
//! words that the message expired in the queue after temporary failures. The invariant: a
//! record whose evidence is temporary is never hard; the text refines the reason within the
//! class, it never flips it.

use std::sync::OnceLock;

use super::BounceRecord;
use crate::status::{
    BounceReason, BounceType, EnhancedStatus, fallback_from_status, reason_from_reply,
    reason_from_status,
};

/// What the structure of a failure says about its permanence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
    /// A 5.x.x status, or a 5yz reply when there is no status.
    Permanent,
    /// A 4.x.x status, a 4yz reply when there is no status, a `delayed` action, or a notice
    /// that says the message expired in the queue.
    Temporary,
    /// No code and no action that says either.
    Unknown,
}

/// The class from the codes and the action. A temporary status (4.x.x, or x.4.7 "delivery
/// time expired" in either class) says temporary; a specific permanent status (5.y.z, not
/// 5.0.0) says permanent. A generic 5.0.0 is only the class some MTAs give every failure,
/// including one given up after retries (Exim writes `Status: 5.0.0` over
/// `451 ... retry timeout exceeded`): the reply code decides over it, then the words that say
/// the message expired, then the 5.0.0. Without a status: the reply, else a `delayed` action
/// or the expiry words.
pub(crate) fn class_of(
    status: Option<EnhancedStatus>,
    reply: Option<u16>,
    action: &str,
    expired_text: impl FnOnce() -> bool,
) -> Class {
    let generic = |s: EnhancedStatus| s.subject == 0 && s.detail == 0;
    match status {
        Some(s) if s.class == 4 || s.subject == 4 && s.detail == 7 => return Class::Temporary,
        Some(s) if s.class == 5 && !generic(s) => return Class::Permanent,
        _ => {}
    }
    match reply.map(|c| c / 100) {
        Some(5) => return Class::Permanent,
        Some(4) => return Class::Temporary,
        _ => {}
    }
    if matches!(action, "delayed" | "delivery-delayed") || expired_text() {
        Class::Temporary
    } else if status.is_some_and(|s| s.class == 5) {
        Class::Permanent
    } else {
        Class::Unknown
    }
}

/// Whether a notice or diagnostic says the message was given up after retries (Exim "retry
/// timeout exceeded", Sendmail "Cannot send message for 5 days", qmail "this message has been
/// in the queue too long", ...). Case-insensitive; phrases of MTAs' expiry notices (facts, see
/// `data/SOURCES.md`).
static EXPIRY_AC: OnceLock<aho_corasick::AhoCorasick> = OnceLock::new();

pub(crate) fn says_expired(text: &str) -> bool {
    let ac = EXPIRY_AC.get_or_init(|| {
        aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build([
                "retry timeout exceeded",
                "retry time not reached for any host after a long failure period",
                "cannot send message for",
                "could not be delivered for",
                "in the queue too long",
                "message has been in the queue",
                "delivery time expired",
                "delivery expired",
                "message expired",
                "message timed out",
                "maximum queue lifetime",
                "queue lifetime exceeded",
                "was not reachable within the allowed queue period",
                "unable to deliver message after multiple retries",
                "have been failing for a long time",
                "too many retries",
                "retry limit exceeded",
                "expired after",
                "has expired",
                "envelope expired",
            ])
            .expect("static phrases")
    });
    let mut end = text.len().min(16 * 1024);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    ac.is_match(&text[..end])
}

/// A reason of the soft class for a failure whose evidence is temporary, when the text chose
/// a hard one: a temporary DNS failure (SERVFAIL, timeout, "try again") is a network error;
/// a temporary mailbox code (`4.1.1`, `4.1.6`) keeps its reason (the type is soft all the
/// same); otherwise what the codes say, else `onhold`.
pub(crate) fn soften(
    reason: BounceReason,
    status: Option<EnhancedStatus>,
    reply: Option<u16>,
) -> BounceReason {
    use BounceReason::*;
    // a temporary x.3.2 ("system not accepting network messages", 421 4.3.2 at the banner) is
    // a system error, not a domain that accepts no mail
    if reason == NotAccept && status.is_some_and(|s| s.subject == 3 && s.detail == 2) {
        return SystemError;
    }
    // (notaccept is soft when not permanent: a temporary "domain accepts no mail" stays)
    if reason.bounce_type(false) != BounceType::Hard {
        return reason;
    }
    if status.and_then(reason_from_status) == Some(reason) {
        return reason;
    }
    if reason == HostUnknown {
        return NetworkError;
    }
    let soft = |r: &BounceReason| r.bounce_type(false) != BounceType::Hard;
    status
        .and_then(|s| {
            reason_from_status(s)
                .filter(soft)
                .or_else(|| fallback_from_status(s).filter(soft))
        })
        .or_else(|| reply.and_then(reason_from_reply).filter(soft))
        .unwrap_or(OnHold)
}

/// The cause behind an `expired` reason (the reason the text or codes gave was only that the
/// message expired): a connection or DNS failure named in the text is a network error;
/// otherwise what a status other than `x.4.7` (delivery time expired) says; else unknown.
pub(crate) fn expiry_cause(text: &str, status: Option<EnhancedStatus>) -> Option<BounceReason> {
    static AC: OnceLock<aho_corasick::AhoCorasick> = OnceLock::new();
    let ac = AC.get_or_init(|| {
        aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build([
                "timed out",
                "timeout",
                "connect to",
                "connection refused",
                "unable to connect",
                "lost connection",
                "did not accept our requests to connect",
                "name service error",
                "host name lookup",
                "servfail",
                "dns",
                "no route to host",
                "network is unreachable",
                "failing for a long time",
            ])
            .expect("static phrases")
    });
    let mut end = text.len().min(16 * 1024);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    // (a word inside a name is not a cause: `someone@timeout.example`, `servfail.example`)
    let b = text.as_bytes();
    let word = |i: usize| {
        b.get(i)
            .is_some_and(|&c| c.is_ascii_alphanumeric() || matches!(c, b'@' | b'-' | b'_'))
    };
    // a name goes on through a dot only when a word follows it ("timed out." ends a sentence)
    let before = |i: usize| i > 0 && (word(i - 1) || b[i - 1] == b'.' && i > 1 && word(i - 2));
    let after = |i: usize| word(i) || b.get(i) == Some(&b'.') && word(i + 1);
    if ac
        .find_iter(&text[..end])
        .any(|m| !before(m.start()) && !after(m.end()))
    {
        return Some(BounceReason::NetworkError);
    }
    let s = status.filter(|s| !(s.subject == 4 && s.detail == 7) && s.subject != 0)?;
    reason_from_status(s)
        .or_else(|| fallback_from_status(s))
        .filter(|r| *r != BounceReason::Expired)
}

/// `text` with the words that only say the message expired blanked out, so that what is left
/// names the cause (`451 4.7.1 Greylisted, please try again later: retry timeout exceeded`).
pub(crate) fn without_expiry_words(text: &str) -> String {
    let mut end = text.len().min(16 * 1024);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let text = &text[..end];
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    says_expired(""); // (builds the automaton)
    if let Some(ac) = EXPIRY_AC.get() {
        for m in ac.find_iter(text) {
            out.push_str(&text[last..m.start()]);
            out.push(' ');
            last = m.end();
        }
    }
    out.push_str(&text[last..]);
    out
}

/// The class of a finished record, from its own fields (status, reply, action, and whether it
/// was marked expired).
pub(crate) fn record_class(r: &BounceRecord) -> Class {
    let status = EnhancedStatus::parse(&r.deliverystatus);
    let reply = r.replycode.parse::<u16>().ok();
    class_of(status, reply, &r.action, || r.expired)
}

/// The last guard of every decoder's output: a record whose evidence is temporary is not
/// hard (whatever set its reason).
pub(crate) fn enforce(r: &mut BounceRecord) {
    if r.bounce_type == BounceType::Hard && record_class(r) == Class::Temporary {
        let status = EnhancedStatus::parse(&r.deliverystatus);
        let reply = r.replycode.parse::<u16>().ok();
        let reason = soften(r.reason, status, reply);
        r.set_reason(reason, false);
        r.make_soft();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_expiry_cause_is_not_read_from_a_name() {
        use BounceReason::NetworkError;
        for t in [
            "someone@timeout.example.test: Envelope expired",
            "someone@servfail.example.test: Envelope expired",
            "mx.dns.example.test: Envelope expired",
        ] {
            assert_eq!(expiry_cause(t, None), None, "{t}");
        }
        for t in [
            "Connection timed out.",
            "connect to mx.example.test[192.0.2.1]:25: Connection refused",
            "DNS error: SERVFAIL",
            "(timeout)",
        ] {
            assert_eq!(expiry_cause(t, None), Some(NetworkError), "{t}");
        }
    }

    #[test]
    fn classes() {
        let st = EnhancedStatus::parse;
        assert_eq!(
            class_of(st("4.3.0"), Some(550), "failed", || false),
            Class::Temporary
        );
        assert_eq!(
            class_of(st("5.1.1"), Some(450), "", || false),
            Class::Permanent
        );
        assert_eq!(
            class_of(None, Some(451), "failed", || false),
            Class::Temporary
        );
        assert_eq!(class_of(None, None, "delayed", || false), Class::Temporary);
        assert_eq!(class_of(None, None, "failed", || true), Class::Temporary);
        assert_eq!(class_of(None, None, "failed", || false), Class::Unknown);
        // Exim: 5.0.0 over a 451 given up after retries, or over "retry timeout exceeded"
        assert_eq!(
            class_of(st("5.0.0"), Some(451), "failed", || true),
            Class::Temporary
        );
        assert_eq!(
            class_of(st("5.0.0"), None, "failed", || true),
            Class::Temporary
        );
        assert_eq!(
            class_of(st("5.0.0"), None, "failed", || false),
            Class::Permanent
        );
        assert_eq!(
            class_of(st("5.0.0"), Some(550), "failed", || true),
            Class::Permanent
        );
        assert_eq!(
            class_of(st("5.4.7"), None, "failed", || false),
            Class::Temporary
        );
    }

    #[test]
    fn expiry_phrases() {
        assert!(says_expired("mailbox is full: retry timeout exceeded"));
        assert!(says_expired(
            "----- Transcript of session follows -----\nCannot send message for 5 days"
        ));
        assert!(says_expired(
            "I'm not going to try again; this message has been in the queue too long."
        ));
        assert!(!says_expired("550 5.1.1 User unknown"));
    }

    #[test]
    fn soften_keeps_the_class() {
        use BounceReason::*;
        let st = EnhancedStatus::parse;
        assert_eq!(soften(HostUnknown, st("4.4.3"), None), NetworkError);
        assert_eq!(soften(UserUnknown, st("4.3.0"), Some(451)), SystemError);
        assert_eq!(soften(UserUnknown, st("4.1.1"), Some(450)), UserUnknown);
        assert_eq!(soften(MailboxFull, st("4.2.2"), None), MailboxFull);
        assert_eq!(soften(UserUnknown, None, None), OnHold);
    }

    /// Diagnostic texts that name a hard reason: what a class-blind classifier would read as
    /// a dead address or domain.
    const ADVERSARIAL: &[&str] = &[
        "User unknown",
        "Recipient address rejected: User unknown in virtual alias table",
        "Recipient address rejected: Temporary local problem - please try later",
        "Host or domain name not found. Name service error for name=example.net type=MX: Host not found, try again",
        "Host not found",
        "No such user here",
        "mailbox unavailable",
        "The email account that you tried to reach does not exist",
        "Domain not found",
        "unrouteable address",
        "account has been disabled",
        "user has moved",
        "No MX for domain",
        "Name server: example.net.: host name lookup failure",
        "connect to mx.example.net[192.0.2.1]:25: Connection timed out",
    ];

    fn dsn(status: &str, action: &str, diag: &str, rcpt: &str) -> String {
        format!(
            "From: MAILER-DAEMON@mx.example.org\nTo: sender@example.com\n\
             Subject: Undelivered Mail Returned to Sender\nMIME-Version: 1.0\n\
             Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\n\n\
             --B\nContent-Type: text/plain\n\nI'm sorry to have to inform you that your message \
             could not be delivered to one or more recipients.\n\n<{rcpt}>: {diag}\n\n\
             --B\nContent-Type: message/delivery-status\n\n\
             Reporting-MTA: dns; mx.example.org\nX-Postfix-Queue-ID: 4AB12C0D3\n\
             Original-Envelope-Id: env-77\n\n\
             Final-Recipient: rfc822; {rcpt}\nAction: {action}\nStatus: {status}\n\
             Diagnostic-Code: smtp; {diag}\n\n--B--\n"
        )
    }

    fn plain(diag: &str, rcpt: &str) -> String {
        format!(
            "From: Mail Delivery System <Mailer-Daemon@mx.example.org>\nTo: sender@example.com\n\
             Subject: Mail delivery failed: returning message to sender\n\n\
             This message was created automatically by mail delivery software.\n\n\
             A message that you sent could not be delivered to one or more of its\n\
             recipients. This is a permanent error. The following address(es) failed:\n\n  \
             {rcpt}\n    {diag}\n"
        )
    }

    /// The evidence order on whole notices: a TCP-level refusal that expired is a network
    /// error, the same words in a permanent reply keep the reply's reason (`blocked`).
    #[test]
    fn connection_refused_by_evidence() {
        let rcpt = "someone@example.net";
        let expired = crate::bounce::decode_message(
            dsn(
                "4.4.1",
                "failed",
                "connect to mx.example.net[192.0.2.15]:25: Connection refused",
                rcpt,
            )
            .as_bytes(),
        );
        assert_eq!(expired.len(), 1);
        assert_eq!(expired[0].reason, BounceReason::NetworkError);
        assert!(expired[0].expired && !expired[0].hard);
        assert_eq!(
            expired[0].underlying_reason,
            Some(BounceReason::NetworkError)
        );
        let permanent = crate::bounce::decode_message(
            dsn(
                "5.7.1",
                "failed",
                "554 5.7.1 Connection refused: your IP is on our block list",
                rcpt,
            )
            .as_bytes(),
        );
        assert_eq!(permanent.len(), 1);
        assert_eq!(permanent[0].reason, BounceReason::Blocked);
        assert!(!permanent[0].expired);
    }

    fn temp_status() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        (0u16..8, prop_oneof![0u16..12, Just(20u16), Just(26)])
            .prop_map(|(s, d)| format!("4.{s}.{d}"))
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(300))]

        /// A DSN whose status is 4.x.x (expired with `failed`, or `delayed`) is never hard,
        /// whatever its text says and whatever reply the text quotes (4yz or none).
        #[test]
        fn temporary_dsn_is_never_hard(
            status in temp_status(),
            failed in proptest::bool::ANY,
            text in 0..ADVERSARIAL.len(),
            reply in proptest::option::of(prop_oneof_replies()),
            local in "[a-z]{1,8}",
        ) {
            let rcpt = format!("{local}@example.net");
            let diag = match reply {
                Some(c) => format!("host mx.example.net[192.0.2.1] said: {c} {status} <{rcpt}>: {}", ADVERSARIAL[text]),
                None => ADVERSARIAL[text].to_string(),
            };
            let action = if failed { "failed" } else { "delayed" };
            let recs = crate::bounce::decode_message(dsn(&status, action, &diag, &rcpt).as_bytes());
            proptest::prop_assert!(!recs.is_empty());
            for r in &recs {
                proptest::prop_assert!(!r.hard && r.bounce_type != BounceType::Hard, "{r:?}");
                proptest::prop_assert!(!r.suppress());
                proptest::prop_assert_eq!(r.expired, failed);
            }
        }

        /// A plain-text notice whose only code is temporary (4yz, 4.x.x) or that says the
        /// message expired is never hard.
        #[test]
        fn temporary_plain_notice_is_never_hard(
            status in temp_status(),
            form in 0u8..4,
            text in 0..ADVERSARIAL.len(),
            local in "[a-z]{1,8}",
        ) {
            let rcpt = format!("{local}@example.net");
            let adv = ADVERSARIAL[text];
            let diag = match form {
                0 => format!("SMTP error from remote mail server after RCPT TO:<{rcpt}>: 451 {status} {adv}"),
                1 => format!("451 {adv}"),
                2 => format!("{adv}: retry timeout exceeded"),
                _ => format!("{adv}\nCannot send message for 5 days"),
            };
            let recs = crate::bounce::decode_message(plain(&diag, &rcpt).as_bytes());
            for r in &recs {
                proptest::prop_assert!(!r.hard && r.bounce_type != BounceType::Hard, "{r:?}");
            }
        }

        /// Text never flips the class: the same notice with a permanent 5.x.x status keeps a
        /// hard reason hard only through the text, and with 4.x.x it is soft.
        #[test]
        fn the_class_follows_the_status(text in 0..ADVERSARIAL.len(), local in "[a-z]{1,8}") {
            let rcpt = format!("{local}@example.net");
            let adv = ADVERSARIAL[text];
            let t = crate::bounce::decode_message(dsn("4.0.0", "failed", adv, &rcpt).as_bytes());
            let p = crate::bounce::decode_message(dsn("5.0.0", "failed", adv, &rcpt).as_bytes());
            proptest::prop_assert_eq!(t.len(), 1);
            proptest::prop_assert_eq!(p.len(), 1);
            proptest::prop_assert!(!t[0].hard);
            proptest::prop_assert!(t[0].expired && !p[0].expired);
            proptest::prop_assert_eq!(t[0].underlying_reason.is_some(), true);
        }
    }

    proptest::proptest! {
        /// The last guard: whatever reason a decoder set, a record whose own fields hold only
        /// temporary evidence (4.x.x, 4yz, `delayed`, expired) leaves it soft.
        #[test]
        fn the_guard_keeps_temporary_records_soft(
            reason in 0..BounceReason::ALL.len(),
            status in proptest::option::of(temp_status()),
            reply in proptest::option::of(prop_oneof_replies()),
            delayed in proptest::bool::ANY,
            expired in proptest::bool::ANY,
        ) {
            proptest::prop_assume!(status.is_some() || reply.is_some() || delayed || expired);
            let mut r = BounceRecord::new(BounceReason::ALL[reason], true);
            r.deliverystatus = status.unwrap_or_default();
            r.replycode = reply.map(|c| c.to_string()).unwrap_or_default();
            r.action = if delayed { "delayed" } else { "failed" }.into();
            r.expired = expired;
            enforce(&mut r);
            proptest::prop_assert!(!r.hard && r.bounce_type != BounceType::Hard, "{r:?}");
        }
    }

    fn prop_oneof_replies() -> impl proptest::strategy::Strategy<Value = u16> {
        proptest::prop_oneof![
            proptest::strategy::Just(421u16),
            proptest::strategy::Just(450),
            proptest::strategy::Just(451),
            proptest::strategy::Just(452),
            proptest::strategy::Just(454)
        ]
    }

    /// The two Postfix 3.7 cases of issue 15, and the permanent counterpart of the DNS one.
    #[test]
    fn postfix_expired_cases() {
        use BounceReason::*;
        let r = crate::bounce::decode_message(
            dsn(
                "4.3.0",
                "failed",
                "smtp; 451 4.3.0 <u@example.net>: Recipient address rejected: Temporary local problem - please try later",
                "u@example.net",
            )
            .as_bytes(),
        );
        assert_eq!(r.len(), 1);
        assert!(!r[0].hard && r[0].expired);
        assert_eq!(r[0].reason, SystemError);
        assert_eq!(r[0].underlying_reason, Some(SystemError));
        assert_eq!(r[0].queue_id, "4AB12C0D3");
        assert_eq!(r[0].envelope_id, "env-77");
        assert_eq!(r[0].reporting_mta, "mx.example.org");
        let r = crate::bounce::decode_message(
            dsn(
                "4.4.3",
                "failed",
                "X-Postfix; Host or domain name not found. Name service error for name=example.net type=MX: Host not found, try again",
                "u@example.net",
            )
            .as_bytes(),
        );
        assert!(!r[0].hard && r[0].expired);
        assert_eq!(r[0].reason, NetworkError);
        // NXDOMAIN: permanent, the domain does not exist
        let r = crate::bounce::decode_message(
            dsn(
                "5.4.4",
                "failed",
                "X-Postfix; Host or domain name not found. Name service error for name=example.net type=A: Host not found",
                "u@example.net",
            )
            .as_bytes(),
        );
        assert!(r[0].hard && !r[0].expired);
        assert_eq!(r[0].reason, HostUnknown);
    }
}
