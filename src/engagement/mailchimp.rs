//! Mailchimp audience (member) exports: one row an address, its opt-in time (`CONFIRM_TIME`
//! when the opt-in was confirmed, else `OPTIN_TIME`). `MEMBER_RATING` and `LAST_CHANGED`
//! identify the export but are no engagement events (the rating mixes in list changes).

use std::borrow::Cow;

use super::detect::Columns;
use super::event::{Act, Record};
use super::time;

/// One row.
pub(super) fn record<'r>(rec: &'r csv::StringRecord, c: &Columns) -> Record<'r> {
    let get = |i: Option<usize>| i.and_then(|i| rec.get(i)).map(str::trim).unwrap_or("");
    let email = get(Some(c.email));
    if email.is_empty() {
        return Record::Bad(format!("no address in column {}", c.email + 1));
    }
    let at = [get(c.confirm), get(c.opt_in)]
        .into_iter()
        .find(|t| !t.is_empty());
    match at {
        None => Record::Skip,
        Some(t) => Record::at(Cow::Borrowed(email), time::parse(t), Act::OptIn),
    }
}
