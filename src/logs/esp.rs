//! ESP event exports: SendGrid Event Webhook (JSON/JSONL and a flattened CSV), Mailgun events
//! (webhook payloads, JSONL, Events API pages), Amazon SES notifications and event-publishing
//! records (SNS envelopes unwrapped), Postmark webhooks. Each record becomes zero or more
//! [`EspEvent`]s in one vocabulary.

use std::borrow::Cow;
use std::collections::HashMap;

use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::Value;

use crate::bounce::classify::{Evidence, classify};
use crate::status::{BounceType, EnhancedStatus, find_reply_code};

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

fn s<'a>(x: &'a S<'_>) -> &'a str {
    x.as_deref().unwrap_or("")
}

/// Classify a permanent failure from its status and text with the shared classifier.
pub fn bounce_class(status: &str, text: &str) -> BounceClass {
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
pub fn detect(v: &Value) -> Option<Flavor> {
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

/// Detect the flavor of one JSON line without building a tree (cheap key sniffing).
pub fn sniff(line: &[u8]) -> Option<Flavor> {
    let has = |k: &[u8]| memchr::memmem::find(line, k).is_some();
    if has(b"\"sg_event_id\"") || has(b"\"sg_message_id\"") {
        Some(Flavor::SendGrid)
    } else if has(b"\"RecordType\"") {
        Some(Flavor::Postmark)
    } else if has(b"\"eventType\"")
        || has(b"\"notificationType\"")
        || has(b"\"Type\":\"Notification\"")
        || has(b"\"Type\" : \"Notification\"")
    {
        Some(Flavor::Ses)
    } else if has(b"\"log-level\"") || has(b"\"event-data\"") || has(b"\"recipient\"") {
        Some(Flavor::Mailgun)
    } else if has(b"\"email\"") && (has(b"\"event\"") || has(b"\"created\"") && has(b"\"reason\""))
    {
        Some(Flavor::SendGrid)
    } else {
        None
    }
}

// ---------------------------------------------------------------- SendGrid

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
    #[serde(borrow)]
    email: S<'a>,
    timestamp: Option<f64>,
    #[serde(borrow)]
    event: S<'a>,
    #[serde(borrow)]
    sg_event_id: S<'a>,
    #[serde(borrow)]
    sg_message_id: S<'a>,
    #[serde(borrow, rename = "smtp-id")]
    smtp_id: S<'a>,
    #[serde(borrow)]
    marketing_campaign_name: S<'a>,
    category: Option<Value>,
    #[serde(borrow, rename = "type")]
    kind: S<'a>,
    #[serde(borrow)]
    status: S<'a>,
    #[serde(borrow)]
    reason: S<'a>,
    #[serde(borrow)]
    response: S<'a>,
    #[serde(borrow)]
    bounce_classification: S<'a>,
    sg_machine_open: Option<bool>,
    asm_group_id: Option<IgnoredAny>,
    /// Legacy (v2 bounce API) records: `created` instead of `timestamp`, no `event`.
    #[serde(borrow)]
    created: S<'a>,
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
    let campaign = match (r.marketing_campaign_name, &r.category) {
        (Some(c), _) => c,
        (None, Some(Value::String(c))) => Cow::Owned(c.clone()),
        (None, Some(Value::Array(a))) => a
            .iter()
            .rev()
            .find_map(|x| x.as_str())
            .map(|x| Cow::Owned(x.to_string()))
            .unwrap_or(Cow::Borrowed("")),
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

// ---------------------------------------------------------------- Mailgun

#[derive(Deserialize, Default)]
struct MgStatus<'a> {
    #[serde(borrow)]
    message: S<'a>,
    #[serde(borrow, rename = "bounce-code")]
    bounce_code: S<'a>,
    #[serde(borrow)]
    description: S<'a>,
    code: Option<i64>,
}

#[derive(Deserialize, Default)]
struct MgHeaders<'a> {
    #[serde(borrow, rename = "message-id")]
    message_id: S<'a>,
}

#[derive(Deserialize, Default)]
struct MgMessage<'a> {
    #[serde(borrow)]
    headers: Option<MgHeaders<'a>>,
}

#[derive(Deserialize, Default)]
struct MgClient<'a> {
    #[serde(borrow)]
    bot: S<'a>,
}

#[derive(Deserialize, Default)]
struct Mailgun<'a> {
    #[serde(borrow)]
    event: S<'a>,
    #[serde(borrow)]
    id: S<'a>,
    timestamp: Option<f64>,
    #[serde(borrow)]
    recipient: S<'a>,
    #[serde(borrow)]
    tags: Option<Vec<Cow<'a, str>>>,
    #[serde(borrow)]
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
        .unwrap_or_else(|| Cow::Owned(super::status_code(&text).to_string()));
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

// ---------------------------------------------------------------- SES

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct SesMail<'a> {
    #[serde(borrow)]
    message_id: S<'a>,
    #[serde(borrow)]
    timestamp: S<'a>,
    #[serde(borrow, default)]
    destination: Vec<Cow<'a, str>>,
    #[serde(borrow)]
    tags: Option<HashMap<Cow<'a, str>, Vec<Cow<'a, str>>>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct SesRcpt<'a> {
    #[serde(borrow)]
    email_address: S<'a>,
    #[serde(borrow)]
    status: S<'a>,
    #[serde(borrow)]
    diagnostic_code: S<'a>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct SesDetail<'a> {
    #[serde(borrow)]
    timestamp: S<'a>,
    #[serde(borrow)]
    bounce_type: S<'a>,
    #[serde(borrow)]
    bounce_sub_type: S<'a>,
    #[serde(borrow, default)]
    bounced_recipients: Vec<SesRcpt<'a>>,
    #[serde(borrow, default)]
    complained_recipients: Vec<SesRcpt<'a>>,
    #[serde(borrow, default)]
    delayed_recipients: Vec<SesRcpt<'a>>,
    #[serde(borrow, default)]
    recipients: Vec<Cow<'a, str>>,
    #[serde(borrow)]
    smtp_response: S<'a>,
    #[serde(borrow)]
    user_agent: S<'a>,
    #[serde(borrow)]
    ip_address: S<'a>,
    #[serde(borrow)]
    source: S<'a>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Ses<'a> {
    #[serde(borrow)]
    event_type: S<'a>,
    #[serde(borrow)]
    notification_type: S<'a>,
    #[serde(borrow)]
    mail: Option<SesMail<'a>>,
    #[serde(borrow)]
    bounce: Option<SesDetail<'a>>,
    #[serde(borrow)]
    complaint: Option<SesDetail<'a>>,
    #[serde(borrow)]
    delivery: Option<SesDetail<'a>>,
    #[serde(borrow)]
    delivery_delay: Option<SesDetail<'a>>,
    #[serde(borrow)]
    open: Option<SesDetail<'a>>,
    #[serde(borrow)]
    click: Option<SesDetail<'a>>,
    #[serde(borrow)]
    subscription: Option<SesDetail<'a>>,
    send: Option<IgnoredAny>,
    #[serde(borrow, rename = "Type")]
    sns_type: S<'a>,
    #[serde(borrow, rename = "Message")]
    sns_message: S<'a>,
}

fn ses_event<'a>(r: Ses<'a>, out: &mut dyn FnMut(EspEvent<'a>)) {
    if s(&r.sns_type) == "Notification"
        && let Some(inner) = &r.sns_message
    {
        // SNS envelope: the notification is a JSON string
        if let Ok(inner) = serde_json::from_str::<Ses<'_>>(inner) {
            let mut owned = Vec::new();
            ses_event(inner, &mut |e| owned.push(into_owned(e)));
            owned.into_iter().for_each(&mut *out);
        }
        return;
    }
    let mail = r.mail.unwrap_or_default();
    let ty = r
        .event_type
        .as_deref()
        .or(r.notification_type.as_deref())
        .unwrap_or("");
    let message = mail.message_id.unwrap_or_default();
    let campaign = mail
        .tags
        .as_ref()
        .and_then(|t| t.get("campaign"))
        .and_then(|v| v.first().cloned())
        .unwrap_or_default();
    let mail_time = iso_time(s(&mail.timestamp));
    let base = |kind: Kind, email: Cow<'a, str>, time: &S<'_>| EspEvent {
        kind,
        id: None,
        message: message.clone(),
        email,
        campaign: campaign.clone(),
        time: time.as_deref().map(iso_time).unwrap_or(mail_time),
        text: Cow::Borrowed(""),
        status: Cow::Borrowed(""),
        drop_reason: Cow::Borrowed(""),
    };
    match ty {
        "Send" => {
            for d in mail.destination.iter() {
                out(base(Kind::Processed, d.clone(), &None));
            }
        }
        "Delivery" => {
            let d = r.delivery.unwrap_or_default();
            let rc = if d.recipients.is_empty() {
                mail.destination.clone()
            } else {
                d.recipients.clone()
            };
            for e in rc {
                let mut ev = base(Kind::Delivered, e, &d.timestamp);
                ev.text = d.smtp_response.clone().unwrap_or_default();
                out(ev);
            }
        }
        "DeliveryDelay" => {
            let d = r.delivery_delay.unwrap_or_default();
            for rc in d.delayed_recipients {
                let mut ev = base(
                    Kind::Deferred,
                    rc.email_address.unwrap_or_default(),
                    &d.timestamp,
                );
                ev.text = rc.diagnostic_code.unwrap_or_default();
                ev.status = rc.status.unwrap_or_default();
                out(ev);
            }
        }
        "Bounce" => {
            let d = r.bounce.unwrap_or_default();
            let sub = s(&d.bounce_sub_type).to_string();
            let permanent = s(&d.bounce_type) == "Permanent";
            for rc in d.bounced_recipients {
                let text = rc.diagnostic_code.unwrap_or_default();
                let status = rc.status.unwrap_or_default();
                let kind = if sub.contains("Suppress") {
                    Kind::Dropped
                } else if !permanent {
                    Kind::Bounce(BounceClass::Soft)
                } else if sub == "NoEmail" {
                    Kind::Bounce(BounceClass::Hard)
                } else {
                    Kind::Bounce(bounce_class(&status, &text))
                };
                let mut ev = base(kind, rc.email_address.unwrap_or_default(), &d.timestamp);
                ev.text = text;
                ev.status = status;
                if kind == Kind::Dropped {
                    ev.drop_reason = Cow::Owned(sub.clone());
                }
                out(ev);
            }
        }
        "Complaint" => {
            let d = r.complaint.unwrap_or_default();
            for rc in d.complained_recipients {
                out(base(
                    Kind::SpamReport,
                    rc.email_address.unwrap_or_default(),
                    &d.timestamp,
                ));
            }
        }
        "Open" => {
            let d = r.open.unwrap_or_default();
            let machine = s(&d.user_agent) == "Mozilla/5.0" && s(&d.ip_address).starts_with("17.");
            for e in mail.destination.iter() {
                out(base(Kind::Open(machine), e.clone(), &d.timestamp));
            }
        }
        "Click" => {
            let d = r.click.unwrap_or_default();
            for e in mail.destination.iter() {
                out(base(Kind::Click, e.clone(), &d.timestamp));
            }
        }
        "Subscription" => {
            let d = r.subscription.unwrap_or_default();
            let group = s(&d.source) != "UnsubscribeHeader";
            for e in mail.destination.iter() {
                out(base(Kind::Unsubscribe(group), e.clone(), &d.timestamp));
            }
        }
        _ => {}
    }
    let _ = r.send;
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

// ---------------------------------------------------------------- Postmark

#[derive(Deserialize, Default)]
struct PmClient<'a> {
    #[serde(borrow, rename = "Name")]
    name: S<'a>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct Postmark<'a> {
    #[serde(borrow)]
    record_type: S<'a>,
    #[serde(borrow, rename = "MessageID")]
    message_id: S<'a>,
    #[serde(borrow)]
    recipient: S<'a>,
    #[serde(borrow)]
    email: S<'a>,
    #[serde(borrow)]
    tag: S<'a>,
    #[serde(rename = "ID")]
    id: Option<Value>,
    #[serde(borrow, rename = "Type")]
    kind: S<'a>,
    #[serde(borrow)]
    details: S<'a>,
    #[serde(borrow)]
    description: S<'a>,
    #[serde(borrow)]
    delivered_at: S<'a>,
    #[serde(borrow)]
    bounced_at: S<'a>,
    #[serde(borrow)]
    received_at: S<'a>,
    #[serde(borrow)]
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
        status: Cow::Owned(super::status_code(&text).to_string()),
        drop_reason: if kind == Kind::Dropped {
            Cow::Owned(ty.to_string())
        } else {
            Cow::Borrowed("")
        },
        text,
    });
}

// ---------------------------------------------------------------- entry points

/// Parse one JSON record (one line of a JSONL file) of a known flavor. `false` when the record
/// is not valid JSON of that shape.
pub fn parse_record<'a>(flavor: Flavor, json: &'a str, out: &mut dyn FnMut(EspEvent<'a>)) -> bool {
    match flavor {
        Flavor::SendGrid => serde_json::from_str::<SendGrid<'a>>(json)
            .map(|r| sendgrid_event(r, out))
            .is_ok(),
        Flavor::Mailgun => {
            // webhook payloads wrap the event in "event-data"
            if json.contains("\"event-data\"") {
                return parse_value(
                    flavor,
                    serde_json::from_str(json).unwrap_or(Value::Null),
                    &mut |e| out(into_owned(e)),
                );
            }
            serde_json::from_str::<Mailgun<'a>>(json)
                .map(|r| mailgun_event(r, out))
                .is_ok()
        }
        Flavor::Ses => serde_json::from_str::<Ses<'a>>(json)
            .map(|r| ses_event(r, out))
            .is_ok(),
        Flavor::Postmark => serde_json::from_str::<Postmark<'a>>(json)
            .map(|r| postmark_event(r, out))
            .is_ok(),
    }
}

/// Parse a JSON value: one record, an array of records, a Mailgun `{"items": [...]}` page or
/// `{"event-data": {...}}` webhook payload. `false` when nothing in it was a record.
pub fn parse_value(flavor: Flavor, v: Value, out: &mut dyn FnMut(EspEvent<'static>)) -> bool {
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

/// One row of the flattened CSV export (SendGrid event names).
pub fn csv_event(get: &dyn Fn(&str) -> Option<String>) -> Option<EspEvent<'static>> {
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
