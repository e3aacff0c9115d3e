//! The resolver's health: a sans-IO judge that decides, from answers whose truth is known (probe
//! names that must or must not exist) and from the stage's own answers, whether the resolver can
//! be trusted to condemn an address.
//!
//! A resolver that answers NXDOMAIN for every name (a sandbox without upstream, a captive portal),
//! SERVFAIL or REFUSED for every query, or an address for every name (an ISP that rewrites
//! NXDOMAIN) would otherwise turn a whole list into `invalid_domain`, `dns_servfail` or fake
//! routes. The judge looks for the decisive pathologies only: everything negative, everything
//! the same, everything failing. A server that answers only for its own zones (an authoritative
//! test server) and denies the rest is still a correct resolver for the names it answers: once
//! any answer is positive, "denies every name" is disproved.

use std::net::IpAddr;

use serde::Serialize;

use super::MailRoute;
use super::known_answers::Probe;
use super::known_answers::{Answer, Expect, is_iana_root_server, tld_of};

/// What the judge concludes about the resolver.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ResolverStatus {
    /// Its answers can be trusted.
    #[default]
    Ok,
    /// It says names that exist do not exist (and never says any name exists).
    DeniesExistingNames,
    /// It gives an address for a name that cannot exist.
    InventsMissingNames,
    /// SERVFAIL, REFUSED or timeouts for most queries.
    Failing,
    /// Nothing ever answered.
    Unreachable,
}

impl ResolverStatus {
    /// The snake_case name used in outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            ResolverStatus::Ok => "ok",
            ResolverStatus::DeniesExistingNames => "denies_existing_names",
            ResolverStatus::InventsMissingNames => "invents_missing_names",
            ResolverStatus::Failing => "failing",
            ResolverStatus::Unreachable => "unreachable",
        }
    }

    /// Whether an address may be judged on an answer that gave `route`: with a healthy
    /// resolver always; otherwise only a positive answer (a route to mail hosts) from a resolver
    /// that does not invent names, and a timeout (which condemns nothing anyway).
    pub fn trusts(self, route: &MailRoute) -> bool {
        match self {
            ResolverStatus::Ok => true,
            ResolverStatus::InventsMissingNames => matches!(route, MailRoute::Timeout),
            _ => matches!(
                route,
                MailRoute::Mx { .. } | MailRoute::Implicit { .. } | MailRoute::Timeout
            ),
        }
    }
}

/// The resolver, what the judge made of it, and why (for the summary and the warning).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResolverReport {
    /// The server asked (`ADDR:PORT`; the first one when there are several).
    pub resolver: String,
    /// The judgement.
    pub status: ResolverStatus,
    /// The answers that decided it (`gmail.com MX: NXDOMAIN`); empty when `ok`.
    pub evidence: Vec<String>,
}

impl ResolverReport {
    /// The warning to show the user when the resolver is not trusted; `None` when it is.
    pub fn warning(&self) -> Option<String> {
        let what = match self.status {
            ResolverStatus::Ok => return None,
            ResolverStatus::DeniesExistingNames => "says that names which exist do not exist",
            ResolverStatus::InventsMissingNames => "invents addresses for names that do not exist",
            ResolverStatus::Failing => "fails most queries with SERVFAIL, REFUSED or timeouts",
            ResolverStatus::Unreachable => "does not answer: no DNS server answered",
        };
        Some(format!(
            "the DNS resolver {} {what} ({}; evidence: {}); no address was rejected on its word: \
             those rows are unknown (dns_untrusted{}); fix: give a working resolver with \
             --dns SERVER, or use --offline to skip DNS",
            self.resolver,
            self.status.as_str(),
            if self.evidence.is_empty() {
                "none kept".to_owned()
            } else {
                self.evidence.join("; ")
            },
            if self.status == ResolverStatus::Unreachable {
                ", or dns_timeout where it never answered"
            } else {
                ""
            },
        ))
    }
}

/// The judgement at one point of the run: the status, its evidence, and the TLDs whose
/// negative answers are not trusted when the resolver answers some zones but denies others.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Judgement {
    pub(crate) status: ResolverStatus,
    pub(crate) evidence: Vec<String>,
    /// Set only for a resolver that answers some names but denies these TLDs (or a provider
    /// under them): a "does not exist" under them is no evidence; other answers are.
    pub(crate) denied_tlds: Vec<String>,
}

impl Judgement {
    /// Whether the answer `route` for `domain` (A-label form) may decide an address.
    pub(crate) fn trusts(&self, domain: &str, route: &MailRoute) -> bool {
        if self.status.trusts(route) {
            return true;
        }
        !self.denied_tlds.is_empty() && !self.denied_tlds.iter().any(|t| t == tld_of(domain))
    }
}

/// Domains without MX that must all share one address before the sameness counts as invention.
const SAME_ADDRESS_MIN: u64 = 5;

/// The judge: fed probe answers and the stage's routes, it keeps the counts that decide the
/// status. Once the status is not `ok`, it stays so for the run (a resolver caught lying is not
/// trusted again).
#[derive(Debug, Default)]
pub(crate) struct ResolverJudge {
    probes: Vec<(Probe, Answer)>,
    domains: u64,
    positive: u64,
    nxdomain: u64,
    servfail: u64,
    timeout: u64,
    /// Routes to mail hosts through MX records.
    via_mx: u64,
    /// The address set every MX-less route resolved to so far, and how many did.
    implicit: Option<(Vec<IpAddr>, u64)>,
    implicit_differ: bool,
    /// List domains that got "does not exist" (NXDOMAIN, or no mail server), by TLD.
    negative_by_tld: std::collections::HashMap<String, u64>,
    /// TLDs under which some list domain got a positive answer.
    positive_tlds: std::collections::HashSet<String>,
    settled: Option<Judgement>,
}

impl ResolverJudge {
    /// Whether probes were recorded.
    pub(crate) fn probed(&self) -> bool {
        !self.probes.is_empty()
    }

    /// Record a probe's answer.
    pub(crate) fn probe(&mut self, probe: Probe, answer: Answer) {
        self.probes.push((probe, answer));
    }

    /// The TLDs the resolver denies: a root-zone TLD probed by name, or the TLD of a provider
    /// whose MX it says does not exist, unless some other answer under that TLD was positive
    /// (a server that answers gmail.com does not deny `com`). A server that answers for a root
    /// of its own (the loopback testnets' local root zones, served by an authoritative server or
    /// reached by a recursive one from its hints) serves a namespace of its own: the TLDs it
    /// leaves out are not in it, and it denies none. A root whose name servers are the IANA
    /// root servers (`*.root-servers.net`) is the real one, where those TLDs exist.
    fn denied_tlds(&self) -> Vec<String> {
        let own_root = self.probes.iter().any(|(p, a)| {
            p.name.is_empty()
                && match a {
                    Answer::Records(ns) => !is_iana_root_server(ns),
                    a => *a == Answer::NoData,
                }
        });
        if own_root {
            return Vec::new();
        }
        let mut positive: Vec<&str> = self.positive_tlds.iter().map(String::as_str).collect();
        for (p, a) in &self.probes {
            if p.expect == Expect::Exists && matches!(a, Answer::Records(_) | Answer::NoData) {
                positive.push(tld_of(&p.name));
            }
        }
        let mut out: Vec<String> = Vec::new();
        for (p, a) in &self.probes {
            let t = tld_of(&p.name);
            if p.expect == Expect::Exists
                && *a == Answer::NxDomain
                && !p.name.is_empty()
                && !positive.contains(&t)
                && !out.iter().any(|o| o == t)
            {
                out.push(t.to_owned());
            }
        }
        out
    }

    /// List domains that got "does not exist" under a TLD the resolver denies.
    fn denied_under(&self) -> u64 {
        self.denied_tlds()
            .iter()
            .filter_map(|t| self.negative_by_tld.get(t))
            .sum()
    }

    /// Record the stage's answer for one list domain (A-label form).
    pub(crate) fn route(&mut self, domain: &str, route: &MailRoute) {
        let tld = tld_of(domain).to_ascii_lowercase();
        match route {
            MailRoute::NxDomain | MailRoute::NoMailServer => {
                *self.negative_by_tld.entry(tld).or_default() += 1;
            }
            MailRoute::Mx { .. } | MailRoute::Implicit { .. } | MailRoute::NullMx => {
                self.positive_tlds.insert(tld);
            }
            MailRoute::ServFail | MailRoute::Timeout => {}
        }
        self.domains += 1;
        match route {
            MailRoute::Mx { .. } => {
                self.positive += 1;
                self.via_mx += 1;
            }
            MailRoute::Implicit { host } => {
                self.positive += 1;
                let mut a = host.addresses.clone();
                a.sort();
                match &mut self.implicit {
                    None => self.implicit = Some((a, 1)),
                    Some((first, n)) if *first == a => *n += 1,
                    Some(_) => self.implicit_differ = true,
                }
            }
            // The name exists: a positive answer about existence.
            MailRoute::NullMx | MailRoute::NoMailServer => self.positive += 1,
            MailRoute::NxDomain => self.nxdomain += 1,
            MailRoute::ServFail => self.servfail += 1,
            MailRoute::Timeout => self.timeout += 1,
        }
    }

    fn probe_words(&self, pred: impl Fn(&Probe, &Answer) -> bool) -> Vec<String> {
        self.probes
            .iter()
            .filter(|(p, a)| pred(p, a))
            .map(|(p, a)| {
                let name = if p.name.is_empty() { "." } else { &p.name };
                format!("{name} {}: {}", p.rtype, a.words())
            })
            .collect()
    }

    fn domains_words(&self, n: u64, what: &str) -> String {
        format!("{n} of {} list domains: {what}", self.domains)
    }

    /// The status on the evidence so far, and the evidence that decided it.
    fn decide(&self) -> Judgement {
        let (status, evidence) = self.decide_status();
        // A resolver that answers some zones but denies others is trusted only where it has
        // not denied the TLD.
        let denied_tlds = if status == ResolverStatus::DeniesExistingNames && self.positive > 0 {
            self.denied_tlds()
        } else {
            Vec::new()
        };
        Judgement {
            status,
            evidence,
            denied_tlds,
        }
    }

    fn decide_status(&self) -> (ResolverStatus, Vec<String>) {
        let probe_timeouts = self
            .probes
            .iter()
            .filter(|(_, a)| *a == Answer::Timeout)
            .count() as u64;
        let asked = self.probes.len() as u64 + self.domains;
        // Unreachable: every question timed out.
        if asked > 0 && probe_timeouts + self.timeout == asked {
            let mut ev = self.probe_words(|_, _| true);
            ev.truncate(3);
            if self.domains > 0 {
                ev.push(self.domains_words(self.timeout, "timeout"));
            }
            return (ResolverStatus::Unreachable, ev);
        }
        // Invents: an address for a name that cannot exist, or one address for every domain.
        let invented =
            self.probe_words(|p, a| p.expect == Expect::Missing && matches!(a, Answer::Records(_)));
        if !invented.is_empty() {
            let ev = invented
                .into_iter()
                .map(|e| format!("{e} (a random name that cannot exist)"))
                .collect();
            return (ResolverStatus::InventsMissingNames, ev);
        }
        if let Some((addrs, n)) = &self.implicit
            && *n >= SAME_ADDRESS_MIN
            && !self.implicit_differ
            && self.via_mx == 0
            && self.nxdomain == 0
        {
            let list: Vec<String> = addrs.iter().map(IpAddr::to_string).collect();
            let ev = vec![format!(
                "{n} of {} list domains: no MX and the same address {}",
                self.domains,
                list.join(" ")
            )];
            return (ResolverStatus::InventsMissingNames, ev);
        }
        // Denies: it says a name that must exist does not, and nothing it said was positive.
        let positive_probes = self
            .probes
            .iter()
            .filter(|(p, a)| {
                p.expect == Expect::Exists && matches!(a, Answer::Records(_) | Answer::NoData)
            })
            .count() as u64;
        let denied = self.probe_words(|p, a| p.expect == Expect::Exists && *a == Answer::NxDomain);
        if !denied.is_empty() && positive_probes == 0 && self.positive == 0 {
            let mut ev = denied;
            ev.truncate(5);
            if self.domains > 0 {
                ev.push(self.domains_words(self.nxdomain, "NXDOMAIN"));
            }
            return (ResolverStatus::DeniesExistingNames, ev);
        }
        // It answers some names (its own zones) but denies a TLD that the list's domains are
        // under: its "does not exist" for those domains is no evidence.
        let denied_under = self.denied_under();
        if denied_under > 0 {
            let mut ev = self.probe_words(|p, a| {
                p.expect == Expect::Exists && *a == Answer::NxDomain && !p.name.is_empty()
            });
            ev.truncate(5);
            ev.push(format!(
                "{} of {} list domains: does not exist, under a TLD it denies ({}), while {} \
                 got real answers",
                denied_under,
                self.domains,
                self.denied_tlds().join(", "),
                self.positive
            ));
            return (ResolverStatus::DeniesExistingNames, ev);
        }
        // Failing: SERVFAIL, REFUSED or timeouts for most questions.
        // Once the list's own names got positive answers the resolver demonstrably resolves
        // them: judge it on those names alone (an authoritative server may refuse the probes).
        let probe_failed = self.probes.iter().filter(|(_, a)| a.failed()).count() as u64;
        let (failed, asked) = if self.positive > 0 {
            (self.servfail + self.timeout, self.domains)
        } else {
            (probe_failed + self.servfail + self.timeout, asked)
        };
        if failed * 2 > asked {
            let mut ev = self.probe_words(|_, a| a.failed());
            ev.truncate(4);
            if self.domains > 0 {
                ev.push(self.domains_words(self.servfail, "SERVFAIL or REFUSED"));
                if self.timeout > 0 {
                    ev.push(self.domains_words(self.timeout, "timeout"));
                }
            }
            return (ResolverStatus::Failing, ev);
        }
        (ResolverStatus::Ok, Vec::new())
    }

    /// The judgement on everything recorded so far (sticky once not ok).
    pub(crate) fn judge(&mut self) -> Judgement {
        if let Some(s) = &self.settled {
            return s.clone();
        }
        let d = self.decide();
        if d.status != ResolverStatus::Ok {
            self.settled = Some(d.clone());
        }
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dns::MxHost;
    use crate::dns::known_answers::probes;

    fn mx(host: &str, addr: &str) -> MailRoute {
        MailRoute::Mx {
            hosts: vec![MxHost {
                host: host.into(),
                preference: 10,
                addresses: vec![addr.parse().unwrap()],
                cname: false,
                problem: None,
            }],
        }
    }

    fn implicit(domain: &str, addr: &str) -> MailRoute {
        MailRoute::Implicit {
            host: MxHost {
                host: domain.into(),
                preference: 0,
                addresses: vec![addr.parse().unwrap()],
                cname: false,
                problem: None,
            },
        }
    }

    /// A judge fed the standard probes (list TLD `com`), each answered by `answer`.
    fn probed(answer: impl Fn(&Probe) -> Answer) -> ResolverJudge {
        let mut j = ResolverJudge::default();
        for p in probes(["example.com", "x.test"].into_iter(), "q7k2m9x4") {
            let a = answer(&p);
            j.probe(p, a);
        }
        j
    }

    fn truthful(p: &Probe) -> Answer {
        match p.expect {
            Expect::Exists => Answer::Records("x".into()),
            Expect::Missing => Answer::NxDomain,
        }
    }

    #[test]
    fn a_truthful_resolver_is_ok() {
        let mut j = probed(truthful);
        j.route("d.example", &mx("mx.example.com", "192.0.2.1"));
        j.route("d.example", &MailRoute::NxDomain);
        j.route("d.example", &MailRoute::ServFail);
        assert_eq!(j.judge(), Judgement::default());
    }

    #[test]
    fn denying_every_name_is_denies_existing_names() {
        let mut j = probed(|_| Answer::NxDomain);
        for _ in 0..10 {
            j.route("d.example", &MailRoute::NxDomain);
        }
        let Judgement {
            status: s,
            evidence: ev,
            ..
        } = j.judge();
        assert_eq!(s, ResolverStatus::DeniesExistingNames);
        assert!(ev.contains(&"gmail.com MX: NXDOMAIN".to_owned()), "{ev:?}");
        assert!(ev.contains(&". NS: NXDOMAIN".to_owned()), "{ev:?}");
        assert!(
            ev.contains(&"10 of 10 list domains: NXDOMAIN".to_owned()),
            "{ev:?}"
        );
    }

    #[test]
    fn an_authoritative_server_that_denies_other_zones_is_ok() {
        // The loopback testnet: NXDOMAIN for the root, the providers and `com`, but real
        // answers for the list's own zone.
        let mut j = probed(|_| Answer::NxDomain);
        j.route("d.example", &mx("mx1.ok.test", "127.0.0.10"));
        for _ in 0..5 {
            j.route("d.example", &MailRoute::NxDomain);
        }
        assert_eq!(j.judge().status, ResolverStatus::Ok);
        // So is one that REFUSES the probes.
        let mut j = probed(|_| Answer::Refused);
        j.route("d.example", &mx("mx1.ok.test", "127.0.0.10"));
        j.route("d.example", &MailRoute::NxDomain);
        assert_eq!(j.judge().status, ResolverStatus::Ok);
    }

    #[test]
    fn a_server_that_answers_its_zones_but_denies_a_tld_is_not_trusted_under_that_tld() {
        // A split resolver: real answers for its own zone, NXDOMAIN for `com` and the providers.
        let mut j = probed(|_| Answer::NxDomain);
        j.route("corp.test", &mx("mx.corp.test", "10.0.0.1"));
        j.route("gone.test", &MailRoute::NxDomain);
        j.route("shop.com", &MailRoute::NxDomain);
        let judged = j.judge();
        assert_eq!(judged.status, ResolverStatus::DeniesExistingNames);
        assert_eq!(judged.denied_tlds, ["com"]);
        assert!(
            judged.evidence.contains(
                &"1 of 3 list domains: does not exist, under a TLD it denies (com), while 1 got \
                  real answers"
                    .to_owned()
            ),
            "{:?}",
            judged.evidence
        );
        // Its NXDOMAIN under `com` is no evidence; under `test` it is; positives are.
        assert!(!judged.trusts("shop.com", &MailRoute::NxDomain));
        assert!(judged.trusts("gone.test", &MailRoute::NxDomain));
        assert!(judged.trusts("corp.test", &mx("mx.corp.test", "10.0.0.1")));
        // A positive answer under `com` (a list domain, or gmail.com) disproves denying `com`.
        let mut j = probed(|_| Answer::NxDomain);
        j.route("shop.com", &MailRoute::NxDomain);
        j.route("corp.com", &mx("mx.corp.com", "10.0.0.1"));
        assert_eq!(j.judge(), Judgement::default());
        let mut j = probed(|p| match p.name.as_str() {
            "gmail.com" => Answer::Records("5 gmail-smtp-in.l.google.com.".into()),
            _ => Answer::NxDomain,
        });
        j.route("ok.test", &mx("mx1.ok.test", "127.0.0.10"));
        j.route("gmial.com", &MailRoute::NxDomain);
        assert_eq!(j.judge(), Judgement::default());
        // A server with a root zone of its own (the loopback testnet) denies no TLD: its root
        // zone has no `com`.
        let mut j = probed(|p| match p.name.as_str() {
            "" => Answer::Records("ns.test.".into()),
            _ => Answer::NxDomain,
        });
        j.route("ok.test", &mx("mx1.ok.test", "127.0.0.10"));
        j.route("gmial.com", &MailRoute::NxDomain);
        assert_eq!(j.judge(), Judgement::default());
        // So is a recursive resolver that reaches such a root from its hints (unbound in
        // tools/mta-testnet: `. NS root-ns.`, the list's own zone delegated from it).
        let mut j = probed(|p| match p.name.as_str() {
            "" => Answer::Records("root-ns.".into()),
            _ => Answer::NxDomain,
        });
        j.route("exim.mtanet.test", &mx("mx.exim.mtanet.test", "127.0.70.1"));
        j.route("nx.mtanet.test", &MailRoute::NxDomain);
        j.route("gmial.com", &MailRoute::NxDomain);
        assert_eq!(j.judge(), Judgement::default());
        // But a resolver that names the IANA root servers for `.` claims the real root, where
        // `com` exists: its NXDOMAIN under `com` is no evidence.
        let mut j = probed(|p| match p.name.as_str() {
            "" => Answer::Records("a.root-servers.net.".into()),
            _ => Answer::NxDomain,
        });
        j.route("ok.test", &mx("mx1.ok.test", "127.0.0.10"));
        j.route("gmial.com", &MailRoute::NxDomain);
        let judged = j.judge();
        assert_eq!(judged.status, ResolverStatus::DeniesExistingNames);
        assert_eq!(judged.denied_tlds, ["com"]);
        assert!(
            is_iana_root_server("M.ROOT-SERVERS.NET") && is_iana_root_server("a.root-servers.net.")
        );
        assert!(!is_iana_root_server("root-ns.") && !is_iana_root_server("z.root-servers.net"));
        // Without a list domain under a denied TLD it stays ok.
        let mut j = probed(|_| Answer::NxDomain);
        j.route("ok.test", &mx("mx1.ok.test", "127.0.0.10"));
        j.route("gone.test", &MailRoute::NxDomain);
        assert_eq!(j.judge(), Judgement::default());
    }

    #[test]
    fn an_address_for_a_random_name_is_invents_missing_names() {
        let mut j = probed(|p| match p.expect {
            Expect::Missing => Answer::Records("127.0.0.99".into()),
            Expect::Exists => Answer::NoData,
        });
        j.route("d.example", &implicit("a.com", "127.0.0.99"));
        let Judgement {
            status: s,
            evidence: ev,
            ..
        } = j.judge();
        assert_eq!(s, ResolverStatus::InventsMissingNames);
        assert_eq!(
            ev,
            ["q7k2m9x4.com A: 127.0.0.99 (a random name that cannot exist)"]
        );
        assert!(!s.trusts(&implicit("a.com", "127.0.0.99")));
        assert!(!s.trusts(&MailRoute::NxDomain));
    }

    #[test]
    fn every_domain_at_one_address_without_mx_is_invention() {
        let mut j = probed(truthful);
        for i in 0..5 {
            j.route("d.example", &implicit(&format!("d{i}.com"), "203.0.113.7"));
        }
        assert_eq!(j.judge().status, ResolverStatus::InventsMissingNames);
        // Many domains hosted by one provider share MX hosts: not invention.
        let mut j = probed(truthful);
        for _ in 0..20 {
            j.route("d.example", &mx("aspmx.l.google.com", "192.0.2.25"));
        }
        assert_eq!(j.judge().status, ResolverStatus::Ok);
    }

    #[test]
    fn servfail_or_refused_for_most_queries_is_failing() {
        for answer in [Answer::ServFail, Answer::Refused] {
            let mut j = probed(|_| answer.clone());
            for _ in 0..8 {
                j.route("d.example", &MailRoute::ServFail);
            }
            let Judgement {
                status: s,
                evidence: ev,
                ..
            } = j.judge();
            assert_eq!(s, ResolverStatus::Failing);
            assert!(ev.iter().any(|e| e.starts_with(". NS: ")), "{ev:?}");
            assert!(ev.contains(&"8 of 8 list domains: SERVFAIL or REFUSED".to_owned()));
            // Positive answers still route mail; negative ones condemn nobody.
            assert!(s.trusts(&mx("mx", "192.0.2.1")));
            assert!(!s.trusts(&MailRoute::NxDomain) && !s.trusts(&MailRoute::NullMx));
        }
        // A few broken domains on a healthy resolver are not a failing resolver.
        let mut j = probed(truthful);
        j.route("d.example", &MailRoute::ServFail);
        j.route("d.example", &MailRoute::Timeout);
        assert_eq!(j.judge().status, ResolverStatus::Ok);
    }

    #[test]
    fn silence_everywhere_is_unreachable() {
        let mut j = probed(|_| Answer::Timeout);
        j.route("d.example", &MailRoute::Timeout);
        let Judgement {
            status: s,
            evidence: ev,
            ..
        } = j.judge();
        assert_eq!(s, ResolverStatus::Unreachable);
        assert!(
            ev.contains(&"1 of 1 list domains: timeout".to_owned()),
            "{ev:?}"
        );
        assert!(s.trusts(&MailRoute::Timeout));
    }

    #[test]
    fn a_resolver_caught_lying_stays_untrusted() {
        let mut j = probed(|_| Answer::NxDomain);
        j.route("d.example", &MailRoute::NxDomain);
        assert_eq!(j.judge().status, ResolverStatus::DeniesExistingNames);
        j.route("d.example", &mx("mx.example.com", "192.0.2.1"));
        assert_eq!(j.judge().status, ResolverStatus::DeniesExistingNames);
    }

    #[test]
    fn the_warning_names_the_resolver_the_evidence_and_the_fix() {
        let r = ResolverReport {
            resolver: "127.0.0.1:53".into(),
            status: ResolverStatus::DeniesExistingNames,
            evidence: vec!["gmail.com MX: NXDOMAIN".into()],
        };
        let w = r.warning().unwrap();
        for part in [
            "127.0.0.1:53",
            "denies_existing_names",
            "gmail.com MX: NXDOMAIN",
            "dns_untrusted",
            "--dns SERVER",
            "--offline",
        ] {
            assert!(w.contains(part), "{part} missing from {w}");
        }
        let ok = ResolverReport {
            status: ResolverStatus::Ok,
            evidence: vec![],
            ..r
        };
        assert_eq!(ok.warning(), None);
    }
}
