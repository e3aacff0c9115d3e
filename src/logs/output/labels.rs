//! Readable names and one-line definitions of the report's figures, for the pages people read
//! (the HTML report); the JSON and CSV keep the counter names.

/// `(counter, label, definition)` of the MTA totals, in display order.
pub(crate) const MTA: &[(&str, &str, &str)] = &[
    (
        "messages",
        "Messages sent",
        "messages submitted here (pickup, SASL, trusted clients) and going out; content-filter copies and bounce notices excluded",
    ),
    (
        "recipients",
        "Recipients",
        "recipients of those messages with at least one delivery attempt to a remote server",
    ),
    (
        "delivered",
        "Delivered",
        "recipients whose final status is delivered (the remote server accepted)",
    ),
    (
        "delivered_after_deferral",
        "Delivered after a deferral",
        "delivered recipients that were deferred first",
    ),
    (
        "bounced",
        "Bounced",
        "recipients whose final status is bounced or expired",
    ),
    (
        "hard_bounced",
        "Hard bounces",
        "bounced: unknown user or domain, moved",
    ),
    (
        "soft_bounced",
        "Soft bounces",
        "bounced for any other reason (policy, full mailbox, ...)",
    ),
    (
        "rejected",
        "Refused by the receiving server",
        "bounced recipients refused with a 5xx reply",
    ),
    (
        "expired",
        "Expired in the queue",
        "bounced because the message stayed too long in the queue",
    ),
    (
        "bounced_after_deferral",
        "Bounced after a deferral",
        "bounced recipients that were deferred first",
    ),
    (
        "deferred_recipients",
        "Deferred recipients",
        "recipients with at least one temporary failure",
    ),
    (
        "deferral_events",
        "Deferrals",
        "every deferral line (attempts)",
    ),
    (
        "deferred_final",
        "Still deferred at the end",
        "recipients whose last status is deferred when the log ends",
    ),
    (
        "deferred_messages",
        "Messages deferred",
        "messages with at least one deferral",
    ),
    (
        "bounced_messages",
        "Messages bounced",
        "messages with at least one bounced recipient",
    ),
    (
        "ndr_messages",
        "Bounce notices generated",
        "non-delivery notices this server wrote (never counted as messages sent)",
    ),
    (
        "ndr_deliveries",
        "Bounce notices delivered",
        "deliveries of those notices (never counted as delivered)",
    ),
    (
        "reinjected",
        "Re-injected by a content filter",
        "copies handed back by a filter (amavis, rspamd): the message was counted when it arrived",
    ),
    (
        "filter_handoffs",
        "Handed to a content filter",
        "deliveries to a filter on this machine: not final deliveries",
    ),
    (
        "removed",
        "Removed from the queue",
        "messages that left the queue (Postfix removed, Exim Completed)",
    ),
    (
        "rejected_smtpd",
        "Rejected by this server",
        "connections, senders or recipients refused by smtpd/postscreen (inbound)",
    ),
    ("warnings", "Warnings", "warning lines of the MTA"),
    ("bytes_received", "Bytes sent", "bytes of the messages sent"),
    (
        "tls_connections",
        "TLS connections",
        "outbound SMTP connections with TLS",
    ),
    (
        "plaintext_connections",
        "Plain-text connections",
        "outbound SMTP connections without TLS",
    ),
    (
        "late_bounced",
        "Late bounces",
        "delivered recipients that bounced afterwards (bounce notices given with --bounces)",
    ),
    ("delivery_rate", "Delivery rate", "delivered / recipients"),
    ("bounce_rate", "Bounce rate", "bounced / recipients"),
    (
        "hard_bounce_rate",
        "Hard bounce rate",
        "hard bounces / recipients",
    ),
    (
        "soft_bounce_rate",
        "Soft bounce rate",
        "soft bounces / recipients",
    ),
    (
        "rejection_rate",
        "Rejection rate",
        "refused by the receiving server / recipients",
    ),
    (
        "deferral_rate",
        "Deferral rate",
        "deferred recipients / recipients",
    ),
    (
        "tls_share",
        "TLS share",
        "TLS connections / outbound connections",
    ),
];

/// `(counter, label, definition)` of `mta.inbound`.
pub(crate) const INBOUND: &[(&str, &str, &str)] = &[
    (
        "received",
        "Messages received",
        "messages from remote clients (content-filter copies excluded)",
    ),
    ("bytes", "Bytes received", "bytes of those messages"),
    (
        "recipients",
        "Recipients",
        "their recipients with at least one delivery attempt",
    ),
    (
        "delivered_local",
        "Delivered to a mailbox here",
        "local, virtual, pipe or LMTP delivery",
    ),
    ("relayed", "Relayed on", "forwarded to another host"),
    (
        "bounced",
        "Bounced",
        "recipients whose final status is bounced",
    ),
    (
        "deferred_recipients",
        "Deferred recipients",
        "recipients with at least one deferral",
    ),
    ("deferral_events", "Deferrals", "deferral lines"),
    (
        "bounce_notices",
        "Bounce notices received",
        "received messages with a null sender",
    ),
    (
        "late_bounce_notices",
        "Late bounce notices",
        "bounce notices addressed to a sender of mail sent from here: the remote server accepted, then bounced",
    ),
    (
        "reinjected",
        "Re-injected by a content filter",
        "filter copies of received messages (not new messages)",
    ),
    (
        "filter_handoffs",
        "Handed to a content filter",
        "hand-offs of received messages to a filter",
    ),
    (
        "rejected",
        "Rejected",
        "refused by postscreen, smtpd, cleanup or a milter",
    ),
    (
        "reject_warnings",
        "Reject warnings",
        "rules in test mode (logged, not enforced)",
    ),
    ("held", "Held", "messages put on hold by a rule"),
    ("discarded", "Discarded", "messages discarded by a rule"),
    ("redirected", "Redirected", "messages redirected by a rule"),
    (
        "internal_delivered",
        "Local to local",
        "locally submitted recipients delivered to a mailbox here (not going out)",
    ),
];

/// The label and definition of a counter (the counter name itself when unknown).
pub(crate) fn of<'a>(table: &[(&'a str, &'a str, &'a str)], key: &'a str) -> (&'a str, &'a str) {
    table
        .iter()
        .find(|(k, _, _)| *k == key)
        .map(|(_, l, d)| (*l, *d))
        .unwrap_or((key, ""))
}
