//! Provider knowledge kept as data: rules keyed on the host that answered
//! (`data/bounce_rhost.tsv`) and MTA category fields (`data/bounce_categories.tsv`).

use std::sync::OnceLock;

use crate::status::{BounceReason, EnhancedStatus};

use super::classify::MAX_CLASSIFY_TEXT;
use super::text::squeeze;

const RHOST_TSV: &str = include_str!("../../data/bounce_rhost.tsv");
const CATEGORIES_TSV: &str = include_str!("../../data/bounce_categories.tsv");

/// One rule of `bounce_rhost.tsv`.
#[derive(Debug)]
struct HostRule {
    /// Host names: each matches that name and the hosts under it.
    hosts: Vec<String>,
    reason: BounceReason,
    status: Option<EnhancedStatus>,
    command: Option<String>,
    reply: Option<u16>,
    /// Lowercase pieces that must appear in order.
    pieces: Vec<String>,
}

/// What a provider rule looks at.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct HostEvidence<'a> {
    /// The remote host (`Remote-MTA`), possibly with an address comment.
    pub rhost: &'a str,
    /// The reporting host.
    pub lhost: &'a str,
    /// The recipient's domain.
    pub domain: &'a str,
    /// Enhanced status code.
    pub status: Option<EnhancedStatus>,
    /// SMTP reply code.
    pub reply: Option<u16>,
    /// SMTP command (`RCPT`, `DATA`, ...) or empty.
    pub command: &'a str,
    /// The diagnostic text (raw).
    pub text: &'a str,
}

/// Parse one non-comment line of `bounce_rhost.tsv`; `None` if it is malformed.
fn parse_host_rule(line: &str) -> Option<HostRule> {
    let mut cols = line.split('\t');
    let hosts: Vec<String> = cols
        .next()?
        .split(',')
        .map(|h| h.trim().to_ascii_lowercase())
        .filter(|h| !h.is_empty() && h != ".")
        .collect();
    let reason = BounceReason::parse(cols.next()?.trim())?;
    let conds = cols.next()?.trim();
    let phrase = cols.next()?.trim().to_lowercase();
    if hosts.is_empty() || cols.next().is_some() {
        return None;
    }
    let mut rule = HostRule {
        hosts,
        reason,
        status: None,
        command: None,
        reply: None,
        pieces: phrase
            .split('*')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect(),
    };
    if rule.pieces.is_empty() {
        return None;
    }
    if conds != "-" {
        for c in conds.split(',') {
            let (k, v) = c.split_once('=')?;
            let v = v.trim();
            match k.trim() {
                "status" => rule.status = Some(EnhancedStatus::parse(v)?),
                "command" => rule.command = Some(v.to_ascii_uppercase()),
                "reply" => rule.reply = Some(v.parse().ok()?),
                _ => return None,
            }
        }
    }
    Some(rule)
}

/// Lines of a table that hold a rule (not blank, not comments).
fn rule_lines(tsv: &str) -> impl Iterator<Item = &str> {
    tsv.lines()
        .map(str::trim_end)
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
}

fn host_rules() -> &'static [HostRule] {
    static R: OnceLock<Vec<HostRule>> = OnceLock::new();
    R.get_or_init(|| rule_lines(RHOST_TSV).filter_map(parse_host_rule).collect())
}

/// Whether some rule's host pattern matches `host` ([`host_matches`]): a pattern matches
/// exactly when it is the host or the part after one of its dots, so the host and those parts
/// are looked up among the patterns (most hosts are no provider's: the rules are skipped).
fn any_rule_for(host: &str) -> bool {
    static NAMES: OnceLock<std::collections::HashSet<&'static str>> = OnceLock::new();
    let names = NAMES.get_or_init(|| {
        host_rules()
            .iter()
            .flat_map(|r| r.hosts.iter())
            .map(|p| p.trim_start_matches('.'))
            .filter(|p| !p.is_empty())
            .collect()
    });
    if host.is_empty() {
        return false;
    }
    let mut h = host;
    loop {
        if names.contains(h) {
            return true;
        }
        match memchr::memchr(b'.', h.as_bytes()) {
            Some(i) => h = &h[i + 1..],
            None => return false,
        }
    }
}

/// The host name of a `Remote-MTA`-like value: first word, without brackets or a final dot,
/// lowercase.
fn host_name(v: &str) -> String {
    v.split_whitespace()
        .next()
        .unwrap_or("")
        .trim_matches(|c| matches!(c, '[' | ']' | '<' | '>' | '(' | ')' | ';'))
        .trim_end_matches('.')
        .to_ascii_lowercase()
}

/// Whether `host` is `pattern` (a leading dot ignored) or a host under it.
fn host_matches(host: &str, pattern: &str) -> bool {
    let pattern = pattern.trim_start_matches('.');
    !host.is_empty()
        && !pattern.is_empty()
        && (host == pattern
            || host
                .strip_suffix(pattern)
                .is_some_and(|rest| rest.ends_with('.')))
}

fn phrase_matches(pieces: &[String], lower: &str) -> bool {
    let mut at = 0;
    for p in pieces {
        match lower[at..].find(p.as_str()) {
            Some(i) => at += i + p.len(),
            None => return false,
        }
    }
    true
}

impl HostRule {
    fn conditions_hold(&self, e: &HostEvidence<'_>) -> bool {
        self.status.is_none_or(|s| e.status == Some(s))
            && self.reply.is_none_or(|r| e.reply == Some(r))
            && self
                .command
                .as_deref()
                .is_none_or(|c| c.eq_ignore_ascii_case(e.command))
    }
}

/// The reason a provider rule gives for a reply from the remote host (tried first), the
/// reporting host or the recipient's domain, if any rule matches.
pub(super) fn host_reason(e: &HostEvidence<'_>) -> Option<BounceReason> {
    let rules = host_rules();
    let hosts = [host_name(e.rhost), host_name(e.lhost), host_name(e.domain)];
    if hosts.iter().all(String::is_empty) || e.text.trim().is_empty() {
        return None;
    }
    let mut lower: Option<String> = None;
    for host in &hosts {
        if !any_rule_for(host) {
            continue;
        }
        for r in rules {
            if !r.hosts.iter().any(|p| host_matches(host, p)) || !r.conditions_hold(e) {
                continue;
            }
            let text =
                lower.get_or_insert_with(|| squeeze(e.text, MAX_CLASSIFY_TEXT).to_lowercase());
            if phrase_matches(&r.pieces, text) {
                return Some(r.reason);
            }
        }
    }
    None
}

/// One rule of `bounce_categories.tsv`.
#[derive(Debug)]
struct CategoryRule {
    field: String,
    value: String,
    reason: BounceReason,
}

fn parse_category_rule(line: &str) -> Option<CategoryRule> {
    let mut cols = line.split('\t');
    let field = cols.next()?.trim().to_ascii_lowercase();
    let value = cols.next()?.trim().to_ascii_lowercase();
    let reason = BounceReason::parse(cols.next()?.trim())?;
    if field.is_empty() || value.is_empty() || cols.next().is_some() {
        return None;
    }
    Some(CategoryRule {
        field,
        value,
        reason,
    })
}

fn category_rules() -> &'static [CategoryRule] {
    static R: OnceLock<Vec<CategoryRule>> = OnceLock::new();
    R.get_or_init(|| {
        rule_lines(CATEGORIES_TSV)
            .filter_map(parse_category_rule)
            .collect()
    })
}

/// The reason an MTA's category field names (`X-PowerMTA-BounceCategory: bad-mailbox`), from
/// the fields of one DSN recipient block (lowercase names).
pub(super) fn category_reason(block: &[(String, String)]) -> Option<BounceReason> {
    let rules = category_rules();
    block.iter().find_map(|(name, value)| {
        let value = value.trim();
        rules
            .iter()
            .find(|r| r.field == *name && r.value.eq_ignore_ascii_case(value))
            .map(|r| r.reason)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_lookup_is_host_matches() {
        let patterns: Vec<&str> = host_rules()
            .iter()
            .flat_map(|r| r.hosts.iter().map(String::as_str))
            .collect();
        for host in [
            "",
            "mx.ezweb.ne.jp",
            "ezweb.ne.jp",
            "xezweb.ne.jp",
            "a..ezweb.ne.jp",
            "mta6.am0.yahoodns.net",
            "yahoodns.net",
            "gmail.com",
            "com",
            ".",
            "msmx.au.com",
        ] {
            let want = patterns.iter().any(|p| host_matches(host, p));
            assert_eq!(any_rule_for(host), want, "{host}");
        }
    }

    #[test]
    fn every_rhost_line_parses() {
        for line in rule_lines(RHOST_TSV) {
            assert!(parse_host_rule(line).is_some(), "bad rhost rule: {line:?}");
        }
        assert_eq!(host_rules().len(), rule_lines(RHOST_TSV).count());
    }

    #[test]
    fn every_category_line_parses() {
        for line in rule_lines(CATEGORIES_TSV) {
            assert!(
                parse_category_rule(line).is_some(),
                "bad category rule: {line:?}"
            );
        }
        assert_eq!(category_rules().len(), rule_lines(CATEGORIES_TSV).count());
    }

    #[test]
    fn hosts_and_conditions() {
        assert!(host_matches("mta6.am0.yahoodns.net", ".yahoodns.net"));
        assert!(!host_matches("yahoodns.net.example", ".yahoodns.net"));
        assert!(!host_matches("xyahoodns.net", ".yahoodns.net"));
        assert!(host_matches("ezweb.ne.jp", ".ezweb.ne.jp"));
        assert!(host_matches("mfsmax.docomo.ne.jp", "mfsmax.docomo.ne.jp"));
        assert!(!host_matches("xmfsmax.docomo.ne.jp", "mfsmax.docomo.ne.jp"));
        assert_eq!(host_name("mx.example.jp. (192.0.2.1)"), "mx.example.jp");
        let mut e = HostEvidence {
            rhost: "mfsmax.docomo.ne.jp",
            status: EnhancedStatus::parse("5.0.0"),
            reply: Some(550),
            command: "DATA",
            text: "550 Unknown user a@docomo.ne.jp",
            ..Default::default()
        };
        assert_eq!(host_reason(&e), Some(BounceReason::Rejected));
        e.command = "RCPT";
        assert_eq!(host_reason(&e), None);
        // the reporting host is tried when the remote host says nothing
        let e = HostEvidence {
            lhost: "server-0.bemta-0.messagelabs.com",
            reply: Some(542),
            text: "542 a@example.com Rejected",
            ..Default::default()
        };
        assert_eq!(host_reason(&e), Some(BounceReason::UserUnknown));
        // a relayed au reply: the recipient's domain names the provider
        let mut e = HostEvidence {
            lhost: "relay.example.net",
            domain: "ezweb.ne.jp",
            text: "<a@ezweb.ne.jp>: 550: <a@ezweb.ne.jp>: User unknown",
            ..Default::default()
        };
        assert_eq!(host_reason(&e), Some(BounceReason::UserUnknown));
        e.text = "550 : User unknown";
        assert_eq!(host_reason(&e), Some(BounceReason::Filtered));
        // au's own notice without a reply code is not the SMTP reply
        e.text = "<a@ezweb.ne.jp>: user unknown";
        assert_eq!(host_reason(&e), None);
        let b = vec![(
            "x-powermta-bouncecategory".to_string(),
            "Bad-Mailbox".to_string(),
        )];
        assert_eq!(category_reason(&b), Some(BounceReason::UserUnknown));
        assert_eq!(category_reason(&[]), None);
    }
}
