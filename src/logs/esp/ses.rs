//! Amazon SES: notifications and event-publishing records into ESP events, SNS envelopes
//! unwrapped; the JSON model is the shared one in [`crate::ses`].

use std::borrow::Cow;

use super::{BounceClass, EspEvent, Kind, S, bounce_class, into_owned, iso_time, s};
use crate::ses::{SesKind, SesRecord};

fn ses_event<'a>(r: SesRecord<'a>, out: &mut dyn FnMut(EspEvent<'a>)) {
    if let Some(inner) = r.sns_message() {
        // SNS envelope: the notification is a JSON string
        if let Ok(inner) = SesRecord::parse(inner) {
            let mut owned = Vec::new();
            ses_event(inner, &mut |e| owned.push(into_owned(e)));
            owned.into_iter().for_each(&mut *out);
        }
        return;
    }
    let ty = r.kind();
    let mail = r.mail.unwrap_or_default();
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
        SesKind::Send => {
            for d in mail.destination.iter() {
                out(base(Kind::Processed, d.clone(), &None));
            }
        }
        SesKind::Delivery => {
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
        SesKind::DeliveryDelay => {
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
        SesKind::Bounce => {
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
        SesKind::Complaint => {
            let d = r.complaint.unwrap_or_default();
            for rc in d.complained_recipients {
                out(base(
                    Kind::SpamReport,
                    rc.email_address.unwrap_or_default(),
                    &d.timestamp,
                ));
            }
        }
        SesKind::Open => {
            let d = r.open.unwrap_or_default();
            let machine = s(&d.user_agent) == "Mozilla/5.0" && s(&d.ip_address).starts_with("17.");
            for e in mail.destination.iter() {
                out(base(Kind::Open(machine), e.clone(), &d.timestamp));
            }
        }
        SesKind::Click => {
            let d = r.click.unwrap_or_default();
            for e in mail.destination.iter() {
                out(base(Kind::Click, e.clone(), &d.timestamp));
            }
        }
        SesKind::Subscription => {
            let d = r.subscription.unwrap_or_default();
            let group = s(&d.source) != "UnsubscribeHeader";
            for e in mail.destination.iter() {
                out(base(Kind::Unsubscribe(group), e.clone(), &d.timestamp));
            }
        }
        SesKind::Other => {}
    }
}

/// Parse one SES JSON record (an SNS envelope is unwrapped).
pub(super) fn parse_record<'a>(json: &'a str, out: &mut dyn FnMut(EspEvent<'a>)) -> bool {
    SesRecord::parse(json).map(|r| ses_event(r, out)).is_ok()
}
