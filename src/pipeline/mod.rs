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
pub(crate) mod csvin;
mod pool;
pub(crate) mod progress;
pub(crate) mod seen;
mod workers;

pub(crate) use pool::Pool;
pub(crate) use workers::Workers;
