//! Decoding one message into bounce records: RFC 3464/6533 DSNs, RFC 5965 ARF reports,
//! RFC 3834 auto-replies and the plain-text formats of MTAs and providers.

use std::borrow::Cow;
use std::sync::OnceLock;

use mail_parser::{Message, MessageParser, MimeHeaders, PartType};

use super::BounceRecord;
use super::classify::{DfaScan, Evidence, classify};
use super::text::{
    self, FieldBlock, dsn_address, field, field_blocks, find_addresses, is_system_address,
    split_original, squeeze, strip_type,
};
use crate::status::{BounceReason, EnhancedStatus, find_reply_code};

/// `memchr::memmem::find` with a needle known at compile time: the searcher is built once
/// (building one per call costs more than the search in the short header sections scanned).
macro_rules! find_lit {
    ($hay:expr, $needle:literal) => {{
        static F: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
            std::sync::LazyLock::new(|| memchr::memmem::Finder::new($needle));
        F.find($hay)
    }};
}

/// Whether a needle known at compile time occurs exactly once in `$hay` (the needles used have
/// no overlapping occurrences: the same as `find_iter(..).count() == 1`).
macro_rules! once_lit {
    ($hay:expr, $needle:literal) => {{
        let h: &[u8] = $hay;
        find_lit!(h, $needle).is_some_and(|k| find_lit!(&h[k + 1..], $needle).is_none())
    }};
}

/// The rest of the line after the first occurrence of a field name known at compile time (in
/// a lowercased header section), or `None`.
macro_rules! field_line {
    ($head:expr, $name:literal) => {{
        let h: &[u8] = $head;
        find_lit!(h, $name).map(|k| {
            let v = &h[k + $name.len()..];
            &v[..memchr::memchr(b'\n', v).unwrap_or(v.len())]
        })
    }};
}

/// A header name for `header_raw` and friends, parsed once (a `&str` argument is parsed into a
/// `HeaderName` on every call).
macro_rules! hname {
    ($name:literal) => {{
        static H: std::sync::LazyLock<mail_parser::HeaderName<'static>> =
            std::sync::LazyLock::new(|| mail_parser::HeaderName::from($name));
        H.clone()
    }};
}

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

/// What the original (returned) message says about itself.
#[derive(Debug, Default, Clone)]
struct Original {
    from: String,
    to: Vec<String>,
    message_id: String,
    list_id: String,
}

/// The pieces of a parsed bounce that the decoders use.
#[derive(Default)]
struct Parts<'a> {
    dsn: Vec<Cow<'a, str>>,
    feedback: Option<Cow<'a, str>>,
    notice: String,
    original: Original,
    has_original: bool,
    /// Where [`split_original`] cuts `notice` (end of the notice, start of the returned
    /// message), computed once: the decoders ask for it more than once.
    split: std::cell::OnceCell<(usize, usize)>,
}

impl Parts<'_> {
    /// `split_original(&self.notice)`, computed once (`notice` must not change after).
    fn notice_split(&self) -> (&str, &str) {
        let n = self.notice.as_str();
        let &(head, rest) = self.split.get_or_init(|| {
            let (h, r) = split_original(n);
            (h.len(), n.len() - r.len())
        });
        (&n[..head], &n[rest..])
    }
}

fn bytes_to_str(b: &[u8]) -> Cow<'_, str> {
    // (`from_utf8` checks valid text faster than the lossy decoder's chunks)
    match std::str::from_utf8(b) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(b),
    }
}

fn part_text<'a>(body: &'a PartType<'a>) -> Option<Cow<'a, str>> {
    match body {
        PartType::Text(t) | PartType::Html(t) => Some(Cow::Borrowed(t.as_ref())),
        PartType::Binary(b) | PartType::InlineBinary(b) => Some(bytes_to_str(b.as_ref())),
        _ => None,
    }
}

fn original_from_message(m: &Message<'_>) -> Original {
    let mut o = Original::default();
    if let Some(a) = m.from().and_then(|a| a.first()).and_then(|a| a.address()) {
        o.from = a.to_string();
    } else if let Some(rp) = m.return_address() {
        o.from = rp.to_string();
    }
    if let Some(to) = m.to() {
        for a in to.iter() {
            if let Some(x) = a.address() {
                o.to.push(x.to_string());
            }
        }
    }
    if let Some(id) = m.message_id() {
        o.message_id = id.to_string();
    }
    if let Some(l) = m.header_raw(hname!("List-Id")) {
        o.list_id = squeeze(l, 300);
    }
    o
}

/// The fields of a returned header section that [`original_from_text`] reads, by their
/// lowercase name ("" for the others): no lowercase copy of every name, no other folded value
/// joined.
fn original_field(name: &str) -> &'static str {
    match name.len() {
        2 if name.eq_ignore_ascii_case("to") => "to",
        4 if name.eq_ignore_ascii_case("from") => "from",
        7 if name.eq_ignore_ascii_case("list-id") => "list-id",
        10 if name.eq_ignore_ascii_case("message-id") => "message-id",
        11 if name.eq_ignore_ascii_case("return-path") => "return-path",
        _ => "",
    }
}

fn original_from_text(t: &str) -> Original {
    let mut o = Original::default();
    let mut return_path = String::new();
    for (name, value) in text::header_fields_where(t, |n| !original_field(n).is_empty()) {
        let n = original_field(name);
        match n {
            "from" if o.from.is_empty() => {
                if let Some(a) = text::first_address(&value) {
                    o.from = a.addr;
                }
            }
            "return-path" if return_path.is_empty() => {
                if let Some(a) = text::first_address(&value) {
                    return_path = a.addr;
                }
            }
            "to" => {
                o.to.extend(find_addresses(&value).into_iter().map(|f| f.addr))
            }
            "message-id" if o.message_id.is_empty() => {
                o.message_id = value.trim().trim_matches(['<', '>']).to_string();
            }
            "list-id" if o.list_id.is_empty() => o.list_id = squeeze(&value, 300),
            _ => {}
        }
    }
    if o.from.is_empty() {
        o.from = return_path;
    }
    o
}

/// `s` in ASCII lowercase, copied only when it has an uppercase letter.
fn ascii_lower(s: &str) -> Cow<'_, str> {
    if s.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(s.to_ascii_lowercase())
    } else {
        Cow::Borrowed(s)
    }
}

fn collect_parts<'a>(msg: &'a Message<'a>) -> Parts<'a> {
    let mut p = Parts::default();
    let mut html: Vec<Cow<'_, str>> = Vec::new();
    let mut saw_plain = false;
    for (i, part) in msg.parts.iter().enumerate() {
        let (ct, st) = match part.content_type() {
            Some(c) => (
                ascii_lower(c.ctype()),
                ascii_lower(c.subtype().unwrap_or("")),
            ),
            None => (Cow::Borrowed("text"), Cow::Borrowed("plain")),
        };
        match (ct.as_ref(), st.as_ref()) {
            ("message", "delivery-status" | "global-delivery-status")
            | ("text", "delivery-status") => {
                if let Some(t) = part_text(&part.body) {
                    p.dsn.push(t);
                } else if let PartType::Message(m) = &part.body {
                    p.dsn.push(bytes_to_str(m.raw_message.as_ref()));
                }
            }
            ("message", "feedback-report") => {
                if let Some(t) = part_text(&part.body) {
                    p.feedback = Some(t);
                } else if let PartType::Message(m) = &part.body {
                    p.feedback = Some(bytes_to_str(m.raw_message.as_ref()));
                }
            }
            ("message", "rfc822" | "global" | "partial")
            | ("text", "rfc822-headers")
            | ("message", "rfc822-headers") => {
                if p.has_original {
                    continue;
                }
                match &part.body {
                    PartType::Message(m) => {
                        p.original = original_from_message(m);
                        p.has_original = true;
                    }
                    other => {
                        if let Some(t) = part_text(other) {
                            p.original = original_from_text(&t);
                            p.has_original = true;
                        }
                    }
                }
            }
            ("text", "html") => {
                if let Some(t) = part_text(&part.body) {
                    html.push(t);
                }
            }
            ("text", _) | ("multipart", _) if i == 0 || ct == "text" => {
                if let PartType::Text(t) = &part.body
                    && p.notice.len() < MAX_NOTICE
                {
                    saw_plain = true;
                    p.notice.push_str(t);
                    if !t.ends_with('\n') {
                        p.notice.push('\n');
                    }
                }
            }
            _ => {}
        }
    }
    // HTML is read only when there is no plain text (stripping tags is not free)
    if !saw_plain {
        let mut text = String::new();
        for t in &html {
            if text.len() >= MAX_NOTICE {
                break;
            }
            text.push_str(&text::strip_html(t));
            text.push('\n');
        }
        if !text.is_empty() {
            p.notice = text;
        }
    }
    p
}

fn first_addr(v: Option<&str>) -> String {
    v.and_then(text::first_address)
        .map(|f| f.addr)
        .unwrap_or_default()
}

/// Where each recipient is first mentioned in a notice, so that every recipient's paragraph
/// is found in O(log n) after one scan (a notice can name thousands of recipients).
struct NoticeIndex<'a> {
    text: &'a str,
    /// Byte offsets of line starts.
    lines: Vec<usize>,
    /// (offset, recipient index) of each mention, sorted.
    mentions: Vec<(usize, usize)>,
    /// First mention of each recipient.
    first: Vec<Option<usize>>,
    /// Lowercased recipient to index.
    ids: std::collections::HashMap<String, usize>,
}

impl<'a> NoticeIndex<'a> {
    /// `found`: the addresses of `text` when the caller has them already.
    fn new(text: &'a str, rcpts: &[String], found: Option<Vec<text::Found>>) -> NoticeIndex<'a> {
        let mut ids: std::collections::HashMap<String, usize> = Default::default();
        for (i, r) in rcpts.iter().enumerate() {
            ids.entry(r.to_ascii_lowercase()).or_insert(i);
        }
        let mut mentions: Vec<(usize, usize)> = found
            .unwrap_or_else(|| find_addresses(text))
            .into_iter()
            .filter_map(|f| ids.get(&f.addr.to_ascii_lowercase()).map(|&i| (f.start, i)))
            .collect();
        let mut first = vec![None; rcpts.len()];
        for &(p, i) in &mentions {
            first[i].get_or_insert(p);
        }
        // Sendmail-style per-host lines (`550 example.org (smtp)... 550 Host unknown`) belong
        // to the recipient at that domain: they end the previous recipient's paragraph
        if find_lit!(text.as_bytes(), b" (smtp)").is_some() {
            let mut by_domain: std::collections::HashMap<String, usize> = Default::default();
            for (i, r) in rcpts.iter().enumerate() {
                if let Some((_, d)) = r.rsplit_once('@') {
                    by_domain.entry(d.to_ascii_lowercase()).or_insert(i);
                }
            }
            let mut off = 0;
            for line in text::lines_inclusive(text) {
                if let Some(k) = line.find(" (smtp)") {
                    let host = line[..k]
                        .rsplit(|c: char| c.is_whitespace())
                        .next()
                        .unwrap_or("")
                        .to_ascii_lowercase();
                    if by_domain.contains_key(&host) {
                        // the line opens the paragraph of the recipient named next (several
                        // recipients can share the domain): it ends the one before
                        mentions.push((off, usize::MAX));
                    }
                }
                off += line.len();
            }
            mentions.sort_unstable();
        }
        // addresses the scanner does not see (quoted local parts, ...): a plain search, for
        // a few recipients only
        if rcpts.len() <= 16 && first.iter().any(Option::is_none) {
            let lower = text.to_ascii_lowercase();
            for (i, r) in rcpts.iter().enumerate() {
                if first[i].is_none()
                    && let Some(p) = lower.find(&r.to_ascii_lowercase())
                {
                    first[i] = Some(p);
                    mentions.push((p, i));
                }
            }
            mentions.sort_unstable();
        }
        // (room for lines of ~40 bytes before the vector regrows)
        let mut lines = Vec::with_capacity(text.len() / 40 + 2);
        lines.push(0);
        lines.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        NoticeIndex {
            text,
            lines,
            mentions,
            first,
            ids,
        }
    }

    fn id(&self, rcpt: &str) -> Option<usize> {
        self.ids.get(&rcpt.to_ascii_lowercase()).copied()
    }

    fn line_start(&self, pos: usize) -> usize {
        let k = self.lines.partition_point(|&l| l <= pos);
        self.lines[k.saturating_sub(1)]
    }

    /// The paragraph(s) about recipient `i`: from the line of its first mention to the line
    /// of the next mention of another recipient.
    fn block(&self, i: usize) -> &'a str {
        let Some(start) = self.first.get(i).copied().flatten() else {
            return "";
        };
        let ls = self.line_start(start);
        let k = self.mentions.partition_point(|&(p, _)| p <= start);
        let mut end = self.text.len();
        for &(p, j) in &self.mentions[k..] {
            if j != i {
                let l = self.line_start(p);
                if l > ls {
                    end = l;
                    break;
                }
            }
        }
        self.text.get(ls..end).unwrap_or("")
    }

    /// The non-blank line just above the first mention of recipient `i`, unless it introduces
    /// a list (ends with `:`) or is a decoration (`-----`).
    fn line_before(&self, i: usize) -> Option<&'a str> {
        let start = self.first.get(i).copied().flatten()?;
        let ls = self.line_start(start);
        if ls == 0 {
            return None;
        }
        let prev = self.text[..ls]
            .lines()
            .rev()
            .take(8)
            .find(|l| !l.trim().is_empty())?
            .trim();
        if prev.ends_with(':')
            || prev.starts_with("--")
            || prev.starts_with("==")
            || prev.len() > 300
        {
            return None;
        }
        Some(prev)
    }
}

/// How specific an enhanced status code is: `5.0.0` < `5.1.0` < `5.1.1`.
fn specificity(s: EnhancedStatus) -> u8 {
    u8::from(s.subject != 0) + u8::from(s.detail != 0)
}

/// The first failure code (4.x.x or 5.x.x) in a text, else its first code.
fn failure_status(text: &str) -> Option<EnhancedStatus> {
    let all = EnhancedStatus::find_all(text);
    all.iter()
        .copied()
        .find(|s| s.class != 2)
        .or_else(|| all.first().copied())
}

/// Remove `> ` quoting when most lines of a notice are quoted (a forwarded bounce).
fn unquote(notice: &str) -> Option<String> {
    // no line starts with `>`: nothing is quoted (the common case, one memchr scan)
    if !notice.starts_with('>') && find_lit!(notice.as_bytes(), b"\n>").is_none() {
        return None;
    }
    let (mut quoted, mut total) = (0usize, 0usize);
    for l in notice.lines().take(400) {
        if l.trim().is_empty() {
            continue;
        }
        total += 1;
        if l.starts_with('>') {
            quoted += 1;
        }
    }
    if total < 4 || quoted * 10 < total * 6 {
        return None;
    }
    let mut out = String::with_capacity(notice.len());
    for l in notice.lines() {
        let t = l.strip_prefix('>').unwrap_or(l);
        out.push_str(t.strip_prefix(' ').unwrap_or(t));
        out.push('\n');
    }
    Some(out)
}

/// At most `max` bytes of `s`, cut on a char boundary.
fn cap_str(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut e = max;
    while !s.is_char_boundary(e) {
        e -= 1;
    }
    &s[..e]
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

/// The bounce-level facts shared by all records of a message.
struct Common {
    addresser: String,
    timestamp: Option<i64>,
    message_id: String,
    list_id: String,
    lhost: String,
    /// `X-Failed-Recipients:` addresses.
    failed: Vec<String>,
}

fn record(c: &Common, detector: &'static str) -> BounceRecord {
    BounceRecord {
        addresser: c.addresser.clone(),
        timestamp: c.timestamp,
        message_id: c.message_id.clone(),
        list_id: c.list_id.clone(),
        lhost: c.lhost.clone(),
        detector,
        ..BounceRecord::new(BounceReason::Undefined, false)
    }
}

/// Finish a record: reason, bounce type, codes.
fn finish(mut r: BounceRecord, e: &Evidence<'_>) -> BounceRecord {
    // the provider rules look at the hosts and the recipient's domain of the record
    let reason = classify(&Evidence {
        rhost: &r.rhost,
        lhost: &r.lhost,
        domain: r.recipient.rsplit_once('@').map_or("", |(_, d)| d),
        ..e.clone()
    });
    let permanent = match e.status {
        Some(s) => s.class == 5,
        None => e.reply.map(|c| c >= 500).unwrap_or(e.action == "failed"),
    };
    r.set_reason(reason, permanent);
    if let Some(s) = e.status {
        r.deliverystatus = s.to_string();
    }
    if let Some(c) = e.reply {
        r.replycode = c.to_string();
    }
    r
}

/// Phrases naming the SMTP command an error answered (see [`smtp_command`]), in order of
/// preference.
const CMDS: [(&str, &str); 24] = [
    ("in reply to end of data", "DATA"),
    ("in reply to data", "DATA"),
    ("in reply to rcpt to", "RCPT"),
    ("in reply to mail from", "MAIL"),
    ("in reply to ehlo", "EHLO"),
    ("in reply to helo", "HELO"),
    ("while performing the helo", "HELO"),
    ("while performing the ehlo", "EHLO"),
    ("after end of data", "DATA"),
    ("after data", "DATA"),
    ("after rcpt to", "RCPT"),
    ("after rcpt command", "RCPT"),
    ("for text command", "DATA"),
    ("after mail from", "MAIL"),
    ("after ehlo", "EHLO"),
    ("after helo", "HELO"),
    ("after initial connection", "CONN"),
    ("most progress was rcpt to", "RCPT"),
    ("did not like our rcpt to", "RCPT"),
    ("did not like our mail from", "MAIL"),
    ("does not like recipient", "RCPT"),
    ("sender was rejected", "MAIL"),
    ("my name was rejected", "EHLO"),
    ("refused to talk to me", "HELO"),
];

/// The SMTP command an error answered, from phrases MTAs use ("in reply to RCPT TO command",
/// "after end of data", ">>> DATA" transcripts, "did not like our RCPT TO", ...).
fn smtp_command(text: &str) -> &'static str {
    let mut end = text.len().min(8 * 1024);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let head = &text[..end];
    // one pass for all phrases over the squeezed, lowercased text (fed to the automaton byte
    // by byte, not copied); the first phrase of the list that occurs wins
    let (first, rcpt_marker) = command_phrases(head);
    if let Some(k) = first {
        return CMDS[k].1;
    }
    // Sendmail-style transcripts: the last ">>> COMMAND" line before the error
    let mut last = "";
    let transcript = find_lit!(head.as_bytes(), b">>>").is_some();
    let lower = if transcript {
        head.to_ascii_lowercase()
    } else {
        String::new()
    };
    for line in text::lines(&lower) {
        let t = line.trim_start();
        if !last.is_empty()
            && let Some(reply) = t.strip_prefix("<<< ")
            && reply.starts_with(['4', '5'])
        {
            break;
        }
        if let Some(rest) = t.strip_prefix(">>> ") {
            let w = rest.trim_start();
            last = if w.starts_with("rcpt") {
                "RCPT"
            } else if w.starts_with("mail") {
                "MAIL"
            } else if w.starts_with("data") || w == "." {
                "DATA"
            } else if w.starts_with("ehlo") {
                "EHLO"
            } else if w.starts_with("helo") {
                "HELO"
            } else {
                last
            };
        }
    }
    if !last.is_empty() {
        return last;
    }
    if rcpt_marker { "RCPT" } else { "" }
}

/// How [`command_phrases`] reads an ASCII byte: 0 white space (squeezed), 1 a control
/// character (dropped), else the byte in lowercase (one load instead of three tests).
const SQUEEZE_LOWER: [u8; 256] = {
    let mut t = [1u8; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        if b.is_ascii_whitespace() || b == 0x0b {
            t[c] = 0;
        } else if b >= 0x21 && b <= 0x7e {
            t[c] = b.to_ascii_lowercase();
        }
        c += 1;
    }
    t
};

/// The phrases of [`smtp_command`] (its list, then the markers `[rcpt_to]` and `smtp:rcpt`)
/// found in `squeeze(head)` lowercased: the smallest index of a phrase of the list that
/// occurs, and whether a marker occurs. ASCII text is squeezed on the fly (same bytes as
/// [`squeeze`]: white space runs become one space, leading white space and control characters
/// are dropped; `head` is never longer than the squeeze limit).
fn command_phrases(head: &str) -> (Option<usize>, bool) {
    const MARKERS: usize = CMDS.len();
    static DFA: OnceLock<aho_corasick::dfa::DFA> = OnceLock::new();
    let dfa = DFA.get_or_init(|| {
        aho_corasick::dfa::DFA::builder()
            .match_kind(aho_corasick::MatchKind::Standard)
            .prefilter(false)
            .build(
                CMDS.iter()
                    .map(|(k, _)| *k)
                    .chain(["[rcpt_to]", "smtp:rcpt"]),
            )
            .expect("static phrases")
    });
    let Some(mut scan) = DfaScan::new(dfa) else {
        return (None, false);
    };
    let mut best = usize::MAX;
    let mut marker = false;
    /// A byte that ends phrases: note them (rare, kept out of the byte loop).
    #[cold]
    fn note(matched: impl Iterator<Item = usize>, best: &mut usize, marker: &mut bool) {
        for k in matched {
            if k >= MARKERS {
                *marker = true;
            } else {
                *best = (*best).min(k);
            }
        }
    }
    // (a macro, not a closure: the step is inlined at every call site)
    macro_rules! feed {
        ($b:expr) => {
            if scan.step($b) {
                note(scan.matched(), &mut best, &mut marker);
            }
        };
    }
    if head.is_ascii() && head.len() <= 8 * 1024 {
        let (mut space, mut empty) = (false, true);
        for &c in head.as_bytes() {
            let t = SQUEEZE_LOWER[usize::from(c)];
            if t == 0 {
                space = !empty;
                continue;
            }
            if space {
                feed!(b' ');
                space = false;
                empty = false;
            }
            if t > 1 {
                feed!(t);
                empty = false;
            }
        }
    } else {
        let mut flat = squeeze(head, 8 * 1024);
        flat.make_ascii_lowercase();
        for &c in flat.as_bytes() {
            feed!(c);
        }
    }
    ((best != usize::MAX).then_some(best), marker)
}

/// Split blocks that hold several recipients without blank lines between them.
fn split_recipient_blocks(blocks: Vec<FieldBlock>) -> Vec<FieldBlock> {
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
fn decode_dsn(blocks: &[FieldBlock], parts: &Parts<'_>, c: &Common) -> Vec<BounceRecord> {
    let mut out = Vec::new();
    let mut lhost = String::new();
    let mut per_msg_date = None;
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
        }
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
        let ses_text = text::ses_reply(diag_text);
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
            category: super::provider::category_reason(b),
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
fn inline_dsn(notice: &str) -> Option<&str> {
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

fn is_autoreply(msg: &Message<'_>, subject: &str) -> bool {
    let hv = |n: mail_parser::HeaderName<'static>| {
        msg.header_raw(n).map(|v| v.trim().to_ascii_lowercase())
    };
    let s = subject.to_ascii_lowercase();
    if let Some(a) = hv(hname!("Auto-Submitted"))
        && a.starts_with("auto-replied")
    {
        return true;
    }
    hv(hname!("X-Autoreply")).is_some()
        || hv(hname!("X-Autorespond")).is_some()
        || hv(hname!("X-Auto-Response-Suppress")).is_some() && s.starts_with("automatic reply")
        || hv(hname!("Precedence")).is_some_and(|p| p == "auto_reply")
        || s.starts_with("auto:")
        || s.starts_with("automatic reply")
        || s.starts_with("auto-reply")
        || s.starts_with("auto reply")
        || s.starts_with("autoreply")
        || s.contains("out of office")
        || s.contains("out of the office")
        || s.starts_with("vacation")
}

fn looks_like_bounce(from: &str, subject: &str) -> bool {
    let f = from.to_ascii_lowercase();
    let s = subject.to_ascii_lowercase();
    f.contains("mailer-daemon")
        || f.contains("postmaster")
        || s.contains("undeliver")
        || s.contains("delivery status")
        || s.contains("delivery failure")
        || s.contains("failure notice")
        || s.contains("returned mail")
        || s.contains("delivery notification")
        || s.contains("mail delivery")
        || s.contains("failed")
        || s.contains("not delivered")
        || s.contains("could not be delivered")
        || s.contains("rejected")
        || s.contains("bounce")
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
    ]
    .iter()
    .any(|w| before.contains(w))
    {
        return false;
    }
    // a Message-ID-like local part: long and mostly digits, dots and hex
    let local = &f.addr[..f.addr.find('@').unwrap_or(0)];
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
fn decode_text(
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
        let session = index
            .first
            .get(i)
            .copied()
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
        // Google Groups refuses posts from non-members or to missing groups, in any language
        if rcpt.to_ascii_lowercase().ends_with("@googlegroups.com")
            && matches!(r.reason, BounceReason::OnHold | BounceReason::Undefined)
        {
            r.set_reason(BounceReason::Rejected, true);
        }
        out.push(r);
    }
    out
}

/// Amazon SES notifications (SNS e-mail subscriptions): a JSON object in the body.
fn decode_ses_json(notice: &str, c: &Common) -> Vec<BounceRecord> {
    use serde_json::Value;
    // the first `{` followed (after white space) by a `"`: the start of a JSON object
    let b = notice.as_bytes();
    let json_at = |i: usize| {
        b[i + 1..]
            .iter()
            .find(|x| !x.is_ascii_whitespace())
            .is_some_and(|&x| x == b'"')
    };
    let mut from = 0;
    let start = loop {
        let Some(k) = memchr::memchr(b'{', &b[from..]) else {
            return Vec::new();
        };
        if json_at(from + k) {
            break from + k;
        }
        from += k + 1;
    };
    let json = &notice[start..];
    if find_lit!(json.as_bytes(), b"notificationType").is_none()
        && find_lit!(json.as_bytes(), b"eventType").is_none()
    {
        return Vec::new();
    }
    // SNS wraps long lines with "!" + newline + space (copied only when it did)
    let body: Cow<'_, str> = if find_lit!(json.as_bytes(), b"!\n ").is_some() {
        Cow::Owned(json.replace("!\n ", ""))
    } else {
        Cow::Borrowed(json)
    };
    let mut it = serde_json::Deserializer::from_str(&body).into_iter::<Value>();
    let Some(Ok(mut v)) = it.next() else {
        return Vec::new();
    };
    // an SNS envelope: the notification is a JSON string in "Message"
    if v.get("notificationType").is_none()
        && v.get("eventType").is_none()
        && let Some(inner) = v.get("Message").and_then(Value::as_str)
        && let Ok(iv) = serde_json::from_str::<Value>(inner)
    {
        v = iv;
    }
    let kind = v
        .get("notificationType")
        .or_else(|| v.get("eventType"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_ascii_lowercase();
    let source = v
        .pointer("/mail/source")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let s = |x: &Value, k: &str| x.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let mut out = Vec::new();
    let list = |ptr: &str| -> Vec<Value> {
        v.pointer(ptr)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    // A record for one SES recipient, with the notice's source as the addresser.
    let ses_record = |recipient: String| {
        let mut r = record(c, "amazonses");
        r.recipient = recipient;
        if !source.is_empty() {
            r.addresser = source.clone();
        }
        r
    };
    match kind.as_str() {
        "bounce" => {
            for rc in list("/bounce/bouncedRecipients") {
                let recipient = s(&rc, "emailAddress");
                if recipient.is_empty() {
                    continue;
                }
                let mut r = ses_record(recipient);
                let diag = s(&rc, "diagnosticCode");
                let diag = strip_type(&diag).to_string();
                let status = EnhancedStatus::parse(&s(&rc, "status"))
                    .or_else(|| EnhancedStatus::find(&diag));
                let reply = find_reply_code(&diag);
                let action = s(&rc, "action").to_ascii_lowercase();
                r.action = action.clone();
                r.diagnosticcode = squeeze(&diag, MAX_DIAG);
                let cmd = smtp_command(&diag);
                r.smtpcommand = cmd.to_string();
                let e = Evidence {
                    status,
                    reply,
                    action: &action,
                    command: cmd,
                    text: &diag,
                    context: "",
                    ..Default::default()
                };
                out.push(finish(r, &e));
            }
        }
        "complaint" => {
            let ft = v
                .pointer("/complaint/complaintFeedbackType")
                .and_then(Value::as_str)
                .unwrap_or("abuse")
                .to_string();
            for rc in list("/complaint/complainedRecipients") {
                let recipient = s(&rc, "emailAddress");
                if recipient.is_empty() {
                    continue;
                }
                let mut r = ses_record(recipient);
                r.feedbacktype = ft.clone();
                r.set_reason(BounceReason::Feedback, false);
                out.push(r);
            }
        }
        "delivery" => {
            let resp = v
                .pointer("/delivery/smtpResponse")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            for rc in list("/delivery/recipients") {
                let Some(a) = rc.as_str() else { continue };
                let mut r = ses_record(a.to_string());
                r.action = "delivered".into();
                r.deliverystatus = "2.6.0".into();
                if let Some(code) = find_reply_code(&resp) {
                    r.replycode = code.to_string();
                }
                r.diagnosticcode = squeeze(&resp, MAX_DIAG);
                r.set_reason(BounceReason::Delivered, false);
                out.push(r);
            }
        }
        _ => {}
    }
    out
}

fn decode_feedback(fb: &str, parts: &Parts<'_>, c: &Common) -> Vec<BounceRecord> {
    let blocks = field_blocks(fb);
    let all: Vec<(String, String)> = blocks.into_iter().flatten().collect();
    let ftype = field(&all, "feedback-type")
        .unwrap_or("abuse")
        .to_ascii_lowercase();
    let mut rcpts: Vec<String> = all
        .iter()
        .filter(|(n, _)| n == "original-rcpt-to" || n == "removal-recipient")
        .map(|(_, v)| dsn_address(v))
        .filter(|a| a.contains('@'))
        .collect();
    if rcpts.is_empty() {
        rcpts = parts
            .original
            .to
            .iter()
            .filter(|a| a.contains('@'))
            .cloned()
            .collect();
    }
    rcpts.dedup();
    let mut out = Vec::new();
    for rc in rcpts {
        let mut r = record(c, "arf");
        r.recipient = rc;
        r.feedbacktype = ftype.clone();
        if let Some(a) = field(&all, "original-mail-from") {
            let a = dsn_address(a);
            if a.contains('@') && r.addresser.is_empty() {
                r.addresser = a;
            }
        }
        if let Some(s) = field(&all, "source-ip") {
            r.rhost = s.to_string();
        }
        r.set_reason(BounceReason::Feedback, false);
        out.push(r);
    }
    out
}

/// Decode one message (line endings already LF). An empty result means "no bounce found".
pub fn decode_message(raw: &[u8]) -> Vec<BounceRecord> {
    decode_depth(raw, 0)
}

/// Only the first steps of [`decode_message`]: the MIME pre-pass and mail-parser's parse of
/// its output, with no bounce decoding. For lower-bound benchmarks (`examples/bounce_floor`);
/// whether mail-parser returned a message.
#[doc(hidden)]
pub fn parse_only(raw: &[u8]) -> bool {
    let trimmed = parser_input(raw, true, true);
    parse_message(trimmed.as_ref().map_or(raw, |t| &t.0[..])).is_some()
}

/// Whether the notice text reads like a delivery failure.
fn notice_says_failure(notice: &str) -> bool {
    let mut end = notice.len().min(4096);
    while !notice.is_char_boundary(end) {
        end -= 1;
    }
    // one case-insensitive scan for all phrases (the same as lowercasing and searching each)
    static AC: OnceLock<aho_corasick::AhoCorasick> = OnceLock::new();
    let ac = AC.get_or_init(|| {
        aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build([
                "could not be delivered",
                "couldn't be delivered",
                "undeliver",
                "delivery failed",
                "delivery has failed",
                "not delivered",
                "permanent error",
                "permanent fatal",
                "failed",
                "error",
                "rejected",
                "user unknown",
                "unknown user",
                "no such user",
                "returned mail",
            ])
            .expect("static phrases")
    });
    ac.is_match(&notice[..end])
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

/// Where `needle` (lowercase ASCII) first occurs in `hay`, ignoring ASCII case (the same
/// position as a search in `hay.to_ascii_lowercase()`, without the copy).
fn find_ci(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let (&first, rest) = needle.split_first()?;
    let mut from = 0;
    while let Some(k) = memchr::memchr2(first, first.to_ascii_uppercase(), &hay[from..]) {
        let i = from + k;
        let tail = hay.get(i + 1..i + needle.len())?;
        if tail.eq_ignore_ascii_case(rest) {
            return Some(i);
        }
        from = i + 1;
    }
    None
}

/// The value of the `boundary` parameter in a header section (lowercase search, original case
/// kept), quoted or not.
fn boundary_param(head: &[u8]) -> Option<&[u8]> {
    let ct = find_ci(head, b"content-type:")?;
    let at = ct + find_ci(&head[ct..], b"boundary=")? + b"boundary=".len();
    let v = &head[at..];
    let b = if let Some(q) = v.strip_prefix(b"\"") {
        &q[..memchr::memchr(b'"', q)?]
    } else {
        let end = v
            .iter()
            .position(|&c| c == b';' || c.is_ascii_whitespace())
            .unwrap_or(v.len());
        &v[..end]
    };
    (!b.is_empty() && b.len() <= 200).then_some(b)
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

/// A copy of a multipart bounce without the body of its returned message
/// (`message/rfc822` parts keep only the header fields that are read), or `None` when there is
/// nothing worth cutting. Only the headers of the returned message are read (From, To, Message-ID,
/// List-Id), and its body can be most of the bytes: long quoted-printable or HTML texts,
/// attachments, nested multiparts that the MIME parser would otherwise decode. With
/// `attachments`, parts of the notice itself that no decoder reads (images, TNEF, PDF, ...)
/// are emptied too, so that the parser does not decode their base64.
fn without_returned_body(raw: &[u8], attachments: bool) -> Option<Vec<u8>> {
    parser_input(raw, attachments, false).map(|(v, _)| v)
}

/// The input for the MIME parser: [`without_returned_body`] and, with `strip_header`, the
/// top-level header section without the fields that nothing reads (see [`unread_fields`]);
/// with the number of header bytes left out (the body starts that much earlier).
fn parser_input(raw: &[u8], attachments: bool, strip_header: bool) -> Option<(Vec<u8>, usize)> {
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

/// A field name the way mail-parser reads it too: letters, digits and hyphens only (it drops
/// white space inside a name, so `Content- Type` would be its `Content-Type`).
fn plain_name(name: &[u8]) -> bool {
    !name.is_empty() && name.iter().all(|&c| c.is_ascii_alphanumeric() || c == b'-')
}

/// Whether every line of a part's header section (`head`, after the rest of the delimiter
/// line, up to the blank line) is a `name:` field with a [`plain_name`] or a continuation
/// line: the fields found by searching it are the parser's.
fn plain_part_fields(head: &[u8]) -> bool {
    let fields = head.split(|&c| c == b'\n').skip(1);
    fields.take_while(|l| !l.is_empty()).all(|l| {
        l[0] == b' '
            || l[0] == b'\t'
            || memchr::memchr(b':', l).is_some_and(|c| plain_name(&l[..c]))
    })
}

/// One part of a multipart body: its lowercased header section, where its body starts and
/// where the next delimiter line starts.
struct PartSpan {
    head: Vec<u8>,
    body_start: usize,
    next: usize,
}

/// The parts between the `--boundary` lines of `raw[from..to]` (`from` at the line break
/// before the first delimiter).
fn mime_parts(raw: &[u8], from: usize, to: usize, boundary: &[u8]) -> Vec<PartSpan> {
    let delim_len = boundary.len() + 3;
    let mut out = Vec::new();
    let mut pos = from;
    while let Some(i) = find_delim(&raw[pos..to], boundary) {
        let part_start = pos + i + delim_len;
        if raw[part_start..to].starts_with(b"--") {
            break; // the closing delimiter
        }
        let Some(hdr_len) = find_lit!(&raw[part_start..to], b"\n\n") else {
            break;
        };
        let body_start = part_start + hdr_len + 2;
        let next = find_delim(&raw[body_start..to], boundary).map_or(to, |k| body_start + k);
        out.push(PartSpan {
            head: raw[part_start..body_start].to_ascii_lowercase(),
            body_start,
            next,
        });
        if next >= to {
            break;
        }
        pos = next;
    }
    out
}

/// Where `\n--boundary` first occurs in `hay`: the `\n--` searcher is built once, not one
/// searcher per boundary (building one costs more than the search in most bounces).
fn find_delim(hay: &[u8], boundary: &[u8]) -> Option<usize> {
    let mut from = 0;
    while let Some(k) = find_lit!(&hay[from..], b"\n--") {
        let i = from + k;
        if hay[i + 3..].starts_with(boundary) {
            return Some(i);
        }
        from = i + 1;
    }
    None
}

/// The media type of a lowercased header section (`text/plain`, ...), or "".
fn span_type(head: &[u8]) -> &[u8] {
    let Some(v) = field_line!(head, b"content-type:") else {
        return b"";
    };
    v[..memchr::memchr(b';', v).unwrap_or(v.len())].trim_ascii()
}

/// Whether a lowercased part header section has exactly one `Content-Type:` field, and it
/// starts a line.
fn one_content_type_line(head: &[u8]) -> bool {
    find_lit!(head, b"content-type:").is_some_and(|k| k > 0 && head[k - 1] == b'\n')
        && once_lit!(head, b"content-type:")
}

/// A quoted-printable text part (`raw[p.body_start - p.head.len()..p.next]`, its header section
/// starting with the line break that ends the delimiter line) rewritten without its
/// `Content-Transfer-Encoding` field and with its body decoded: mail-parser reads the result as
/// the same text it decodes from the original (see [`qp_decode`]). `None` when the part is not
/// plainly one `text/*` part with one `Content-Transfer-Encoding: quoted-printable` field, or
/// when the decoding would not be the parser's for certain.
fn qp_as_8bit(raw: &[u8], p: &PartSpan, boundary: &[u8]) -> Option<Vec<u8>> {
    let head = &p.head;
    // the delimiter line ends right after the boundary; one field of each kind, at line
    // starts, no folded or blank lines (the parser's and this scan's fields are the same)
    if head.first() != Some(&b'\n')
        || !head.ends_with(b"\n\n")
        || !once_lit!(head, b"content-transfer-encoding")
        || !once_lit!(head, b"content-type")
    {
        return None;
    }
    let fields = &head[1..head.len() - 1];
    let mut cte = None;
    let mut text = false;
    let mut at = 1;
    for line in fields.split_inclusive(|&c| c == b'\n') {
        if line.trim_ascii().is_empty() || line[0] == b' ' || line[0] == b'\t' {
            return None;
        }
        if let Some(v) = line.strip_prefix(b"content-transfer-encoding:") {
            if v.trim_ascii() != b"quoted-printable" {
                return None;
            }
            cte = Some((at, at + line.len()));
        } else if let Some(v) = line.strip_prefix(b"content-type:") {
            text = v.trim_ascii_start().starts_with(b"text/");
        }
        at += line.len();
    }
    let (cs, ce) = cte?;
    if !text {
        return None;
    }
    let start = p.body_start - head.len();
    let body = qp_decode(&raw[p.body_start..p.next], boundary)?;
    let mut out = Vec::with_capacity(head.len() + body.len());
    // the raw header section (original case), less the encoding field
    out.extend_from_slice(&raw[start + 1..start + cs]);
    out.extend_from_slice(&raw[start + ce..p.body_start]);
    out.extend_from_slice(&body);
    Some(out)
}

/// The bytes mail-parser's quoted-printable decoder makes of a part body `s` that is followed
/// by `\n--boundary` (LF line ends), or `None` where its result is not certain to be these
/// bytes (a CR, a `--boundary` inside, an `==`, a dangling `=X`, ...). Its rules: `=XX` is a
/// byte, `=` before a line break (after optional white space) joins lines, `=` before another
/// character is kept with it, white space at the end of a line is dropped (not a decoded one),
/// and the line break before the delimiter is not part of the text (after a soft line break
/// it takes the last byte instead). The result holds no `--boundary` and does not end with a
/// CR, so that the parser reading it as 8-bit text stops at the same delimiter.
fn qp_decode(s: &[u8], boundary: &[u8]) -> Option<Vec<u8>> {
    fn hex(c: u8) -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'A'..=b'F' => Some(c - b'A' + 10),
            b'a'..=b'f' => Some(c - b'a' + 10),
            _ => None,
        }
    }
    // white space as the parser counts it (`u8::is_ascii_whitespace`, no CR here)
    let ws = |c: u8| matches!(c, b' ' | b'\t' | b'\x0c');
    if boundary.is_empty() || boundary.contains(&b'\n') || memchr::memchr(b'\r', s).is_some() {
        return None;
    }
    let mut delim = Vec::with_capacity(boundary.len() + 2);
    delim.extend_from_slice(b"--");
    delim.extend_from_slice(boundary);
    let finder = memchr::memmem::Finder::new(&delim);
    if finder.find(s).is_some() {
        return None;
    }
    let mut out = Vec::with_capacity(s.len());
    // white space bytes at the end of `out` that a hard line break drops
    let mut trailing = 0usize;
    let mut i = 0;
    // whether the text ends in the middle of `=` (a soft line break before the delimiter)
    let mut open_eq = false;
    while i < s.len() {
        let Some(k) = memchr::memchr2(b'=', b'\n', &s[i..]) else {
            let run = &s[i..];
            out.extend_from_slice(run);
            let t = run.iter().rev().take_while(|&&c| ws(c)).count();
            trailing = if t == run.len() { trailing + t } else { t };
            break;
        };
        let run = &s[i..i + k];
        if !run.is_empty() {
            out.extend_from_slice(run);
            let t = run.iter().rev().take_while(|&&c| ws(c)).count();
            trailing = if t == run.len() { trailing + t } else { t };
        }
        i += k;
        if s[i] == b'\n' {
            out.truncate(out.len() - trailing);
            out.push(b'\n');
            trailing = 0;
            i += 1;
            continue;
        }
        // `=`: skip white space, then a line break, two hex digits or another character
        let mut j = i + 1;
        while j < s.len() && ws(s[j]) {
            j += 1;
        }
        let Some(&c) = s.get(j) else {
            open_eq = true;
            break;
        };
        match c {
            b'\n' => {
                trailing = 0;
                i = j + 1;
            }
            b'=' => return None,
            _ => match hex(c) {
                Some(h1) => {
                    let d = *s.get(j + 1)?;
                    if d == b'\n' || d == b'=' {
                        return None;
                    }
                    match hex(d) {
                        Some(h2) => out.push((h1 << 4) | h2),
                        None => out.extend_from_slice(&[b'=', c, d]),
                    }
                    trailing = 0;
                    i = j + 2;
                }
                None => {
                    out.extend_from_slice(&[b'=', c]);
                    trailing = 0;
                    i = j + 1;
                }
            },
        }
    }
    if open_eq {
        // `\n` ends the soft line break, `-` is written, the delimiter takes two bytes
        out.pop()?;
    } else {
        out.truncate(out.len() - trailing);
    }
    // (the parser takes a CR before the delimiter's line break as part of it)
    (finder.find(&out).is_none() && out.last() != Some(&b'\r')).then_some(out)
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
    let recs = decode_ses_json(&parts.notice, &common);
    if !recs.is_empty() {
        return recs;
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
    let says_failure = notice_says_failure(&parts.notice);
    let system_failure = says_failure && is_system_address(&from);
    if !looks_like_bounce(&from, &subject)
        && is_autoreply(&msg, &subject)
        && !system_failure
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
        && !says_failure
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
        for r in &mut recs {
            r.detector = "text-original-to";
        }
    }
    recs
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

    /// The text of each part as mail-parser reads it.
    fn part_texts(raw: &[u8]) -> Vec<String> {
        let m = parse_message(raw).expect("parsed");
        m.parts
            .iter()
            .map(|p| match &p.body {
                PartType::Text(t) | PartType::Html(t) => format!("text:{t}"),
                PartType::Binary(b) | PartType::InlineBinary(b) => {
                    format!("bin:{}", String::from_utf8_lossy(b))
                }
                _ => String::from("other"),
            })
            .collect()
    }

    /// A quoted-printable part rewritten as 8-bit text reads as the same text, whatever the
    /// body (soft breaks, bad escapes, trailing white space, `=` before the delimiter, ...).
    fn qp_same_text(body: &str, ctype: &str) -> Result<(), proptest::test_runner::TestCaseError> {
        let filler = "filler line\n".repeat(50);
        let raw = format!(
            "From: a@b.example\nContent-Type: multipart/mixed; boundary=\"b-1\"\n\n\
             --b-1\nContent-Type: {ctype}\nContent-Transfer-Encoding: Quoted-Printable\n\
             X-Other: 1\n\n{filler}{body}\n--b-1\nContent-Type: text/plain\n\nnext\n--b-1--\n"
        );
        let want = part_texts(raw.as_bytes());
        if let Some(cut) = without_returned_body(raw.as_bytes(), true) {
            proptest::prop_assert_eq!(part_texts(&cut), want);
        }
        Ok(())
    }

    #[test]
    fn qp_examples() {
        for body in [
            "a=3Db =C3=A9t=C3=A9  \nsoft=\nbreak  =20\n=\n",
            "trail \t ",
            "ends soft=",
            "ends soft= \t",
            "=",
            "x=",
            "bad =zz and =4 and =4z and = x",
            "double ==",
            "hex then eol =4\nz",
            "--b-1 inside",
            "=2D-b-1 made by decoding",
            "line\n\n\n",
            "-",
            "--",
        ] {
            for ctype in [
                "text/plain; charset=utf-8",
                "text/html",
                "text/plain; charset=iso-8859-1",
            ] {
                qp_same_text(body, ctype).unwrap();
            }
        }
        // the rewrite happens (the decoder is not left to the parser)
        let raw = format!(
            "Content-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: text/plain\n\
             Content-Transfer-Encoding: quoted-printable\n\n{}=C3=A9\n--B--\n",
            "x".repeat(600)
        );
        let cut = without_returned_body(raw.as_bytes(), true).expect("rewritten");
        assert!(!String::from_utf8_lossy(&cut).contains("=C3=A9"));
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(2000))]
        #[test]
        fn qp_rewrite_reads_the_same(body in "([a-cA-F0-9]{1,4}|[ \\t\\x0c]{1,3}|\\n|\\n|=[0-9A-Fa-f]{2}|=[ \\t]?\\n|=|-|--b-1|é|=0[DdAa]|\\r){0,60}") {
            qp_same_text(&body, "text/plain; charset=utf-8")?;
            qp_same_text(&body, "text/html")?;
        }

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

        #[test]
        fn command_phrases_are_found_in_the_squeezed_text(
            head in "(In reply to|RCPT TO|after|DATA|end of|\\[rcpt_to\\]|smtp:Rcpt|[ \t\n\x0b\x0c\r]{1,3}|\x01|\x7f|a|é){0,20}"
        ) {
            let flat = squeeze(&head, 8 * 1024).to_ascii_lowercase();
            let best = CMDS.iter().position(|(k, _)| flat.contains(k));
            let marker = flat.contains("[rcpt_to]") || flat.contains("smtp:rcpt");
            proptest::prop_assert_eq!(command_phrases(&head), (best, marker));
        }

        #[test]
        fn find_delim_is_memmem(hay in "(\n|-|a|b|ab){0,40}", boundary in "[ab-]{0,3}") {
            let delim = [b"\n--", boundary.as_bytes()].concat();
            proptest::prop_assert_eq!(
                find_delim(hay.as_bytes(), boundary.as_bytes()),
                memchr::memmem::find(hay.as_bytes(), &delim)
            );
        }

        #[test]
        fn once_lit_is_one_match(hay in "(content-type|content-transfer-encoding|content|-|type|x){0,12}") {
            let count = |n: &str| memchr::memmem::find_iter(hay.as_bytes(), n).count() == 1;
            proptest::prop_assert_eq!(once_lit!(hay.as_bytes(), b"content-type"), count("content-type"));
            proptest::prop_assert_eq!(
                once_lit!(hay.as_bytes(), b"content-transfer-encoding"),
                count("content-transfer-encoding")
            );
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
}
