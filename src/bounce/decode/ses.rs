//! Amazon SES notifications (SNS e-mail subscriptions): bounces, complaints and deliveries
//! from a JSON object in the body.

use std::borrow::Cow;

use super::MAX_DIAG;
use super::command::smtp_command;
use super::common::{Common, finish, record};
use crate::bounce::BounceRecord;
use crate::bounce::classify::Evidence;
use crate::bounce::text::{squeeze, strip_type};
use crate::status::{BounceReason, EnhancedStatus, find_reply_code};

/// Amazon SES notifications (SNS e-mail subscriptions): a JSON object in the body.
pub(super) fn decode_ses_json(notice: &str, c: &Common) -> Vec<BounceRecord> {
    use serde_json::Value;
    // the first `{` followed (after white space) by a `"`: the start of a JSON object
    let b = notice.as_bytes();
    let json_at = |i: usize| {
        b[i + 1..]
            .iter()
            .find(|x| !x.is_ascii_whitespace())
            .is_some_and(|&x| x == b'"')
    };
    let mut from = 0;
    let start = loop {
        let Some(k) = memchr::memchr(b'{', &b[from..]) else {
            return Vec::new();
        };
        if json_at(from + k) {
            break from + k;
        }
        from += k + 1;
    };
    let json = &notice[start..];
    if find_lit!(json.as_bytes(), b"notificationType").is_none()
        && find_lit!(json.as_bytes(), b"eventType").is_none()
    {
        return Vec::new();
    }
    // SNS wraps long lines with "!" + newline + space (copied only when it did)
    let body: Cow<'_, str> = if find_lit!(json.as_bytes(), b"!\n ").is_some() {
        Cow::Owned(json.replace("!\n ", ""))
    } else {
        Cow::Borrowed(json)
    };
    let mut it = serde_json::Deserializer::from_str(&body).into_iter::<Value>();
    let Some(Ok(mut v)) = it.next() else {
        return Vec::new();
    };
    // an SNS envelope: the notification is a JSON string in "Message"
    if v.get("notificationType").is_none()
        && v.get("eventType").is_none()
        && let Some(inner) = v.get("Message").and_then(Value::as_str)
        && let Ok(iv) = serde_json::from_str::<Value>(inner)
    {
        v = iv;
    }
    let kind = v
        .get("notificationType")
        .or_else(|| v.get("eventType"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_ascii_lowercase();
    let source = v
        .pointer("/mail/source")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let s = |x: &Value, k: &str| x.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let mut out = Vec::new();
    let list = |ptr: &str| -> Vec<Value> {
        v.pointer(ptr)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    // A record for one SES recipient, with the notice's source as the addresser.
    let ses_record = |recipient: String| {
        let mut r = record(c, "amazonses");
        r.recipient = recipient;
        if !source.is_empty() {
            r.addresser = source.clone();
        }
        r
    };
    match kind.as_str() {
        "bounce" => {
            for rc in list("/bounce/bouncedRecipients") {
                let recipient = s(&rc, "emailAddress");
                if recipient.is_empty() {
                    continue;
                }
                let mut r = ses_record(recipient);
                let diag = s(&rc, "diagnosticCode");
                let diag = strip_type(&diag).to_string();
                let status = EnhancedStatus::parse(&s(&rc, "status"))
                    .or_else(|| EnhancedStatus::find(&diag));
                let reply = find_reply_code(&diag);
                let action = s(&rc, "action").to_ascii_lowercase();
                r.action = action.clone();
                r.diagnosticcode = squeeze(&diag, MAX_DIAG);
                let cmd = smtp_command(&diag);
                r.smtpcommand = cmd.to_string();
                let e = Evidence {
                    status,
                    reply,
                    action: &action,
                    command: cmd,
                    text: &diag,
                    context: "",
                    ..Default::default()
                };
                out.push(finish(r, &e));
            }
        }
        "complaint" => {
            let ft = v
                .pointer("/complaint/complaintFeedbackType")
                .and_then(Value::as_str)
                .unwrap_or("abuse")
                .to_string();
            for rc in list("/complaint/complainedRecipients") {
                let recipient = s(&rc, "emailAddress");
                if recipient.is_empty() {
                    continue;
                }
                let mut r = ses_record(recipient);
                r.feedbacktype = ft.clone();
                r.set_reason(BounceReason::Feedback, false);
                out.push(r);
            }
        }
        "delivery" => {
            let resp = v
                .pointer("/delivery/smtpResponse")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            for rc in list("/delivery/recipients") {
                let Some(a) = rc.as_str() else { continue };
                let mut r = ses_record(a.to_string());
                r.action = "delivered".into();
                r.deliverystatus = "2.6.0".into();
                if let Some(code) = find_reply_code(&resp) {
                    r.replycode = code.to_string();
                }
                r.diagnosticcode = squeeze(&resp, MAX_DIAG);
                r.set_reason(BounceReason::Delivered, false);
                out.push(r);
            }
        }
        _ => {}
    }
    out
}
