//! RFC 3463 enhanced status codes (`class.subject.detail`, e.g. `5.1.1`): the type, and
//! finding and parsing one in reply lines and free text.

use serde::Serialize;

/// An RFC 3463 enhanced status code `class.subject.detail`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct EnhancedStatus {
    /// 2 (success), 4 (persistent transient) or 5 (permanent).
    pub class: u8,
    /// Subject (0..=999).
    pub subject: u16,
    /// Detail (0..=999).
    pub detail: u16,
}

impl std::fmt::Display for EnhancedStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.class, self.subject, self.detail)
    }
}

/// How many ASCII digits (at most `max`) start at `b[i]`.
fn digits(b: &[u8], i: usize, max: usize) -> usize {
    let mut n = 0;
    while i + n < b.len() && n < max && b[i + n].is_ascii_digit() {
        n += 1;
    }
    n
}

/// The value of a run of ASCII digits (saturating).
pub(super) fn num(b: &[u8]) -> u16 {
    b.iter().fold(0u16, |a, &d| {
        a.saturating_mul(10).saturating_add(u16::from(d - b'0'))
    })
}

impl EnhancedStatus {
    /// Parse a whole string such as `5.1.1` (surrounding white space allowed).
    pub fn parse(s: &str) -> Option<EnhancedStatus> {
        let t = s.trim().as_bytes();
        match Self::at(t, 0) {
            Some((st, end)) if end == t.len() => Some(st),
            _ => None,
        }
    }

    /// Parse `class.subject.detail` at the start of `s` (the first white-space-separated
    /// token), as an SMTP reply line carries it after the reply code (RFC 2034).
    pub fn parse_prefix(s: &str) -> Option<EnhancedStatus> {
        let token = s.split_ascii_whitespace().next()?;
        let mut it = token.split('.');
        let class: u8 = it.next()?.parse().ok()?;
        let subject: u16 = it.next()?.parse().ok()?;
        let detail: u16 = it.next()?.parse().ok()?;
        if it.next().is_some() || !matches!(class, 2 | 4 | 5) || subject > 999 || detail > 999 {
            return None;
        }
        Some(EnhancedStatus {
            class,
            subject,
            detail,
        })
    }

    /// The code starting at byte `i` of `b`, with the end offset.
    fn at(b: &[u8], i: usize) -> Option<(EnhancedStatus, usize)> {
        let c = *b.get(i)?;
        if !matches!(c, b'2' | b'4' | b'5') || b.get(i + 1) != Some(&b'.') {
            return None;
        }
        let j = i + 2;
        let n1 = digits(b, j, 3);
        if n1 == 0 || b.get(j + n1) != Some(&b'.') {
            return None;
        }
        let k = j + n1 + 1;
        let n2 = digits(b, k, 3);
        if n2 == 0 {
            return None;
        }
        Some((
            EnhancedStatus {
                class: c - b'0',
                subject: num(&b[j..j + n1]),
                detail: num(&b[k..k + n2]),
            },
            k + n2,
        ))
    }

    /// The first enhanced status code in free text, delimited by non-alphanumerics
    /// (so `5.1.1` in `#5.1.1` or `(5.1.1)` is found, `15.1.1` or `5.1.1.3` is not).
    pub fn find(text: &str) -> Option<EnhancedStatus> {
        Self::find_span(text).map(|(st, _)| st)
    }

    /// Like [`EnhancedStatus::find`], with the byte range of the code in `text` (so callers can
    /// keep the code as a slice of the text).
    pub fn find_span(text: &str) -> Option<(EnhancedStatus, std::ops::Range<usize>)> {
        let b = text.as_bytes();
        let mut i = 0;
        while i + 4 < b.len() {
            // (only a 2, 4 or 5 can start a code: memchr skips to the next one)
            match memchr::memchr3(b'2', b'4', b'5', &b[i..b.len() - 4]) {
                Some(k) => i += k,
                None => break,
            }
            match Self::span_at(b, i) {
                Ok(found) => return Some(found),
                Err(next) => i = next,
            }
        }
        None
    }

    /// The code delimited as [`EnhancedStatus::find`] wants it that starts at `b[i]` (a 2, 4
    /// or 5), or else where the search goes on.
    fn span_at(b: &[u8], i: usize) -> Result<(EnhancedStatus, std::ops::Range<usize>), usize> {
        if (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'.'))
            && let Some((st, end)) = Self::at(b, i)
        {
            let next = b.get(end).copied().unwrap_or(b' ');
            let after = b.get(end + 1).copied().unwrap_or(b' ');
            let dotted_more = next == b'.' && after.is_ascii_digit();
            if !next.is_ascii_alphanumeric() && !dotted_more {
                return Ok((st, i..end));
            }
            return Err(end);
        }
        Err(i + 1)
    }

    /// Every enhanced status code in free text, in order (at most 16).
    pub fn find_all(text: &str) -> Vec<EnhancedStatus> {
        let mut out = Vec::new();
        let mut rest = text;
        while out.len() < 16 {
            let Some(st) = Self::find(rest) else { break };
            out.push(st);
            // continue after this occurrence
            let needle = st.to_string();
            match rest.find(&needle) {
                Some(i) => rest = &rest[i + needle.len()..],
                None => break,
            }
        }
        out
    }

    /// Whether the class says the failure is permanent (5).
    pub fn is_permanent(self) -> bool {
        self.class == 5
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The byte-by-byte scan the memchr version replaces.
    fn find_span_bytewise(text: &str) -> Option<(EnhancedStatus, std::ops::Range<usize>)> {
        let b = text.as_bytes();
        let mut i = 0;
        while i + 4 < b.len() {
            if !matches!(b[i], b'2' | b'4' | b'5') {
                i += 1;
                continue;
            }
            match EnhancedStatus::span_at(b, i) {
                Ok(found) => return Some(found),
                Err(next) => i = next,
            }
        }
        None
    }

    proptest::proptest! {
        #[test]
        fn code_scan_matches_the_bytewise_one(text in "[0-9245.a -]{0,24}") {
            proptest::prop_assert_eq!(EnhancedStatus::find_span(&text), find_span_bytewise(&text));
        }
    }

    #[test]
    fn parse_prefix_reads_the_first_token() {
        let e = EnhancedStatus::parse_prefix("5.1.1 User unknown");
        assert_eq!(e.map(|e| e.to_string()), Some("5.1.1".into()));
        assert_eq!(EnhancedStatus::parse_prefix("5.1.1.1 x"), None);
        assert_eq!(EnhancedStatus::parse_prefix("3.1.1 x"), None);
    }
}
