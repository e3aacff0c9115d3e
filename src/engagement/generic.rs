//! The generic event CSV: `email`, `event`, `timestamp` columns (and optionally
//! `machine_open`, `user_agent`, `ip`), also SendGrid's flattened CSV export. Events: `send`,
//! `sent`, `delivered`, `delivery`, `received` are sends; `open`, `opened`; `click`,
//! `clicked`; `optin`, `opt_in`, `subscribed`, `confirmed` are opt-ins; others are skipped.

use std::borrow::Cow;

use super::detect::Columns;
use super::event::{Act, OpenEvidence, Record};
use super::klaviyo::flag;
use super::machine_open::proxy_of;
use super::time;

/// One row.
pub(super) fn record<'r>(rec: &'r csv::StringRecord, c: &Columns) -> Record<'r> {
    let get = |i: Option<usize>| i.and_then(|i| rec.get(i)).map(str::trim).unwrap_or("");
    let event = get(c.event).to_ascii_lowercase();
    let act = match event.as_str() {
        "send" | "sent" | "delivered" | "delivery" | "received" => Act::Send,
        "open" | "opened" => Act::Open(OpenEvidence {
            vendor_machine: flag(get(c.machine)),
            proxy: proxy_of(get(c.user_agent), get(c.ip)),
        }),
        "click" | "clicked" => Act::Click,
        "optin" | "opt_in" | "opt-in" | "subscribed" | "subscribe" | "confirmed" => Act::OptIn,
        "" => return Record::Bad("no event".into()),
        _ => return Record::Skip,
    };
    let email = get(Some(c.email));
    if email.is_empty() {
        return Record::Bad(format!("no address in column {}", c.email + 1));
    }
    Record::at(Cow::Borrowed(email), time::parse(get(c.time)), act)
}
