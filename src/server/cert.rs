//! The few X.509 certificate fields a mail server check reports, read from DER (RFC 5280) by a
//! small reader: validity dates, subject common name, subjectAltName DNS names, the public key's
//! algorithm and size, and the raw SubjectPublicKeyInfo (for DANE). Bad input gives `None`.

use crate::civil::days_from_civil;

/// What a certificate says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CertFields {
    /// notBefore, seconds since the Unix epoch.
    pub not_before: i64,
    /// notAfter, seconds since the Unix epoch.
    pub not_after: i64,
    /// The subject's common name.
    pub common_name: Option<String>,
    /// subjectAltName dNSName entries, lower case.
    pub dns_names: Vec<String>,
    /// `RSA`, `EC P-256`, `EC P-384`, `EC P-521`, `Ed25519`, `Ed448` or `unknown`.
    pub key_type: String,
    /// Key size in bits (RSA modulus; curve size).
    pub key_bits: u32,
    /// The DER of SubjectPublicKeyInfo.
    pub spki: Vec<u8>,
    /// The subject and issuer are the same name.
    pub self_issued: bool,
}

/// One DER element: tag, content, and the whole encoding.
struct Tlv<'a> {
    tag: u8,
    content: &'a [u8],
    whole: &'a [u8],
}

fn read(input: &[u8]) -> Option<(Tlv<'_>, &[u8])> {
    let tag = *input.first()?;
    let first = *input.get(1)?;
    let (len, hdr) = if first < 0x80 {
        (first as usize, 2)
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 {
            return None;
        }
        let mut len = 0usize;
        for i in 0..n {
            len = (len << 8) | *input.get(2 + i)? as usize;
        }
        (len, 2 + n)
    };
    let end = hdr.checked_add(len)?;
    let whole = input.get(..end)?;
    Some((
        Tlv {
            tag,
            content: &whole[hdr..],
            whole,
        },
        &input[end..],
    ))
}

fn children(mut content: &[u8]) -> Option<Vec<Tlv<'_>>> {
    let mut out = Vec::new();
    while !content.is_empty() {
        let (t, rest) = read(content)?;
        out.push(t);
        content = rest;
    }
    Some(out)
}

const OID_CN: &[u8] = &[0x55, 0x04, 0x03];
const OID_SAN: &[u8] = &[0x55, 0x1d, 0x11];
const OID_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
const OID_EC: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
const OID_P256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
const OID_P384: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x22];
const OID_P521: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x23];
const OID_ED25519: &[u8] = &[0x2b, 0x65, 0x70];
const OID_ED448: &[u8] = &[0x2b, 0x65, 0x71];

fn time(t: &Tlv<'_>) -> Option<i64> {
    let s = std::str::from_utf8(t.content).ok()?;
    let s = s.strip_suffix('Z')?;
    let (year, rest) = match t.tag {
        0x17 => {
            let yy: i64 = s.get(..2)?.parse().ok()?;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, s.get(2..)?)
        }
        0x18 => (s.get(..4)?.parse().ok()?, s.get(4..)?),
        _ => return None,
    };
    let n = |i: usize| -> Option<i64> { rest.get(i..i + 2)?.parse().ok() };
    let days = days_from_civil(year, n(0)? as u32, n(2)? as u32);
    Some(days * 86_400 + n(4)? * 3600 + n(6)? * 60 + n(8).unwrap_or(0))
}

fn common_name(name: &Tlv<'_>) -> Option<String> {
    for rdn in children(name.content)? {
        for atv in children(rdn.content)? {
            let parts = children(atv.content)?;
            if parts.len() == 2 && parts[0].tag == 0x06 && parts[0].content == OID_CN {
                return Some(String::from_utf8_lossy(parts[1].content).to_ascii_lowercase());
            }
        }
    }
    None
}

fn key(spki: &Tlv<'_>) -> Option<(String, u32)> {
    let parts = children(spki.content)?;
    let alg = children(parts.first()?.content)?;
    let oid = alg.first()?.content;
    let bits = parts.get(1)?.content.get(1..)?; // skip the unused-bits byte
    if oid == OID_RSA {
        let rsa = children(read(bits)?.0.content)?;
        let mut n = rsa.first()?.content;
        while n.first() == Some(&0) {
            n = &n[1..];
        }
        let top = *n.first()?;
        let size = (n.len() as u32 - 1) * 8 + (8 - top.leading_zeros());
        return Some(("RSA".into(), size));
    }
    if oid == OID_EC {
        let curve = alg.get(1)?.content;
        let (name, size) = if curve == OID_P256 {
            ("EC P-256", 256)
        } else if curve == OID_P384 {
            ("EC P-384", 384)
        } else if curve == OID_P521 {
            ("EC P-521", 521)
        } else {
            ("EC", 0)
        };
        return Some((name.into(), size));
    }
    if oid == OID_ED25519 {
        return Some(("Ed25519".into(), 256));
    }
    if oid == OID_ED448 {
        return Some(("Ed448".into(), 456));
    }
    Some(("unknown".into(), 0))
}

fn san_names(ext: &Tlv<'_>) -> Option<Vec<String>> {
    let parts = children(ext.content)?;
    if parts.first()?.content != OID_SAN {
        return None;
    }
    let value = parts.last()?; // OCTET STRING (after an optional critical flag)
    let seq = read(value.content)?.0;
    Some(
        children(seq.content)?
            .into_iter()
            .filter(|g| g.tag == 0x82)
            .map(|g| String::from_utf8_lossy(g.content).to_ascii_lowercase())
            .collect(),
    )
}

/// Read the fields of a DER certificate.
pub(crate) fn parse(der: &[u8]) -> Option<CertFields> {
    let cert = read(der)?.0;
    let tbs = read(cert.content)?.0;
    let mut f = children(tbs.content)?.into_iter().peekable();
    if f.peek()?.tag == 0xa0 {
        f.next(); // version
    }
    let _serial = f.next()?;
    let _sig = f.next()?;
    let issuer = f.next()?;
    let validity = children(f.next()?.content)?;
    let subject = f.next()?;
    let spki = f.next()?;
    let mut dns_names = Vec::new();
    for rest in f {
        if rest.tag == 0xa3 {
            let exts = read(rest.content)?.0;
            for ext in children(exts.content)? {
                if let Some(names) = san_names(&ext) {
                    dns_names.extend(names);
                }
            }
        }
    }
    let (key_type, key_bits) = key(&spki)?;
    Some(CertFields {
        not_before: time(validity.first()?)?,
        not_after: time(validity.get(1)?)?,
        common_name: common_name(&subject),
        dns_names,
        key_type,
        key_bits,
        spki: spki.whole.to_vec(),
        self_issued: issuer.whole == subject.whole,
    })
}

/// Whether `host` matches a certificate name (a `*.` wildcard covers exactly one label).
pub(crate) fn name_matches(pattern: &str, host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let pattern = pattern.trim_end_matches('.').to_ascii_lowercase();
    if let Some(suffix) = pattern.strip_prefix("*.") {
        return host
            .split_once('.')
            .is_some_and(|(label, rest)| !label.is_empty() && rest == suffix);
    }
    pattern == host
}

impl CertFields {
    /// Whether the certificate names `host` (subjectAltName; the common name only when there
    /// is no subjectAltName DNS entry).
    pub(crate) fn names_host(&self, host: &str) -> bool {
        if self.dns_names.is_empty() {
            return self
                .common_name
                .as_deref()
                .is_some_and(|cn| name_matches(cn, host));
        }
        self.dns_names.iter().any(|n| name_matches(n, host))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_cover_one_label() {
        assert!(name_matches("*.example.com", "mx.example.com"));
        assert!(!name_matches("*.example.com", "a.mx.example.com"));
        assert!(!name_matches("*.example.com", "example.com"));
        assert!(name_matches("MX.example.com.", "mx.example.com"));
    }

    #[test]
    fn garbage_is_none() {
        assert_eq!(parse(b""), None);
        assert_eq!(parse(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]), None);
        assert_eq!(parse(&[0x30, 0x03, 0x02, 0x01]), None);
    }
}
