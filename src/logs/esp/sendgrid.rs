//! SendGrid: Event Webhook records (JSON/JSONL, legacy v2 bounce records) and rows of the
//! flattened CSV export.

use std::borrow::Cow;

use serde::de::{IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};

use super::flat_json::{Flat, read_flat};
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
    if let Some(r) = flat_record(json) {
        sendgrid_event(r, out);
        return true;
    }
    serde_json::from_str::<SendGrid<'a>>(json)
        .map(|r| sendgrid_event(r, out))
        .is_ok()
}

/// A record of the common flat shape ([`read_flat`]) read without serde, as serde reads it;
/// `None` when it is not of that shape, or a field is given twice or with a type serde would
/// refuse (serde then reads it and says so).
fn flat_record(json: &str) -> Option<SendGrid<'_>> {
    let mut r = SendGrid::default();
    let mut seen = 0u32;
    read_flat(json, |k, v| {
        let text = |v: Flat<'_>| matches!(v, Flat::Str(_) | Flat::Null);
        let (bit, ok) = match k {
            "email" => (0, text(v)),
            "timestamp" => (1, matches!(v, Flat::UInt(_) | Flat::Null)),
            "event" => (2, text(v)),
            "sg_event_id" => (3, text(v)),
            "sg_message_id" => (4, text(v)),
            "smtp-id" => (5, text(v)),
            "marketing_campaign_name" => (6, text(v)),
            "category" => (7, true),
            "type" => (8, text(v)),
            "status" => (9, text(v)),
            "reason" => (10, text(v)),
            "response" => (11, text(v)),
            "bounce_classification" => (12, text(v)),
            "sg_machine_open" => (13, matches!(v, Flat::Bool(_) | Flat::Null)),
            "asm_group_id" => (14, true),
            "created" => (15, text(v)),
            _ => return true,
        };
        if !ok || seen & (1 << bit) != 0 {
            return false;
        }
        seen |= 1 << bit;
        let st = match v {
            Flat::Str(x) => Some(Cow::Borrowed(x)),
            _ => None,
        };
        match bit {
            0 => r.email = st,
            1 => {
                r.timestamp = if let Flat::UInt(n) = v {
                    Some(n as f64)
                } else {
                    None
                }
            }
            2 => r.event = st,
            3 => r.sg_event_id = st,
            4 => r.sg_message_id = st,
            5 => r.smtp_id = st,
            6 => r.marketing_campaign_name = st,
            7 => {
                r.category = match v {
                    Flat::Null => None,
                    Flat::Str(x) => Some(Category(Some(Cow::Borrowed(x)))),
                    Flat::Array(last) => Some(Category(last.map(Cow::Borrowed))),
                    _ => Some(Category(None)),
                }
            }
            8 => r.kind = st,
            9 => r.status = st,
            10 => r.reason = st,
            11 => r.response = st,
            12 => r.bounce_classification = st,
            13 => r.sg_machine_open = if let Flat::Bool(b) = v { Some(b) } else { None },
            14 => r.asm_group_id = (v != Flat::Null).then_some(IgnoredAny),
            _ => r.created = st,
        }
        true
    })?;
    Some(r)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn events(r: SendGrid<'_>) -> Vec<EspEvent<'_>> {
        let mut v = Vec::new();
        sendgrid_event(r, &mut |e| v.push(e));
        v
    }

    /// The flat reader gives what serde gives, and leaves to serde what it cannot read.
    #[test]
    fn flat_reader_agrees_with_serde() {
        for json in [
            r#"{"email":"a@b.example","timestamp":1711974862,"event":"bounce","type":"blocked","sg_event_id":"x1","sg_message_id":"m1","category":["marketing",7,"c1"],"status":"5.7.1","reason":"554 5.7.1 blocked","asm_group_id":3,"tls":1}"#,
            r#"{"email":"a@b.example","timestamp":null,"created":"2011-10-08 12:32:14","reason":"550 Unknown user","status":"550"}"#,
            r#"{"email":"a@b.example","event":"open","sg_machine_open":true,"category":"c2","marketing_campaign_name":null,"asm_group_id":null}"#,
            r#"{"email":"a@b.example","event":"delivered","category":[],"response":"250 OK"}"#,
        ] {
            let fast = flat_record(json).expect(json);
            let slow: SendGrid<'_> = serde_json::from_str(json).expect(json);
            assert_eq!(events(fast), events(slow), "{json}");
        }
        for json in [
            r#"{"email":"a@b.example","email":"c@d.example","event":"open"}"#,
            r#"{"email":7,"event":"open"}"#,
            r#"{"email":"a@b.example","timestamp":1711974862.5,"event":"open"}"#,
            r#"{"email":"a\u0040b.example","event":"open"}"#,
            r#"{"email":"a@b.example","event":"open","sg_machine_open":1}"#,
        ] {
            assert!(flat_record(json).is_none(), "{json}");
        }
        let mut n = 0;
        assert!(parse_record(
            r#"{"email":"a\u0040b.example","event":"open","timestamp":1.5}"#,
            &mut |e| {
                assert_eq!((e.email.as_ref(), e.time), ("a@b.example", 1));
                n += 1
            }
        ));
        assert_eq!(n, 1);
        assert!(!parse_record(r#"{"email":7,"event":"open"}"#, &mut |_| {}));
    }
}
