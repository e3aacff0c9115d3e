//! The thin blocking drivers: DNS answers from a zone file first, then the network (with the
//! resolver's AD bit), or only the zone offline; and the MTA-STS policy over HTTPS on a small
//! runtime of its own, with extra trust roots and a port override for tests.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use rustls::ClientConfig;
use rustls::pki_types::CertificateDer;

use super::answers::{Answer, AuditDns, Dnssec};
use super::https_get;
use super::mta_sts::{PolicyFetch, PolicyResponse};
use crate::dns::records::RType;
use crate::dns::zone::Zone;
use crate::dns::{NetLookup, ZoneThenNet};

/// Zone answers before network answers; without a network, names not in the zone are NXDOMAIN.
pub struct ZoneNetDns(ZoneThenNet);

impl ZoneNetDns {
    /// A driver over `zone` and, unless offline, `net`.
    pub fn new(zone: Zone, net: Option<NetLookup>) -> ZoneNetDns {
        ZoneNetDns(ZoneThenNet::new(zone, net))
    }
}

impl AuditDns for ZoneNetDns {
    fn query(&mut self, name: &str, rtype: RType) -> Answer {
        let (lookup, ad) = self.0.lookup_ad(name, rtype);
        Answer {
            lookup,
            dnssec: match ad {
                None => Dnssec::Zone,
                Some(true) => Dnssec::Authenticated,
                Some(false) => Dnssec::NotAuthenticated,
            },
        }
    }
}

/// Fetches MTA-STS policies over HTTPS (or refuses, offline).
pub struct HttpsFetcher {
    rt: Option<tokio::runtime::Runtime>,
    config: Option<Arc<ClientConfig>>,
    port: u16,
    timeout: Duration,
}

impl HttpsFetcher {
    /// A fetcher trusting the Mozilla roots and `extra_roots`, connecting to `port` (443 in
    /// real use), giving up on one address after `timeout`.
    pub fn new(
        extra_roots: &[CertificateDer<'static>],
        port: u16,
        timeout: Duration,
    ) -> Result<HttpsFetcher, String> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        Ok(HttpsFetcher {
            rt: Some(rt),
            config: Some(https_get::client_config(extra_roots)?),
            port,
            timeout,
        })
    }

    /// A fetcher that fetches nothing (`--offline`): every fetch is an unknown.
    pub fn offline() -> HttpsFetcher {
        HttpsFetcher {
            rt: None,
            config: None,
            port: 443,
            timeout: Duration::ZERO,
        }
    }
}

impl PolicyFetch for HttpsFetcher {
    fn fetch(&mut self, host: &str, addrs: &[IpAddr]) -> PolicyResponse {
        match (&self.rt, &self.config) {
            (Some(rt), Some(cfg)) => rt.block_on(https_get::get(
                cfg.clone(),
                host,
                addrs,
                self.port,
                self.timeout,
            )),
            _ => PolicyResponse::Failed {
                transient: true,
                message: "offline: the policy was not fetched".into(),
            },
        }
    }
}

/// The certificates in PEM text (`-----BEGIN CERTIFICATE-----` blocks), for extra trust roots.
pub fn pem_certificates(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, String> {
    use rustls::pki_types::pem::PemObject;
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("reading PEM certificates: {e}"))?;
    if certs.is_empty() {
        return Err("no PEM certificate found".into());
    }
    Ok(certs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dns::records::Lookup;

    #[test]
    fn zone_answers_first_and_offline_is_nxdomain() {
        let zone = Zone::parse("a.example. A 192.0.2.1\n", "t").unwrap();
        let mut d = ZoneNetDns::new(zone, None);
        let a = d.query("a.example", RType::A);
        assert!(matches!(a.lookup, Lookup::Answer(_)));
        assert_eq!(a.dnssec, Dnssec::Zone);
        assert_eq!(d.query("b.example", RType::A).lookup, Lookup::NxDomain);
        let mut f = HttpsFetcher::offline();
        assert!(matches!(
            f.fetch("mta-sts.a.example", &[]),
            PolicyResponse::Failed {
                transient: true,
                ..
            }
        ));
    }

    #[test]
    fn pem_certificates_are_read_or_refused() {
        let ca = include_bytes!("../../tests/data/domain/tls/ca.pem");
        assert_eq!(pem_certificates(ca).unwrap().len(), 1);
        assert!(pem_certificates(b"not pem").is_err());
    }
}
