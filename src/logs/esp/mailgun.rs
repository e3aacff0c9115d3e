//! Mailgun events: webhook payloads, JSONL exports, Events API pages.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::Value;

use crate::logs::status_code;

use super::{EspEvent, Flavor, Kind, S, bounce_class, into_owned, s};

#[derive(Deserialize, Default)]
struct MgStatus<'a> {
    #[serde(borrow, default, deserialize_with = "super::cow")]
    message: S<'a>,
    #[serde(
        borrow,
        rename = "bounce-code",
        default,
        deserialize_with = "super::cow"
    )]
    bounce_code: S<'a>,
    #[serde(borrow, default, deserialize_with = "super::cow")]
    description: S<'a>,
    code: Option<i64>,
}

#[derive(Deserialize, Default)]
struct MgHeaders<'a> {
    #[serde(
        borrow,
        rename = "message-id",
        default,
        deserialize_with = "super::cow"
    )]
    message_id: S<'a>,
}

#[derive(Deserialize, Default)]
struct MgMessage<'a> {
    #[serde(borrow)]
    headers: Option<MgHeaders<'a>>,
}

#[derive(Deserialize, Default)]
struct MgClient<'a> {
    #[serde(borrow, default, deserialize_with = "super::cow")]
    bot: S<'a>,
}

#[derive(Deserialize, Default)]
struct Mailgun<'a> {
    #[serde(borrow, default, deserialize_with = "super::cow")]
    event: S<'a>,
    #[serde(borrow, default, deserialize_with = "super::cow")]
    id: S<'a>,
    timestamp: Option<f64>,
    #[serde(borrow, default, deserialize_with = "super::cow")]
    recipient: S<'a>,
    #[serde(borrow)]
    tags: Option<Vec<Cow<'a, str>>>,
    #[serde(borrow, default, deserialize_with = "super::cow")]
    severity: S<'a>,
    reason: Option<Value>,
    #[serde(borrow, rename = "delivery-status")]
    status: Option<MgStatus<'a>>,
    #[serde(borrow)]
    message: Option<MgMessage<'a>>,
    #[serde(borrow, rename = "client-info")]
    client: Option<MgClient<'a>>,
}

fn mailgun_event<'a>(r: Mailgun<'a>, out: &mut dyn FnMut(EspEvent<'a>)) {
    let st = r.status.unwrap_or_default();
    let reason = r
        .reason
        .as_ref()
        .and_then(|v| v.as_str())
        .unwrap_or("")
        .to_string();
    let text = st
        .message
        .clone()
        .filter(|m| !m.is_empty())
        .or(st.description.clone())
        .unwrap_or_default();
    let status: Cow<'a, str> = st
        .bounce_code
        .clone()
        .unwrap_or_else(|| Cow::Owned(status_code(&text).to_string()));
    let kind = match s(&r.event) {
        "accepted" => Kind::Processed,
        "delivered" => Kind::Delivered,
        "failed" | "rejected" => {
            if s(&r.severity) == "temporary" {
                Kind::Deferred
            } else if reason.starts_with("suppress")
                || st.code == Some(605)
                || s(&r.event) == "rejected"
            {
                Kind::Dropped
            } else {
                Kind::Bounce(bounce_class(&status, &text))
            }
        }
        "opened" => Kind::Open(r.client.as_ref().is_some_and(|c| !s(&c.bot).is_empty())),
        "clicked" => Kind::Click,
        "complained" => Kind::SpamReport,
        "unsubscribed" => Kind::Unsubscribe(false),
        _ => return,
    };
    let message = r
        .message
        .and_then(|m| m.headers)
        .and_then(|h| h.message_id)
        .unwrap_or_default();
    out(EspEvent {
        kind,
        id: r.id,
        message,
        email: r.recipient.unwrap_or_default(),
        campaign: r
            .tags
            .and_then(|t| t.into_iter().next())
            .unwrap_or_default(),
        time: r.timestamp.unwrap_or(0.0) as i64,
        text,
        status,
        drop_reason: if kind == Kind::Dropped {
            Cow::Owned(reason)
        } else {
            Cow::Borrowed("")
        },
    });
}

/// Parse one Mailgun JSON record (an event, or a webhook payload wrapping it in `event-data`).
pub(super) fn parse_record<'a>(json: &'a str, out: &mut dyn FnMut(EspEvent<'a>)) -> bool {
    // webhook payloads wrap the event in "event-data"
    if json.contains("\"event-data\"") {
        return super::parse_value(
            Flavor::Mailgun,
            serde_json::from_str(json).unwrap_or(Value::Null),
            &mut |e| out(into_owned(e)),
        );
    }
    serde_json::from_str::<Mailgun<'a>>(json)
        .map(|r| mailgun_event(r, out))
        .is_ok()
}
