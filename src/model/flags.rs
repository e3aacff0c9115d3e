//! Flags carried beside the verdict on an address record.

use serde::Serialize;

/// Flags carried beside the verdict: everything that is not the primary reason.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Flags {
    /// The domain (or a parent) is on the disposable list.
    pub disposable: bool,
    /// The local part is a role account (info, sales, noreply, ...).
    pub role: bool,
    /// The domain is a free-mail provider.
    pub free: bool,
    /// Leading or trailing white space was removed from the cell.
    pub trimmed: bool,
    /// The row number of the first occurrence when this row is a duplicate.
    pub duplicate_of: Option<u64>,
}
