//! The fast shape check: whether an address is a simple `local@domain` (one `@`, no quoting,
//! no address literal) that can take the cached path, found eight bytes at a time.

/// The shape of an address, for choosing the cached fast path.
pub(super) enum Shape<'a> {
    /// Unquoted local part, one @, a domain name: (local, domain).
    Simple(&'a str, &'a str),
    /// Longer than any address can be.
    TooLong,
    /// Anything else (quoted local part, address literal, no @, ...): the full parser.
    Other,
}

/// A bit 0x80 in each byte of `w` that is zero (exact: no borrow between bytes).
fn zero_bytes(w: u64) -> u64 {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    !(((w & LOW7).wrapping_add(LOW7)) | w | LOW7)
}

/// The position of the only `@` in `b`, when there is exactly one and no `<` or `>`. Eight
/// bytes at a time.
fn single_at(b: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    let (at, lt, gt) = (
        ONES * u64::from(b'@'),
        ONES * u64::from(b'<'),
        ONES * u64::from(b'>'),
    );
    let mut found = None;
    // Word `w` holds the bytes from `i` on (zero bytes past the end match nothing).
    let mut check = |w: u64, i: usize| -> bool {
        if zero_bytes(w ^ lt) | zero_bytes(w ^ gt) != 0 {
            return false;
        }
        let m = zero_bytes(w ^ at);
        if m != 0 {
            if found.is_some() || m & (m - 1) != 0 {
                return false;
            }
            found = Some(i + (m.trailing_zeros() / 8) as usize);
        }
        true
    };
    let n = b.len();
    let mut words = b.chunks_exact(8);
    for (k, c) in (&mut words).enumerate() {
        if !check(u64::from_le_bytes(c.try_into().expect("8 bytes")), k * 8) {
            return None;
        }
    }
    let rest = words.remainder().len();
    if rest > 0 {
        let w = if n >= 8 {
            // The last eight bytes, shifted so that only the `rest` unchecked ones remain.
            let last = u64::from_le_bytes(b[n - 8..].try_into().expect("8 bytes"));
            last >> ((8 - rest) * 8)
        } else {
            let mut word = [0u8; 8];
            word[..n].copy_from_slice(b);
            u64::from_le_bytes(word)
        };
        if !check(w, n - rest) {
            return None;
        }
    }
    found
}

/// The shape of `s`: simple, too long, or anything else.
pub(super) fn fast_shape(s: &str) -> Shape<'_> {
    if s.len() > 254 {
        return Shape::TooLong;
    }
    // Exactly one @, and no angle brackets.
    let b = s.as_bytes();
    let Some(at) = single_at(b) else {
        return Shape::Other;
    };
    let (local, domain) = (&s[..at], &s[at + 1..]);
    if local.is_empty() || domain.is_empty() || b[0] == b'"' || b[at + 1] == b'[' {
        return Shape::Other;
    }
    Shape::Simple(local, domain)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_at_matches_a_byte_scan() {
        let reference = |b: &[u8]| {
            let ats: Vec<usize> = (0..b.len()).filter(|&i| b[i] == b'@').collect();
            (ats.len() == 1 && !b.iter().any(|&c| c == b'<' || c == b'>')).then(|| ats[0])
        };
        let bytes = [
            b'a', b'@', b'<', b'>', b'A', b'?', 0, 0x80, 0xc0, 0x7f, b'.',
        ];
        // Mostly plain letters, so that many strings have exactly one @.
        for s in crate::testgen::mostly(1, 40, 400, 5, &bytes, b'x') {
            assert_eq!(single_at(&s), reference(&s), "{s:?}");
        }
        assert_eq!(single_at(b"a@A"), Some(1));
        assert_eq!(single_at(b"abcdefg@ABCDEFGH"), Some(7));
        assert_eq!(single_at(b"abcdefgh@bcdefgh@"), None);
    }
}
