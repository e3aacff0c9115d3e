//! Text made readable: HTML tags stripped (a few entities decoded), white space squeezed
//! and control characters dropped.

/// Remove HTML tags and decode a few entities (good enough to read bounce text).
pub(crate) fn strip_html(html: &str) -> String {
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
pub(crate) fn squeeze(s: &str, max: usize) -> String {
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

    proptest::proptest! {
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
