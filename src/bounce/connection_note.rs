//! The evidence order inside a temporary failure's text: the remote server's last SMTP reply outranks the sending MTA's own note about the connection, and a connection refused before any reply is a network error.
//!
//! An MTA that gave up after retries often writes two kinds of words: what the remote server
//! answered (`<<< 421 4.7.28 ... unusual rate of unsolicited mail`, `host ... said: 450 ...`)
//! and its own note about what happened to the connection afterwards (`Deferred: Connection
//! reset by ...`, `connect to ...: Connection refused`). The reply is the cause; the note is a
//! consequence. And a connection refused at the TCP level means the sending MTA never got an
//! SMTP reply at all: RFC 3463 X.4.1, "no answer from host", a network error, not a block (a
//! server that *answers* "connection refused" in a reply is another matter, and keeps the
//! reason its reply gives).

use crate::bounce::classify::{Evidence, classify};
use crate::bounce::evidence::soften;
use crate::status::{BounceReason, EnhancedStatus, find_reply_code};

/// The sending MTA's own words about the connection (lowercase).
const NOTES: [&str; 6] = [
    "connection refused",
    "connection reset",
    "lost connection",
    "connection timed out",
    "connection closed",
    "broken pipe",
];

/// The reason of a temporary record after the evidence order: `reason` is what the classifier
/// read from `e`. When that reading came from the MTA's note about the connection (a network
/// error or block whose words are such a note), the last SMTP reply quoted in the text decides
/// instead, if there is one and it says anything; a refusal with no reply at all is a network
/// error. Every other reading is kept.
pub(crate) fn reason_by_evidence_order(reason: BounceReason, e: &Evidence<'_>) -> BounceReason {
    use BounceReason::*;
    if !matches!(reason, NetworkError | Blocked) {
        return reason;
    }
    for text in [e.text, e.context] {
        let lower = text.to_ascii_lowercase();
        if !NOTES.iter().any(|n| lower.contains(n)) {
            continue;
        }
        let Some(reply) = last_reply(text) else {
            // the MTA's note and no reply: a refusal before any SMTP exchange
            return if reason == Blocked && lower.contains("connection refused") {
                NetworkError
            } else {
                reason
            };
        };
        let status = EnhancedStatus::find(reply).filter(|s| s.class != 2);
        let code = find_reply_code(reply);
        let again = classify(&Evidence {
            status,
            reply: code,
            text: reply,
            context: "",
            category: None,
            ..e.clone()
        });
        let again = soften(again, status, code);
        return match again {
            Expired | OnHold | Undefined | Delivered => reason,
            r => r,
        };
    }
    reason
}

/// The last line of `text` that is an SMTP reply the remote server gave: one that starts (after
/// white space and a transcript's `<<<`) with a 4yz or 5yz code, or that quotes one after
/// `said:` (Postfix `host ... said: 421 ...`). Continuation lines of a multi-line reply are
/// part of the line before them only as far as the reply code repeats.
fn last_reply(text: &str) -> Option<&str> {
    text.lines().rev().find_map(|line| {
        let t = line.trim_start();
        let t = t.strip_prefix("<<<").map_or(t, str::trim_start);
        let t = match t.find("said:") {
            Some(i) => t[i + 5..].trim_start(),
            None => t,
        };
        let b = t.as_bytes();
        (b.len() > 4
            && matches!(b[0], b'4' | b'5')
            && b[1].is_ascii_digit()
            && b[2].is_ascii_digit()
            && matches!(b[3], b' ' | b'-'))
        .then_some(t)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::EnhancedStatus;

    fn temp(text: &str) -> Evidence<'_> {
        Evidence {
            status: EnhancedStatus::parse("4.4.7"),
            action: "failed",
            text,
            ..Default::default()
        }
    }

    #[test]
    fn the_last_reply_outranks_the_connection_note() {
        let t = "... while talking to mx.example.:\n>>> DATA\n<<< 421 4.7.28 Our system has \
                 detected an unusual rate of unsolicited mail originating from your IP \
                 address, try again later\n<a@example>... Deferred: Connection reset by \
                 mx.example.\nMessage could not be delivered for 1 minute";
        let r = reason_by_evidence_order(BounceReason::NetworkError, &temp(t));
        assert_eq!(r, BounceReason::Speeding);
    }

    #[test]
    fn a_refusal_without_a_reply_is_a_network_error() {
        for t in [
            "connect to mx.example[192.0.2.1]:25: Connection refused",
            "<a@example>... Deferred: Connection refused by mx.example.\nMessage could not be \
             delivered for 1 minute",
        ] {
            let r = reason_by_evidence_order(BounceReason::Blocked, &temp(t));
            assert_eq!(r, BounceReason::NetworkError, "{t}");
        }
    }

    #[test]
    fn a_refusal_the_server_replied_keeps_its_reason() {
        let t = "host mx.example[192.0.2.1] said: 421 4.7.0 Connection refused, your IP is \
                 listed (in reply to RCPT TO command)";
        let r = reason_by_evidence_order(BounceReason::Blocked, &temp(t));
        assert_eq!(r, BounceReason::Blocked);
    }

    #[test]
    fn other_readings_are_kept() {
        let t = "<<< 452 4.2.2 Mailbox full\nDeferred: Connection reset";
        let r = reason_by_evidence_order(BounceReason::MailboxFull, &temp(t));
        assert_eq!(r, BounceReason::MailboxFull);
        let r = reason_by_evidence_order(BounceReason::Blocked, &temp("listed at a DNSBL"));
        assert_eq!(r, BounceReason::Blocked);
    }
}
