//! Completion callbacks: the URL checked (never a loopback or private address unless allowed),
//! the body signed with HMAC-SHA256, delivered with retries and back-off.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use super::keys;

/// The signature header.
pub const SIGNATURE_HEADER: &str = "x-mailsift-signature";

/// A parsed callback URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CallbackUrl {
    /// `https` or `http`.
    pub(crate) tls: bool,
    /// Host name or address literal (without brackets).
    pub(crate) host: String,
    /// Port.
    pub(crate) port: u16,
    /// Path and query, starting with `/`.
    pub(crate) path: String,
}

/// Parse `url` and refuse what may never be called: other schemes, credentials, address
/// literals in private ranges (unless `allow_private`).
pub(crate) fn parse(url: &str, allow_private: bool) -> Result<CallbackUrl, String> {
    let (tls, rest) = if let Some(r) = url.strip_prefix("https://") {
        (true, r)
    } else if let Some(r) = url.strip_prefix("http://") {
        (false, r)
    } else {
        return Err("callback_url must start with https:// or http://".into());
    };
    let (authority, path) = match rest.find(['/', '?']) {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    if authority.contains('@') {
        return Err("callback_url must not carry credentials".into());
    }
    let (host, port) = if let Some(r) = authority.strip_prefix('[') {
        let (h, after) = r.split_once(']').ok_or("callback_url: unclosed [")?;
        (h, after.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    let port = match port {
        Some(p) => p.parse().map_err(|_| "callback_url: bad port")?,
        None if tls => 443,
        None => 80,
    };
    if host.is_empty() || host.bytes().any(|b| b <= b' ' || b >= 0x7f) {
        return Err("callback_url: bad host".into());
    }
    if path.bytes().any(|b| b <= b' ' || b >= 0x7f) {
        return Err("callback_url: bad path".into());
    }
    if let Ok(ip) = host.parse::<IpAddr>()
        && !allow_private
        && is_private(ip)
    {
        return Err(format!(
            "callback_url points to a private or loopback address ({ip}); not allowed"
        ));
    }
    let path = if path.starts_with('?') {
        format!("/{path}")
    } else {
        path.to_owned()
    };
    Ok(CallbackUrl {
        tls,
        host: host.to_owned(),
        port,
        path,
    })
}

/// Loopback, private, link-local, unique-local, CGNAT, unspecified, multicast and broadcast
/// addresses (and IPv4 ones mapped into IPv6).
pub(crate) fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v) => {
            let o = v.octets();
            v.is_loopback()
                || v.is_private()
                || v.is_link_local()
                || v.is_unspecified()
                || v.is_broadcast()
                || v.is_multicast()
                || (o[0] == 100 && (64..128).contains(&o[1]))
                || o[0] == 0
        }
        IpAddr::V6(v) => {
            if let Some(m) = v.to_ipv4_mapped() {
                return is_private(IpAddr::V4(m));
            }
            let s = v.segments();
            v.is_loopback()
                || v.is_unspecified()
                || v.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80
        }
    }
}

/// How callbacks are delivered.
#[derive(Debug, Clone)]
pub struct CallbackPolicy {
    /// Allow loopback and private addresses (tests, private networks).
    pub allow_private: bool,
    /// Attempts in all.
    pub attempts: u32,
    /// Wait before the second attempt; doubled each time.
    pub first_backoff: Duration,
    /// Time limit per attempt.
    pub timeout: Duration,
}

impl Default for CallbackPolicy {
    fn default() -> Self {
        CallbackPolicy {
            allow_private: false,
            attempts: 6,
            first_backoff: Duration::from_secs(2),
            timeout: Duration::from_secs(10),
        }
    }
}

/// POST `body` to `url`, signed with `key`, until a 2xx answer or the attempts run out.
/// Returns the attempts made and the final status (`delivered`, or why not).
pub(crate) async fn deliver(
    url: &str,
    key: &[u8],
    body: Vec<u8>,
    p: &CallbackPolicy,
) -> (u32, String) {
    let mut wait = p.first_backoff;
    let mut last = String::new();
    for attempt in 1..=p.attempts.max(1) {
        match tokio::time::timeout(p.timeout, post_once(url, key, &body, p.allow_private)).await {
            Ok(Ok(code)) if (200..300).contains(&code) => return (attempt, "delivered".into()),
            Ok(Ok(code)) => last = format!("HTTP {code}"),
            Ok(Err(e)) => {
                last = e.clone();
                if e.contains("not allowed") {
                    return (attempt, last);
                }
            }
            Err(_) => last = "timed out".into(),
        }
        if attempt < p.attempts {
            tokio::time::sleep(wait).await;
            wait *= 2;
        }
    }
    (p.attempts.max(1), format!("failed: {last}"))
}

async fn post_once(url: &str, key: &[u8], body: &[u8], allow_private: bool) -> Result<u16, String> {
    let u = parse(url, allow_private)?;
    // Resolve and check every address now (a name may point anywhere), then connect to a
    // checked one: no second lookup that could answer differently.
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((u.host.as_str(), u.port))
        .await
        .map_err(|e| format!("cannot resolve {}: {e}", u.host))?
        .collect();
    if !allow_private && let Some(a) = addrs.iter().find(|a| is_private(a.ip())) {
        return Err(format!("{} resolves to {}: not allowed", u.host, a.ip()));
    }
    let addr = addrs.first().ok_or("no address")?;
    let tcp = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
    let host_header = if (u.tls && u.port == 443) || (!u.tls && u.port == 80) {
        u.host.clone()
    } else {
        format!("{}:{}", u.host, u.port)
    };
    let req = hyper::Request::post(u.path.as_str())
        .header("host", host_header)
        .header("content-type", "application/json")
        .header(
            "user-agent",
            concat!("mailsift/", env!("CARGO_PKG_VERSION")),
        )
        .header(SIGNATURE_HEADER, keys::sign(key, body))
        .body(Full::new(Bytes::copy_from_slice(body)))
        .map_err(|e| e.to_string())?;
    if u.tls {
        let mut roots = rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        let cfg = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
        let name =
            rustls::pki_types::ServerName::try_from(u.host.clone()).map_err(|e| e.to_string())?;
        let tls = tokio_rustls::TlsConnector::from(Arc::new(cfg))
            .connect(name, tcp)
            .await
            .map_err(|e| e.to_string())?;
        send(TokioIo::new(tls), req).await
    } else {
        send(TokioIo::new(tcp), req).await
    }
}

async fn send<T>(io: T, req: hyper::Request<Full<Bytes>>) -> Result<u16, String>
where
    T: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let (mut sender, conn) = hyper::client::conn::http1::handshake(io)
        .await
        .map_err(|e| e.to_string())?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    let resp = sender.send_request(req).await.map_err(|e| e.to_string())?;
    let code = resp.status().as_u16();
    // Drain a little of the body so the connection closes cleanly.
    let _ = resp.into_body().collect().await;
    Ok(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_parsed_and_private_literals_refused() {
        let u = parse("https://hooks.example.com/done?x=1", false).unwrap();
        assert_eq!(
            (u.tls, u.host.as_str(), u.port, u.path.as_str()),
            (true, "hooks.example.com", 443, "/done?x=1")
        );
        let u = parse("http://[2001:db8::1]:8080", false).unwrap();
        assert_eq!(
            (u.host.as_str(), u.port, u.path.as_str()),
            ("2001:db8::1", 8080, "/")
        );
        for bad in [
            "http://127.0.0.1/x",
            "http://10.1.2.3/",
            "http://192.168.0.1/",
            "http://169.254.169.254/latest",
            "http://[::1]/",
            "http://[fd00::1]/",
            "http://[::ffff:127.0.0.1]/",
            "http://100.64.0.1/",
            "ftp://example.com/",
            "http://user:pw@example.com/",
        ] {
            assert!(parse(bad, false).is_err(), "{bad} must be refused");
        }
        assert!(parse("http://127.0.0.1:9/x", true).is_ok());
    }
}
