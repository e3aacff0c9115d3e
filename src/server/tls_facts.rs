//! What a TLS connection to a mail server shows: protocol version, cipher suite, whether the
//! certificate chain leads to a trusted root (the Mozilla roots, plus any `--tls-ca`), whether
//! it names the host, days to expiry, and the key's type and size.

use std::sync::Arc;
use std::time::Duration;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::ServerCertVerifier;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConnection, RootCertStore};
use serde::Serialize;

use super::cert::{self, CertFields};
use crate::civil::date;

/// The trust anchors: the Mozilla roots and any extra CA certificates.
#[derive(Clone)]
pub struct TrustRoots {
    verifier: Arc<WebPkiServerVerifier>,
}

impl std::fmt::Debug for TrustRoots {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TrustRoots")
    }
}

impl TrustRoots {
    /// The Mozilla roots (webpki-roots) plus `extra` (DER certificates), or why not.
    pub fn new(extra: Vec<CertificateDer<'static>>) -> Result<TrustRoots, String> {
        let mut roots = RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        for c in extra {
            roots
                .add(c)
                .map_err(|e| format!("extra CA certificate: {e}"))?;
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let verifier = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
            .build()
            .map_err(|e| format!("TLS roots: {e}"))?;
        Ok(TrustRoots { verifier })
    }

    /// Read PEM CA certificates (for `--tls-ca FILE`).
    pub fn pem_certificates(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, String> {
        use rustls::pki_types::pem::PemObject;
        let certs: Result<Vec<_>, _> = CertificateDer::pem_slice_iter(pem).collect();
        let certs = certs.map_err(|e| format!("PEM: {e}"))?;
        if certs.is_empty() {
            return Err("no certificate in the PEM file".into());
        }
        Ok(certs)
    }
}

/// The facts of one TLS session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TlsFacts {
    /// `TLSv1.3`, `TLSv1.2`, ...
    pub version: String,
    /// The cipher suite (IANA name).
    pub cipher: String,
    /// The chain leads to a trusted root (judged inside the validity period, so that an
    /// expired certificate is not also called untrusted).
    pub trusted: bool,
    /// Why the chain did not verify.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trust_error: Option<String>,
    /// The certificate names the host (`None`: the host is an address, nothing to match).
    pub name_match: Option<bool>,
    /// The DNS names in the certificate (subjectAltName, else the common name).
    pub names: Vec<String>,
    /// notAfter, `YYYY-MM-DD`.
    pub not_after: String,
    /// Whole days until notAfter (negative: expired).
    pub days_to_expiry: i64,
    /// Now is outside notBefore..notAfter.
    pub expired: bool,
    /// `RSA`, `EC P-256`, ...
    pub key_type: String,
    /// Key size in bits.
    pub key_bits: u32,
    /// Certificates the server sent.
    pub chain_length: usize,
}

fn version_name(v: rustls::ProtocolVersion) -> String {
    match v {
        rustls::ProtocolVersion::TLSv1_3 => "TLSv1.3".into(),
        rustls::ProtocolVersion::TLSv1_2 => "TLSv1.2".into(),
        rustls::ProtocolVersion::TLSv1_1 => "TLSv1.1".into(),
        rustls::ProtocolVersion::TLSv1_0 => "TLSv1.0".into(),
        other => format!("{other:?}"),
    }
}

/// The verifier's error in words an operator knows.
fn trust_error_text(e: &str, self_issued: bool) -> String {
    if self_issued && (e.contains("UnknownIssuer") || e.contains("CaUsedAsEndEntity")) {
        "self-signed certificate".into()
    } else if e.contains("UnknownIssuer") {
        "unknown issuer: not signed by a trusted CA, or the intermediate certificate is missing"
            .into()
    } else if e.contains("CaUsedAsEndEntity") {
        "the server presents a CA certificate as its own".into()
    } else {
        e.to_owned()
    }
}

/// Judge the certificates a server presented for `host` at Unix time `now`.
pub(crate) fn judge(
    certs: &[CertificateDer<'_>],
    host: &str,
    roots: &TrustRoots,
    now: i64,
) -> Option<(CertFields, TlsFacts)> {
    let (end, rest) = certs.split_first()?;
    let fields = cert::parse(end)?;
    let names = if fields.dns_names.is_empty() {
        fields.common_name.iter().cloned().collect()
    } else {
        fields.dns_names.clone()
    };
    let is_address = host.parse::<std::net::IpAddr>().is_ok();
    // Trust is judged inside the validity period and for a name the certificate carries, so
    // that each problem is reported once, as itself.
    let when = now.clamp(
        fields.not_before + 1,
        (fields.not_after - 1).max(fields.not_before + 1),
    );
    let verify_name = names
        .iter()
        .find(|n| !n.starts_with("*."))
        .cloned()
        .or_else(|| names.first().map(|n| n.replacen("*.", "x.", 1)))
        .unwrap_or_else(|| host.to_owned());
    let trust = match ServerName::try_from(verify_name) {
        Ok(name) => roots
            .verifier
            .verify_server_cert(
                end,
                rest,
                &name,
                &[],
                UnixTime::since_unix_epoch(Duration::from_secs(when.max(0) as u64)),
            )
            .map(|_| ())
            .map_err(|e| trust_error_text(&e.to_string(), fields.self_issued)),
        Err(e) => Err(e.to_string()),
    };
    let facts = TlsFacts {
        version: String::new(),
        cipher: String::new(),
        trusted: trust.is_ok(),
        trust_error: trust.err(),
        name_match: (!is_address).then(|| fields.names_host(host)),
        names,
        not_after: date(fields.not_after),
        days_to_expiry: (fields.not_after - now).div_euclid(86_400),
        expired: now > fields.not_after || now < fields.not_before,
        key_type: fields.key_type.clone(),
        key_bits: fields.key_bits,
        chain_length: certs.len(),
    };
    Some((fields, facts))
}

/// The facts of an established connection (`None` when it carries no parsable certificate).
pub(crate) fn of_connection(
    conn: &ClientConnection,
    host: &str,
    roots: &TrustRoots,
    now: i64,
) -> Option<(Vec<Vec<u8>>, TlsFacts)> {
    let certs = conn.peer_certificates()?;
    let (_, mut facts) = judge(certs, host, roots, now)?;
    facts.version = conn
        .protocol_version()
        .map(version_name)
        .unwrap_or_default();
    facts.cipher = conn
        .negotiated_cipher_suite()
        .and_then(|s| s.suite().as_str())
        .unwrap_or("")
        .to_owned();
    Some((certs.iter().map(|c| c.to_vec()).collect(), facts))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/testkit/data/tls/server/");

    fn chain(name: &str) -> Vec<CertificateDer<'static>> {
        let pem = std::fs::read(format!("{DIR}{name}.pem")).unwrap();
        TrustRoots::pem_certificates(&pem).unwrap()
    }

    fn roots() -> TrustRoots {
        TrustRoots::new(chain("ca")).unwrap()
    }

    // 2030-01-01, after the test certificates were made
    const NOW: i64 = 1_893_456_000;

    #[test]
    fn dates_render() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(NOW), "2030-01-01");
    }

    #[test]
    fn the_four_certificates() {
        let r = roots();
        let (f, t) = judge(&chain("valid"), "mx.server.test", &r, NOW).unwrap();
        assert!(t.trusted, "{t:?}");
        assert_eq!(t.name_match, Some(true));
        assert!(!t.expired && t.days_to_expiry > 30_000);
        assert_eq!((t.key_type.as_str(), t.key_bits), ("EC P-256", 256));
        assert_eq!(f.dns_names, ["mx.server.test", "localhost"]);

        let (_, t) = judge(&chain("expired"), "mx.server.test", &r, NOW).unwrap();
        assert!(t.trusted && t.expired && t.days_to_expiry < 0, "{t:?}");
        assert_eq!(t.not_after, "2021-01-01");
        assert_eq!((t.key_type.as_str(), t.key_bits), ("RSA", 2048));

        let (_, t) = judge(&chain("wrongname"), "mx.server.test", &r, NOW).unwrap();
        assert!(t.trusted && !t.expired);
        assert_eq!(t.name_match, Some(false));

        let (f, t) = judge(&chain("selfsigned"), "mx.server.test", &r, NOW).unwrap();
        assert!(!t.trusted);
        assert_eq!(t.trust_error.as_deref(), Some("self-signed certificate"));
        assert!(f.self_issued);
        assert_eq!(t.name_match, Some(true));

        // Without the test CA nothing is trusted.
        let mozilla = TrustRoots::new(vec![]).unwrap();
        let (_, t) = judge(&chain("valid"), "mx.server.test", &mozilla, NOW).unwrap();
        assert!(!t.trusted);
        let e = t.trust_error.unwrap();
        assert!(e.starts_with("unknown issuer"), "{e}");
        // An address has no name to match.
        let (_, t) = judge(&chain("valid"), "127.0.0.1", &r, NOW).unwrap();
        assert_eq!(t.name_match, None);
    }
}
