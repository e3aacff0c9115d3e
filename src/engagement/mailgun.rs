//! Mailgun events (one JSON object a line: events, webhook payloads wrapping one in
//! `event-data`, Events API pages with `items`): `delivered` is a send, `opened` (with
//! `client-info`: `user-agent`, `bot`; `ip`) and `clicked`.

use std::borrow::Cow;

use serde::Deserialize;

use super::event::{Act, OpenEvidence, Record};
use super::machine_open::{Proxy, proxy_of};

#[derive(Deserialize, Default)]
struct Client<'a> {
    #[serde(borrow, rename = "user-agent")]
    user_agent: Option<Cow<'a, str>>,
    #[serde(borrow)]
    bot: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct Mg<'a> {
    #[serde(borrow)]
    event: Option<Cow<'a, str>>,
    timestamp: Option<f64>,
    #[serde(borrow)]
    recipient: Option<Cow<'a, str>>,
    #[serde(borrow)]
    ip: Option<Cow<'a, str>>,
    #[serde(borrow, rename = "client-info")]
    client: Option<Client<'a>>,
    #[serde(borrow, rename = "event-data")]
    event_data: Option<Box<Mg<'a>>>,
    #[serde(borrow)]
    items: Option<Vec<Mg<'a>>>,
}

/// Mailgun's `client-info.bot`: empty for a person; `gmail` (Google's image proxy) is only
/// proxy evidence; any other value is Mailgun's machine verdict.
fn bot_evidence(bot: &str) -> (Option<bool>, Option<Proxy>) {
    match bot.trim().to_ascii_lowercase().as_str() {
        "" => (None, None),
        "gmail" | "google" => (None, Some(Proxy::Google)),
        _ => (Some(true), None),
    }
}

fn emit<'a>(r: Mg<'a>, sink: &mut dyn FnMut(Record<'a>)) {
    if let Some(inner) = r.event_data {
        return emit(*inner, sink);
    }
    if let Some(items) = r.items {
        return items.into_iter().for_each(|i| emit(i, sink));
    }
    let act = match r.event.as_deref().unwrap_or("") {
        "delivered" => Act::Send,
        "opened" => {
            let c = r.client.unwrap_or_default();
            let (flag, bot_proxy) = bot_evidence(c.bot.as_deref().unwrap_or(""));
            Act::Open(OpenEvidence {
                vendor_machine: flag,
                proxy: proxy_of(
                    c.user_agent.as_deref().unwrap_or(""),
                    r.ip.as_deref().unwrap_or(""),
                )
                .or(bot_proxy),
            })
        }
        "clicked" => Act::Click,
        "" => return sink(Record::Bad("no \"event\"".into())),
        _ => return sink(Record::Skip),
    };
    match r.recipient {
        Some(e) => sink(Record::at(e, r.timestamp.map(|t| t as i64), act)),
        None => sink(Record::Bad("no \"recipient\"".into())),
    }
}

/// Read one line.
pub(super) fn read<'a>(line: &'a str, sink: &mut dyn FnMut(Record<'a>)) {
    match serde_json::from_str::<Mg<'a>>(line) {
        Ok(r) => emit(r, sink),
        Err(e) => sink(Record::Bad(format!("not a Mailgun event: {e}"))),
    }
}
