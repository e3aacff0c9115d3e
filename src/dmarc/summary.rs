//! The run summary: reports by kind, unusable inputs by reason, message and session totals,
//! and the per-source table.

use std::collections::BTreeMap;

use serde::Serialize;

use super::report::{Item, Kind, ProblemKind};
use super::sources::Source;

/// What a run found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Usable reports by kind (`aggregate`, `failure`, `tlsrpt`).
    pub reports: BTreeMap<&'static str, u64>,
    /// Unusable inputs by reason (`not_a_report`, `corrupt`, ...).
    pub problems: BTreeMap<&'static str, u64>,
    /// Messages in aggregate and failure reports.
    pub messages: u64,
    /// Of those, DMARC passes.
    pub dmarc_pass: u64,
    /// Of those, aligned SPF passes.
    pub spf_aligned: u64,
    /// Of those, aligned DKIM passes.
    pub dkim_aligned: u64,
    /// TLS sessions that succeeded.
    pub successful_sessions: u64,
    /// TLS sessions that failed.
    pub failed_sessions: u64,
    /// The sending sources of the aggregate reports, biggest first.
    pub sources: Vec<Source>,
}

impl Summary {
    /// Count `items`, with the sources already summarised.
    pub fn new(items: &[Item], sources: Vec<Source>) -> Summary {
        let mut s = Summary::empty();
        for item in items {
            s.add(item);
        }
        s.sources = sources;
        s
    }

    /// Nothing counted yet (every report kind at 0).
    pub(crate) fn empty() -> Summary {
        let mut s = Summary::default();
        for k in [Kind::Aggregate, Kind::Failure, Kind::Tlsrpt] {
            s.reports.insert(k.as_str(), 0);
        }
        s
    }

    /// Count one item.
    pub(crate) fn add(&mut self, item: &Item) {
        let s = self;
        match item {
            Item::Report(r) => {
                *s.reports.entry(r.kind.as_str()).or_default() += 1;
                let t = &r.totals;
                let add = |a: &mut u64, b: Option<u64>| *a = a.saturating_add(b.unwrap_or(0));
                add(&mut s.messages, t.messages);
                add(&mut s.dmarc_pass, t.dmarc_pass);
                add(&mut s.spf_aligned, t.spf_aligned);
                add(&mut s.dkim_aligned, t.dkim_aligned);
                add(&mut s.successful_sessions, t.successful_sessions);
                add(&mut s.failed_sessions, t.failed_sessions);
            }
            Item::Problem(p) => *s.problems.entry(p.problem.as_str()).or_default() += 1,
        }
    }

    /// Usable reports.
    pub fn report_count(&self) -> u64 {
        self.reports.values().sum()
    }

    /// Unusable inputs.
    pub fn problem_count(&self) -> u64 {
        self.problems.values().sum()
    }

    /// Unusable inputs of one kind.
    pub fn problems_of(&self, k: ProblemKind) -> u64 {
        self.problems.get(k.as_str()).copied().unwrap_or(0)
    }
}
