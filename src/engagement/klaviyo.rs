//! Klaviyo-style event CSVs: email, metric name and timestamp columns; `Received Email` is a
//! send, `Opened Email` an open (Klaviyo's `Apple Privacy Open` column is its machine flag),
//! `Clicked Email` a click.

use std::borrow::Cow;

use super::detect::Columns;
use super::event::{Act, OpenEvidence, Record};
use super::machine_open::proxy_of;
use super::time;

/// A true/false cell (`True`, `true`, `1`, `yes`); `None` when empty or unreadable.
pub(super) fn flag(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "y" | "t" => Some(true),
        "false" | "0" | "no" | "n" | "f" => Some(false),
        _ => None,
    }
}

/// One row.
pub(super) fn record<'r>(rec: &'r csv::StringRecord, c: &Columns) -> Record<'r> {
    let get = |i: Option<usize>| i.and_then(|i| rec.get(i)).map(str::trim).unwrap_or("");
    let metric = get(c.event).to_ascii_lowercase();
    let act = match metric.as_str() {
        "received email" => Act::Send,
        "opened email" => Act::Open(OpenEvidence {
            vendor_machine: flag(get(c.machine)),
            proxy: proxy_of(get(c.user_agent), get(c.ip)),
        }),
        "clicked email" => Act::Click,
        "" => return Record::Bad("no metric name".into()),
        _ => return Record::Skip,
    };
    let email = get(Some(c.email));
    if email.is_empty() {
        return Record::Bad(format!("no address in column {}", c.email + 1));
    }
    Record::at(Cow::Borrowed(email), time::parse(get(c.time)), act)
}
