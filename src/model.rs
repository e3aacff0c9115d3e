//! Shared types: verdicts, reasons, flags and the per-address record.

use std::net::IpAddr;
use std::sync::Arc;

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
    /// The provider accepts everything by design, so it cannot be verified.
    ProviderUnverifiable => "provider_unverifiable", Unknown;
    /// Syntax is fine; the network checks were not run.
    NotChecked => "not_checked", Unknown;
}

/// Flags carried beside the verdict: everything that is not the primary reason.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Flags {
    /// The domain (or a parent) is on the disposable list.
    pub disposable: bool,
    /// The local part is a role account (info, sales, noreply, ...).
    pub role: bool,
    /// The domain is a free-mail provider.
    pub free: bool,
    /// Leading or trailing white space was removed from the cell.
    pub trimmed: bool,
    /// The row number of the first occurrence when this row is a duplicate.
    pub duplicate_of: Option<u64>,
}

/// Everything we learned about one address, as written to `--results` and by `check`.
///
/// Serialised with an extra `address` field (the same as `input`) for scoring tools.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressRecord {
    /// 1-based data row number (header excluded), or argument position for `check`.
    pub row: u64,
    /// The cell exactly as read (invalid UTF-8 replaced by U+FFFD).
    pub input: String,
    /// Whether the syntax check accepted the address.
    pub valid: bool,
    /// Normalised form (NFC local part, lower-case Unicode domain), when valid.
    pub normalized: Option<String>,
    /// All-ASCII form (IDNA A-labels) when valid and the local part is ASCII; read it with
    /// [`AddressRecord::ascii`].
    pub ascii: Derived,
    /// The key used for duplicate detection (provider canonical form); read it with
    /// [`AddressRecord::canonical`].
    pub canonical: Derived,
    /// The verdict.
    pub verdict: Verdict,
    /// The primary reason.
    pub reason: Reason,
    /// Human-readable detail for the reason (e.g. what is wrong with the syntax).
    pub detail: Option<String>,
    /// Secondary flags.
    pub flags: Flags,
    /// Suggested correction for a misspelt domain (full address).
    pub suggestion: Option<String>,
    /// What DNS said about the domain (shared by every address of the domain), when looked up.
    pub dns: Option<Arc<DnsEvidence>>,
    /// What the mail server said, when probed (`--smtp`).
    pub smtp: Option<Arc<crate::smtp::SmtpEvidence>>,
}

/// A form derived from the normalised address, stored only when it differs from it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Derived {
    /// Not available (invalid address, or no such form).
    #[default]
    None,
    /// The same string as `normalized`.
    SameAsNormalized,
    /// A different string.
    Own(String),
}

impl AddressRecord {
    fn resolve<'a>(&'a self, d: &'a Derived) -> Option<&'a str> {
        match d {
            Derived::None => None,
            Derived::SameAsNormalized => self.normalized.as_deref(),
            Derived::Own(s) => Some(s),
        }
    }

    /// The all-ASCII form (A-label domain), when the address is valid and its local part ASCII.
    pub fn ascii(&self) -> Option<&str> {
        self.resolve(&self.ascii)
    }

    /// The duplicate-detection key (provider canonical form), when the address is valid.
    pub fn canonical(&self) -> Option<&str> {
        self.resolve(&self.canonical)
    }
}

impl Serialize for AddressRecord {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Out<'a> {
            row: u64,
            input: &'a str,
            address: &'a str,
            valid: bool,
            normalized: &'a Option<String>,
            ascii: Option<&'a str>,
            canonical: Option<&'a str>,
            verdict: Verdict,
            reason: Reason,
            detail: &'a Option<String>,
            flags: &'a Flags,
            suggestion: &'a Option<String>,
            dns: Option<&'a DnsEvidence>,
            #[serde(skip_serializing_if = "Option::is_none")]
            smtp: Option<&'a crate::smtp::SmtpEvidence>,
        }
        Out {
            row: self.row,
            input: &self.input,
            address: &self.input,
            valid: self.valid,
            normalized: &self.normalized,
            ascii: self.ascii(),
            canonical: self.canonical(),
            verdict: self.verdict,
            reason: self.reason,
            detail: &self.detail,
            flags: &self.flags,
            suggestion: &self.suggestion,
            dns: self.dns.as_deref(),
            smtp: self.smtp.as_deref(),
        }
        .serialize(s)
    }
}

/// One MX host with what we learned about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MxHost {
    /// Host name (A-label form, no trailing dot).
    pub host: String,
    /// MX preference (lower is tried first). 0 for an implicit MX.
    pub preference: u16,
    /// Its addresses (A and AAAA).
    pub addresses: Vec<IpAddr>,
    /// The MX target is a CNAME (works, but RFC 2181 §10.3 forbids it).
    pub cname: bool,
    /// The outcome of resolving the host when it has no address: `nxdomain`, `nodata`,
    /// `timeout` or `servfail`.
    pub problem: Option<&'static str>,
}

/// How mail for a domain is routed, or why we could not find out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MailRoute {
    /// MX records, sorted by preference.
    Mx {
        /// The hosts, most preferred first.
        hosts: Vec<MxHost>,
    },
    /// No MX; the domain's own address records act as the MX (RFC 5321 §5.1).
    Implicit {
        /// The domain's addresses.
        host: MxHost,
    },
    /// RFC 7505 null MX: the domain accepts no mail.
    NullMx,
    /// The domain does not exist.
    NxDomain,
    /// The name exists but has no MX and no address, or no MX host has an address.
    NoMailServer,
    /// No answer in time.
    Timeout,
    /// The server failed (SERVFAIL or another error code, or a malformed answer).
    ServFail,
}

impl MailRoute {
    /// The reason this route implies, if it decides the address (`None` when mail can be routed).
    pub fn reason(&self) -> Option<Reason> {
        match self {
            MailRoute::Mx { .. } | MailRoute::Implicit { .. } => None,
            MailRoute::NullMx => Some(Reason::NullMx),
            MailRoute::NxDomain => Some(Reason::InvalidDomain),
            MailRoute::NoMailServer => Some(Reason::NoMailServer),
            MailRoute::Timeout => Some(Reason::DnsTimeout),
            MailRoute::ServFail => Some(Reason::DnsServfail),
        }
    }

    /// Hosts to try, in order.
    pub fn hosts(&self) -> &[MxHost] {
        match self {
            MailRoute::Mx { hosts } => hosts,
            MailRoute::Implicit { host } => std::slice::from_ref(host),
            _ => &[],
        }
    }
}

/// DNS evidence attached to an address record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DnsEvidence {
    /// The domain looked up (A-label form).
    pub domain: String,
    /// What DNS said.
    pub route: MailRoute,
    /// The mailbox provider, from MX host suffixes (`data/mx_providers.tsv`).
    pub provider: Option<&'static str>,
}

impl DnsEvidence {
    /// The most preferred MX host name, if any.
    pub fn mx_host(&self) -> Option<&str> {
        self.route.hosts().first().map(|h| h.host.as_str())
    }
}
