//! Questions whose answers are known: names that must exist (the root, TLDs of the root zone,
//! large mailbox providers) and one that cannot, asked to judge a resolver before trusting it.

/// The last label of a domain, lowercase expected.
pub(super) fn tld_of(domain: &str) -> &str {
    domain
        .trim_end_matches('.')
        .rsplit('.')
        .next()
        .unwrap_or("")
}

/// What a probe name is known to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Expect {
    /// The name must exist (the root, a TLD of the root zone, a large mailbox provider).
    Exists,
    /// The name cannot exist (a random label under a real TLD).
    Missing,
}

/// A question whose answer is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Probe {
    /// The name asked (no trailing dot; empty for the root).
    pub(crate) name: String,
    /// The record type asked, by name (`MX`, `SOA`, `NS`, `A`).
    pub(crate) rtype: &'static str,
    /// What the truth is.
    pub(crate) expect: Expect,
}

/// What a probe got back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Answer {
    /// Records; the first one in words (an address or a host name).
    Records(String),
    /// The name exists with no record of that type.
    NoData,
    /// The name does not exist.
    NxDomain,
    /// SERVFAIL, another error code or an answer that could not be read.
    ServFail,
    /// REFUSED.
    Refused,
    /// No answer in time.
    Timeout,
}

impl Answer {
    pub(super) fn words(&self) -> &str {
        match self {
            Answer::Records(s) => s,
            Answer::NoData => "no records (NODATA)",
            Answer::NxDomain => "NXDOMAIN",
            Answer::ServFail => "SERVFAIL",
            Answer::Refused => "REFUSED",
            Answer::Timeout => "timeout",
        }
    }

    pub(super) fn failed(&self) -> bool {
        matches!(self, Answer::ServFail | Answer::Refused | Answer::Timeout)
    }
}

/// Whether a host name (as the probe words it, trailing dot or not) is one of the IANA root
/// servers, `a` to `m.root-servers.net` (RFC 7720, the root hints file).
pub(super) fn is_iana_root_server(host: &str) -> bool {
    host.trim_end_matches('.')
        .to_ascii_lowercase()
        .strip_suffix(".root-servers.net")
        .is_some_and(|l| l.len() == 1 && ('a'..='m').contains(&l.chars().next().unwrap_or(' ')))
}

/// Large mailbox providers whose MX records must exist.
const PROVIDERS: [&str; 3] = ["gmail.com", "outlook.com", "yahoo.com"];
/// At most this many of the list's TLDs are asked about.
const MAX_TLDS: usize = 4;

/// Whether `tld` (lowercase A-label) is delegated in the root zone (`data/root_zone_tlds.txt`).
pub(crate) fn in_root_zone(tld: &str) -> bool {
    use std::collections::HashSet;
    use std::sync::OnceLock;
    static TLDS: OnceLock<HashSet<&'static str>> = OnceLock::new();
    TLDS.get_or_init(|| {
        include_str!("../../data/root_zone_tlds.txt")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect()
    })
    .contains(tld)
}

/// The probes to send before trusting the resolver: the providers' MX, the root, the root-zone
/// TLDs of `domains` (A-label form), and `random_label` under `com`, which cannot exist.
pub(crate) fn probes<'a>(domains: impl Iterator<Item = &'a str>, random_label: &str) -> Vec<Probe> {
    let exists = |name: &str, rtype| Probe {
        name: name.to_owned(),
        rtype,
        expect: Expect::Exists,
    };
    let mut out: Vec<Probe> = PROVIDERS.iter().map(|p| exists(p, "MX")).collect();
    out.push(exists("", "NS"));
    let mut tlds: Vec<String> = Vec::new();
    for d in domains {
        let tld = tld_of(d).to_ascii_lowercase();
        if tlds.len() < MAX_TLDS && in_root_zone(&tld) && !tlds.contains(&tld) {
            tlds.push(tld);
        }
    }
    out.extend(tlds.iter().map(|t| exists(t, "SOA")));
    out.push(Probe {
        name: format!("{random_label}.com"),
        rtype: "A",
        expect: Expect::Missing,
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probes_ask_the_root_root_zone_tlds_providers_and_a_missing_name() {
        let p = probes(
            ["a.com", "b.de", "c.test", "d.com", "e.invalid"].into_iter(),
            "r4nd",
        );
        let names: Vec<(&str, &str)> = p.iter().map(|p| (p.name.as_str(), p.rtype)).collect();
        assert_eq!(
            names,
            [
                ("gmail.com", "MX"),
                ("outlook.com", "MX"),
                ("yahoo.com", "MX"),
                ("", "NS"),
                ("com", "SOA"),
                ("de", "SOA"),
                ("r4nd.com", "A"),
            ]
        );
        assert_eq!(p.last().unwrap().expect, Expect::Missing);
        assert!(in_root_zone("xn--p1ai") && !in_root_zone("test") && !in_root_zone("local"));
    }
}
