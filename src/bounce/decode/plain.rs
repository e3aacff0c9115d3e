//! The plain-text decoder: recipients are the addresses of a notice that are not the sender
//! or a system address; each one's diagnostic is its paragraph (old Sendmail sessions too).

use std::sync::OnceLock;

use super::MAX_DIAG;
use super::MAX_NOTICE;
use super::command::smtp_command;
use super::common::{Common, finish, record};
use super::notice::NoticeIndex;
use super::parts::Parts;
use crate::bounce::BounceRecord;
use crate::bounce::classify::Evidence;
use crate::bounce::text::{self, find_addresses, is_system_address, squeeze};
use crate::status::{BounceReason, EnhancedStatus, find_reply_code};

/// The first failure code (4.x.x or 5.x.x) in a text, else its first code.
fn failure_status(text: &str) -> Option<EnhancedStatus> {
    let all = EnhancedStatus::find_all(text);
    all.iter()
        .copied()
        .find(|s| s.class != 2)
        .or_else(|| all.first().copied())
}

/// An address that is a failed recipient only if the notice names no other: a service mailbox
/// (support@, help@, abuse@, ...) mentioned in the help text.
fn weak_candidate(f: &text::Found) -> bool {
    let local = f.addr.split('@').next().unwrap_or("").to_ascii_lowercase();
    matches!(
        local.as_str(),
        "support" | "help" | "helpdesk" | "abuse" | "noc" | "hostmaster" | "webmaster"
    )
}

/// Whether an address found in a notice can be a failed recipient: not a Message-ID, not in a
/// header line of a returned message, not a contact address of the help text.
fn plausible_recipient(notice: &str, f: &text::Found) -> bool {
    let ls = notice[..f.start].rfind('\n').map(|i| i + 1).unwrap_or(0);
    let le = notice[f.end..]
        .find('\n')
        .map(|i| f.end + i)
        .unwrap_or(notice.len());
    let line = notice[ls..le].trim_start().to_ascii_lowercase();
    const HEADERS: [&str; 16] = [
        "message-id:",
        "in-reply-to:",
        "references:",
        "received:",
        "return-path:",
        "from:",
        "sender:",
        "reply-to:",
        "x-",
        "dkim-signature:",
        "list-",
        "errors-to:",
        "for ",
        "by ",
        "id ",
        "(envelope-from",
    ];
    if HEADERS.iter().any(|h| line.starts_with(h)) {
        return false;
    }
    let before = notice[ls..f.start].to_ascii_lowercase();
    let before = before.trim_end_matches(['<', ' ', '"', '(', '[']);
    let last_word = before
        .rsplit(|c: char| c.is_whitespace() || c == '(' || c == ';')
        .next()
        .unwrap_or("");
    if matches!(
        last_word,
        "id" | "id:" | "id=" | "message-id" | "message-id:"
    ) {
        return false;
    }
    if [
        "contact",
        "assistance",
        "questions",
        "write to",
        "send an email to",
        "support",
        "email us",
        "e-mail us",
        "please email",
        "please e-mail",
        "on behalf of",
        "complaints to",
        "unsubscribe",
        "envelope sender",
        "sender address",
    ]
    .iter()
    .any(|w| before.contains(w))
    {
        return false;
    }
    // an address inside a URL (`?email=a@b`, `/a@b`) or a `mailto:` link of the help text
    let local = &f.addr[..f.addr.find('@').unwrap_or(0)];
    if f.start > 0 && matches!(notice.as_bytes()[f.start - 1], b'=' | b'/')
        || before.ends_with("mailto:")
        || local.starts_with('/')
        || local.contains('?') && local.contains('=')
    {
        return false;
    }
    // a Message-ID-like local part: long and mostly digits, dots and hex
    let digits = local.bytes().filter(|b| b.is_ascii_digit()).count();
    !(local.len() >= 16 && digits * 2 >= local.len())
}

/// Old Sendmail transcripts (`While talking to HOST:` / `>>> MAIL From:<..>` / `<<< 501 ...` /
/// `554 <rcpt>... Remote protocol error`): the `>>>`/`<<<` lines of the session the recipient's
/// error line at `at` belongs to, when that session names no other recipient.
fn sendmail_session(notice: &str, lower: &str, at: usize, rcpt: &str) -> Option<String> {
    let head = lower.get(..at)?;
    let start = head.rfind("while talking to ")?;
    // `554 <rcpt>... 550 Host unknown`: the error line carries its own reply
    let line = lower.get(at..)?.lines().next().unwrap_or("");
    if let Some((_, after)) = line.split_once("...")
        && find_reply_code(after.trim_start()).is_some_and(|_| {
            after
                .trim_start()
                .as_bytes()
                .first()
                .is_some_and(u8::is_ascii_digit)
        })
    {
        return None;
    }
    let lines: Vec<&str> = notice
        .get(start..at)?
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with(">>>") || l.starts_with("<<<"))
        .collect();
    let other_rcpt = lines.iter().any(|l| {
        let l = l.to_ascii_lowercase();
        l.starts_with(">>> rcpt") && !l.contains(&rcpt.to_ascii_lowercase())
    });
    (!lines.is_empty() && !other_rcpt && lines.iter().any(|l| l.starts_with("<<<")))
        .then(|| lines.join("\n"))
}

/// The plain-text decoder: recipients are the addresses of the notice that are not the sender
/// or a system address; each one's diagnostic is its paragraph.
pub(super) fn decode_text(
    parts: &Parts<'_>,
    c: &Common,
    excluded: &[String],
    failed_hdr: &[String],
) -> Vec<BounceRecord> {
    let (notice, _) = parts.notice_split();
    let notice = if notice.len() > MAX_NOTICE {
        let mut e = MAX_NOTICE;
        while !notice.is_char_boundary(e) {
            e -= 1;
        }
        &notice[..e]
    } else {
        notice
    };
    let mut rcpts: Vec<String> = Vec::new();
    let push = |rcpts: &mut Vec<String>, a: &str| {
        if !rcpts.iter().any(|r| r.eq_ignore_ascii_case(a)) {
            rcpts.push(a.to_string());
        }
    };
    for a in failed_hdr {
        push(&mut rcpts, a);
    }
    let mut self_bounce = false;
    // the addresses of the notice, scanned once for the candidates and the index
    let mut found = None;
    if rcpts.is_empty() {
        let mut senders: Vec<String> = Vec::new();
        let mut weak: Vec<String> = Vec::new();
        let all = found.insert(find_addresses(notice));
        for f in all.iter() {
            let a = f.addr.as_str();
            if is_system_address(a) || !plausible_recipient(notice, f) {
                continue;
            }
            // `MAIL FROM:<x>` or `from <x>` names the sender
            let mut from = f.start.saturating_sub(48);
            while !notice.is_char_boundary(from) {
                from -= 1;
            }
            let before = notice[from..f.start].to_ascii_lowercase();
            let tail = before.trim_end_matches(['<', ' ', '"', '\'', '(']);
            if tail.ends_with("from:")
                || tail.ends_with("from")
                || tail.ends_with("sender:")
                || tail.ends_with("sender")
                || tail.ends_with("envelope-from")
                || tail.ends_with("return-path:")
            {
                continue;
            }
            if excluded.iter().any(|x| x.eq_ignore_ascii_case(a)) {
                push(&mut senders, a);
            } else if weak_candidate(f) {
                push(&mut weak, a);
            } else {
                push(&mut rcpts, a);
            }
        }
        // service addresses of the help text are never the failed recipient
        rcpts.retain(|r| !weak.iter().any(|w| w.eq_ignore_ascii_case(r)));
        // a message bounced back to its own sender names only the sender
        if rcpts.is_empty() {
            rcpts = senders;
            self_bounce = true;
        }
    }
    let mut out = Vec::new();
    let index = NoticeIndex::new(notice, &rcpts, found);
    let lower_notice = notice.to_ascii_lowercase();
    // the same for every recipient: one case-insensitive scan of the notice
    let delayed = !rcpts.is_empty() && {
        static AC: OnceLock<aho_corasick::AhoCorasick> = OnceLock::new();
        AC.get_or_init(|| {
            aho_corasick::AhoCorasick::new([
                "will continue trying",
                "will keep trying",
                "still trying",
                "not yet been delivered",
                "this is a warning",
                "delivery delayed",
                "has been delayed",
                "is delayed",
                "will retry",
            ])
            .expect("static phrases")
        })
        .is_match(lower_notice.as_str())
    };
    for (i, rcpt) in rcpts.iter().enumerate() {
        let block = index.block(i);
        let mut own_block = block.trim().len() > rcpt.len() + 6;
        let mut block_text = if own_block { block } else { notice };
        if !own_block && let Some(prev) = index.line_before(i) {
            // `reason` on the line above a bare address (Lotus Notes and others)
            block_text = prev;
            own_block = true;
        }
        // old Sendmail: the remote server's reply in the session the error line belongs to
        let session = (!crate::bounce::generic_only())
            .then(|| index.first.get(i).copied().flatten())
            .flatten()
            .and_then(|at| sendmail_session(notice, &lower_notice, at, rcpt));
        let with_session;
        if let Some(sess) = session
            && own_block
        {
            with_session = format!("{sess}\n{block_text}");
            block_text = &with_session;
        }
        // keep the diagnostic to the lines after the address when there are any
        let diag = squeeze(block_text, MAX_DIAG);
        let mut r = record(c, if self_bounce { "text-self" } else { "text" });
        r.recipient = rcpt.clone();
        let status = failure_status(block_text).or_else(|| failure_status(notice));
        let reply = find_reply_code(block_text);
        r.action = if delayed { "delayed" } else { "failed" }.into();
        let cmd = smtp_command(block_text);
        r.smtpcommand = cmd.to_string();
        r.diagnosticcode = diag;
        let action = r.action.clone();
        let e = Evidence {
            status,
            reply,
            action: &action,
            command: cmd,
            text: if own_block { block_text } else { "" },
            context: if rcpts.len() <= 1 { notice } else { "" },
            ..Default::default()
        };
        let mut r = finish(r, &e);
        // the notice named only the sender: the best reading, not a certainty
        r.ambiguous = self_bounce;
        // Google Groups refuses posts from non-members or to missing groups, in any language
        if !crate::bounce::generic_only()
            && rcpt.to_ascii_lowercase().ends_with("@googlegroups.com")
            && matches!(r.reason, BounceReason::OnHold | BounceReason::Undefined)
        {
            r.set_reason(BounceReason::Rejected, true);
        }
        out.push(r);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sendmail_session_reply() {
        let n = "While talking to mx.example.org:\n>>> MAIL From:<s@a.example>\n\
                 <<< 501 <s@a.example>... no access from mail server\n\
                 554 <k@example.org>... Remote protocol error\n\
                 554 <m@example.org>... 550 Host unknown\n";
        let lower = n.to_ascii_lowercase();
        let at = n.find("554 <k@").unwrap() + 5;
        let s = sendmail_session(n, &lower, at, "k@example.org").expect("session");
        assert!(s.contains("<<< 501") && s.contains(">>> MAIL"));
        // a line with its own reply does not take the session's
        let at = n.find("554 <m@").unwrap() + 5;
        assert!(sendmail_session(n, &lower, at, "m@example.org").is_none());
    }

    /// A recipient is an address the notice says failed: never the sender, a postmaster or
    /// help address, an address in a link or a `Received:` line of the returned message.
    #[test]
    fn only_failed_addresses_are_recipients() {
        let msg = "From: Mail Delivery System <MAILER-DAEMON@mx.example.org>\n\
                   To: sender@example.com\n\
                   Subject: Mail delivery failed\n\n\
                   This message was created automatically by mail delivery software.\n\n\
                   A message that you sent could not be delivered to one or more of its\n\
                   recipients. The following address(es) failed:\n\n  \
                   dead@example.net\n    SMTP error from remote mail server after RCPT TO:<dead@example.net>:\n    \
                   550 5.1.1 User unknown\n\n\
                   For help, email us at help-desk@example.org.\n\
                   Details: https://help.example.org/?email=someone@example.org\n\
                   Your postmaster is postmaster@example.org.\n\n\
                   ------ This is a copy of the message, including all the headers. ------\n\n\
                   Received: from client.example.com by mx.example.org with esmtp\n\
                   \tfor <other@example.net>; Mon, 1 Jan 2024 00:00:00 +0000\n\
                   From: sender@example.com\nTo: dead@example.net\nSubject: hi\n\nbody\n";
        let recs = crate::bounce::decode_message(msg.as_bytes());
        let rcpts: Vec<&str> = recs.iter().map(|r| r.recipient.as_str()).collect();
        assert_eq!(rcpts, ["dead@example.net"]);
        assert!(recs[0].hard && !recs[0].ambiguous);
    }
}
