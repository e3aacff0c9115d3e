//! Header fields of a header block in plain text (a returned message's headers), unfolded,
//! optionally only the wanted ones.

use std::borrow::Cow;

use super::lines::{is_blank, lines};

/// Header fields of a header block (stops at the first blank line), unfolded. Names keep their
/// spelling; values are trimmed (borrowed from `text` unless a folded value had to be joined).
#[cfg(test)]
pub(crate) fn header_fields(text: &str) -> Vec<(&str, Cow<'_, str>)> {
    header_fields_where(text, |_| true)
}

/// [`header_fields`] keeping only the fields whose name `want` accepts: the others (and their
/// continuation lines) are skipped without joining their folded values.
pub(crate) fn header_fields_where(
    text: &str,
    want: impl Fn(&str) -> bool,
) -> Vec<(&str, Cow<'_, str>)> {
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
pub(crate) fn wanted_header_lines(text: &str, want: impl Fn(&str) -> bool) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
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
}
