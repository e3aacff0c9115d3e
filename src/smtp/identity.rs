//! Who the probe says it is: the HELO name and `MAIL FROM` address, from flags or a config file,
//! checked before any connection. Names that belong to big providers are refused: a probe must
//! introduce itself with a domain its operator controls.

use super::session::{validate_helo, validate_path};

/// The probe's identity.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Identity {
    /// HELO/EHLO name.
    pub helo: String,
    /// `MAIL FROM` address.
    pub mail_from: String,
}

fn reserved(domain: &str) -> Option<String> {
    use std::sync::OnceLock;
    static LIST: OnceLock<Vec<&'static str>> = OnceLock::new();
    let list = LIST.get_or_init(|| {
        include_str!("../../data/reserved_identities.txt")
            .lines()
            .chain(include_str!("../../data/free_mail_domains_common.txt").lines())
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect()
    });
    let d = domain.trim_end_matches('.').to_ascii_lowercase();
    list.iter()
        .find(|r| d == **r || d.ends_with(&format!(".{r}")))
        .map(|r| (*r).to_owned())
}

/// Why an [`Identity`] cannot be used to probe.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    /// The HELO name or the `MAIL FROM` address is missing.
    #[error(
        "--smtp needs --helo NAME and --mail-from ADDRESS (or a --smtp-config file \
         with helo = ... and mail_from = ...): a domain you control, with an A record \
         and SPF for the probing IP"
    )]
    Missing,
    /// The HELO name is not a valid name (the text says why).
    #[error("--helo: {0}")]
    Helo(String),
    /// The HELO name has no dot.
    #[error("--helo {0:?}: use a fully qualified domain name (RFC 5321 §4.1.1.1)")]
    HeloNotQualified(String),
    /// The `MAIL FROM` address is not a valid path (the text says why).
    #[error("--mail-from: {0}")]
    MailFrom(String),
    /// The `MAIL FROM` address is not `local@domain` with a dotted domain.
    #[error("--mail-from {0:?}: expected local@domain")]
    MailFromShape(String),
    /// A name belongs to a big mailbox provider.
    #[error(
        "{flag} {name:?} belongs to {owner}: probe with a domain you control, not a \
         mailbox provider's (servers treat that as forgery and block the IP)"
    )]
    Reserved {
        /// The flag that gave the name (`--helo` or `--mail-from`).
        flag: &'static str,
        /// The name (the HELO name or the `MAIL FROM` domain).
        name: String,
        /// The provider's domain it belongs to.
        owner: String,
    },
}

impl Identity {
    /// Check both names: syntax, a dot in the HELO name, and no big provider's domain.
    pub fn check(&self) -> Result<(), IdentityError> {
        if self.helo.is_empty() || self.mail_from.is_empty() {
            return Err(IdentityError::Missing);
        }
        validate_helo(&self.helo).map_err(|e| IdentityError::Helo(e.0))?;
        if !self.helo.starts_with('[') && !self.helo.contains('.') {
            return Err(IdentityError::HeloNotQualified(self.helo.clone()));
        }
        validate_path(&self.mail_from).map_err(|e| IdentityError::MailFrom(e.0))?;
        let Some((local, from_domain)) = self.mail_from.rsplit_once('@') else {
            return Err(IdentityError::MailFromShape(self.mail_from.clone()));
        };
        if local.is_empty() || from_domain.is_empty() || !from_domain.contains('.') {
            return Err(IdentityError::MailFromShape(self.mail_from.clone()));
        }
        for (flag, name) in [("--helo", self.helo.as_str()), ("--mail-from", from_domain)] {
            if let Some(owner) = reserved(name) {
                return Err(IdentityError::Reserved {
                    flag,
                    name: name.to_owned(),
                    owner,
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(helo: &str, from: &str) -> Identity {
        Identity {
            helo: helo.into(),
            mail_from: from.into(),
        }
    }

    #[test]
    fn refuses_big_provider_names_and_bad_syntax() {
        assert!(
            id("probe.example.net", "verify@example.net")
                .check()
                .is_ok()
        );
        for (h, f) in [
            ("gmail.com", "verify@example.net"),
            ("mx.google.com", "verify@example.net"),
            ("probe.example.net", "someone@gmail.com"),
            ("probe.example.net", "x@outlook.com"),
            ("localhost", "verify@example.net"),
            ("probe.example.net\r\nDATA", "verify@example.net"),
            ("probe.example.net", "verify@example.net>\r\nDATA"),
            ("", "verify@example.net"),
            ("probe.example.net", ""),
            ("probe.example.net", "no-at-sign"),
        ] {
            assert!(id(h, f).check().is_err(), "{h:?} {f:?}");
        }
    }

    #[test]
    fn messages_keep_their_text() {
        let text = |h: &str, f: &str| id(h, f).check().unwrap_err().to_string();
        assert_eq!(
            text("", "v@example.net"),
            "--smtp needs --helo NAME and --mail-from ADDRESS (or a --smtp-config file with \
             helo = ... and mail_from = ...): a domain you control, with an A record and SPF \
             for the probing IP"
        );
        assert_eq!(
            text("probe", "v@example.net"),
            "--helo \"probe\": use a fully qualified domain name (RFC 5321 §4.1.1.1)"
        );
        assert_eq!(
            text("probe.example.net", "v@example"),
            "--mail-from \"v@example\": expected local@domain"
        );
        assert_eq!(
            text("probe.example.net", "v@gmail.com"),
            "--mail-from \"gmail.com\" belongs to gmail.com: probe with a domain you control, \
             not a mailbox provider's (servers treat that as forgery and block the IP)"
        );
    }
}
