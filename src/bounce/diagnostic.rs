//! One diagnostic text read outside a message (for `explain`): the same evidence, class and
//! reason a bounce record with that text would get (`decode::common::finish`).

use super::BounceRecord;
use super::classify::Evidence;
use super::decode::{finish_record, smtp_command};
use super::evidence::{Class, class_of, says_expired};
use crate::status::{BounceReason, EnhancedStatus};

/// What is known of one failure besides its text.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Diagnostic<'a> {
    /// The diagnostic or reply text.
    pub(crate) text: &'a str,
    /// The enhanced status code (from a `dsn=` field, or found in the text).
    pub(crate) status: Option<EnhancedStatus>,
    /// The SMTP reply code.
    pub(crate) reply: Option<u16>,
    /// The DSN action (`failed`, `delayed`, `delivered`) or empty.
    pub(crate) action: &'a str,
    /// The remote host, when known (provider rules).
    pub(crate) rhost: &'a str,
    /// The recipient's domain, when known (provider rules).
    pub(crate) domain: &'a str,
}

/// How the bounce classifier reads a diagnostic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Reading {
    /// The bounce reason.
    pub(crate) reason: BounceReason,
    /// Permanent, temporary or unknown, from the structure (codes, action, expiry words).
    pub(crate) class: Class,
    /// A hard bounce (the address is bad).
    pub(crate) hard: bool,
    /// The SMTP command the failure answered (`RCPT`, `MAIL`, `DATA`, ...), or empty.
    pub(crate) command: &'static str,
    /// For a message given up after retries: the cause, when known.
    pub(crate) underlying: Option<BounceReason>,
}

/// Read one diagnostic with the classifier of `bounces`.
pub(crate) fn read(d: &Diagnostic<'_>) -> Reading {
    let command = smtp_command(d.text);
    let e = Evidence {
        status: d.status,
        reply: d.reply,
        action: d.action,
        command,
        text: d.text,
        ..Default::default()
    };
    let mut r = BounceRecord::new(BounceReason::Undefined, false);
    r.rhost = d.rhost.to_string();
    r.action = d.action.to_string();
    if !d.domain.is_empty() {
        r.recipient = format!("@{}", d.domain);
    }
    let r = finish_record(r, &e);
    let class = class_of(d.status, d.reply, d.action, || says_expired(d.text));
    Reading {
        reason: r.reason,
        class,
        hard: r.hard,
        command,
        underlying: r.underlying_reason,
    }
}
