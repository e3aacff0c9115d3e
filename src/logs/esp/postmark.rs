//! Postmark webhooks: deliveries, bounces, spam complaints, opens, clicks, subscription changes.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::Value;

use crate::logs::status_code;

use super::{BounceClass, EspEvent, Kind, S, bounce_class, iso_time, s};

#[derive(Deserialize, Default)]
struct PmClient<'a> {
    #[serde(borrow, rename = "Name", default, deserialize_with = "super::cow")]
    name: S<'a>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct Postmark<'a> {
    #[serde(borrow, default, deserialize_with = "super::cow")]
    record_type: S<'a>,
    #[serde(borrow, rename = "MessageID", default, deserialize_with = "super::cow")]
    message_id: S<'a>,
    #[serde(borrow, default, deserialize_with = "super::cow")]
    recipient: S<'a>,
    #[serde(borrow, default, deserialize_with = "super::cow")]
    email: S<'a>,
    #[serde(borrow, default, deserialize_with = "super::cow")]
    tag: S<'a>,
    #[serde(rename = "ID")]
    id: Option<Value>,
    #[serde(borrow, rename = "Type", default, deserialize_with = "super::cow")]
    kind: S<'a>,
    #[serde(borrow, default, deserialize_with = "super::cow")]
    details: S<'a>,
    #[serde(borrow, default, deserialize_with = "super::cow")]
    description: S<'a>,
    #[serde(borrow, default, deserialize_with = "super::cow")]
    delivered_at: S<'a>,
    #[serde(borrow, default, deserialize_with = "super::cow")]
    bounced_at: S<'a>,
    #[serde(borrow, default, deserialize_with = "super::cow")]
    received_at: S<'a>,
    #[serde(borrow, default, deserialize_with = "super::cow")]
    changed_at: S<'a>,
    #[serde(borrow)]
    client: Option<PmClient<'a>>,
}

fn postmark_event<'a>(r: Postmark<'a>, out: &mut dyn FnMut(EspEvent<'a>)) {
    let ty = s(&r.kind);
    let kind = match s(&r.record_type) {
        "Delivery" => Kind::Delivered,
        "Bounce" => match ty {
            "Transient" => Kind::Deferred,
            "HardBounce" | "BadEmailAddress" | "DnsError" => Kind::Bounce(BounceClass::Hard),
            "SoftBounce" | "AutoResponder" => Kind::Bounce(BounceClass::Soft),
            "SpamNotification" | "Blocked" | "ContentRelated" | "VirusNotification" => {
                Kind::Bounce(BounceClass::Block)
            }
            "ManuallyDeactivated" | "InboxPlacement" => Kind::Dropped,
            "SpamComplaint" => Kind::SpamReport,
            "Unsubscribe" => Kind::Unsubscribe(false),
            _ => Kind::Bounce(bounce_class("", s(&r.details))),
        },
        "SpamComplaint" => Kind::SpamReport,
        "Open" => Kind::Open(
            r.client
                .as_ref()
                .is_some_and(|c| s(&c.name).contains("Privacy Protection")),
        ),
        "Click" => Kind::Click,
        "SubscriptionChange" => Kind::Unsubscribe(false),
        _ => return,
    };
    let time = [
        &r.delivered_at,
        &r.bounced_at,
        &r.received_at,
        &r.changed_at,
    ]
    .into_iter()
    .find_map(|t| t.as_deref().map(iso_time))
    .unwrap_or(0);
    let id = match (&r.id, s(&r.record_type)) {
        (Some(v), "Bounce" | "SpamComplaint") => Some(Cow::Owned(format!("pm-{v}"))),
        _ => None,
    };
    let text = r
        .details
        .clone()
        .filter(|d| !d.is_empty())
        .or(r.description.clone())
        .unwrap_or_default();
    out(EspEvent {
        kind,
        id,
        message: r.message_id.unwrap_or_default(),
        email: r.recipient.or(r.email).unwrap_or_default(),
        campaign: r.tag.unwrap_or_default(),
        time,
        status: Cow::Owned(status_code(&text).to_string()),
        drop_reason: if kind == Kind::Dropped {
            Cow::Owned(ty.to_string())
        } else {
            Cow::Borrowed("")
        },
        text,
    });
}

/// Parse one Postmark webhook record.
pub(super) fn parse_record<'a>(json: &'a str, out: &mut dyn FnMut(EspEvent<'a>)) -> bool {
    serde_json::from_str::<Postmark<'a>>(json)
        .map(|r| postmark_event(r, out))
        .is_ok()
}
