//! Text shared by every output: terminal safety for untrusted strings and the spreadsheet
//! formula-escape rule.

mod formula;
mod terminal;

pub(crate) use formula::{escape_formula, is_formula};
pub use terminal::terminal_safe;
