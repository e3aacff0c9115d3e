//! The cut between a plain-text notice and the returned message: marker lines (`--- Below
//! this line is a copy of the message.`, ...) or a block of the original's header fields.

use super::lines::{is_blank, is_unicode_space, lines_inclusive};

/// Whether a marker line (trimmed) can start with this byte: a decoration or the first letter
/// of `original`, `the original message was`, `content-type:`.
fn marker_start(b: u8) -> bool {
    matches!(
        b.to_ascii_lowercase(),
        b'-' | b'=' | b'*' | b'_' | b'[' | b'+' | b'|' | b'o' | b't' | b'c'
    )
}

/// Phrases of a decorated marker line that name the returned message (each has an `a`).
const ORIGINAL_PHRASES: [&str; 15] = [
    "original message",
    "copy of the message",
    "copy of your message",
    "returned message",
    "unsent message",
    "undelivered message",
    "message headers follow",
    "original mail",
    "headers of the original",
    "original headers",
    "message follows",
    "rejected message",
    "returned mail",
    "header of original",
    "message text follows",
];

/// Whether `lower` holds one of [`ORIGINAL_PHRASES`], with searchers built once (`contains`
/// sets one up per call); a line without an `a` (a separator) holds none.
fn names_original(lower: &str) -> bool {
    static F: std::sync::LazyLock<Vec<memchr::memmem::Finder<'static>>> =
        std::sync::LazyLock::new(|| ORIGINAL_PHRASES.map(memchr::memmem::Finder::new).to_vec());
    memchr::memchr(b'a', lower.as_bytes()).is_some()
        && F.iter().any(|f| f.find(lower.as_bytes()).is_some())
}

/// Lines that start the returned original message in a plain-text bounce.
fn is_original_marker(line: &str) -> bool {
    // the first byte after ASCII white space rejects most lines without a trim: the trimmed
    // line starts with it, and one starting with a letter is no decorated marker
    let b = line.as_bytes();
    match b.iter().position(|&c| !is_unicode_space(c)) {
        None => false,
        Some(i) if b[i].is_ascii() => {
            marker_start(b[i])
                && (!b[i].is_ascii_alphabetic() || undecorated_start(&b[i..]))
                && trimmed_marker(line.trim())
        }
        Some(_) => trimmed_marker(line.trim()),
    }
}

/// Whether `b` starts like an undecorated marker (`original `, `the original message was`,
/// `content-type:`, any case).
fn undecorated_start(b: &[u8]) -> bool {
    let starts_ci = |p: &str| b.len() >= p.len() && b[..p.len()].eq_ignore_ascii_case(p.as_bytes());
    starts_ci("original ") || starts_ci("the original message was") || starts_ci("content-type:")
}

/// [`is_original_marker`] for the trimmed line `t`.
fn trimmed_marker(t: &str) -> bool {
    if t.len() < 8 || t.len() > 200 {
        return false;
    }
    // cheap reject before allocating: markers start with a decoration or one of these words
    if !marker_start(t.as_bytes()[0]) {
        return false;
    }
    let decorated = t.starts_with("--")
        || t.starts_with("==")
        || t.starts_with("**")
        || t.starts_with("__")
        || t.starts_with("- ")
        || t.starts_with('[')
        || t.starts_with("++")
        || t.starts_with('|');
    // undecorated markers start with one of these (no allocation for ordinary lines)
    if !decorated && !undecorated_start(t.as_bytes()) {
        return false;
    }
    let lower = t.to_ascii_lowercase();
    if decorated && names_original(&lower) && !lower.contains("transcript") {
        return true;
    }
    lower.starts_with("--- below this line is a copy of the message")
        || lower.starts_with("------ this is a copy of the message")
        || lower.starts_with("original message follows")
        || (lower.starts_with("original mail") || lower.starts_with("original message"))
            && (lower.ends_with(':') || lower.ends_with("follows") || lower.ends_with("follows."))
        || lower.starts_with("original message headers")
        || lower.starts_with("--- the header of the original message is following")
        || lower.starts_with("the original message was") && lower.contains("below")
        || lower == "content-type: message/rfc822"
        || lower.starts_with("content-type: message/rfc822")
        || lower.starts_with("content-type: text/rfc822-headers")
}

fn is_header_line(line: &str) -> bool {
    let Some(colon) = line.find(':') else {
        return false;
    };
    colon > 1
        && colon < 40
        && line[..colon]
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-')
}

/// Split a plain-text notice into (notice, original) at the first marker line or at a block of
/// original-message headers (`Return-Path:`/`Received:` followed by more header lines).
pub(crate) fn split_original(body: &str) -> (&str, &str) {
    let mut prev_blank = true;
    let mut off = 0;
    let mut it = lines_inclusive(body);
    while let Some(raw_line) = it.next() {
        // (one line: at most one `\n`, at its end)
        let line = raw_line.strip_suffix('\n').unwrap_or(raw_line);
        if is_original_marker(line) {
            let next = off + line.len();
            let rest = body.get(next..).unwrap_or("");
            return (&body[..off], rest.trim_start_matches('\n'));
        }
        if prev_blank {
            let b = line.as_bytes();
            let starts_ci =
                |p: &str| b.len() >= p.len() && b[..p.len()].eq_ignore_ascii_case(p.as_bytes());
            let starts = starts_ci("return-path:")
                || starts_ci("received: from")
                || starts_ci("received: by")
                || starts_ci("dkim-signature:");
            if starts {
                let headerish = it
                    .clone()
                    .take(3)
                    .map(|l| l.trim_end_matches('\n'))
                    .filter(|l| is_header_line(l) || l.starts_with([' ', '\t']))
                    .count();
                if headerish >= 2 {
                    return (&body[..off], &body[off..]);
                }
            }
        }
        // (a line starting with a visible ASCII character is not blank: no trim)
        prev_blank = is_blank(line);
        off += raw_line.len();
    }
    (body, "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn original_phrases_have_an_a() {
        assert!(ORIGINAL_PHRASES.iter().all(|p| p.contains('a')));
    }

    proptest::proptest! {
        #[test]
        fn names_original_is_any_phrase(t in "(original|message|copy of|the|your|returned|mail|headers?|follows?|text|of|unsent|rejected| |-|=){0,12}") {
            let naive = ORIGINAL_PHRASES.iter().any(|p| t.contains(p));
            proptest::prop_assert_eq!(names_original(&t), naive);
        }

        #[test]
        fn marker_line_shortcuts(t in "( |\t|\u{a0}|\u{2003}|-|=|\\*|\\[|\\||original|Original |the original message was|content-type:|message follows|copy of the message|transcript|below|x|:|é){0,10}") {
            proptest::prop_assert_eq!(is_original_marker(&t), trimmed_marker(t.trim()));
            proptest::prop_assert_eq!(is_blank(&t), t.trim().is_empty());
        }
    }

    #[test]
    fn split() {
        let (n, o) =
            split_original("hi\n\n--- Below this line is a copy of the message.\n\nFrom: a@b.c\n");
        assert_eq!(n, "hi\n\n");
        assert!(o.starts_with("From:"));
    }
}
