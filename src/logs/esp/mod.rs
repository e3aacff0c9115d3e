//! ESP event exports in one vocabulary: the shared event types ([`EspEvent`], [`Kind`],
//! [`BounceClass`]), flavor detection, and dispatch to one parser per ESP (SendGrid Event
//! Webhook JSON/JSONL and a flattened CSV, Mailgun events, Amazon SES notifications, Postmark
//! webhooks). Each record becomes zero or more [`EspEvent`]s.

mod flat_json;
mod mailgun;
mod postmark;
mod sendgrid;
mod ses;

use std::borrow::Cow;

use serde_json::Value;

use crate::bounce::classify::{Evidence, classify};
use crate::status::{BounceType, EnhancedStatus, find_reply_code};

pub(crate) use sendgrid::csv_event;

/// Which ESP wrote the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Flavor {
    /// SendGrid Event Webhook.
    SendGrid,
    /// Mailgun events.
    Mailgun,
    /// Amazon SES.
    Ses,
    /// Postmark webhooks.
    Postmark,
}

impl Flavor {
    /// Lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Flavor::SendGrid => "sendgrid",
            Flavor::Mailgun => "mailgun",
            Flavor::Ses => "ses",
            Flavor::Postmark => "postmark",
        }
    }
}

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Accepted for delivery.
    Processed,
    /// Not sent (suppressed address).
    Dropped,
    /// Delivered.
    Delivered,
    /// Temporarily failed.
    Deferred,
    /// Permanently failed.
    Bounce(BounceClass),
    /// Opened (`true`: a machine open).
    Open(bool),
    /// Clicked.
    Click,
    /// Marked as spam.
    SpamReport,
    /// Unsubscribed (`true`: a group / list unsubscribe).
    Unsubscribe(bool),
}

/// Kind of a permanent failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BounceClass {
    /// Unknown user or domain.
    Hard,
    /// Given up after soft failures (mailbox full, ...).
    Soft,
    /// Policy, reputation or content block.
    Block,
}

/// One event in the common vocabulary.
#[derive(Debug, Clone, PartialEq)]
pub struct EspEvent<'a> {
    /// What happened.
    pub kind: Kind,
    /// The ESP's event id, when it has one.
    pub id: Option<Cow<'a, str>>,
    /// The ESP's message id.
    pub message: Cow<'a, str>,
    /// Recipient address.
    pub email: Cow<'a, str>,
    /// Campaign (tag, category, campaign name).
    pub campaign: Cow<'a, str>,
    /// Unix seconds.
    pub time: i64,
    /// Reply or diagnostic text (failures).
    pub text: Cow<'a, str>,
    /// Enhanced status code (failures).
    pub status: Cow<'a, str>,
    /// Why a message was dropped.
    pub drop_reason: Cow<'a, str>,
}

type S<'a> = Option<Cow<'a, str>>;

/// A JSON string, borrowed from the record when it has no escapes (serde's own `Cow<str>`
/// always copies).
struct Str<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> serde::Deserialize<'de> for Str<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Cow<'de, str>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Cow::Borrowed(v))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Cow::Owned(v.to_owned()))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(Cow::Owned(v))
            }
        }
        d.deserialize_str(V).map(Str)
    }
}

/// `deserialize_with` for an optional string field ([`S`]): borrowed when it can be.
fn cow<'de, D: serde::Deserializer<'de>>(d: D) -> Result<S<'de>, D::Error> {
    Ok(<Option<Str<'de>> as serde::Deserialize>::deserialize(d)?.map(|s| s.0))
}

fn s<'a>(x: &'a S<'_>) -> &'a str {
    x.as_deref().unwrap_or("")
}

/// Classify a permanent failure from its status and text with the shared classifier.
pub(crate) fn bounce_class(status: &str, text: &str) -> BounceClass {
    let st = EnhancedStatus::parse(status).or_else(|| EnhancedStatus::find(text));
    let reason = classify(&Evidence {
        status: st,
        reply: find_reply_code(text),
        action: "failed",
        command: "",
        text,
        context: "",
        ..Default::default()
    });
    if reason.bounce_type(true) == BounceType::Hard {
        BounceClass::Hard
    } else if st.is_some_and(|s| s.subject == 7) {
        BounceClass::Block
    } else {
        BounceClass::Soft
    }
}

fn iso_time(s: &str) -> i64 {
    super::time::parse_iso(s.as_bytes())
        .map(|x| x.0)
        .unwrap_or(0)
}

/// Detect the flavor of one JSON record.
pub(crate) fn detect(v: &Value) -> Option<Flavor> {
    let o = v.as_object()?;
    if o.contains_key("sg_event_id") || o.contains_key("sg_message_id") || o.contains_key("smtp-id")
    {
        Some(Flavor::SendGrid)
    } else if o.contains_key("RecordType") {
        Some(Flavor::Postmark)
    } else if o.contains_key("eventType")
        || o.contains_key("notificationType")
        || o.get("Type").is_some_and(|t| t == "Notification")
    {
        Some(Flavor::Ses)
    } else if o.contains_key("event-data")
        || o.contains_key("log-level")
        || (o.contains_key("event") && o.contains_key("recipient"))
    {
        Some(Flavor::Mailgun)
    } else if o.contains_key("event") && o.contains_key("email") {
        Some(Flavor::SendGrid)
    } else {
        None
    }
}

/// The keys [`sniff`] looks for, searchers built once.
static KEYS: std::sync::LazyLock<Vec<memchr::memmem::Finder<'static>>> =
    std::sync::LazyLock::new(|| {
        [
            &b"\"sg_event_id\""[..],
            b"\"sg_message_id\"",
            b"\"RecordType\"",
            b"\"eventType\"",
            b"\"notificationType\"",
            b"\"Type\":\"Notification\"",
            b"\"Type\" : \"Notification\"",
            b"\"log-level\"",
            b"\"event-data\"",
            b"\"recipient\"",
            b"\"email\"",
            b"\"event\"",
            b"\"created\"",
            b"\"reason\"",
        ]
        .into_iter()
        .map(memchr::memmem::Finder::new)
        .collect()
    });

/// Detect the flavor of one JSON line without building a tree (cheap key sniffing).
pub(crate) fn sniff(line: &[u8]) -> Option<Flavor> {
    let k = &*KEYS;
    let has = |i: usize| k[i].find(line).is_some();
    if has(0) || has(1) {
        Some(Flavor::SendGrid)
    } else if has(2) {
        Some(Flavor::Postmark)
    } else if has(3) || has(4) || has(5) || has(6) {
        Some(Flavor::Ses)
    } else if has(7) || has(8) || has(9) {
        Some(Flavor::Mailgun)
    } else if has(10) && (has(11) || has(12) && has(13)) {
        Some(Flavor::SendGrid)
    } else {
        None
    }
}

fn into_owned(e: EspEvent<'_>) -> EspEvent<'static> {
    let o = |c: Cow<'_, str>| Cow::Owned(c.into_owned());
    EspEvent {
        kind: e.kind,
        id: e.id.map(o),
        message: o(e.message),
        email: o(e.email),
        campaign: o(e.campaign),
        time: e.time,
        text: o(e.text),
        status: o(e.status),
        drop_reason: o(e.drop_reason),
    }
}

// ---------------------------------------------------------------- entry points

/// Parse one JSON record (one line of a JSONL file) of a known flavor. `false` when the record
/// is not valid JSON of that shape.
pub fn parse_record<'a>(flavor: Flavor, json: &'a str, out: &mut dyn FnMut(EspEvent<'a>)) -> bool {
    match flavor {
        Flavor::SendGrid => sendgrid::parse_record(json, out),
        Flavor::Mailgun => mailgun::parse_record(json, out),
        Flavor::Ses => ses::parse_record(json, out),
        Flavor::Postmark => postmark::parse_record(json, out),
    }
}

/// Parse a JSON value: one record, an array of records, a Mailgun `{"items": [...]}` page or
/// `{"event-data": {...}}` webhook payload. `false` when nothing in it was a record.
pub(crate) fn parse_value(
    flavor: Flavor,
    v: Value,
    out: &mut dyn FnMut(EspEvent<'static>),
) -> bool {
    match v {
        Value::Array(a) => {
            let mut any = false;
            for x in a {
                any |= parse_value(detect(&x).unwrap_or(flavor), x, out);
            }
            any
        }
        Value::Object(mut o) => {
            if let Some(items) = o.remove("items") {
                return parse_value(flavor, items, out);
            }
            if let Some(ed) = o.remove("event-data") {
                return parse_value(Flavor::Mailgun, ed, out);
            }
            let text = Value::Object(o).to_string();
            let mut ok = false;
            parse_record(flavor, &text, &mut |e| {
                ok = true;
                out(into_owned(e))
            });
            ok || serde_json::from_str::<Value>(&text).is_ok()
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(flavor: Flavor, json: &str) -> EspEvent<'static> {
        let mut v = Vec::new();
        assert!(parse_record(flavor, json, &mut |e| v.push(into_owned(e))));
        assert_eq!(v.len(), 1, "{json}");
        v.pop().unwrap()
    }

    #[test]
    fn flavors() {
        let e = one(
            Flavor::SendGrid,
            r#"{"email":"a@b.example","timestamp":1711974862,"event":"bounce","type":"blocked","sg_event_id":"x1","sg_message_id":"m1","marketing_campaign_name":"c1","status":"5.7.1","reason":"554 5.7.1 blocked"}"#,
        );
        assert_eq!(e.kind, Kind::Bounce(BounceClass::Block));
        assert_eq!((e.campaign.as_ref(), e.id.as_deref()), ("c1", Some("x1")));
        let e = one(
            Flavor::Mailgun,
            r#"{"event":"opened","id":"i","timestamp":1.5,"recipient":"a@b","tags":["t"],"client-info":{"bot":"apple"},"message":{"headers":{"message-id":"m"}}}"#,
        );
        assert_eq!(e.kind, Kind::Open(true));
        let e = one(
            Flavor::Ses,
            r#"{"eventType":"Bounce","mail":{"messageId":"m","timestamp":"2024-04-01T12:37:33.655Z","destination":["a@b"]},"bounce":{"bounceType":"Permanent","bounceSubType":"General","timestamp":"2024-04-01T12:37:33.655Z","bouncedRecipients":[{"emailAddress":"a@b","status":"5.1.1","diagnosticCode":"smtp; 550 5.1.1 user unknown"}]}}"#,
        );
        assert_eq!(e.kind, Kind::Bounce(BounceClass::Hard));
        assert_eq!(e.time, 1_711_975_053);
        let e = one(
            Flavor::Postmark,
            r#"{"RecordType":"Bounce","ID":7,"Type":"Transient","MessageID":"m","Email":"a@b","Tag":"t","BouncedAt":"2024-04-01T12:34:25.0000393Z","Details":"421 4.7.0 later"}"#,
        );
        assert_eq!(e.kind, Kind::Deferred);
        assert_eq!(e.status, "4.7.0");
        assert_eq!(sniff(br#"{"RecordType":"Open"}"#), Some(Flavor::Postmark));
        assert!(!parse_record(Flavor::SendGrid, "{not json", &mut |_| {}));
        // legacy v2 bounce API record
        let legacy = r#"{"status": "550", "created": "2011-10-08 12:32:14", "reason": "550 Unknown user kijitora@example.ne.jp ", "email": "kijitora@example.ne.jp"}"#;
        assert_eq!(sniff(legacy.as_bytes()), Some(Flavor::SendGrid));
        let e = one(Flavor::SendGrid, legacy);
        assert!(matches!(e.kind, Kind::Bounce(_)), "{:?}", e.kind);
        assert_eq!(e.time, 1_318_077_134);
    }
}
