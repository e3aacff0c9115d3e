//! The bounce-level facts shared by all records of a message, a record started from them, and
//! a record finished by the classifier (reason, bounce type, codes).

use crate::bounce::BounceRecord;
use crate::bounce::classify::{Evidence, classify};
use crate::bounce::connection_note::reason_by_evidence_order;
use crate::bounce::evidence::{
    Class, class_of, expiry_cause, says_expired, soften, without_expiry_words,
};
use crate::status::{BounceReason, EnhancedStatus};

/// The bounce-level facts shared by all records of a message.
pub(super) struct Common {
    pub(super) addresser: String,
    pub(super) timestamp: Option<i64>,
    pub(super) message_id: String,
    pub(super) list_id: String,
    pub(super) lhost: String,
    /// `X-Failed-Recipients:` addresses.
    pub(super) failed: Vec<String>,
}

pub(super) fn record(c: &Common, detector: &'static str) -> BounceRecord {
    BounceRecord {
        addresser: c.addresser.clone(),
        timestamp: c.timestamp,
        message_id: c.message_id.clone(),
        list_id: c.list_id.clone(),
        lhost: c.lhost.clone(),
        detector,
        ..BounceRecord::new(BounceReason::Undefined, false)
    }
}

/// The cause behind a record whose reason is only that it expired: a connection or DNS failure
/// named in the text, else the reason of the diagnostic without its expiry words and with the
/// code quoted in it (not the status of the expiry itself), else unknown.
fn underlying_cause(r: &BounceRecord, e: &Evidence<'_>) -> Option<BounceReason> {
    use BounceReason::*;
    let expiry = |s: &EnhancedStatus| s.subject == 4 && s.detail == 7;
    // (a notice whose recipient has no paragraph of its own speaks through its context)
    let source = if e.text.trim().is_empty() {
        e.context
    } else {
        e.text
    };
    let text = without_expiry_words(source);
    if let Some(c) = expiry_cause(&text, None) {
        return Some(c);
    }
    let inner = EnhancedStatus::find_all(&text)
        .into_iter()
        .find(|s| s.class != 2 && !expiry(s));
    let status = inner.or(e.status.filter(|s| !expiry(s) && s.subject != 0));
    let again = classify(&Evidence {
        status,
        text: &text,
        context: "",
        action: "failed",
        rhost: &r.rhost,
        lhost: &r.lhost,
        domain: r.recipient.rsplit_once('@').map_or("", |(_, d)| d),
        ..e.clone()
    });
    let again = soften(again, status, e.reply);
    if matches!(again, Expired | OnHold | Undefined) {
        expiry_cause(e.context, None)
    } else {
        Some(again)
    }
}

/// Finish a record: reason, bounce type, codes.
pub(crate) fn finish(mut r: BounceRecord, e: &Evidence<'_>) -> BounceRecord {
    // the provider rules look at the hosts and the recipient's domain of the record
    let reason = classify(&Evidence {
        rhost: &r.rhost,
        lhost: &r.lhost,
        domain: r.recipient.rsplit_once('@').map_or("", |(_, d)| d),
        ..e.clone()
    });
    let permanent = match e.status {
        Some(s) => s.class == 5,
        None => e.reply.map(|c| c >= 500).unwrap_or(e.action == "failed"),
    };
    // the class from the structure first; the text's reason is kept within it (the expiry
    // words are scanned only when no code decides the class, those of the whole notice only
    // when there is no code at all)
    let expired_text = || {
        says_expired(e.text) || e.status.is_none() && e.reply.is_none() && says_expired(e.context)
    };
    let class = class_of(e.status, e.reply, e.action, expired_text);
    if class == Class::Temporary {
        let reason = reason_by_evidence_order(reason, e);
        let reason = soften(reason, e.status, e.reply);
        r.set_reason(reason, false);
        r.make_soft();
        // a failure (not a delay) whose evidence is temporary: given up after retries; a
        // delay report whose own diagnostic says the message expired (OpenSMTPD "Envelope
        // expired" under `Action: delayed`) too
        let delayed = matches!(e.action, "delayed" | "delivery-delayed");
        if (!delayed || says_expired(e.text)) && reason != BounceReason::Delivered {
            r.expired = true;
            r.underlying_reason = if reason == BounceReason::Expired {
                underlying_cause(&r, e)
            } else {
                Some(reason)
            };
        }
    } else {
        r.set_reason(reason, permanent);
    }
    if let Some(s) = e.status {
        r.deliverystatus = s.to_string();
    }
    if let Some(c) = e.reply {
        r.replycode = c.to_string();
    }
    r
}
