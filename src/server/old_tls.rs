//! Does the server still accept TLS 1.0 / 1.1? rustls cannot speak them, so this is a hand-made
//! ClientHello capped at TLS 1.1 (the cipher suites those versions used, SNI, the usual EC
//! extensions) and a reader of the first record that comes back: a ServerHello naming the
//! version chosen, or an alert. Sans-IO: bytes out, bytes in.

/// The server's answer to a TLS 1.1 ClientHello.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum OldTls {
    /// It chose this version (`TLSv1.0`, `TLSv1.1`, or `SSLv3`).
    Accepted(&'static str),
    /// It refused (an alert, or a version we did not offer).
    Refused,
    /// More bytes are needed.
    Incomplete,
    /// The bytes are not TLS.
    NotTls,
}

/// A ClientHello offering TLS 1.0 and 1.1 only.
pub(crate) fn client_hello(sni: Option<&str>, random: [u8; 32]) -> Vec<u8> {
    let suites: [u16; 8] = [
        0xc013, 0xc014, 0xc009, 0xc00a, 0x002f, 0x0035, 0x000a, 0x00ff,
    ];
    let mut ext = Vec::new();
    if let Some(name) = sni.filter(|n| n.len() < 256 && n.is_ascii()) {
        let n = name.as_bytes();
        ext.extend_from_slice(&[0x00, 0x00]);
        ext.extend_from_slice(&((n.len() + 5) as u16).to_be_bytes());
        ext.extend_from_slice(&((n.len() + 3) as u16).to_be_bytes());
        ext.push(0);
        ext.extend_from_slice(&(n.len() as u16).to_be_bytes());
        ext.extend_from_slice(n);
    }
    // supported_groups: x25519, secp256r1, secp384r1; ec_point_formats: uncompressed.
    ext.extend_from_slice(&[
        0x00, 0x0a, 0x00, 0x08, 0x00, 0x06, 0x00, 0x1d, 0x00, 0x17, 0x00, 0x18,
    ]);
    ext.extend_from_slice(&[0x00, 0x0b, 0x00, 0x02, 0x01, 0x00]);
    let mut body = vec![0x03, 0x02];
    body.extend_from_slice(&random);
    body.push(0); // no session id
    body.extend_from_slice(&((suites.len() * 2) as u16).to_be_bytes());
    for s in suites {
        body.extend_from_slice(&s.to_be_bytes());
    }
    body.extend_from_slice(&[1, 0]); // compression: null
    body.extend_from_slice(&(ext.len() as u16).to_be_bytes());
    body.extend_from_slice(&ext);
    let mut hs = vec![0x01];
    hs.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    hs.extend_from_slice(&body);
    let mut rec = vec![0x16, 0x03, 0x01];
    rec.extend_from_slice(&(hs.len() as u16).to_be_bytes());
    rec.extend_from_slice(&hs);
    rec
}

/// Read the first record the server sent back.
pub(crate) fn answer(bytes: &[u8]) -> OldTls {
    let Some(&ctype) = bytes.first() else {
        return OldTls::Incomplete;
    };
    match ctype {
        0x15 => OldTls::Refused,
        0x16 => {
            // record header (5), handshake type (1), length (3), server_version (2)
            if bytes.len() < 11 {
                return OldTls::Incomplete;
            }
            if bytes[5] != 0x02 {
                return OldTls::NotTls;
            }
            match (bytes[9], bytes[10]) {
                (3, 0) => OldTls::Accepted("SSLv3"),
                (3, 1) => OldTls::Accepted("TLSv1.0"),
                (3, 2) => OldTls::Accepted("TLSv1.1"),
                _ => OldTls::Refused,
            }
        }
        _ => OldTls::NotTls,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hello_is_a_well_formed_record() {
        let h = client_hello(Some("mx.example"), [7; 32]);
        assert_eq!(&h[..3], &[0x16, 0x03, 0x01]);
        assert_eq!(u16::from_be_bytes([h[3], h[4]]) as usize, h.len() - 5);
        assert_eq!(h[5], 0x01);
        let hs_len = u32::from_be_bytes([0, h[6], h[7], h[8]]) as usize;
        assert_eq!(hs_len, h.len() - 9);
        assert_eq!(&h[9..11], &[0x03, 0x02]);
        assert!(h.windows(10).any(|w| w == b"mx.example"));
    }

    #[test]
    fn answers() {
        assert_eq!(answer(&[0x15, 3, 1, 0, 2, 2, 70]), OldTls::Refused);
        assert_eq!(
            answer(&[0x16, 3, 1, 0, 50, 0x02, 0, 0, 46, 3, 1]),
            OldTls::Accepted("TLSv1.0")
        );
        assert_eq!(answer(&[0x16, 3, 1]), OldTls::Incomplete);
        assert_eq!(answer(b"220 hello"), OldTls::NotTls);
        assert_eq!(
            answer(&[0x16, 3, 3, 0, 50, 0x02, 0, 0, 46, 3, 3]),
            OldTls::Refused
        );
    }
}
