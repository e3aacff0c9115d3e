//! `dmarc`: DMARC aggregate reports (RFC 7489, RFC 9990, the older draft schema), failure
//! reports (RFC 6591 / RFC 9991) and SMTP TLS reports (RFC 8460), from `.xml`, `.xml.gz`,
//! `.zip`, `.json`, `.json.gz`, messages with report attachments, mbox, Maildir and
//! directories. Copies of a report are reported once; every input that is not a usable report
//! says why (`not_a_report`, `unsupported_schema`, `corrupt`, `duplicate`, `too_large`).
//! Archives are read within size and ratio limits; XML entities are never expanded.

mod aggregate;
mod bounded;
mod container;
mod dedupe;
mod failure;
mod html;
mod jsonl;
mod rdns;
mod report;
mod run;
mod scan;
mod sources;
mod summary;
mod table;
mod text;
mod tlsrpt;
mod xml;

pub use bounded::Limits;
pub use html::{render_html, write_html};
pub use jsonl::{write_jsonl, write_jsonl_item};
pub use rdns::PtrSource;
pub use report::{
    AggregateRow, DkimResult, FailureRow, Item, Kind, PolicyPublished, Problem, ProblemKind,
    Reason, Records, Report, SpfResult, TlsFailure, TlsPolicy, Totals,
};
pub use run::{Config, DmarcError, Outcome, read_bytes, run, run_streaming};
pub use sources::{Action, Source, summarize};
pub use summary::Summary;
pub use table::{CsvWriter, write_csv};
pub use text::render_text;
