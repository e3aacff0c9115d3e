//! The JSON report (schema version [`crate::logs::report::SCHEMA_VERSION`]).

use std::io::{self, Write};

use crate::logs::report::Report;

/// Write the report as pretty JSON.
pub fn write(r: &Report, mut w: impl Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut w, r).map_err(io::Error::other)?;
    w.write_all(b"\n")?;
    w.flush()
}
