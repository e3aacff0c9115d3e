//! Jobs as the API shows them: status, counts, options, and the work units a job is cut into.

use serde::{Deserialize, Serialize};

use crate::address::{AnalyzeOptions, SyntaxPolicy};
use crate::model::Verdict;

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobStatus {
    /// Accepted, no unit started yet.
    Queued,
    /// At least one unit started.
    Running,
    /// Every address has a result.
    Completed,
    /// Stopped by an error the job cannot recover from.
    Failed,
    /// Cancelled by its owner; units not started are dropped.
    Cancelled,
}

impl JobStatus {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Completed => "completed",
            JobStatus::Failed => "failed",
            JobStatus::Cancelled => "cancelled",
        }
    }

    /// Parse a wire name.
    pub fn parse(s: &str) -> Option<JobStatus> {
        Some(match s {
            "queued" => JobStatus::Queued,
            "running" => JobStatus::Running,
            "completed" => JobStatus::Completed,
            "failed" => JobStatus::Failed,
            "cancelled" => JobStatus::Cancelled,
            _ => return None,
        })
    }

    /// Whether no more work will be done.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            JobStatus::Completed | JobStatus::Failed | JobStatus::Cancelled
        )
    }
}

/// Results so far by verdict.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerdictCounts {
    /// Deliverable.
    pub deliverable: u64,
    /// Risky.
    pub risky: u64,
    /// Undeliverable.
    pub undeliverable: u64,
    /// Unknown.
    pub unknown: u64,
}

impl VerdictCounts {
    /// Count one more result.
    pub fn add(&mut self, v: Verdict) {
        match v {
            Verdict::Deliverable => self.deliverable += 1,
            Verdict::Risky => self.risky += 1,
            Verdict::Undeliverable => self.undeliverable += 1,
            Verdict::Unknown => self.unknown += 1,
        }
    }
}

/// A job as `GET /v1/jobs/{id}` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JobView {
    /// The job id.
    pub id: String,
    /// Its status.
    pub status: JobStatus,
    /// Addresses in the job.
    pub total: u64,
    /// Addresses with a result.
    pub processed: u64,
    /// Results by verdict.
    pub verdicts: VerdictCounts,
    /// Creation time, RFC 3339 UTC.
    pub created_at: String,
    /// When the job reached a final status.
    pub finished_at: Option<String>,
}

/// Per-job analysis options (the network options belong to the workers).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JobOptions {
    /// Accept quoted local parts and address literals.
    pub allow_smtp_syntax: bool,
    /// Accept special-use and single-label domains.
    pub allow_special_use_domains: bool,
    /// Make `role_account` the primary reason for role addresses.
    pub role_risky: bool,
}

impl JobOptions {
    /// The analysis options these stand for.
    pub fn analyze(&self) -> AnalyzeOptions {
        AnalyzeOptions {
            syntax: SyntaxPolicy {
                allow_smtp_syntax: self.allow_smtp_syntax,
                allow_special_use_domains: self.allow_special_use_domains,
            },
            trim: true,
            role_is_risky: self.role_risky,
        }
    }
}

/// A job to create.
#[derive(Debug, Clone)]
pub(crate) struct NewJob {
    /// The owner's key id.
    pub(crate) key_id: i64,
    /// The client's idempotency key: the same key twice is one job.
    pub(crate) idempotency_key: Option<String>,
    /// The addresses, in input order.
    pub(crate) emails: Vec<String>,
    /// Analysis options.
    pub(crate) options: JobOptions,
    /// Where to POST the completion notice.
    pub(crate) callback_url: Option<String>,
    /// The HMAC key the callback is signed with (derived from the caller's API key).
    pub(crate) callback_key: Vec<u8>,
}

/// A batch of one job's addresses at one domain: what a worker claims.
#[derive(Debug, Clone)]
pub(crate) struct Unit {
    /// The unit id.
    pub(crate) id: i64,
    /// Its job.
    pub(crate) job_id: String,
    /// The domain its addresses share (lower-case ASCII).
    pub(crate) domain: String,
    /// `(row, address)` pairs, rows numbered from 1 in the job's input order.
    pub(crate) rows: Vec<(i64, String)>,
    /// The job's analysis options.
    pub(crate) options: JobOptions,
}

/// One address's result, as a worker writes it.
#[derive(Debug, Clone)]
pub(crate) struct ItemResult {
    /// The row (1-based).
    pub(crate) row: i64,
    /// Its verdict.
    pub(crate) verdict: Verdict,
    /// Its reason (wire name).
    pub(crate) reason: String,
    /// The full record, as `check` writes it, with `worker` and `source`.
    pub(crate) record: serde_json::Value,
}

/// A job that just reached a final status and asked for a callback.
#[derive(Debug, Clone)]
pub(crate) struct Finished {
    /// The job as it is now.
    pub(crate) view: JobView,
    /// The callback URL.
    pub(crate) callback_url: String,
    /// The signing key.
    pub(crate) callback_key: Vec<u8>,
}
