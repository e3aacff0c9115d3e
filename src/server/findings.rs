//! The findings vocabulary: every problem `mailsift server` can report, with its id, severity,
//! message and fix, and the exit code the worst one sets.

use serde::Serialize;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; nothing to fix.
    Info,
    /// Mail flows, but something should be fixed.
    Warning,
    /// Mail fails or is at risk.
    Error,
}

impl Severity {
    /// `info`, `warning` or `error`.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// The finding ids (the `id` field), as issue #18 lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FindingId {
    /// The TCP connection was refused or timed out.
    PortClosed,
    /// Connected, but no greeting arrived (closed, timed out or not SMTP).
    NoGreeting,
    /// The greeting was 4yz or 5yz.
    Greeting4xx,
    /// The greeting came late: a tarpit or greet pause, not a failure.
    SlowGreeting,
    /// STARTTLS not offered where it should be.
    NoStarttls,
    /// The TLS handshake failed.
    TlsHandshakeFailed,
    /// TLS older than 1.2 was negotiated or is the only version offered.
    TlsOldVersion,
    /// The certificate chain does not lead to a trusted root.
    CertUntrusted,
    /// The certificate has expired (or is not yet valid).
    CertExpired,
    /// The certificate does not name the host.
    CertNameMismatch,
    /// AUTH offered on a connection without TLS.
    AuthWithoutTls,
    /// The server accepted a recipient in an outside domain from an outside sender.
    OpenRelay,
    /// VRFY or EXPN answered with an address.
    VrfyEnabled,
    /// The address has no PTR record.
    NoPtr,
    /// The PTR name does not resolve back to the address.
    FcrdnsMismatch,
    /// The greeting or EHLO name differs from the PTR name.
    GreetingNameMismatch,
    /// `RCPT TO:<postmaster@domain>` was refused.
    PostmasterRejected,
    /// TLSA records exist and none matches the certificate.
    DaneMismatch,
    /// The MTA-STS policy does not list this MX.
    MtaStsMxMismatch,
    /// The certificate expires soon.
    CertExpiresSoon,
    /// AUTH was tried and refused, or failed.
    AuthFailed,
}

impl Serialize for FindingId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl FindingId {
    /// The id as written (`port_closed`, ...).
    pub fn name(self) -> &'static str {
        match self {
            FindingId::PortClosed => "port_closed",
            FindingId::NoGreeting => "no_greeting",
            FindingId::Greeting4xx => "greeting_4xx",
            FindingId::SlowGreeting => "slow_greeting",
            FindingId::NoStarttls => "no_starttls",
            FindingId::TlsHandshakeFailed => "tls_handshake_failed",
            FindingId::TlsOldVersion => "tls_old_version",
            FindingId::CertUntrusted => "cert_untrusted",
            FindingId::CertExpired => "cert_expired",
            FindingId::CertNameMismatch => "cert_name_mismatch",
            FindingId::AuthWithoutTls => "auth_without_tls",
            FindingId::OpenRelay => "open_relay",
            FindingId::VrfyEnabled => "vrfy_enabled",
            FindingId::NoPtr => "no_ptr",
            FindingId::FcrdnsMismatch => "fcrdns_mismatch",
            FindingId::GreetingNameMismatch => "greeting_name_mismatch",
            FindingId::PostmasterRejected => "postmaster_rejected",
            FindingId::DaneMismatch => "dane_mismatch",
            FindingId::MtaStsMxMismatch => "mta_sts_mx_mismatch",
            FindingId::CertExpiresSoon => "cert_expires_soon",
            FindingId::AuthFailed => "auth_failed",
        }
    }

    /// The severity this finding always has.
    pub fn severity(self) -> Severity {
        use FindingId::*;
        match self {
            PortClosed | NoGreeting | Greeting4xx | TlsHandshakeFailed | CertExpired
            | OpenRelay | DaneMismatch | MtaStsMxMismatch | AuthWithoutTls => Severity::Error,
            NoStarttls | TlsOldVersion | CertUntrusted | CertNameMismatch | VrfyEnabled | NoPtr
            | FcrdnsMismatch | PostmasterRejected | CertExpiresSoon | AuthFailed => {
                Severity::Warning
            }
            SlowGreeting | GreetingNameMismatch => Severity::Info,
        }
    }

    /// What to do about it.
    pub fn fix(self) -> &'static str {
        use FindingId::*;
        match self {
            PortClosed => {
                "Start the SMTP service on this port, or open it in the firewall; if the port is \
                 not meant to be served, remove it from the MX or client settings."
            }
            NoGreeting => {
                "Check that an SMTP server (not another service) listens here and that it is not \
                 overloaded or blocked by a connection limit."
            }
            Greeting4xx => {
                "Read the greeting text: the server refuses connections (overload, a block of \
                 the connecting address, maintenance). Lift the cause or the block."
            }
            SlowGreeting => {
                "Nothing to fix if it is a deliberate greet pause (postscreen, Exim \
                 smtp_banner delay): real senders wait up to 5 minutes (RFC 5321 4.5.3.2)."
            }
            NoStarttls => {
                "Enable STARTTLS with a certificate (Postfix: smtpd_tls_security_level = may, \
                 smtpd_tls_chain_files; Exim: tls_advertise_hosts = *, tls_certificate)."
            }
            TlsHandshakeFailed => {
                "Check the certificate and key files and the protocol and cipher settings; \
                 offer TLS 1.2 and 1.3 (openssl s_client -starttls smtp shows the error)."
            }
            TlsOldVersion => {
                "Disable SSLv3, TLS 1.0 and TLS 1.1 (Postfix: smtpd_tls_protocols = >=TLSv1.2) \
                 and make sure TLS 1.2 or 1.3 is offered."
            }
            CertUntrusted => {
                "Serve a certificate from a public CA (e.g. Let's Encrypt) with the full \
                 intermediate chain; many senders ignore this on port 25, submission clients do \
                 not."
            }
            CertExpired => "Renew the certificate and reload the server; automate renewal.",
            CertNameMismatch => {
                "Issue the certificate for the MX host name (and the submission host name) as a \
                 subjectAltName."
            }
            AuthWithoutTls => {
                "Offer AUTH only after STARTTLS (Postfix: smtpd_tls_auth_only = yes; Exim: \
                 auth_advertise_hosts = ${if eq{$tls_in_cipher}{}{}{*}})."
            }
            OpenRelay => {
                "Refuse relaying for unauthenticated outside clients at once (Postfix: \
                 smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, \
                 reject_unauth_destination; check mynetworks)."
            }
            VrfyEnabled => {
                "Disable VRFY and EXPN, which let anyone harvest addresses (Postfix: \
                 disable_vrfy_command = yes; Exim: no acl_smtp_vrfy/acl_smtp_expn accept)."
            }
            NoPtr => {
                "Ask the owner of the address block (the hosting provider) for a PTR record \
                 naming the mail server; many receivers refuse mail from addresses without one."
            }
            FcrdnsMismatch => {
                "Make the PTR name resolve (A/AAAA) back to this address: add the record or fix \
                 the PTR."
            }
            GreetingNameMismatch => {
                "Set the greeting and EHLO name to the host's PTR name (Postfix: myhostname; \
                 Exim: primary_hostname / smtp_active_hostname)."
            }
            PostmasterRejected => {
                "Accept mail to postmaster@ for every domain served (RFC 5321 4.5.1): add the \
                 alias and exempt it from sender checks."
            }
            DaneMismatch => {
                "Publish TLSA records for the certificate in use (roll the records before the \
                 certificate), or remove stale TLSA records: DANE senders will not deliver."
            }
            MtaStsMxMismatch => {
                "Add this MX host to the MTA-STS policy's mx: lines, or fix the MX records: \
                 senders in enforce mode will not deliver."
            }
            CertExpiresSoon => "Renew the certificate before it expires; automate renewal.",
            AuthFailed => {
                "Check the user name and password, the mechanisms enabled and the SASL \
                 back end's log."
            }
        }
    }
}

/// One finding about one host, address and port.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The id.
    pub id: FindingId,
    /// How bad it is.
    pub severity: Severity,
    /// What was seen (may quote the server).
    pub message: String,
    /// What to do.
    pub fix: &'static str,
}

impl Finding {
    /// A finding of `id` with `message`.
    pub fn new(id: FindingId, message: impl Into<String>) -> Finding {
        Finding {
            id,
            severity: id.severity(),
            message: message.into(),
            fix: id.fix(),
        }
    }
}

/// Exit code when no finding is a warning or an error.
pub const EXIT_CLEAN: u8 = 0;
/// Exit code when the worst finding is a warning.
pub const EXIT_WARNING: u8 = 4;
/// Exit code when the worst finding is an error.
pub const EXIT_ERROR: u8 = 5;

/// The exit code for these findings: 0 none worse than info, 4 a warning, 5 an error.
pub(crate) fn exit_code<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> u8 {
    match findings.into_iter().map(|f| f.severity).max() {
        Some(Severity::Error) => EXIT_ERROR,
        Some(Severity::Warning) => EXIT_WARNING,
        _ => EXIT_CLEAN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_code_follows_the_worst_finding() {
        let info = Finding::new(FindingId::SlowGreeting, "x");
        let warn = Finding::new(FindingId::VrfyEnabled, "x");
        let err = Finding::new(FindingId::OpenRelay, "x");
        assert_eq!(exit_code([&info]), EXIT_CLEAN);
        assert_eq!(exit_code([&info, &warn]), EXIT_WARNING);
        assert_eq!(exit_code([&warn, &err, &info]), EXIT_ERROR);
        assert_eq!(exit_code([]), EXIT_CLEAN);
    }

    #[test]
    fn ids_serialise_as_their_names() {
        for id in [
            FindingId::Greeting4xx,
            FindingId::MtaStsMxMismatch,
            FindingId::NoPtr,
        ] {
            assert_eq!(
                serde_json::to_value(id).unwrap(),
                serde_json::Value::String(id.name().into())
            );
        }
    }
}
