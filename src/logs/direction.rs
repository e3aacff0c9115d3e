//! Direction: where a message came from (local submission, a remote client, a content filter,
//! a notice generated here) and where a delivery went. Inference comes first (the rules are
//! in the join); `--local-domains` and `--mynetworks` settle what inference cannot.

use std::net::IpAddr;

/// Which way a message travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dir {
    /// Submitted here, going out: counted in the deliverability figures.
    Out,
    /// Received from a remote client: counted in `mta.inbound`.
    In,
}

/// The site's own domains and networks, when given.
#[derive(Debug, Clone, Default)]
pub struct Site {
    /// Domains whose mailboxes are here (lower case, no leading dot; a subdomain matches).
    pub local_domains: Vec<String>,
    /// Client networks that submit mail (address, prefix length).
    pub mynetworks: Vec<(IpAddr, u8)>,
}

impl Site {
    /// Parse `--local-domains` (comma or space separated) and `--mynetworks` (CIDR or
    /// addresses); an entry that does not parse is an error naming it.
    pub fn parse(domains: &[String], networks: &[String]) -> Result<Site, String> {
        let split = |v: &[String]| -> Vec<String> {
            v.iter()
                .flat_map(|s| s.split([',', ' ']))
                .map(|s| s.trim().trim_start_matches('.').to_ascii_lowercase())
                .filter(|s| !s.is_empty())
                .collect()
        };
        let mut mynetworks = Vec::new();
        for n in split(networks) {
            let (a, len) = match n.split_once('/') {
                Some((a, l)) => (a, Some(l)),
                None => (n.as_str(), None),
            };
            let ip: IpAddr = a
                .trim_matches(['[', ']'])
                .parse()
                .map_err(|_| format!("--mynetworks: not an address: {n}"))?;
            let max = if ip.is_ipv4() { 32 } else { 128 };
            let len = match len {
                Some(l) => l
                    .parse::<u8>()
                    .ok()
                    .filter(|l| *l <= max)
                    .ok_or_else(|| format!("--mynetworks: bad prefix length: {n}"))?,
                None => max,
            };
            mynetworks.push((ip, len));
        }
        Ok(Site {
            local_domains: split(domains),
            mynetworks,
        })
    }

    /// Whether the domain of `addr` (or `addr` itself, a domain) is local.
    pub(crate) fn is_local_domain(&self, addr: &str) -> bool {
        if self.local_domains.is_empty() {
            return false;
        }
        let d = addr.rsplit('@').next().unwrap_or(addr);
        self.local_domains.iter().any(|l| {
            d.len() >= l.len()
                && d[d.len() - l.len()..].eq_ignore_ascii_case(l)
                && (d.len() == l.len() || d.as_bytes()[d.len() - l.len() - 1] == b'.')
        })
    }

    /// Whether a client (`host[addr]`) is inside `--mynetworks`.
    pub(crate) fn is_mynetwork(&self, client: &str) -> bool {
        if self.mynetworks.is_empty() {
            return false;
        }
        let Some(ip) = client_ip(client) else {
            return false;
        };
        self.mynetworks
            .iter()
            .any(|(net, len)| in_net(ip, *net, *len))
    }
}

/// The address of a client `host[addr]` (or `[addr]:port`).
pub(crate) fn client_ip(client: &str) -> Option<IpAddr> {
    let a = client.find('[')?;
    let b = client[a..].find(']')? + a;
    let s = &client[a + 1..b];
    s.strip_prefix("IPv6:").unwrap_or(s).parse().ok()
}

fn in_net(ip: IpAddr, net: IpAddr, len: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = if len == 0 {
                0
            } else {
                u128::MAX << (128 - len)
            };
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn site_options() {
        let s = Site::parse(
            &["example.com, .example.org".into()],
            &["10.0.0.0/8".into(), "2001:db8::/32 192.0.2.7".into()],
        )
        .unwrap();
        assert!(s.is_local_domain("a@Example.COM"));
        assert!(s.is_local_domain("a@mx.example.org"));
        assert!(!s.is_local_domain("a@badexample.com"));
        assert!(s.is_mynetwork("app[10.1.2.3]"));
        assert!(s.is_mynetwork("h[192.0.2.7]"));
        assert!(!s.is_mynetwork("h[192.0.2.8]"));
        assert!(s.is_mynetwork("h[IPv6:2001:db8::1]"));
        assert!(!s.is_mynetwork("unknown"));
        assert!(Site::parse(&[], &["10.0.0.0/33".into()]).is_err());
        assert!(Site::parse(&[], &["nope".into()]).is_err());
    }
}
