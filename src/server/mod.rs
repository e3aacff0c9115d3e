//! `mailsift server TARGET`: diagnose a mail server the way swaks, testssl.sh and the web SMTP
//! testers do together. For each MX (or the host), address and port: connect time, greeting
//! (tarpits recognised), EHLO extensions, TLS (version, cipher, chain, name, expiry, key, DANE,
//! MTA-STS), identity (PTR, FCrDNS, names), optional AUTH and relay test, postmaster@, VRFY /
//! EXPN; findings with an id, severity, message and fix. Never `DATA`.
//!
//! Sans-IO core (`session`, `assess`, `identity`, `dane`, `mta_sts_match`, `cert`, `auth`) with
//! a thin tokio driver (`driver`); DNS answers are gathered first through the [`Dns`] trait.

mod assess;
mod auth;
mod cert;
mod dane;
mod driver;
mod findings;
mod identity;
mod md5;
mod mta_sts_match;
mod old_tls;
mod render;
mod report;
mod session;
mod tls_facts;

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use crate::dns::records::{Lookup, RType, Rr};

pub use crate::dns::ZoneThenNet;
pub use auth::{Credentials, Secret};
pub use dane::DaneCheck;
pub use findings::{EXIT_CLEAN, EXIT_ERROR, EXIT_WARNING, Finding, FindingId, Severity};
pub use identity::IdentityFacts;
pub use mta_sts_match::{StsMatch, StsPolicy};
pub use render::render_text;
pub use report::{Ehlo, Greeting, HostReport, PortReport, Relay, Report, Tls};
pub use session::{AuthResult, RELAY_FROM, RELAY_TO, Said, VRFY_NOBODY};
pub use tls_facts::{TlsFacts, TrustRoots};

/// DNS answers for the checks (MX, A/AAAA, PTR, TLSA).
pub trait Dns {
    /// Ask for `name`/`rtype`.
    fn lookup(&mut self, name: &str, rtype: RType) -> Lookup;
}

impl Dns for ZoneThenNet {
    fn lookup(&mut self, name: &str, rtype: RType) -> Lookup {
        ZoneThenNet::lookup(self, name, rtype)
    }
}

/// What to check and how.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// A domain (its MX hosts are checked) or a host name or address.
    pub target: String,
    /// Ports (`None`: 25 for a domain's MX hosts; 25, 465 and 587 for a host).
    pub ports: Option<Vec<u16>>,
    /// The EHLO name.
    pub helo: String,
    /// Connect and reply time limit (the greeting gets twice as long).
    pub timeout: Duration,
    /// Try relaying (`MAIL FROM` and `RCPT TO` outside addresses, then `RSET`).
    pub relay_test: bool,
    /// AUTH with these credentials.
    pub auth: Option<Credentials>,
    /// AUTH also without TLS.
    pub allow_plaintext_auth: bool,
    /// Trust anchors.
    pub roots: TrustRoots,
    /// Ports that speak TLS from the first byte (465 when empty).
    pub implicit_tls_ports: Vec<u16>,
    /// An MTA-STS policy to check each MX against (not fetched here).
    pub mta_sts: Option<StsPolicy>,
}

/// Why the check could not run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ServerError {
    /// The target has a null MX (RFC 7505): it accepts no mail.
    #[error("{0} has a null MX (RFC 7505): it accepts no mail, there is no server to check")]
    NullMx(String),
    /// No MX and no address.
    #[error("{0}: no MX and no address record ({1})")]
    NotFound(String, String),
    /// The DNS did not answer (SERVFAIL or timeout).
    #[error("{0}: the DNS did not answer ({1}); try --dns SERVER")]
    Dns(String, String),
    /// The async runtime could not start.
    #[error("runtime: {0}")]
    Runtime(String),
}

fn addresses(dns: &mut dyn Dns, host: &str) -> Vec<IpAddr> {
    if let Ok(ip) = host.trim_matches(['[', ']']).parse::<IpAddr>() {
        return vec![ip];
    }
    let mut out = Vec::new();
    for rt in [RType::A, RType::Aaaa] {
        if let Lookup::Answer(rrs) = dns.lookup(host, rt) {
            for r in rrs {
                match r {
                    Rr::A(a) => out.push(IpAddr::V4(a)),
                    Rr::Aaaa(a) => out.push(IpAddr::V6(a)),
                    _ => {}
                }
            }
        }
    }
    out
}

struct Plan {
    kind: &'static str,
    hosts: Vec<String>,
    ports: Vec<u16>,
    explicit: bool,
    postmaster: String,
}

fn plan(cfg: &ServerConfig, dns: &mut dyn Dns) -> Result<Plan, ServerError> {
    let target = cfg.target.trim_end_matches('.').to_ascii_lowercase();
    let is_ip = target.trim_matches(['[', ']']).parse::<IpAddr>().is_ok();
    let (kind, hosts) = if is_ip {
        ("host", vec![target.clone()])
    } else {
        match dns.lookup(&target, RType::Mx) {
            Lookup::Answer(rrs) => {
                let mut mx: Vec<(u16, String)> = rrs
                    .into_iter()
                    .filter_map(|r| match r {
                        Rr::Mx(p, h) => Some((p, h)),
                        _ => None,
                    })
                    .collect();
                if mx.len() == 1 && (mx[0].1.is_empty() || mx[0].1 == ".") {
                    return Err(ServerError::NullMx(target));
                }
                mx.sort();
                ("domain", mx.into_iter().map(|(_, h)| h).collect())
            }
            Lookup::ServFail | Lookup::Timeout => {
                let a = addresses(dns, &target);
                if a.is_empty() {
                    return Err(ServerError::Dns(target, "MX".into()));
                }
                ("host", vec![target.clone()])
            }
            other => {
                if addresses(dns, &target).is_empty() {
                    return Err(ServerError::NotFound(target, other.kind().into()));
                }
                ("host", vec![target.clone()])
            }
        }
    };
    let explicit = cfg.ports.is_some();
    let ports = cfg.ports.clone().unwrap_or_else(|| {
        if kind == "domain" {
            vec![25]
        } else {
            vec![25, 465, 587]
        }
    });
    let postmaster = if is_ip {
        "postmaster".to_owned()
    } else {
        format!("postmaster@{target}")
    };
    Ok(Plan {
        kind,
        hosts,
        ports,
        explicit,
        postmaster,
    })
}

struct Prepared {
    host: String,
    ip: IpAddr,
    identity: IdentityFacts,
    tlsa: Vec<(u16, Vec<Rr>)>,
}

/// Run the checks: DNS first (through `dns`), then every host, address and port at once.
pub fn run(cfg: &ServerConfig, dns: &mut dyn Dns) -> Result<Report, ServerError> {
    let p = plan(cfg, dns)?;
    let mut prepared = Vec::new();
    let mut unresolved = Vec::new();
    for host in &p.hosts {
        let ips = addresses(dns, host);
        if ips.is_empty() {
            unresolved.push(host.clone());
        }
        let is_name = host.parse::<IpAddr>().is_err();
        let tlsa: Vec<(u16, Vec<Rr>)> = p
            .ports
            .iter()
            .map(|&port| {
                let rrs = if is_name {
                    match dns.lookup(&format!("_{port}._tcp.{host}"), RType::Tlsa) {
                        Lookup::Answer(r) => r,
                        _ => Vec::new(),
                    }
                } else {
                    Vec::new()
                };
                (port, rrs)
            })
            .collect();
        for ip in ips {
            let ptr = dns.lookup(&identity::reverse_name(ip), RType::Ptr);
            let forward: Vec<(String, Vec<IpAddr>)> = identity::ptr_names(&ptr)
                .into_iter()
                .map(|n| {
                    let a = addresses(dns, &n);
                    (n, a)
                })
                .collect();
            prepared.push(Prepared {
                host: host.clone(),
                ip,
                identity: identity::facts(ip, &ptr, &forward),
                tlsa: tlsa.clone(),
            });
        }
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| ServerError::Runtime(e.to_string()))?;
    let implicit_ports = if cfg.implicit_tls_ports.is_empty() {
        vec![465]
    } else {
        cfg.implicit_tls_ports.clone()
    };
    let mut hosts = Vec::new();
    let runs: Vec<Vec<driver::PortRun>> = rt.block_on(async {
        let mut all = Vec::new();
        for pr in &prepared {
            let mut set = Vec::new();
            for &port in &p.ports {
                let implicit = implicit_ports.contains(&port);
                let job = driver::PortJob {
                    host: pr.host.clone(),
                    addr: SocketAddr::new(pr.ip, port),
                    implicit_tls: implicit,
                    plan: session::Plan {
                        helo: cfg.helo.clone(),
                        starttls: !implicit,
                        implicit_tls: implicit,
                        auth: cfg.auth.clone(),
                        allow_plaintext_auth: cfg.allow_plaintext_auth,
                        relay_test: cfg.relay_test,
                        postmaster: p.postmaster.clone(),
                    },
                    timeout: cfg.timeout,
                };
                set.push(tokio::spawn(driver::run(job, cfg.roots.clone())));
            }
            all.push(set);
        }
        let mut out = Vec::new();
        for set in all {
            let mut runs = Vec::new();
            for h in set {
                match h.await {
                    Ok(r) => runs.push(r),
                    Err(e) => std::panic::resume_unwind(e.into_panic()),
                }
            }
            out.push(runs);
        }
        out
    });
    for (pr, port_runs) in prepared.into_iter().zip(runs) {
        let ports = port_runs
            .into_iter()
            .zip(&p.ports)
            .map(|(run, &port)| {
                let tlsa = pr
                    .tlsa
                    .iter()
                    .find(|(p, _)| *p == port)
                    .map(|(_, r)| r.as_slice())
                    .unwrap_or(&[]);
                let cx = assess::PortContext {
                    port,
                    explicit: p.explicit,
                    tlsa,
                    sts: cfg.mta_sts.as_ref(),
                    host: &pr.host,
                    ptr: &pr.identity.ptr,
                    timeout: cfg.timeout,
                    implicit: implicit_ports.contains(&port),
                    submission: port == 587 || implicit_ports.contains(&port),
                    postmaster: &p.postmaster,
                    relay_test: cfg.relay_test,
                };
                assess::port(run, &cx)
            })
            .collect();
        let ip = pr.ip.to_string();
        hosts.push(HostReport {
            findings: assess::address(&pr.identity, &ip),
            host: pr.host,
            address: ip,
            identity: pr.identity,
            ports,
        });
    }
    for host in unresolved {
        hosts.push(HostReport {
            host: host.clone(),
            address: String::new(),
            identity: IdentityFacts {
                ptr: Vec::new(),
                ptr_lookup: String::new(),
                fcrdns: None,
            },
            findings: vec![Finding::new(
                FindingId::PortClosed,
                format!("the MX host {host} has no address record: nothing to connect to"),
            )],
            ports: Vec::new(),
        });
    }
    Ok(Report {
        target: cfg.target.clone(),
        kind: p.kind,
        hosts,
        worst: "none",
        exit_code: 0,
    }
    .finish())
}
