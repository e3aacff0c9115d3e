//! The SPF section of the audit: the domain's record (exactly one `v=spf1` TXT), its syntax,
//! the lookup and void-lookup counts of a full evaluation, risky terms (`+all`, `?all`, `ptr`),
//! and the `check_host()` result for each `--ip`, all through the `spf` evaluator.

use std::net::{IpAddr, Ipv4Addr};

use serde::Serialize;

use super::answers::{Recorder, transient};
use super::finding::{Finding, Severity};
use crate::spf::record::{self, Mechanism, Qualifier};
use crate::spf::{SpfQuery, SpfResult, check_host};

/// An address no real record authorises (the limited broadcast address, never a sender):
/// evaluating it walks every term, so the counts are the record's full cost.
const PROBE_IP: IpAddr = IpAddr::V4(Ipv4Addr::BROADCAST);

/// `check_host()` for one IP.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SpfIpResult {
    /// The IP.
    pub ip: String,
    /// The result.
    pub result: SpfResult,
    /// Where it came from.
    pub reason: String,
    /// Terms that caused DNS lookups.
    pub lookups: u32,
    /// Void lookups.
    pub void_lookups: u32,
}

/// The SPF section.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SpfSection {
    /// The SPF record (when there is exactly one).
    pub record: Option<String>,
    /// Every `v=spf1` record at the domain.
    pub records: Vec<String>,
    /// True when the record parses.
    pub valid: bool,
    /// Terms that caused DNS lookups in a full evaluation (limit 10).
    pub lookups: u32,
    /// Void lookups in a full evaluation (limit 2).
    pub void_lookups: u32,
    /// The full evaluation's result (`permerror` when over a limit).
    pub evaluation: Option<SpfIpResult>,
    /// The result for each `--ip`.
    pub results: Vec<SpfIpResult>,
    /// What was found.
    pub findings: Vec<Finding>,
}

fn evaluate(dns: &mut Recorder<'_>, domain: &str, ip: IpAddr) -> SpfIpResult {
    let q = SpfQuery {
        ip,
        sender: format!("postmaster@{domain}"),
        helo: domain.to_string(),
        domain: Some(domain.to_string()),
        receiver: "mailsift".into(),
        timestamp: 0,
    };
    let o = check_host(&q, dns);
    SpfIpResult {
        ip: ip.to_string(),
        result: o.result,
        reason: o.reason,
        lookups: o.lookups,
        void_lookups: o.void_lookups,
    }
}

/// Check the SPF record of `domain` and evaluate it for each IP.
pub(crate) fn check(dns: &mut Recorder<'_>, domain: &str, ips: &[IpAddr]) -> SpfSection {
    let mut s = SpfSection::default();
    match dns.txt(domain) {
        Ok(t) => s.records = t.into_iter().filter(|t| record::is_spf1(t)).collect(),
        Err(l) if transient(&l) => {
            s.findings.push(Finding::new(
                Severity::Unknown,
                "spf_unknown",
                format!("the TXT records of {domain} could not be looked up"),
            ));
            return s;
        }
        Err(_) => {}
    }
    match s.records.len() {
        0 => s.findings.push(Finding::new(
            Severity::Error,
            "spf_missing",
            format!("{domain} has no SPF record"),
        )),
        1 => {
            s.record = Some(s.records[0].clone());
            match record::parse(&s.records[0]) {
                Ok(r) => {
                    s.valid = true;
                    for d in &r.directives {
                        match (&d.mechanism, d.qualifier) {
                            (Mechanism::All, Qualifier::Pass) => s.findings.push(Finding::new(
                                Severity::Error,
                                "spf_pass_all",
                                "+all authorises every host on the internet",
                            )),
                            (Mechanism::All, Qualifier::Neutral) => s.findings.push(Finding::new(
                                Severity::Warning,
                                "spf_neutral_all",
                                "?all asserts nothing about unlisted hosts",
                            )),
                            (Mechanism::Ptr(_), _) => s.findings.push(Finding::new(
                                Severity::Warning,
                                "spf_ptr",
                                "the ptr mechanism is slow and RFC 7208 5.5 says not to use it",
                            )),
                            _ => {}
                        }
                    }
                    if r.redirect.is_none()
                        && !r.directives.iter().any(|d| d.mechanism == Mechanism::All)
                    {
                        s.findings.push(Finding::new(
                            Severity::Info,
                            "spf_no_all",
                            "no all mechanism and no redirect: unlisted hosts get neutral",
                        ));
                    }
                }
                Err(e) => s.findings.push(Finding::new(
                    Severity::Error,
                    "spf_syntax",
                    format!("syntax error (permerror): {e}"),
                )),
            }
        }
        n => s.findings.push(Finding::new(
            Severity::Error,
            "spf_multiple_records",
            format!("{domain} has {n} SPF records (permerror, RFC 7208 4.5)"),
        )),
    }
    if s.records.is_empty() {
        return s;
    }
    let full = evaluate(dns, domain, PROBE_IP);
    s.lookups = full.lookups;
    s.void_lookups = full.void_lookups;
    if s.valid && s.records.len() == 1 {
        match full.result {
            SpfResult::PermError => s.findings.push(Finding::new(
                Severity::Error,
                "spf_permerror",
                format!("evaluation ends in permerror: {}", full.reason),
            )),
            SpfResult::TempError => s.findings.push(Finding::new(
                Severity::Unknown,
                "spf_temperror",
                format!("evaluation ends in temperror: {}", full.reason),
            )),
            _ if s.lookups >= 9 => s.findings.push(Finding::new(
                Severity::Warning,
                "spf_lookups_near_limit",
                format!("{} of the 10 DNS lookups are used", s.lookups),
            )),
            _ => {}
        }
    }
    s.evaluation = Some(full);
    s.results = ips.iter().map(|ip| evaluate(dns, domain, *ip)).collect();
    for r in &s.results {
        if r.result != SpfResult::Pass {
            s.findings.push(Finding::new(
                if r.result == SpfResult::TempError {
                    Severity::Unknown
                } else {
                    Severity::Error
                },
                "spf_ip_not_pass",
                format!("SPF for {} is {}: {}", r.ip, r.result.name(), r.reason),
            ));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::super::answers::fake::FakeDns;
    use super::*;

    fn run(zone: &str, ips: &[&str]) -> SpfSection {
        let mut dns = FakeDns::new(zone);
        let mut r = Recorder::new(&mut dns);
        let ips: Vec<IpAddr> = ips.iter().map(|i| i.parse().unwrap()).collect();
        check(&mut r, "example.com", &ips)
    }

    fn codes(s: &SpfSection) -> Vec<&'static str> {
        s.findings.iter().map(|f| f.code).collect()
    }

    #[test]
    fn counts_and_results_per_ip() {
        let s = run(
            "example.com. TXT \"v=spf1 a mx include:_spf.example.com -all\"\nexample.com. A 192.0.2.10\n\
             _spf.example.com. TXT \"v=spf1 ip4:198.51.100.0/24 -all\"\n",
            &["198.51.100.7", "203.0.113.1"],
        );
        assert_eq!((s.lookups, s.void_lookups), (3, 1));
        let r: Vec<_> = s.results.iter().map(|r| r.result).collect();
        assert_eq!(r, [SpfResult::Pass, SpfResult::Fail]);
        assert_eq!(codes(&s), ["spf_ip_not_pass"]);
    }

    #[test]
    fn missing_multiple_broken_and_permissive_records() {
        assert_eq!(codes(&run("", &[])), ["spf_missing"]);
        let two = "example.com. TXT \"v=spf1 -all\"\nexample.com. TXT \"v=spf1 a -all\"\n";
        assert_eq!(codes(&run(two, &[])), ["spf_multiple_records"]);
        let bad = "example.com. TXT \"v=spf1 ip4:192.0.2.256 -all\"\n";
        assert_eq!(codes(&run(bad, &[])), ["spf_syntax"]);
        assert_eq!(
            codes(&run("example.com. TXT \"v=spf1 +all\"\n", &[])),
            ["spf_pass_all"]
        );
        assert_eq!(
            codes(&run("example.com. TXT \"v=spf1 ptr ip4:192.0.2.9\"\n", &[])),
            ["spf_ptr", "spf_no_all"]
        );
    }

    #[test]
    fn too_many_lookups_is_a_permerror() {
        let mut zone = String::from("example.com. TXT \"v=spf1");
        for i in 1..=11 {
            zone.push_str(&format!(" include:s{i}.example.com"));
        }
        zone.push_str(" -all\"\n");
        for i in 1..=11 {
            zone.push_str(&format!("s{i}.example.com. TXT \"v=spf1 -all\"\n"));
        }
        let s = run(&zone, &[]);
        assert_eq!(s.lookups, 11);
        assert_eq!(codes(&s), ["spf_permerror"]);
    }
}
