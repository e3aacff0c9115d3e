//! Orchestration: streaming readers, parallel stages, ordered sinks, progress.
//!
//! `clean` flows like this:
//!
//! ```text
//! reader --chunks of whole records--> workers: parse CSV + offline analysis (address)
//!   --> [network stages: DNS, SMTP, keyed by domain; see `Stage`]
//!   --> in input order: row numbers, duplicate detection
//!   --> workers: decide, serialise CSV / JSON Lines --> writer thread: clean, rejects, results
//! ```

pub mod clean;
pub mod csvin;
mod pool;
pub mod progress;
pub mod seen;
mod workers;

pub use crate::stage::Stage;
pub use pool::Pool;
pub use workers::Workers;
