//! The probe driver: asks the resolver the judge's questions (names that must and must not
//! exist) through the stage's own transport, and turns each reply into an [`Answer`].

use std::hash::{BuildHasher, Hasher};

use hickory_resolver::proto::rr::{RData, RecordType};

use super::known_answers::{Answer, Probe};
use super::resolve::{DnsResolver, futures_join_all};
use super::transport::Fail;

/// A random DNS label (16 letters and digits) for a name that cannot exist.
pub(super) fn random_label() -> String {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    let mut x = h.finish();
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut out = String::from("mailsift-");
    for _ in 0..16 {
        out.push(ALPHABET[(x % 36) as usize] as char);
        x /= 36;
        if x == 0 {
            x = h.finish().rotate_left(17) | 1;
        }
    }
    out
}

fn rtype(name: &str) -> RecordType {
    match name {
        "MX" => RecordType::MX,
        "SOA" => RecordType::SOA,
        "NS" => RecordType::NS,
        "AAAA" => RecordType::AAAA,
        _ => RecordType::A,
    }
}

/// The first record of an answer, in words.
fn first_words(data: &[RData], wanted: RecordType) -> String {
    data.iter().find(|d| d.record_type() == wanted).map_or_else(
        || "records".to_owned(),
        |d| match d {
            RData::A(a) => a.0.to_string(),
            RData::AAAA(a) => a.0.to_string(),
            RData::MX(m) => format!("{} {}", m.preference, m.exchange),
            RData::NS(n) => n.0.to_string(),
            RData::SOA(s) => s.mname.to_string(),
            other => other.record_type().to_string(),
        },
    )
}

/// Ask every probe at once; the answers in the same order.
pub(super) async fn ask_all(resolver: &DnsResolver, probes: &[Probe]) -> Vec<Answer> {
    let futs = probes.iter().map(|p| {
        let t = rtype(p.rtype);
        let name = p.name.clone();
        async move {
            match resolver.ask(&name, t).await {
                Ok(data) => Answer::Records(first_words(&data, t)),
                Err(Fail::NoData) => Answer::NoData,
                Err(Fail::NxDomain) => Answer::NxDomain,
                Err(Fail::ServFail) => Answer::ServFail,
                Err(Fail::Refused) => Answer::Refused,
                Err(Fail::Timeout) => Answer::Timeout,
            }
        }
    });
    futures_join_all(futs).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_labels_are_valid_and_differ() {
        let (a, b) = (random_label(), random_label());
        assert_ne!(a, b);
        assert_eq!(a.len(), "mailsift-".len() + 16);
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
        );
    }
}
