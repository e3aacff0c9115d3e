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
}
