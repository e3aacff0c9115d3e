//! Forward-confirmed reverse DNS (FCrDNS): the PTR names of an address (`in-addr.arpa` /
//! `ip6.arpa`) and the first of them whose A/AAAA records include the address again.
//! Sans-IO: [`Fcrdns::judge`] takes the PTR answer and each name's forward outcome;
//! [`check`] is the thin driver over any lookup function (a zone, the network, a recorder).

use std::net::IpAddr;

use super::records::{Lookup, RType, Rr};

/// PTR names checked per address (as the SPF `ptr` limit, RFC 7208 §4.6.4).
pub(crate) const MAX_NAMES: usize = 10;

/// The reverse name of `ip` (`d.c.b.a.in-addr.arpa`, nibbles for IPv6).
pub(crate) fn reverse_name(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            format!("{}.{}.{}.{}.in-addr.arpa", o[3], o[2], o[1], o[0])
        }
        IpAddr::V6(v6) => {
            let mut s = String::with_capacity(72);
            for b in v6.octets().iter().rev() {
                s.push(char::from_digit(u32::from(b & 0xf), 16).unwrap_or('0'));
                s.push('.');
                s.push(char::from_digit(u32::from(b >> 4), 16).unwrap_or('0'));
                s.push('.');
            }
            s.push_str("ip6.arpa");
            s
        }
    }
}

/// The PTR names in a PTR lookup (none unless it is an answer).
pub(crate) fn ptr_names(ptr: &Lookup) -> Vec<String> {
    match ptr {
        Lookup::Answer(rrs) => rrs
            .iter()
            .filter_map(|r| match r {
                Rr::Ptr(n) => Some(n.clone()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// What the forward lookup of one PTR name showed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Forward {
    /// Its addresses include the address.
    Back,
    /// It resolves elsewhere, or not at all.
    Elsewhere,
    /// It could not be resolved (timeout, SERVFAIL).
    Unknown,
}

impl Forward {
    /// The outcome of a forward (A or AAAA) lookup for `ip`.
    pub(crate) fn of(ip: IpAddr, lookup: &Lookup) -> Forward {
        match lookup {
            Lookup::Answer(rrs) => {
                let back = rrs.iter().any(|r| match (r, ip) {
                    (Rr::A(a), IpAddr::V4(v)) => a == &v,
                    (Rr::Aaaa(a), IpAddr::V6(v)) => a == &v,
                    _ => false,
                });
                if back {
                    Forward::Back
                } else {
                    Forward::Elsewhere
                }
            }
            l if l.is_transient() => Forward::Unknown,
            _ => Forward::Elsewhere,
        }
    }
}

/// One address's reverse DNS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Fcrdns {
    /// The PTR lookup's outcome.
    pub(crate) ptr: Lookup,
    /// The PTR names.
    pub(crate) names: Vec<String>,
    /// The first PTR name that resolves back to the address.
    pub(crate) confirmed: Option<String>,
    /// A name asked before any confirmed could not be resolved.
    pub(crate) forward_unknown: bool,
}

impl Fcrdns {
    /// Judge from the PTR lookup; `forward` is asked about the first `limit` names in order,
    /// until one resolves back.
    pub(crate) fn judge(
        ptr: Lookup,
        limit: usize,
        mut forward: impl FnMut(&str) -> Forward,
    ) -> Fcrdns {
        let names = ptr_names(&ptr);
        let mut confirmed = None;
        let mut forward_unknown = false;
        for name in names.iter().take(limit) {
            match forward(name) {
                Forward::Back => {
                    confirmed = Some(name.clone());
                    break;
                }
                Forward::Unknown => forward_unknown = true,
                Forward::Elsewhere => {}
            }
        }
        Fcrdns {
            ptr,
            names,
            confirmed,
            forward_unknown,
        }
    }
}

/// Look up the PTR of `ip`, then the A (IPv4) or AAAA (IPv6) records of its first
/// [`MAX_NAMES`] names until one resolves back.
pub(crate) fn check(ip: IpAddr, mut lookup: impl FnMut(&str, RType) -> Lookup) -> Fcrdns {
    let ptr = lookup(&reverse_name(ip), RType::Ptr);
    let rtype = if ip.is_ipv4() { RType::A } else { RType::Aaaa };
    Fcrdns::judge(ptr, MAX_NAMES, |name| Forward::of(ip, &lookup(name, rtype)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reverse_names() {
        assert_eq!(
            reverse_name("192.0.2.1".parse().unwrap()),
            "1.2.0.192.in-addr.arpa"
        );
        assert_eq!(
            reverse_name("2001:db8::1".parse().unwrap()),
            "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa"
        );
    }

    fn lookup(name: &str, rtype: RType) -> Lookup {
        match (name, rtype) {
            ("1.2.0.192.in-addr.arpa", RType::Ptr) => Lookup::Answer(vec![
                Rr::Ptr("slow.example".into()),
                Rr::Ptr("other.example".into()),
                Rr::Ptr("mail.example".into()),
                Rr::Ptr("never.example".into()),
            ]),
            ("2.2.0.192.in-addr.arpa", RType::Ptr) => {
                Lookup::Answer(vec![Rr::Ptr("slow.example".into())])
            }
            ("3.2.0.192.in-addr.arpa", RType::Ptr) => Lookup::Timeout,
            ("slow.example", _) => Lookup::ServFail,
            ("other.example", RType::A) => {
                Lookup::Answer(vec![Rr::A("192.0.2.99".parse().unwrap())])
            }
            ("mail.example", RType::A) => Lookup::Answer(vec![Rr::A("192.0.2.1".parse().unwrap())]),
            ("never.example", _) => panic!("asked past the confirmed name"),
            _ => Lookup::NxDomain,
        }
    }

    #[test]
    fn first_name_that_points_back_stops_the_search() {
        let c = check("192.0.2.1".parse().unwrap(), lookup);
        assert_eq!(c.names.len(), 4);
        assert_eq!(c.confirmed.as_deref(), Some("mail.example"));
        assert!(c.forward_unknown, "slow.example's SERVFAIL is kept");
    }

    #[test]
    fn transient_and_missing_are_told_apart() {
        let c = check("192.0.2.2".parse().unwrap(), lookup);
        assert_eq!((c.confirmed, c.forward_unknown), (None, true));
        let c = check("192.0.2.3".parse().unwrap(), lookup);
        assert_eq!((c.ptr, c.names.len()), (Lookup::Timeout, 0));
        let c = check("192.0.2.4".parse().unwrap(), lookup);
        assert_eq!((c.ptr, c.confirmed), (Lookup::NxDomain, None));
    }

    #[test]
    fn the_limit_bounds_the_names_asked() {
        let ptr = Lookup::Answer((0..12).map(|i| Rr::Ptr(format!("n{i}.example"))).collect());
        let mut asked = 0;
        let c = Fcrdns::judge(ptr, MAX_NAMES, |_| {
            asked += 1;
            Forward::Elsewhere
        });
        assert_eq!((asked, c.names.len(), c.confirmed), (MAX_NAMES, 12, None));
    }

    #[test]
    fn forward_matches_the_family() {
        let v6: IpAddr = "2001:db8::1".parse().unwrap();
        let aaaa = Lookup::Answer(vec![Rr::Aaaa("2001:db8::1".parse().unwrap())]);
        assert_eq!(Forward::of(v6, &aaaa), Forward::Back);
        assert_eq!(
            Forward::of("192.0.2.1".parse().unwrap(), &aaaa),
            Forward::Elsewhere
        );
        assert_eq!(Forward::of(v6, &Lookup::Timeout), Forward::Unknown);
        assert_eq!(Forward::of(v6, &Lookup::NoData), Forward::Elsewhere);
    }
}
