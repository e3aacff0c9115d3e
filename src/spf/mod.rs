//! SPF (RFC 7208): `check_host()` with every mechanism and modifier, macros, `exp`, the lookup
//! limits, and a trace of each step. The evaluator is sans-IO (answers come through the
//! `SpfDns` trait); `driver` answers from a zone file and the network.

pub mod budget;
mod driver;
mod eval;
pub mod macros;
pub mod record;
pub mod trace;

pub use crate::dns::ZoneThenNet;
pub use eval::{SpfDns, SpfOutcome, SpfQuery, SpfResult, check_host};
pub use trace::render_text;
