//! The report of `mailsift server`: target → hosts (host name, address) → ports, each with what
//! was seen and its findings, as serialised to `--json` (the shape issue #18 gives).

use serde::Serialize;

use super::dane::DaneCheck;
use super::findings::{self, Finding, Severity};
use super::identity::IdentityFacts;
use super::mta_sts_match::StsMatch;
use super::session::{AuthResult, Said};
use super::tls_facts::TlsFacts;

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The TARGET as given.
    pub target: String,
    /// `domain` (its MX hosts were checked) or `host`.
    pub kind: &'static str,
    /// One entry per host and address.
    pub hosts: Vec<HostReport>,
    /// The worst severity found (`none` when nothing was found).
    pub worst: &'static str,
    /// The exit code the worst finding sets.
    pub exit_code: u8,
}

/// One host at one address.
#[derive(Debug, Clone, Serialize)]
pub struct HostReport {
    /// The host name (the MX, or TARGET).
    pub host: String,
    /// The address connected to.
    pub address: String,
    /// PTR and forward-confirmed reverse DNS.
    pub identity: IdentityFacts,
    /// Findings about the address itself (`no_ptr`, `fcrdns_mismatch`).
    pub findings: Vec<Finding>,
    /// One entry per port.
    pub ports: Vec<PortReport>,
}

/// The greeting.
#[derive(Debug, Clone, Serialize)]
pub struct Greeting {
    /// Reply code.
    pub code: u16,
    /// Reply text.
    pub text: String,
    /// Milliseconds from connect to the complete greeting.
    pub ms: u64,
}

/// EHLO.
#[derive(Debug, Clone, Serialize)]
pub struct Ehlo {
    /// The name the server gave in its EHLO reply.
    pub name: Option<String>,
    /// Extensions offered before TLS (keyword and parameters).
    pub extensions: Vec<String>,
    /// Extensions offered after TLS (`null`: no TLS).
    pub extensions_tls: Option<Vec<String>>,
    /// EHLO was refused and HELO used.
    pub helo_fallback: bool,
}

/// TLS.
#[derive(Debug, Clone, Serialize)]
pub struct Tls {
    /// `starttls` or `implicit`.
    pub mode: &'static str,
    /// The handshake completed.
    pub ok: bool,
    /// Why STARTTLS or the handshake failed.
    pub error: Option<String>,
    /// The session facts, when it completed.
    #[serde(flatten)]
    pub facts: Option<TlsFacts>,
    /// A ClientHello capped at TLS 1.1 (second connection): `refused`, or the version the
    /// server chose (`TLSv1.0`, `TLSv1.1`); `null` when not known.
    pub legacy_versions: Option<String>,
    /// TLSA records and whether they match (`null`: none published or not looked up).
    pub dane: Option<DaneCheck>,
    /// The MTA-STS policy's verdict for this MX (`null`: no policy given).
    pub mta_sts: Option<StsMatch>,
}

/// The relay test.
#[derive(Debug, Clone, Serialize)]
pub struct Relay {
    /// `MAIL FROM` sent and its reply.
    pub mail_from: String,
    /// The reply to `MAIL FROM`.
    pub mail_reply: Said,
    /// The outside recipient asked.
    pub rcpt_to: String,
    /// Its reply (`null`: not asked, `MAIL FROM` was refused).
    pub rcpt_reply: Option<Said>,
    /// `refused`, `relays`, `not_tested` (`MAIL FROM` refused), `skipped_authenticated`.
    pub result: &'static str,
}

/// One port.
#[derive(Debug, Clone, Serialize)]
pub struct PortReport {
    /// The port.
    pub port: u16,
    /// The TCP connection was made.
    pub open: bool,
    /// TCP connect time.
    pub connect_ms: Option<u64>,
    /// Why connecting failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connect_error: Option<String>,
    /// The greeting (`null`: none).
    pub greeting: Option<Greeting>,
    /// EHLO (`null`: not reached).
    pub ehlo: Option<Ehlo>,
    /// TLS (`null`: not offered or not tried).
    pub tls: Option<Tls>,
    /// AUTH (`null`: not asked for with --auth-user).
    pub auth: Option<AuthResult>,
    /// The relay test (`null`: not asked for with --relay-test, or not reached).
    pub relay: Option<Relay>,
    /// VRFY's reply.
    pub vrfy: Option<Said>,
    /// The reply to VRFY of a user that does not exist (asked after a 2yz to VRFY postmaster).
    pub vrfy_nobody: Option<Said>,
    /// EXPN's reply.
    pub expn: Option<Said>,
    /// The postmaster address asked and the reply.
    pub postmaster: Option<(String, Said)>,
    /// How the conversation was cut short (`closed`, `timeout`, `garbage` after a command).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cut: Option<String>,
    /// Every command sent, AUTH responses redacted.
    pub commands: Vec<String>,
    /// What is wrong.
    pub findings: Vec<Finding>,
}

impl Report {
    /// Every finding, host-level and port-level.
    pub fn all_findings(&self) -> impl Iterator<Item = &Finding> {
        self.hosts.iter().flat_map(|h| {
            h.findings
                .iter()
                .chain(h.ports.iter().flat_map(|p| p.findings.iter()))
        })
    }

    /// Fill `worst` and `exit_code` from the findings.
    pub(crate) fn finish(mut self) -> Report {
        self.exit_code = findings::exit_code(self.all_findings());
        self.worst = self
            .all_findings()
            .map(|f| f.severity)
            .max()
            .map_or("none", Severity::name);
        self
    }
}
