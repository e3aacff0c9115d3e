//! From SMTP evidence to a reason (DESIGN.md §2): codes first (enhanced status, then reply
//! code), text only where codes cannot tell (greylisting, block lists). A transient failure is
//! never `undeliverable`.

use super::reply::Reply;
use super::session::RcptResult;
use crate::model::Reason;

/// Why a connection produced no reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnFailure {
    /// No TCP connection (refused, unreachable).
    Connect,
    /// No reply in time.
    Timeout,
    /// The server closed the connection.
    Closed,
}

/// Words in a refusal that say the problem is us (our IP, HELO or a block list), not the mailbox.
const SENDER_BLOCK_WORDS: &[&str] = &[
    "spamhaus",
    "blocklist",
    "block list",
    "blacklist",
    "black list",
    "dnsbl",
    "rbl",
    "your ip",
    "client host",
    "helo",
    "reverse dns",
    "ptr record",
    "listed",
    "reputation",
];

const GREYLIST_WORDS: &[&str] = &["greylist", "graylist", "try again later", "postgrey"];

fn has_any(text: &str, words: &[&str]) -> bool {
    let t = text.to_ascii_lowercase();
    words.iter().any(|w| t.contains(w))
}

/// The reason for one `RCPT TO` reply.
pub fn rcpt_reason(r: &Reply) -> Reason {
    if r.is_positive() {
        return Reason::Accepted;
    }
    if let Some(e) = r.enhanced {
        match (e.class, e.subject, e.detail) {
            (5, 1, 1) | (5, 1, 10) => return Reason::MailboxNotFound,
            (5, 1, 6) => return Reason::MailboxMoved,
            (5, 2, 1) => return Reason::MailboxDisabled,
            (_, 2, 2) => return Reason::MailboxFull,
            (5, 7, 1) if has_any(&r.text, &["relay"]) => return Reason::RelayDenied,
            (4, 2, 0) | (4, 7, 1) if has_any(&r.text, GREYLIST_WORDS) => {
                return Reason::Greylisted;
            }
            _ => {}
        }
    }
    match r.code {
        551 => Reason::MailboxMoved,
        552 | 452 if has_any(&r.text, &["full", "quota", "storage"]) => Reason::MailboxFull,
        450 | 451 if has_any(&r.text, GREYLIST_WORDS) => Reason::Greylisted,
        421 => Reason::Unavailable,
        400..=499 => Reason::Tempfail,
        550 | 553 if has_any(&r.text, &["relay"]) => Reason::RelayDenied,
        500..=599 if has_any(&r.text, SENDER_BLOCK_WORDS) => Reason::SenderBlocked,
        550 | 553 => Reason::MailboxNotFound,
        // Other permanent refusals (554 policy, 5.7.x) say nothing certain about the mailbox.
        _ => Reason::Tempfail,
    }
}

/// The reason for a refusal before `RCPT TO` (banner, greeting, `MAIL FROM`): never about the
/// mailbox.
pub fn session_reason(r: &Reply) -> Reason {
    if r.code == 421 {
        Reason::Unavailable
    } else if r.is_permanent() {
        Reason::SenderBlocked
    } else {
        Reason::Tempfail
    }
}

/// The reason for one recipient's session result.
pub fn result_reason(r: &RcptResult) -> Reason {
    match r {
        RcptResult::Answered(reply) => rcpt_reason(reply),
        RcptResult::SessionRefused(reply) => session_reason(reply),
        RcptResult::BadPath(_) => Reason::InvalidSyntax,
    }
}

/// The reason when the connection itself failed.
pub fn connection_reason(f: ConnFailure) -> Reason {
    match f {
        ConnFailure::Connect => Reason::ConnectFailed,
        ConnFailure::Timeout => Reason::SmtpTimeout,
        ConnFailure::Closed => Reason::ConnectionClosed,
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
