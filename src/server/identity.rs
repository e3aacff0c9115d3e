//! The server's identity: the PTR of its address, forward-confirmed reverse DNS (the PTR name
//! resolves back to the address), and whether the greeting and EHLO names agree with it.
//! Sans-IO: the DNS answers come in, facts go out.

use std::net::IpAddr;

use serde::Serialize;

use crate::dns::fcrdns::{Fcrdns, Forward};
pub(crate) use crate::dns::fcrdns::{ptr_names, reverse_name};
use crate::dns::records::Lookup;

/// What the DNS and the greeting say about who the server is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IdentityFacts {
    /// The PTR names of the address.
    pub ptr: Vec<String>,
    /// The PTR lookup's outcome (`answer`, `nxdomain`, `nodata`, `servfail`, `timeout`).
    pub ptr_lookup: String,
    /// A PTR name resolves back to the address (`None` when there is no PTR).
    pub fcrdns: Option<bool>,
}

/// The facts, given the PTR lookup and each PTR name's address lookups.
pub(crate) fn facts(ip: IpAddr, ptr: &Lookup, forward: &[(String, Vec<IpAddr>)]) -> IdentityFacts {
    let f = Fcrdns::judge(ptr.clone(), usize::MAX, |name| {
        if forward
            .iter()
            .any(|(n, addrs)| n == name && addrs.contains(&ip))
        {
            Forward::Back
        } else {
            Forward::Elsewhere
        }
    });
    IdentityFacts {
        fcrdns: (!f.names.is_empty()).then_some(f.confirmed.is_some()),
        ptr: f.names,
        ptr_lookup: ptr.kind().into(),
    }
}

/// Whether a greeting or EHLO `name` agrees with the PTR names (case-insensitive).
pub(crate) fn agrees(name: &str, ptr: &[String]) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    ptr.contains(&name)
}

/// The host name at the start of a greeting text (`mx.example.com ESMTP Postfix`).
pub(crate) fn greeting_name(text: &str) -> Option<&str> {
    text.split_ascii_whitespace()
        .next()
        .filter(|w| w.contains('.') || w.eq_ignore_ascii_case("localhost"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dns::records::Rr;

    #[test]
    fn reverse_names() {
        assert_eq!(
            reverse_name("192.0.2.10".parse().unwrap()),
            "10.2.0.192.in-addr.arpa"
        );
        assert!(reverse_name("2001:db8::1".parse().unwrap()).starts_with("1.0.0.0."));
        assert!(reverse_name("2001:db8::1".parse().unwrap()).ends_with("8.b.d.0.1.0.0.2.ip6.arpa"));
    }

    #[test]
    fn fcrdns_needs_the_name_to_point_back() {
        let ip: IpAddr = "192.0.2.10".parse().unwrap();
        let ptr = Lookup::Answer(vec![Rr::Ptr("mx.example.com".into())]);
        let back = vec![("mx.example.com".to_string(), vec![ip])];
        assert_eq!(facts(ip, &ptr, &back).fcrdns, Some(true));
        let elsewhere = vec![(
            "mx.example.com".to_string(),
            vec!["192.0.2.99".parse().unwrap()],
        )];
        assert_eq!(facts(ip, &ptr, &elsewhere).fcrdns, Some(false));
        assert_eq!(facts(ip, &Lookup::NxDomain, &[]).fcrdns, None);
        assert!(agrees("MX.example.com.", &["mx.example.com".into()]));
        assert_eq!(
            greeting_name("mx.example.com ESMTP"),
            Some("mx.example.com")
        );
        assert_eq!(greeting_name("ESMTP ready"), None);
    }
}
