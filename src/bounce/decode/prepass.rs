//! The byte-level MIME pre-pass: a copy of the message for mail-parser without what no
//! decoder reads (the returned message's body, unread top-level header fields, HTML
//! alternatives, attachments), quoted-printable text decoded ahead (see `qp`).

use super::mime::{
    PartSpan, boundary_param, mime_parts, one_content_type_line, plain_name, plain_part_fields,
    span_type,
};
use super::parts::original_field;
use super::qp::qp_as_8bit;
use crate::bounce::text;

/// A copy of a multipart bounce without the body of its returned message
/// (`message/rfc822` parts keep only the header fields that are read), or `None` when there is
/// nothing worth cutting. Only the headers of the returned message are read (From, To, Message-ID,
/// List-Id), and its body can be most of the bytes: long quoted-printable or HTML texts,
/// attachments, nested multiparts that the MIME parser would otherwise decode. With
/// `attachments`, parts of the notice itself that no decoder reads (images, TNEF, PDF, ...)
/// are emptied too, so that the parser does not decode their base64.
pub(super) fn without_returned_body(raw: &[u8], attachments: bool) -> Option<Vec<u8>> {
    parser_input(raw, attachments, false).map(|(v, _)| v)
}

/// The input for the MIME parser: [`without_returned_body`] and, with `strip_header`, the
/// top-level header section without the fields that nothing reads (see [`unread_fields`]);
/// with the number of header bytes left out (the body starts that much earlier).
pub(super) fn parser_input(
    raw: &[u8],
    attachments: bool,
    strip_header: bool,
) -> Option<(Vec<u8>, usize)> {
    let head_end = find_lit!(raw, b"\n\n")?;
    let mut cuts: Vec<(usize, usize, Vec<u8>)> = Vec::new();
    if strip_header {
        unread_fields(&raw[..head_end + 1], &mut cuts);
    }
    let removed: usize = cuts.iter().map(|(a, b, _)| b - a).sum();
    if let Some(boundary) = boundary_param(&raw[..head_end]) {
        collect_cuts(
            raw,
            (head_end, raw.len()),
            boundary,
            false,
            attachments,
            0,
            &mut cuts,
        );
    }
    if cuts.is_empty() {
        return None;
    }
    let mut out = Vec::with_capacity(raw.len());
    let mut at = 0;
    for (a, b, keep) in cuts {
        out.extend_from_slice(&raw[at..a]);
        out.extend_from_slice(&keep);
        at = b;
    }
    out.extend_from_slice(&raw[at..]);
    Some((out, removed))
}

/// The ranges of a top-level header section `head` (through the line break before the blank
/// line) holding fields that no decoder reads (DKIM and ARC signatures, authentication
/// results, all `Received:` fields but the last, the bounce's own `Message-ID:` and `List-Id:`
/// (only the returned message's are read), ...): mail-parser skips or parses them, but scans
/// every byte. Only a plain section is touched: every line a `name:` field (letters, digits
/// and hyphens) or a continuation of one, no CR; the parser then splits it into the same
/// fields, and dropping whole fields leaves the others as they are. At least one field is kept.
fn unread_fields(head: &[u8], cuts: &mut Vec<(usize, usize, Vec<u8>)>) {
    /// Whether a field is read from the top-level header (`header_raw`, `subject`, `date`,
    /// MIME fields, ...): 1 yes, 2 `Received`, 0 no.
    fn read(name: &[u8]) -> u8 {
        let is = |r: &[u8]| name.eq_ignore_ascii_case(r);
        let yes = match name.len() {
            2 => is(b"to"),
            4 => is(b"from") || is(b"date"),
            7 => is(b"subject"),
            8 => return if is(b"received") { 2 } else { 0 },
            10 => is(b"precedence") || is(b"x-mlserver"),
            11 => is(b"return-path") || is(b"x-autoreply"),
            12 => is(b"mime-version"),
            13 => is(b"x-autorespond"),
            14 => is(b"auto-submitted"),
            19 => is(b"x-failed-recipients") || is(b"x-apple-unsubscribe"),
            24 => is(b"x-auto-response-suppress"),
            _ => false,
        } || name.len() > 8 && name[..8].eq_ignore_ascii_case(b"content-");
        u8::from(yes)
    }
    if memchr::memchr(b'\r', head).is_some() {
        return;
    }
    // (start, end, kept, is Received)
    let mut fields: Vec<(usize, usize, bool, bool)> = Vec::with_capacity(32);
    let mut at = 0;
    while at < head.len() {
        let start = at;
        let line = &head[at..];
        at += memchr::memchr(b'\n', line).map_or(line.len(), |k| k + 1);
        if line[0] == b' ' || line[0] == b'\t' {
            match fields.last_mut() {
                Some(f) => f.1 = at,
                None => return,
            }
            continue;
        }
        let Some(colon) = memchr::memchr(b':', &line[..at - start]) else {
            return;
        };
        let name = &line[..colon];
        if !plain_name(name) {
            return;
        }
        let r = read(name);
        fields.push((start, at, r != 0, r == 2));
    }
    let last_received = fields.iter().rposition(|f| f.3);
    let kept = |i: usize, f: &(usize, usize, bool, bool)| f.2 && (!f.3 || Some(i) == last_received);
    if !fields.iter().enumerate().any(|(i, f)| kept(i, f)) {
        return;
    }
    for (i, f) in fields.iter().enumerate() {
        if kept(i, f) {
            continue;
        }
        // (neighbouring ranges are joined)
        match cuts.last_mut() {
            Some(c) if c.1 == f.0 => c.1 = f.1,
            _ => cuts.push((f.0, f.1, Vec::new())),
        }
    }
}

/// The header fields of a returned message that the decoders read (with their continuation
/// lines), from its header section `head` (LF line ends).
fn kept_fields(head: &[u8]) -> Vec<u8> {
    const KEEP: [&[u8]; 5] = [
        b"from:",
        b"to:",
        b"message-id:",
        b"list-id:",
        b"return-path:",
    ];
    let mut out = Vec::new();
    let mut keeping = false;
    for line in head.split_inclusive(|&c| c == b'\n') {
        if !line.starts_with(b" ") && !line.starts_with(b"\t") {
            keeping = KEEP
                .iter()
                .any(|k| line.len() >= k.len() && line[..k.len()].eq_ignore_ascii_case(k));
        }
        if keeping {
            out.extend_from_slice(line);
        }
    }
    out
}

/// Where to cut in the multipart body `raw[from..to]`: the returned message's body (its
/// header fields that are read are kept) and, in a `multipart/alternative` that has a plain
/// text, the HTML alternatives (read only when there is no plain text).
fn collect_cuts(
    raw: &[u8],
    (from, to): (usize, usize),
    boundary: &[u8],
    alternative: bool,
    attachments: bool,
    depth: usize,
    cuts: &mut Vec<(usize, usize, Vec<u8>)>,
) {
    const MIN_CUT: usize = 512;
    let parts = mime_parts(raw, from, to, boundary);
    let has_plain = alternative && parts.iter().any(|p| span_type(&p.head) == b"text/plain");
    for p in &parts {
        let head = &p.head;
        let ctype = span_type(head);
        let encoded = field_line!(head, b"content-transfer-encoding:").is_some_and(|v| {
            find_lit!(v, b"base64").is_some() || find_lit!(v, b"quoted").is_some()
        });
        if ctype.starts_with(b"multipart/") {
            if depth < 4
                && let Some(b) = boundary_param(head)
            {
                // (the boundary value's case is kept in the raw header section)
                let off = p.body_start - head.len();
                let b = boundary_param(&raw[off..p.body_start]).unwrap_or(b);
                collect_cuts(
                    raw,
                    (p.body_start - 1, p.next),
                    b,
                    ctype == b"multipart/alternative",
                    attachments,
                    depth + 1,
                    cuts,
                );
            }
            continue;
        }
        let is_message = find_lit!(head, b"message/rfc822").is_some()
            || find_lit!(head, b"message/global").is_some();
        if is_message && !encoded && p.next > p.body_start + MIN_CUT {
            // keep only the header fields that are read, then a blank line
            let body = &raw[p.body_start..p.next];
            // (a body that starts with a blank line has no header section for the parser:
            // left as it is)
            if !body.starts_with(b"\n")
                && let Some(h) = find_lit!(body, b"\n\n")
            {
                let mut keep = kept_fields(&body[..h + 1]);
                keep.push(b'\n');
                cuts.push((p.body_start, p.next, keep));
            }
        } else if attachments
            && p.next > p.body_start + MIN_CUT
            && ctype == b"text/rfc822-headers"
            && let Some(t) = plain_ascii_text(raw, p)
        {
            // returned header fields as text: only the lines `original_from_text` reads
            let kept = text::wanted_header_lines(t, |n| !original_field(n).is_empty());
            cuts.push((p.body_start, p.next, kept.into_bytes()));
        } else if p.next > p.body_start + MIN_CUT
            && (has_plain && ctype == b"text/html" || attachments && is_attachment_type(head))
        {
            cuts.push((p.body_start, p.next, vec![b'\n']));
        } else if attachments
            && p.next > p.body_start + MIN_CUT
            && let Some(part) = qp_as_8bit(raw, p, boundary)
        {
            // the parser's quoted-printable decoder is slow: the same bytes, decoded here
            cuts.push((p.body_start - head.len() + 1, p.next, part));
        }
    }
}

/// The body of a part as the text mail-parser makes of it, where that is plainly its bytes:
/// plain field names ([`plain_part_fields`]), one `Content-Type` field at a line start, no
/// transfer encoding but 7bit or 8bit, no charset but US-ASCII or UTF-8, and ASCII bytes
/// without a CR.
fn plain_ascii_text<'a>(raw: &'a [u8], p: &PartSpan) -> Option<&'a str> {
    let head = &p.head[..];
    if !one_content_type_line(head) || !plain_part_fields(head) {
        return None;
    }
    if let Some(v) = field_line!(head, b"content-transfer-encoding:")
        && (!once_lit!(head, b"content-transfer-encoding:")
            || !matches!(v.trim_ascii(), b"7bit" | b"8bit"))
    {
        return None;
    }
    if let Some(k) = find_lit!(head, b"charset") {
        let v = head[k + 7..].strip_prefix(b"=")?;
        let v = v.strip_prefix(b"\"").unwrap_or(v);
        let end = v
            .iter()
            .position(|&c| !(c.is_ascii_alphanumeric() || c == b'-'))
            .unwrap_or(v.len());
        if !once_lit!(head, b"charset") || !matches!(&v[..end], b"us-ascii" | b"utf-8") {
            return None;
        }
    }
    let body = &raw[p.body_start..p.next];
    if !body.is_ascii() || memchr::memchr(b'\r', body).is_some() {
        return None;
    }
    std::str::from_utf8(body).ok()
}

/// Whether a lowercased part header section declares a media type whose content no decoder
/// reads (images, `application/*` such as TNEF or PDF, audio, video, fonts): one
/// `Content-Type:` field, at the start of a line, and not a message.
fn is_attachment_type(head: &[u8]) -> bool {
    if !one_content_type_line(head) {
        return false;
    }
    let t = span_type(head);
    [
        &b"image/"[..],
        b"application/",
        b"audio/",
        b"video/",
        b"font/",
        b"model/",
    ]
    .iter()
    .any(|p| t.starts_with(p))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bounce::decode::parts::collect_parts;
    use crate::bounce::decode::{decode_message, parse_message};

    #[test]
    fn returned_body_is_cut_to_the_fields_read() {
        let filler = "x".repeat(2000);
        let raw = format!(
            "From: MAILER-DAEMON@a.example\nContent-Type: multipart/report; boundary=\"BB\"\n\n\
             --BB\nContent-Type: text/plain\n\nnotice\n\
             --BB\nContent-Type: message/rfc822\n\n\
             Received: from x\nFrom: s@a.example\nSubject: hi\nMessage-ID: <m@a.example>\n\n\
             {filler}\n--BB--\n"
        );
        let cut = without_returned_body(raw.as_bytes(), true).expect("a cut");
        let cut = String::from_utf8(cut).unwrap();
        assert!(cut.contains("From: s@a.example\nMessage-ID: <m@a.example>\n\n\n--BB--"));
        assert!(!cut.contains("Received: from x") && !cut.contains(&filler));
        assert!(cut.contains("notice"));
        // the returned message's headers still reach the record
        let recs = decode_message(raw.as_bytes());
        let cut_recs = decode_message(cut.as_bytes());
        assert_eq!(
            recs.iter().map(|r| &r.addresser).collect::<Vec<_>>(),
            cut_recs.iter().map(|r| &r.addresser).collect::<Vec<_>>()
        );
    }

    #[test]
    fn html_alternative_with_plain_is_cut() {
        let html = "<p>y</p>".repeat(200);
        let raw = format!(
            "Content-Type: multipart/report; boundary=OUT\n\n\
             --OUT\nContent-Type: multipart/alternative; boundary=\"In\"\n\n\
             --In\nContent-Type: text/plain\n\nplain\n\
             --In\nContent-Type: text/html\n\n{html}\n--In--\n\
             --OUT--\n"
        );
        let cut = String::from_utf8(without_returned_body(raw.as_bytes(), true).unwrap()).unwrap();
        assert!(cut.contains("plain") && !cut.contains("<p>y</p>"));
        // without a plain sibling nothing is cut
        let only_html = raw.replace("text/plain", "image/png");
        assert!(without_returned_body(only_html.as_bytes(), true).is_none());
    }

    #[test]
    fn returned_header_text_is_cut_to_the_fields_read() {
        let filler = "Received: from somewhere\n\tby elsewhere\n".repeat(20);
        let raw = format!(
            "From: d@a.example\nContent-Type: multipart/report; boundary=\"b-1\"\n\n\
             --b-1\nContent-Type: text/plain\n\nnotice\n\
             --b-1\nContent-Type: text/rfc822-headers\n\n{filler}From: s@a.example\n\
             Subject: hi\nTo: r@b.example,\n r2@b.example\n\n--b-1--\n"
        );
        let cut = String::from_utf8(without_returned_body(raw.as_bytes(), true).unwrap()).unwrap();
        assert!(
            cut.ends_with("\n\nFrom: s@a.example\nTo: r@b.example,\n r2@b.example\n\n\n--b-1--\n")
        );
        assert!(!cut.contains("Received:") && !cut.contains("Subject:"));
        // base64 (also behind a name the parser reads without its space), or another charset:
        // left as it is
        for other in [
            "headers\nContent-Transfer-Encoding: base64\n",
            "headers; charset=utf-16\n",
            "headers\nContent- Transfer-Encoding: base64\n",
        ] {
            let other = raw.replace("headers\n", other);
            assert!(without_returned_body(other.as_bytes(), true).is_none());
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(2000))]
        #[test]
        fn returned_header_text_reads_the_same(
            body in "(((From|to|Message-ID|List-Id|X-Other|junk|From x|)(: ?<?v[a-c]{0,2}(@d.example)?>?)?|[ \t]+c[a-b]{0,2}|[ \t]*|--b-1|é)\n){0,14}",
            ctype in "text/rfc822-headers(; charset=(us-ascii|\"UTF-8\"|iso-2022-jp))?",
            cte in "(|Content-Transfer-Encoding: (7bit|base64)\n)"
        ) {
            let filler = "Received: from somewhere by elsewhere\n".repeat(20);
            let raw = format!(
                "From: d@a.example\nContent-Type: multipart/report; boundary=\"b-1\"\n\n\
                 --b-1\nContent-Type: text/plain\n\nnotice\n\
                 --b-1\nContent-Type: {ctype}\n{cte}\n{filler}{body}\n--b-1--\n"
            );
            let original = |raw: &[u8]| {
                let m = parse_message(raw).expect("parsed");
                format!("{:?}", collect_parts(&m).original)
            };
            let want = original(raw.as_bytes());
            if let Some(cut) = without_returned_body(raw.as_bytes(), true) {
                proptest::prop_assert_eq!(original(&cut), want);
            }
        }
    }

    #[test]
    fn unread_header_fields_are_left_out() {
        let head = b"Received: from a\n\tby b\nDKIM-Signature: v=1;\n b=xyz\nFrom: m@d.example\n\
                     Received: from c by d.example\nX-Spam: 1\nMessage-ID: <1@d.example>\n\
                     List-Id: <l.d.example>\nContent-Type: text/plain\nX-Autoreply: yes\n";
        let mut cuts = Vec::new();
        unread_fields(head, &mut cuts);
        let mut kept = Vec::new();
        let mut at = 0;
        for (a, b, _) in &cuts {
            kept.extend_from_slice(&head[at..*a]);
            at = *b;
        }
        kept.extend_from_slice(&head[at..]);
        assert_eq!(
            String::from_utf8(kept).unwrap(),
            "From: m@d.example\nReceived: from c by d.example\nContent-Type: text/plain\n\
             X-Autoreply: yes\n"
        );
        // anything the parser might split otherwise is left alone
        for odd in [
            &b" folded first\nX-A: 1\n"[..],
            b"X-A: 1\nno colon here\nFrom: a\n",
            b"X A: 1\nFrom: a\n",
            b"X-A: 1\r\nFrom: a\n",
            b"X-A: 1\nX-B: 2\n",
        ] {
            let mut cuts = Vec::new();
            unread_fields(odd, &mut cuts);
            assert!(cuts.is_empty(), "{}", String::from_utf8_lossy(odd));
        }
        // the decoders see the same message
        let raw = format!(
            "{}\nSubject: Undelivered Mail Returned to Sender\n\n\
             This is the mail system.\n\n<u@example.org>: host mx.example.org said: 550 5.1.1 \
             <u@example.org>: Recipient address rejected: User unknown (in reply to RCPT TO \
             command)\n",
            String::from_utf8_lossy(head)
        );
        let (cut, removed) = parser_input(raw.as_bytes(), true, true).expect("stripped");
        assert_eq!(removed, raw.len() - cut.len());
        let recs = decode_message(raw.as_bytes());
        assert_eq!(recs.len(), 1);
        // (the last `Received:` field names the reporting host)
        assert_eq!(recs[0].lhost, "d.example");
        // (`X-Autoreply:` makes it an auto-reply from `From:`)
        assert_eq!(
            (recs[0].recipient.as_str(), recs[0].detector),
            ("m@d.example", "rfc3834")
        );
    }
}
