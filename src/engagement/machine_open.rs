//! Machine opens told apart from people: the vendor's flag first, then the user agent and client
//! address of the image proxy (`data/open_proxies.tsv`), then timing (a proxy opening within
//! seconds of delivery). Google's image proxy alone is a person opening Gmail.

use std::sync::OnceLock;

use super::event::OpenEvidence;

/// An open within this many seconds after a delivery to the same address, through an image
/// proxy, is a machine (a prefetch or a scanner), whatever the proxy.
pub(crate) const MACHINE_WINDOW_SECS: i64 = 10;

/// An image proxy that fetched the tracking pixel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Proxy {
    /// Apple Mail Privacy Protection: prefetches every message.
    Apple,
    /// Gmail's image proxy: fetches when a person opens the message.
    Google,
    /// Yahoo Mail's image proxy.
    Yahoo,
}

enum Match {
    UaExact(String),
    UaContains(String),
    /// Network and mask.
    Ip(u32, u32),
}

fn table() -> &'static [(Match, Proxy)] {
    static T: OnceLock<Vec<(Match, Proxy)>> = OnceLock::new();
    T.get_or_init(|| parse(include_str!("../../data/open_proxies.tsv")))
}

fn parse(text: &str) -> Vec<(Match, Proxy)> {
    let mut out = Vec::new();
    for line in text.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        let (Some(kind), Some(pat), Some(proxy)) = (f.first(), f.get(1), f.get(2)) else {
            continue;
        };
        let proxy = match proxy.trim() {
            "apple" => Proxy::Apple,
            "google" => Proxy::Google,
            "yahoo" => Proxy::Yahoo,
            _ => continue,
        };
        let m = match *kind {
            "ua_exact" => Match::UaExact((*pat).to_owned()),
            "ua_contains" => Match::UaContains((*pat).to_owned()),
            "ip_prefix" => {
                let Some((net, bits)) = pat.split_once('/') else {
                    continue;
                };
                let (Some(net), Ok(bits)) = (ipv4(net), bits.parse::<u32>()) else {
                    continue;
                };
                let mask = if bits == 0 {
                    0
                } else {
                    u32::MAX << (32 - bits.min(32))
                };
                Match::Ip(net & mask, mask)
            }
            _ => continue,
        };
        out.push((m, proxy));
    }
    out
}

fn ipv4(s: &str) -> Option<u32> {
    s.trim().parse::<std::net::Ipv4Addr>().ok().map(u32::from)
}

/// The image proxy that a user agent and client address show, if any.
pub(crate) fn proxy_of(user_agent: &str, ip: &str) -> Option<Proxy> {
    let ua = user_agent.trim();
    let ip = if ip.is_empty() { None } else { ipv4(ip) };
    table().iter().find_map(|(m, p)| {
        let hit = match m {
            Match::UaExact(s) => ua == s,
            Match::UaContains(s) => !ua.is_empty() && ua.contains(s.as_str()),
            Match::Ip(net, mask) => ip.is_some_and(|a| a & mask == *net),
        };
        hit.then_some(*p)
    })
}

/// Whether an open is a machine's: the vendor's flag when it says so; else Apple's proxy; else
/// any proxy opening within [`MACHINE_WINDOW_SECS`] of a delivery (`since_delivery`: seconds
/// since the latest delivery to the address at or before the open, when known).
pub(crate) fn is_machine(ev: OpenEvidence, since_delivery: Option<i64>) -> bool {
    if ev.vendor_machine == Some(true) {
        return true;
    }
    match ev.proxy {
        Some(Proxy::Apple) => true,
        Some(Proxy::Google | Proxy::Yahoo) => {
            since_delivery.is_some_and(|d| (0..=MACHINE_WINDOW_SECS).contains(&d))
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(flag: Option<bool>, ua: &str, ip: &str) -> OpenEvidence {
        OpenEvidence {
            vendor_machine: flag,
            proxy: proxy_of(ua, ip),
        }
    }

    #[test]
    fn vendor_flag_then_evidence_then_timing() {
        let chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0";
        let gmail = "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)";
        assert!(is_machine(ev(Some(true), chrome, "198.51.100.7"), None));
        assert!(!is_machine(
            ev(Some(false), chrome, "198.51.100.7"),
            Some(1)
        ));
        assert!(is_machine(ev(None, "Mozilla/5.0", "198.51.100.7"), None));
        assert!(is_machine(ev(None, " Mozilla/5.0 ", ""), Some(86_400)));
        assert!(is_machine(ev(None, chrome, "17.58.1.2"), None));
        assert!(!is_machine(ev(None, chrome, "18.58.1.2"), Some(2)));
        // Google's proxy alone is a person; within seconds of delivery it is a prefetch.
        assert!(!is_machine(ev(None, gmail, "66.249.84.1"), None));
        assert!(!is_machine(ev(None, gmail, "66.249.84.1"), Some(3600)));
        assert!(is_machine(ev(None, gmail, "66.249.84.1"), Some(4)));
        assert!(is_machine(
            ev(None, "YahooMailProxy; https://help.yahoo.com", ""),
            Some(0)
        ));
        assert!(!is_machine(ev(None, "", ""), Some(0)));
        assert_eq!(proxy_of("not an ip", "300.1.1.1"), None);
    }
}
