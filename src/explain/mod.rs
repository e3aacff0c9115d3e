//! `mailsift explain`: what an SMTP reply, a DSN diagnostic or a Postfix / Exim / Sendmail log
//! line means, and what to do about it.
//!
//! Sans-IO: [`explain`] takes one input and returns an [`Explanation`]; [`explain_lines`]
//! groups the lines of a stream into inputs. The reply and enhanced codes are read with
//! [`crate::status`], the reason and class with the classifier of `bounces`, the cause and fix
//! from the knowledge table `data/smtp_explain.tsv`, the code meanings from
//! `data/smtp_codes.tsv`. No lower layer imports this module.

mod assemble;
mod codes;
mod input;
mod knowledge;
mod lines;
mod render;

pub use assemble::{Class, Explanation, explain};
pub use knowledge::Specificity;
pub use lines::explain_lines;
pub use render::{to_json, to_text};
