//! Typed resource records and lookup outcomes, free of any DNS library: what the zone file
//! parser produces and what the SPF evaluator asks for.

use std::net::{Ipv4Addr, Ipv6Addr};

use serde::Serialize;

/// A record type the SPF evaluator and the zone file know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum RType {
    /// IPv4 address.
    A,
    /// IPv6 address.
    Aaaa,
    /// Mail exchanger.
    Mx,
    /// Text strings.
    Txt,
    /// Pointer (reverse DNS).
    Ptr,
    /// Canonical name.
    Cname,
    /// Name server.
    Ns,
    /// Start of authority.
    Soa,
    /// DANE TLS certificate association (RFC 6698).
    Tlsa,
}

impl RType {
    /// The mnemonic (`A`, `AAAA`, ...).
    pub fn name(self) -> &'static str {
        match self {
            RType::A => "A",
            RType::Aaaa => "AAAA",
            RType::Mx => "MX",
            RType::Txt => "TXT",
            RType::Ptr => "PTR",
            RType::Cname => "CNAME",
            RType::Ns => "NS",
            RType::Soa => "SOA",
            RType::Tlsa => "TLSA",
        }
    }

    /// Parse a mnemonic, case-insensitively.
    pub fn parse(s: &str) -> Option<RType> {
        Some(match s.to_ascii_uppercase().as_str() {
            "A" => RType::A,
            "AAAA" => RType::Aaaa,
            "MX" => RType::Mx,
            "TXT" => RType::Txt,
            "PTR" => RType::Ptr,
            "CNAME" => RType::Cname,
            "NS" => RType::Ns,
            "SOA" => RType::Soa,
            "TLSA" => RType::Tlsa,
            _ => return None,
        })
    }
}

/// One record's data. Names are lower-case, without the trailing dot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rr {
    /// IPv4 address.
    A(Ipv4Addr),
    /// IPv6 address.
    Aaaa(Ipv6Addr),
    /// Preference and exchange host.
    Mx(u16, String),
    /// The character-strings, in order.
    Txt(Vec<String>),
    /// Pointer target.
    Ptr(String),
    /// Canonical name target.
    Cname(String),
    /// Name server host.
    Ns(String),
    /// Start of authority, kept as its text.
    Soa(String),
    /// TLSA (RFC 6698): certificate usage, selector, matching type, association data.
    Tlsa(u8, u8, u8, Vec<u8>),
}

impl Rr {
    /// This record's type.
    pub fn rtype(&self) -> RType {
        match self {
            Rr::A(_) => RType::A,
            Rr::Aaaa(_) => RType::Aaaa,
            Rr::Mx(..) => RType::Mx,
            Rr::Txt(_) => RType::Txt,
            Rr::Ptr(_) => RType::Ptr,
            Rr::Cname(_) => RType::Cname,
            Rr::Ns(_) => RType::Ns,
            Rr::Soa(_) => RType::Soa,
            Rr::Tlsa(..) => RType::Tlsa,
        }
    }

    /// The data as presentation text (TXT strings joined without separator).
    pub fn text(&self) -> String {
        match self {
            Rr::A(a) => a.to_string(),
            Rr::Aaaa(a) => a.to_string(),
            Rr::Mx(p, h) => format!("{p} {h}"),
            Rr::Txt(s) => s.concat(),
            Rr::Ptr(n) | Rr::Cname(n) | Rr::Ns(n) => n.clone(),
            Rr::Soa(s) => s.clone(),
            Rr::Tlsa(u, s, m, d) => {
                let hex: String = d.iter().map(|b| format!("{b:02x}")).collect();
                format!("{u} {s} {m} {hex}")
            }
        }
    }
}

/// The outcome of one query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// Records of the type asked (never empty).
    Answer(Vec<Rr>),
    /// The name does not exist (RCODE 3).
    NxDomain,
    /// The name exists but has no record of this type.
    NoData,
    /// SERVFAIL or another error code.
    ServFail,
    /// No answer in time.
    Timeout,
}

impl Lookup {
    /// A short name of the outcome (`answer`, `nxdomain`, `nodata`, `servfail`, `timeout`).
    pub fn kind(&self) -> &'static str {
        match self {
            Lookup::Answer(_) => "answer",
            Lookup::NxDomain => "nxdomain",
            Lookup::NoData => "nodata",
            Lookup::ServFail => "servfail",
            Lookup::Timeout => "timeout",
        }
    }

    /// A transient outcome (timeout, SERVFAIL): nothing can be concluded from it.
    pub fn is_transient(&self) -> bool {
        matches!(self, Lookup::Timeout | Lookup::ServFail)
    }
}

/// A name in canonical form: lower case, no trailing dot.
pub fn canonical_name(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}
