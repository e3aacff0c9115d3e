//! The bounce reason vocabulary (docs/architecture.md, "Bounce reasons", Sisimai 5) and the hard/soft bounce types.

use serde::Serialize;

macro_rules! bounce_reasons {
    ($( $(#[$m:meta])* $variant:ident => $name:literal; )*) => {
        /// Why a message bounced (Sisimai-5 vocabulary, see docs/architecture.md, "Bounce reasons").
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
        #[serde(rename_all = "lowercase")]
        pub enum BounceReason {
            $( $(#[$m])* $variant, )*
        }

        impl BounceReason {
            /// Every reason, in declaration order.
            pub const ALL: &'static [BounceReason] = &[$(BounceReason::$variant,)*];

            /// The name used in outputs (lowercase, no separators).
            pub fn as_str(self) -> &'static str {
                match self { $(BounceReason::$variant => $name,)* }
            }

            /// Parse a reason name; `_`, `-` and case are ignored.
            pub fn parse(s: &str) -> Option<BounceReason> {
                let norm: String = s
                    .chars()
                    .filter(|c| !matches!(c, '_' | '-' | '.' | ' '))
                    .map(|c| c.to_ascii_lowercase())
                    .collect();
                match norm.as_str() {
                    $($name => Some(BounceReason::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

bounce_reasons! {
    /// The mailbox does not exist.
    UserUnknown => "userunknown";
    /// The recipient domain does not exist or has no mail server.
    HostUnknown => "hostunknown";
    /// The recipient moved to another address.
    HasMoved => "hasmoved";
    /// The recipient domain accepts no mail (null MX, ...).
    NotAccept => "notaccept";
    /// The mailbox is full.
    MailboxFull => "mailboxfull";
    /// The mailbox is disabled or suspended.
    Suspend => "suspend";
    /// The recipient refused the message after accepting the address (filters, DATA phase).
    Filtered => "filtered";
    /// The sender address was refused.
    Rejected => "rejected";
    /// The sending host (IP) was blocked.
    Blocked => "blocked";
    /// The sending IP or domain has a bad reputation.
    BadReputation => "badreputation";
    /// The sending IP has no (matching) reverse DNS.
    RequirePtr => "requireptr";
    /// SPF, DKIM or DMARC failed.
    AuthFailure => "authfailure";
    /// The message violates RFC 5322 or RFC 5321.
    NotCompliantRfc => "notcompliantrfc";
    /// The message was judged spam.
    SpamDetected => "spamdetected";
    /// The message carried a virus.
    VirusDetected => "virusdetected";
    /// A local policy refused the message.
    PolicyViolation => "policyviolation";
    /// Authentication or encryption requirements were not met.
    SecurityError => "securityerror";
    /// The content was refused (bad MIME, forbidden attachment, ...).
    ContentError => "contenterror";
    /// The message was too big.
    MesgTooBig => "mesgtoobig";
    /// A limit (recipients, size of mailbox per message) was exceeded.
    ExceedLimit => "exceedlimit";
    /// Relaying was denied.
    NoRelaying => "norelaying";
    /// An SMTP syntax error (command or parameter).
    SyntaxError => "syntaxerror";
    /// Too many connections.
    TooManyConn => "toomanyconn";
    /// Sending too fast (rate limits).
    Speeding => "speeding";
    /// STARTTLS could not be negotiated.
    FailedStartTls => "failedstarttls";
    /// The recipient is on a suppression list of the sending service.
    Suppressed => "suppressed";
    /// An error on the remote system.
    SystemError => "systemerror";
    /// The remote disk or system is full.
    SystemFull => "systemfull";
    /// A local delivery program (mailer) failed.
    MailerError => "mailererror";
    /// A network or DNS error.
    NetworkError => "networkerror";
    /// Delivery time expired; the message was given up after retries.
    Expired => "expired";
    /// The failure is known but the reason could not be decided.
    OnHold => "onhold";
    /// No reason could be found.
    Undefined => "undefined";
    /// The message was delivered (a success DSN).
    Delivered => "delivered";
    /// A complaint (RFC 5965 ARF feedback report).
    Feedback => "feedback";
    /// An automatic reply (RFC 3834, vacation).
    Vacation => "vacation";
}

/// Hard, soft or not a bounce at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum BounceType {
    /// The address is dead: suppress it.
    Hard,
    /// A transient or sender-side failure: the address may be fine.
    Soft,
    /// Not a failure (delivered, complaint, auto-reply).
    None,
}

impl BounceType {
    /// The name used in outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            BounceType::Hard => "hard",
            BounceType::Soft => "soft",
            BounceType::None => "none",
        }
    }
}

impl BounceReason {
    /// Hard/soft per docs/architecture.md, "Bounce reasons": userunknown, hostunknown and hasmoved are hard; notaccept is
    /// hard when permanent; delivered, feedback and vacation are not bounces; the rest is soft.
    pub fn bounce_type(self, permanent: bool) -> BounceType {
        use BounceReason::*;
        match self {
            UserUnknown | HostUnknown | HasMoved => BounceType::Hard,
            NotAccept if permanent => BounceType::Hard,
            Delivered | Feedback | Vacation => BounceType::None,
            _ => BounceType::Soft,
        }
    }
}
