//! RFC 5965 ARF complaint reports (`message/feedback-report`): one record per reported
//! recipient, read with the shared parser in [`crate::arf`].

use super::common::{Common, record};
use super::parts::Parts;
use crate::arf::FeedbackReport;
use crate::bounce::BounceRecord;
use crate::status::BounceReason;

pub(super) fn decode_feedback(fb: &str, parts: &Parts<'_>, c: &Common) -> Vec<BounceRecord> {
    let report = FeedbackReport::parse(fb);
    let ftype = report
        .feedback_type
        .as_ref()
        .map_or("abuse", |t| t.as_str())
        .to_string();
    let mut rcpts = report.recipients;
    if rcpts.is_empty() {
        rcpts = parts
            .original
            .to
            .iter()
            .filter(|a| a.contains('@'))
            .cloned()
            .collect();
        rcpts.dedup();
    }
    let mut out = Vec::new();
    for rc in rcpts {
        let mut r = record(c, "arf");
        r.recipient = rc;
        r.feedbacktype = ftype.clone();
        if let Some(a) = &report.original_mail_from
            && r.addresser.is_empty()
        {
            r.addresser = a.clone();
        }
        if let Some(s) = &report.source_ip {
            r.rhost = s.clone();
        }
        r.set_reason(BounceReason::Feedback, false);
        out.push(r);
    }
    out
}
