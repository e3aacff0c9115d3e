//! The thin driver: the DNS layer's zone-then-network lookups (NXDOMAIN offline) answer the
//! evaluator.

use crate::dns::ZoneThenNet;
use crate::dns::records::{Lookup, RType};

use super::eval::SpfDns;

impl SpfDns for ZoneThenNet {
    fn lookup(&mut self, name: &str, rtype: RType) -> Lookup {
        ZoneThenNet::lookup(self, name, rtype)
    }
}
