//! Whether an input is a message at all: an RFC 5322 header block at its start (after an mbox `From ` line, if any), or a JSON notification document (Amazon SES through SNS).
//!
//! A Markdown file, a log or a CSV that happens to contain addresses and the words of a
//! failure is not a bounce: without a header block it gives no records (`norecord`), however
//! much its text looks like a notice.

/// How far the header block is read: a real one that has not shown a message field by then is
/// not a header block.
const MAX_SCAN: usize = 64 * 1024;

/// Header fields a message has (origin, destination, trace and MIME fields): a header block
/// must hold at least one of them, so that a text whose first line happens to read
/// `Note: ...` is not taken for one.
const MESSAGE_FIELDS: [&str; 21] = [
    "from",
    "sender",
    "to",
    "cc",
    "subject",
    "date",
    "received",
    "return-path",
    "message-id",
    "mime-version",
    "content-type",
    "delivered-to",
    "reply-to",
    "in-reply-to",
    "references",
    "auto-submitted",
    "envelope-to",
    "delivery-date",
    "x-original-to",
    "x-failed-recipients",
    "x-envelope-from",
];

/// Whether `raw` starts (after blank lines and an mbox `From ` line) with a header block that
/// holds a message field, or is a JSON document (first character `{` or `[`).
pub(crate) fn is_message(raw: &[u8]) -> bool {
    let raw = &raw[..raw.len().min(MAX_SCAN)];
    let mut lines = raw
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .skip_while(|l| l.iter().all(u8::is_ascii_whitespace))
        .peekable();
    if let Some(first) = lines.peek() {
        if matches!(first.trim_ascii_start().first(), Some(b'{' | b'[')) {
            return true;
        }
        if crate::input::is_from_line(first) {
            lines.next();
        }
    }
    let mut first = true;
    for line in lines {
        if line.is_empty() {
            break;
        }
        if !first && matches!(line[0], b' ' | b'\t') {
            continue; // a folded field goes on
        }
        let Some(name) = field_name(line) else {
            break;
        };
        if MESSAGE_FIELDS
            .iter()
            .any(|f| name.eq_ignore_ascii_case(f.as_bytes()))
        {
            return true;
        }
        first = false;
    }
    false
}

/// The name of a header field line (RFC 5322 `ftext`: printable ASCII but the colon, then
/// the colon; white space before the colon is the obsolete syntax and allowed).
fn field_name(line: &[u8]) -> Option<&[u8]> {
    let colon = memchr::memchr(b':', line)?;
    let name = line[..colon].trim_ascii_end();
    (!name.is_empty() && name.iter().all(|&b| (33..=126).contains(&b))).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages() {
        for m in [
            "From: a@example.com\nSubject: x\n\nbody\n",
            "\r\nReceived: from x\r\n\tby y\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\n\r\n",
            "From MAILER-DAEMON Sun Sep  7 21:40:07 2008\nReturn-Path: <>\n\n",
            "X-Spam: no\nX-Other: 1\nSubject : obsolete spacing\n\n",
            "{\"notificationType\":\"Bounce\"}",
            "  [{\"event\":\"bounce\"}]",
        ] {
            assert!(is_message(m.as_bytes()), "{m:?}");
        }
    }

    #[test]
    fn not_messages() {
        for m in [
            "",
            "22\n",
            "# Bounce farm: DSNs real MTAs wrote\n\nunknown-user@rx.farm.test: 550 5.1.1\n",
            "Note: the mailbox of user@example.com is full\n",
            "hello\nFrom: a@example.com\n\n",
            "X-Only: 1\n\nFrom: a@example.com\n",
        ] {
            assert!(!is_message(m.as_bytes()), "{m:?}");
        }
    }
}
