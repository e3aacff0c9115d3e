//! SMTP probing, sans-IO first: reply parsing ([`reply`]), the probe session state machine
//! ([`session`]) the mapping from evidence to reasons ([`verdict`]) and a thin tokio driver ([`driver`]). The tokio driver, scheduler and verdict mapping come next (issue #4).

pub mod driver;
pub mod reply;
pub mod session;
pub mod verdict;

pub use reply::{EnhancedCode, Reply, ReplyError, ReplyParser};
pub use session::{Action, PathError, RcptResult, Session, SessionConfig};
