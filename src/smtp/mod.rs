//! SMTP probing, sans-IO first: reply parsing ([`reply`]) and the probe session state machine
//! ([`session`]). The tokio driver, scheduler and verdict mapping come next (issue #4).

pub mod reply;
pub mod session;

pub use reply::{EnhancedCode, Reply, ReplyError, ReplyParser};
pub use session::{Action, PathError, RcptResult, Session, SessionConfig};
