//! DNS block lists (RFC 5782): each sending IP (reversed octets, or nibbles for IPv6) and the
//! domain itself (domain lists, DBL style) asked of each list; the list's own test entries
//! checked first (127.0.0.2 / `test` listed, 127.0.0.1 / `invalid` not: section 5), so a list
//! that does not answer or lists everything decides nothing; 127.0.0.x answers decoded from
//! `data/dnsbl.tsv` where the list documents them, error codes never taken as listings.

use std::net::IpAddr;
use std::sync::OnceLock;

use serde::Serialize;

use super::answers::Recorder;
use super::finding::{Finding, Severity};
use crate::dns::fcrdns::reverse_name;
use crate::dns::records::{Lookup, RType, Rr};

/// What a list is keyed by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DnsblKind {
    /// IP addresses.
    Ip,
    /// Domain names.
    Domain,
}

/// A block list zone and its kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DnsblZone {
    /// The zone (`zen.spamhaus.org`).
    pub zone: String,
    /// What it lists.
    pub kind: DnsblKind,
}

/// The default lists (every zone in `data/dnsbl.tsv`).
pub const DEFAULT_DNSBLS: &[&str] = &[
    "zen.spamhaus.org",
    "bl.spamcop.net",
    "b.barracudacentral.org",
    "dbl.spamhaus.org",
    "multi.surbl.org",
];

/// (zone, kind, answer, meaning) rows of `data/dnsbl.tsv`.
fn table() -> &'static [(&'static str, &'static str, &'static str, &'static str)] {
    static T: OnceLock<Vec<(&str, &str, &str, &str)>> = OnceLock::new();
    T.get_or_init(|| {
        include_str!("../../data/dnsbl.tsv")
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .filter_map(|l| {
                let mut it = l.split('\t');
                Some((it.next()?, it.next()?, it.next()?, it.next()?))
            })
            .collect()
    })
}

impl DnsblZone {
    /// A zone as the user writes it: `domain:ZONE` for a domain list; a zone of the table takes
    /// its kind from there; anything else is an IP list.
    pub fn parse(s: &str) -> Option<DnsblZone> {
        let s = s.trim().trim_end_matches('.').to_ascii_lowercase();
        let (zone, kind) = match s.strip_prefix("domain:") {
            Some(z) => (z.to_string(), DnsblKind::Domain),
            None => {
                let kind = match table().iter().find(|r| r.0 == s).map(|r| r.1) {
                    Some("domain") => DnsblKind::Domain,
                    _ => DnsblKind::Ip,
                };
                (s.strip_prefix("ip:").unwrap_or(&s).to_string(), kind)
            }
        };
        (!zone.is_empty() && zone.contains('.')).then_some(DnsblZone { zone, kind })
    }
}

/// A list's health from its test entries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DnsblList {
    /// The zone.
    pub zone: String,
    /// IP or domain list.
    pub kind: DnsblKind,
    /// `ok`, `not_answering` (its test entry is not listed), `lists_everything` (its
    /// never-listed entry is listed), `refused` (its test entry gets an error code, such as
    /// Spamhaus's answer to public resolvers), `unknown` (timeout or SERVFAIL).
    pub health: &'static str,
}

/// One question to one list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DnsblResult {
    /// The zone.
    pub zone: String,
    /// The IP or domain asked about.
    pub subject: String,
    /// The name queried.
    pub query: String,
    /// `listed`, `not_listed`, `error` (the list answered an error code), `unknown`,
    /// `not_used` (the list failed its test entries).
    pub status: &'static str,
    /// The A answers.
    pub answers: Vec<String>,
    /// What the answers mean, where the list documents them.
    pub meanings: Vec<String>,
}

/// The DNSBL section.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DnsblSection {
    /// The lists and their health.
    pub lists: Vec<DnsblList>,
    /// Each (list, subject).
    pub results: Vec<DnsblResult>,
    /// What was found.
    pub findings: Vec<Finding>,
}

fn meaning(zone: &str, answer: &str) -> Option<&'static str> {
    table()
        .iter()
        .find(|r| r.0 == zone && (r.2 == answer || r.2 == "*"))
        .map(|r| r.3)
}

fn is_error_code(zone: &str, answer: &str) -> bool {
    meaning(zone, answer).is_some_and(|m| m.starts_with("error"))
        || answer.starts_with("127.255.255.")
}

/// `Some(true)` listed (127.0.0.0/8 answer), `Some(false)` not listed, `None` unknown.
fn listed(dns: &mut Recorder<'_>, name: &str) -> (Option<bool>, Vec<String>) {
    match dns.lookup(name, RType::A) {
        Lookup::Answer(rrs) => {
            let a: Vec<String> = rrs
                .iter()
                .filter_map(|r| match r {
                    Rr::A(a) => Some(a.to_string()),
                    _ => None,
                })
                .collect();
            let any = a.iter().any(|a| a.starts_with("127."));
            (Some(any), a)
        }
        Lookup::NxDomain | Lookup::NoData => (Some(false), Vec::new()),
        // Timeout or SERVFAIL.
        _ => (None, Vec::new()),
    }
}

/// Ask every list about every IP (IP lists) and the domain (domain lists).
pub(crate) fn check(
    dns: &mut Recorder<'_>,
    lists: &[DnsblZone],
    ips: &[IpAddr],
    domain: &str,
) -> DnsblSection {
    let mut s = DnsblSection::default();
    for list in lists {
        let (yes, no) = match list.kind {
            DnsblKind::Ip => ("2.0.0.127", "1.0.0.127"),
            DnsblKind::Domain => ("test", "invalid"),
        };
        let (test_listed, test_answers) = listed(dns, &format!("{yes}.{}", list.zone));
        let refused =
            !test_answers.is_empty() && test_answers.iter().all(|a| is_error_code(&list.zone, a));
        let health = match (test_listed, listed(dns, &format!("{no}.{}", list.zone)).0) {
            _ if refused => "refused",
            (Some(true), Some(false)) => "ok",
            (_, Some(true)) => "lists_everything",
            (Some(false), _) => "not_answering",
            _ => "unknown",
        };
        s.lists.push(DnsblList {
            zone: list.zone.clone(),
            kind: list.kind,
            health,
        });
        if health != "ok" {
            s.findings.push(Finding::new(
                Severity::Unknown,
                "dnsbl_list_unusable",
                format!(
                    "{}: {}; its answers are not used",
                    list.zone,
                    match health {
                        "not_answering" => "its RFC 5782 test entry is not listed (the list does not answer through this resolver)",
                        "lists_everything" => "it lists its never-listed RFC 5782 test entry (it answers every name)",
                        "refused" => "it answers its test entry with an error code (it refuses queries from this resolver: use your own resolver with --dns)",
                        _ => "its RFC 5782 test entries could not be looked up",
                    }
                ),
            ));
        }
        let subjects: Vec<(String, String)> = match list.kind {
            DnsblKind::Ip => ips
                .iter()
                .map(|ip| {
                    let rev = reverse_name(*ip);
                    let key = rev
                        .trim_end_matches(".in-addr.arpa")
                        .trim_end_matches(".ip6.arpa")
                        .to_string();
                    (ip.to_string(), key)
                })
                .collect(),
            DnsblKind::Domain => vec![(domain.to_string(), domain.to_string())],
        };
        for (subject, key) in subjects {
            let query = format!("{key}.{}", list.zone);
            let (l, answers) = listed(dns, &query);
            let meanings: Vec<String> = answers
                .iter()
                .map(|a| {
                    meaning(&list.zone, a)
                        .map_or_else(|| format!("listed (code {a})"), str::to_string)
                })
                .collect();
            let error = !answers.is_empty() && answers.iter().all(|a| is_error_code(&list.zone, a));
            let status = match l {
                _ if health != "ok" => "not_used",
                None => "unknown",
                Some(true) if error => "error",
                Some(true) => "listed",
                Some(false) => "not_listed",
            };
            match status {
                "listed" => s.findings.push(Finding::new(
                    Severity::Error,
                    "dnsbl_listed",
                    format!(
                        "{subject} is listed on {}: {}",
                        list.zone,
                        meanings.join("; ")
                    ),
                )),
                "error" => s.findings.push(Finding::new(
                    Severity::Unknown,
                    "dnsbl_error",
                    format!(
                        "{} answered an error code for {subject}: {}",
                        list.zone,
                        meanings.join("; ")
                    ),
                )),
                "unknown" => s.findings.push(Finding::new(
                    Severity::Unknown,
                    "dnsbl_unknown",
                    format!("{query} could not be looked up"),
                )),
                _ => {}
            }
            s.results.push(DnsblResult {
                zone: list.zone.clone(),
                subject,
                query,
                status,
                answers,
                meanings,
            });
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::super::answers::fake::FakeDns;
    use super::*;

    const ZONE: &str = "2.0.0.127.zen.spamhaus.org. A 127.0.0.2\n\
        2.2.0.192.zen.spamhaus.org. A 127.0.0.4\n2.2.0.192.zen.spamhaus.org. A 127.0.0.10\n\
        3.2.0.192.zen.spamhaus.org. A 127.255.255.254\n\
        test.dbl.spamhaus.org. A 127.0.1.2\nbad.example.dbl.spamhaus.org. A 127.0.1.4\n\
        *.everything.example. A 127.0.0.2\n*.refusing.example. A 127.255.255.254\n";

    fn run(lists: &[&str], ips: &[&str], domain: &str) -> DnsblSection {
        let mut dns = FakeDns::new(ZONE);
        let mut r = Recorder::new(&mut dns);
        let lists: Vec<DnsblZone> = lists.iter().filter_map(|l| DnsblZone::parse(l)).collect();
        let ips: Vec<IpAddr> = ips.iter().map(|i| i.parse().unwrap()).collect();
        check(&mut r, &lists, &ips, domain)
    }

    #[test]
    fn zones_and_kinds() {
        assert_eq!(
            DnsblZone::parse("dbl.spamhaus.org").unwrap().kind,
            DnsblKind::Domain
        );
        assert_eq!(
            DnsblZone::parse("Zen.Spamhaus.org.").unwrap().kind,
            DnsblKind::Ip
        );
        assert_eq!(
            DnsblZone::parse("domain:x.example").unwrap().zone,
            "x.example"
        );
        assert_eq!(DnsblZone::parse("nodots"), None);
        for z in DEFAULT_DNSBLS {
            assert!(table().iter().any(|r| r.0 == *z), "{z} in the table");
        }
    }

    #[test]
    fn listings_are_decoded_and_error_codes_are_not_listings() {
        let s = run(
            &["zen.spamhaus.org"],
            &["192.0.2.1", "192.0.2.2", "192.0.2.3"],
            "x",
        );
        let st: Vec<_> = s.results.iter().map(|r| r.status).collect();
        assert_eq!(st, ["not_listed", "listed", "error"]);
        assert_eq!(
            s.results[1].meanings,
            [
                "XBL: exploited host (CBL)",
                "PBL: end-user address range (ISP maintained)"
            ]
        );
        let codes: Vec<_> = s.findings.iter().map(|f| (f.code, f.severity)).collect();
        assert_eq!(
            codes,
            [
                ("dnsbl_listed", Severity::Error),
                ("dnsbl_error", Severity::Unknown)
            ]
        );
    }

    #[test]
    fn domain_lists_and_unhealthy_lists() {
        let s = run(&["dbl.spamhaus.org"], &["192.0.2.2"], "bad.example");
        assert_eq!(s.results.len(), 1);
        assert_eq!(s.results[0].meanings, ["DBL: phishing domain"]);
        let s = run(
            &["bl.spamcop.net", "everything.example"],
            &["192.0.2.2"],
            "x",
        );
        let h: Vec<_> = s.lists.iter().map(|l| l.health).collect();
        assert_eq!(h, ["not_answering", "lists_everything"]);
        assert!(s.results.iter().all(|r| r.status == "not_used"));
        assert!(s.findings.iter().all(|f| f.severity == Severity::Unknown));
    }
}
