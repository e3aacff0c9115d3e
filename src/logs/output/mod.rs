//! Report sinks: JSON, CSV tables, the text summary, the self-contained HTML page.

pub mod csv;
pub mod html;
pub mod json;
pub mod text;
