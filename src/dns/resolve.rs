//! The async driver: hickory-resolver queries, classified into typed outcomes, with shared
//! single-flight caches so that each domain and each MX host is resolved once per run.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hickory_resolver::proto::rr::{Name, RData, RecordType};
use tokio::sync::OnceCell;

use super::DnsError;
use super::records::{Lookup, Rr};
use super::transport::{Fail, Transport};
use super::zone::Zone;
use super::{MailRoute, MxHost};

/// Resolver settings.
#[derive(Debug, Clone)]
pub struct DnsConfig {
    /// Servers to ask (`SERVER[:PORT]`); empty means the system's resolvers.
    pub servers: Vec<SocketAddr>,
    /// Time to wait for one answer.
    pub timeout: Duration,
    /// Retries after a timeout.
    pub retries: usize,
    /// Domains resolved at the same time.
    pub concurrency: usize,
}

impl Default for DnsConfig {
    fn default() -> Self {
        DnsConfig {
            servers: Vec::new(),
            timeout: Duration::from_secs(2),
            retries: 1,
            concurrency: 256,
        }
    }
}

fn fail_name(f: Fail) -> &'static str {
    match f {
        Fail::NxDomain => "nxdomain",
        Fail::NoData => "nodata",
        Fail::Timeout => "timeout",
        Fail::ServFail | Fail::Refused => "servfail",
    }
}

/// Addresses of one host (A and AAAA), or why there are none.
#[derive(Debug, Clone)]
struct HostAnswer {
    addresses: Vec<IpAddr>,
    cname: bool,
    problem: Option<Fail>,
}

/// Counters for tests and benchmarks.
#[derive(Debug, Default)]
pub(crate) struct DnsStats {
    /// Domains resolved (cache misses).
    pub domains: AtomicU64,
    /// MX hosts resolved (cache misses).
    pub hosts: AtomicU64,
    /// Queries sent through the resolver.
    pub queries: AtomicU64,
}

/// A caching, single-flight resolver of mail routes.
pub(crate) struct DnsResolver {
    /// The network; `None` with `--offline --zone` (only the zone answers).
    transport: Option<Transport>,
    /// Records from `--zone` files, asked before the network; `None` without `--zone`.
    zone: Option<Arc<Zone>>,
    servers: Vec<SocketAddr>,
    domains: Mutex<HashMap<String, Arc<OnceCell<Arc<MailRoute>>>>>,
    hosts: Mutex<HashMap<String, Arc<OnceCell<HostAnswer>>>>,
    answered: AtomicU64,
    timeouts: AtomicU64,
    dead: AtomicBool,
    /// Counters.
    pub stats: DnsStats,
}

impl DnsResolver {
    /// A resolver that asks `zone` first, then the network of `cfg` (none when `cfg` is `None`:
    /// names the zone does not hold are then NXDOMAIN). Call inside a tokio runtime context.
    pub(crate) fn with_zone(
        cfg: Option<&DnsConfig>,
        zone: Option<Arc<Zone>>,
    ) -> Result<DnsResolver, DnsError> {
        let (transport, servers) = match cfg {
            Some(cfg) => {
                let servers = if cfg.servers.is_empty() {
                    system_servers()?
                } else {
                    cfg.servers.clone()
                };
                let transport = Transport::new(&servers, cfg.timeout, cfg.retries)
                    .map_err(DnsError::Sockets)?;
                (Some(transport), servers)
            }
            None => (None, Vec::new()),
        };
        Ok(DnsResolver {
            transport,
            zone,
            servers,
            domains: Mutex::new(HashMap::new()),
            hosts: Mutex::new(HashMap::new()),
            answered: AtomicU64::new(0),
            timeouts: AtomicU64::new(0),
            dead: AtomicBool::new(false),
            stats: DnsStats::default(),
        })
    }

    /// The servers asked.
    pub(crate) fn servers(&self) -> &[SocketAddr] {
        &self.servers
    }

    /// One query to the network only (the judge's probes: the zone is not judged), counted,
    /// and short-cut once the servers are dead.
    pub(super) async fn ask(&self, name: &str, rtype: RecordType) -> Result<Vec<RData>, Fail> {
        self.net_query(name, rtype).await
    }

    /// True when a network resolver is asked (false with `--offline --zone`).
    pub(crate) fn has_network(&self) -> bool {
        self.transport.is_some()
    }

    /// True when the zone holds `domain` (A-label form, or any name below a wildcard): its
    /// mail route is then decided by the zone, not by the network.
    pub(crate) fn zone_holds(&self, domain: &str) -> bool {
        self.zone
            .as_ref()
            .is_some_and(|z| z.lookup(domain, super::records::RType::Mx).is_some())
    }

    /// True once no server has answered anything and several queries timed out.
    pub(crate) fn resolvers_dead(&self) -> bool {
        self.dead.load(Ordering::Relaxed)
    }

    fn note(&self, r: &Result<(), Fail>) {
        match r {
            Err(Fail::Timeout) => {
                let t = self.timeouts.fetch_add(1, Ordering::Relaxed) + 1;
                if t >= 3 && self.answered.load(Ordering::Relaxed) == 0 {
                    self.dead.store(true, Ordering::Relaxed);
                }
            }
            _ => {
                self.answered.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// The query path: the zone answers first (one `Option` test when there is no zone), then
    /// the network.
    async fn query(&self, name: &str, rtype: RecordType) -> Result<Vec<RData>, Fail> {
        if let Some(zone) = &self.zone
            && let Some(answer) = zone_answer(zone, name, rtype)
        {
            return answer;
        }
        self.net_query(name, rtype).await
    }

    async fn net_query(&self, name: &str, rtype: RecordType) -> Result<Vec<RData>, Fail> {
        let Some(transport) = &self.transport else {
            return Err(Fail::NxDomain);
        };
        if self.resolvers_dead() {
            return Err(Fail::Timeout);
        }
        self.stats.queries.fetch_add(1, Ordering::Relaxed);
        let fqdn = format!("{}.", name.trim_end_matches('.'));
        let Ok(qname) = Name::from_ascii(&fqdn) else {
            return Err(Fail::NxDomain);
        };
        let out = transport.query(&qname, rtype).await;
        self.note(&out.as_ref().map(|_| ()).map_err(|e| *e));
        out
    }

    async fn host(&self, host: &str) -> HostAnswer {
        let cell = {
            let mut m = self.hosts.lock().unwrap_or_else(|p| p.into_inner());
            m.entry(host.to_owned()).or_default().clone()
        };
        cell.get_or_init(|| async {
            self.stats.hosts.fetch_add(1, Ordering::Relaxed);
            let (a, aaaa) = tokio::join!(
                self.query(host, RecordType::A),
                self.query(host, RecordType::AAAA)
            );
            let mut addresses = Vec::new();
            let mut cname = false;
            for rd in a.iter().flatten().chain(aaaa.iter().flatten()) {
                match rd {
                    RData::A(x) => addresses.push(IpAddr::V4(x.0)),
                    RData::AAAA(x) => addresses.push(IpAddr::V6(x.0)),
                    RData::CNAME(_) => cname = true,
                    _ => {}
                }
            }
            let problem = if addresses.is_empty() {
                Some(worst(a.err(), aaaa.err()))
            } else {
                None
            };
            HostAnswer {
                addresses,
                cname,
                problem,
            }
        })
        .await
        .clone()
    }

    /// The addresses (A and AAAA) of a host name, resolved once per run; empty when it has none
    /// or the lookup failed.
    pub(crate) async fn addresses(&self, host: &str) -> Vec<IpAddr> {
        self.host(&host.trim_end_matches('.').to_ascii_lowercase())
            .await
            .addresses
    }

    /// The mail route of `domain` (A-label form), resolved once per run.
    pub(crate) async fn route(&self, domain: &str) -> Arc<MailRoute> {
        let key = domain.trim_end_matches('.').to_ascii_lowercase();
        let cell = {
            let mut m = self.domains.lock().unwrap_or_else(|p| p.into_inner());
            m.entry(key.clone()).or_default().clone()
        };
        cell.get_or_init(|| async {
            self.stats.domains.fetch_add(1, Ordering::Relaxed);
            Arc::new(self.resolve_route(&key).await)
        })
        .await
        .clone()
    }

    async fn resolve_route(&self, domain: &str) -> MailRoute {
        match self.query(domain, RecordType::MX).await {
            Ok(rdata) => {
                let mut mx: Vec<(u16, String)> = rdata
                    .iter()
                    .filter_map(|rd| match rd {
                        RData::MX(m) => Some((m.preference, m.exchange.to_ascii())),
                        _ => None,
                    })
                    .collect();
                let is_root = |h: &str| h.is_empty() || h == ".";
                if mx.is_empty() {
                    return self.implicit(domain).await;
                }
                if mx.iter().all(|(_, h)| is_root(h)) {
                    return MailRoute::NullMx;
                }
                mx.retain(|(_, h)| !is_root(h));
                mx.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
                mx.dedup();
                let answers = futures_join_all(mx.iter().map(|(_, h)| self.host(h))).await;
                let hosts: Vec<MxHost> = mx
                    .into_iter()
                    .zip(answers)
                    .map(|((preference, host), a)| MxHost {
                        host: host.trim_end_matches('.').to_owned(),
                        preference,
                        addresses: a.addresses,
                        cname: a.cname,
                        problem: a.problem.map(fail_name),
                    })
                    .collect();
                if hosts.iter().any(|h| !h.addresses.is_empty()) {
                    return MailRoute::Mx { hosts };
                }
                // No MX host has an address: definite only if every host said so definitely.
                if hosts.iter().any(|h| h.problem == Some("timeout")) {
                    MailRoute::Timeout
                } else if hosts.iter().any(|h| h.problem == Some("servfail")) {
                    MailRoute::ServFail
                } else {
                    MailRoute::NoMailServer
                }
            }
            Err(Fail::NoData) => self.implicit(domain).await,
            Err(Fail::NxDomain) => MailRoute::NxDomain,
            Err(Fail::Timeout) => MailRoute::Timeout,
            Err(Fail::ServFail | Fail::Refused) => MailRoute::ServFail,
        }
    }

    async fn implicit(&self, domain: &str) -> MailRoute {
        let a = self.host(domain).await;
        match a.problem {
            None => MailRoute::Implicit {
                host: MxHost {
                    host: domain.to_owned(),
                    preference: 0,
                    addresses: a.addresses,
                    cname: a.cname,
                    problem: None,
                },
            },
            Some(Fail::Timeout) => MailRoute::Timeout,
            Some(Fail::ServFail | Fail::Refused) => MailRoute::ServFail,
            Some(Fail::NxDomain) | Some(Fail::NoData) => MailRoute::NoMailServer,
        }
    }
}

/// The zone's answer to `name`/`rtype` in the network's terms, or `None` when the zone does not
/// hold the name.
fn zone_answer(zone: &Zone, name: &str, rtype: RecordType) -> Option<Result<Vec<RData>, Fail>> {
    use super::records::RType;
    let want = match rtype {
        RecordType::A => RType::A,
        RecordType::AAAA => RType::Aaaa,
        RecordType::MX => RType::Mx,
        RecordType::TXT => RType::Txt,
        RecordType::PTR => RType::Ptr,
        RecordType::CNAME => RType::Cname,
        RecordType::NS => RType::Ns,
        RecordType::SOA => RType::Soa,
        _ => return None,
    };
    Some(match zone.lookup(name, want)? {
        Lookup::Answer(rrs) => {
            let data: Vec<RData> = rrs.iter().filter_map(rdata).collect();
            if data.is_empty() {
                Err(Fail::NoData)
            } else {
                Ok(data)
            }
        }
        Lookup::NxDomain => Err(Fail::NxDomain),
        Lookup::NoData => Err(Fail::NoData),
        Lookup::ServFail => Err(Fail::ServFail),
        Lookup::Timeout => Err(Fail::Timeout),
    })
}

/// A zone record as hickory data (the types the mail route needs; others are left out).
fn rdata(rr: &Rr) -> Option<RData> {
    use hickory_resolver::proto::rr::rdata;
    let name = |h: &str| {
        if h.is_empty() || h == "." {
            Some(Name::root())
        } else {
            Name::from_ascii(format!("{}.", h.trim_end_matches('.'))).ok()
        }
    };
    Some(match rr {
        Rr::A(a) => RData::A(rdata::A(*a)),
        Rr::Aaaa(a) => RData::AAAA(rdata::AAAA(*a)),
        Rr::Mx(p, h) => RData::MX(rdata::MX::new(*p, name(h)?)),
        Rr::Cname(h) => RData::CNAME(rdata::CNAME(name(h)?)),
        Rr::Ns(h) => RData::NS(rdata::NS(name(h)?)),
        Rr::Ptr(h) => RData::PTR(rdata::PTR(name(h)?)),
        Rr::Txt(_) | Rr::Soa(_) | Rr::Tlsa(..) => return None,
    })
}

/// The most telling failure of an A and an AAAA query that both gave no address.
fn worst(a: Option<Fail>, b: Option<Fail>) -> Fail {
    let rank = |f: Option<Fail>| match f {
        Some(Fail::Timeout) => 4,
        Some(Fail::ServFail | Fail::Refused) => 3,
        Some(Fail::NoData) => 2,
        Some(Fail::NxDomain) => 1,
        None => 0,
    };
    let (x, y) = (a, b);
    let pick = if rank(x) >= rank(y) { x } else { y };
    // Both queries answered without addresses: NODATA unless both said NXDOMAIN.
    match (a, b) {
        (Some(Fail::NxDomain), Some(Fail::NxDomain)) => Fail::NxDomain,
        _ => pick.unwrap_or(Fail::NoData),
    }
}

/// Await all futures concurrently, keeping their order.
pub(super) async fn futures_join_all<F: std::future::Future>(
    futs: impl Iterator<Item = F>,
) -> Vec<F::Output> {
    let mut set = Vec::new();
    for f in futs {
        set.push(Box::pin(f));
    }
    let mut out = Vec::with_capacity(set.len());
    // Poll them together: a small hand-rolled join.
    let mut results: Vec<Option<F::Output>> = (0..set.len()).map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (i, f) in set.iter_mut().enumerate() {
            if results[i].is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => results[i] = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    out.extend(results.into_iter().flatten());
    out
}

/// The system's name servers (`/etc/resolv.conf` on Unix), read by hickory-resolver.
pub(super) fn system_servers() -> Result<Vec<SocketAddr>, DnsError> {
    let (conf, _) = hickory_resolver::system_conf::read_system_conf()
        .map_err(|e| DnsError::SystemConfig(e.into()))?;
    let mut out = Vec::new();
    for ns in conf.name_servers {
        let port = ns.connections.first().map_or(53, |c| c.port);
        let sa = SocketAddr::new(ns.ip, port);
        if !out.contains(&sa) {
            out.push(sa);
        }
    }
    if out.is_empty() {
        return Err(DnsError::NoServers);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zone_answers_in_the_networks_terms() {
        let zone = Zone::parse(
            "$ORIGIN t.\nnull MX 0 .\nmx MX 10 alias.mx\nalias.mx CNAME host.mx\nhost.mx A 192.0.2.1\n",
            "z",
        )
        .unwrap();
        let mx = zone_answer(&zone, "null.t", RecordType::MX)
            .unwrap()
            .unwrap();
        assert!(matches!(&mx[..], [RData::MX(m)] if m.exchange.is_root()));
        let a = zone_answer(&zone, "alias.mx.t.", RecordType::A)
            .unwrap()
            .unwrap();
        assert!(matches!(&a[..], [RData::A(x)] if x.0.to_string() == "192.0.2.1"));
        assert!(matches!(
            zone_answer(&zone, "host.mx.t", RecordType::AAAA),
            Some(Err(Fail::NoData))
        ));
        assert!(zone_answer(&zone, "elsewhere.t", RecordType::MX).is_none());
    }
}
