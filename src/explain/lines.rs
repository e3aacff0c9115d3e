//! The inputs of a stream: one per line, except that the lines of a multi-line SMTP reply
//! (`550-5.7.1 ...` continued up to `550 5.7.1 ...`) are one input.

/// Split `text` into inputs: blank lines are skipped; a line starting `NNN-` is joined with
/// the lines after it up to the one starting `NNN ` (or the end, or a line of another shape).
pub fn explain_lines(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut open: Option<(String, String)> = None; // (code, joined text)
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        let code = continued_code(line);
        if let Some((c, mut acc)) = open.take() {
            let same = line.len() >= 4 && line.as_bytes()[..3] == *c.as_bytes();
            if same {
                acc.push(' ');
                acc.push_str(line);
                if code.is_some() {
                    open = Some((c, acc));
                } else {
                    out.push(acc);
                }
                continue;
            }
            out.push(acc);
        }
        if line.trim().is_empty() {
            continue;
        }
        match code {
            Some(c) => open = Some((c.to_string(), line.to_string())),
            None => out.push(line.to_string()),
        }
    }
    if let Some((_, acc)) = open {
        out.push(acc);
    }
    out
}

/// The reply code of a continued reply line (`550-...`).
fn continued_code(line: &str) -> Option<&str> {
    let b = line.as_bytes();
    (b.len() >= 4
        && matches!(b[0], b'2' | b'4' | b'5')
        && b[1].is_ascii_digit()
        && b[2].is_ascii_digit()
        && b[3] == b'-')
        .then(|| &line[..3])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_line_replies_are_one_input() {
        let t = "550-5.7.26 This mail is unauthenticated.\r\n550-5.7.26 Read more\r\n\
                 550 5.7.26 at the link.\n\n421 4.7.0 later\n550-open\n";
        assert_eq!(
            explain_lines(t),
            vec![
                "550-5.7.26 This mail is unauthenticated. 550-5.7.26 Read more 550 5.7.26 at \
                 the link.",
                "421 4.7.0 later",
                "550-open",
            ]
        );
        assert_eq!(
            explain_lines("550-a\nplain\n"),
            vec!["550-a".to_string(), "plain".to_string()]
        );
        assert!(explain_lines("\n \n").is_empty());
    }
}
