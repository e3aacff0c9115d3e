//! SMTP probing (`--smtp`), sans-IO first: reply parsing ([`reply`]), the probe session state
//! machine ([`session`]), the mapping from evidence to reasons ([`verdict`]), a thin tokio
//! driver with STARTTLS ([`driver`], [`tls`]), the scheduler (per-MX limits, pacing, fallback,
//! greylisting, catch-all; [`scheduler`]), the resumable [`journal`], the probe's [`identity`],
//! its [`config_file`] and the pipeline [`stage`].

pub mod config_file;
pub mod driver;
pub mod evidence;
pub mod identity;
pub mod journal;
pub mod reply;
pub mod scheduler;
pub mod session;
pub mod stage;
pub mod tls;
pub mod verdict;

pub use config_file::ConfigError;
pub use evidence::{Outcome, SmtpEvidence};
pub use identity::IdentityError;
pub use reply::{Reply, ReplyError, ReplyParser};
pub use scheduler::{DomainJob, ProbeSettings, Scheduler};
pub use session::{Action, PathError, RcptResult, Session, SessionConfig};
pub use stage::SmtpStage;
pub use tls::TlsError;
