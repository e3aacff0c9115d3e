//! DANE for SMTP (RFC 7672, RFC 6698): do the TLSA records at `_PORT._tcp.HOST` match the
//! certificate chain the server presented? Usages 3 (DANE-EE) and 1 (PKIX-EE) match the server's
//! own certificate; 2 (DANE-TA) and 0 (PKIX-TA) any certificate of the chain.

use serde::Serialize;

use crate::dns::records::Rr;

use super::cert;

/// The TLSA verdict for one host and port.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DaneCheck {
    /// TLSA records found.
    pub records: usize,
    /// Records that matched.
    pub matched: usize,
    /// The records (presentation form), for the report.
    pub tlsa: Vec<String>,
}

impl DaneCheck {
    /// At least one usable record matched.
    pub fn ok(&self) -> bool {
        self.matched > 0
    }
}

fn digest(matching: u8, data: &[u8]) -> Option<Vec<u8>> {
    match matching {
        0 => Some(data.to_vec()),
        1 => Some(
            ring::digest::digest(&ring::digest::SHA256, data)
                .as_ref()
                .to_vec(),
        ),
        2 => Some(
            ring::digest::digest(&ring::digest::SHA512, data)
                .as_ref()
                .to_vec(),
        ),
        _ => None,
    }
}

fn matches(usage: u8, selector: u8, matching: u8, data: &[u8], chain: &[Vec<u8>]) -> bool {
    let candidates: &[Vec<u8>] = match usage {
        1 | 3 => chain.get(..1).unwrap_or(&[]),
        0 | 2 => chain,
        _ => return false,
    };
    candidates.iter().any(|der| {
        let part = match selector {
            0 => der.clone(),
            1 => match cert::parse(der) {
                Some(f) => f.spki,
                None => return false,
            },
            _ => return false,
        };
        digest(matching, &part).is_some_and(|d| d == data)
    })
}

/// Check `records` (TLSA `Rr`s; others ignored) against `chain` (DER, server's first).
pub(crate) fn check(records: &[Rr], chain: &[Vec<u8>]) -> DaneCheck {
    let mut out = DaneCheck {
        records: 0,
        matched: 0,
        tlsa: Vec::new(),
    };
    for rr in records {
        if let Rr::Tlsa(u, s, m, d) = rr {
            out.records += 1;
            out.tlsa.push(rr.text());
            if matches(*u, *s, *m, d, chain) {
                out.matched += 1;
            }
        }
    }
    out
}

/// The TLSA record (`3 1 1`, SPKI SHA-256) that a certificate would match: for tests and for
/// telling the operator what to publish.
pub(crate) fn spki_sha256(der: &[u8]) -> Option<Vec<u8>> {
    let spki = cert::parse(der)?.spki;
    digest(1, &spki)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain() -> Vec<Vec<u8>> {
        use rustls::pki_types::CertificateDer;
        use rustls::pki_types::pem::PemObject;
        let pem = include_bytes!("../../testkit/data/tls/server/valid.pem");
        CertificateDer::pem_slice_iter(pem)
            .map(|c| c.unwrap().to_vec())
            .collect()
    }

    #[test]
    fn ee_and_ta_records_match_their_certificates() {
        let chain = chain();
        let ee = spki_sha256(&chain[0]).unwrap();
        let ta = digest(1, &chain[1]).unwrap();
        assert!(check(&[Rr::Tlsa(3, 1, 1, ee.clone())], &chain).ok());
        assert!(check(&[Rr::Tlsa(2, 0, 1, ta.clone())], &chain).ok());
        // The CA's hash is not the end entity's.
        assert!(!check(&[Rr::Tlsa(3, 0, 1, ta)], &chain).ok());
        let mut wrong = ee;
        wrong[0] ^= 1;
        let c = check(
            &[
                Rr::Tlsa(3, 1, 1, wrong),
                Rr::A("192.0.2.1".parse().unwrap()),
            ],
            &chain,
        );
        assert_eq!((c.records, c.matched), (1, 0));
        assert!(!check(&[Rr::Tlsa(3, 1, 9, vec![1])], &chain).ok());
    }
}
