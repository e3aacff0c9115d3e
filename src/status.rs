//! SMTP reply codes (RFC 5321), enhanced status codes (RFC 3463, RFC 5248, RFC 7372) and the
//! bounce reason vocabulary (docs/architecture.md, "Bounce reasons") shared by the bounce and
//! log auditors.
//!
//! Everything here is a pure function of its input and never panics.

use serde::Serialize;

macro_rules! bounce_reasons {
    ($( $(#[$m:meta])* $variant:ident => $name:literal; )*) => {
        /// Why a message bounced (Sisimai-5 vocabulary, see docs/architecture.md).
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
    /// Hard/soft per docs/architecture.md ("Bounce reasons"): userunknown, hostunknown and
    /// hasmoved are hard; notaccept is hard when permanent; delivered, feedback and vacation are
    /// not bounces; the rest is soft.
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

/// An RFC 3463 enhanced status code `class.subject.detail`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EnhancedStatus {
    /// 2 (success), 4 (persistent transient) or 5 (permanent).
    pub class: u8,
    /// Subject (0..=999).
    pub subject: u16,
    /// Detail (0..=999).
    pub detail: u16,
}

impl std::fmt::Display for EnhancedStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.class, self.subject, self.detail)
    }
}

fn digits(b: &[u8], i: usize, max: usize) -> usize {
    let mut n = 0;
    while i + n < b.len() && n < max && b[i + n].is_ascii_digit() {
        n += 1;
    }
    n
}

fn num(b: &[u8]) -> u16 {
    b.iter().fold(0u16, |a, &d| {
        a.saturating_mul(10).saturating_add(u16::from(d - b'0'))
    })
}

impl EnhancedStatus {
    /// Parse a whole string such as `5.1.1` (surrounding white space allowed).
    pub fn parse(s: &str) -> Option<EnhancedStatus> {
        let t = s.trim().as_bytes();
        match Self::at(t, 0) {
            Some((st, end)) if end == t.len() => Some(st),
            _ => None,
        }
    }

    /// The code starting at byte `i` of `b`, with the end offset.
    fn at(b: &[u8], i: usize) -> Option<(EnhancedStatus, usize)> {
        let c = *b.get(i)?;
        if !matches!(c, b'2' | b'4' | b'5') || b.get(i + 1) != Some(&b'.') {
            return None;
        }
        let j = i + 2;
        let n1 = digits(b, j, 3);
        if n1 == 0 || b.get(j + n1) != Some(&b'.') {
            return None;
        }
        let k = j + n1 + 1;
        let n2 = digits(b, k, 3);
        if n2 == 0 {
            return None;
        }
        Some((
            EnhancedStatus {
                class: c - b'0',
                subject: num(&b[j..j + n1]),
                detail: num(&b[k..k + n2]),
            },
            k + n2,
        ))
    }

    /// The first enhanced status code in free text, delimited by non-alphanumerics
    /// (so `5.1.1` in `#5.1.1` or `(5.1.1)` is found, `15.1.1` or `5.1.1.3` is not).
    pub fn find(text: &str) -> Option<EnhancedStatus> {
        Self::find_span(text).map(|(st, _)| st)
    }

    /// Like [`EnhancedStatus::find`], with the byte range of the code in `text` (so callers can
    /// keep the code as a slice of the text).
    pub fn find_span(text: &str) -> Option<(EnhancedStatus, std::ops::Range<usize>)> {
        let b = text.as_bytes();
        let mut i = 0;
        while i + 4 < b.len() {
            // (only a 2, 4 or 5 can start a code: memchr skips to the next one)
            match memchr::memchr3(b'2', b'4', b'5', &b[i..b.len() - 4]) {
                Some(k) => i += k,
                None => break,
            }
            match Self::span_at(b, i) {
                Ok(found) => return Some(found),
                Err(next) => i = next,
            }
        }
        None
    }

    /// The code delimited as [`EnhancedStatus::find`] wants it that starts at `b[i]` (a 2, 4
    /// or 5), or else where the search goes on.
    fn span_at(b: &[u8], i: usize) -> Result<(EnhancedStatus, std::ops::Range<usize>), usize> {
        if (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'.'))
            && let Some((st, end)) = Self::at(b, i)
        {
            let next = b.get(end).copied().unwrap_or(b' ');
            let after = b.get(end + 1).copied().unwrap_or(b' ');
            let dotted_more = next == b'.' && after.is_ascii_digit();
            if !next.is_ascii_alphanumeric() && !dotted_more {
                return Ok((st, i..end));
            }
            return Err(end);
        }
        Err(i + 1)
    }

    /// Every enhanced status code in free text, in order (at most 16).
    pub fn find_all(text: &str) -> Vec<EnhancedStatus> {
        let mut out = Vec::new();
        let mut rest = text;
        while out.len() < 16 {
            let Some(st) = Self::find(rest) else { break };
            out.push(st);
            // continue after this occurrence
            let needle = st.to_string();
            match rest.find(&needle) {
                Some(i) => rest = &rest[i + needle.len()..],
                None => break,
            }
        }
        out
    }

    /// Whether the class says the failure is permanent (5).
    pub fn is_permanent(self) -> bool {
        self.class == 5
    }
}

/// The first SMTP reply code (2xx, 4xx, 5xx with a valid second digit) in free text that stands
/// alone as a word, e.g. `550` in `550 5.1.1 User unknown` or `said: 550-Mailbox`.
pub fn find_reply_code(text: &str) -> Option<u16> {
    let b = text.as_bytes();
    let mut i = 0;
    while i + 3 <= b.len() {
        // (only a 2, 4 or 5 can start a reply code: memchr skips to the next one)
        match memchr::memchr3(b'2', b'4', b'5', &b[i..=b.len() - 3]) {
            Some(k) => i += k,
            None => break,
        }
        if reply_code_at(b, i) {
            return Some(num(&b[i..i + 3]));
        }
        i += 1;
    }
    None
}

/// Whether a reply code starts at `b[i]` (a 2, 4 or 5 with room for three digits).
fn reply_code_at(b: &[u8], i: usize) -> bool {
    (i == 0
        || !(b[i - 1].is_ascii_alphanumeric()
            || matches!(b[i - 1], b'.' | b'-' | b':' | b'/' | b'#' | b'=' | b'+')))
        && b[i + 1].is_ascii_digit()
        && b[i + 2].is_ascii_digit()
        && b[i + 1] <= b'5'
        // `550-5.1.1` and `550 5.1.1` are replies; `200 OK` is too. A number followed by a
        // dot-free word is accepted; dates like `2014` are excluded by the 3 digits rule (the
        // fourth char must not be a digit).
        && (matches!(b.get(i + 3), Some(b' ' | b'-' | b'\t' | b'\n' | b'\r')) || i + 3 == b.len())
}

/// What an enhanced status code alone says about the reason, when it is specific enough.
/// Generic codes (`X.0.0`, `5.7.1`, `5.5.0`, ...) return `None` so that the text decides.
pub fn reason_from_status(st: EnhancedStatus) -> Option<BounceReason> {
    use BounceReason::*;
    let r = match (st.class, st.subject, st.detail) {
        (2, _, _) => Delivered,
        (_, 1, 1) => UserUnknown,
        (_, 1, 2) => HostUnknown,
        (_, 1, 4) => UserUnknown,
        (_, 1, 6) => HasMoved,
        (_, 1, 7) | (_, 1, 8) => Rejected,
        (_, 2, 2) => MailboxFull,
        (_, 2, 3) => ExceedLimit,
        (_, 3, 1) => SystemFull,
        (_, 3, 2) => NotAccept,
        (_, 3, 4) => MesgTooBig,
        (_, 3, 5) => SystemError,
        (_, 4, 3) => SystemError,
        (_, 4, 5) => SystemFull,
        (_, 4, 6) => NetworkError,
        (_, 4, 7) => Expired,
        (_, 5, 3) => ExceedLimit,
        (_, 5, 4) => SyntaxError,
        (_, 6, _) => ContentError,
        (_, 7, 13) => Suspend,
        (_, 7, 20..=24) | (_, 7, 26) => AuthFailure,
        (_, 7, 25) => RequirePtr,
        (_, 7, 27) => NotAccept,
        (_, 7, 509) | (_, 7, 510) => AuthFailure,
        (_, 7, 606..=609) => Blocked,
        (_, 7, 650) => BadReputation,
        (_, 7, 6) | (_, 7, 7) | (_, 7, 8) | (_, 7, 10) | (_, 7, 11) => SecurityError,
        (_, 7, 515) => SecurityError,
        (_, 7, 9) => PolicyViolation,
        _ => return None,
    };
    Some(r)
}

/// A fallback from a status that [`reason_from_status`] left open, used after the text found
/// nothing.
pub fn fallback_from_status(st: EnhancedStatus) -> Option<BounceReason> {
    use BounceReason::*;
    let r = match (st.class, st.subject, st.detail) {
        (_, 1, 10) => UserUnknown,
        (_, 1, 3) => UserUnknown,
        (_, 1, 0) => UserUnknown,
        (_, 2, 0) => Filtered,
        (_, 2, 1) => Suspend,
        (_, 2, 4) => SystemError,
        (_, 3, _) => SystemError,
        (_, 4, 1) | (_, 4, 2) => NetworkError,
        (_, 4, 4) => HostUnknown,
        (_, 4, _) => NetworkError,
        (_, 5, _) => SyntaxError,
        (_, 7, 1) => SecurityError,
        (_, 7, _) => SecurityError,
        _ => return None,
    };
    Some(r)
}

/// A fallback from the SMTP reply code alone.
pub fn reason_from_reply(code: u16) -> Option<BounceReason> {
    use BounceReason::*;
    let r = match code {
        200..=299 => Delivered,
        421 => SystemError,
        450 | 451 => SystemError,
        452 => MailboxFull,
        552 => MailboxFull,
        553 => Rejected,
        554 => SystemError,
        501 | 555 => SyntaxError,
        521 | 556 => NotAccept,
        _ => return None,
    };
    Some(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The byte-by-byte scans the memchr versions replace.
    fn find_span_bytewise(text: &str) -> Option<(EnhancedStatus, std::ops::Range<usize>)> {
        let b = text.as_bytes();
        let mut i = 0;
        while i + 4 < b.len() {
            if !matches!(b[i], b'2' | b'4' | b'5') {
                i += 1;
                continue;
            }
            match EnhancedStatus::span_at(b, i) {
                Ok(found) => return Some(found),
                Err(next) => i = next,
            }
        }
        None
    }

    fn reply_code_bytewise(text: &str) -> Option<u16> {
        let b = text.as_bytes();
        let mut i = 0;
        while i + 3 <= b.len() {
            if matches!(b[i], b'2' | b'4' | b'5') && reply_code_at(b, i) {
                return Some(num(&b[i..i + 3]));
            }
            i += 1;
        }
        None
    }

    proptest::proptest! {
        #[test]
        fn code_scans_match_the_bytewise_ones(text in "[0-9245.a -]{0,24}") {
            proptest::prop_assert_eq!(EnhancedStatus::find_span(&text), find_span_bytewise(&text));
            proptest::prop_assert_eq!(find_reply_code(&text), reply_code_bytewise(&text));
        }
    }

    #[test]
    fn finds_codes() {
        assert_eq!(
            EnhancedStatus::find("550 5.1.1 <a@b>... User Unknown").map(|s| s.to_string()),
            Some("5.1.1".into())
        );
        assert_eq!(
            EnhancedStatus::find("(#5.5.0)").map(|s| s.to_string()),
            Some("5.5.0".into())
        );
        assert_eq!(EnhancedStatus::find("192.0.2.1 said"), None);
        assert_eq!(EnhancedStatus::find("v1.5.1.4"), None);
        assert_eq!(find_reply_code("said: 550 Unknown user"), Some(550));
        assert_eq!(find_reply_code("192.0.2.32 said: 550-5.1.1"), Some(550));
        assert_eq!(find_reply_code("no code 2014 here"), None);
        assert_eq!(
            BounceReason::parse("user_unknown"),
            Some(BounceReason::UserUnknown)
        );
    }
}
