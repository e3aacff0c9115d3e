//! Plain-text helpers for non-standard bounces: address scanning, the cut between the notice
//! and the returned message, header blocks and RFC 3464 field blocks.

use std::borrow::Cow;

/// The lines of a text with their `\n`, like `str::split_inclusive('\n')`, found with the
/// `memchr` crate (faster than the standard library's search on the many short lines of a
/// notice).
#[derive(Clone)]
pub struct LinesInclusive<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Iterator for LinesInclusive<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let rest = self.s.get(self.pos..).filter(|r| !r.is_empty())?;
        let end = memchr::memchr(b'\n', rest.as_bytes()).map_or(rest.len(), |i| i + 1);
        self.pos += end;
        Some(&rest[..end])
    }
}

/// [`LinesInclusive`] over `s`.
pub fn lines_inclusive(s: &str) -> LinesInclusive<'_> {
    LinesInclusive { s, pos: 0 }
}

/// The lines of a text without their line ends, like `str::lines` (a `\r` is removed only
/// before a `\n`).
pub fn lines(s: &str) -> impl Iterator<Item = &str> + Clone {
    lines_inclusive(s).map(|l| match l.strip_suffix('\n') {
        Some(l) => l.strip_suffix('\r').unwrap_or(l),
        None => l,
    })
}

/// Characters allowed in an unquoted local part (RFC 5322 atext plus dots).
fn is_local_char(b: u8) -> bool {
    // (a table: the address scan tests every byte around each `@`)
    const T: [bool; 256] = {
        let mut t = [false; 256];
        let mut i = 0;
        while i < 256 {
            t[i] = (i as u8).is_ascii_alphanumeric();
            i += 1;
        }
        let extra = b"!#$%&'*+/=?^_`{|}~-.";
        let mut k = 0;
        while k < extra.len() {
            t[extra[k] as usize] = true;
            k += 1;
        }
        t
    };
    T[b as usize]
}

fn is_domain_char(b: u8) -> bool {
    const T: [bool; 256] = {
        let mut t = [false; 256];
        let mut i = 0;
        while i < 256 {
            let c = i as u8;
            t[i] = c.is_ascii_alphanumeric() || c == b'-' || c == b'.' || c == b'_' || c >= 0x80;
            i += 1;
        }
        t
    };
    T[b as usize]
}

/// An address found in text: byte range and the address itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// Start byte offset in the scanned text.
    pub start: usize,
    /// End byte offset (exclusive).
    pub end: usize,
    /// The address (as written).
    pub addr: String,
}

/// Every `local@domain.tld` in `text`, in order.
pub fn find_addresses(text: &str) -> Vec<Found> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(f) = next_address(text, &mut from) {
        out.push(f);
    }
    out
}

/// The first address in `text` (the first of [`find_addresses`], without scanning the rest).
pub fn first_address(text: &str) -> Option<Found> {
    next_address(text, &mut 0)
}

/// The next address at or after byte `*from` (see [`find_addresses`]); `*from` moves past it.
fn next_address(text: &str, from: &mut usize) -> Option<Found> {
    let b = text.as_bytes();
    while let Some(off) = memchr::memchr(b'@', &b[*from..]) {
        let at = *from + off;
        *from = at + 1;
        let mut s = at;
        while s > 0 && is_local_char(b[s - 1]) && at - s < 128 {
            s -= 1;
        }
        while s < at && b[s] == b'.' {
            s += 1;
        }
        let mut e = at + 1;
        while e < b.len() && is_domain_char(b[e]) && e - at < 256 {
            e += 1;
        }
        while e > at + 1 && matches!(b[e - 1], b'.' | b'-') {
            e -= 1;
        }
        if s == at || e <= at + 1 {
            continue;
        }
        let domain = &b[at + 1..e];
        let Some(dot) = domain.iter().rposition(|&c| c == b'.') else {
            continue;
        };
        if dot == 0 || dot + 1 >= domain.len() || domain.starts_with(b".") {
            continue;
        }
        // keep char boundaries valid: both ends sit next to ASCII bytes or text ends
        if !text.is_char_boundary(s) || !text.is_char_boundary(e) {
            continue;
        }
        *from = e.max(at + 1);
        return Some(Found {
            start: s,
            end: e,
            addr: text[s..e].to_string(),
        });
    }
    None
}

/// Whether an address is a system sender (mailer-daemon, postmaster, ...), never a recipient.
pub fn is_system_address(addr: &str) -> bool {
    let local = addr.split('@').next().unwrap_or("").to_ascii_lowercase();
    matches!(
        local.as_str(),
        "mailer-daemon" | "postmaster" | "double-bounce" | "mailerdaemon" | "mail-daemon"
    ) || local.starts_with("mailer-daemon")
}

/// Whether an ASCII byte is white space for `str::trim` (Unicode White_Space: `\x0b` too).
fn is_unicode_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// Whether a marker line (trimmed) can start with this byte: a decoration or the first letter
/// of `original`, `the original message was`, `content-type:`.
fn marker_start(b: u8) -> bool {
    matches!(
        b.to_ascii_lowercase(),
        b'-' | b'=' | b'*' | b'_' | b'[' | b'+' | b'|' | b'o' | b't' | b'c'
    )
}

/// Phrases of a decorated marker line that name the returned message (each has an `a`).
const ORIGINAL_PHRASES: [&str; 15] = [
    "original message",
    "copy of the message",
    "copy of your message",
    "returned message",
    "unsent message",
    "undelivered message",
    "message headers follow",
    "original mail",
    "headers of the original",
    "original headers",
    "message follows",
    "rejected message",
    "returned mail",
    "header of original",
    "message text follows",
];

/// Whether `lower` holds one of [`ORIGINAL_PHRASES`], with searchers built once (`contains`
/// sets one up per call); a line without an `a` (a separator) holds none.
fn names_original(lower: &str) -> bool {
    static F: std::sync::LazyLock<Vec<memchr::memmem::Finder<'static>>> =
        std::sync::LazyLock::new(|| ORIGINAL_PHRASES.map(memchr::memmem::Finder::new).to_vec());
    memchr::memchr(b'a', lower.as_bytes()).is_some()
        && F.iter().any(|f| f.find(lower.as_bytes()).is_some())
}

/// Lines that start the returned original message in a plain-text bounce.
fn is_original_marker(line: &str) -> bool {
    // the first byte after ASCII white space rejects most lines without a trim: the trimmed
    // line starts with it, and one starting with a letter is no decorated marker
    let b = line.as_bytes();
    match b.iter().position(|&c| !is_unicode_space(c)) {
        None => false,
        Some(i) if b[i].is_ascii() => {
            marker_start(b[i])
                && (!b[i].is_ascii_alphabetic() || undecorated_start(&b[i..]))
                && trimmed_marker(line.trim())
        }
        Some(_) => trimmed_marker(line.trim()),
    }
}

/// Whether `b` starts like an undecorated marker (`original `, `the original message was`,
/// `content-type:`, any case).
fn undecorated_start(b: &[u8]) -> bool {
    let starts_ci = |p: &str| b.len() >= p.len() && b[..p.len()].eq_ignore_ascii_case(p.as_bytes());
    starts_ci("original ") || starts_ci("the original message was") || starts_ci("content-type:")
}

/// [`is_original_marker`] for the trimmed line `t`.
fn trimmed_marker(t: &str) -> bool {
    if t.len() < 8 || t.len() > 200 {
        return false;
    }
    // cheap reject before allocating: markers start with a decoration or one of these words
    if !marker_start(t.as_bytes()[0]) {
        return false;
    }
    let decorated = t.starts_with("--")
        || t.starts_with("==")
        || t.starts_with("**")
        || t.starts_with("__")
        || t.starts_with("- ")
        || t.starts_with('[')
        || t.starts_with("++")
        || t.starts_with('|');
    // undecorated markers start with one of these (no allocation for ordinary lines)
    if !decorated && !undecorated_start(t.as_bytes()) {
        return false;
    }
    let lower = t.to_ascii_lowercase();
    if decorated && names_original(&lower) && !lower.contains("transcript") {
        return true;
    }
    lower.starts_with("--- below this line is a copy of the message")
        || lower.starts_with("------ this is a copy of the message")
        || lower.starts_with("original message follows")
        || (lower.starts_with("original mail") || lower.starts_with("original message"))
            && (lower.ends_with(':') || lower.ends_with("follows") || lower.ends_with("follows."))
        || lower.starts_with("original message headers")
        || lower.starts_with("--- the header of the original message is following")
        || lower.starts_with("the original message was") && lower.contains("below")
        || lower == "content-type: message/rfc822"
        || lower.starts_with("content-type: message/rfc822")
        || lower.starts_with("content-type: text/rfc822-headers")
}

fn is_header_line(line: &str) -> bool {
    let Some(colon) = line.find(':') else {
        return false;
    };
    colon > 1
        && colon < 40
        && line[..colon]
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-')
}

/// `line.trim().is_empty()`, trimming only when a non-ASCII byte follows the leading ASCII
/// white space.
fn is_blank(line: &str) -> bool {
    match line.bytes().find(|&c| !is_unicode_space(c)) {
        None => true,
        Some(c) if c.is_ascii() => false,
        Some(_) => line.trim().is_empty(),
    }
}

/// Split a plain-text notice into (notice, original) at the first marker line or at a block of
/// original-message headers (`Return-Path:`/`Received:` followed by more header lines).
pub fn split_original(body: &str) -> (&str, &str) {
    let mut prev_blank = true;
    let mut off = 0;
    let mut it = lines_inclusive(body);
    while let Some(raw_line) = it.next() {
        // (one line: at most one `\n`, at its end)
        let line = raw_line.strip_suffix('\n').unwrap_or(raw_line);
        if is_original_marker(line) {
            let next = off + line.len();
            let rest = body.get(next..).unwrap_or("");
            return (&body[..off], rest.trim_start_matches('\n'));
        }
        if prev_blank {
            let b = line.as_bytes();
            let starts_ci =
                |p: &str| b.len() >= p.len() && b[..p.len()].eq_ignore_ascii_case(p.as_bytes());
            let starts = starts_ci("return-path:")
                || starts_ci("received: from")
                || starts_ci("received: by")
                || starts_ci("dkim-signature:");
            if starts {
                let headerish = it
                    .clone()
                    .take(3)
                    .map(|l| l.trim_end_matches('\n'))
                    .filter(|l| is_header_line(l) || l.starts_with([' ', '\t']))
                    .count();
                if headerish >= 2 {
                    return (&body[..off], &body[off..]);
                }
            }
        }
        // (a line starting with a visible ASCII character is not blank: no trim)
        prev_blank = is_blank(line);
        off += raw_line.len();
    }
    (body, "")
}

/// Header fields of a header block (stops at the first blank line), unfolded. Names keep their
/// spelling; values are trimmed (borrowed from `text` unless a folded value had to be joined).
pub fn header_fields(text: &str) -> Vec<(&str, Cow<'_, str>)> {
    header_fields_where(text, |_| true)
}

/// [`header_fields`] keeping only the fields whose name `want` accepts: the others (and their
/// continuation lines) are skipped without joining their folded values.
pub fn header_fields_where(text: &str, want: impl Fn(&str) -> bool) -> Vec<(&str, Cow<'_, str>)> {
    let mut out: Vec<(&str, Cow<'_, str>)> = Vec::new();
    wanted_field_lines(text, want, |line, name| match name {
        Some(name) => out.push((name, Cow::Borrowed(line[name.len() + 1..].trim()))),
        None => {
            if let Some(last) = out.last_mut()
                && last.1.len() < 4096
            {
                let v = last.1.to_mut();
                v.push(' ');
                v.push_str(line.trim());
            }
        }
    });
    out
}

/// The lines of `text` that [`header_fields_where`] reads, each with a line break, then a
/// blank line: the same fields read from it (a header section without the other fields).
pub fn wanted_header_lines(text: &str, want: impl Fn(&str) -> bool) -> String {
    let mut out = String::new();
    wanted_field_lines(text, want, |line, _| {
        out.push_str(line);
        out.push('\n');
    });
    out.push('\n');
    out
}

/// The header section scan of [`header_fields_where`]: `line` calls `(line, Some(name))` for a
/// wanted field and `(line, None)` for a continuation line of one, up to the first blank line
/// after a field.
fn wanted_field_lines<'a>(
    text: &'a str,
    want: impl Fn(&str) -> bool,
    mut line: impl FnMut(&'a str, Option<&'a str>),
) {
    // a field was seen (kept or not); the last one seen was skipped; a field was kept
    let (mut any, mut skipping, mut kept) = (false, false, false);
    for l in lines(text) {
        if is_blank(l) {
            if !any {
                continue;
            }
            break;
        }
        if l.starts_with([' ', '\t']) {
            if !skipping && kept {
                line(l, None);
            }
            continue;
        }
        // (names are short: a scan from the start, as in `field_blocks`)
        if let Some(colon) = l.bytes().position(|b| b == b':') {
            let name = &l[..colon];
            if !name.is_empty()
                && name.len() < 80
                && name.bytes().all(|c| c.is_ascii_graphic() && c != b':')
            {
                any = true;
                skipping = !want(name);
                if !skipping {
                    kept = true;
                    line(l, Some(name));
                }
                continue;
            }
        }
    }
}

/// One group of RFC 3464 fields (the per-message block or a per-recipient block).
pub type FieldBlock = Vec<(String, String)>;

/// Parse `message/delivery-status` text into blocks separated by blank lines, each a list of
/// unfolded `(lowercased name, value)` fields.
pub fn field_blocks(text: &str) -> Vec<FieldBlock> {
    let mut blocks: Vec<FieldBlock> = Vec::new();
    let mut cur: FieldBlock = Vec::new();
    for line in lines(text) {
        if is_blank(line) {
            if !cur.is_empty() {
                blocks.push(std::mem::take(&mut cur));
            }
            continue;
        }
        if line.starts_with([' ', '\t']) {
            if let Some(last) = cur.last_mut()
                && last.1.len() < 8192
            {
                last.1.push(' ');
                last.1.push_str(line.trim());
            }
            continue;
        }
        // (names are short: a scan from the start finds the colon before a memchr is set up)
        if let Some(colon) = line.bytes().position(|b| b == b':') {
            let name = line[..colon].trim();
            if !name.is_empty() && name.len() < 64 && !name.contains(' ') {
                cur.push((
                    name.to_ascii_lowercase(),
                    line[colon + 1..].trim().to_string(),
                ));
                continue;
            }
        }
        // a stray line: treat as continuation of the last field
        if let Some(last) = cur.last_mut()
            && last.1.len() < 8192
        {
            last.1.push(' ');
            last.1.push_str(line.trim());
        }
    }
    if !cur.is_empty() {
        blocks.push(cur);
    }
    blocks
}

/// The first value of field `name` (lowercase) in a block.
pub fn field<'a>(block: &'a [(String, String)], name: &str) -> Option<&'a str> {
    block
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// The address in a DSN address field such as `rfc822; <user@example.com>`.
pub fn dsn_address(v: &str) -> String {
    let a = match v.find(';') {
        Some(i) => &v[i + 1..],
        None => v,
    };
    let a = a.trim().trim_matches(|c| c == '<' || c == '>');
    let a = a.trim();
    // a quoted local part: "x..y"@example.com
    if a.starts_with('"')
        && let Some(q) = a[1..].find('"')
        && a[q + 2..].starts_with('@')
    {
        let end = a[q + 2..]
            .find(|c: char| c.is_whitespace() || c == '>' || c == ';')
            .map(|i| q + 2 + i)
            .unwrap_or(a.len());
        return a[..end].to_string();
    }
    // "user@example.com (comment)" or "Name <user@example.com>"
    if let Some(f) = first_address(a) {
        return f.addr;
    }
    a.to_string()
}

/// Strip the type prefix of a DSN field (`smtp; 550 ...` -> `550 ...`, `dns; mx.example` ->
/// `mx.example`).
pub fn strip_type(v: &str) -> &str {
    match v.find(';') {
        Some(i)
            if i < 16
                && v[..i]
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || c == b'-') =>
        {
            v[i + 1..].trim()
        }
        _ => v.trim(),
    }
}

/// The remote server's reply quoted inside an Amazon SES diagnostic
/// (`5.1.0 - Unknown address error 550-'5.7.1 <a@b>... Access denied' (delivery attempts: 0)`):
/// the words before the quote only name the status class SES chose, the quote is what the
/// receiving server said. Other text is returned unchanged.
pub fn ses_reply(diag: &str) -> &str {
    let b = diag.trim_start().as_bytes();
    let coded = b.len() > 8
        && matches!(b[0], b'4' | b'5')
        && b[1] == b'.'
        && diag.trim_start().find(" - ").is_some_and(|i| i <= 9);
    if !coded {
        return diag;
    }
    match (diag.find('\''), diag.rfind('\'')) {
        (Some(a), Some(z)) if z > a + 1 => &diag[a + 1..z],
        _ => diag,
    }
}

/// Remove HTML tags and decode a few entities (good enough to read bounce text).
pub fn strip_html(html: &str) -> String {
    let b = html.as_bytes();
    let mut out = String::with_capacity(html.len() / 2);
    let mut i = 0;
    // text runs are copied whole between tags (`<` and `>` are ASCII, so every cut is a
    // character boundary); an unterminated tag swallows the rest
    while i < b.len() {
        let Some(k) = memchr::memchr(b'<', &b[i..]) else {
            out.push_str(&html[i..]);
            break;
        };
        out.push_str(&html[i..i + k]);
        let start = i + k + 1;
        let Some(e) = memchr::memchr(b'>', &b[start..]) else {
            break;
        };
        let tag = &b[start..start + e];
        let starts = |p: &[u8]| tag.len() >= p.len() && tag[..p.len()].eq_ignore_ascii_case(p);
        if starts(b"br") || starts(b"/p") || starts(b"/div") || starts(b"/tr") || starts(b"p") {
            out.push('\n');
        }
        i = start + e + 1;
    }
    if !out.contains('&') {
        return out;
    }
    unescape_entities(&out)
}

/// The entities `strip_html` decodes, in one pass: the same result as replacing `&lt;`,
/// `&gt;`, `&nbsp;`, `&quot;`, `&#39;` and then `&amp;` one after the other (occurrences
/// cannot overlap: each holds one `&`, first, and one `;`, last; no replacement makes a new
/// one, `&amp;` coming last).
fn unescape_entities(s: &str) -> String {
    const ENTITIES: [(&str, &str); 6] = [
        ("&lt;", "<"),
        ("&gt;", ">"),
        ("&nbsp;", " "),
        ("&quot;", "\""),
        ("&#39;", "'"),
        ("&amp;", "&"),
    ];
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(k) = memchr::memchr(b'&', rest.as_bytes()) {
        out.push_str(&rest[..k]);
        let r = &rest[k..];
        let (to, len) = ENTITIES
            .iter()
            .find(|(e, _)| r.starts_with(e))
            .map_or(("&", 1), |(e, t)| (*t, e.len()));
        out.push_str(to);
        rest = &r[len..];
    }
    out.push_str(rest);
    out
}

/// Collapse runs of white space to one space and trim; cap the length (on a char boundary).
pub fn squeeze(s: &str, max: usize) -> String {
    let mut out = String::with_capacity(s.len().min(max));
    let mut space = false;
    if s.is_ascii() {
        // the common case (same result as the general loop below): runs of printable bytes
        // are copied whole
        let b = s.as_bytes();
        let printable = |c: u8| (0x21..=0x7e).contains(&c);
        let mut buf = Vec::with_capacity(s.len().min(max));
        let mut i = 0;
        while i < b.len() {
            let c = b[i];
            if c.is_ascii_whitespace() || c == 0x0b {
                space = !buf.is_empty();
                i += 1;
                continue;
            }
            if buf.len() >= max {
                break;
            }
            if space {
                buf.push(b' ');
                space = false;
            }
            if !printable(c) {
                // a control character: dropped
                i += 1;
                continue;
            }
            let mut j = i + 1;
            while j < b.len() && printable(b[j]) {
                j += 1;
            }
            // the first byte always fits (the check above); the rest while under `max`
            let take = (j - i).min(max.saturating_sub(buf.len()).max(1));
            buf.extend_from_slice(&b[i..i + take]);
            if take < j - i {
                break;
            }
            i = j;
        }
        return String::from_utf8(buf).unwrap_or_default();
    }
    for c in s.chars() {
        if c.is_whitespace() {
            space = !out.is_empty();
            continue;
        }
        if out.len() >= max {
            break;
        }
        if space {
            out.push(' ');
            space = false;
        }
        if !c.is_control() {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn original_phrases_have_an_a() {
        assert!(ORIGINAL_PHRASES.iter().all(|p| p.contains('a')));
    }

    proptest::proptest! {
        #[test]
        fn names_original_is_any_phrase(t in "(original|message|copy of|the|your|returned|mail|headers?|follows?|text|of|unsent|rejected| |-|=){0,12}") {
            let naive = ORIGINAL_PHRASES.iter().any(|p| t.contains(p));
            proptest::prop_assert_eq!(names_original(&t), naive);
        }

        #[test]
        fn marker_line_shortcuts(t in "( |\t|\u{a0}|\u{2003}|-|=|\\*|\\[|\\||original|Original |the original message was|content-type:|message follows|copy of the message|transcript|below|x|:|é){0,10}") {
            proptest::prop_assert_eq!(is_original_marker(&t), trimmed_marker(t.trim()));
            proptest::prop_assert_eq!(is_blank(&t), t.trim().is_empty());
        }

        #[test]
        fn entities_in_one_pass(t in "(&|;|lt|gt|amp|nbsp|quot|#39|a| ){0,20}") {
            let chained = t
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&nbsp;", " ")
                .replace("&quot;", "\"")
                .replace("&#39;", "'")
                .replace("&amp;", "&");
            proptest::prop_assert_eq!(unescape_entities(&t), chained);
        }

        #[test]
        fn wanted_header_lines_read_the_same(
            t in "(((From|to|X-Other|Message-ID|junk|From x|a b|)(: ?v[a-c]{0,2})?|[ \t]+c[a-b]{0,2}|[ \t]*)(\n|\r\n)){0,14}"
        ) {
            let want = |n: &str| n.eq_ignore_ascii_case("from") || n.eq_ignore_ascii_case("to");
            let kept = wanted_header_lines(&t, want);
            proptest::prop_assert_eq!(header_fields_where(&kept, want), header_fields_where(&t, want));
        }
    }

    #[test]
    fn address_character_tables() {
        for b in 0..=255u8 {
            let local =
                b.is_ascii_alphanumeric() || b">!#$%&'*+/=?^_`{|}~-.".contains(&b) && b != b'>';
            assert_eq!(is_local_char(b), local, "{b}");
            let domain =
                b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_' || b >= 0x80;
            assert_eq!(is_domain_char(b), domain, "{b}");
        }
    }

    #[test]
    fn filtered_header_fields_are_the_same_fields() {
        for t in [
            "\nReceived: from a\n\tby b\nFrom: x@y.example\n stray\nDKIM-Signature: v=1;\n b=2\n\
             no colon line\n continued\nTo: t@y.example\n\nbody: no\n",
            "X-A: 1\n\nFrom: late@y.example\n",
            "\n\nFrom: a@b.example\n   \nTo: c@d.example\n",
        ] {
            for keep in ["from", "to", "received", "x-a"] {
                let want: Vec<_> = header_fields(t)
                    .into_iter()
                    .filter(|(n, _)| n.eq_ignore_ascii_case(keep))
                    .collect();
                assert_eq!(
                    header_fields_where(t, |n| n.eq_ignore_ascii_case(keep)),
                    want
                );
            }
        }
    }

    #[test]
    fn addresses() {
        let f = find_addresses("to <a.b@example.jp>: and c@d.example. x@y @z.com e@f");
        let v: Vec<_> = f.iter().map(|f| f.addr.as_str()).collect();
        assert_eq!(v, ["a.b@example.jp", "c@d.example"]);
        assert_eq!(dsn_address("rfc822; <u@x.org>"), "u@x.org");
        assert_eq!(strip_type("smtp; 550 x"), "550 x");
    }

    #[test]
    fn split() {
        let (n, o) =
            split_original("hi\n\n--- Below this line is a copy of the message.\n\nFrom: a@b.c\n");
        assert_eq!(n, "hi\n\n");
        assert!(o.starts_with("From:"));
    }

    #[test]
    fn ses_quoted_reply() {
        assert_eq!(
            ses_reply("5.1.0 - Unknown address error 550-'5.7.1 <a@b.c>... Access denied' (x)"),
            "5.7.1 <a@b.c>... Access denied"
        );
        // not an SES diagnostic: unchanged
        assert_eq!(
            ses_reply("550 'a@b.c' is unknown"),
            "550 'a@b.c' is unknown"
        );
        assert_eq!(ses_reply("5.1.0 - no quote"), "5.1.0 - no quote");
    }

    #[test]
    fn html_text() {
        assert_eq!(
            strip_html("<p>Hello<br>you &amp; me</p><b>x"),
            "\nHello\nyou & me\nx"
        );
        // an unterminated tag swallows the rest
        assert_eq!(strip_html("a<b c"), "a");
        assert_eq!(strip_html("été <i>ü</i>"), "été ü");
    }

    /// The byte-by-byte ASCII loop the run-copying one replaced.
    fn squeeze_bytewise(s: &str, max: usize) -> String {
        let mut buf = Vec::new();
        let mut space = false;
        for &b in s.as_bytes() {
            if b.is_ascii_whitespace() || b == 0x0b {
                space = !buf.is_empty();
                continue;
            }
            if buf.len() >= max {
                break;
            }
            if space {
                buf.push(b' ');
                space = false;
            }
            if !b.is_ascii_control() {
                buf.push(b);
            }
        }
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn line_iterators_match_std() {
        for t in [
            "",
            "\n",
            "a",
            "a\n",
            "a\r\nb\rc\n\nd",
            "x\r",
            "\r\n\r\n",
            "é\nü\r\n",
        ] {
            assert_eq!(
                lines_inclusive(t).collect::<Vec<_>>(),
                t.split_inclusive('\n').collect::<Vec<_>>()
            );
            assert_eq!(lines(t).collect::<Vec<_>>(), t.lines().collect::<Vec<_>>());
        }
    }

    #[test]
    fn squeeze_runs_match_bytewise() {
        let cases = [
            "",
            "   ",
            "abc",
            " abc  def\tghi\n",
            "ab\x01cd \x7f ef\x0b\x0cgh",
            "aaaa bbbb cccc dddd",
            "\x01\x02 x",
        ];
        for c in cases {
            for max in 0..22 {
                assert_eq!(squeeze(c, max), squeeze_bytewise(c, max), "{c:?} {max}");
            }
        }
    }

    #[test]
    fn squeeze_ascii_and_unicode_agree() {
        assert_eq!(squeeze(" a \t\x0b b\x01c ", 100), "a bc");
        assert_eq!(squeeze(" a \u{a0} é\u{1}c ", 100), "a éc");
        assert_eq!(squeeze("abc def", 3), "abc");
    }
}
