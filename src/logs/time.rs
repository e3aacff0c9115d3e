//! Timestamps: syslog (BSD `Mar 11 00:06:59` and
//! RFC 3339), Exim (`2024-03-11 00:06:59`) and ISO 8601 forms, and year inference for BSD
//! syslog, which has no year.

pub(crate) use crate::civil::{civil_from_days, days_from_civil};

/// `YYYY-MM-DD` of a Unix time (UTC).
pub(crate) fn day_string(t: i64) -> String {
    crate::civil::date(t)
}

/// `YYYY-MM-DDTHH:00Z` of the hour holding a Unix time (UTC).
pub(crate) fn hour_string(t: i64) -> String {
    let h = t.div_euclid(3600);
    let (y, m, d) = civil_from_days(h.div_euclid(24));
    format!("{y:04}-{m:02}-{d:02}T{:02}:00Z", h.rem_euclid(24))
}

fn digits(b: &[u8]) -> Option<u32> {
    if b.is_empty() || b.len() > 9 {
        return None;
    }
    let mut v = 0u32;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + (c - b'0') as u32;
    }
    Some(v)
}

/// Month number (1-12) of an English three-letter abbreviation.
pub(crate) fn month(b: &[u8]) -> Option<u32> {
    const M: [&[u8; 3]; 12] = [
        b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov",
        b"Dec",
    ];
    let b: &[u8; 3] = b.get(..3)?.try_into().ok()?;
    M.iter().position(|m| *m == b).map(|i| i as u32 + 1)
}

fn hms(b: &[u8]) -> Option<i64> {
    if b.len() < 8 || b[2] != b':' || b[5] != b':' {
        return None;
    }
    let (h, m, s) = (digits(&b[0..2])?, digits(&b[3..5])?, digits(&b[6..8])?);
    if h > 23 || m > 59 || s > 60 {
        return None;
    }
    Some(h as i64 * 3600 + m as i64 * 60 + s as i64)
}

fn ymd(b: &[u8]) -> Option<(i64, u32, u32)> {
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, m, d) = (digits(&b[0..4])?, digits(&b[5..7])?, digits(&b[8..10])?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    Some((y as i64, m, d))
}

/// A BSD syslog stamp without its year: month, day, seconds of the day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BsdStamp {
    /// Month 1-12.
    pub month: u32,
    /// Day of month.
    pub day: u32,
    /// Seconds since midnight.
    pub secs: i64,
}

/// Parse `Mmm dd hh:mm:ss` (15 bytes; the day may be space-padded).
pub(crate) fn parse_bsd(b: &[u8]) -> Option<BsdStamp> {
    if b.len() < 15 || b[3] != b' ' || b[6] != b' ' {
        return None;
    }
    let month = month(&b[0..3])?;
    let day = if b[4] == b' ' {
        digits(&b[5..6])?
    } else {
        digits(&b[4..6])?
    };
    if !(1..=31).contains(&day) {
        return None;
    }
    Some(BsdStamp {
        month,
        day,
        secs: hms(&b[7..15])?,
    })
}

/// Parse an ISO 8601 / RFC 3339 time (`2024-03-11T00:06:59.123+01:00`, `Z`, or a space instead
/// of `T`; no zone means UTC). Returns Unix seconds and the number of bytes used.
pub(crate) fn parse_iso(b: &[u8]) -> Option<(i64, usize)> {
    let (y, m, d) = ymd(b)?;
    if b.len() < 19 || !matches!(b[10], b'T' | b' ' | b't') {
        return None;
    }
    let mut t = days_from_civil(y, m, d) * 86400 + hms(&b[11..19])?;
    let mut i = 19;
    if b.get(i) == Some(&b'.') {
        i += 1;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
    }
    match b.get(i) {
        Some(b'Z' | b'z') => i += 1,
        Some(&s @ (b'+' | b'-')) if b.len() >= i + 6 && b[i + 3] == b':' => {
            let off =
                digits(&b[i + 1..i + 3])? as i64 * 3600 + digits(&b[i + 4..i + 6])? as i64 * 60;
            t += if s == b'+' { -off } else { off };
            i += 6;
        }
        Some(&s @ (b'+' | b'-'))
            if b.len() >= i + 5 && b[i + 1..i + 5].iter().all(u8::is_ascii_digit) =>
        {
            let off =
                digits(&b[i + 1..i + 3])? as i64 * 3600 + digits(&b[i + 3..i + 5])? as i64 * 60;
            t += if s == b'+' { -off } else { off };
            i += 5;
        }
        _ => {}
    }
    Some((t, i))
}

/// Turns year-less BSD stamps into Unix times: starts from a given year and moves to the next
/// year when the month falls back by more than six months (Dec -> Jan), to the previous one when
/// it jumps forward by more than six months (a late line from before New Year).
#[derive(Debug, Clone)]
pub(crate) struct YearInference {
    year: i64,
    last_month: Option<u32>,
    cache: Option<([u8; 15], i64)>,
}

impl YearInference {
    /// Start in `year`.
    pub(crate) fn new(year: i64) -> Self {
        YearInference {
            year,
            last_month: None,
            cache: None,
        }
    }

    /// The year the next line is assumed to be in.
    #[cfg(test)]
    pub(crate) fn year(&self) -> i64 {
        self.year
    }

    /// Unix time of a BSD stamp (the 15 bytes `raw` are used as a cache key).
    pub(crate) fn resolve(&mut self, raw: &[u8], s: BsdStamp) -> i64 {
        if let Some((k, t)) = &self.cache
            && raw.len() >= 15
            && k[..] == raw[..15]
        {
            return *t;
        }
        let mut year = self.year;
        if let Some(last) = self.last_month {
            if s.month + 6 < last {
                self.year += 1;
                year = self.year;
            } else if s.month > last + 6 {
                // one out-of-order line from the previous year: do not move the window
                year -= 1;
            }
        }
        if year == self.year {
            self.last_month = Some(s.month);
        }
        let t = days_from_civil(year, s.month, s.day) * 86400 + s.secs;
        if raw.len() >= 15 {
            let mut k = [0u8; 15];
            k.copy_from_slice(&raw[..15]);
            self.cache = Some((k, t));
        }
        t
    }
}

/// The current year (UTC) from the system clock.
pub(crate) fn current_year() -> i64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    civil_from_days(now.div_euclid(86400)).0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip() {
        for z in [-800_000i64, -1, 0, 1, 19_793, 2_932_896] {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
        assert_eq!(days_from_civil(2024, 3, 11), 19_793);
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
        assert_eq!(hour_string(1_710_115_619), "2024-03-11T00:00Z");
    }

    #[test]
    fn parses_stamps() {
        let s = parse_bsd(b"Mar  1 00:06:59").unwrap();
        assert_eq!((s.month, s.day, s.secs), (3, 1, 419));
        assert!(parse_bsd(b"Foo 11 00:06:59").is_none());
        assert!(parse_bsd(b"Mar 11 25:06:59").is_none());
        assert_eq!(
            parse_iso(b"2024-03-11T00:06:59.274982+00:00 x").unwrap(),
            (1_710_115_619, 32)
        );
        assert_eq!(
            parse_iso(b"2024-03-11T01:06:59+01:00").unwrap().0,
            1_710_115_619
        );
        assert_eq!(
            parse_iso(b"2024-03-11 00:06:59 ").unwrap(),
            (1_710_115_619, 19)
        );
        assert!(parse_iso(b"2024-13-11 00:06:59").is_none());
    }

    #[test]
    fn year_rolls_over_new_year() {
        let mut y = YearInference::new(2023);
        let dec = y.resolve(b"Dec 31 23:59:59", parse_bsd(b"Dec 31 23:59:59").unwrap());
        let jan = y.resolve(b"Jan  1 00:00:01", parse_bsd(b"Jan  1 00:00:01").unwrap());
        assert_eq!(jan - dec, 2);
        // a straggler from December after the roll-over stays in 2023
        let late = y.resolve(b"Dec 31 23:59:58", parse_bsd(b"Dec 31 23:59:58").unwrap());
        assert_eq!(dec - late, 1);
        assert_eq!(y.year(), 2024);
    }
}
