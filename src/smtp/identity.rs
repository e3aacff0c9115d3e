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

impl Identity {
    /// Check both names: syntax, a dot in the HELO name, and no big provider's domain.
    pub fn check(&self) -> Result<(), String> {
        if self.helo.is_empty() || self.mail_from.is_empty() {
            return Err(
                "--smtp needs --helo NAME and --mail-from ADDRESS (or a --smtp-config file \
                 with helo = ... and mail_from = ...): a domain you control, with an A record \
                 and SPF for the probing IP"
                    .into(),
            );
        }
        validate_helo(&self.helo).map_err(|e| format!("--helo: {}", e.0))?;
        if !self.helo.starts_with('[') && !self.helo.contains('.') {
            return Err(format!(
                "--helo {:?}: use a fully qualified domain name (RFC 5321 §4.1.1.1)",
                self.helo
            ));
        }
        validate_path(&self.mail_from).map_err(|e| format!("--mail-from: {}", e.0))?;
        let Some((local, from_domain)) = self.mail_from.rsplit_once('@') else {
            return Err(format!(
                "--mail-from {:?}: expected local@domain",
                self.mail_from
            ));
        };
        if local.is_empty() || from_domain.is_empty() || !from_domain.contains('.') {
            return Err(format!(
                "--mail-from {:?}: expected local@domain",
                self.mail_from
            ));
        }
        for (what, name) in [("--helo", self.helo.as_str()), ("--mail-from", from_domain)] {
            if let Some(r) = reserved(name) {
                return Err(format!(
                    "{what} {name:?} belongs to {r}: probe with a domain you control, not a \
                     mailbox provider's (servers treat that as forgery and block the IP)"
                ));
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
}
