//! Zone-file answers first, then the network: the thin blocking driver the `spf`, `server` and
//! `domain` commands share (each behind its own DNS trait). Offline, names the zone does not
//! hold are NXDOMAIN.

use super::NetLookup;
use super::records::{Lookup, RType};
use super::zone::Zone;

/// Zone answers before network answers; without a network, names not in the zone are NXDOMAIN.
pub struct ZoneThenNet {
    zone: Zone,
    net: Option<NetLookup>,
}

impl ZoneThenNet {
    /// Answers from `zone` and, unless offline (`None`), `net`.
    pub fn new(zone: Zone, net: Option<NetLookup>) -> ZoneThenNet {
        ZoneThenNet { zone, net }
    }

    /// Ask for `name`/`rtype`.
    pub fn lookup(&self, name: &str, rtype: RType) -> Lookup {
        if let Some(answer) = self.zone.lookup(name, rtype) {
            return answer;
        }
        match &self.net {
            Some(net) => net.lookup(name, rtype),
            None => Lookup::NxDomain,
        }
    }

    /// Ask for `name`/`rtype`, with whether the resolver marked the network's answer
    /// authenticated (DNSSEC AD bit); `None` for an answer from the zone, or offline.
    pub fn lookup_ad(&self, name: &str, rtype: RType) -> (Lookup, Option<bool>) {
        if let Some(answer) = self.zone.lookup(name, rtype) {
            return (answer, None);
        }
        match &self.net {
            Some(net) => {
                let (answer, ad) = net.lookup_ad(name, rtype);
                (answer, Some(ad))
            }
            None => (Lookup::NxDomain, None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zone_first_and_offline_is_nxdomain() {
        let zone = Zone::parse("a.example. A 192.0.2.1\n", "t").unwrap();
        let d = ZoneThenNet::new(zone, None);
        assert!(matches!(d.lookup("a.example", RType::A), Lookup::Answer(_)));
        assert!(matches!(
            d.lookup_ad("a.example", RType::A),
            (Lookup::Answer(_), None)
        ));
        assert_eq!(d.lookup("b.example", RType::A), Lookup::NxDomain);
        assert_eq!(d.lookup_ad("b.example", RType::A), (Lookup::NxDomain, None));
    }
}
