//! RFC 5965 ARF complaint reports (`message/feedback-report`).

use super::common::{Common, record};
use super::parts::Parts;
use crate::bounce::BounceRecord;
use crate::bounce::text::{dsn_address, field, field_blocks};
use crate::status::BounceReason;

pub(super) fn decode_feedback(fb: &str, parts: &Parts<'_>, c: &Common) -> Vec<BounceRecord> {
    let blocks = field_blocks(fb);
    let all: Vec<(String, String)> = blocks.into_iter().flatten().collect();
    let ftype = field(&all, "feedback-type")
        .unwrap_or("abuse")
        .to_ascii_lowercase();
    let mut rcpts: Vec<String> = all
        .iter()
        .filter(|(n, _)| n == "original-rcpt-to" || n == "removal-recipient")
        .map(|(_, v)| dsn_address(v))
        .filter(|a| a.contains('@'))
        .collect();
    if rcpts.is_empty() {
        rcpts = parts
            .original
            .to
            .iter()
            .filter(|a| a.contains('@'))
            .cloned()
            .collect();
    }
    rcpts.dedup();
    let mut out = Vec::new();
    for rc in rcpts {
        let mut r = record(c, "arf");
        r.recipient = rc;
        r.feedbacktype = ftype.clone();
        if let Some(a) = field(&all, "original-mail-from") {
            let a = dsn_address(a);
            if a.contains('@') && r.addresser.is_empty() {
                r.addresser = a;
            }
        }
        if let Some(s) = field(&all, "source-ip") {
            r.rhost = s.to_string();
        }
        r.set_reason(BounceReason::Feedback, false);
        out.push(r);
    }
    out
}
