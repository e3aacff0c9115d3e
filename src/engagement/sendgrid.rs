//! SendGrid Event Webhook records (one JSON object a line, or a batch as a JSON array):
//! `delivered` is a send, `open` (with `sg_machine_open`, `useragent`, `ip`) and `click`.

use std::borrow::Cow;

use serde::Deserialize;

use super::event::{Act, OpenEvidence, Record};
use super::machine_open::proxy_of;

#[derive(Deserialize)]
struct Sg<'a> {
    #[serde(borrow)]
    email: Option<Cow<'a, str>>,
    timestamp: Option<f64>,
    #[serde(borrow)]
    event: Option<Cow<'a, str>>,
    sg_machine_open: Option<bool>,
    #[serde(borrow)]
    useragent: Option<Cow<'a, str>>,
    #[serde(borrow)]
    ip: Option<Cow<'a, str>>,
}

fn record(r: Sg<'_>) -> Record<'_> {
    let act = match r.event.as_deref().unwrap_or("") {
        "delivered" => Act::Send,
        "open" => Act::Open(OpenEvidence {
            vendor_machine: r.sg_machine_open,
            proxy: proxy_of(
                r.useragent.as_deref().unwrap_or(""),
                r.ip.as_deref().unwrap_or(""),
            ),
        }),
        "click" => Act::Click,
        "" => return Record::Bad("no \"event\"".into()),
        _ => return Record::Skip,
    };
    match r.email {
        Some(e) => Record::at(e, r.timestamp.map(|t| t as i64), act),
        None => Record::Bad("no \"email\"".into()),
    }
}

/// Read one line (an object or an array of objects).
pub(super) fn read<'a>(line: &'a str, sink: &mut dyn FnMut(Record<'a>)) {
    if line.starts_with('[') {
        match serde_json::from_str::<Vec<Sg<'a>>>(line) {
            Ok(v) => v.into_iter().for_each(|r| sink(record(r))),
            Err(e) => sink(Record::Bad(format!("not a SendGrid event batch: {e}"))),
        }
        return;
    }
    match serde_json::from_str::<Sg<'a>>(line) {
        Ok(r) => sink(record(r)),
        Err(e) => sink(Record::Bad(format!("not a SendGrid event: {e}"))),
    }
}
