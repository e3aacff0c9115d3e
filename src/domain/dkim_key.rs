//! DKIM public keys (RFC 6376 3.6.1, RFC 8463): the key record at
//! `<selector>._domainkey.<domain>` for the given selectors and the common ones
//! (`data/dkim_selectors.tsv`): key type, key length (the RSA modulus read from the DER of `p=`;
//! Ed25519 keys are 256 bits), testing mode `t=y`, revoked keys (empty `p=`).

use std::sync::OnceLock;

use serde::Serialize;

use super::answers::{Recorder, transient};
use super::finding::{Finding, Severity};
use super::tag_list::TagList;
use crate::base64;

/// One selector's key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DkimKey {
    /// The selector.
    pub selector: String,
    /// True when the user named it (`--selector`), false for a common selector that answered.
    pub given: bool,
    /// The record as published.
    pub record: Option<String>,
    /// `rsa` or `ed25519` (the `k=` tag, `rsa` by default).
    pub key_type: Option<String>,
    /// Key length in bits.
    pub key_bits: Option<u32>,
    /// `t=y`: the domain is testing DKIM.
    pub testing: bool,
    /// Empty `p=`: the key is revoked.
    pub revoked: bool,
    /// What was found.
    pub findings: Vec<Finding>,
}

/// The DKIM section.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DkimSection {
    /// The given selectors (always) and the common selectors that have a record.
    pub keys: Vec<DkimKey>,
    /// The common selectors that were tried.
    pub common_selectors_tried: usize,
    /// Section-level findings.
    pub findings: Vec<Finding>,
}

/// The common selectors from `data/dkim_selectors.tsv`.
pub(crate) fn common_selectors() -> &'static [&'static str] {
    static LIST: OnceLock<Vec<&'static str>> = OnceLock::new();
    LIST.get_or_init(|| {
        include_str!("../../data/dkim_selectors.tsv")
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .filter_map(|l| l.split('\t').next())
            .map(str::trim)
            .collect()
    })
}

/// Look up the given selectors and the common ones.
pub(crate) fn check(dns: &mut Recorder<'_>, domain: &str, given: &[String]) -> DkimSection {
    let mut s = DkimSection::default();
    let mut selectors: Vec<(String, bool)> = given
        .iter()
        .map(|g| (g.trim().to_ascii_lowercase(), true))
        .collect();
    for c in common_selectors() {
        if !selectors.iter().any(|(s, _)| s == c) {
            selectors.push((c.to_string(), false));
            s.common_selectors_tried += 1;
        }
    }
    for (selector, given) in selectors {
        let name = format!("{selector}._domainkey.{domain}");
        let mut key = DkimKey {
            selector,
            given,
            record: None,
            key_type: None,
            key_bits: None,
            testing: false,
            revoked: false,
            findings: Vec::new(),
        };
        match dns.txt(&name) {
            Ok(txts) => {
                let keys: Vec<&String> = txts.iter().filter(|t| looks_like_key(t)).collect();
                if keys.len() > 1 {
                    key.findings.push(Finding::new(
                        Severity::Error,
                        "dkim_multiple_records",
                        format!("{name} has {} key records", keys.len()),
                    ));
                }
                match keys.first() {
                    Some(t) => {
                        key.record = Some((*t).clone());
                        read_key(t, &mut key);
                    }
                    None if given => key.findings.push(Finding::new(
                        Severity::Error,
                        "dkim_missing",
                        format!("{name} has TXT records but no DKIM key"),
                    )),
                    None => continue,
                }
            }
            Err(l) if transient(&l) => {
                if !given {
                    continue;
                }
                key.findings.push(Finding::new(
                    Severity::Unknown,
                    "dkim_unknown",
                    format!("{name} could not be looked up"),
                ));
            }
            Err(_) if given => key.findings.push(Finding::new(
                Severity::Error,
                "dkim_missing",
                format!("no DKIM key at {name}"),
            )),
            Err(_) => continue,
        }
        s.keys.push(key);
    }
    if !s.keys.iter().any(|k| k.key_bits.is_some() && !k.revoked) {
        s.findings.push(Finding::new(
            Severity::Warning,
            "dkim_no_key_found",
            "no usable DKIM key at the given or common selectors (give the selector your mail \
             is signed with: --selector S)",
        ));
    }
    s
}

/// A TXT record that is a DKIM key: `v=DKIM1` first, or a tag list with `p=`.
fn looks_like_key(t: &str) -> bool {
    let tags = TagList::parse(t);
    tags.first().is_some_and(|(t, _)| t == "v") && tags.get("v") == Some("DKIM1")
        || tags.get("p").is_some()
}

fn read_key(text: &str, key: &mut DkimKey) {
    let tags = TagList::parse(text);
    let f = &mut key.findings;
    for m in &tags.malformed {
        f.push(Finding::new(
            Severity::Error,
            "dkim_syntax",
            format!("malformed part {m:?}"),
        ));
    }
    if let Some(v) = tags.get("v")
        && (v != "DKIM1" || tags.first().map(|(t, _)| t) != Some("v"))
    {
        f.push(Finding::new(
            Severity::Error,
            "dkim_syntax",
            "v= must be DKIM1 and the first tag",
        ));
    }
    let k = tags.get("k").unwrap_or("rsa").to_ascii_lowercase();
    key.testing = tags
        .get("t")
        .is_some_and(|t| t.split(':').any(|f| f.trim().eq_ignore_ascii_case("y")));
    if key.testing {
        f.push(Finding::new(
            Severity::Warning,
            "dkim_testing",
            format!("selector {}: t=y, the domain is testing DKIM; verifiers may treat signatures as unsigned", key.selector),
        ));
    }
    if let Some(h) = tags.get("h")
        && !h
            .split(':')
            .any(|h| h.trim().eq_ignore_ascii_case("sha256"))
    {
        f.push(Finding::new(
            Severity::Error,
            "dkim_sha1_only",
            format!(
                "selector {}: h={h} does not allow sha256 (RFC 8301)",
                key.selector
            ),
        ));
    }
    key.key_type = Some(k.clone());
    let Some(p) = tags.get("p") else {
        f.push(Finding::new(
            Severity::Error,
            "dkim_syntax",
            format!("selector {}: no p= tag", key.selector),
        ));
        return;
    };
    let p: String = p.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    if p.is_empty() {
        key.revoked = true;
        f.push(Finding::new(
            Severity::Info,
            "dkim_revoked",
            format!("selector {}: the key is revoked (empty p=)", key.selector),
        ));
        return;
    }
    let Some(der) = base64::decode(&p) else {
        f.push(Finding::new(
            Severity::Error,
            "dkim_bad_key",
            format!("selector {}: p= is not base64", key.selector),
        ));
        return;
    };
    match k.as_str() {
        "rsa" => match rsa_modulus_bits(&der) {
            Some(bits) => {
                key.key_bits = Some(bits);
                if bits < 1024 {
                    f.push(Finding::new(
                        Severity::Error,
                        "dkim_key_too_short",
                        format!("selector {}: RSA {bits} bits; verifiers ignore keys under 1024 bits (RFC 8301) and Gmail requires 1024 or more", key.selector),
                    ));
                } else if bits < 2048 {
                    f.push(Finding::new(
                        Severity::Warning,
                        "dkim_key_short",
                        format!(
                            "selector {}: RSA {bits} bits; 2048 is recommended",
                            key.selector
                        ),
                    ));
                }
            }
            None => f.push(Finding::new(
                Severity::Error,
                "dkim_bad_key",
                format!("selector {}: p= is not an RSA public key", key.selector),
            )),
        },
        "ed25519" => {
            if der.len() == 32 {
                key.key_bits = Some(256);
            } else {
                f.push(Finding::new(
                    Severity::Error,
                    "dkim_bad_key",
                    format!(
                        "selector {}: an Ed25519 key is 32 bytes, p= has {}",
                        key.selector,
                        der.len()
                    ),
                ));
            }
        }
        other => f.push(Finding::new(
            Severity::Error,
            "dkim_unknown_key_type",
            format!("selector {}: unknown key type k={other}", key.selector),
        )),
    }
}

/// One DER element: (tag, content, rest).
fn der(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&len0, mut rest) = rest.split_first()?;
    let len = if len0 < 0x80 {
        usize::from(len0)
    } else {
        let n = usize::from(len0 & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let mut l = 0usize;
        for &b in &rest[..n] {
            l = (l << 8) | usize::from(b);
        }
        rest = &rest[n..];
        l
    };
    (rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
}

/// The bit length of the modulus of an RSA key given as SubjectPublicKeyInfo (what RFC 6376
/// specifies) or as a bare PKCS#1 RSAPublicKey (what some signers publish).
pub(crate) fn rsa_modulus_bits(key: &[u8]) -> Option<u32> {
    const RSA_OID: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
    let (tag, seq, _) = der(key)?;
    if tag != 0x30 {
        return None;
    }
    let (tag, first, rest) = der(seq)?;
    let rsa_public_key = match tag {
        // SubjectPublicKeyInfo: AlgorithmIdentifier, then a BIT STRING.
        0x30 => {
            let (t, oid, _) = der(first)?;
            if t != 0x06 || oid != RSA_OID {
                return None;
            }
            let (t, bits, _) = der(rest)?;
            if t != 0x03 || bits.first() != Some(&0) {
                return None;
            }
            let (t, inner, _) = der(&bits[1..])?;
            if t != 0x30 {
                return None;
            }
            inner
        }
        // RSAPublicKey: INTEGER modulus first.
        0x02 => seq,
        _ => return None,
    };
    let (t, n, _) = der(rsa_public_key)?;
    if t != 0x02 {
        return None;
    }
    let n: &[u8] = {
        let start = n.iter().position(|&b| b != 0)?;
        &n[start..]
    };
    Some((n.len() as u32 - 1) * 8 + (8 - n[0].leading_zeros()))
}

#[cfg(test)]
mod tests {
    use super::super::answers::fake::FakeDns;
    use super::*;

    /// The testnet's published 2048-bit key (sel1._domainkey.sender.test).
    const RSA2048: &str = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAq6S5zlVsZtaHHOk6yLHjjvp6sMyFevnNPqOsCIQifTk51rasxS/T6ahjZtDuGNhQzikGdUKS5/jgQciyXvkqcW00wFOXLJCFK3/EbtkB5fM36XaegwJ1n26y3wlwMfI9UjvhefQreoR8S9GLcvtb1AH3pRHHBCt18LvDERTY6NRWgHaEEI73Itdhhsr0kkC7zKqjm5ApAsNQ6OaHj17E6JWlu3cnfJzzpYnAKx9TSmS1KzCO+8i9fnY877imYeTeE+6MzMs/ETKUr4hk59YYAzEuIZQ3qd3EcznwigrcJZLDXZksj0yHBoDYk9Uj4bu0Z5n6XbovHGWgrX7FBSWzHwIDAQAB";
    /// A 1024-bit key (SubjectPublicKeyInfo), generated for this test with openssl.
    const RSA1024: &str = "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC0xeHaszuoxwmG07rg9CsZrHcRSmEzeEUTWg/RU2pOY7ZK7kK+SmcTYxsBSOdKD5UYwzjIUIsmZjvy7cYV1L9eJxeWT8PVNwt0VumljHLPPwc9o+/7AvkVHyvk9RedH8FsZD0WdJiiLUjEfV41+eqcVAIZj1VDoygLl/q2ODud6wIDAQAB";

    fn run(zone: &str, given: &[&str]) -> DkimSection {
        let mut dns = FakeDns::new(zone);
        let mut r = Recorder::new(&mut dns);
        let given: Vec<String> = given.iter().map(|s| s.to_string()).collect();
        check(&mut r, "example.com", &given)
    }

    #[test]
    fn rsa_key_lengths_come_from_the_der() {
        assert_eq!(
            rsa_modulus_bits(&base64::decode(RSA2048).unwrap()),
            Some(2048)
        );
        assert_eq!(
            rsa_modulus_bits(&base64::decode(RSA1024).unwrap()),
            Some(1024)
        );
        assert_eq!(rsa_modulus_bits(b"\x30\x03\x02\x01\x05"), Some(3));
        assert_eq!(rsa_modulus_bits(b"\x30\x80"), None);
        assert_eq!(rsa_modulus_bits(&[]), None);
    }

    #[test]
    fn given_and_common_selectors() {
        let zone = format!(
            "sel1._domainkey.example.com. TXT \"v=DKIM1; k=rsa; \" \"p={RSA2048}\"\n\
             google._domainkey.example.com. TXT \"v=DKIM1; p=\"\n\
             s1._domainkey.example.com. TXT \"k=ed25519; t=y; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\"\n"
        );
        let s = run(&zone, &["sel1", "missing"]);
        let got: Vec<_> = s
            .keys
            .iter()
            .map(|k| {
                (
                    k.selector.as_str(),
                    k.key_type.as_deref(),
                    k.key_bits,
                    k.revoked,
                    k.testing,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("sel1", Some("rsa"), Some(2048), false, false),
                ("missing", None, None, false, false),
                ("google", Some("rsa"), None, true, false),
                ("s1", Some("ed25519"), Some(256), false, true),
            ]
        );
        assert_eq!(s.keys[1].findings[0].code, "dkim_missing");
        assert!(s.findings.is_empty());
        assert_eq!(s.common_selectors_tried, common_selectors().len());
    }

    #[test]
    fn short_broken_and_absent_keys() {
        let zone = format!(
            "a._domainkey.example.com. TXT \"p={RSA1024}\"\n\
                    b._domainkey.example.com. TXT \"v=DKIM1; p=!!!\"\n"
        );
        let s = run(&zone, &["a", "b"]);
        assert_eq!(s.keys[0].findings[0].code, "dkim_key_short");
        assert_eq!(s.keys[1].findings[0].code, "dkim_bad_key");
        let none = run("", &[]);
        assert!(none.keys.is_empty());
        assert_eq!(none.findings[0].code, "dkim_no_key_found");
    }

    proptest::proptest! {
        /// Any key bytes and any record text: a value, never a panic.
        #[test]
        fn any_key_or_record_never_panics(
            der in proptest::collection::vec(proptest::num::u8::ANY, 0..200),
            text in "[ -~]{0,120}",
        ) {
            let _ = rsa_modulus_bits(&der);
            let mut k = DkimKey {
                selector: "s".into(),
                given: true,
                record: None,
                key_type: None,
                key_bits: None,
                testing: false,
                revoked: false,
                findings: Vec::new(),
            };
            read_key(&text, &mut k);
        }
    }
}
