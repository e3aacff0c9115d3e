//! SendGrid: Event Webhook records (JSON/JSONL, legacy v2 bounce records) and rows of the
//! flattened CSV export.

use std::borrow::Cow;

use serde::de::{IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};

use super::{BounceClass, EspEvent, Kind, S, bounce_class, iso_time, s};

/// SendGrid's own `bounce_classification`, when it says enough.
fn sendgrid_class(c: &str) -> Option<BounceClass> {
    match c {
        "Invalid Address" => Some(BounceClass::Hard),
        "Mailbox Unavailable" | "Technical" => Some(BounceClass::Soft),
        "Content" | "Reputation" | "Frequency or Volume Too High" => Some(BounceClass::Block),
        _ => None,
    }
}

#[derive(Deserialize, Default)]
struct SendGrid<'a> {
    #[serde(borrow, default, deserialize_with = "super::cow")]
    email: S<'a>,
    timestamp: Option<f64>,
    #[serde(borrow, default, deserialize_with = "super::cow")]
    event: S<'a>,
    #[serde(borrow, default, deserialize_with = "super::cow")]
    sg_event_id: S<'a>,
    #[serde(borrow, default, deserialize_with = "super::cow")]
    sg_message_id: S<'a>,
    #[serde(borrow, rename = "smtp-id", default, deserialize_with = "super::cow")]
    smtp_id: S<'a>,
    #[serde(borrow, default, deserialize_with = "super::cow")]
    marketing_campaign_name: S<'a>,
    #[serde(borrow)]
    category: Option<Category<'a>>,
    #[serde(borrow, rename = "type", default, deserialize_with = "super::cow")]
    kind: S<'a>,
    #[serde(borrow, default, deserialize_with = "super::cow")]
    status: S<'a>,
    #[serde(borrow, default, deserialize_with = "super::cow")]
    reason: S<'a>,
    #[serde(borrow, default, deserialize_with = "super::cow")]
    response: S<'a>,
    #[serde(borrow, default, deserialize_with = "super::cow")]
    bounce_classification: S<'a>,
    sg_machine_open: Option<bool>,
    asm_group_id: Option<IgnoredAny>,
    /// Legacy (v2 bounce API) records: `created` instead of `timestamp`, no `event`.
    #[serde(borrow, default, deserialize_with = "super::cow")]
    created: S<'a>,
}

/// `category`: a string, or an array whose last string counts (`["marketing", "cmp-001"]`);
/// anything else is no campaign. Read without building a JSON tree.
#[derive(Default)]
struct Category<'a>(Option<Cow<'a, str>>);

/// A JSON value of any shape: its text when it is a string.
struct AnyStr<'a>(Option<Cow<'a, str>>);

/// Visits any JSON value; `seq`: keep the last string of an array.
struct AnyVisitor {
    seq: bool,
}

impl<'de> Visitor<'de> for AnyVisitor {
    type Value = Option<Cow<'de, str>>;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Some(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(v)))
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
        let mut last = None;
        while let Some(AnyStr(x)) = a.next_element::<AnyStr<'de>>()? {
            if x.is_some() {
                last = x;
            }
        }
        Ok(if self.seq { last } else { None })
    }
    fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
        while a.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(None)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for AnyStr<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(AnyVisitor { seq: false }).map(AnyStr)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Category<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(AnyVisitor { seq: true }).map(Category)
    }
}

fn sendgrid_event<'a>(r: SendGrid<'a>, out: &mut dyn FnMut(EspEvent<'a>)) {
    // a legacy v2 bounce record has no event name
    let legacy =
        r.event.is_none() && r.created.is_some() && (r.reason.is_some() || r.status.is_some());
    let ev = if legacy { "bounce" } else { s(&r.event) };
    let kind = match ev {
        "processed" => Kind::Processed,
        "dropped" => Kind::Dropped,
        "delivered" => Kind::Delivered,
        "deferred" => Kind::Deferred,
        "bounce" | "blocked" => {
            if s(&r.kind) == "blocked" || ev == "blocked" {
                Kind::Bounce(BounceClass::Block)
            } else {
                Kind::Bounce(
                    sendgrid_class(s(&r.bounce_classification))
                        .unwrap_or_else(|| bounce_class(s(&r.status), s(&r.reason))),
                )
            }
        }
        "open" => Kind::Open(r.sg_machine_open.unwrap_or(false)),
        "click" => Kind::Click,
        "spamreport" => Kind::SpamReport,
        "unsubscribe" => Kind::Unsubscribe(false),
        "group_unsubscribe" => Kind::Unsubscribe(true),
        _ => return,
    };
    let campaign = match (r.marketing_campaign_name, r.category) {
        (Some(c), _) => c,
        (None, Some(Category(Some(c)))) => c,
        _ => Cow::Borrowed(""),
    };
    let _ = r.asm_group_id;
    let text = if ev == "deferred" || ev == "delivered" {
        r.response.clone().unwrap_or_default()
    } else {
        r.reason.clone().unwrap_or_default()
    };
    out(EspEvent {
        kind,
        id: r.sg_event_id,
        message: r.sg_message_id.or(r.smtp_id).unwrap_or_default(),
        email: r.email.unwrap_or_default(),
        campaign,
        time: r
            .timestamp
            .map(|t| t as i64)
            .unwrap_or_else(|| iso_time(s(&r.created))),
        status: r.status.unwrap_or_default(),
        drop_reason: if kind == Kind::Dropped {
            r.reason.unwrap_or_default()
        } else {
            Cow::Borrowed("")
        },
        text,
    });
}

/// Parse one SendGrid JSON record.
pub(super) fn parse_record<'a>(json: &'a str, out: &mut dyn FnMut(EspEvent<'a>)) -> bool {
    serde_json::from_str::<SendGrid<'a>>(json)
        .map(|r| sendgrid_event(r, out))
        .is_ok()
}

/// One row of the flattened CSV export (SendGrid event names).
pub(crate) fn csv_event(get: &dyn Fn(&str) -> Option<String>) -> Option<EspEvent<'static>> {
    let ev = get("event")?;
    let g = |k: &str| Cow::Owned(get(k).unwrap_or_default());
    let kind = match ev.as_str() {
        "processed" => Kind::Processed,
        "dropped" => Kind::Dropped,
        "delivered" => Kind::Delivered,
        "deferred" => Kind::Deferred,
        "bounce" | "blocked" => {
            if get("bounce_type").as_deref() == Some("blocked") || ev == "blocked" {
                Kind::Bounce(BounceClass::Block)
            } else if let Some(c) =
                sendgrid_class(&get("bounce_classification").unwrap_or_default())
            {
                Kind::Bounce(c)
            } else {
                Kind::Bounce(bounce_class(
                    &get("status").unwrap_or_default(),
                    &get("response").or(get("reason")).unwrap_or_default(),
                ))
            }
        }
        "open" => Kind::Open(matches!(
            get("machine_open").as_deref(),
            Some("true" | "1" | "True")
        )),
        "click" => Kind::Click,
        "spamreport" => Kind::SpamReport,
        "unsubscribe" => Kind::Unsubscribe(false),
        "group_unsubscribe" => Kind::Unsubscribe(true),
        _ => return None,
    };
    let time = get("timestamp")
        .and_then(|t| t.parse::<f64>().ok())
        .map(|t| t as i64)
        .unwrap_or_else(|| iso_time(&get("iso_time").unwrap_or_default()));
    Some(EspEvent {
        kind,
        id: get("event_id").or(get("sg_event_id")).map(Cow::Owned),
        message: Cow::Owned(
            get("message_id")
                .or(get("sg_message_id"))
                .unwrap_or_default(),
        ),
        email: g("email"),
        campaign: Cow::Owned(get("campaign").or(get("category")).unwrap_or_default()),
        time,
        text: Cow::Owned(
            get("response")
                .filter(|x| !x.is_empty())
                .or(get("reason"))
                .unwrap_or_default(),
        ),
        status: g("status"),
        drop_reason: if kind == Kind::Dropped {
            Cow::Owned(get("drop_reason").or(get("reason")).unwrap_or_default())
        } else {
            Cow::Borrowed("")
        },
    })
}
