//! RFC 3464 / 6533 delivery status notifications: per-recipient field blocks (in a
//! `message/delivery-status` part or printed inline in the notice) decoded into records.

use super::MAX_DIAG;
use super::MAX_NOTICE;
use super::command::smtp_command;
use super::common::{Common, finish, record};
use super::notice::{NoticeIndex, cap_str};
use super::parts::Parts;
use super::search::find_ci;
use crate::bounce::BounceRecord;
use crate::bounce::classify::Evidence;
use crate::bounce::provider;
use crate::bounce::text::{self, FieldBlock, dsn_address, field, squeeze, strip_type};
use crate::status::{BounceReason, EnhancedStatus, find_reply_code};

/// How specific an enhanced status code is: `5.0.0` < `5.1.0` < `5.1.1`.
fn specificity(s: EnhancedStatus) -> u8 {
    u8::from(s.subject != 0) + u8::from(s.detail != 0)
}

/// Split blocks that hold several recipients without blank lines between them.
pub(super) fn split_recipient_blocks(blocks: Vec<FieldBlock>) -> Vec<FieldBlock> {
    let mut out = Vec::with_capacity(blocks.len());
    for b in blocks {
        let mut cur: FieldBlock = Vec::new();
        let mut has_final = false;
        let mut has_orig = false;
        for (n, v) in b {
            let is_final = n == "final-recipient";
            let is_orig = n == "original-recipient";
            if (is_final && has_final) || (is_orig && has_orig) {
                out.push(std::mem::take(&mut cur));
                has_final = false;
                has_orig = false;
            }
            has_final |= is_final;
            has_orig |= is_orig;
            cur.push((n, v));
        }
        if !cur.is_empty() {
            out.push(cur);
        }
    }
    out
}

/// Decode RFC 3464 field blocks.
pub(super) fn decode_dsn(
    blocks: &[FieldBlock],
    parts: &Parts<'_>,
    c: &Common,
) -> Vec<BounceRecord> {
    let mut out = Vec::new();
    let mut lhost = String::new();
    let mut per_msg_date = None;
    // the per-message fields that link a DSN to the message that bounced
    let (mut envelope_id, mut queue_id) = (String::new(), String::new());
    let rcpts: Vec<String> = blocks
        .iter()
        .filter_map(|b| {
            field(b, "final-recipient")
                .or_else(|| field(b, "original-recipient"))
                .or_else(|| field(b, "x-actual-recipient"))
                .map(dsn_address)
        })
        .collect();
    let (notice_head, _) = parts.notice_split();
    let notice_head = cap_str(notice_head, MAX_NOTICE);
    let transcript = find_ci(notice_head.as_bytes(), b"transcript of session follows")
        .map(|i| &notice_head[i..]);
    let index = NoticeIndex::new(notice_head, &rcpts, None);
    for b in blocks {
        let fr = field(b, "final-recipient").map(dsn_address);
        let or = field(b, "original-recipient").map(dsn_address);
        let valid = |a: &str| a.contains('@') && !a.starts_with('@') && !a.contains(':');
        let rcpt = match (fr, or) {
            (Some(f), Some(o)) if !valid(&f) && valid(&o) => o,
            (Some(f), None) if !valid(&f) && c.failed.len() == 1 => c.failed[0].clone(),
            (Some(f), None) if !valid(&f) && parts.original.to.len() == 1 => {
                parts.original.to[0].clone()
            }
            (Some(f), _) => f,
            (None, Some(o)) => o,
            (None, None) => {
                if let Some(m) = field(b, "reporting-mta") {
                    lhost = strip_type(m).to_string();
                }
                if let Some(v) = field(b, "original-envelope-id") {
                    envelope_id = squeeze(v, 255);
                }
                if let Some(v) = field(b, "x-postfix-queue-id") {
                    queue_id = squeeze(v, 255);
                }
                if let Some(d) = field(b, "arrival-date") {
                    per_msg_date = parse_date(d);
                }
                continue;
            }
        };
        if rcpt.is_empty() {
            continue;
        }
        let action = field(b, "action").unwrap_or("").trim().to_ascii_lowercase();
        let action = action
            .split(|c: char| c.is_whitespace() || c == '(')
            .next()
            .unwrap_or("")
            .to_string();
        let diag_raw = field(b, "diagnostic-code").unwrap_or("");
        let x_unix = diag_raw
            .trim_start()
            .to_ascii_lowercase()
            .starts_with("x-unix");
        let mut diag = strip_type(diag_raw).to_string();
        if !diag.bytes().any(|c| c.is_ascii_alphabetic()) {
            // `X-Unix; 77`: only an exit code; the words are in the notice
            diag.clear();
        }
        if diag.is_empty()
            && let Some(comment) = field(b, "status").and_then(status_comment)
        {
            // `Status: 4.0.0 (cat.example.net: host name lookup failure)` (RFC 3464's own
            // example): with no Diagnostic-Code, the comment is the diagnostic
            diag = comment.to_string();
        }
        let mut status = field(b, "status")
            .and_then(|s| EnhancedStatus::parse(s).or_else(|| EnhancedStatus::find(s)));
        let block_in_notice = index.id(&rcpt).map(|i| index.block(i)).unwrap_or("");
        let block = block_in_notice.to_string();
        let reply = find_reply_code(&diag).or_else(|| find_reply_code(&block));
        // a generic x.y.0 in Status: and a more specific code in the text: the text is more
        // precise (`Status: 5.0.0` with `550 5.1.1 ...`, SES `5.1.0 - ... '5.2.2 ...'`)
        // the notice paragraph refines only when the DSN has no diagnostic of its own
        let refine_from = if diag.is_empty() {
            block.as_str()
        } else {
            diag.as_str()
        };
        for text in [refine_from] {
            for found in EnhancedStatus::find_all(text) {
                status = match status {
                    None => Some(found),
                    Some(s) if s.class == 2 && found.class != 2 => Some(found),
                    Some(s) if found.class == s.class && specificity(found) > specificity(s) => {
                        Some(found)
                    }
                    s => s,
                };
            }
        }
        // a shared SMTP transcript after the per-recipient lines belongs to every recipient
        let mut context = block.clone();
        if let Some(t) = transcript
            && !contains_tail(notice_head, block_in_notice, t)
        {
            context.push('\n');
            context.push_str(t);
        }
        let mut r = record(c, "rfc3464");
        if !lhost.is_empty() {
            r.lhost = lhost.clone();
            r.reporting_mta = lhost.clone();
        }
        r.envelope_id = envelope_id.clone();
        r.queue_id = queue_id.clone();
        r.recipient = rcpt;
        r.rhost = field(b, "remote-mta")
            .map(strip_type)
            .unwrap_or("")
            .to_string();
        if let Some(d) = field(b, "last-attempt-date")
            .and_then(parse_date)
            .or(per_msg_date)
        {
            r.timestamp = Some(d);
        }
        let diag_text = if diag.is_empty() {
            block.as_str()
        } else {
            diag.as_str()
        };
        r.diagnosticcode = squeeze(diag_text, MAX_DIAG);
        let mut cmd = smtp_command(&diag);
        if cmd.is_empty() {
            cmd = smtp_command(&block);
        }
        r.smtpcommand = cmd.to_string();
        r.action = action.clone();
        let ses_text = if crate::bounce::generic_only() {
            diag_text
        } else {
            text::ses_reply(diag_text)
        };
        let e = Evidence {
            status,
            reply,
            action: &action,
            command: cmd,
            text: ses_text,
            // the whole notice speaks for this recipient only when it names no other (an SES
            // notice only restates the diagnostic, with SES's own status words)
            context: if ses_text.len() != diag_text.len() {
                ""
            } else if rcpts.len() <= 1 {
                notice_head
            } else {
                context.as_str()
            },
            category: if crate::bounce::generic_only() {
                None
            } else {
                provider::category_reason(b)
            },
            ..Default::default()
        };
        let mut r = finish(r, &e);
        if x_unix && matches!(r.reason, BounceReason::OnHold | BounceReason::Undefined) {
            // a local delivery program failed
            let p = r.permanent;
            r.set_reason(BounceReason::MailerError, p);
        }
        out.push(r);
    }
    out
}

/// `block.contains(tail)` for two slices of `text` where `tail` runs to the end of `text`,
/// without building a searcher for a long needle in the common cases: a block shorter than
/// the tail cannot hold it, and a block that runs to the end of `text` from before the tail
/// holds it where it is.
fn contains_tail(text: &str, block: &str, tail: &str) -> bool {
    if block.len() < tail.len() {
        return false;
    }
    let base = text.as_ptr() as usize;
    let (b, t) = (block.as_ptr() as usize, tail.as_ptr() as usize);
    let inside = |p: usize| p >= base && p <= base + text.len();
    if inside(b) && inside(t) && b <= t && b + block.len() == base + text.len() {
        return true;
    }
    block.contains(tail)
}

/// The comment of a `Status:` field (`4.0.0 (host name lookup failure)`), unless it only
/// says whether the failure is permanent.
fn status_comment(v: &str) -> Option<&str> {
    let (_, rest) = v.split_once('(')?;
    let c = rest.rsplit_once(')').map_or(rest, |(c, _)| c).trim();
    let generic = c.is_empty()
        || [
            "permanent failure",
            "temporary failure",
            "persistent transient failure",
        ]
        .iter()
        .any(|g| c.eq_ignore_ascii_case(g));
    (!generic).then_some(c)
}

fn parse_date(s: &str) -> Option<i64> {
    mail_parser::DateTime::parse_rfc822(s.trim()).map(|d| d.to_timestamp())
}

/// Lines in a notice that are RFC 3464 fields printed as text (no MIME structure).
pub(super) fn inline_dsn(notice: &str) -> Option<&str> {
    // one pass over the lines for the four field names (a line starting with one of them)
    let (mut rcpt, mut state) = (false, false);
    for l in text::lines(notice) {
        let b = l.as_bytes();
        let starts = |k: &[u8]| b.len() >= k.len() && b[..k.len()].eq_ignore_ascii_case(k);
        match b.first().map(u8::to_ascii_lowercase) {
            Some(b'f') => rcpt |= starts(b"final-recipient:"),
            Some(b'o') => rcpt |= starts(b"original-recipient:"),
            Some(b's') => state |= starts(b"status:"),
            Some(b'a') => state |= starts(b"action:"),
            _ => {}
        }
        if rcpt && state {
            break;
        }
    }
    if !(rcpt && state) {
        return None;
    }
    // start at the first field line of the DSN (Reporting-MTA or the recipient block)
    let mut pos = 0;
    let mut start = None;
    for l in text::lines_inclusive(notice) {
        let low = l.trim_start().to_ascii_lowercase();
        if low.starts_with("reporting-mta:")
            || low.starts_with("final-recipient:")
            || low.starts_with("original-recipient:")
            || low.starts_with("arrival-date:")
            || low.starts_with("received-from-mta:")
        {
            start = Some(pos);
            break;
        }
        pos += l.len();
    }
    start.map(|s| &notice[s..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_comments() {
        assert_eq!(
            status_comment("4.0.0 (cat.example.net: host name lookup failure)"),
            Some("cat.example.net: host name lookup failure")
        );
        assert_eq!(status_comment("5.0.0 (permanent failure)"), None);
        assert_eq!(status_comment("5.1.1"), None);
    }

    #[test]
    fn contains_tail_is_contains() {
        let text = "head\ntranscript of session follows\n>>> RCPT\n<<< 550 no\n";
        let t = &text[5..];
        for a in 0..text.len() {
            for b in a..=text.len() {
                let block = &text[a..b];
                assert_eq!(contains_tail(text, block, t), block.contains(t), "{a}..{b}");
            }
        }
        // a copy elsewhere still counts
        let other = format!("x{t}");
        assert!(contains_tail(text, &other, t));
        assert!(!contains_tail(text, "", t));
    }
}
