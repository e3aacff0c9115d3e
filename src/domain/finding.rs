//! A finding: one thing the audit noticed, with its severity, the section it belongs to, a
//! stable code and a sentence. The worst severity sets the exit code.

use serde::Serialize;

/// How bad a finding is, least bad first (the order is the exit-code order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; nothing to fix.
    Info,
    /// Could not find out (a timeout or SERVFAIL): never counted as a failure.
    Unknown,
    /// Works, but should be fixed (a removed tag, a short key, testing mode).
    Warning,
    /// Broken or missing (a syntax error, no address for an MX host, a listing).
    Error,
}

impl Severity {
    /// The lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Unknown => "unknown",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// How bad it is.
    pub severity: Severity,
    /// The stable code (`dmarc_removed_tag`, `mx_host_no_address`, ...).
    pub code: &'static str,
    /// What was found, in one sentence.
    pub message: String,
}

impl Finding {
    /// A finding.
    pub fn new(severity: Severity, code: &'static str, message: impl Into<String>) -> Finding {
        Finding {
            severity,
            code,
            message: message.into(),
        }
    }
}

/// The worst severity of `findings`, `None` when there are none.
pub(crate) fn worst<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> Option<Severity> {
    findings.into_iter().map(|f| f.severity).max()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_outrank_warnings_outrank_unknowns() {
        let f = |s| Finding::new(s, "x", "");
        assert_eq!(worst(&[]), None);
        assert_eq!(
            worst(&[f(Severity::Unknown), f(Severity::Info)]),
            Some(Severity::Unknown)
        );
        assert_eq!(
            worst(&[
                f(Severity::Warning),
                f(Severity::Error),
                f(Severity::Unknown)
            ]),
            Some(Severity::Error)
        );
    }
}
