//! The `Stage` trait: the hook through which the DNS and SMTP stages refine analysed records.

use crate::model::AddressRecord;

/// A stage that refines records after offline analysis: the place where the DNS and SMTP stages
/// plug in. It sees each batch of records in input order, before duplicate detection.
pub trait Stage: Sync {
    /// Refine the verdicts of a batch of records in place.
    fn process(&self, records: &mut [&mut AddressRecord]);

    /// Rows the pipeline should gather (across its input chunks) before calling
    /// [`Stage::process`]: 0 for one call per chunk. Slow stages (SMTP, with its greylisting
    /// waits) see more domains at once with a larger batch.
    fn batch_rows(&self) -> usize {
        0
    }

    /// A domain's catch-all status, when this stage knows it (the SMTP stage).
    fn known_catch_all(&self, _domain: &str) -> Option<bool> {
        None
    }

    /// Tell the stage a domain's catch-all status found elsewhere (another worker), so it does
    /// not ask the domain's server again. Stages that do not probe ignore it.
    fn remember_catch_all(&self, _domain: &str, _catch_all: bool) {}
}
