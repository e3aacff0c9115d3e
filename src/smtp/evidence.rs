//! What a probe learned about one recipient: the reason plus typed evidence.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use super::reply::Reply;
use super::tls::TlsInfo;
use crate::model::Reason;
use crate::report::terminal_safe;

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
}

impl SmtpEvidence {
    /// Record a reply as the deciding evidence.
    pub fn set_reply(&mut self, r: &Reply, stage: &str) {
        self.code = Some(r.code);
        self.enhanced_code = r.enhanced.map(|e| e.to_string());
        let mut text = terminal_safe(&r.text);
        if text.len() > 512 {
            let mut cut = 512;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            text.truncate(cut);
        }
        self.message = Some(text);
        self.stage = stage.to_owned();
    }
}

/// A probe's finding for one recipient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    /// The reason (its verdict follows from it).
    pub reason: Reason,
    /// The evidence.
    pub evidence: SmtpEvidence,
}
