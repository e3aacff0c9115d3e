//! A small element tree read with quick-xml: names, attributes and text only. Entities are
//! never expanded: a DOCTYPE that declares any, or a reference to an undeclared entity, makes
//! the document corrupt (XXE and billion-laughs inputs are refused, not followed). Bounded
//! depth and element count; never panics.

use quick_xml::events::Event;
use quick_xml::reader::Reader;

/// Deepest element nesting accepted.
const MAX_DEPTH: usize = 64;
/// Most elements accepted in one document.
const MAX_ELEMENTS: usize = 5_000_000;

/// One element: its local name, attributes, text (concatenated, trimmed) and children.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Element {
    /// The local name (namespace prefix removed).
    pub(crate) name: String,
    /// Attributes (`name`, unescaped value).
    pub(crate) attrs: Vec<(String, String)>,
    /// The text directly inside, trimmed.
    pub(crate) text: String,
    /// Child elements in order.
    pub(crate) children: Vec<Element>,
}

impl Element {
    /// The first child named `name` (ASCII case-insensitive).
    pub(crate) fn child(&self, name: &str) -> Option<&Element> {
        self.children
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(name))
    }

    /// Every child named `name`.
    pub(crate) fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children
            .iter()
            .filter(move |c| c.name.eq_ignore_ascii_case(name))
    }

    /// The text of the first child named `name`, or "".
    pub(crate) fn text_of(&self, name: &str) -> &str {
        self.child(name).map_or("", |c| c.text.as_str())
    }

    /// An attribute's value.
    pub(crate) fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
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

fn local(name: &[u8]) -> String {
    let n = match name.iter().rposition(|&b| b == b':') {
        Some(i) => &name[i + 1..],
        None => name,
    };
    String::from_utf8_lossy(n).into_owned()
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
fn unescape_attr(raw: &str) -> Result<String, XmlError> {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
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
    Ok(out)
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
pub(crate) fn parse(text: &str) -> Result<Element, XmlError> {
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
                name: local(s.name().as_ref()),
                ..Element::default()
            };
            for a in s.attributes().with_checks(false) {
                let a = a.map_err(|e| XmlError::Malformed(format!("attribute: {e}")))?;
                let v = String::from_utf8_lossy(&a.value);
                el.attrs.push((
                    String::from_utf8_lossy(a.key.as_ref()).into_owned(),
                    unescape_attr(&v)?,
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
                let t = el.text.trim();
                if t.len() != el.text.len() {
                    el.text = t.to_string();
                }
                close(el, &mut stack, &mut root);
            }
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&String::from_utf8_lossy(&t.into_inner()));
                } else if !t.iter().all(u8::is_ascii_whitespace) {
                    return Err(XmlError::Malformed("text outside the root element".into()));
                }
            }
            Event::CData(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&String::from_utf8_lossy(&t.into_inner()));
                }
            }
            Event::GeneralRef(r) => {
                let name = String::from_utf8_lossy(&r.into_inner()).into_owned();
                let c = resolve_ref(&name)?;
                if let Some(top) = stack.last_mut() {
                    top.text.push(c);
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
            stack.last().map_or("", |e| e.name.as_str())
        )));
    }
    root.ok_or_else(|| XmlError::Malformed("no root element".into()))
}

fn close(el: Element, stack: &mut [Element], root: &mut Option<Element>) {
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
