//! Lines of a text (found with `memchr`) and blank-line tests without a trim.

/// The lines of a text with their `\n`, like `str::split_inclusive('\n')`, found with the
/// `memchr` crate (faster than the standard library's search on the many short lines of a
/// notice).
#[derive(Clone)]
pub(crate) struct LinesInclusive<'a> {
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
pub(crate) fn lines_inclusive(s: &str) -> LinesInclusive<'_> {
    LinesInclusive { s, pos: 0 }
}

/// The lines of a text without their line ends, like `str::lines` (a `\r` is removed only
/// before a `\n`).
pub(crate) fn lines(s: &str) -> impl Iterator<Item = &str> + Clone {
    lines_inclusive(s).map(|l| match l.strip_suffix('\n') {
        Some(l) => l.strip_suffix('\r').unwrap_or(l),
        None => l,
    })
}

/// Whether an ASCII byte is white space for `str::trim` (Unicode White_Space: `\x0b` too).
pub(super) fn is_unicode_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// `line.trim().is_empty()`, trimming only when a non-ASCII byte follows the leading ASCII
/// white space.
pub(super) fn is_blank(line: &str) -> bool {
    match line.bytes().find(|&c| !is_unicode_space(c)) {
        None => true,
        Some(c) if c.is_ascii() => false,
        Some(_) => line.trim().is_empty(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
