//! A small element tree read with quick-xml: names, attributes and text only. Entities are
//! never expanded: a DOCTYPE that declares any, or a reference to an undeclared entity, makes
//! the document corrupt (XXE and billion-laughs inputs are refused, not followed). Bounded
//! depth and element count; never panics.

use std::borrow::Cow;

use quick_xml::events::Event;
use quick_xml::reader::Reader;

/// Deepest element nesting accepted.
const MAX_DEPTH: usize = 64;
/// Most elements accepted in one document.
const MAX_ELEMENTS: usize = 5_000_000;

/// One element: its local name, attributes, text (concatenated, trimmed) and children.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Element<'a> {
    /// The local name (namespace prefix removed).
    pub(crate) name: Cow<'a, str>,
    /// Attributes (`name`, unescaped value).
    pub(crate) attrs: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    /// The text directly inside, trimmed (borrowed from the document when it is one piece).
    pub(crate) text: Cow<'a, str>,
    /// Child elements in order.
    pub(crate) children: Vec<Element<'a>>,
}

impl<'a> Element<'a> {
    /// An attribute's value.
    pub(crate) fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_ref())
    }
}

/// What the report readers ask of an element, whichever tree holds it: this element tree or
/// the flat one of the fast path (`scan`), so both are read by the same code.
pub(crate) trait Node<'t>: Copy {
    /// The local name (namespace prefix removed).
    fn name(self) -> &'t str;
    /// The text directly inside, trimmed.
    fn text(self) -> &'t str;
    /// An attribute's value (the first of that name).
    fn attr(self, name: &str) -> Option<&'t str>;
    /// The child elements in order.
    fn children(self) -> impl Iterator<Item = Self>;

    /// The first child named `name` (ASCII case-insensitive).
    fn child(self, name: &str) -> Option<Self> {
        self.children()
            .find(|c| c.name().eq_ignore_ascii_case(name))
    }

    /// Every child named `name`.
    fn all(self, name: &str) -> impl Iterator<Item = Self> {
        self.children()
            .filter(move |c| c.name().eq_ignore_ascii_case(name))
    }

    /// The text of the first child named `name`, or "".
    fn text_of(self, name: &str) -> &'t str {
        self.child(name).map_or("", |c| c.text())
    }
}

impl<'t, 'a: 't> Node<'t> for &'t Element<'a> {
    fn name(self) -> &'t str {
        &self.name
    }

    fn text(self) -> &'t str {
        &self.text
    }

    fn attr(self, name: &str) -> Option<&'t str> {
        Element::attr(self, name)
    }

    fn children(self) -> impl Iterator<Item = Self> {
        self.children.iter()
    }
}

/// Why a document could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum XmlError {
    /// Entities are declared or referenced: refused, never expanded.
    Entities(String),
    /// Not well-formed.
    Malformed(String),
    /// Too deep or too many elements.
    TooBig(String),
}

/// `bytes` as text of the document `src` when they are a slice of it (events of a reader over
/// a `&str` borrow it: no second UTF-8 check, no copy), else a lossy copy.
fn text_of<'a>(src: &'a str, bytes: &[u8]) -> Cow<'a, str> {
    let start = (bytes.as_ptr() as usize).wrapping_sub(src.as_ptr() as usize);
    match start
        .checked_add(bytes.len())
        .and_then(|end| src.get(start..end))
    {
        Some(t) => Cow::Borrowed(t),
        None => Cow::Owned(String::from_utf8_lossy(bytes).into_owned()),
    }
}

fn local<'a>(src: &'a str, name: &[u8]) -> Cow<'a, str> {
    let n = match name.iter().rposition(|&b| b == b':') {
        Some(i) => &name[i + 1..],
        None => name,
    };
    text_of(src, n)
}

/// Append a piece of text to an element's text (which is trimmed at its end: white space
/// before the piece is dropped rather than copied).
fn push_text<'a>(text: &mut Cow<'a, str>, piece: Cow<'a, str>) {
    if text.trim().is_empty() {
        *text = piece;
    } else {
        text.to_mut().push_str(&piece);
    }
}

fn predefined(name: &str) -> Option<char> {
    Some(match name {
        "lt" => '<',
        "gt" => '>',
        "amp" => '&',
        "apos" => '\'',
        "quot" => '"',
        _ => return None,
    })
}

/// Unescape an attribute value: predefined entities and character references only.
fn unescape_attr(raw: Cow<'_, str>) -> Result<Cow<'_, str>, XmlError> {
    if !raw.contains('&') {
        return Ok(raw);
    }
    let mut out = String::with_capacity(raw.len());
    let mut rest: &str = &raw;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let Some(end) = after.find(';') else {
            return Err(XmlError::Malformed(
                "unterminated reference in attribute".into(),
            ));
        };
        let name = &after[..end];
        out.push(resolve_ref(name)?);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(Cow::Owned(out))
}

fn resolve_ref(name: &str) -> Result<char, XmlError> {
    if let Some(c) = predefined(name) {
        return Ok(c);
    }
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok(),
            None => num.parse::<u32>().ok(),
        };
        return code
            .and_then(char::from_u32)
            .ok_or_else(|| XmlError::Malformed(format!("bad character reference &{name};")));
    }
    Err(XmlError::Entities(format!(
        "reference to entity &{name}; (entities are not expanded)"
    )))
}

/// Parse a document into its root element.
pub(crate) fn parse(text: &str) -> Result<Element<'_>, XmlError> {
    let mut reader = Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let mut count = 0usize;
    loop {
        let ev = reader.read_event().map_err(|e| {
            XmlError::Malformed(format!("at byte {}: {e}", reader.error_position()))
        })?;
        let (start, empty) = match &ev {
            Event::Start(s) => (Some(s), false),
            Event::Empty(s) => (Some(s), true),
            _ => (None, false),
        };
        if let Some(s) = start {
            if root.is_some() {
                return Err(XmlError::Malformed("content after the root element".into()));
            }
            count += 1;
            if count > MAX_ELEMENTS || stack.len() >= MAX_DEPTH {
                return Err(XmlError::TooBig(format!(
                    "more than {MAX_DEPTH} levels or {MAX_ELEMENTS} elements"
                )));
            }
            let mut el = Element {
                name: local(text, s.name().as_ref()),
                ..Element::default()
            };
            for a in s.attributes().with_checks(false) {
                let a = a.map_err(|e| XmlError::Malformed(format!("attribute: {e}")))?;
                el.attrs.push((
                    text_of(text, a.key.as_ref()),
                    unescape_attr(text_of(text, &a.value))?,
                ));
            }
            if empty {
                close(el, &mut stack, &mut root);
            } else {
                stack.push(el);
            }
            continue;
        }
        match ev {
            Event::End(_) => {
                let Some(mut el) = stack.pop() else {
                    return Err(XmlError::Malformed("end tag without start".into()));
                };
                el.text = match el.text {
                    Cow::Borrowed(t) => Cow::Borrowed(t.trim()),
                    Cow::Owned(t) if t.trim().len() != t.len() => Cow::Owned(t.trim().to_string()),
                    owned => owned,
                };
                close(el, &mut stack, &mut root);
            }
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    push_text(&mut top.text, text_of(text, &t));
                } else if !t.iter().all(u8::is_ascii_whitespace) {
                    return Err(XmlError::Malformed("text outside the root element".into()));
                }
            }
            Event::CData(t) => {
                if let Some(top) = stack.last_mut() {
                    push_text(&mut top.text, text_of(text, &t));
                }
            }
            Event::GeneralRef(r) => {
                let name = String::from_utf8_lossy(&r.into_inner()).into_owned();
                let c = resolve_ref(&name)?;
                if let Some(top) = stack.last_mut() {
                    top.text.to_mut().push(c);
                }
            }
            Event::DocType(d) => {
                let body = String::from_utf8_lossy(&d.into_inner()).to_ascii_uppercase();
                if body.contains("<!ENTITY") || body.contains('[') {
                    return Err(XmlError::Entities(
                        "DOCTYPE with an internal subset (entity declarations): refused, \
                         entities are never expanded"
                            .into(),
                    ));
                }
                if body.contains("SYSTEM") || body.contains("PUBLIC") {
                    return Err(XmlError::Entities(
                        "DOCTYPE naming an external DTD: refused, never fetched".into(),
                    ));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !stack.is_empty() {
        return Err(XmlError::Malformed(format!(
            "unexpected end of document inside <{}>",
            stack.last().map_or("", |e| e.name.as_ref())
        )));
    }
    root.ok_or_else(|| XmlError::Malformed("no root element".into()))
}

fn close<'a>(el: Element<'a>, stack: &mut [Element<'a>], root: &mut Option<Element<'a>>) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(el),
        None => *root = Some(el),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tree_and_text() {
        let r = parse(
            "<?xml version=\"1.0\"?><a x=\"1&amp;2\"><b> hi &amp; &#65; </b><c/><b>2</b></a>",
        )
        .unwrap();
        assert_eq!(r.name, "a");
        assert_eq!(r.attr("x"), Some("1&2"));
        assert_eq!(r.text_of("b"), "hi & A");
        assert_eq!(r.all("b").count(), 2);
        assert!(r.child("c").is_some());
        // text around children is joined, then trimmed; borrowed when it is one piece
        let r = parse("<a>\n <x/> one <x/> two\n<x> <![CDATA[ c ]]></x>&#33;</a>").unwrap();
        assert_eq!(r.text, "one  two\n!");
        assert_eq!(r.children[2].text, "c");
        assert!(matches!(r.children[2].text, Cow::Borrowed(_)));
    }

    #[test]
    fn entities_refused() {
        let doc = "<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY x \"xxxxxxxx\"><!ENTITY y \"&x;&x;&x;\">]><a>&y;</a>";
        assert!(matches!(parse(doc), Err(XmlError::Entities(_))));
        let ext = "<!DOCTYPE a SYSTEM \"file:///etc/passwd\"><a/>";
        assert!(matches!(parse(ext), Err(XmlError::Entities(_))));
        assert!(matches!(parse("<a>&nbsp;</a>"), Err(XmlError::Entities(_))));
    }

    #[test]
    fn malformed() {
        assert!(matches!(parse("<a><b></a>"), Err(XmlError::Malformed(_))));
        assert!(matches!(parse("<a><b>"), Err(XmlError::Malformed(_))));
        assert!(matches!(parse(""), Err(XmlError::Malformed(_))));
        let deep = "<a>".repeat(100);
        assert!(matches!(parse(&deep), Err(XmlError::TooBig(_))));
    }
}
