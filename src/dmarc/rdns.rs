//! Reverse DNS of report sources: the PTR name of an address, answered by `--zone` records
//! first, then the network (none with `--offline`). A failed lookup leaves the name unknown.

use std::net::IpAddr;

use crate::dns::NetLookup;
use crate::dns::fcrdns::reverse_name;
use crate::dns::records::{Lookup, RType, Rr};
use crate::dns::zone::Zone;

/// Where PTR answers come from.
pub struct PtrSource {
    zone: Zone,
    net: Option<NetLookup>,
}

impl PtrSource {
    /// Answers from `zone` and, unless `None` (offline), the network.
    pub fn new(zone: Zone, net: Option<NetLookup>) -> PtrSource {
        PtrSource { zone, net }
    }

    /// Whether any lookup can be answered (a zone with records, or the network).
    pub fn is_active(&self) -> bool {
        self.net.is_some() || !self.zone.is_empty()
    }

    /// The PTR name of `ip` (lower case, no trailing dot), when one is published.
    pub fn ptr(&self, ip: IpAddr) -> Option<String> {
        let name = reverse_name(ip);
        let answer = match self.zone.lookup(&name, RType::Ptr) {
            Some(a) => a,
            None => self.net.as_ref()?.lookup(&name, RType::Ptr),
        };
        match answer {
            Lookup::Answer(rrs) => rrs.into_iter().find_map(|r| match r {
                Rr::Ptr(n) => Some(n.trim_end_matches('.').to_ascii_lowercase()),
                _ => None,
            }),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_zone() {
        assert_eq!(
            reverse_name("192.0.2.10".parse().unwrap()),
            "10.2.0.192.in-addr.arpa"
        );
        assert!(
            reverse_name("2001:db8::1".parse().unwrap())
                .starts_with("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2")
        );
        let zone = Zone::parse(
            "10.2.0.192.in-addr.arpa. 300 IN PTR Mail.Example.COM.\n",
            "z",
        )
        .unwrap();
        let p = PtrSource::new(zone, None);
        assert_eq!(
            p.ptr("192.0.2.10".parse().unwrap()).as_deref(),
            Some("mail.example.com")
        );
        assert_eq!(p.ptr("192.0.2.11".parse().unwrap()), None);
    }
}
