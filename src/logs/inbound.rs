//! `mta.inbound`: mail received from remote clients, and what this server refused (rejects by
//! stage and reason), kept apart from the deliverability figures of mail going out.

use std::collections::BTreeMap;

use serde::Serialize;

use super::metrics::InboundCounts;

/// What the join counts for received mail.
#[derive(Debug, Default)]
pub(crate) struct Inbound {
    /// Counters.
    pub counts: InboundCounts,
    /// Rejects per stage (`postscreen`, `CONNECT`, `HELO`, `MAIL`, `RCPT`, `DATA`, ...).
    pub by_stage: BTreeMap<String, u64>,
    /// Rejects per reason (`rbl`, `helo`, `sender`, `unknown_recipient`, `greylisting`, ...).
    pub by_reason: BTreeMap<&'static str, u64>,
}

impl Inbound {
    /// One reject.
    pub(crate) fn reject(&mut self, stage: &str, reason: &'static str) {
        self.counts.rejected += 1;
        let full = self.by_stage.len() >= 64;
        match self.by_stage.get_mut(stage) {
            Some(n) => *n += 1,
            None if !full => {
                self.by_stage.insert(stage.to_string(), 1);
            }
            None => *self.by_stage.entry("(other)".into()).or_default() += 1,
        }
        *self.by_reason.entry(reason).or_default() += 1;
    }
}

/// The `mta.inbound` section.
#[derive(Debug, Clone, Default, Serialize)]
pub struct InboundReport {
    /// Every counter (see the definitions).
    #[serde(flatten)]
    pub counts: BTreeMap<&'static str, u64>,
    /// Rejects per stage.
    pub rejected_by_stage: BTreeMap<String, u64>,
    /// Rejects per reason.
    pub rejected_by_reason: BTreeMap<String, u64>,
}

/// Build the section.
pub(crate) fn report(i: &Inbound) -> InboundReport {
    InboundReport {
        counts: i.counts.fields().into_iter().collect(),
        rejected_by_stage: i.by_stage.clone(),
        rejected_by_reason: i
            .by_reason
            .iter()
            .map(|(k, v)| (k.to_string(), *v))
            .collect(),
    }
}
