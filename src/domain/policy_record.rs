//! The one TXT record of a policy (`v=BIMI1`, `v=TLSRPTv1`, `v=STSv1`) at a name: found, or the
//! finding that says why not (could not be looked up, missing, several).

use super::answers::{Recorder, transient};
use super::finding::{Finding, Severity};

/// What to call things when the record is not there exactly once.
pub(crate) struct PolicyRecord<'a> {
    /// The policy's name in messages (`BIMI`).
    pub(crate) label: &'a str,
    /// The finding ids: could not be looked up, missing, several records.
    pub(crate) codes: [&'static str; 3],
    /// The version as written in messages (`BIMI1`).
    pub(crate) version: &'a str,
    /// Added to the "no record" message (what its absence means), may be empty.
    pub(crate) missing_means: &'a str,
    /// Added to the "several records" message, may be empty.
    pub(crate) several_means: &'a str,
}

impl PolicyRecord<'_> {
    /// The one record at `name` that `is_policy` accepts, or the finding.
    pub(crate) fn find(
        &self,
        dns: &mut Recorder<'_>,
        name: &str,
        is_policy: impl Fn(&str) -> bool,
    ) -> Result<String, Finding> {
        let mut records: Vec<String> = match dns.txt(name) {
            Ok(t) => t.into_iter().filter(|t| is_policy(t)).collect(),
            Err(l) if transient(&l) => {
                return Err(Finding::new(
                    Severity::Unknown,
                    self.codes[0],
                    format!("{name} could not be looked up"),
                ));
            }
            Err(_) => Vec::new(),
        };
        match records.len() {
            0 => Err(Finding::new(
                Severity::Info,
                self.codes[1],
                format!("no {} record at {name}{}", self.label, self.missing_means),
            )),
            1 => Ok(records.remove(0)),
            n => Err(Finding::new(
                Severity::Error,
                self.codes[2],
                format!(
                    "{name} has {n} {} records{}",
                    self.version, self.several_means
                ),
            )),
        }
    }
}
