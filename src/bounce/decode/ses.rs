//! Amazon SES notifications (SNS e-mail subscriptions): bounces, complaints and deliveries
//! from a JSON object in the body, read with the shared model in [`crate::ses`].

use std::borrow::Cow;

use super::MAX_DIAG;
use super::command::smtp_command;
use super::common::{Common, finish, record};
use crate::bounce::BounceRecord;
use crate::bounce::classify::Evidence;
use crate::bounce::text::{squeeze, strip_type};
use crate::ses::{SesKind, SesRecord, text};
use crate::status::{BounceReason, EnhancedStatus, find_reply_code};

/// Amazon SES notifications (SNS e-mail subscriptions): a JSON object in the body.
pub(super) fn decode_ses_json(notice: &str, c: &Common) -> Vec<BounceRecord> {
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
    let mut it = serde_json::Deserializer::from_str(&body).into_iter::<SesRecord<'_>>();
    let Some(Ok(v)) = it.next() else {
        return Vec::new();
    };
    // an SNS envelope: the notification is a JSON string in "Message"
    if let Some(inner) = v.sns_message()
        && let Ok(iv) = SesRecord::parse(inner)
    {
        return records(&iv, c);
    }
    records(&v, c)
}

/// The records of one notification.
fn records(v: &SesRecord<'_>, c: &Common) -> Vec<BounceRecord> {
    let source = v.mail.as_ref().map_or("", |m| text(&m.source));
    let mut out = Vec::new();
    // A record for one SES recipient, with the notice's source as the addresser.
    let ses_record = |recipient: String| {
        let mut r = record(c, "amazonses");
        r.recipient = recipient;
        if !source.is_empty() {
            r.addresser = source.to_string();
        }
        r
    };
    match v.kind() {
        SesKind::Bounce => {
            for rc in v.bounce.iter().flat_map(|b| &b.bounced_recipients) {
                let recipient = text(&rc.email_address).to_string();
                if recipient.is_empty() {
                    continue;
                }
                let mut r = ses_record(recipient);
                let diag = strip_type(text(&rc.diagnostic_code)).to_string();
                let status =
                    EnhancedStatus::parse(text(&rc.status)).or_else(|| EnhancedStatus::find(&diag));
                let reply = find_reply_code(&diag);
                let action = text(&rc.action).to_ascii_lowercase();
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
        SesKind::Complaint => {
            let Some(d) = &v.complaint else {
                return out;
            };
            let ft = d.complaint_feedback_type.as_deref().unwrap_or("abuse");
            for rc in &d.complained_recipients {
                let recipient = text(&rc.email_address).to_string();
                if recipient.is_empty() {
                    continue;
                }
                let mut r = ses_record(recipient);
                r.feedbacktype = ft.to_string();
                r.set_reason(BounceReason::Feedback, false);
                out.push(r);
            }
        }
        SesKind::Delivery => {
            let Some(d) = &v.delivery else {
                return out;
            };
            let resp = text(&d.smtp_response);
            for a in &d.recipients {
                let mut r = ses_record(a.to_string());
                r.action = "delivered".into();
                r.deliverystatus = "2.6.0".into();
                if let Some(code) = find_reply_code(resp) {
                    r.replycode = code.to_string();
                }
                r.diagnosticcode = squeeze(resp, MAX_DIAG);
                r.set_reason(BounceReason::Delivered, false);
                out.push(r);
            }
        }
        _ => {}
    }
    out
}
