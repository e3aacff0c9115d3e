//! Event times: Unix seconds, ISO 8601 / RFC 3339 and the `YYYY-MM-DD HH:MM:SS` of CSV
//! exports, read into Unix seconds; and Unix seconds written back as RFC 3339 UTC.

use crate::civil::days_from_civil;
pub(crate) use crate::civil::rfc3339;

/// Parse a time: Unix seconds (integer or fractional, milliseconds when 13 digits), or a date
/// `YYYY-MM-DD` optionally followed by `T` or a space, `HH:MM[:SS[.fff]]` and a zone (`Z`,
/// `UTC`, `+HH:MM`, `+HHMM`); no zone is UTC.
pub(crate) fn parse(s: &str) -> Option<i64> {
    let s = s.trim().trim_matches('"').trim();
    if s.is_empty() {
        return None;
    }
    let b = s.as_bytes();
    if b.iter().all(|c| c.is_ascii_digit() || *c == b'.') {
        let int = s.split('.').next()?;
        let v: i64 = int.parse().ok()?;
        return Some(if int.len() >= 13 { v / 1000 } else { v });
    }
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let p = s.get(r)?;
        p.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| p.parse().ok())
            .flatten()
    };
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) {
        return None;
    }
    let mut t = days_from_civil(y, mo as u32, d as u32) * 86_400;
    let rest = &s[10..];
    if rest.is_empty() {
        return Some(t);
    }
    let rest = rest.strip_prefix(['T', ' ', 't'])?;
    let rb = rest.as_bytes();
    if rb.len() < 5 || rb[2] != b':' {
        return None;
    }
    let two = |i: usize| -> Option<i64> {
        let p = rest.get(i..i + 2)?;
        p.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| p.parse().ok())
            .flatten()
    };
    let (h, mi) = (two(0)?, two(3)?);
    let mut i = 5;
    let mut sec = 0;
    if rb.get(5) == Some(&b':') {
        sec = two(6)?;
        i = 8;
    }
    if h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    t += h * 3600 + mi * 60 + sec;
    if rb.get(i) == Some(&b'.') || rb.get(i) == Some(&b',') {
        i += 1;
        while rb.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
    }
    let zone = rest[i..].trim();
    match zone {
        "" | "Z" | "z" | "UTC" | "GMT" | "+00:00" | "+0000" => Some(t),
        z => {
            let zb = z.as_bytes();
            let sign = match zb.first() {
                Some(b'+') => 1,
                Some(b'-') => -1,
                _ => return None,
            };
            let digits: String = z[1..].chars().filter(|c| *c != ':').collect();
            if digits.len() != 4 || !digits.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            let off =
                digits[..2].parse::<i64>().ok()? * 3600 + digits[2..].parse::<i64>().ok()? * 60;
            Some(t - sign * off)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        assert_eq!(parse("1700000000"), Some(1_700_000_000));
        assert_eq!(parse("1700000000.25"), Some(1_700_000_000));
        assert_eq!(parse("1700000000123"), Some(1_700_000_000));
        assert_eq!(parse("2023-11-14T22:13:20Z"), Some(1_700_000_000));
        assert_eq!(parse("2023-11-14T22:13:20.123456Z"), Some(1_700_000_000));
        assert_eq!(parse("2023-11-14 22:13:20"), Some(1_700_000_000));
        assert_eq!(parse("2023-11-15T00:13:20+02:00"), Some(1_700_000_000));
        assert_eq!(parse("2023-11-14T17:13:20-0500"), Some(1_700_000_000));
        assert_eq!(parse("2023-11-14"), Some(1_699_920_000));
        assert_eq!(parse("2023-11-14 22:13"), Some(1_699_999_980));
        for bad in [
            "",
            "yesterday",
            "2023-13-01",
            "2023-11-14X",
            "2023-11-14T25:00:00Z",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        for t in [0, 951_782_400, 1_700_000_000, 4_102_444_800] {
            assert_eq!(parse(&rfc3339(t)), Some(t));
        }
    }
}
