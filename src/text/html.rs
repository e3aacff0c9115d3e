//! HTML and SVG text for the self-contained report pages: the escaped text splice and the
//! XML-syntax empty element, shared by every page rendered with `maud`.

use std::fmt::Write as _;

use maud::{Escaper, Render};

/// Text spliced into a page. The template escapes it with maud's escaper (`&`, `<`, `>`, `"`);
/// on top of that, characters XML does not allow and bidirectional overrides become U+FFFD,
/// and `'` is written `&#39;`.
pub(crate) struct Text<'a>(pub(crate) &'a str);

/// Characters replaced by U+FFFD: controls (not allowed in XML) other than tab and newline,
/// bidirectional overrides and isolates, noncharacters.
fn unwanted(c: char) -> bool {
    c != '\t'
        && c != '\n'
        && (c.is_control()
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{fffe}' | '\u{ffff}'))
}

impl Render for Text<'_> {
    fn render_to(&self, buffer: &mut String) {
        let mut rest = self.0;
        while let Some(i) = rest.find(|c| c == '\'' || unwanted(c)) {
            let _ = Escaper::new(buffer).write_str(&rest[..i]);
            let c = rest[i..].chars().next().unwrap_or('\u{fffd}');
            buffer.push_str(if c == '\'' { "&#39;" } else { "\u{fffd}" });
            rest = &rest[i + c.len_utf8()..];
        }
        let _ = Escaper::new(buffer).write_str(rest);
    }
}

/// An empty element in XML syntax (`<rect .../>`): maud writes void elements the HTML way
/// (`<meta ...>`), which is not well-formed XML. Attribute values are rendered (escaped) by
/// their [`Render`] implementation.
pub(crate) struct Empty<'a>(
    pub(crate) &'static str,
    pub(crate) &'a [(&'static str, &'a dyn Render)],
);

impl Render for Empty<'_> {
    fn render_to(&self, buffer: &mut String) {
        buffer.push('<');
        buffer.push_str(self.0);
        for (name, value) in self.1 {
            buffer.push(' ');
            buffer.push_str(name);
            buffer.push_str("=\"");
            value.render_to(buffer);
            buffer.push('"');
        }
        buffer.push_str("/>");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn esc(s: &str) -> String {
        Text(s).render().into_string()
    }

    #[test]
    fn escapes() {
        assert_eq!(
            esc("<script>a&b\"'</script>\u{1b}\u{202e}"),
            "&lt;script&gt;a&amp;b&quot;&#39;&lt;/script&gt;\u{fffd}\u{fffd}"
        );
    }

    #[test]
    fn empty_element_escapes_attributes() {
        let e = Empty("rect", &[("x", &1.5), ("fill", &Text("\"><script>"))]);
        assert_eq!(
            e.render().into_string(),
            "<rect x=\"1.5\" fill=\"&quot;&gt;&lt;script&gt;\"/>"
        );
    }
}
