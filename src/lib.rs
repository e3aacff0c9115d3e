//! mailsift: email deliverability and list hygiene.
//!
//! The library holds every stage; the `mailsift` binary is glue (see `cli.rs`). Start with
//! [`address::analyze`] for one address or [`pipeline::clean::run`] for a CSV list.

#![deny(missing_docs)]

pub mod address;
pub mod bounce;
pub mod check;
pub mod dns;
pub mod input;
mod key_hash;
pub mod logs;
pub mod model;
pub mod pipeline;
pub mod report;
pub mod smtp;
pub mod stage;
pub mod status;
#[cfg(test)]
mod testgen;
pub mod text;

pub use model::{AddressRecord, Flags, Reason, Verdict};
