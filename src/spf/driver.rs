//! The thin driver: answers from a zone file first, then the network (or NXDOMAIN offline).

use crate::dns::NetLookup;
use crate::dns::records::{Lookup, RType};
use crate::dns::zone::Zone;

use super::eval::SpfDns;

/// Zone answers before network answers; without a network, names not in the zone are NXDOMAIN.
pub struct ZoneThenNet {
    zone: Zone,
    net: Option<NetLookup>,
}

impl ZoneThenNet {
    /// A driver over `zone` and, unless offline, `net`.
    pub fn new(zone: Zone, net: Option<NetLookup>) -> ZoneThenNet {
        ZoneThenNet { zone, net }
    }
}

impl SpfDns for ZoneThenNet {
    fn lookup(&mut self, name: &str, rtype: RType) -> Lookup {
        if let Some(answer) = self.zone.lookup(name, rtype) {
            return answer;
        }
        match &self.net {
            Some(net) => net.lookup(name, rtype),
            None => Lookup::NxDomain,
        }
    }
}
