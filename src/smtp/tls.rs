//! STARTTLS for the probe (RFC 3207) with rustls. A probe never aborts over a certificate: most
//! MX hosts present certificates that do not match their name or are self-signed, and mail
//! servers deliver to them anyway. The handshake accepts any certificate (signatures are still
//! checked), and the certificate chain is then verified against the Mozilla roots separately, so
//! the evidence can say whether it verified.

use std::sync::{Arc, OnceLock};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{VerifierBuilderError, WebPkiServerVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, InvalidDnsNameError, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, Error, RootCertStore, SignatureScheme};

pub(crate) use crate::model::TlsInfo;

/// Why TLS could not be set up, or why a server's certificate did not verify.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// The Mozilla roots could not be loaded into a verifier.
    #[error("TLS roots: {0}")]
    Roots(#[source] VerifierBuilderError),
    /// The client configuration could not be built.
    #[error("TLS config: {0}")]
    Config(#[source] Error),
    /// The server presented no certificate.
    #[error("no certificate")]
    NoCertificate,
    /// The host name cannot be checked against a certificate.
    #[error("{host}: {source}")]
    BadName {
        /// The MX host name.
        host: String,
        /// Why it is not a DNS name.
        source: InvalidDnsNameError,
    },
    /// The certificate chain did not verify for the host.
    #[error("{0}")]
    Rejected(#[source] Error),
}

impl Clone for TlsError {
    fn clone(&self) -> Self {
        match self {
            TlsError::Roots(e) => TlsError::Roots(e.clone()),
            TlsError::Config(e) => TlsError::Config(e.clone()),
            TlsError::NoCertificate => TlsError::NoCertificate,
            TlsError::BadName { host, .. } => TlsError::BadName {
                host: host.clone(),
                source: InvalidDnsNameError,
            },
            TlsError::Rejected(e) => TlsError::Rejected(e.clone()),
        }
    }
}

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

fn shared() -> Result<&'static Shared, TlsError> {
    static SHARED: OnceLock<Result<Shared, TlsError>> = OnceLock::new();
    SHARED
        .get_or_init(|| {
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let mut roots = RootCertStore::empty();
            roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
            let webpki =
                WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
                    .build()
                    .map_err(TlsError::Roots)?;
            let verifier = Arc::new(AcceptAny {
                webpki: webpki.clone(),
                provider: provider.clone(),
            });
            let config = ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .map_err(TlsError::Config)?
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
pub(crate) fn client_config() -> Result<Arc<ClientConfig>, TlsError> {
    Ok(shared()?.config.clone())
}

/// Verify the certificates a server presented for `host` (an MX host name).
pub(crate) fn verify_peer(host: &str, certs: &[CertificateDer<'_>]) -> Result<(), TlsError> {
    let shared = shared()?;
    let Some((end, rest)) = certs.split_first() else {
        return Err(TlsError::NoCertificate);
    };
    let name = ServerName::try_from(host.to_owned()).map_err(|source| TlsError::BadName {
        host: host.to_owned(),
        source,
    })?;
    shared
        .webpki
        .verify_server_cert(end, rest, &name, &[], UnixTime::now())
        .map(|_| ())
        .map_err(TlsError::Rejected)
}
