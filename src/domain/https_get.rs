//! The thin HTTPS driver for the MTA-STS policy: TCP to each address in turn, TLS with rustls
//! verified against the Mozilla roots (plus extra roots the caller trusts, for tests), one
//! HTTP/1.1 `GET` with `Connection: close`, the answer read through the sans-IO
//! `http_response` parser. Redirects are returned, never followed (RFC 8461 3.3).

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, RootCertStore};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::http_response::ResponseParser;
use super::mta_sts::PolicyResponse;

/// RFC 8461 3.3: senders may refuse policies larger than 64 KiB; a little more for the head.
const LIMIT: usize = 64 * 1024 + 8 * 1024;

/// The path of the policy.
pub(crate) const POLICY_PATH: &str = "/.well-known/mta-sts.txt";

/// A client configuration trusting the Mozilla roots and `extra`.
pub(crate) fn client_config(
    extra: &[CertificateDer<'static>],
) -> Result<Arc<ClientConfig>, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    for c in extra {
        roots
            .add(c.clone())
            .map_err(|e| format!("extra trust root: {e}"))?;
    }
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// GET the policy from `host` at the first address that answers.
pub(crate) async fn get(
    config: Arc<ClientConfig>,
    host: &str,
    addrs: &[IpAddr],
    port: u16,
    timeout: Duration,
) -> PolicyResponse {
    let mut last = PolicyResponse::Failed {
        transient: true,
        message: "no address".into(),
    };
    for &ip in addrs {
        let once = get_one(config.clone(), host, SocketAddr::new(ip, port));
        last = match tokio::time::timeout(timeout, once).await {
            Ok(r) => r,
            Err(_) => PolicyResponse::Failed {
                transient: true,
                message: format!("{ip}:{port}: timed out"),
            },
        };
        // Only connection failures move on to the next address.
        if !matches!(
            &last,
            PolicyResponse::Failed {
                transient: true,
                ..
            }
        ) {
            break;
        }
    }
    last
}

async fn get_one(config: Arc<ClientConfig>, host: &str, addr: SocketAddr) -> PolicyResponse {
    let failed = |transient: bool, message: String| PolicyResponse::Failed { transient, message };
    let Ok(name) = ServerName::try_from(host.to_string()) else {
        return failed(false, format!("{host:?} is not a DNS name"));
    };
    let tcp = match TcpStream::connect(addr).await {
        Ok(s) => s,
        Err(e) => return failed(true, format!("{addr}: {e}")),
    };
    let connector = tokio_rustls::TlsConnector::from(config);
    let mut tls = match connector.connect(name, tcp).await {
        Ok(s) => s,
        // A certificate the sender cannot verify makes the policy unusable: not transient.
        Err(e) => {
            let cert = e
                .get_ref()
                .and_then(|i| i.downcast_ref::<rustls::Error>())
                .is_some_and(|r| matches!(r, rustls::Error::InvalidCertificate(_)));
            return failed(!cert, format!("{addr}: TLS: {e}"));
        }
    };
    let request = format!(
        "GET {POLICY_PATH} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: mailsift/{}\r\nAccept: text/plain\r\nConnection: close\r\n\r\n",
        env!("CARGO_PKG_VERSION")
    );
    if let Err(e) = tls.write_all(request.as_bytes()).await {
        return failed(true, format!("{addr}: {e}"));
    }
    let mut parser = ResponseParser::new(LIMIT);
    let mut buf = vec![0u8; 8192];
    let response = loop {
        match tls.read(&mut buf).await {
            Ok(0) => break parser.finish(),
            Ok(n) => match parser.feed(&buf[..n]) {
                Ok(Some(r)) => break Ok(r),
                Ok(None) => {}
                Err(e) => break Err(e),
            },
            // Servers that close without close_notify: what arrived is the answer.
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => break parser.finish(),
            Err(e) => return failed(true, format!("{addr}: {e}")),
        }
    };
    match response {
        Ok(r) => PolicyResponse::Fetched {
            status: r.status,
            content_type: r.header("content-type").map(str::to_string),
            body: r.body,
        },
        Err(e) => failed(false, format!("{addr}: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::pki_types::PrivateKeyDer;
    use rustls::pki_types::pem::PemObject;
    use tokio::net::TcpListener;

    const CA: &[u8] = include_bytes!("../../tests/data/domain/tls/ca.pem");
    const LEAF: &[u8] = include_bytes!("../../tests/data/domain/tls/leaf.pem");
    const KEY: &[u8] = include_bytes!("../../tests/data/domain/tls/leaf.key.pem");

    /// Serve `reply` once to one TLS client on 127.0.0.1; the port.
    async fn serve(reply: &'static [u8]) -> u16 {
        let cert = CertificateDer::from_pem_slice(LEAF).unwrap();
        let key = PrivateKeyDer::from_pem_slice(KEY).unwrap();
        let cfg = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(cfg));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            let (tcp, _) = listener.accept().await.unwrap();
            let Ok(mut tls) = acceptor.accept(tcp).await else {
                return;
            };
            let mut buf = vec![0u8; 4096];
            let mut got = Vec::new();
            while !got.windows(4).any(|w| w == b"\r\n\r\n") {
                match tls.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => got.extend_from_slice(&buf[..n]),
                }
            }
            assert!(got.starts_with(
                b"GET /.well-known/mta-sts.txt HTTP/1.1\r\nHost: mta-sts.example.test\r\n"
            ));
            let _ = tls.write_all(reply).await;
            let _ = tls.shutdown().await;
        });
        port
    }

    fn run(reply: &'static [u8], trust: bool, host: &str) -> PolicyResponse {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let port = serve(reply).await;
            let roots = if trust {
                vec![CertificateDer::from_pem_slice(CA).unwrap()]
            } else {
                vec![]
            };
            let cfg = client_config(&roots).unwrap();
            let ip: IpAddr = "127.0.0.1".parse().unwrap();
            get(cfg, host, &[ip], port, Duration::from_secs(5)).await
        })
    }

    #[test]
    fn fetches_a_policy_over_verified_tls() {
        let r = run(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 15\r\n\r\nversion: STSv1\n",
            true,
            "mta-sts.example.test",
        );
        assert_eq!(
            r,
            PolicyResponse::Fetched {
                status: 200,
                content_type: Some("text/plain".into()),
                body: b"version: STSv1\n".to_vec()
            }
        );
    }

    #[test]
    fn an_untrusted_certificate_is_a_definite_failure() {
        match run(b"HTTP/1.1 200 OK\r\n\r\n", false, "mta-sts.example.test") {
            PolicyResponse::Failed { transient, message } => {
                assert!(!transient, "{message}");
                assert!(message.contains("TLS"), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn redirects_are_returned_not_followed() {
        let r = run(
            b"HTTP/1.1 301 Moved\r\nLocation: https://elsewhere.example/\r\nContent-Length: 0\r\n\r\n",
            true,
            "mta-sts.example.test",
        );
        assert!(
            matches!(r, PolicyResponse::Fetched { status: 301, .. }),
            "{r:?}"
        );
    }

    #[test]
    fn nothing_listening_is_transient() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let cfg = client_config(&[]).unwrap();
        let r = rt.block_on(get(
            cfg,
            "mta-sts.example.test",
            &["127.0.0.1".parse().unwrap()],
            port,
            Duration::from_secs(2),
        ));
        assert!(
            matches!(
                r,
                PolicyResponse::Failed {
                    transient: true,
                    ..
                }
            ),
            "{r:?}"
        );
    }
}
