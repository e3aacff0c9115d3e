//! Plain-text helpers for non-standard bounces: address scanning, the cut between the notice
//! and the returned message, header blocks and RFC 3464 field blocks.

mod address;
mod clean;
mod dsn;
mod header;
mod lines;
mod split;

pub(crate) use address::{Found, find_addresses, first_address, is_system_address};
pub(crate) use clean::{squeeze, strip_html};
pub(crate) use dsn::{FieldBlock, dsn_address, field, field_blocks, ses_reply, strip_type};
pub(crate) use header::{header_fields_where, wanted_header_lines};
pub(crate) use lines::{lines, lines_inclusive};
pub(crate) use split::split_original;
