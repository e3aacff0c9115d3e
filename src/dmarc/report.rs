//! What a DMARC run yields: normalised reports (aggregate, failure, TLS), their rows and
//! totals, and the inputs that could not be used, each with its reason.

use serde::Serialize;

/// The kind of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A DMARC aggregate report (RFC 7489 appendix C, RFC 9990, the older draft schema).
    Aggregate,
    /// A DMARC failure report (RFC 6591 / RFC 9991).
    Failure,
    /// An SMTP TLS report (RFC 8460).
    Tlsrpt,
}

impl Kind {
    /// The lower-case name (`aggregate`, `failure`, `tlsrpt`).
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Aggregate => "aggregate",
            Kind::Failure => "failure",
            Kind::Tlsrpt => "tlsrpt",
        }
    }
}

/// One usable report, normalised.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// Aggregate, failure or TLS.
    pub kind: Kind,
    /// Where it was read: the input name, with `:member` for each archive member, message or
    /// attachment it was found in.
    pub file: String,
    /// The reporting organisation.
    pub org_name: String,
    /// The report's identifier (for failure reports, the report message's `Message-ID`).
    pub report_id: String,
    /// The domain the report is about.
    pub policy_domain: String,
    /// Start of the reporting period, Unix seconds.
    pub begin: i64,
    /// End of the reporting period, Unix seconds.
    pub end: i64,
    /// The normalised rows.
    pub records: Records,
    /// Totals over the rows.
    pub totals: Totals,
    /// The schema it was written in (`rfc7489`, `rfc9990`, `draft`, `rfc6591`, `rfc8460`).
    pub schema: &'static str,
    /// The reporter's contact address, when given.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub email: String,
    /// The published policy (aggregate reports).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy: Option<PolicyPublished>,
    /// Errors the reporter listed (aggregate `<error>` elements).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
}

impl Report {
    /// The key two copies of one report share: reporting organisation, report id, policy
    /// domain and date range (names compared without regard to case).
    pub fn key(&self) -> (Kind, String, String, String, i64, i64) {
        (
            self.kind,
            self.org_name.trim().to_ascii_lowercase(),
            self.report_id.trim().to_string(),
            self.policy_domain
                .trim()
                .trim_end_matches('.')
                .to_ascii_lowercase(),
            self.begin,
            self.end,
        )
    }
}

/// The rows of a report, by kind (serialised as a plain array).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Records {
    /// Aggregate rows.
    Aggregate(Vec<AggregateRow>),
    /// The one incident of a failure report.
    Failure(Vec<FailureRow>),
    /// TLS policies.
    Tlsrpt(Vec<TlsPolicy>),
}

impl Records {
    /// The number of rows.
    pub fn len(&self) -> usize {
        match self {
            Records::Aggregate(v) => v.len(),
            Records::Failure(v) => v.len(),
            Records::Tlsrpt(v) => v.len(),
        }
    }

    /// Whether there is no row.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Totals of a report: DMARC kinds fill the first four, TLS reports the last two.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    /// Messages (the sum of the row counts).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub messages: Option<u64>,
    /// Messages that passed DMARC (aligned SPF or aligned DKIM pass, as evaluated).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dmarc_pass: Option<u64>,
    /// Messages whose SPF result was aligned and passing (policy evaluated).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spf_aligned: Option<u64>,
    /// Messages whose DKIM result was aligned and passing (policy evaluated).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dkim_aligned: Option<u64>,
    /// TLS sessions that succeeded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub successful_sessions: Option<u64>,
    /// TLS sessions that failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failed_sessions: Option<u64>,
}

/// The policy a domain published, as the aggregate report quotes it (values lower-cased).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PolicyPublished {
    /// The domain.
    pub domain: String,
    /// DKIM alignment mode (`r`, `s`), when given.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub adkim: String,
    /// SPF alignment mode, when given.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub aspf: String,
    /// Policy (`none`, `quarantine`, `reject`).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub p: String,
    /// Sub-domain policy.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub sp: String,
    /// Non-existent sub-domain policy (RFC 9990).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub np: String,
    /// Percentage (RFC 7489; removed in RFC 9989).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub pct: String,
    /// Failure reporting options.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub fo: String,
    /// Testing flag (RFC 9990 `t`).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub testing: String,
    /// How the policy was found (RFC 9990: `psl`, `treewalk`).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub discovery_method: String,
}

/// One aggregate row: a source IP and the messages it sent with one set of results.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AggregateRow {
    /// The sending IP address, as written.
    pub source_ip: String,
    /// Messages.
    pub count: u64,
    /// What the receiver did: `none`, `quarantine`, `reject` (lower case).
    pub disposition: String,
    /// Policy-evaluated DKIM: `pass` when an aligned DKIM signature passed.
    pub dkim: String,
    /// Policy-evaluated SPF: `pass` when SPF passed for an aligned domain.
    pub spf: String,
    /// Whether DMARC passed (either evaluated result `pass`).
    pub dmarc_pass: bool,
    /// Reasons for a local policy override (`type`, `comment`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<Reason>,
    /// The `From` header domain.
    pub header_from: String,
    /// The envelope sender domain, when given.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub envelope_from: String,
    /// The envelope recipient domain, when given.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub envelope_to: String,
    /// Raw DKIM results.
    pub dkim_results: Vec<DkimResult>,
    /// Raw SPF results.
    pub spf_results: Vec<SpfResult>,
}

/// A policy override reason.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Reason {
    /// `forwarded`, `sampled_out`, `trusted_forwarder`, `mailing_list`, `local_policy`,
    /// `other`, or what the report says (lower case).
    #[serde(rename = "type")]
    pub kind: String,
    /// The comment, when given.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub comment: String,
}

/// One DKIM signature's result.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DkimResult {
    /// The signing domain (`d=`).
    pub domain: String,
    /// The selector (`s=`), when given.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub selector: String,
    /// `none`, `pass`, `fail`, `policy`, `neutral`, `temperror`, `permerror` (lower case).
    pub result: String,
    /// The reporter's free text, when given.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub human_result: String,
}

/// One SPF result.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SpfResult {
    /// The domain checked.
    pub domain: String,
    /// `mfrom` or `helo`, when given.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub scope: String,
    /// `none`, `neutral`, `pass`, `fail`, `softfail`, `temperror`, `permerror` (lower case).
    pub result: String,
    /// The reporter's free text, when given.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub human_result: String,
}

/// The incident a failure report describes (RFC 6591 fields).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FailureRow {
    /// `Source-IP`.
    pub source_ip: String,
    /// `Incidents` (1 when absent).
    pub count: u64,
    /// `Feedback-Type` (`auth-failure`).
    pub feedback_type: String,
    /// `Auth-Failure` values (`dmarc`, `dkim`, `spf`, ...).
    pub auth_failure: Vec<String>,
    /// `Delivery-Result`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub delivery_result: String,
    /// `Reported-Domain`.
    pub reported_domain: String,
    /// `Original-Mail-From`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub original_mail_from: String,
    /// `Original-Rcpt-To` values.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub original_rcpt_to: Vec<String>,
    /// `DKIM-Domain`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub dkim_domain: String,
    /// `DKIM-Selector`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub dkim_selector: String,
    /// `Identity-Alignment`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub identity_alignment: String,
    /// `Authentication-Results`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub authentication_results: String,
    /// `Arrival-Date`, as written.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub arrival_date: String,
    /// The `From` domain of the reported message's header, when found.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub header_from: String,
}

/// One TLS policy block of an RFC 8460 report, with its summary and failure details.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TlsPolicy {
    /// `sts`, `tlsa`, `no-policy-found`.
    pub policy_type: String,
    /// The policy domain.
    pub policy_domain: String,
    /// The policy text lines.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub policy_string: Vec<String>,
    /// MX host patterns.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mx_host: Vec<String>,
    /// Sessions that succeeded.
    pub successful_sessions: u64,
    /// Sessions that failed.
    pub failed_sessions: u64,
    /// The failure details.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub failure_details: Vec<TlsFailure>,
}

/// One failure detail of a TLS policy.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TlsFailure {
    /// `starttls-not-supported`, `certificate-expired`, `validation-failure`, ...
    pub result_type: String,
    /// The sending MTA's IP.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub sending_mta_ip: String,
    /// The receiving MX host name.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub receiving_mx_hostname: String,
    /// The receiving IP.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub receiving_ip: String,
    /// Sessions that failed this way.
    pub failed_session_count: u64,
    /// A reason code, when given.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub failure_reason_code: String,
    /// More information, when given.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub additional_information: String,
}

/// Why an input was not used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// Readable, but not a report (an empty file, a message without a report).
    NotAReport,
    /// A report in a schema or version this reader does not know.
    UnsupportedSchema,
    /// Broken: truncated archive, XML or JSON that does not parse, entities declared.
    Corrupt,
    /// Another copy of a report already reported.
    Duplicate,
    /// Over the size or compression-ratio limit (zip bombs).
    TooLarge,
}

impl ProblemKind {
    /// The snake-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            ProblemKind::NotAReport => "not_a_report",
            ProblemKind::UnsupportedSchema => "unsupported_schema",
            ProblemKind::Corrupt => "corrupt",
            ProblemKind::Duplicate => "duplicate",
            ProblemKind::TooLarge => "too_large",
        }
    }
}

/// An input (or archive member, message, attachment) that was not used, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// Where it was read (as in [`Report::file`]).
    pub file: String,
    /// Why it was not used.
    pub problem: ProblemKind,
    /// The detail.
    pub detail: String,
}

/// One outcome of reading an input: a report or a problem.
// Most items are reports: boxing them would add an allocation each for nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// A usable report.
    Report(Report),
    /// An input not used.
    Problem(Problem),
}

/// A problem outcome.
pub(crate) fn problem(file: &str, kind: ProblemKind, detail: impl Into<String>) -> Item {
    Item::Problem(Problem {
        file: file.to_string(),
        problem: kind,
        detail: detail.into(),
    })
}
