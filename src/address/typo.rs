//! Typo suggestions for misspelt domains (gmial.com -> gmail.com).
//!
//! Unlike mailcheck.js, which suggests any popular domain within two edits (so `email.com`
//! becomes `gmail.com`), a suggestion here needs strong evidence:
//! - a domain on the target list (`data/typo_targets.txt`, which includes real look-alikes such as
//!   email.com, mail.com, ymail.com) is never corrected;
//! - one edit (Damerau: insert, delete, substitute, swap neighbours) to the name (first label) of a
//!   target whose name has at least five characters. Shorter names (aol, msn, live, gmx) only get
//!   the two mechanical slips that rarely spell another word, and only when all letters: two
//!   neighbours swapped (`aol` -> `oal`) or a letter doubled (`aool`). Any other one-letter change
//!   to a short name is too often another real domain (`love.com`, `gmx.at`). Even a swap can be
//!   one (`ami.com` is not a slip of `aim.com`); that cost is accepted because swaps of short names
//!   are common typos (`oal.com`, `alo.com`);
//! - a top-level part that is a known slip of the target's (`con`, `cmo`, `ocm`, `co`, `cm`, ...),
//!   or one edit away from it without being a country code (`web.dr`, `mail.rh`, `co.ul`): a
//!   provider's name under another country code is usually its own country domain (`hotmail.be`,
//!   `yahoo.se`), not a slip of `.de` or `.es`;
//! - two edits only when one is in the name and one in the top-level part (`hotmial.con`);
//! - a missing top-level part (`gmail` -> `gmail.com`) or missing dot (`gmailcom`).
//!
//! `tools/typo_eval` measures this against mailcheck.js on generated typos and correct domains.

use super::lists::{Lists, TypoTarget};

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
    ("ne", "net"),
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

/// IANA country-code top-level domains (delegated, including unused ones such as `bv`).
const CC_TLDS: &str = "ac ad ae af ag ai al am ao aq ar as at au aw ax az ba bb bd be bf bg bh bi \
    bj bl bm bn bo bq br bs bt bv bw by bz ca cc cd cf cg ch ci ck cl cm cn co cr cu cv cw cx cy \
    cz de dj dk dm do dz ec ee eg er es et eu fi fj fk fm fo fr ga gb gd ge gf gg gh gi gl gm gn \
    gp gq gr gs gt gu gw gy hk hm hn hr ht hu id ie il im in io iq ir is it je jm jo jp ke kg kh \
    ki km kn kp kr kw ky kz la lb lc li lk lr ls lt lu lv ly ma mc md me mf mg mh mk ml mm mn mo \
    mp mq mr ms mt mu mv mw mx my mz na nc ne nf ng ni nl no np nr nu nz om pa pe pf pg ph pk pl \
    pm pn pr ps pt pw py qa re ro rs ru rw sa sb sc sd se sg sh si sj sk sl sm sn so sr ss st su \
    sv sx sy sz tc td tf tg th tj tk tl tm tn to tr tt tv tw tz ua ug uk us uy uz va vc ve vg vi \
    vn vu wf ws ye yt za zm zw";

fn is_cc_tld(label: &str) -> bool {
    label.len() == 2 && CC_TLDS.split_ascii_whitespace().any(|c| c == label)
}

/// Edits from the target's top-level part `tsuffix` to `suffix`: 0 when equal, 1 for a known
/// slip or for one edit that does not end in a country code (`yahoo.se` is Yahoo Sweden, not a
/// slip of `yahoo.es`), `None` otherwise.
fn suffix_edits(suffix: &str, tsuffix: &str) -> Option<usize> {
    if suffix == tsuffix {
        Some(0)
    } else if tld_slip(suffix, tsuffix)
        || (one_edit(suffix, tsuffix) && !is_cc_tld(suffix.rsplit('.').next().unwrap_or(suffix)))
    {
        Some(1)
    } else {
        None
    }
}

/// Whether `name` is the short name `tname` with two neighbouring characters swapped or one
/// doubled.
fn short_name_slip(name: &str, tname: &str) -> bool {
    let (a, b) = (name.as_bytes(), tname.as_bytes());
    if a.len() == b.len() {
        let mut diff = (0..a.len()).filter(|&i| a[i] != b[i]);
        match (diff.next(), diff.next(), diff.next()) {
            (Some(i), Some(j), None) => j == i + 1 && a[i] == b[j] && a[j] == b[i],
            _ => false,
        }
    } else {
        a.len() == b.len() + 1
            && (0..a.len())
                .any(|i| i > 0 && a[i] == a[i - 1] && a[..i] == b[..i] && a[i + 1..] == b[i..])
    }
}

/// Edits from the target's name `tname` to `name` (0 or 1), under the rules in the module
/// documentation.
fn name_edits(name: &str, tname: &str) -> Option<usize> {
    if name == tname {
        Some(0)
    } else if tname.len() >= 5 {
        one_edit(name, tname).then_some(1)
    } else if tname.len() >= 3
        && tname.bytes().all(|c| c.is_ascii_lowercase())
        && short_name_slip(name, tname)
    {
        Some(1)
    } else {
        None
    }
}

/// Whether `a` and `b` are exactly one edit apart (insert, delete, substitute, or swap two
/// neighbours): `osa_distance(a, b, 1) == 1` in linear time.
pub(crate) fn one_edit(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if long.len() - short.len() > 1 {
        return false;
    }
    let i = short
        .iter()
        .zip(long)
        .position(|(x, y)| x != y)
        .unwrap_or(short.len());
    if short.len() == long.len() {
        if i == short.len() {
            return false;
        }
        // Substitution, or two neighbours swapped.
        short[i + 1..] == long[i + 1..]
            || (i + 1 < short.len()
                && short[i] == long[i + 1]
                && short[i + 1] == long[i]
                && short[i + 2..] == long[i + 2..])
    } else {
        short[i..] == long[i + 1..]
    }
}

/// Optimal-string-alignment distance (Damerau-Levenshtein without repeated edits of a substring),
/// giving up (returning `limit + 1`) once the distance must exceed `limit`. The tests' reference
/// for [`one_edit`].
#[cfg(test)]
pub(crate) fn osa_distance(a: &str, b: &str, limit: usize) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len().abs_diff(b.len()) > limit {
        return limit + 1;
    }
    // Short strings (every real domain label) use rows on the stack.
    const MAX: usize = 64;
    if a.len() < MAX && b.len() < MAX {
        let (mut p2, mut p, mut c) = ([0u8; MAX], [0u8; MAX], [0u8; MAX]);
        osa_rows(a, b, limit, &mut p2, &mut p, &mut c)
    } else {
        let n = b.len() + 1;
        let (mut p2, mut p, mut c) = (vec![0u8; n], vec![0u8; n], vec![0u8; n]);
        osa_rows(a, b, limit, &mut p2, &mut p, &mut c)
    }
}

/// The OSA dynamic programme over three rows; cells saturate at `limit + 1` (so `u8` suffices).
#[cfg(test)]
fn osa_rows(
    a: &[u8],
    b: &[u8],
    limit: usize,
    prev2: &mut [u8],
    prev: &mut [u8],
    cur: &mut [u8],
) -> usize {
    let cap = (limit + 1).min(255) as u8;
    let n = b.len();
    for (j, p) in prev.iter_mut().enumerate().take(n + 1) {
        *p = (j.min(cap as usize)) as u8;
    }
    let (mut prev2, mut prev, mut cur) = (prev2, prev, cur);
    for i in 1..=a.len() {
        cur[0] = (i.min(cap as usize)) as u8;
        let mut row_min = cur[0];
        for j in 1..=n {
            let cost = u8::from(a[i - 1] != b[j - 1]);
            let mut v = prev[j]
                .saturating_add(1)
                .min(cur[j - 1].saturating_add(1))
                .min(prev[j - 1].saturating_add(cost));
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(prev2[j - 2].saturating_add(1));
            }
            let v = v.min(cap);
            cur[j] = v;
            row_min = row_min.min(v);
        }
        if row_min >= cap {
            return limit + 1;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    (prev[n] as usize).min(limit + 1)
}

/// The set of bytes in `s`, folded into 64 bits (bit `b % 64` for each byte `b`).
pub(crate) fn byte_mask(s: &str) -> u64 {
    s.bytes().fold(0, |m, b| m | 1 << (b % 64))
}

/// Whether two strings with byte masks `a` and `b` and lengths `la` and `lb` may be at most one
/// edit apart (insert, delete, substitute, swap neighbours) or one a letter-doubling or swap
/// slip of the other: lengths within one, and each has at most one byte (bit) the other lacks.
/// A necessary condition only; it rules out almost every pair of unrelated names at once.
fn may_be_close(a: u64, la: usize, b: u64, lb: usize) -> bool {
    // `x & (x - 1) == 0`: at most one bit set (cheaper than `count_ones` without POPCNT).
    let at_most_one = |x: u64| x & x.wrapping_sub(1) == 0;
    la.abs_diff(lb) <= 1 && at_most_one(a & !b) && at_most_one(b & !a)
}

/// Suggest the intended domain for a lower-case ASCII `domain`, or `None` when it looks right.
pub(crate) fn suggest_domain(domain: &str, lists: &Lists) -> Option<&'static str> {
    if domain.is_empty() || !domain.is_ascii() || lists.is_typo_target(domain) {
        return None;
    }
    let (name, suffix) = split_first(domain);
    let (name_mask, domain_mask) = (byte_mask(name), byte_mask(domain));
    let mut best: Option<(usize, &'static str)> = None;
    // Every rule below needs the names, or the whole domains, within one byte of length, except
    // for a missing top-level part (all targets are tried then).
    let all = suffix.is_empty().then_some(0..lists.typo_split.len());
    let near = (!suffix.is_empty()).then(|| lists.typo_candidates(name.len(), domain.len()));
    for target in all.into_iter().flatten().chain(near.into_iter().flatten()) {
        let target = &lists.typo_split[target];
        let (t, tname) = (target.domain, target.name);
        // Every rule below needs the names, or the whole domains, within one edit (or a slip
        // of a short name, which also keeps the bytes and the length within one).
        if !suffix.is_empty()
            && !may_be_close(name_mask, name.len(), target.name_mask, tname.len())
            && !may_be_close(domain_mask, domain.len(), target.domain_mask, t.len())
        {
            continue;
        }
        match score(domain, name, suffix, target) {
            Score::Missing => return Some(t),
            Score::Edits(s) if best.is_none_or(|(b, _)| s < b) => best = Some((s, t)),
            _ => {}
        }
    }
    best.map(|(_, t)| t)
}

/// How `domain` (split into `name` and `suffix`) relates to a typo target.
enum Score {
    /// The target with its top-level part or its dot missing: suggest it at once.
    Missing,
    /// This many edits away (at least one), under the rules in the module documentation.
    Edits(usize),
    /// Not a slip of the target.
    Unrelated,
}

fn score(domain: &str, name: &str, suffix: &str, target: &TypoTarget) -> Score {
    let (t, tname, tsuffix) = (target.domain, target.name, target.suffix);
    // Missing top-level part or missing dot.
    if suffix.is_empty() && (name == tname || name == t.replace('.', "")) {
        return Score::Missing;
    }
    // The name first: it rules out almost every target, so the suffix is rarely compared.
    let pair = name_edits(name, tname).and_then(|n| Some(n + suffix_edits(suffix, tsuffix)?));
    match pair {
        Some(s) if s > 0 => Score::Edits(s),
        Some(_) => Score::Unrelated,
        // One edit across the dot (`hotmailco.uk`, `gmai.lcom`) to a long name.
        None if name != tname && tname.len() >= 5 && one_edit(domain, t) => Score::Edits(1),
        None => Score::Unrelated,
    }
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
    fn short_names_and_country_codes() {
        let l = Lists::get();
        // Short names: swapped neighbours or a doubled letter only.
        assert_eq!(suggest_domain("oal.com", l), Some("aol.com"));
        assert_eq!(suggest_domain("aool.com", l), Some("aol.com"));
        assert_eq!(suggest_domain("gxm.de", l), Some("gmx.de"));
        assert_eq!(suggest_domain("liev.con", l), Some("live.com"));
        assert_eq!(suggest_domain("aok.com", l), None);
        assert_eq!(suggest_domain("lime.com", l), None);
        assert_eq!(suggest_domain("613.com", l), None);
        // Top-level slips that are not country codes, for any name.
        assert_eq!(suggest_domain("web.dr", l), Some("web.de"));
        assert_eq!(suggest_domain("mail.rh", l), Some("mail.ru"));
        assert_eq!(suggest_domain("hotmail.co.ul", l), Some("hotmail.co.uk"));
        assert_eq!(suggest_domain("att.ne", l), Some("att.net"));
        // A provider's name under another country code is its own country domain.
        assert_eq!(suggest_domain("hotmail.be", l), None);
        assert_eq!(suggest_domain("yahoo.se", l), None);
        assert_eq!(suggest_domain("yahoo.com.ar", l), None);
        assert_eq!(suggest_domain("hotmial.be", l), None);
        assert!(is_cc_tld("de") && !is_cc_tld("dr") && !is_cc_tld("com"));
    }

    #[test]
    fn short_slips() {
        assert!(short_name_slip("oal", "aol"));
        assert!(short_name_slip("alo", "aol"));
        assert!(short_name_slip("aaol", "aol"));
        assert!(short_name_slip("aoll", "aol"));
        assert!(!short_name_slip("aol", "aol"));
        assert!(!short_name_slip("loa", "aol"));
        assert!(!short_name_slip("aopl", "aol"));
        assert!(!short_name_slip("aok", "aol"));
    }

    #[test]
    fn one_edit_agrees_with_the_distance() {
        let words = [
            "", "a", "ab", "ba", "abc", "acb", "bac", "abd", "abcd", "abdc", "gmail", "gmial",
            "gmai", "gmaill", "gamil", "hotmail", "hotmial", "com", "con", "cmo", "co", "ocm",
        ];
        for a in words {
            for b in words {
                assert_eq!(one_edit(a, b), osa_distance(a, b, 1) == 1, "{a:?} {b:?}");
            }
        }
    }

    /// The suggestion without the byte-mask pre-filter (only the length pre-filter).
    fn suggest_unfiltered(domain: &str, lists: &Lists) -> Option<&'static str> {
        if domain.is_empty() || !domain.is_ascii() || lists.is_typo_target(domain) {
            return None;
        }
        let (name, suffix) = split_first(domain);
        let mut best: Option<(usize, &'static str)> = None;
        for target in &lists.typo_split {
            match score(domain, name, suffix, target) {
                Score::Missing => return Some(target.domain),
                Score::Edits(s) if best.is_none_or(|(b, _)| s < b) => {
                    best = Some((s, target.domain))
                }
                _ => {}
            }
        }
        best.map(|(_, t)| t)
    }

    /// Every string one edit (or a swap) away from `s`, over `alphabet`.
    fn edits(s: &str, alphabet: &[u8]) -> Vec<String> {
        let b = s.as_bytes();
        let mut out = Vec::new();
        for i in 0..=b.len() {
            if i < b.len() {
                let mut d = b.to_vec();
                d.remove(i);
                out.push(d);
                if i + 1 < b.len() {
                    let mut w = b.to_vec();
                    w.swap(i, i + 1);
                    out.push(w);
                }
            }
            for &c in alphabet {
                let mut ins = b.to_vec();
                ins.insert(i, c);
                out.push(ins);
                if i < b.len() {
                    let mut sub = b.to_vec();
                    sub[i] = c;
                    out.push(sub);
                }
            }
        }
        out.into_iter()
            .map(|v| String::from_utf8(v).unwrap())
            .collect()
    }

    #[test]
    fn byte_mask_filter_changes_no_suggestion() {
        let l = Lists::get();
        let alphabet = b"abcdefghijklmnopqrstuvwxyz0123456789.-";
        let mut checked = 0;
        for target in &l.typo_split {
            for one in edits(target.domain, alphabet) {
                assert_eq!(
                    suggest_domain(&one, l),
                    suggest_unfiltered(&one, l),
                    "{one:?}"
                );
                checked += 1;
            }
            // Two edits: a sample (every seventh variant of every one-edit variant of the name).
            for (k, one) in edits(target.domain, b"aeiou.mn").into_iter().enumerate() {
                if k % 3 == 0 {
                    for two in edits(&one, b"aeo.c").into_iter().step_by(7) {
                        assert_eq!(
                            suggest_domain(&two, l),
                            suggest_unfiltered(&two, l),
                            "{two:?}"
                        );
                        checked += 1;
                    }
                }
            }
        }
        for d in [
            "northwind-labs.de",
            "acme.io",
            "gmail",
            "gmailcom",
            "a.b.c",
            "x",
        ] {
            assert_eq!(suggest_domain(d, l), suggest_unfiltered(d, l), "{d:?}");
        }
        assert!(checked > 100_000, "{checked}");
    }

    #[test]
    fn distance() {
        assert_eq!(osa_distance("gmial.com", "gmail.com", 2), 1);
        assert_eq!(osa_distance("abc", "abc", 2), 0);
        assert_eq!(osa_distance("abcdef", "a", 2), 3);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(5000))]

        /// The linear one-edit test used for typo suggestions agrees with the OSA distance.
        #[test]
        fn one_edit_is_osa_distance_one(a in "[abc.]{0,7}", b in "[abc.]{0,7}") {
            proptest::prop_assert_eq!(one_edit(&a, &b), osa_distance(&a, &b, 1) == 1);
        }
    }
}
