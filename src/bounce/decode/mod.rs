//! Decoding one message into bounce records: RFC 3464/6533 DSNs, RFC 5965 ARF reports,
//! RFC 3834 auto-replies and the plain-text formats of MTAs and providers.
//!
//! This file holds the mail-parser set-up and the dispatch (which decoder reads a message);
//! the byte-level pre-pass that trims the message for the parser is in `prepass`, `mime` and
//! `qp`, and each decoder in its own file.

use std::sync::OnceLock;

use mail_parser::{Message, MessageParser, MimeHeaders, PartType};

use super::BounceRecord;
use super::text::{self, field_blocks, find_addresses, is_system_address, squeeze};
use crate::status::BounceReason;

#[macro_use]
mod search;

/// A header name for `header_raw` and friends, parsed once (a `&str` argument is parsed into a
/// `HeaderName` on every call).
macro_rules! hname {
    ($name:literal) => {{
        static H: std::sync::LazyLock<mail_parser::HeaderName<'static>> =
            std::sync::LazyLock::new(|| mail_parser::HeaderName::from($name));
        H.clone()
    }};
}

mod arf;
mod command;
mod common;
mod detect;
mod dsn;
mod header_block;
mod mime;
mod notice;
mod parts;
mod plain;
mod prepass;
mod qp;
mod ses;

use arf::decode_feedback;
use common::{Common, record};
use detect::{is_autoreply, looks_like_bounce, notice_says_failure};
use dsn::{decode_dsn, inline_dsn, split_recipient_blocks};
use notice::unquote;
use parts::{Parts, collect_parts, original_from_text};
use plain::decode_text;
use prepass::{parser_input, without_returned_body};
use ses::decode_ses_json;

pub(crate) use command::smtp_command;
pub(crate) use common::finish as finish_record;

/// Longest diagnostic text kept in a record.
const MAX_DIAG: usize = 1000;
/// How much notice text the plain-text decoder scans.
const MAX_NOTICE: usize = 64 * 1024;

/// The mail-parser configuration the decoders use (typed parsing only for the header fields
/// they read).
pub fn parser() -> &'static MessageParser {
    static P: OnceLock<MessageParser> = OnceLock::new();
    // typed parsing only for the headers that are read as values; every other header is
    // skipped without copying (`header_raw` still finds it by its offsets). Of the MIME
    // fields the parser reads Content-Type, Content-Disposition and the encoding itself
    // (`with_mime_headers` would parse Content-ID, -Description and -Location too, which
    // nothing reads)
    P.get_or_init(|| {
        use mail_parser::HeaderName;
        MessageParser::new()
            .header_content_type(HeaderName::ContentType)
            .header_content_type(HeaderName::ContentDisposition)
            .header_text(HeaderName::ContentTransferEncoding)
            .header_date(HeaderName::Date)
            .header_address(HeaderName::From)
            .header_address(HeaderName::To)
            .header_id(HeaderName::MessageId)
            .header_text(HeaderName::Subject)
            .header_raw(HeaderName::ReturnPath)
            .header_raw("X-Failed-Recipients")
            .default_header_ignore()
    })
}

/// Parse with mail-parser. Its `debug_assert!`s can fire on malformed MIME in builds with debug
/// assertions (release builds continue best-effort); a panic inside the parser is caught and
/// the message is treated as unparseable instead of taking the whole run down.
fn parse_message(raw: &[u8]) -> Option<Message<'_>> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| parser().parse(raw)))
        .ok()
        .flatten()
}

/// Decode one message (line endings already LF). An empty result means "no bounce found".
///
/// ```rust
/// use mailsift::bounce::decode_message;
///
/// let dsn = r#"From: MAILER-DAEMON@example.org
/// To: sender@example.com
/// Subject: Undelivered Mail Returned to Sender
/// MIME-Version: 1.0
/// Content-Type: multipart/report; report-type=delivery-status; boundary="B"
///
/// --B
/// Content-Type: message/delivery-status
///
/// Reporting-MTA: dns; mx.example.org
///
/// Final-Recipient: rfc822; nobody@example.net
/// Action: failed
/// Status: 5.1.1
/// Diagnostic-Code: smtp; 550 5.1.1 <nobody@example.net>: User unknown
/// --B--
/// "#;
/// let records = decode_message(dsn.as_bytes());
/// assert_eq!(records.len(), 1);
/// assert_eq!(records[0].recipient, "nobody@example.net");
/// assert_eq!(records[0].reason.as_str(), "userunknown");
/// assert!(records[0].hard);
/// ```
pub fn decode_message(raw: &[u8]) -> Vec<BounceRecord> {
    // a file with no header block (a README, a log) is not a message, whatever its words
    if !header_block::is_message(raw) {
        return Vec::new();
    }
    let mut recs = decode_depth(raw, 0);
    // whatever decoder wrote a record, temporary evidence never makes it hard
    for r in &mut recs {
        crate::bounce::evidence::enforce(r);
    }
    recs
}

/// Only the first steps of [`decode_message`]: the MIME pre-pass and mail-parser's parse of
/// its output, with no bounce decoding. For lower-bound benchmarks (`examples/bounce_floor`);
/// whether mail-parser returned a message.
#[doc(hidden)]
pub fn parse_only(raw: &[u8]) -> bool {
    let trimmed = parser_input(raw, true, true);
    parse_message(trimmed.as_ref().map_or(raw, |t| &t.0[..])).is_some()
}

fn nested_message<'a>(msg: &Message<'_>, raw: &'a [u8]) -> Option<&'a [u8]> {
    msg.parts.iter().find_map(|p| match &p.body {
        PartType::Message(_) => {
            let (s, e) = (p.offset_body as usize, p.offset_end as usize);
            raw.get(s..e.min(raw.len()))
        }
        _ => None,
    })
}

fn decode_depth(raw: &[u8], depth: usize) -> Vec<BounceRecord> {
    let recs = decode_one(raw);
    let weak = recs
        .iter()
        .all(|r| matches!(r.detector, "text-self" | "text-original-to"));
    if !weak || depth >= 2 {
        return recs;
    }
    // a bounce of a bounce: decode the returned message
    let Some(msg) = parse_message(raw) else {
        return recs;
    };
    match nested_message(&msg, raw) {
        Some(inner) if !inner.is_empty() && inner.len() < raw.len() => {
            let nested = decode_depth(inner, depth + 1);
            if nested.is_empty() { recs } else { nested }
        }
        _ => recs,
    }
}

/// The host after `by` in a raw `Received:` header.
fn received_by(raw: &str) -> String {
    let mut words = raw.split_whitespace();
    while let Some(w) = words.next() {
        if w.eq_ignore_ascii_case("by") {
            let host = words
                .next()
                .unwrap_or("")
                .trim_matches(|c: char| c == ';' || c == '(' || c == ')');
            if !host.is_empty()
                && !host.eq_ignore_ascii_case("uid")
                && !host.bytes().all(|b| b.is_ascii_digit())
            {
                return host.chars().take(255).collect();
            }
        }
    }
    String::new()
}

fn first_addr(v: Option<&str>) -> String {
    v.and_then(text::first_address)
        .map(|f| f.addr)
        .unwrap_or_default()
}

fn decode_one(raw: &[u8]) -> Vec<BounceRecord> {
    let original_raw = raw;
    let trimmed = parser_input(raw, true, true);
    // header bytes left out before the body
    let removed = trimmed.as_ref().map_or(0, |t| t.1);
    let raw = trimmed.as_ref().map_or(raw, |t| &t.0[..]);
    let Some(msg) = parse_message(raw) else {
        return Vec::new();
    };
    let mut parts = collect_parts(&msg);
    if let Some(u) = unquote(&parts.notice) {
        parts.notice = u;
    }
    if parts.notice.trim().is_empty() && parts.dsn.is_empty() {
        // broken MIME (wrong boundaries, ...): read the raw body as text
        // (the text as before attachments were cut: only returned bodies and HTML
        // alternatives are left out; the root header section is the original one, where the
        // body starts `removed` bytes later than in the parsed copy)
        let kept = without_returned_body(original_raw, false);
        let raw = kept.as_deref().unwrap_or(original_raw);
        let off = (msg.root_part().offset_body as usize + removed).min(raw.len());
        let body = &raw[off..raw.len().min(off + MAX_NOTICE)];
        parts.notice = String::from_utf8_lossy(body).into_owned();
    }
    let subject = msg.subject().unwrap_or("").to_string();
    let from = first_addr(msg.header_raw(hname!("From")));
    let from = if from.is_empty() {
        // `From: mailer-daemon` without a domain
        msg.header_raw(hname!("From"))
            .map(|f| f.trim().to_string())
            .unwrap_or_default()
    } else {
        from
    };
    let to = first_addr(msg.header_raw(hname!("To")));
    let mut original = parts.original.clone();
    if !parts.has_original {
        let (_, rest) = parts.notice_split();
        if !rest.is_empty() {
            original = original_from_text(rest);
        }
    }
    let timestamp = msg.date().map(|d| d.to_timestamp());
    let lhost = msg
        .header_raw(hname!("Received"))
        .map(received_by)
        .unwrap_or_default();
    let failed_hdr: Vec<String> = msg
        .header_values(hname!("X-Failed-Recipients"))
        .filter_map(|v| v.as_text())
        .flat_map(|t| find_addresses(t).into_iter().map(|f| f.addr))
        .collect();
    let mut common = Common {
        failed: failed_hdr.clone(),
        addresser: original.from.clone(),
        timestamp,
        message_id: original.message_id.clone(),
        list_id: original.list_id.clone(),
        lhost,
    };
    if common.addresser.is_empty() && !is_system_address(&to) {
        common.addresser = to.clone();
    }

    // RFC 5965 complaints
    let is_feedback = parts.feedback.is_some()
        || subject
            .to_ascii_lowercase()
            .contains("complaint about message")
        || msg
            .content_type()
            .and_then(|c| c.attribute("report-type"))
            .is_some_and(|t| t.eq_ignore_ascii_case("feedback-report"));
    if is_feedback {
        let fb = parts.feedback.as_deref().unwrap_or("");
        let mut parts2 = Parts {
            original: original.clone(),
            ..Default::default()
        };
        parts2.notice.clear();
        let recs = decode_feedback(fb, &parts2, &common);
        if !recs.is_empty() {
            return recs;
        }
    }

    // RFC 3464 / 6533
    for d in &parts.dsn {
        let blocks = split_recipient_blocks(field_blocks(d));
        let recs = decode_dsn(&blocks, &parts, &common);
        if !recs.is_empty() {
            return recs;
        }
    }
    if let Some(inline) = inline_dsn(&parts.notice) {
        let blocks = split_recipient_blocks(field_blocks(inline));
        let mut recs = decode_dsn(&blocks, &parts, &common);
        if !recs.is_empty() {
            for r in &mut recs {
                r.detector = "rfc3464-inline";
            }
            return recs;
        }
    }

    // JSON notifications (Amazon SES via SNS)
    if !crate::bounce::generic_only() {
        let recs = decode_ses_json(&parts.notice, &common);
        if !recs.is_empty() {
            return recs;
        }
    }

    // a List-Unsubscribe (mailto) request sent by a mail client: an opt-out complaint
    if msg.header_raw(hname!("X-Apple-Unsubscribe")).is_some()
        || subject.trim().eq_ignore_ascii_case("unsubscribe")
            && msg.header_raw(hname!("Auto-Submitted")).is_some()
    {
        if from.contains('@') {
            let mut r = record(&common, "unsubscribe");
            r.recipient = from;
            if !to.is_empty() {
                r.addresser = to;
            }
            r.feedbacktype = "opt-out".into();
            r.set_reason(BounceReason::Feedback, false);
            return vec![r];
        }
        return Vec::new();
    }

    // RFC 3834 auto-replies
    // (the notice's words are scanned only when the headers leave the question open)
    let says_failure = std::cell::OnceCell::new();
    let says_failure = || *says_failure.get_or_init(|| notice_says_failure(&parts.notice));
    let system_failure = || is_system_address(&from) && says_failure();
    if !looks_like_bounce(&from, &subject)
        && is_autoreply(&msg, &subject)
        && !system_failure()
        && !from.is_empty()
    {
        let mut r = record(&common, "rfc3834");
        r.recipient = from;
        if !to.is_empty() {
            r.addresser = to;
        }
        r.diagnosticcode = squeeze(&parts.notice, 300);
        r.set_reason(BounceReason::Vacation, false);
        return vec![r];
    }
    // mailing-list managers (fml, ...) answer a refused post with an error to the sender
    let list_error = msg.header_raw(hname!("X-MLServer")).is_some();
    if !looks_like_bounce(&from, &subject)
        && msg.header_raw(hname!("X-Failed-Recipients")).is_none()
        && !says_failure()
        && !list_error
    {
        return Vec::new();
    }

    // plain-text formats
    let mut excluded: Vec<String> = vec![to.clone(), original.from.clone(), from.clone()];
    if let Some(rp) = msg.return_address() {
        excluded.push(rp.to_string());
    }
    excluded.retain(|s| !s.is_empty());
    let mut recs = decode_text(&parts, &common, &excluded, &failed_hdr);
    if list_error {
        // the list address comes first; later addresses are help and control addresses
        recs.truncate(1);
    }
    if recs.is_empty() && !original.to.is_empty() {
        // nothing in the notice: the recipients of the returned message
        let p2 = Parts {
            notice: parts.notice.clone(),
            ..Default::default()
        };
        recs = decode_text(&p2, &common, &excluded, &original.to);
        // several recipients of the returned message and a notice that names none: which
        // of them failed is a guess
        let several = recs.len() > 1;
        for r in &mut recs {
            r.detector = "text-original-to";
            r.ambiguous = several;
        }
    }
    recs
}
