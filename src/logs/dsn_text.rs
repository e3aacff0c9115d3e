//! DSN and SMTP reply texts, shared by the MTA and ESP joins: the normalised shape of a text
//! for grouping, whether a text carries a given status code or marker, and the codes that mark
//! the deliverability signals (authentication required, rate limiting).

use crate::status::EnhancedStatus;

/// Codes that mean "authentication required" (Gmail/Yahoo 2024, Outlook 2025).
pub(crate) const AUTH_CODES: &[&str] = &["5.7.26", "5.7.515", "4.7.32"];
/// Codes and markers of sender rate limiting (Gmail 4.7.28, Yahoo TSS04).
pub(crate) const RATE_CODES: &[&str] = &["4.7.28", "TSS04"];

/// Normalise a DSN text for grouping: digits and long tokens with digits become `#`, white
/// space is squeezed, the result is cut at 200 characters.
pub(crate) fn normalize_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(220));
    for (i, word) in text.split_whitespace().enumerate() {
        if out.len() >= 200 {
            out.push('…');
            break;
        }
        if i > 0 {
            out.push(' ');
        }
        let digits = word.bytes().filter(u8::is_ascii_digit).count();
        let w = word.trim_end_matches('-');
        let is_code =
            EnhancedStatus::parse(word.trim_matches(|c: char| !c.is_ascii_alphanumeric()))
                .is_some()
                || (w.len() == 3
                    && matches!(w.as_bytes()[0], b'2' | b'4' | b'5')
                    && w.bytes().all(|c| c.is_ascii_digit()));
        if is_code {
            out.push_str(word);
        } else if digits > 0 && word.len() >= 8 {
            out.push('#');
        } else {
            let mut last_digit = false;
            for c in word.chars() {
                if c.is_ascii_digit() {
                    if !last_digit {
                        out.push('#');
                    }
                    last_digit = true;
                } else {
                    out.push(c);
                    last_digit = false;
                }
            }
        }
    }
    out
}

/// Whether `code` is the status `dsn` or stands in `text` as a whole token (not inside a
/// longer code such as `4.7.280`).
pub(crate) fn has_code(dsn: &str, text: &str, code: &str) -> bool {
    if dsn == code {
        return true;
    }
    let b = text.as_bytes();
    let mut from = 0;
    while let Some(i) = memchr::memmem::find(&b[from..], code.as_bytes()) {
        let at = from + i;
        let end = at + code.len();
        let before_ok = at == 0 || !b[at - 1].is_ascii_alphanumeric() && b[at - 1] != b'.';
        let after_ok = end >= b.len() || !b[end].is_ascii_digit();
        if before_ok && after_ok {
            return true;
        }
        from = end;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_texts() {
        assert_eq!(
            normalize_text("550 5.1.1 <a@b>: user 12 unknown  abc123def456"),
            "550 5.1.1 <a@b>: user # unknown #"
        );
        assert!(has_code("", "421-4.7.28 rate", "4.7.28"));
        assert!(!has_code("", "421 4.7.280 x", "4.7.28"));
        assert!(has_code("", "[TSS04] Messages", "TSS04"));
    }
}
