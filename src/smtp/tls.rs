//! STARTTLS for the probe (RFC 3207) with rustls. A probe never aborts over a certificate: most
//! MX hosts present certificates that do not match their name or are self-signed, and mail
//! servers deliver to them anyway. The handshake accepts any certificate (signatures are still
//! checked), and the certificate chain is then verified against the Mozilla roots separately, so
//! the evidence can say whether it verified.

use std::sync::{Arc, OnceLock};

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, Error, RootCertStore, SignatureScheme};

pub use crate::model::TlsInfo;

#[derive(Debug)]
struct AcceptAny {
    webpki: Arc<WebPkiServerVerifier>,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for AcceptAny {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        // Judged after the handshake by `verify_peer`; a probe goes on either way.
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.webpki.supported_verify_schemes()
    }
}

struct Shared {
    config: Arc<ClientConfig>,
    webpki: Arc<WebPkiServerVerifier>,
}

fn shared() -> Result<&'static Shared, String> {
    static SHARED: OnceLock<Result<Shared, String>> = OnceLock::new();
    SHARED
        .get_or_init(|| {
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let mut roots = RootCertStore::empty();
            roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
            let webpki =
                WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
                    .build()
                    .map_err(|e| format!("TLS roots: {e}"))?;
            let verifier = Arc::new(AcceptAny {
                webpki: webpki.clone(),
                provider: provider.clone(),
            });
            let config = ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .map_err(|e| format!("TLS config: {e}"))?
                .dangerous()
                .with_custom_certificate_verifier(verifier)
                .with_no_client_auth();
            Ok(Shared {
                config: Arc::new(config),
                webpki,
            })
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// The client configuration shared by every probe connection.
pub fn client_config() -> Result<Arc<ClientConfig>, String> {
    Ok(shared()?.config.clone())
}

/// Verify the certificates a server presented for `host` (an MX host name).
pub fn verify_peer(host: &str, certs: &[CertificateDer<'_>]) -> Result<(), String> {
    let shared = shared()?;
    let Some((end, rest)) = certs.split_first() else {
        return Err("no certificate".into());
    };
    let name = ServerName::try_from(host.to_owned()).map_err(|e| format!("{host}: {e}"))?;
    shared
        .webpki
        .verify_server_cert(end, rest, &name, &[], UnixTime::now())
        .map(|_| ())
        .map_err(|e| e.to_string())
}
