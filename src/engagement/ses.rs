//! Amazon SES event publishing and notifications (one JSON object a line, SNS envelopes
//! unwrapped), read with the shared `ses` model: `Delivery` is a send for each delivered
//! recipient, `Open` (with `userAgent`, `ipAddress`) and `Click` for each destination.

use std::borrow::Cow;

use crate::ses::{SesKind, SesRecord};

use super::event::{Act, OpenEvidence, Record};
use super::machine_open::proxy_of;
use super::time;

fn emit<'a>(r: &SesRecord<'a>, sink: &mut dyn FnMut(Record<'a>)) {
    let mail_time = r.mail.as_ref().and_then(|m| m.timestamp.as_deref());
    let (detail, act) = match r.kind() {
        SesKind::Delivery => (r.delivery.as_ref(), Act::Send),
        SesKind::Open => {
            let d = r.open.as_ref();
            let ua = d.and_then(|d| d.user_agent.as_deref()).unwrap_or("");
            let ip = d.and_then(|d| d.ip_address.as_deref()).unwrap_or("");
            (
                d,
                Act::Open(OpenEvidence {
                    vendor_machine: None,
                    proxy: proxy_of(ua, ip),
                }),
            )
        }
        SesKind::Click => (r.click.as_ref(), Act::Click),
        _ => return sink(Record::Skip),
    };
    let t = detail
        .and_then(|d| d.timestamp.as_deref())
        .or(mail_time)
        .and_then(time::parse);
    // A delivery names its recipients; an open or click is about the message's destination.
    let delivered = detail.map(|d| d.recipients.as_slice()).unwrap_or(&[]);
    let to: &[Cow<'a, str>] = if act == Act::Send && !delivered.is_empty() {
        delivered
    } else {
        r.mail
            .as_ref()
            .map(|m| m.destination.as_slice())
            .unwrap_or(&[])
    };
    if to.is_empty() {
        return sink(Record::Bad("no recipient (mail.destination)".into()));
    }
    for e in to {
        sink(Record::at(e.clone(), t, act));
    }
}

/// Read one line (an SNS envelope's `Message` is parsed in turn).
pub(super) fn read<'a>(line: &'a str, sink: &mut dyn FnMut(Record<'a>)) {
    let r = match SesRecord::parse(line) {
        Ok(r) => r,
        Err(e) => return sink(Record::Bad(format!("not an SES record: {e}"))),
    };
    if let Some(inner) = r.sns_message() {
        let inner = inner.to_owned();
        match SesRecord::parse(&inner) {
            Ok(ir) => emit(&ir, &mut |rec| sink(owned(rec))),
            Err(e) => sink(Record::Bad(format!(
                "SNS Message is not an SES record: {e}"
            ))),
        }
        return;
    }
    emit(&r, sink);
}

fn owned(r: Record<'_>) -> Record<'static> {
    match r {
        Record::Event { email, time, act } => Record::Event {
            email: Cow::Owned(email.into_owned()),
            time,
            act,
        },
        Record::Skip => Record::Skip,
        Record::Bad(w) => Record::Bad(w),
    }
}
