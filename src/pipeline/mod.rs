//! Orchestration: streaming readers, parallel stages, ordered sinks, progress.
//!
//! `clean` flows like this:
//!
//! ```text
//! reader thread --chunks of whole records--> rayon: parse CSV + offline analysis (address)
//!   --> [network stages: DNS, SMTP, keyed by domain; see `Stage`]
//!   --> main thread, in input order: row numbers, duplicate detection, reject decision
//!   --> rayon: serialise CSV / JSON Lines --> writer thread: clean, rejects, results
//! ```

pub mod clean;
pub mod csvin;
pub mod progress;

use crate::model::AddressRecord;

/// A stage that refines records after offline analysis: the place where the DNS and SMTP stages
/// plug in. It sees each batch of records in input order, before duplicate detection.
pub trait Stage: Sync {
    /// Refine the verdicts of a batch of records in place.
    fn process(&self, records: &mut [&mut AddressRecord]);
}
