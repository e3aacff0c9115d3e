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

/// The class from the codes and the action: the enhanced status decides when there is one
/// (it is the DSN's own field or the code next to the reply), else the reply code, else the
/// action, else whether the text says the message expired.
pub(crate) fn class_of(
    status: Option<EnhancedStatus>,
    reply: Option<u16>,
    action: &str,
    expired_text: bool,
) -> Class {
    match status.map(|s| s.class) {
        Some(5) => return Class::Permanent,
        Some(4) => return Class::Temporary,
        _ => {}
    }
    match reply.map(|c| c / 100) {
        Some(5) => return Class::Permanent,
        Some(4) => return Class::Temporary,
        _ => {}
    }
    if matches!(action, "delayed" | "delivery-delayed") || expired_text {
        Class::Temporary
    } else {
        Class::Unknown
    }
}

/// Whether a notice or diagnostic says the message was given up after retries (Exim "retry
/// timeout exceeded", Sendmail "Cannot send message for 5 days", qmail "this message has been
/// in the queue too long", ...). Case-insensitive; phrases of MTAs' expiry notices (facts, see
/// `data/SOURCES.md`).
pub(crate) fn says_expired(text: &str) -> bool {
    static AC: OnceLock<aho_corasick::AhoCorasick> = OnceLock::new();
    let ac = AC.get_or_init(|| {
        aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build([
                "retry timeout exceeded",
                "retry time not reached for any host after a long failure period",
                "cannot send message for",
                "could not be delivered for more than",
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
    if ac.is_match(&text[..end]) {
        return Some(BounceReason::NetworkError);
    }
    let s = status.filter(|s| !(s.subject == 4 && s.detail == 7) && s.subject != 0)?;
    reason_from_status(s)
        .or_else(|| fallback_from_status(s))
        .filter(|r| *r != BounceReason::Expired)
}

/// The class of a finished record, from its own fields (status, reply, action, and whether it
/// was marked expired).
pub(crate) fn record_class(r: &BounceRecord) -> Class {
    let status = EnhancedStatus::parse(&r.deliverystatus);
    let reply = r.replycode.parse::<u16>().ok();
    class_of(status, reply, &r.action, r.expired)
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
    fn classes() {
        let st = EnhancedStatus::parse;
        assert_eq!(
            class_of(st("4.3.0"), Some(550), "failed", false),
            Class::Temporary
        );
        assert_eq!(
            class_of(st("5.1.1"), Some(450), "", false),
            Class::Permanent
        );
        assert_eq!(class_of(None, Some(451), "failed", false), Class::Temporary);
        assert_eq!(class_of(None, None, "delayed", false), Class::Temporary);
        assert_eq!(class_of(None, None, "failed", true), Class::Temporary);
        assert_eq!(class_of(None, None, "failed", false), Class::Unknown);
    }

    #[test]
    fn expiry_phrases() {
        assert!(says_expired("mailbox is full: retry timeout exceeded"));
        assert!(says_expired("----- Transcript of session follows -----\nCannot send message for 5 days"));
        assert!(says_expired("I'm not going to try again; this message has been in the queue too long."));
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
}
