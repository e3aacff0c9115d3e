//! The verdict and reason vocabulary: the overall judgement on an address and the primary
//! reason behind it (docs/architecture.md, "Address verdicts").

use serde::Serialize;

/// The overall judgement on an address (docs/architecture.md, "Address verdicts").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The mail server accepted the mailbox.
    Deliverable,
    /// The address may work but carries a risk (disposable, catch-all, ...).
    Risky,
    /// The address cannot receive mail.
    Undeliverable,
    /// We could not find out (not checked, timeouts, temporary failures).
    Unknown,
}

impl Verdict {
    /// Every verdict, in a stable order.
    pub const ALL: [Verdict; 4] = [
        Verdict::Deliverable,
        Verdict::Risky,
        Verdict::Undeliverable,
        Verdict::Unknown,
    ];

    /// The snake_case name used in outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Deliverable => "deliverable",
            Verdict::Risky => "risky",
            Verdict::Undeliverable => "undeliverable",
            Verdict::Unknown => "unknown",
        }
    }
}

macro_rules! reasons {
    ($( $(#[$m:meta])* $variant:ident => $name:literal, $verdict:ident; )*) => {
        /// The primary reason behind a verdict.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize, PartialOrd, Ord)]
        #[serde(rename_all = "snake_case")]
        pub enum Reason {
            $( $(#[$m])* $variant, )*
        }

        impl Reason {
            /// Every reason, in declaration order.
            pub const ALL: &'static [Reason] = &[$(Reason::$variant,)*];

            /// The snake_case name used in outputs.
            pub fn as_str(self) -> &'static str {
                match self { $(Reason::$variant => $name,)* }
            }

            /// The verdict this reason implies.
            pub fn verdict(self) -> Verdict {
                match self { $(Reason::$variant => Verdict::$verdict,)* }
            }
        }
    };
}

reasons! {
    /// The mail server accepted the recipient.
    Accepted => "accepted", Deliverable;
    /// The domain accepts every recipient (catch-all).
    AcceptAll => "accept_all", Risky;
    /// A disposable (throw-away) mail domain.
    Disposable => "disposable", Risky;
    /// The mailbox is full.
    MailboxFull => "mailbox_full", Risky;
    /// A role account (info@, sales@...), when policy makes it the primary reason.
    RoleAccount => "role_account", Risky;
    /// Greylisting never cleared within the retry budget.
    GreylistedUnresolved => "greylisted_unresolved", Risky;
    /// The address is not valid syntax.
    InvalidSyntax => "invalid_syntax", Undeliverable;
    /// The address cell is not valid UTF-8.
    InvalidEncoding => "invalid_encoding", Undeliverable;
    /// The domain does not exist (NXDOMAIN).
    InvalidDomain => "invalid_domain", Undeliverable;
    /// No MX and no usable A/AAAA record.
    NoMailServer => "no_mail_server", Undeliverable;
    /// The domain publishes a null MX (RFC 7505).
    NullMx => "null_mx", Undeliverable;
    /// The mailbox does not exist (5.1.1).
    MailboxNotFound => "mailbox_not_found", Undeliverable;
    /// The mailbox is disabled (5.2.1).
    MailboxDisabled => "mailbox_disabled", Undeliverable;
    /// The mailbox has moved (5.1.6).
    MailboxMoved => "mailbox_moved", Undeliverable;
    /// The server refused to relay for the domain.
    RelayDenied => "relay_denied", Undeliverable;
    /// The server permanently refused this recipient by policy (a 5.7.x refusal naming the
    /// recipient, not us).
    PolicyRejected => "policy_rejected", Undeliverable;
    /// The CSV row is ragged (a different number of fields from the header).
    MalformedRow => "malformed_row", Unknown;
    /// DNS timed out.
    DnsTimeout => "dns_timeout", Unknown;
    /// DNS answered SERVFAIL.
    DnsServfail => "dns_servfail", Unknown;
    /// The DNS resolver was judged untrustworthy (it denies or invents names, or fails), so its
    /// answer decides nothing.
    DnsUntrusted => "dns_untrusted", Unknown;
    /// The SMTP server timed out.
    SmtpTimeout => "smtp_timeout", Unknown;
    /// Could not connect to any mail server.
    ConnectFailed => "connect_failed", Unknown;
    /// The server closed the connection.
    ConnectionClosed => "connection_closed", Unknown;
    /// The server answered 421 at the banner.
    Unavailable => "unavailable", Unknown;
    /// A temporary failure (4xx).
    Tempfail => "tempfail", Unknown;
    /// Greylisted, retry scheduled.
    Greylisted => "greylisted", Unknown;
    /// Our IP or HELO was refused.
    SenderBlocked => "sender_blocked", Unknown;
    /// A permanent refusal that does not say whom it is about (the recipient, or us).
    RefusedUnclear => "refused_unclear", Unknown;
    /// The provider accepts everything by design, so it cannot be verified.
    ProviderUnverifiable => "provider_unverifiable", Unknown;
    /// Syntax is fine; the network checks were not run.
    NotChecked => "not_checked", Unknown;
}
