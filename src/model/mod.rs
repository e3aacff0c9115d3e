//! Shared types (the ground floor): verdicts, reasons, flags, the per-address record and the
//! DNS and SMTP evidence it carries.

mod dns_evidence;
mod flags;
mod record;
mod smtp_evidence;
mod verdict;

pub use dns_evidence::{DnsEvidence, MailRoute, MxHost};
pub use flags::Flags;
pub use record::{AddressRecord, Derived};
pub use smtp_evidence::{Differential, SmtpEvidence, TlsInfo};
pub use verdict::{Reason, Verdict};
