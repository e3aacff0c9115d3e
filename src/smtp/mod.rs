//! SMTP probing (`--smtp`), sans-IO first: reply parsing (`reply`), the probe session state
//! machine (`session`), the mapping from evidence to reasons (`verdict`), a thin tokio driver
//! with STARTTLS (`driver`, `tls`), the scheduler (per-MX limits, pacing, fallback,
//! greylisting, catch-all; `scheduler`), the resumable [`Journal`], the probe's [`Identity`],
//! its [`ConfigFile`] and the pipeline stage [`SmtpStage`].

pub(crate) mod config_file;
pub(crate) mod conn;
pub(crate) mod differential;
pub(crate) mod driver;
pub(crate) mod evidence;
pub(crate) mod gate;
pub(crate) mod identity;
pub(crate) mod journal;
pub(crate) mod reply;
pub(crate) mod scheduler;
pub(crate) mod session;
pub(crate) mod stage;
pub(crate) mod tls;
pub(crate) mod verdict;

pub use config_file::{ConfigError, ConfigFile};
pub use driver::Timeouts;
pub use gate::{HostGate, HostPermit, LocalGate, PermitFuture};
pub use identity::{Identity, IdentityError};
pub use journal::Journal;
pub use scheduler::ProbeSettings;
pub use session::SessionConfig;
pub use stage::SmtpStage;
pub use tls::TlsError;

#[cfg(test)]
mod tests;
