//! What codes alone say about a bounce reason: RFC 3463 / RFC 5248 / RFC 7372 enhanced status
//! codes and SMTP reply codes mapped to the [`BounceReason`] vocabulary, by the table of
//! `data/bounce_status_reasons.tsv` (its sources are in its header).

use std::sync::OnceLock;

use super::{BounceReason, EnhancedStatus};

const TABLE_TSV: &str = include_str!("../../data/bounce_status_reasons.tsv");

/// Which lookup a table line serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Status,
    Fallback,
    Reply,
}

/// An inclusive range of numbers (`*` is the whole range).
type Span = (u16, u16);

fn span(s: &str) -> Option<Span> {
    if s == "*" {
        return Some((0, u16::MAX));
    }
    match s.split_once('-') {
        Some((a, b)) => Some((a.parse().ok()?, b.parse().ok()?)),
        None => {
            let n = s.parse().ok()?;
            Some((n, n))
        }
    }
}

fn within(n: u16, s: Span) -> bool {
    s.0 <= n && n <= s.1
}

struct Rule {
    kind: Kind,
    /// Class, subject, detail (a reply rule uses only the first).
    code: [Span; 3],
    reason: BounceReason,
}

fn parse_rule(line: &str) -> Option<Rule> {
    let mut cols = line.split('\t');
    let kind = match cols.next()? {
        "status" => Kind::Status,
        "fallback" => Kind::Fallback,
        "reply" => Kind::Reply,
        _ => return None,
    };
    let code = cols.next()?;
    let reason = BounceReason::parse(cols.next()?.trim())?;
    let code = if kind == Kind::Reply {
        [span(code)?, (0, 0), (0, 0)]
    } else {
        let mut it = code.split('.');
        let c = [span(it.next()?)?, span(it.next()?)?, span(it.next()?)?];
        if it.next().is_some() {
            return None;
        }
        c
    };
    Some(Rule { kind, code, reason })
}

fn table_lines(tsv: &str) -> impl Iterator<Item = &str> {
    tsv.lines()
        .map(str::trim_end)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

fn rules() -> &'static [Rule] {
    static R: OnceLock<Vec<Rule>> = OnceLock::new();
    R.get_or_init(|| table_lines(TABLE_TSV).filter_map(parse_rule).collect())
}

fn status_lookup(kind: Kind, st: EnhancedStatus) -> Option<BounceReason> {
    rules()
        .iter()
        .find(|r| {
            r.kind == kind
                && within(u16::from(st.class), r.code[0])
                && within(st.subject, r.code[1])
                && within(st.detail, r.code[2])
        })
        .map(|r| r.reason)
}

/// What an enhanced status code alone says about the reason, when it is specific enough.
/// Generic codes (`X.0.0`, `5.7.1`, `5.5.0`, ...) return `None` so that the text decides.
pub fn reason_from_status(st: EnhancedStatus) -> Option<BounceReason> {
    status_lookup(Kind::Status, st)
}

/// A fallback from a status that [`reason_from_status`] left open, used after the text found
/// nothing.
pub fn fallback_from_status(st: EnhancedStatus) -> Option<BounceReason> {
    status_lookup(Kind::Fallback, st)
}

/// A fallback from the SMTP reply code alone.
pub fn reason_from_reply(code: u16) -> Option<BounceReason> {
    rules()
        .iter()
        .find(|r| r.kind == Kind::Reply && within(code, r.code[0]))
        .map(|r| r.reason)
}

#[cfg(test)]
mod tests {
    use super::*;
    use BounceReason::*;

    #[test]
    fn every_table_line_parses() {
        for l in table_lines(TABLE_TSV) {
            assert!(parse_rule(l).is_some(), "bad line: {l}");
        }
    }

    #[test]
    fn codes_to_reasons() {
        let st = |s| EnhancedStatus::parse(s).unwrap();
        assert_eq!(reason_from_status(st("5.1.1")), Some(UserUnknown));
        assert_eq!(reason_from_status(st("4.2.2")), Some(MailboxFull));
        assert_eq!(reason_from_status(st("2.0.0")), Some(Delivered));
        assert_eq!(reason_from_status(st("5.7.23")), Some(AuthFailure));
        assert_eq!(reason_from_status(st("5.7.17")), Some(HasMoved));
        assert_eq!(reason_from_status(st("5.7.1")), None);
        assert_eq!(reason_from_status(st("5.0.0")), None);
        assert_eq!(fallback_from_status(st("5.7.1")), Some(SecurityError));
        assert_eq!(fallback_from_status(st("4.4.4")), Some(HostUnknown));
        assert_eq!(fallback_from_status(st("4.4.9")), Some(NetworkError));
        assert_eq!(fallback_from_status(st("5.0.0")), None);
        assert_eq!(reason_from_reply(452), Some(MailboxFull));
        assert_eq!(reason_from_reply(556), Some(NotAccept));
        assert_eq!(reason_from_reply(535), Some(SecurityError));
        assert_eq!(reason_from_reply(550), None);
    }
}
