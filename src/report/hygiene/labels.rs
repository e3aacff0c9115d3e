//! Readable labels and definitions for the names the report's data uses: verdicts, reasons,
//! reject categories, suppression reasons, engagement segments.

/// A verdict's label, colour and definition.
pub(crate) fn verdict(name: &str) -> (&'static str, &'static str, &'static str) {
    match name {
        "deliverable" => (
            "Deliverable",
            "#2da44e",
            "The mail server accepted the mailbox.",
        ),
        "risky" => (
            "Risky",
            "#d4a72c",
            "The address may work but carries a risk (disposable domain, catch-all domain, \
             full mailbox, role account when asked).",
        ),
        "undeliverable" => (
            "Undeliverable",
            "#cf222e",
            "The address cannot receive mail (bad syntax, a dead domain, a null MX, a mailbox \
             the server says does not exist).",
        ),
        "unknown" => (
            "Unknown",
            "#8c959f",
            "Not found out: not checked (offline, every valid address is unknown: not \
             checked), or a temporary failure that says nothing against the address.",
        ),
        _ => ("Other", "#888888", ""),
    }
}

/// The four verdicts in order.
pub(crate) const VERDICTS: [&str; 4] = ["deliverable", "risky", "undeliverable", "unknown"];

/// A reason's definition.
pub(crate) fn reason(name: &str) -> &'static str {
    match name {
        "accepted" => "The mail server accepted the recipient.",
        "accept_all" => {
            "The domain accepts every recipient (catch-all), so this one proves nothing."
        }
        "disposable" => "A disposable (throw-away) mail domain.",
        "mailbox_full" => "The mailbox is full.",
        "role_account" => "A role account (info@, sales@, ...), made the reason by --role-risky.",
        "greylisted_unresolved" => "Greylisting never cleared within the retry budget.",
        "invalid_syntax" => "Not a valid address.",
        "invalid_encoding" => "The address cell is not valid UTF-8.",
        "invalid_domain" => "The domain does not exist (NXDOMAIN).",
        "no_mail_server" => "The domain has no MX and no usable address record.",
        "null_mx" => "The domain publishes a null MX (RFC 7505): it accepts no mail.",
        "mailbox_not_found" => "The server says the mailbox does not exist (5.1.1).",
        "mailbox_disabled" => "The mailbox is disabled (5.2.1).",
        "mailbox_moved" => "The mailbox has moved (5.1.6).",
        "relay_denied" => "The server refused to relay for the domain.",
        "policy_rejected" => "The server permanently refused this recipient by policy.",
        "malformed_row" => "The CSV row has a different number of fields from the header.",
        "dns_timeout" => "DNS did not answer in time (temporary).",
        "dns_servfail" => "DNS answered SERVFAIL (temporary).",
        "dns_untrusted" => {
            "The DNS resolver was judged untrustworthy, so its answer decided nothing."
        }
        "smtp_timeout" => "The mail server did not answer in time (temporary).",
        "connect_failed" => "No mail server could be reached (temporary).",
        "connection_closed" => "The mail server closed the connection (temporary).",
        "unavailable" => "The mail server answered 421 at the banner (temporary).",
        "tempfail" => "A temporary failure (4xx).",
        "greylisted" => "Greylisted; asked again later.",
        "sender_blocked" => {
            "Our probing address or HELO was refused: says nothing of the recipient."
        }
        "refused_unclear" => "A permanent refusal that does not say whom it is about.",
        "provider_unverifiable" => {
            "The provider accepts everything by design: it cannot be verified."
        }
        "not_checked" => "Valid syntax; the network checks were not run.",
        _ => "",
    }
}

/// A reject category's label and definition.
pub(crate) fn category(name: &str) -> (&'static str, &'static str) {
    match name {
        "malformed" => (
            "Malformed rows",
            "Rows with a different number of fields from the header, or an email cell that is \
             not UTF-8.",
        ),
        "undeliverable" => ("Undeliverable", "Rows judged undeliverable."),
        "suppressed" => (
            "Suppressed",
            "On a --suppress list: hard bounce, complaint, unsubscribe or listed.",
        ),
        "duplicate" => (
            "Duplicates",
            "A later row with the same mailbox as an earlier one (provider rules applied).",
        ),
        "disposable" => ("Disposable", "Addresses at a disposable domain."),
        "role" => ("Role accounts", "Addresses such as info@ and sales@."),
        "free" => ("Free mail", "Addresses at a free-mail provider."),
        "typo" => ("Typos", "Addresses with a suggested domain correction."),
        "risky" => ("Risky", "Rows judged risky."),
        "unknown" => ("Unknown", "Rows judged unknown."),
        "inactive" => (
            "Inactive",
            "No human open or click within the inactive window, with enough sends since.",
        ),
        "never_engaged" => (
            "Never engaged",
            "No human open or click ever, with enough sends.",
        ),
        _ => ("Other", ""),
    }
}

/// A colour per reject category (the rows chart).
pub(crate) fn category_color(name: &str) -> &'static str {
    match name {
        "malformed" => "#6e7781",
        "undeliverable" => "#cf222e",
        "suppressed" => "#8250df",
        "duplicate" => "#0969da",
        "disposable" => "#bc4c00",
        "role" => "#d4a72c",
        "free" => "#1b7c83",
        "typo" => "#bf3989",
        "risky" => "#9a6700",
        "unknown" => "#8c959f",
        _ => "#57606a",
    }
}

/// A suppression reason's label.
pub(crate) fn suppress_reason(name: &str) -> &'static str {
    match name {
        "hard_bounce" => "Hard bounce",
        "complaint" => "Complaint",
        "unsubscribed" => "Unsubscribed",
        "listed" => "Listed (no reason given)",
        _ => "Other",
    }
}

/// The engagement segments in order, each with its label, colour and definition (the rule
/// values are filled in by the page).
pub(crate) const SEGMENTS: [(&str, &str, &str); 6] = [
    ("active", "Active", "#2da44e"),
    ("lapsing", "Lapsing", "#d4a72c"),
    ("inactive", "Inactive", "#cf222e"),
    ("never_engaged", "Never engaged", "#8250df"),
    ("new", "New", "#0969da"),
    ("unknown", "No data", "#8c959f"),
];

/// A segment's definition with the rules used (`days` as given in the summary).
pub(crate) fn segment(name: &str, rule: impl Fn(&str) -> String) -> String {
    let or = |k: &str, d: &str| {
        let v = rule(k);
        if v.is_empty() { d.to_owned() } else { v }
    };
    match name {
        "active" => format!(
            "A human open or a click within the last {} days.",
            or("active_days", "?")
        ),
        "lapsing" => format!(
            "The last human open or click {} to {} days ago.",
            or("active_days", "?"),
            or("inactive_days", "?")
        ),
        "inactive" => format!(
            "No human open or click within {} days, and at least {} sends since the last one.",
            or("inactive_days", "?"),
            or("min_sends", "?")
        ),
        "never_engaged" => format!(
            "No human open or click ever, with at least {} sends.",
            or("min_sends", "?")
        ),
        "new" => format!(
            "First send or opt-in within {} days, no engagement yet.",
            or("new_days", "?")
        ),
        "unknown" => "No engagement data for the address.".to_owned(),
        _ => String::new(),
    }
}
