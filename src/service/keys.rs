//! API keys: made from 32 random bytes, shown once, stored only as a SHA-256 hash; and the
//! callback signing key each API key implies.

use ring::digest;
use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};

/// The prefix of every key (so leaked keys are recognisable in code and logs).
const PREFIX: &str = "msk_";

/// A new random key: `msk_` and 64 hex digits.
pub fn generate() -> String {
    let mut b = [0u8; 32];
    // The system's generator failing is not recoverable; a zero key would be worse.
    SystemRandom::new()
        .fill(&mut b)
        .expect("the system random number generator failed");
    format!("{PREFIX}{}", hex(&b))
}

/// A new random id (job ids): 32 hex digits.
pub(crate) fn random_id() -> String {
    let mut b = [0u8; 16];
    SystemRandom::new()
        .fill(&mut b)
        .expect("the system random number generator failed");
    hex(&b)
}

/// The stored form of a key: the hex SHA-256 of its text.
pub fn hash(key: &str) -> String {
    hex(digest::digest(&digest::SHA256, key.as_bytes()).as_ref())
}

/// The callback signing key an API key implies: HMAC-SHA256(key, "mailsift callback"). The
/// caller, who knows the API key, can compute it to check signatures; the service stores this,
/// never the key.
pub fn callback_key(key: &str) -> Vec<u8> {
    let k = hmac::Key::new(hmac::HMAC_SHA256, key.as_bytes());
    hmac::sign(&k, b"mailsift callback").as_ref().to_vec()
}

/// The signature header value of a callback body: `sha256=` and the hex HMAC.
pub fn sign(callback_key: &[u8], body: &[u8]) -> String {
    let k = hmac::Key::new(hmac::HMAC_SHA256, callback_key);
    format!("sha256={}", hex(hmac::sign(&k, body).as_ref()))
}

/// Lower-case hex.
pub(crate) fn hex(b: &[u8]) -> String {
    const D: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(b.len() * 2);
    for &x in b {
        s.push(D[(x >> 4) as usize] as char);
        s.push(D[(x & 15) as usize] as char);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_random_prefixed_and_hash_stably() {
        let a = generate();
        let b = generate();
        assert_ne!(a, b);
        assert!(a.starts_with("msk_") && a.len() == 68);
        assert_eq!(hash(&a), hash(&a));
        assert_ne!(hash(&a), hash(&b));
        assert_eq!(
            hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn signatures_follow_rfc_4231() {
        // RFC 4231 test case 2.
        let sig = sign(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(
            sig,
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
