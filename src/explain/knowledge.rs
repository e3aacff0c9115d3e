//! The knowledge table of `data/smtp_explain.tsv`: for a reply or diagnostic, the likely cause,
//! what to do and where to read more, from the receivers' and block lists' documentation.
//! First match wins; the table's last entries (per bounce reason, per class) are the generic
//! fallback.

use std::sync::OnceLock;

use crate::status::EnhancedStatus;

const EXPLAIN_TSV: &str = include_str!("../../data/smtp_explain.tsv");

/// One condition of an entry's MATCH column.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Term {
    /// `status=C.S.D`: class (`None` = any), subject, detail range.
    Status(Option<u8>, u16, (u16, u16)),
    /// `reply=NNN` with `x` wildcards.
    Reply([Option<u8>; 3]),
    /// `text=phrase` (lowercase).
    Text(String),
    /// `reason=name`.
    Reason(String),
    /// `class=name`.
    Class(String),
}

/// How specific an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Specificity {
    /// Matched on codes or words of the reply (a provider, a block list, a code).
    Specific,
    /// Matched only on the bounce reason (generic fallback).
    Reason,
    /// Matched only on the class (generic fallback).
    Class,
}

/// One entry of the table.
#[derive(Debug, Clone)]
pub(super) struct Entry {
    /// Who documents the reply (`gmail`, `spamhaus`, `rfc`, ...).
    pub(super) provider: &'static str,
    terms: Vec<Term>,
    /// The likely cause.
    pub(super) cause: &'static str,
    /// What to do.
    pub(super) fix: &'static str,
    /// Where to read more (https).
    pub(super) links: Vec<&'static str>,
    /// The documentation the entry was written from.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(super) source: &'static str,
}

impl Entry {
    /// How specific the entry is.
    pub(super) fn specificity(&self) -> Specificity {
        if self
            .terms
            .iter()
            .any(|t| matches!(t, Term::Status(..) | Term::Reply(_) | Term::Text(_)))
        {
            Specificity::Specific
        } else if self.terms.iter().any(|t| matches!(t, Term::Reason(_))) {
            Specificity::Reason
        } else {
            Specificity::Class
        }
    }
}

/// What an entry is matched against.
#[derive(Debug, Clone, Copy)]
pub(super) struct Facts<'a> {
    /// The enhanced code.
    pub(super) status: Option<EnhancedStatus>,
    /// The reply code.
    pub(super) reply: Option<u16>,
    /// The text, lowercased.
    pub(super) lower: &'a str,
    /// The bounce reason's name.
    pub(super) reason: &'a str,
    /// The class's name.
    pub(super) class: &'a str,
}

fn range(s: &str) -> Option<(u16, u16)> {
    match s.split_once('-') {
        Some((a, b)) => Some((a.parse().ok()?, b.parse().ok()?)),
        None => s.parse().ok().map(|n| (n, n)),
    }
}

fn term(t: &str) -> Result<Term, String> {
    let (k, v) = t
        .split_once('=')
        .ok_or_else(|| format!("term {t:?}: expected KEY=VALUE"))?;
    let bad = || format!("term {t:?}: bad value");
    Ok(match k {
        "status" => {
            let mut it = v.split('.');
            let (c, s, d) = (it.next(), it.next(), it.next());
            let (Some(c), Some(s), Some(d), None) = (c, s, d, it.next()) else {
                return Err(bad());
            };
            let class = match c {
                "*" => None,
                "2" | "4" | "5" => c.parse().ok(),
                _ => return Err(bad()),
            };
            Term::Status(
                class,
                s.parse().map_err(|_| bad())?,
                range(d).ok_or_else(bad)?,
            )
        }
        "reply" => {
            let b = v.as_bytes();
            if b.len() != 3 || !b.iter().all(|c| c.is_ascii_digit() || *c == b'x') {
                return Err(bad());
            }
            let d = |c: u8| (c != b'x').then(|| c - b'0');
            Term::Reply([d(b[0]), d(b[1]), d(b[2])])
        }
        "text" if !v.trim().is_empty() => Term::Text(v.to_lowercase()),
        "reason" if crate::status::BounceReason::parse(v).is_some() => Term::Reason(v.into()),
        "class" if matches!(v, "success" | "temporary" | "permanent" | "unknown") => {
            Term::Class(v.into())
        }
        _ => return Err(bad()),
    })
}

/// Parse the table: `PROVIDER<TAB>MATCH<TAB>CAUSE<TAB>FIX<TAB>LINKS<TAB>SOURCE`; any line
/// that does not parse is an error naming its line number.
pub(super) fn parse(tsv: &'static str) -> Result<Vec<Entry>, String> {
    let mut out = Vec::new();
    for (n, line) in tsv.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let err = |e: String| format!("line {}: {e}", n + 1);
        let cols: Vec<&'static str> = line.split('\t').collect();
        let [provider, m, cause, fix, links, source] = cols[..] else {
            return Err(err(format!("expected 6 columns, found {}", cols.len())));
        };
        if [provider, m, cause, fix, source]
            .iter()
            .any(|c| c.trim().is_empty())
        {
            return Err(err("empty column".into()));
        }
        let terms = m
            .split(" & ")
            .map(|t| term(t.trim()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(err)?;
        let links: Vec<&str> = if links == "-" {
            Vec::new()
        } else {
            links.split(' ').filter(|l| !l.is_empty()).collect()
        };
        out.push(Entry {
            provider,
            terms,
            cause,
            fix,
            links,
            source,
        });
    }
    Ok(out)
}

/// The built-in table (empty if it did not parse: a test guards that).
pub(super) fn builtin() -> &'static [Entry] {
    static T: OnceLock<Vec<Entry>> = OnceLock::new();
    T.get_or_init(|| parse(EXPLAIN_TSV).unwrap_or_default())
}

fn holds(t: &Term, f: &Facts<'_>) -> bool {
    match t {
        Term::Status(c, s, (lo, hi)) => f.status.is_some_and(|st| {
            c.is_none_or(|c| c == st.class) && st.subject == *s && (*lo..=*hi).contains(&st.detail)
        }),
        Term::Reply(d) => f.reply.is_some_and(|r| {
            let digits = [(r / 100) as u8, (r / 10 % 10) as u8, (r % 10) as u8];
            d.iter()
                .zip(digits)
                .all(|(want, got)| want.is_none_or(|w| w == got))
        }),
        Term::Text(p) => f.lower.contains(p.as_str()),
        Term::Reason(r) => f.reason == r,
        Term::Class(c) => f.class == c,
    }
}

/// The first entry whose terms all hold.
pub(super) fn lookup<'t>(table: &'t [Entry], f: &Facts<'_>) -> Option<&'t Entry> {
    table.iter().find(|e| e.terms.iter().all(|t| holds(t, f)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_parses_and_links_are_https() {
        let t = parse(EXPLAIN_TSV).expect("data/smtp_explain.tsv parses");
        let lines = EXPLAIN_TSV
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .count();
        assert_eq!(t.len(), lines);
        assert_eq!(builtin().len(), lines);
        for e in &t {
            for l in &e.links {
                assert!(
                    l.starts_with("https://") && l.len() > "https://".len() + 3,
                    "{l} ({})",
                    e.source
                );
                assert!(!l.contains(char::is_whitespace));
            }
            assert!(!e.source.is_empty());
        }
        // every class has its fallback, so every input gets a cause and a fix
        for class in ["success", "temporary", "permanent", "unknown"] {
            let f = Facts {
                status: None,
                reply: None,
                lower: "",
                reason: "undefined",
                class,
            };
            assert_eq!(
                lookup(&t, &f).map(Entry::specificity),
                Some(Specificity::Class)
            );
        }
    }

    #[test]
    fn bad_lines_are_errors() {
        for bad in [
            "gmail\tstatus=5.7\tc\tf\t-\ts",
            "gmail\treply=55\tc\tf\t-\ts",
            "gmail\treason=nosuch\tc\tf\t-\ts",
            "gmail\tclass=soft\tc\tf\t-\ts",
            "gmail\ttext=x\tc\tf\t-",
            "gmail\ttext=x\t\tf\t-\ts",
            "gmail\tcolour=red\tc\tf\t-\ts",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        let t = parse("g\tstatus=*.7.606-608 & reply=5x0\tc\tf\thttps://a.test/\ts").unwrap();
        let f = |status: &str, reply| Facts {
            status: EnhancedStatus::parse(status),
            reply: Some(reply),
            lower: "",
            reason: "blocked",
            class: "permanent",
        };
        assert!(lookup(&t, &f("5.7.607", 550)).is_some());
        assert!(lookup(&t, &f("4.7.608", 540)).is_some());
        assert!(lookup(&t, &f("5.7.609", 550)).is_none());
        assert!(lookup(&t, &f("5.7.606", 551)).is_none());
    }
}
