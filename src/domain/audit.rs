//! The sans-IO audit: one domain's sections in order (MX first, since MTA-STS matches its
//! hosts; DMARC before BIMI, which needs its policy), every DNS answer through [`AuditDns`],
//! the policy through [`PolicyFetch`], then the DNSSEC summary and the verdict.

use std::net::IpAddr;

use serde::Serialize;

use super::answers::{AuditDns, Dnssec, QueryRecord, Recorder};
use super::bimi::{self, BimiSection};
use super::dkim_key::{self, DkimSection};
use super::dmarc_record::{self, DmarcSection, within};
use super::dnsbl::{self, DnsblSection, DnsblZone};
use super::finding::{Finding, Severity, worst};
use super::mta_sts::{self, MtaStsSection, PolicyFetch};
use super::mx::{self, MxSection};
use super::ptr::{self, PtrCheck};
use super::spf_policy::{self, SpfSection};
use super::tlsrpt::{self, TlsRptSection};
use super::verdict::{self, Verdict};

/// What to audit besides the domain.
#[derive(Debug, Clone, Default)]
pub struct AuditOptions {
    /// DKIM selectors to look up before the common ones.
    pub selectors: Vec<String>,
    /// Sending IPs: SPF result, PTR / FCrDNS and block lists for each.
    pub ips: Vec<IpAddr>,
    /// Block lists to ask.
    pub dnsbls: Vec<DnsblZone>,
}

/// The DNSSEC status of the answers about the domain.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DnssecSection {
    /// `authenticated` (every answer), `partial`, `not_authenticated`, `zone` (answers from a
    /// zone file carry no DNSSEC status), `none` (no answer with records).
    pub status: &'static str,
    /// Answers with records about the domain (the domain and names under it).
    pub answers: usize,
    /// Of those, authenticated by the resolver (AD bit).
    pub authenticated: usize,
    /// What was found.
    pub findings: Vec<Finding>,
}

/// The whole audit.
#[derive(Debug, Clone, Serialize)]
pub struct Audit {
    /// The domain (A-label form).
    pub domain: String,
    /// The bulk-sender verdict.
    pub verdict: Verdict,
    /// The worst finding's severity (`null` when there is none).
    pub worst: Option<Severity>,
    /// MX records.
    pub mx: MxSection,
    /// SPF.
    pub spf: SpfSection,
    /// DMARC.
    pub dmarc: DmarcSection,
    /// DKIM keys.
    pub dkim: DkimSection,
    /// MTA-STS.
    pub mta_sts: MtaStsSection,
    /// TLS-RPT.
    pub tlsrpt: TlsRptSection,
    /// BIMI.
    pub bimi: BimiSection,
    /// PTR / FCrDNS per IP.
    pub ptr: Vec<PtrCheck>,
    /// Block lists.
    pub dnsbl: DnsblSection,
    /// DNSSEC.
    pub dnssec: DnssecSection,
    /// Every DNS query made, in order.
    pub queries: Vec<QueryRecord>,
}

impl Audit {
    /// Every finding with its section name, section by section.
    pub fn findings(&self) -> Vec<(&'static str, &Finding)> {
        let mut out: Vec<(&'static str, &Finding)> = Vec::new();
        out.extend(self.mx.findings.iter().map(|f| ("mx", f)));
        out.extend(self.spf.findings.iter().map(|f| ("spf", f)));
        out.extend(self.dmarc.findings.iter().map(|f| ("dmarc", f)));
        out.extend(self.dkim.findings.iter().map(|f| ("dkim", f)));
        out.extend(
            self.dkim
                .keys
                .iter()
                .flat_map(|k| &k.findings)
                .map(|f| ("dkim", f)),
        );
        out.extend(self.mta_sts.findings.iter().map(|f| ("mta_sts", f)));
        out.extend(self.tlsrpt.findings.iter().map(|f| ("tlsrpt", f)));
        out.extend(self.bimi.findings.iter().map(|f| ("bimi", f)));
        out.extend(
            self.ptr
                .iter()
                .flat_map(|p| &p.findings)
                .map(|f| ("ptr", f)),
        );
        out.extend(self.dnsbl.findings.iter().map(|f| ("dnsbl", f)));
        out.extend(self.dnssec.findings.iter().map(|f| ("dnssec", f)));
        out
    }
}

/// Audit `domain` (A-label, no trailing dot).
pub fn audit(
    dns: &mut dyn AuditDns,
    fetch: &mut dyn PolicyFetch,
    domain: &str,
    opts: &AuditOptions,
) -> Audit {
    let domain = domain.trim_end_matches('.').to_ascii_lowercase();
    let mut r = Recorder::new(dns);
    let mx = mx::check(&mut r, &domain);
    let spf = spf_policy::check(&mut r, &domain, &opts.ips);
    let dmarc = dmarc_record::check(&mut r, &domain);
    let dkim = dkim_key::check(&mut r, &domain, &opts.selectors);
    let mx_hosts: Vec<String> = mx
        .hosts
        .iter()
        .filter(|h| h.host != ".")
        .map(|h| h.host.clone())
        .collect();
    let mta_sts = mta_sts::check(&mut r, fetch, &domain, &mx_hosts);
    let tlsrpt = tlsrpt::check(&mut r, &domain);
    let bimi = bimi::check(&mut r, &domain, dmarc.policy.as_deref());
    let ptr: Vec<PtrCheck> = opts.ips.iter().map(|ip| ptr::check(&mut r, *ip)).collect();
    let dnsbl = dnsbl::check(&mut r, &opts.dnsbls, &opts.ips, &domain);
    let queries = std::mem::take(&mut r.log);
    let dnssec = dnssec_summary(&queries, &domain);
    let verdict = verdict::judge(&spf, &dmarc, &dkim, &ptr);
    let mut a = Audit {
        domain,
        verdict,
        worst: None,
        mx,
        spf,
        dmarc,
        dkim,
        mta_sts,
        tlsrpt,
        bimi,
        ptr,
        dnsbl,
        dnssec,
        queries,
    };
    a.worst = worst(a.findings().into_iter().map(|(_, f)| f));
    a
}

fn dnssec_summary(queries: &[QueryRecord], domain: &str) -> DnssecSection {
    let ours: Vec<&QueryRecord> = queries
        .iter()
        .filter(|q| q.outcome == "answer" && within(&q.name, domain))
        .collect();
    let answers = ours.len();
    let authenticated = ours
        .iter()
        .filter(|q| q.dnssec == Dnssec::Authenticated)
        .count();
    let zone = ours.iter().filter(|q| q.dnssec == Dnssec::Zone).count();
    let status = if answers == 0 {
        "none"
    } else if zone == answers {
        "zone"
    } else if authenticated == answers - zone {
        "authenticated"
    } else if authenticated > 0 {
        "partial"
    } else {
        "not_authenticated"
    };
    let mut findings = Vec::new();
    match status {
        "not_authenticated" => findings.push(Finding::new(
            Severity::Info,
            "dnssec_not_authenticated",
            "no answer was DNSSEC-authenticated (unsigned zone, or a resolver that does not validate)",
        )),
        "partial" => findings.push(Finding::new(
            Severity::Info,
            "dnssec_partial",
            format!("{authenticated} of {answers} answers were DNSSEC-authenticated"),
        )),
        _ => {}
    }
    DnssecSection {
        status,
        answers,
        authenticated,
        findings,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::super::answers::fake::FakeDns;
    use super::super::mta_sts::PolicyResponse;
    use super::*;
    use crate::dns::records::RType;

    /// A fetcher that must not be called.
    pub(crate) struct NoFetch;

    impl PolicyFetch for NoFetch {
        fn fetch(&mut self, host: &str, _: &[IpAddr]) -> PolicyResponse {
            panic!("fetch {host}")
        }
    }

    pub(crate) const ZONE: &str = "example.com. MX 10 mx.example.com.\nmx.example.com. A 192.0.2.1\n\
        example.com. TXT \"v=spf1 mx -all\"\n\
        _dmarc.example.com. TXT \"v=DMARC1; p=reject; rua=mailto:d@example.com\"\n\
        1.2.0.192.in-addr.arpa. PTR mx.example.com.\n";

    pub(crate) fn run(zone: &str, ips: &[&str]) -> Audit {
        let mut dns = FakeDns::new(zone);
        let opts = AuditOptions {
            ips: ips.iter().map(|i| i.parse().unwrap()).collect(),
            ..AuditOptions::default()
        };
        audit(&mut dns, &mut NoFetch, "Example.COM.", &opts)
    }

    #[test]
    fn every_section_runs_and_each_question_is_asked_once() {
        let a = run(ZONE, &["192.0.2.1"]);
        assert_eq!(a.domain, "example.com");
        assert_eq!(a.spf.results[0].result, crate::spf::SpfResult::Pass);
        assert_eq!(a.ptr[0].fcrdns, "pass");
        assert_eq!(a.dmarc.policy.as_deref(), Some("reject"));
        let mut seen = std::collections::HashSet::new();
        for q in &a.queries {
            assert!(
                seen.insert((q.name.clone(), q.rtype)),
                "{} {:?} twice",
                q.name,
                q.rtype
            );
        }
        // No DKIM key is known: a warning, and the worst finding.
        assert_eq!(a.worst, Some(Severity::Warning));
        let sections: Vec<&str> = a.findings().iter().map(|(s, _)| *s).collect();
        assert!(sections.contains(&"dkim"));
    }

    #[test]
    fn dnssec_status_counts_answers_about_the_domain() {
        let q = |name: &str, outcome: &'static str, dnssec| QueryRecord {
            name: name.into(),
            rtype: RType::Txt,
            outcome,
            answers: vec![],
            dnssec,
        };
        let all = [
            q("example.com", "answer", Dnssec::Authenticated),
            q("_dmarc.example.com", "answer", Dnssec::Authenticated),
            q("other.example", "answer", Dnssec::NotAuthenticated),
            q("nx.example.com", "nxdomain", Dnssec::NotAuthenticated),
        ];
        let s = dnssec_summary(&all, "example.com");
        assert_eq!(
            (s.status, s.answers, s.authenticated),
            ("authenticated", 2, 2)
        );
        let mixed = [
            all[0].clone(),
            q("b.example.com", "answer", Dnssec::NotAuthenticated),
        ];
        assert_eq!(dnssec_summary(&mixed, "example.com").status, "partial");
        let none = [q("example.com", "answer", Dnssec::NotAuthenticated)];
        let s = dnssec_summary(&none, "example.com");
        assert_eq!(s.status, "not_authenticated");
        assert_eq!(s.findings[0].code, "dnssec_not_authenticated");
        assert_eq!(dnssec_summary(&[], "example.com").status, "none");
    }
}
