//! One engagement event in the module's own vocabulary, as every format reader reports it:
//! the address as written, the time, and what happened (with an open's evidence).

use super::machine_open::Proxy;

/// What happened to or by an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Act {
    /// A message was delivered (sent, when the format knows no delivery).
    Send,
    /// An open, with what tells a machine open from a person.
    Open(OpenEvidence),
    /// A click.
    Click,
    /// The address opted in (or confirmed its opt-in).
    OptIn,
}

/// What an open record says about who opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct OpenEvidence {
    /// The vendor's own verdict (`sg_machine_open`, Klaviyo's "Apple Privacy Open", Mailgun's
    /// `client-info.bot`, Postmark's "Apple Mail Privacy Protection" client), when it gives one.
    pub(crate) vendor_machine: Option<bool>,
    /// The image proxy the user agent or client address shows, if any.
    pub(crate) proxy: Option<Proxy>,
}

/// What one record of an engagement file says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Record<'a> {
    /// An event about an address.
    Event {
        /// The address as written.
        email: std::borrow::Cow<'a, str>,
        /// Unix seconds.
        time: i64,
        /// What happened.
        act: Act,
    },
    /// A valid record that says nothing about engagement (bounces, deferrals, processed, ...).
    Skip,
    /// A malformed record: why.
    Bad(String),
}

impl<'a> Record<'a> {
    /// An event, or a malformed record when `time` could not be read.
    pub(crate) fn at(email: std::borrow::Cow<'a, str>, time: Option<i64>, act: Act) -> Record<'a> {
        match time {
            Some(time) => Record::Event { email, time, act },
            None => Record::Bad("no readable event time".into()),
        }
    }
}
