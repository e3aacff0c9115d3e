//! Typo suggestions for misspelt domains (gmial.com -> gmail.com).
//!
//! Unlike mailcheck.js, which suggests any popular domain within two edits (so `email.com`
//! becomes `gmail.com`), a suggestion here needs strong evidence:
//! - a domain on the target list (`data/typo_targets.txt`, which includes real look-alikes such as
//!   email.com, mail.com, ymail.com) is never corrected;
//! - one edit (Damerau: insert, delete, substitute, swap neighbours) to a target whose first label
//!   has at least five characters; shorter names (aol, msn, live, gmx) are only corrected in the
//!   top-level part (`aol.con`), where a one-letter change to the name is too often another real
//!   domain (`love.com`, `gmx.at`);
//! - two edits only when one is in the name and one in the top-level part (`hotmial.con`);
//! - a top-level part that is a known slip of the target's (`con`, `cmo`, `ocm`, `co`, `cm`, ...);
//! - a missing top-level part (`gmail` -> `gmail.com`) or missing dot (`gmailcom`).

use super::lists::Lists;

/// Known misspellings of top-level parts: (typo, intended).
const TLD_SLIPS: &[(&str, &str)] = &[
    ("con", "com"),
    ("cmo", "com"),
    ("ocm", "com"),
    ("co", "com"),
    ("cm", "com"),
    ("om", "com"),
    ("comm", "com"),
    ("coom", "com"),
    ("vom", "com"),
    ("xom", "com"),
    ("cim", "com"),
    ("c0m", "com"),
    ("copm", "com"),
    ("cpm", "com"),
    ("nte", "net"),
    ("ner", "net"),
    ("nett", "net"),
    ("met", "net"),
    ("ney", "net"),
    ("ogr", "org"),
    ("orgg", "org"),
    ("rog", "org"),
    ("co.k", "co.uk"),
    ("co.ukk", "co.uk"),
    ("couk", "co.uk"),
    ("uk", "co.uk"),
    ("dee", "de"),
    ("fr.", "fr"),
];

fn split_first(d: &str) -> (&str, &str) {
    match d.find('.') {
        Some(i) => (&d[..i], &d[i + 1..]),
        None => (d, ""),
    }
}

fn tld_slip(typo: &str, intended: &str) -> bool {
    TLD_SLIPS.iter().any(|&(t, i)| t == typo && i == intended)
}

/// Optimal-string-alignment distance (Damerau-Levenshtein without repeated edits of a substring),
/// giving up (returning `limit + 1`) once the distance must exceed `limit`.
pub fn osa_distance(a: &str, b: &str, limit: usize) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len().abs_diff(b.len()) > limit {
        return limit + 1;
    }
    let n = b.len();
    let mut prev2 = vec![0usize; n + 1];
    let mut prev: Vec<usize> = (0..=n).collect();
    let mut cur = vec![0usize; n + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        let mut row_min = cur[0];
        for j in 1..=n {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(prev2[j - 2] + 1);
            }
            cur[j] = v;
            row_min = row_min.min(v);
        }
        if row_min > limit {
            return limit + 1;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[n]
}

/// Suggest the intended domain for a lower-case ASCII `domain`, or `None` when it looks right.
pub fn suggest_domain(domain: &str, lists: &Lists) -> Option<&'static str> {
    if domain.is_empty() || !domain.is_ascii() || lists.is_typo_target(domain) {
        return None;
    }
    let (name, suffix) = split_first(domain);
    let mut best: Option<(usize, &'static str)> = None;
    for &t in &lists.typo_targets {
        let (tname, tsuffix) = split_first(t);
        // Missing top-level part or missing dot.
        if suffix.is_empty() && (name == tname || name == t.replace('.', "")) {
            return Some(t);
        }
        let score = if name == tname && tld_slip(suffix, tsuffix) {
            Some(1)
        } else {
            match osa_distance(domain, t, 2) {
                1 if tname.len() >= 5 => Some(1),
                2 if tname.len() >= 5
                    && osa_distance(name, tname, 1) == 1
                    && (suffix == tsuffix
                        || tld_slip(suffix, tsuffix)
                        || osa_distance(suffix, tsuffix, 1) == 1) =>
                {
                    Some(2)
                }
                _ => None,
            }
        };
        if let Some(s) = score
            && best.is_none_or(|(b, _)| s < b) {
                best = Some((s, t));
            }
    }
    best.map(|(_, t)| t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        let l = Lists::get();
        assert_eq!(suggest_domain("gmial.com", l), Some("gmail.com"));
        assert_eq!(suggest_domain("gmai.com", l), Some("gmail.com"));
        assert_eq!(suggest_domain("hotmial.con", l), Some("hotmail.com"));
        assert_eq!(suggest_domain("yahoo.con", l), Some("yahoo.com"));
        assert_eq!(suggest_domain("aol.con", l), Some("aol.com"));
        assert_eq!(suggest_domain("gmail", l), Some("gmail.com"));
        assert_eq!(suggest_domain("outlok.com", l), Some("outlook.com"));
        assert_eq!(suggest_domain("email.com", l), None);
        assert_eq!(suggest_domain("mail.com", l), None);
        assert_eq!(suggest_domain("love.com", l), None);
        assert_eq!(suggest_domain("gmx.at", l), None);
        assert_eq!(suggest_domain("northwind-labs.de", l), None);
        assert_eq!(suggest_domain("gmaps.com", l), None);
    }

    #[test]
    fn distance() {
        assert_eq!(osa_distance("gmial.com", "gmail.com", 2), 1);
        assert_eq!(osa_distance("abc", "abc", 2), 0);
        assert_eq!(osa_distance("abcdef", "a", 2), 3);
    }
}
