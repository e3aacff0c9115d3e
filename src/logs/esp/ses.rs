//! Amazon SES: notifications and event-publishing records, SNS envelopes unwrapped.

use std::borrow::Cow;
use std::collections::HashMap;

use serde::Deserialize;
use serde::de::IgnoredAny;

use super::{BounceClass, EspEvent, Kind, S, bounce_class, into_owned, iso_time, s};

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

/// Parse one SES JSON record (an SNS envelope is unwrapped).
pub(super) fn parse_record<'a>(json: &'a str, out: &mut dyn FnMut(EspEvent<'a>)) -> bool {
    serde_json::from_str::<Ses<'a>>(json)
        .map(|r| ses_event(r, out))
        .is_ok()
}
