//! mailsift: email deliverability and list hygiene.
//!
//! The library holds every stage; the `mailsift` binary is glue (see `cli.rs`). Start with
//! [`address::analyze`] for one address or [`pipeline::clean::run`] for a CSV list.

#![deny(missing_docs)]
#![deny(unreachable_pub)]

pub mod address;
mod arf;
mod base64;
pub mod bounce;
pub mod check;
mod civil;
pub mod dmarc;
pub mod dns;
pub mod domain;
pub mod engagement;
pub mod explain;
pub mod input;
mod key_hash;
pub mod logs;
pub mod model;
pub mod pipeline;
pub mod progress;
pub mod report;
pub mod server;
pub mod service;
mod ses;
pub mod smtp;
pub mod spf;
pub mod stage;
pub mod status;
pub mod suppress;
#[cfg(test)]
mod testgen;
mod text;

pub use model::{AddressRecord, Flags, Reason, Verdict};
pub use text::terminal_safe;

// NOT API. This module exists only so that benchmarks, examples and fuzz targets can measure
// the internals; it is hidden from the docs and carries no stability promise.
/// Not API: internals re-exported so that benchmarks, examples and fuzz targets can measure
/// them directly. Anything here may change or vanish in any release.
#[doc(hidden)]
pub mod __bench {
    /// Bounce message parsing without classification (`examples/bounce_floor.rs`).
    pub mod bounce {
        pub use crate::bounce::decode::{parse_only, parser as message_parser};
    }
    /// The log-line parsers (`benches/logs.rs`, `fuzz/fuzz_targets/logs.rs`,
    /// `fuzz/fuzz_targets/log_lines.rs`).
    pub mod logs {
        /// ARF (feedback report) parsing.
        pub mod arf {
            pub use crate::logs::arf::parse;
        }
        /// ESP webhook/event export records.
        pub mod esp {
            pub use crate::logs::esp::{Flavor, parse_record};
        }
        /// Exim main-log lines.
        pub mod exim {
            pub use crate::logs::exim::{parse, split};
        }
        /// Postfix syslog messages.
        pub mod postfix {
            pub use crate::logs::postfix::parse;
        }
        /// Sendmail syslog messages.
        pub mod sendmail {
            pub use crate::logs::sendmail::{delivery, is_expiry_notice, parse, recipients};
        }
        /// OpenSMTPD syslog messages.
        pub mod opensmtpd {
            pub use crate::logs::opensmtpd::Parser;
        }
        /// `journalctl -o json` records.
        pub mod journal {
            pub use crate::logs::journal::to_syslog_line;
        }
        /// Syslog line headers and the parsed event.
        pub mod syslog {
            pub use crate::logs::syslog::{Event, header};
        }
    }
    /// The SMTP reply parser, session state machine and scheduler (`benches/smtp.rs`,
    /// `fuzz/fuzz_targets/smtp_reply.rs`).
    pub mod smtp {
        pub use crate::smtp::reply::{MAX_REPLY_BYTES, ReplyParser};
        pub use crate::smtp::scheduler::{DomainJob, Scheduler};
        pub use crate::smtp::session::{Action, Session};
    }
}
