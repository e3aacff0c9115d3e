//! DNS evidence: how mail for a domain is routed (MX hosts, implicit MX, null MX, failures).

use std::net::IpAddr;

use serde::Serialize;

use super::Reason;

/// One MX host with what we learned about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MxHost {
    /// Host name (A-label form, no trailing dot).
    pub host: String,
    /// MX preference (lower is tried first). 0 for an implicit MX.
    pub preference: u16,
    /// Its addresses (A and AAAA).
    pub addresses: Vec<IpAddr>,
    /// The MX target is a CNAME (works, but RFC 2181 §10.3 forbids it).
    pub cname: bool,
    /// The outcome of resolving the host when it has no address: `nxdomain`, `nodata`,
    /// `timeout` or `servfail`.
    pub problem: Option<&'static str>,
}

/// How mail for a domain is routed, or why we could not find out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MailRoute {
    /// MX records, sorted by preference.
    Mx {
        /// The hosts, most preferred first.
        hosts: Vec<MxHost>,
    },
    /// No MX; the domain's own address records act as the MX (RFC 5321 §5.1).
    Implicit {
        /// The domain's addresses.
        host: MxHost,
    },
    /// RFC 7505 null MX: the domain accepts no mail.
    NullMx,
    /// The domain does not exist.
    NxDomain,
    /// The name exists but has no MX and no address, or no MX host has an address.
    NoMailServer,
    /// No answer in time.
    Timeout,
    /// The server failed (SERVFAIL or another error code, or a malformed answer).
    ServFail,
}

impl MailRoute {
    /// The reason this route implies, if it decides the address (`None` when mail can be routed).
    pub fn reason(&self) -> Option<Reason> {
        match self {
            MailRoute::Mx { .. } | MailRoute::Implicit { .. } => None,
            MailRoute::NullMx => Some(Reason::NullMx),
            MailRoute::NxDomain => Some(Reason::InvalidDomain),
            MailRoute::NoMailServer => Some(Reason::NoMailServer),
            MailRoute::Timeout => Some(Reason::DnsTimeout),
            MailRoute::ServFail => Some(Reason::DnsServfail),
        }
    }

    /// Hosts to try, in order.
    pub fn hosts(&self) -> &[MxHost] {
        match self {
            MailRoute::Mx { hosts } => hosts,
            MailRoute::Implicit { host } => std::slice::from_ref(host),
            _ => &[],
        }
    }
}

/// DNS evidence attached to an address record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DnsEvidence {
    /// The domain looked up (A-label form).
    pub domain: String,
    /// What DNS said.
    pub route: MailRoute,
    /// The mailbox provider, from MX host suffixes (`data/mx_providers.tsv`).
    pub provider: Option<&'static str>,
}

impl DnsEvidence {
    /// The most preferred MX host name, if any.
    pub fn mx_host(&self) -> Option<&str> {
        self.route.hosts().first().map(|h| h.host.as_str())
    }
}
