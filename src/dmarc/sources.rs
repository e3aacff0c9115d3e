//! The per-source summary of aggregate rows: each sending IP with its reverse DNS, base
//! domain, message count, SPF / DKIM / DMARC results, and the action it calls for: a source
//! to authorise, a DKIM selector failing, a forwarder, or nothing.

use std::net::IpAddr;

use rustc_hash::FxHashMap;
use serde::Serialize;

use super::rdns::PtrSource;
use super::report::{AggregateRow, Item, Records, Report};

/// What a source calls for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Mail from it fails DMARC and it neither passes aligned SPF nor signs with an aligned
    /// DKIM key: if it sends for you, authorise it (SPF include or DKIM signing); otherwise it
    /// is spoofing, which the policy should block.
    AuthorizeSource,
    /// An aligned DKIM signature is there but fails: check the selector's key in DNS and the
    /// signer's configuration.
    DkimSelectorFailing,
    /// A forwarder or mailing list: the receiver says so, or SPF passes for another domain
    /// while your aligned signature broke in transit. ARC or a local policy helps; nothing to
    /// publish.
    Forwarder,
    /// Everything passes DMARC.
    None,
}

impl Action {
    /// The snake-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::AuthorizeSource => "authorize_source",
            Action::DkimSelectorFailing => "dkim_selector_failing",
            Action::Forwarder => "forwarder",
            Action::None => "none",
        }
    }
}

/// One sending source.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Source {
    /// The IP address, as reported.
    pub ip: String,
    /// Its PTR name, when looked up and found.
    pub reverse_dns: Option<String>,
    /// The registrable domain of the PTR name (an approximation: the last two labels, three
    /// under a two-letter country code with a generic second level such as `co.uk`).
    pub base_domain: Option<String>,
    /// Messages.
    pub messages: u64,
    /// Messages that passed DMARC.
    pub dmarc_pass: u64,
    /// Messages with aligned, passing SPF.
    pub spf_aligned: u64,
    /// Messages with aligned, passing DKIM.
    pub dkim_aligned: u64,
    /// The `From` domains it sent for.
    pub header_from: Vec<String>,
    /// Failing aligned DKIM signatures, as `selector._domainkey.domain`.
    pub failing_selectors: Vec<String>,
    /// What it calls for.
    pub action: Option<Action>,
    #[serde(skip)]
    votes: [u64; 3],
}

/// Same organisational domain, roughly: one ends with the other at a label boundary.
fn aligned(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim_end_matches('.'), b.trim_end_matches('.'));
    if a.eq_ignore_ascii_case(b) {
        return true;
    }
    if let (Some(x), Some(y)) = (base_suffix(a), base_suffix(b)) {
        return x.eq_ignore_ascii_case(y);
    }
    let (a, b) = (a.to_ascii_lowercase(), b.to_ascii_lowercase());
    let base_a = base_domain(&a);
    !base_a.is_empty() && base_a == base_domain(&b)
}

/// Second-level domains under which a two-letter country code registers names.
const GENERIC: [&str; 11] = [
    "co", "com", "net", "org", "gov", "edu", "ac", "ne", "or", "go", "gob",
];

/// [`base_domain`] of a name without empty labels (no trailing dot), as a slice of it (case
/// as written), without allocating; `None` for other names.
fn base_suffix(host: &str) -> Option<&str> {
    if host.is_empty() || host.starts_with('.') || host.ends_with('.') || host.contains("..") {
        return None;
    }
    let mut dots = host.rmatch_indices('.').map(|(i, _)| i);
    let Some(last) = dots.next() else {
        return Some(host);
    };
    let second = dots.next();
    let tld = &host[last + 1..];
    let sld = &host[second.map_or(0, |i| i + 1)..last];
    let start = match second {
        Some(_) if tld.len() == 2 && GENERIC.iter().any(|g| g.eq_ignore_ascii_case(sld)) => {
            dots.next().map_or(0, |i| i + 1)
        }
        Some(s2) => s2 + 1,
        None => 0,
    };
    Some(&host[start..])
}

/// The registrable domain of a host name, approximately.
pub(crate) fn base_domain(host: &str) -> String {
    let labels: Vec<&str> = host
        .trim_end_matches('.')
        .split('.')
        .filter(|l| !l.is_empty())
        .collect();
    let n = labels.len();
    if n < 2 {
        return host.to_ascii_lowercase();
    }
    let take = if n >= 3 && labels[n - 1].len() == 2 && GENERIC.contains(&labels[n - 2]) {
        3
    } else {
        2
    };
    labels[n - take..].join(".").to_ascii_lowercase()
}

/// Which action one failing row calls for (index into `votes`).
fn row_action(row: &AggregateRow) -> usize {
    let forwarded = row.reasons.iter().any(|r| {
        matches!(
            r.kind.as_str(),
            "forwarded" | "trusted_forwarder" | "mailing_list"
        )
    });
    if forwarded {
        return 2;
    }
    let aligned_dkim_failing = row
        .dkim_results
        .iter()
        .any(|d| aligned(&d.domain, &row.header_from) && d.result != "pass");
    let foreign_spf_pass = row
        .spf_results
        .iter()
        .any(|s| s.result == "pass" && !aligned(&s.domain, &row.header_from));
    match (aligned_dkim_failing, foreign_spf_pass) {
        (true, true) => 2,
        (true, false) => 1,
        _ => 0,
    }
}

/// The per-source tally, fed one report at a time.
#[derive(Default)]
pub(crate) struct Tally {
    by_ip: FxHashMap<String, Source>,
}

impl Tally {
    /// Count the rows of one report (aggregate reports only; others are ignored).
    pub(crate) fn add(&mut self, r: &Report) {
        let Records::Aggregate(rows) = &r.records else {
            return;
        };
        for row in rows {
            let s = match self.by_ip.get_mut(&row.source_ip) {
                Some(s) => s,
                None => self
                    .by_ip
                    .entry(row.source_ip.clone())
                    .or_insert_with(|| Source {
                        ip: row.source_ip.clone(),
                        ..Source::default()
                    }),
            };
            s.messages = s.messages.saturating_add(row.count);
            if row.dmarc_pass {
                s.dmarc_pass = s.dmarc_pass.saturating_add(row.count);
            } else {
                let v = row_action(row);
                s.votes[v] = s.votes[v].saturating_add(row.count.max(1));
                if v == 1 || v == 2 {
                    for d in &row.dkim_results {
                        if aligned(&d.domain, &row.header_from) && d.result != "pass" {
                            let sel = format!(
                                "{}._domainkey.{}",
                                if d.selector.is_empty() {
                                    "?"
                                } else {
                                    &d.selector
                                },
                                d.domain.to_ascii_lowercase()
                            );
                            if !s.failing_selectors.contains(&sel) {
                                s.failing_selectors.push(sel);
                            }
                        }
                    }
                }
            }
            if row.spf == "pass" {
                s.spf_aligned = s.spf_aligned.saturating_add(row.count);
            }
            if row.dkim == "pass" {
                s.dkim_aligned = s.dkim_aligned.saturating_add(row.count);
            }
            let hf = &row.header_from;
            if !hf.is_empty()
                // the names kept are lower case: equal to `hf` lowered when equal ignoring case
                && !s.header_from.iter().any(|h| h.eq_ignore_ascii_case(hf))
            {
                s.header_from.push(hf.to_ascii_lowercase());
            }
        }
    }

    /// The sources, biggest sender first, with their actions and reverse DNS.
    pub(crate) fn finish(self, ptr: Option<&PtrSource>) -> Vec<Source> {
        let mut out: Vec<Source> = self.by_ip.into_values().collect();
        for s in &mut out {
            s.action = Some(if s.dmarc_pass >= s.messages {
                Action::None
            } else {
                // the action the most failing messages call for (ties: authorise first)
                let [auth, dkim, fwd] = s.votes;
                if auth >= dkim && auth >= fwd {
                    Action::AuthorizeSource
                } else if dkim >= fwd {
                    Action::DkimSelectorFailing
                } else {
                    Action::Forwarder
                }
            });
        }
        // ties on messages broken by the IP (unique): the order does not depend on the map's
        out.sort_by(|a, b| b.messages.cmp(&a.messages).then_with(|| a.ip.cmp(&b.ip)));
        if let Some(p) = ptr
            && p.is_active()
        {
            for s in &mut out {
                if let Ok(ip) = s.ip.parse::<IpAddr>() {
                    s.reverse_dns = p.ptr(ip);
                    s.base_domain = s.reverse_dns.as_deref().map(base_domain);
                }
            }
        }
        out
    }
}

/// Per-source summary of every aggregate report among `items`, biggest sender first.
pub fn summarize(items: &[Item], ptr: Option<&PtrSource>) -> Vec<Source> {
    let mut t = Tally::default();
    for item in items {
        if let Item::Report(r) = item {
            t.add(r);
        }
    }
    t.finish(ptr)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_suffix_as_base_domain() {
        for h in [
            "a",
            "A.B",
            "x.Example.COM",
            "mail.example.co.uk",
            "co.uk",
            "a.b.CO.UK",
            "a.b.c.gob.mx",
            "b.xx.yy",
            "x.uk",
            "x.y.Com.au",
            "é.example.org",
            "a.b.ne.jp",
        ] {
            assert_eq!(
                base_suffix(h).map(str::to_ascii_lowercase),
                Some(base_domain(&h.to_ascii_lowercase())),
                "{h}"
            );
        }
        for h in ["", ".a.b", "a..b.c", "a.b."] {
            assert_eq!(base_suffix(h), None, "{h}");
        }
    }
    use crate::dmarc::report::{DkimResult, Kind, Reason, Report, SpfResult, Totals};

    fn row(ip: &str, count: u64, pass: bool) -> AggregateRow {
        AggregateRow {
            source_ip: ip.into(),
            count,
            dkim: if pass { "pass" } else { "fail" }.into(),
            spf: "fail".into(),
            dmarc_pass: pass,
            header_from: "example.com".into(),
            ..AggregateRow::default()
        }
    }

    #[test]
    fn actions() {
        let mut dkim_broken = row("192.0.2.2", 4, false);
        dkim_broken.dkim_results.push(DkimResult {
            domain: "mail.example.com".into(),
            selector: "s1".into(),
            result: "fail".into(),
            ..DkimResult::default()
        });
        let mut fwd = row("192.0.2.3", 2, false);
        fwd.reasons.push(Reason {
            kind: "forwarded".into(),
            comment: String::new(),
        });
        let mut list = row("192.0.2.4", 1, false);
        list.dkim_results = dkim_broken.dkim_results.clone();
        list.spf_results.push(SpfResult {
            domain: "lists.other.org".into(),
            result: "pass".into(),
            ..SpfResult::default()
        });
        let rows = vec![
            row("192.0.2.1", 10, true),
            dkim_broken,
            fwd,
            list,
            row("198.51.100.9", 3, false),
        ];
        let items = vec![Item::Report(Report {
            kind: Kind::Aggregate,
            file: "f".into(),
            org_name: "o".into(),
            report_id: "1".into(),
            policy_domain: "example.com".into(),
            begin: 0,
            end: 1,
            records: Records::Aggregate(rows),
            totals: Totals::default(),
            schema: "rfc7489",
            email: String::new(),
            policy: None,
            errors: Vec::new(),
        })];
        let s = summarize(&items, None);
        let get = |ip: &str| s.iter().find(|x| x.ip == ip).unwrap();
        assert_eq!(s[0].ip, "192.0.2.1");
        assert_eq!(get("192.0.2.1").action, Some(Action::None));
        assert_eq!(get("192.0.2.2").action, Some(Action::DkimSelectorFailing));
        assert_eq!(
            get("192.0.2.2").failing_selectors,
            ["s1._domainkey.mail.example.com"]
        );
        assert_eq!(get("192.0.2.3").action, Some(Action::Forwarder));
        assert_eq!(get("192.0.2.4").action, Some(Action::Forwarder));
        assert_eq!(get("198.51.100.9").action, Some(Action::AuthorizeSource));
    }

    #[test]
    fn base_domains() {
        assert_eq!(base_domain("mail-a.outbound.Example.com."), "example.com");
        assert_eq!(base_domain("smtp.foo.co.uk"), "foo.co.uk");
        assert_eq!(base_domain("a.b.de"), "b.de");
    }
}
