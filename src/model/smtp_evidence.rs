//! SMTP evidence: what a probe learned from the mail server about one recipient (reply, MX
//! host, TLS, catch-all), carried on the address record as `smtp`.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use super::Reason;

/// Evidence behind an SMTP verdict, attached to the address record as `smtp`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmtpEvidence {
    /// The MX host that gave the answer (or the last one tried).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mx_host: Option<String>,
    /// Its address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip: Option<IpAddr>,
    /// The reply code that decided.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<u16>,
    /// The RFC 3463 enhanced status code, e.g. `5.1.1`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enhanced_code: Option<String>,
    /// The reply text, control characters removed, at most 512 bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The command the reply answered: `connect`, `banner`, `session` (EHLO/HELO/STARTTLS/MAIL)
    /// or `rcpt`.
    pub stage: String,
    /// TLS on the deciding connection, when STARTTLS was used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls: Option<TlsInfo>,
    /// The domain accepted a random local part (catch-all); `None` when not known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub catch_all: Option<bool>,
    /// Probe rounds (more than one after greylisting).
    pub attempts: u32,
    /// Servers tried, in order, with how each ended (`127.0.0.17:25 connect_failed`, ...).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub tried: Vec<String>,
    /// The random local part asked at the same server got the same permanent refusal as this
    /// address (differential evidence; `smtp/differential.rs`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub differential: Option<Differential>,
}

/// Differential evidence: the same permanent refusal for a random local part (the catch-all
/// probe) and for this address at the same server. With other addresses of the domain accepted
/// there, the refusal is about the address, and it does not exist whatever the reply says; with
/// none accepted it may be about us or the server, and the reply's own reason stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Differential {
    /// The random address asked (`mailsift-nx-...@domain`).
    pub random: String,
    /// Other addresses of the domain the same server accepted in this run.
    pub accepted: u32,
    /// The reason the reply alone gave.
    pub reply_reason: Reason,
}

/// What TLS looked like on one connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TlsInfo {
    /// Negotiated protocol version, e.g. `TLSv1_3`.
    pub version: String,
    /// The certificate chain verified against the Mozilla roots for the MX host name.
    pub verified: bool,
    /// Why it did not verify.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}
