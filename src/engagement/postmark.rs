//! Postmark webhooks (one JSON object a line): `Delivery` is a send, `Open` (with
//! `UserAgent`, `Geo.IP`, and the `Client` name Postmark gives Apple Mail Privacy Protection)
//! and `Click`.

use std::borrow::Cow;

use serde::Deserialize;

use super::event::{Act, OpenEvidence, Record};
use super::machine_open::proxy_of;
use super::time;

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct Named<'a> {
    #[serde(borrow)]
    name: Option<Cow<'a, str>>,
}

#[derive(Deserialize, Default)]
struct Geo<'a> {
    #[serde(borrow, rename = "IP")]
    ip: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Pm<'a> {
    #[serde(borrow)]
    record_type: Option<Cow<'a, str>>,
    #[serde(borrow)]
    recipient: Option<Cow<'a, str>>,
    #[serde(borrow)]
    email: Option<Cow<'a, str>>,
    #[serde(borrow)]
    delivered_at: Option<Cow<'a, str>>,
    #[serde(borrow)]
    received_at: Option<Cow<'a, str>>,
    #[serde(borrow)]
    user_agent: Option<Cow<'a, str>>,
    #[serde(borrow)]
    client: Option<Named<'a>>,
    #[serde(borrow)]
    geo: Option<Geo<'a>>,
}

fn record(r: Pm<'_>) -> Record<'_> {
    let (act, at) = match r.record_type.as_deref().unwrap_or("") {
        "Delivery" => (Act::Send, &r.delivered_at),
        "Open" => {
            let client = r
                .client
                .as_ref()
                .and_then(|c| c.name.as_deref())
                .unwrap_or("");
            let ip = r.geo.as_ref().and_then(|g| g.ip.as_deref()).unwrap_or("");
            (
                Act::Open(OpenEvidence {
                    vendor_machine: client.contains("Privacy Protection").then_some(true),
                    proxy: proxy_of(r.user_agent.as_deref().unwrap_or(""), ip),
                }),
                &r.received_at,
            )
        }
        "Click" => (Act::Click, &r.received_at),
        "" => return Record::Bad("no \"RecordType\"".into()),
        _ => return Record::Skip,
    };
    let t = at.as_deref().and_then(time::parse);
    match r.recipient.or(r.email) {
        Some(e) => Record::at(e, t, act),
        None => Record::Bad("no \"Recipient\"".into()),
    }
}

/// Read one line.
pub(super) fn read<'a>(line: &'a str, sink: &mut dyn FnMut(Record<'a>)) {
    match serde_json::from_str::<Pm<'a>>(line) {
        Ok(r) => sink(record(r)),
        Err(e) => sink(Record::Bad(format!("not a Postmark webhook record: {e}"))),
    }
}
