//! `mailsift domain`: a sender domain's authentication audit (SPF, DMARC, DKIM, MTA-STS,
//! TLS-RPT, BIMI, MX, PTR / FCrDNS, DNS block lists, DNSSEC status) and one bulk-sender verdict.
//!
//! The audit core (`audit`) is sans-IO: DNS answers come through the [`AuditDns`] trait and the
//! MTA-STS policy through [`PolicyFetch`]; `driver` answers them from a zone file, the network
//! and HTTPS. Each section is one file; `render_text` and `render_html` present the result.

mod answers;
mod audit;
mod bimi;
mod dkim_key;
mod dmarc_record;
mod dnsbl;
mod driver;
mod finding;
mod http_response;
mod https_get;
mod mta_sts;
mod mx;
mod policy_record;
mod ptr;
mod render_html;
mod render_text;
mod spf_policy;
mod tag_list;
mod tlsrpt;
mod verdict;

pub use answers::{Answer, AuditDns, Dnssec, QueryRecord};
pub use audit::{Audit, AuditOptions, audit};
pub use dnsbl::{DEFAULT_DNSBLS, DnsblZone};
pub use driver::{HttpsFetcher, ZoneNetDns, pem_certificates};
pub use finding::{Finding, Severity};
pub use mta_sts::{PolicyFetch, PolicyResponse};
pub use render_html::write_html;
pub use render_text::render_text;
