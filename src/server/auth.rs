//! SMTP AUTH (RFC 4954) for the diagnostic session: the PLAIN (RFC 4616), LOGIN and CRAM-MD5
//! (RFC 2195) exchanges as pure functions, and the [`Secret`] that keeps the password out of
//! every log, debug print and output.

use super::md5::hmac_md5_hex;
use crate::base64;

/// A password: never printed (its `Debug` is `<redacted>`), never serialised.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wrap a password.
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }
    fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// A user name and password to try.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// The user name (printed in results).
    pub user: String,
    /// The password (never printed).
    pub password: Secret,
}

/// The SASL mechanisms the session can use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mechanism {
    /// RFC 4616.
    Plain,
    /// The de-facto LOGIN exchange (user, then password, each base64).
    Login,
    /// RFC 2195: the password never crosses the wire.
    CramMd5,
}

impl Mechanism {
    /// The name in `AUTH` lines.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Mechanism::Plain => "PLAIN",
            Mechanism::Login => "LOGIN",
            Mechanism::CramMd5 => "CRAM-MD5",
        }
    }

    /// The mechanism to use among those `offered` (upper-case names): over TLS PLAIN first;
    /// without TLS CRAM-MD5 first (the password then never crosses the wire in the clear).
    pub(crate) fn choose(offered: &[String], tls: bool) -> Option<Mechanism> {
        let order: [Mechanism; 3] = if tls {
            [Mechanism::Plain, Mechanism::Login, Mechanism::CramMd5]
        } else {
            [Mechanism::CramMd5, Mechanism::Plain, Mechanism::Login]
        };
        order
            .into_iter()
            .find(|m| offered.iter().any(|o| o.eq_ignore_ascii_case(m.name())))
    }
}

/// The `AUTH` command line (with PLAIN's initial response). Holds the secret for PLAIN: send it,
/// never log it (log [`redacted_command`]).
pub(crate) fn first_line(m: Mechanism, c: &Credentials) -> String {
    match m {
        Mechanism::Plain => {
            let mut raw = vec![0u8];
            raw.extend_from_slice(c.user.as_bytes());
            raw.push(0);
            raw.extend_from_slice(c.password.expose().as_bytes());
            format!("AUTH PLAIN {}", base64::encode(&raw))
        }
        Mechanism::Login => "AUTH LOGIN".into(),
        Mechanism::CramMd5 => "AUTH CRAM-MD5".into(),
    }
}

/// The answer to the server's `334` challenge number `step` (0-based), `None` when the
/// mechanism has no more to say (the caller then cancels with `*`).
pub(crate) fn answer(
    m: Mechanism,
    step: usize,
    challenge: &str,
    c: &Credentials,
) -> Option<String> {
    match (m, step) {
        (Mechanism::Login, 0) => Some(base64::encode(c.user.as_bytes())),
        (Mechanism::Login, 1) => Some(base64::encode(c.password.expose().as_bytes())),
        (Mechanism::CramMd5, 0) => {
            let challenge = base64::decode(challenge.trim())?;
            let digest = hmac_md5_hex(c.password.expose().as_bytes(), &challenge);
            Some(base64::encode(format!("{} {digest}", c.user).as_bytes()))
        }
        _ => None,
    }
}

/// What the transcript shows for a line sent during AUTH: the mechanism, never a response.
pub(crate) fn redacted_command(m: Mechanism, first: bool) -> String {
    if first && m == Mechanism::Plain {
        "AUTH PLAIN <redacted>".into()
    } else if first {
        format!("AUTH {}", m.name())
    } else {
        "<redacted>".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds() -> Credentials {
        Credentials {
            user: "tim".into(),
            password: Secret::new("tanstaaftanstaaf"),
        }
    }

    #[test]
    fn cram_md5_matches_rfc_2195() {
        // RFC 2195 section 2's example exchange.
        let challenge = base64::encode(b"<1896.697170952@postoffice.reston.mci.net>");
        let a = answer(Mechanism::CramMd5, 0, &challenge, &creds()).unwrap();
        assert_eq!(
            String::from_utf8(base64::decode(&a).unwrap()).unwrap(),
            "tim b913a602c7eda7a495b4e6e7334d3890"
        );
    }

    #[test]
    fn plain_and_login_encode_the_credentials() {
        let c = creds();
        assert_eq!(
            first_line(Mechanism::Plain, &c),
            format!("AUTH PLAIN {}", base64::encode(b"\0tim\0tanstaaftanstaaf"))
        );
        assert_eq!(
            answer(Mechanism::Login, 0, "VXNlcm5hbWU6", &c).unwrap(),
            "dGlt"
        );
        assert_eq!(answer(Mechanism::Login, 2, "", &c), None);
        assert!(!format!("{c:?}").contains("tanstaaf"));
        assert!(!redacted_command(Mechanism::Plain, true).contains("AHRpbQ"));
    }

    #[test]
    fn mechanism_choice_prefers_no_clear_password_without_tls() {
        let offered = vec!["PLAIN".to_string(), "LOGIN".into(), "CRAM-MD5".into()];
        assert_eq!(Mechanism::choose(&offered, false), Some(Mechanism::CramMd5));
        assert_eq!(Mechanism::choose(&offered, true), Some(Mechanism::Plain));
        assert_eq!(Mechanism::choose(&["XOAUTH2".into()], true), None);
    }
}
