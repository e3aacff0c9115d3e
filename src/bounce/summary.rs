//! The counts of a run: messages, records by reason, type, domain and detector, and the
//! addresses to suppress.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::MessageOutcome;

/// Counts of a run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct BounceSummary {
    /// Files read.
    pub files: u64,
    /// Messages decoded.
    pub messages: u64,
    /// Messages with no bounce.
    pub messages_without_bounce: u64,
    /// Records written.
    pub records: u64,
    /// Records by reason.
    pub by_reason: BTreeMap<String, u64>,
    /// Records by bounce type.
    pub by_bounce_type: BTreeMap<String, u64>,
    /// Records by recipient domain.
    pub by_recipient_domain: BTreeMap<String, u64>,
    /// Records by detector.
    pub by_detector: BTreeMap<String, u64>,
    /// Distinct addresses to suppress (hard bounces and complaints).
    pub suppressed_addresses: u64,
    /// Inputs that could not be read (path: error).
    pub errors: Vec<String>,
    /// Wall-clock seconds.
    pub elapsed_seconds: f64,
    /// Messages per second.
    pub messages_per_second: f64,
}

pub(super) fn tally(
    s: &mut BounceSummary,
    outs: &[MessageOutcome],
    suppress: &mut BTreeSet<String>,
) {
    for o in outs {
        s.messages += 1;
        match o {
            MessageOutcome::NoRecord { .. } => s.messages_without_bounce += 1,
            MessageOutcome::Records(rs) => {
                for r in rs {
                    s.records += 1;
                    *s.by_reason.entry(r.reason.as_str().into()).or_default() += 1;
                    *s.by_bounce_type
                        .entry(r.bounce_type.as_str().into())
                        .or_default() += 1;
                    let dom = r
                        .recipient
                        .rsplit_once('@')
                        .map(|(_, d)| d.to_ascii_lowercase())
                        .unwrap_or_default();
                    *s.by_recipient_domain.entry(dom).or_default() += 1;
                    *s.by_detector.entry(r.detector.into()).or_default() += 1;
                    if r.suppress() && !r.recipient.is_empty() {
                        suppress.insert(r.recipient.to_ascii_lowercase());
                    }
                }
            }
        }
    }
}
