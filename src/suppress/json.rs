//! JSON suppression files: `mailsift bounces` JSON Lines records and the SES suppression list
//! as printed by `aws sesv2 list-suppressed-destinations`.

use serde_json::Value;

use super::{Entry, SuppressReason};

/// What a `mailsift bounces` record says: hard bounces and complaints suppress; soft bounces,
/// ambiguous records and `norecord` lines do not.
pub(super) fn bounce_entry<'a>(
    recipient: &'a str,
    bounce_type: &str,
    reason: &str,
    feedbacktype: &str,
    ambiguous: bool,
) -> Entry<'a> {
    if ambiguous || recipient.trim().is_empty() {
        return Entry::Skip;
    }
    if bounce_type.eq_ignore_ascii_case("hard") {
        return Entry::Suppress(recipient, SuppressReason::HardBounce);
    }
    if reason == "feedback"
        && matches!(
            feedbacktype.to_ascii_lowercase().as_str(),
            "" | "abuse" | "fraud" | "virus" | "other"
        )
    {
        return Entry::Suppress(recipient, SuppressReason::Complaint);
    }
    Entry::Skip
}

/// Read `mailsift bounces --format jsonl` output.
pub(super) fn read_bounces_jsonl(text: &str, sink: &mut dyn FnMut(u64, Entry<'_>)) {
    for (i, line) in text.lines().enumerate() {
        let line_no = i as u64 + 1;
        if line.trim().is_empty() {
            continue;
        }
        let v: Value = match serde_json::from_str(line) {
            Ok(v) => v,
            Err(e) => {
                sink(line_no, Entry::Bad(format!("not a JSON object: {e}")));
                continue;
            }
        };
        let s = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("");
        if v.get("norecord").and_then(Value::as_bool) == Some(true) {
            sink(line_no, Entry::Skip);
            continue;
        }
        let Some(recipient) = v.get("recipient").and_then(Value::as_str) else {
            sink(line_no, Entry::Bad("no \"recipient\" string".into()));
            continue;
        };
        let ambiguous = v.get("ambiguous").and_then(Value::as_bool).unwrap_or(false);
        let e = bounce_entry(
            recipient,
            s("bounce_type"),
            s("reason"),
            s("feedbacktype"),
            ambiguous,
        );
        sink(line_no, e);
    }
}

/// Read `aws sesv2 list-suppressed-destinations` output (one document; records are reported
/// on line 1).
pub(super) fn read_ses_json(text: &str, sink: &mut dyn FnMut(u64, Entry<'_>)) {
    let v: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            sink(e.line() as u64, Entry::Bad(format!("invalid JSON: {e}")));
            return;
        }
    };
    let Some(list) = v
        .get("SuppressedDestinationSummaries")
        .and_then(Value::as_array)
    else {
        sink(
            1,
            Entry::Bad("SuppressedDestinationSummaries is not a list".into()),
        );
        return;
    };
    for item in list {
        let addr = item.get("EmailAddress").and_then(Value::as_str);
        let reason = item.get("Reason").and_then(Value::as_str).unwrap_or("");
        match (addr, ses_reason(reason)) {
            (Some(a), Some(r)) => sink(1, Entry::Suppress(a, r)),
            (None, _) => sink(1, Entry::Bad("an entry without EmailAddress".into())),
            (Some(_), None) => sink(1, Entry::Bad(format!("unknown SES reason {reason:?}"))),
        }
    }
}

/// The SES suppression reasons (`BOUNCE`, `COMPLAINT`).
pub(super) fn ses_reason(r: &str) -> Option<SuppressReason> {
    match r.trim().to_ascii_uppercase().as_str() {
        "BOUNCE" => Some(SuppressReason::HardBounce),
        "COMPLAINT" => Some(SuppressReason::Complaint),
        _ => None,
    }
}
