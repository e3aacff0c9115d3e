//! SMTP reply codes (RFC 5321 §4.2): their classes, and finding one in free text.

use super::enhanced::num;

/// Whether a reply code is positive (2xx).
pub(crate) fn is_positive(code: u16) -> bool {
    (200..300).contains(&code)
}

/// Whether a reply code is a transient failure (4xx).
pub(crate) fn is_transient(code: u16) -> bool {
    (400..500).contains(&code)
}

/// Whether a reply code is a permanent failure (5xx).
pub(crate) fn is_permanent(code: u16) -> bool {
    (500..600).contains(&code)
}

/// The first SMTP reply code (2xx, 4xx, 5xx with a valid second digit) in free text that stands
/// alone as a word, e.g. `550` in `550 5.1.1 User unknown` or `said: 550-Mailbox`.
pub fn find_reply_code(text: &str) -> Option<u16> {
    let b = text.as_bytes();
    let mut i = 0;
    while i + 3 <= b.len() {
        // (only a 2, 4 or 5 can start a reply code: memchr skips to the next one)
        match memchr::memchr3(b'2', b'4', b'5', &b[i..=b.len() - 3]) {
            Some(k) => i += k,
            None => break,
        }
        if reply_code_at(b, i) {
            return Some(num(&b[i..i + 3]));
        }
        i += 1;
    }
    None
}

/// Whether a reply code starts at `b[i]` (a 2, 4 or 5 with room for three digits).
fn reply_code_at(b: &[u8], i: usize) -> bool {
    (i == 0
        || !(b[i - 1].is_ascii_alphanumeric()
            || matches!(b[i - 1], b'.' | b'-' | b':' | b'/' | b'#' | b'=' | b'+')))
        && b[i + 1].is_ascii_digit()
        && b[i + 2].is_ascii_digit()
        && b[i + 1] <= b'5'
        // `550-5.1.1` and `550 5.1.1` are replies; `200 OK` is too. A number followed by a
        // dot-free word is accepted; dates like `2014` are excluded by the 3 digits rule (the
        // fourth char must not be a digit).
        && (matches!(b.get(i + 3), Some(b' ' | b'-' | b'\t' | b'\n' | b'\r')) || i + 3 == b.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The byte-by-byte scan the memchr version replaces.
    fn reply_code_bytewise(text: &str) -> Option<u16> {
        let b = text.as_bytes();
        let mut i = 0;
        while i + 3 <= b.len() {
            if matches!(b[i], b'2' | b'4' | b'5') && reply_code_at(b, i) {
                return Some(num(&b[i..i + 3]));
            }
            i += 1;
        }
        None
    }

    proptest::proptest! {
        #[test]
        fn reply_code_scan_matches_the_bytewise_one(text in "[0-9245.a -]{0,24}") {
            proptest::prop_assert_eq!(find_reply_code(&text), reply_code_bytewise(&text));
        }
    }
}
