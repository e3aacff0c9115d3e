//! The domain's mail exchangers: MX records by preference, the null MX (RFC 7505), MX targets
//! that are CNAMEs (RFC 2181 10.3, RFC 5321 5.1), hosts that do not exist or have no address,
//! and the implicit MX of a domain with no MX record.

use serde::Serialize;

use super::answers::{Recorder, transient};
use super::finding::{Finding, Severity};
use crate::dns::records::{Lookup, RType, Rr};

/// Hosts looked at, at most.
const MAX_HOSTS: usize = 20;

/// One MX host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MxHost {
    /// Preference.
    pub preference: u16,
    /// The exchange host.
    pub host: String,
    /// The CNAME target when the host is an alias.
    pub cname: Option<String>,
    /// Its IPv4 and IPv6 addresses.
    pub addresses: Vec<String>,
    /// `ok`, `nxdomain`, `no_address`, `unknown`.
    pub status: &'static str,
}

/// The MX section.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MxSection {
    /// The MX hosts by preference.
    pub hosts: Vec<MxHost>,
    /// RFC 7505 null MX: the domain accepts no mail.
    pub null_mx: bool,
    /// No MX record: mail goes to the domain's own address (RFC 5321 5.1).
    pub implicit: bool,
    /// The domain's addresses when the MX is implicit.
    pub implicit_addresses: Vec<String>,
    /// What was found.
    pub findings: Vec<Finding>,
}

fn addresses(dns: &mut Recorder<'_>, name: &str) -> (Vec<String>, bool, bool) {
    let mut out = Vec::new();
    let mut nx = true;
    let mut unknown = false;
    for rtype in [RType::A, RType::Aaaa] {
        match dns.lookup(name, rtype) {
            Lookup::Answer(rrs) => {
                nx = false;
                out.extend(rrs.iter().filter_map(|r| match r {
                    Rr::A(_) | Rr::Aaaa(_) => Some(r.text()),
                    _ => None,
                }));
            }
            Lookup::NoData => nx = false,
            Lookup::NxDomain => {}
            _ => {
                nx = false;
                unknown = true;
            }
        }
    }
    (out, nx, unknown)
}

/// Look up and judge the MX records of `domain`.
pub(crate) fn check(dns: &mut Recorder<'_>, domain: &str) -> MxSection {
    let mut s = MxSection::default();
    let mut records = match dns.lookup(domain, RType::Mx) {
        Lookup::Answer(rrs) => rrs
            .into_iter()
            .filter_map(|r| match r {
                Rr::Mx(p, h) => Some((p, h)),
                _ => None,
            })
            .collect::<Vec<_>>(),
        Lookup::NxDomain => {
            s.findings.push(Finding::new(
                Severity::Error,
                "domain_nxdomain",
                format!("{domain} does not exist (NXDOMAIN)"),
            ));
            return s;
        }
        l if transient(&l) => {
            s.findings.push(Finding::new(
                Severity::Unknown,
                "mx_unknown",
                format!("the MX records of {domain} could not be looked up"),
            ));
            return s;
        }
        _ => Vec::new(),
    };
    if records.is_empty() {
        s.implicit = true;
        let (addrs, _, unknown) = addresses(dns, domain);
        s.implicit_addresses = addrs;
        let (sev, msg) = if !s.implicit_addresses.is_empty() {
            (
                Severity::Warning,
                format!("{domain} has no MX record; mail goes to its address (implicit MX)"),
            )
        } else if unknown {
            (
                Severity::Unknown,
                format!("{domain} has no MX record and its addresses could not be looked up"),
            )
        } else {
            (
                Severity::Warning,
                format!(
                    "{domain} has no MX record and no address: it cannot receive replies or bounces"
                ),
            )
        };
        s.findings.push(Finding::new(sev, "mx_missing", msg));
        return s;
    }
    records.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
    if records.iter().any(|(_, h)| h.is_empty()) {
        s.null_mx = true;
        let msg = if records.len() == 1 {
            format!(
                "{domain} publishes a null MX (RFC 7505): it accepts no mail, so replies and bounces to it fail"
            )
        } else {
            format!("{domain} mixes a null MX with other MX records (RFC 7505 forbids it)")
        };
        s.findings
            .push(Finding::new(Severity::Error, "mx_null", msg));
    }
    for (preference, host) in records.into_iter().take(MAX_HOSTS) {
        if host.is_empty() {
            s.hosts.push(MxHost {
                preference,
                host: ".".into(),
                cname: None,
                addresses: Vec::new(),
                status: "ok",
            });
            continue;
        }
        let cname = match dns.lookup(&host, RType::Cname) {
            Lookup::Answer(rrs) => rrs.iter().find_map(|r| match r {
                Rr::Cname(t) => Some(t.clone()),
                _ => None,
            }),
            _ => None,
        };
        if let Some(t) = &cname {
            s.findings.push(Finding::new(
                Severity::Warning,
                "mx_cname",
                format!("MX host {host} is a CNAME to {t} (RFC 2181 10.3: an MX must name a host)"),
            ));
        }
        let (addrs, nx, unknown) = addresses(dns, &host);
        let status = if !addrs.is_empty() {
            "ok"
        } else if unknown {
            s.findings.push(Finding::new(
                Severity::Unknown,
                "mx_host_unknown",
                format!("the addresses of MX host {host} could not be looked up"),
            ));
            "unknown"
        } else if nx {
            s.findings.push(Finding::new(
                Severity::Error,
                "mx_host_nxdomain",
                format!("MX host {host} does not exist"),
            ));
            "nxdomain"
        } else {
            s.findings.push(Finding::new(
                Severity::Error,
                "mx_host_no_address",
                format!("MX host {host} has no A or AAAA record"),
            ));
            "no_address"
        };
        s.hosts.push(MxHost {
            preference,
            host,
            cname,
            addresses: addrs,
            status,
        });
    }
    s
}

#[cfg(test)]
mod tests {
    use super::super::answers::fake::FakeDns;
    use super::*;

    fn run(zone: &str, domain: &str) -> MxSection {
        let mut dns = FakeDns::new(zone);
        let mut r = Recorder::new(&mut dns);
        check(&mut r, domain)
    }

    fn codes(s: &MxSection) -> Vec<&'static str> {
        s.findings.iter().map(|f| f.code).collect()
    }

    const ZONE: &str = "ok.example. MX 20 mx2.ok.example.\nok.example. MX 10 mx1.ok.example.\n\
        mx1.ok.example. A 192.0.2.1\nmx2.ok.example. AAAA 2001:db8::2\n\
        null.example. MX 0 .\nnull.example. A 192.0.2.9\n\
        cn.example. MX 10 alias.cn.example.\nalias.cn.example. CNAME mx1.ok.example.\n\
        dang.example. MX 10 gone.dang.example.\n\
        nodata.example. MX 10 h.nodata.example.\nh.nodata.example. TXT \"x\"\n\
        impl.example. A 192.0.2.5\nnomail.example. TXT \"v=spf1 -all\"\n";

    #[test]
    fn hosts_sorted_with_addresses() {
        let s = run(ZONE, "ok.example");
        let hosts: Vec<_> = s
            .hosts
            .iter()
            .map(|h| (h.preference, h.host.as_str(), h.addresses.clone()))
            .collect();
        assert_eq!(
            hosts,
            [
                (10, "mx1.ok.example", vec!["192.0.2.1".to_string()]),
                (20, "mx2.ok.example", vec!["2001:db8::2".to_string()])
            ]
        );
        assert!(s.findings.is_empty());
    }

    #[test]
    fn null_cname_dangling_nodata_implicit_and_missing() {
        let s = run(ZONE, "null.example");
        assert!(s.null_mx);
        assert_eq!(codes(&s), ["mx_null"]);
        let s = run(ZONE, "cn.example");
        assert_eq!(s.hosts[0].cname.as_deref(), Some("mx1.ok.example"));
        assert_eq!(s.hosts[0].addresses, ["192.0.2.1"]);
        assert_eq!(codes(&s), ["mx_cname"]);
        assert_eq!(codes(&run(ZONE, "dang.example")), ["mx_host_nxdomain"]);
        assert_eq!(codes(&run(ZONE, "nodata.example")), ["mx_host_no_address"]);
        let s = run(ZONE, "impl.example");
        assert!(s.implicit);
        assert_eq!(s.implicit_addresses, ["192.0.2.5"]);
        assert_eq!(codes(&run(ZONE, "nomail.example")), ["mx_missing"]);
        assert_eq!(codes(&run(ZONE, "none.example")), ["domain_nxdomain"]);
        assert_eq!(codes(&run(ZONE, "x.timeout")), ["mx_unknown"]);
    }
}
