//! Text shared by every output: terminal safety for untrusted strings, the spreadsheet
//! formula-escape rule, and the escaped text of the HTML report pages.

mod formula;
pub(crate) mod html;
mod terminal;

pub(crate) use formula::{escape_formula, is_formula};
pub use terminal::terminal_safe;
