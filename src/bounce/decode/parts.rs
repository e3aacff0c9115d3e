//! The pieces of a parsed bounce that the decoders read: the notice text, the DSN and ARF
//! parts, and what the returned (original) message says about itself.

use std::borrow::Cow;

use mail_parser::{Message, MimeHeaders, PartType};

use super::MAX_NOTICE;
use crate::bounce::text::{self, find_addresses, split_original, squeeze};

/// What the original (returned) message says about itself.
#[derive(Debug, Default, Clone)]
pub(super) struct Original {
    pub(super) from: String,
    pub(super) to: Vec<String>,
    pub(super) message_id: String,
    pub(super) list_id: String,
}

/// The pieces of a parsed bounce that the decoders use.
#[derive(Default)]
pub(super) struct Parts<'a> {
    pub(super) dsn: Vec<Cow<'a, str>>,
    pub(super) feedback: Option<Cow<'a, str>>,
    pub(super) notice: String,
    pub(super) original: Original,
    pub(super) has_original: bool,
    /// Where [`split_original`] cuts `notice` (end of the notice, start of the returned
    /// message), computed once: the decoders ask for it more than once.
    pub(super) split: std::cell::OnceCell<(usize, usize)>,
}

impl Parts<'_> {
    /// `split_original(&self.notice)`, computed once (`notice` must not change after).
    pub(super) fn notice_split(&self) -> (&str, &str) {
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
pub(super) fn original_field(name: &str) -> &'static str {
    match name.len() {
        2 if name.eq_ignore_ascii_case("to") => "to",
        4 if name.eq_ignore_ascii_case("from") => "from",
        7 if name.eq_ignore_ascii_case("list-id") => "list-id",
        10 if name.eq_ignore_ascii_case("message-id") => "message-id",
        11 if name.eq_ignore_ascii_case("return-path") => "return-path",
        _ => "",
    }
}

pub(super) fn original_from_text(t: &str) -> Original {
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

pub(super) fn collect_parts<'a>(msg: &'a Message<'a>) -> Parts<'a> {
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
