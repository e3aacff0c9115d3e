//! Reverse DNS for each sending IP: the PTR names (`in-addr.arpa` / `ip6.arpa`) and
//! forward-confirmed reverse DNS (a PTR name whose A/AAAA records include the IP), which
//! Gmail, Yahoo and Outlook require of bulk senders.

use std::net::IpAddr;

use serde::Serialize;

use super::answers::{Recorder, transient};
use super::finding::{Finding, Severity};
use crate::dns::fcrdns;
use crate::dns::fcrdns::reverse_name;
use crate::dns::records::Lookup;

/// One IP's reverse DNS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PtrCheck {
    /// The IP.
    pub ip: String,
    /// The reverse name asked.
    pub reverse_name: String,
    /// The PTR names.
    pub names: Vec<String>,
    /// The PTR name that resolves back to the IP.
    pub confirmed_name: Option<String>,
    /// `pass` (forward-confirmed), `fail` (no PTR, or no name resolves back), `unknown`.
    pub fcrdns: &'static str,
    /// What was found.
    pub findings: Vec<Finding>,
}

/// Check one IP.
pub(crate) fn check(dns: &mut Recorder<'_>, ip: IpAddr) -> PtrCheck {
    let f = fcrdns::check(ip, |name, rtype| dns.lookup(name, rtype));
    let mut c = PtrCheck {
        ip: ip.to_string(),
        reverse_name: reverse_name(ip),
        names: f.names,
        confirmed_name: f.confirmed,
        fcrdns: "fail",
        findings: Vec::new(),
    };
    if !matches!(f.ptr, Lookup::Answer(_)) {
        if transient(&f.ptr) {
            c.fcrdns = "unknown";
            c.findings.push(Finding::new(
                Severity::Unknown,
                "ptr_unknown",
                format!("the PTR of {ip} could not be looked up"),
            ));
        } else {
            c.findings.push(Finding::new(
                Severity::Error,
                "ptr_missing",
                format!("{ip} has no PTR record"),
            ));
        }
        return c;
    }
    c.fcrdns = if c.confirmed_name.is_some() {
        "pass"
    } else if f.forward_unknown {
        c.findings.push(Finding::new(
            Severity::Unknown,
            "fcrdns_unknown",
            format!("the PTR names of {ip} could not all be resolved"),
        ));
        "unknown"
    } else {
        c.findings.push(Finding::new(
            Severity::Error,
            "fcrdns_fail",
            format!(
                "no PTR name of {ip} ({}) resolves back to it",
                c.names.join(", ")
            ),
        ));
        "fail"
    };
    c
}

#[cfg(test)]
mod tests {
    use super::super::answers::fake::FakeDns;
    use super::*;

    const ZONE: &str = "1.2.0.192.in-addr.arpa. PTR mail.example.com.\nmail.example.com. A 192.0.2.1\n\
        2.2.0.192.in-addr.arpa. PTR liar.example.com.\nliar.example.com. A 192.0.2.99\n\
        1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa. PTR v6.example.com.\n\
        v6.example.com. AAAA 2001:db8::1\n";

    fn run(ip: &str) -> PtrCheck {
        let mut dns = FakeDns::new(ZONE);
        let mut r = Recorder::new(&mut dns);
        check(&mut r, ip.parse().unwrap())
    }

    #[test]
    fn reverse_names() {
        assert_eq!(
            reverse_name("192.0.2.1".parse().unwrap()),
            "1.2.0.192.in-addr.arpa"
        );
        assert!(
            reverse_name("2001:db8::1".parse().unwrap())
                .starts_with("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6")
        );
    }

    #[test]
    fn forward_confirmed_or_not() {
        let c = run("192.0.2.1");
        assert_eq!(
            (c.fcrdns, c.confirmed_name.as_deref()),
            ("pass", Some("mail.example.com"))
        );
        assert_eq!(run("2001:db8::1").fcrdns, "pass");
        let c = run("192.0.2.2");
        assert_eq!((c.fcrdns, c.findings[0].code), ("fail", "fcrdns_fail"));
        let c = run("192.0.2.3");
        assert_eq!((c.fcrdns, c.findings[0].code), ("fail", "ptr_missing"));
    }
}
