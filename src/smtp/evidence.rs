//! What a probe learned about one recipient: the reason plus typed evidence.

use serde::{Deserialize, Serialize};

use super::reply::Reply;
use crate::model::Reason;
pub(crate) use crate::model::SmtpEvidence;
use crate::text::terminal_safe;

impl SmtpEvidence {
    /// Record a reply as the deciding evidence.
    pub fn set_reply(&mut self, r: &Reply, stage: &str) {
        self.code = Some(r.code);
        self.enhanced_code = r.enhanced.map(|e| e.to_string());
        let mut text = terminal_safe(&r.text);
        if text.len() > 512 {
            let mut cut = 512;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            text.truncate(cut);
        }
        self.message = Some(text);
        self.stage = stage.to_owned();
    }
}

/// A probe's finding for one recipient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    /// The reason (its verdict follows from it).
    pub reason: Reason,
    /// The evidence.
    pub evidence: SmtpEvidence,
}
