//! Late bounces: a recipient the remote server accepted (`status=sent`) and bounced afterwards.
//! The log shows only that a bounce notice came back (`mta.inbound.late_bounce_notices`); the
//! notices themselves, given with `--bounces` and decoded by the bounce auditor
//! ([`crate::bounce::decode_file_bytes`]), name the recipient, the original Message-ID and
//! often the sender's queue id (`X-Postfix-Queue-ID`). Each decoded failure is matched to a
//! delivery of this log: queue id + recipient first, then Message-ID + recipient, else the
//! last delivery to that recipient. Memory is bounded by the number of decoded records.

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasher, Hasher};

use rustc_hash::FxBuildHasher as FxBuild;
use serde::Serialize;

use crate::bounce::{BounceRecord, MessageOutcome};

fn fx(s: &str) -> u64 {
    let mut h = FxBuild.build_hasher();
    h.write(s.as_bytes());
    h.finish()
}

/// How a record found its delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum How {
    Recipient,
    MessageId,
    QueueId,
}

/// One decoded failure to find in the log.
#[derive(Debug, Clone)]
struct Wanted {
    qid: String,
    msgid: u64,
    hard: bool,
    reason: &'static str,
    /// The delivery found: how, domain id, sender id.
    found: Option<(How, u32, Option<u32>)>,
}

/// Decoded bounce notices and what they matched.
#[derive(Debug, Default)]
pub(crate) struct Late {
    wanted: Vec<Wanted>,
    /// Lower-case recipient hash -> records.
    by_rcpt: HashMap<u64, Vec<u32>, FxBuild>,
    /// Bounce files read.
    pub files: u64,
    /// Messages in them without a failure (delays, auto-replies, ...).
    pub not_failures: u64,
}

/// The Message-ID hash the join uses (never 0).
pub(crate) fn msgid_hash(id: &str) -> u64 {
    fx(id.trim().trim_start_matches('<').trim_end_matches('>')) | 1
}

impl Late {
    /// Add the failures decoded from one bounce file.
    pub(crate) fn add_outcomes(&mut self, outs: Vec<MessageOutcome>) {
        self.files += 1;
        for o in outs {
            match o {
                MessageOutcome::Records(recs) => {
                    for r in recs {
                        self.add_record(&r);
                    }
                }
                MessageOutcome::NoRecord { .. } => self.not_failures += 1,
            }
        }
    }

    fn add_record(&mut self, r: &BounceRecord) {
        let failed = r.permanent || r.action.eq_ignore_ascii_case("failed") || r.expired;
        if !failed || r.recipient.is_empty() || !r.feedbacktype.is_empty() {
            self.not_failures += 1;
            return;
        }
        let i = self.wanted.len() as u32;
        self.wanted.push(Wanted {
            qid: r.queue_id.trim().to_string(),
            msgid: if r.message_id.trim().is_empty() {
                0
            } else {
                msgid_hash(&r.message_id)
            },
            hard: r.hard,
            reason: r.reason.as_str(),
            found: None,
        });
        self.by_rcpt
            .entry(fx(&r.recipient.to_ascii_lowercase()))
            .or_default()
            .push(i);
    }

    /// A recipient delivered to a remote server.
    pub(crate) fn delivered(
        &mut self,
        qid: &str,
        msgid: u64,
        rcpt: &str,
        dom: u32,
        sender: Option<u32>,
    ) {
        if self.wanted.is_empty() {
            return;
        }
        let key = if rcpt.bytes().any(|c| c.is_ascii_uppercase()) {
            fx(&rcpt.to_ascii_lowercase())
        } else {
            fx(rcpt)
        };
        let Some(ids) = self.by_rcpt.get(&key) else {
            return;
        };
        for &i in ids {
            let w = &mut self.wanted[i as usize];
            let how = if !w.qid.is_empty() && w.qid == qid {
                How::QueueId
            } else if w.msgid != 0 && w.msgid == msgid {
                How::MessageId
            } else if w.qid.is_empty() && w.msgid == 0 {
                How::Recipient
            } else {
                continue;
            };
            // a better match wins; among equals the later delivery (the bounce comes after)
            if w.found.is_none_or(|(h, _, _)| how >= h) {
                w.found = Some((how, dom, sender));
            }
        }
    }

    /// Whether any bounce file was given.
    pub(crate) fn active(&self) -> bool {
        self.files > 0
    }

    /// Matched records: (domain id, sender id, hard, reason).
    pub(crate) fn matched(&self) -> impl Iterator<Item = (u32, Option<u32>, bool, &'static str)> {
        self.wanted
            .iter()
            .filter_map(|w| w.found.map(|(_, d, s)| (d, s, w.hard, w.reason)))
    }

    /// The summary of the reconciliation (without the reconciled rows).
    pub(crate) fn summary(&self) -> LateSummary {
        let mut how = BTreeMap::new();
        for w in &self.wanted {
            let k = match w.found {
                Some((How::QueueId, ..)) => "queue_id",
                Some((How::MessageId, ..)) => "message_id",
                Some((How::Recipient, ..)) => "recipient",
                None => "unmatched",
            };
            *how.entry(k).or_default() += 1;
        }
        LateSummary {
            bounce_files: self.files,
            failures_decoded: self.wanted.len() as u64,
            not_failures: self.not_failures,
            matched: self.wanted.iter().filter(|w| w.found.is_some()).count() as u64,
            matched_by: how,
        }
    }
}

/// What `--bounces` found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LateSummary {
    /// Bounce files read.
    pub bounce_files: u64,
    /// Failed recipients decoded from them.
    pub failures_decoded: u64,
    /// Messages or records that are not failures (delays, auto-replies, complaints).
    pub not_failures: u64,
    /// Failures matched to a delivery in the log (late bounces).
    pub matched: u64,
    /// How they matched: `queue_id`, `message_id`, `recipient`, `unmatched`.
    pub matched_by: BTreeMap<&'static str, u64>,
}
