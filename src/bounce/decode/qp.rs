//! Quoted-printable text parts rewritten as 8-bit text, decoded byte for byte the way
//! mail-parser's decoder would (its decoder is slow).

use super::mime::PartSpan;

/// A quoted-printable text part (`raw[p.body_start - p.head.len()..p.next]`, its header section
/// starting with the line break that ends the delimiter line) rewritten without its
/// `Content-Transfer-Encoding` field and with its body decoded: mail-parser reads the result as
/// the same text it decodes from the original (see [`qp_decode`]). `None` when the part is not
/// plainly one `text/*` part with one `Content-Transfer-Encoding: quoted-printable` field, or
/// when the decoding would not be the parser's for certain.
pub(super) fn qp_as_8bit(raw: &[u8], p: &PartSpan, boundary: &[u8]) -> Option<Vec<u8>> {
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

#[cfg(test)]
mod tests {
    use crate::bounce::decode::parse_message;
    use crate::bounce::decode::prepass::without_returned_body;
    use mail_parser::PartType;

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
    }
}
