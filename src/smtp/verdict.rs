//! From SMTP evidence to a reason (docs/architecture.md, "Address verdicts"): codes first
//! (enhanced status, then reply code), text only where codes cannot tell (greylisting, block
//! lists). A transient failure is never `undeliverable`.

use super::reply::Reply;
use super::session::RcptResult;
use crate::model::Reason;

/// Why a connection produced no reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ConnFailure {
    /// No TCP connection (refused, unreachable).
    Connect,
    /// No reply in time.
    Timeout,
    /// The server closed the connection.
    Closed,
    /// The TLS handshake after STARTTLS failed.
    TlsFailed,
}

/// A class of reply text from `data/smtp_reply_text.tsv`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum TextClass {
    /// The refusal is about us (IP, HELO, reputation, block list), not the mailbox.
    SenderBlock = 0,
    /// Greylisting.
    Greylist = 1,
    /// Relay denied.
    Relay = 2,
    /// Mailbox over quota.
    Full = 3,
    /// The mailbox does not exist.
    NoMailbox = 4,
    /// The refusal names the recipient.
    Recipient = 5,
    /// Too many recipients in this transaction.
    TooMany = 6,
}

impl TextClass {
    fn parse(s: &str) -> Option<TextClass> {
        Some(match s {
            "sender_block" => TextClass::SenderBlock,
            "greylist" => TextClass::Greylist,
            "relay" => TextClass::Relay,
            "full" => TextClass::Full,
            "no_mailbox" => TextClass::NoMailbox,
            "recipient" => TextClass::Recipient,
            "too_many" => TextClass::TooMany,
            _ => return None,
        })
    }
}

struct TextTable {
    matcher: aho_corasick::AhoCorasick,
    classes: Vec<TextClass>,
}

fn table() -> &'static TextTable {
    static T: std::sync::OnceLock<TextTable> = std::sync::OnceLock::new();
    T.get_or_init(|| {
        let (mut pats, mut classes) = (Vec::new(), Vec::new());
        for line in include_str!("../../data/smtp_reply_text.tsv").lines() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let (class, pat) = line.split_once('\t').expect("class<TAB>pattern");
            let class = TextClass::parse(class.trim()).expect("known text class");
            pats.push(pat.trim().to_owned());
            classes.push(class);
        }
        let matcher = aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(&pats)
            .expect("reply text patterns");
        TextTable { matcher, classes }
    })
}

/// The set of text classes found in a reply text (a bit per [`TextClass`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct TextClasses(u8);

impl TextClasses {
    /// Classify `text`.
    pub(crate) fn of(text: &str) -> TextClasses {
        let t = table();
        let mut bits = 0u8;
        for m in t.matcher.find_overlapping_iter(text) {
            bits |= 1 << t.classes[m.pattern().as_usize()] as u8;
        }
        TextClasses(bits)
    }

    /// Whether the text has the class.
    pub(crate) fn has(self, c: TextClass) -> bool {
        self.0 & (1 << c as u8) != 0
    }
}

/// The reason for one `RCPT TO` reply: enhanced status code first, reply code next, the text
/// (classified by `data/smtp_reply_text.tsv`) only where the codes cannot tell.
pub(crate) fn rcpt_reason(r: &Reply) -> Reason {
    use TextClass::*;
    if r.is_positive() {
        return Reason::Accepted;
    }
    let text = TextClasses::of(&r.text);
    if let Some(e) = r.enhanced {
        match (e.class, e.subject, e.detail) {
            (5, 1, 1) | (5, 1, 10) => return Reason::MailboxNotFound,
            (5, 1, 6) => return Reason::MailboxMoved,
            (5, 2, 1) => return Reason::MailboxDisabled,
            (_, 2, 2) => return Reason::MailboxFull,
            (5, 7, 1) if text.has(Relay) => return Reason::RelayDenied,
            (4, _, _) if text.has(Greylist) => return Reason::Greylisted,
            (5, 7, _) if text.has(SenderBlock) => return Reason::SenderBlocked,
            (5, 7, _) if text.has(Recipient) => return Reason::PolicyRejected,
            _ => {}
        }
    }
    match r.code {
        551 => Reason::MailboxMoved,
        552 | 452 if text.has(Full) => Reason::MailboxFull,
        450 | 451 if text.has(Greylist) => Reason::Greylisted,
        421 => Reason::Unavailable,
        400..=499 => Reason::Tempfail,
        550..=554 if text.has(Relay) => Reason::RelayDenied,
        500..=599 if text.has(SenderBlock) => Reason::SenderBlocked,
        550 | 553 => Reason::MailboxNotFound,
        554 if text.has(NoMailbox) => Reason::MailboxNotFound,
        554 if text.has(Recipient) => Reason::PolicyRejected,
        // Other permanent refusals say nothing certain about the mailbox.
        _ => Reason::Tempfail,
    }
}

/// The reason for a refusal before `RCPT TO` (banner, greeting, `MAIL FROM`): never about the
/// mailbox.
pub(crate) fn session_reason(r: &Reply) -> Reason {
    if r.code == 421 {
        Reason::Unavailable
    } else if r.is_permanent() {
        Reason::SenderBlocked
    } else {
        Reason::Tempfail
    }
}

/// The reason for one recipient's session result.
pub(crate) fn result_reason(r: &RcptResult) -> Reason {
    match r {
        RcptResult::Answered(reply) => rcpt_reason(reply),
        RcptResult::SessionRefused(reply) => session_reason(reply),
        RcptResult::BadPath(_) => Reason::NotChecked,
    }
}

/// The reason when the connection itself failed.
pub(crate) fn connection_reason(f: ConnFailure) -> Reason {
    match f {
        ConnFailure::Connect => Reason::ConnectFailed,
        ConnFailure::Timeout => Reason::SmtpTimeout,
        ConnFailure::Closed | ConnFailure::TlsFailed => Reason::ConnectionClosed,
    }
}

#[cfg(test)]
mod tests {
    use super::super::reply::parse_one;
    use super::*;
    use crate::model::Verdict;

    fn reply(s: &str) -> Reply {
        parse_one(s)
    }

    #[test]
    fn codes_first() {
        assert_eq!(rcpt_reason(&reply("250 2.1.5 Ok\r\n")), Reason::Accepted);
        assert_eq!(
            rcpt_reason(&reply("550 5.1.1 <x@y>: Recipient address rejected\r\n")),
            Reason::MailboxNotFound
        );
        assert_eq!(
            rcpt_reason(&reply("550 5.2.1 disabled\r\n")),
            Reason::MailboxDisabled
        );
        assert_eq!(
            rcpt_reason(&reply("551 5.1.6 moved\r\n")),
            Reason::MailboxMoved
        );
        assert_eq!(
            rcpt_reason(&reply("452 4.2.2 over quota\r\n")),
            Reason::MailboxFull
        );
        assert_eq!(
            rcpt_reason(&reply("552 5.2.2 full\r\n")),
            Reason::MailboxFull
        );
        assert_eq!(
            rcpt_reason(&reply("554 5.7.1 <x@y>: Relay access denied\r\n")),
            Reason::RelayDenied
        );
        assert_eq!(
            rcpt_reason(&reply(
                "450 4.2.0 <x@y>: Recipient address rejected: Greylisted\r\n"
            )),
            Reason::Greylisted
        );
        assert_eq!(
            rcpt_reason(&reply(
                "550 5.7.1 Service unavailable; client host blocked using Spamhaus\r\n"
            )),
            Reason::SenderBlocked
        );
        assert_eq!(
            rcpt_reason(&reply(
                "554 5.7.1 <b@ok.test>: Recipient address rejected: Rejected by local policy\r\n"
            )),
            Reason::PolicyRejected
        );
        // "try again later" alone is not greylisting.
        assert_eq!(
            rcpt_reason(&reply(
                "451 4.3.0 <t@ok.test>: Temporary local problem, try again later\r\n"
            )),
            Reason::Tempfail
        );
        assert_eq!(
            rcpt_reason(&reply(
                "451 4.7.1 <g@x>: Recipient address rejected: Greylisted, please try again\r\n"
            )),
            Reason::Greylisted
        );
        assert_eq!(
            rcpt_reason(&reply(
                "550 Requested action not taken: mailbox unavailable\r\n"
            )),
            Reason::MailboxNotFound
        );
    }

    #[test]
    fn transient_never_condemns() {
        for s in [
            "450 4.7.1 later\r\n",
            "451 local error\r\n",
            "421 closing\r\n",
            "554 5.7.9 policy\r\n",
        ] {
            let r = rcpt_reason(&reply(s));
            assert_ne!(r.verdict(), Verdict::Undeliverable, "{s}");
        }
        assert_eq!(
            session_reason(&reply("421 4.3.2 busy\r\n")),
            Reason::Unavailable
        );
        assert_eq!(session_reason(&reply("554 no\r\n")), Reason::SenderBlocked);
        assert_eq!(connection_reason(ConnFailure::Timeout), Reason::SmtpTimeout);
    }
}
