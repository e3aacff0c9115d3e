//! One-at-a-time typed queries over the project's transport (for the SPF driver): a query for
//! any record type the SPF evaluator needs, its answer as `Rr` values or a typed failure.

use std::time::Duration;

use hickory_resolver::proto::rr::{Name, RData, RecordType};

use super::records::{Lookup, RType, Rr, canonical_name};
use super::transport::{Fail, Transport};
use super::{DnsConfig, DnsError};

/// A blocking resolver: its own small runtime and the shared transport.
pub struct NetLookup {
    rt: tokio::runtime::Runtime,
    transport: Transport,
}

impl NetLookup {
    /// Open the transport to the configured servers (the system's when none).
    pub fn new(cfg: &DnsConfig) -> Result<NetLookup, DnsError> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(DnsError::Sockets)?;
        let servers = if cfg.servers.is_empty() {
            super::resolve::system_servers()?
        } else {
            cfg.servers.clone()
        };
        let timeout = if cfg.timeout.is_zero() {
            Duration::from_secs(2)
        } else {
            cfg.timeout
        };
        let transport = {
            let _guard = rt.enter();
            Transport::new(&servers, timeout, cfg.retries).map_err(DnsError::Sockets)?
        };
        Ok(NetLookup { rt, transport })
    }

    /// Ask for `name`/`rtype`.
    pub fn lookup(&self, name: &str, rtype: RType) -> Lookup {
        let Ok(qname) = Name::from_ascii(format!("{}.", canonical_name(name))) else {
            return Lookup::NxDomain;
        };
        let qtype = match rtype {
            RType::A => RecordType::A,
            RType::Aaaa => RecordType::AAAA,
            RType::Mx => RecordType::MX,
            RType::Txt => RecordType::TXT,
            RType::Ptr => RecordType::PTR,
            RType::Cname => RecordType::CNAME,
            RType::Ns => RecordType::NS,
            RType::Soa => RecordType::SOA,
        };
        match self.rt.block_on(self.transport.query(&qname, qtype)) {
            Ok(data) => {
                let rrs: Vec<Rr> = data.iter().filter_map(|d| convert(d, rtype)).collect();
                if rrs.is_empty() {
                    Lookup::NoData
                } else {
                    Lookup::Answer(rrs)
                }
            }
            Err(Fail::NxDomain) => Lookup::NxDomain,
            Err(Fail::NoData) => Lookup::NoData,
            Err(Fail::Timeout) => Lookup::Timeout,
            Err(Fail::ServFail | Fail::Refused) => Lookup::ServFail,
        }
    }
}

fn name_text(n: &Name) -> String {
    canonical_name(&n.to_ascii())
}

fn convert(d: &RData, want: RType) -> Option<Rr> {
    let rr = match d {
        RData::A(a) => Rr::A(a.0),
        RData::AAAA(a) => Rr::Aaaa(a.0),
        RData::MX(mx) => Rr::Mx(mx.preference, name_text(&mx.exchange)),
        RData::TXT(t) => Rr::Txt(
            t.txt_data
                .iter()
                .map(|s| String::from_utf8_lossy(s).into_owned())
                .collect(),
        ),
        RData::PTR(p) => Rr::Ptr(name_text(&p.0)),
        RData::CNAME(c) => Rr::Cname(name_text(&c.0)),
        RData::NS(n) => Rr::Ns(name_text(&n.0)),
        RData::SOA(s) => Rr::Soa(s.to_string()),
        _ => return None,
    };
    (rr.rtype() == want).then_some(rr)
}

impl NetLookup {
    /// Ask for `name`/`rtype`, with whether the resolver marked the answer authenticated
    /// (DNSSEC AD bit; false for failures and for resolvers that do not validate).
    pub fn lookup_ad(&self, name: &str, rtype: RType) -> (Lookup, bool) {
        let (Ok(qname), Ok(qtype)) = (
            Name::from_ascii(format!("{}.", canonical_name(name))),
            rtype.name().parse::<RecordType>(),
        ) else {
            return (Lookup::NxDomain, false);
        };
        match self.rt.block_on(self.transport.query_ad(&qname, qtype)) {
            Ok((data, ad)) => {
                let rrs: Vec<Rr> = data.iter().filter_map(|d| convert(d, rtype)).collect();
                if rrs.is_empty() {
                    (Lookup::NoData, ad)
                } else {
                    (Lookup::Answer(rrs), ad)
                }
            }
            Err(Fail::NxDomain) => (Lookup::NxDomain, false),
            Err(Fail::NoData) => (Lookup::NoData, false),
            Err(Fail::Timeout) => (Lookup::Timeout, false),
            Err(Fail::ServFail | Fail::Refused) => (Lookup::ServFail, false),
        }
    }
}
