//! The syslog line header (`TIMESTAMP HOST PROGRAM[PID]: MESSAGE`) and the MTA event vocabulary
//! the dialect parsers produce. Parsers are sans-IO: one line in, one event out, borrowing from
//! the line.

use super::time::{BsdStamp, parse_bsd, parse_iso};

/// When a line was logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stamp {
    /// Unix seconds (the line carried its year and zone).
    Unix(i64),
    /// A BSD stamp without a year (resolved by [`super::time::YearInference`]).
    Bsd(BsdStamp),
}

/// A parsed syslog header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header<'a> {
    /// The timestamp.
    pub stamp: Stamp,
    /// The raw timestamp bytes (a cache key).
    pub raw_stamp: &'a [u8],
    /// The program (`postfix/smtp`, `sendmail`, ...).
    pub program: &'a str,
    /// The process id (0 when absent).
    pub pid: u32,
    /// The message after `: `.
    pub message: &'a str,
}

/// Parse a syslog line header; `None` when the line has no recognisable header.
pub fn header(line: &str) -> Option<Header<'_>> {
    let mut b = line.as_bytes();
    let mut off = 0;
    // an optional `<PRI>` prefix
    if b.first() == Some(&b'<')
        && let Some(e) = b.iter().take(6).position(|&c| c == b'>')
    {
        off = e + 1;
        b = &b[off..];
    }
    let (stamp, used) = if let Some(s) = parse_bsd(b) {
        (Stamp::Bsd(s), 15)
    } else {
        let (t, n) = parse_iso(b)?;
        (Stamp::Unix(t), n)
    };
    let raw_stamp = &b[..used];
    let rest = line.get(off + used..)?.strip_prefix(' ')?;
    // host
    let sp = byte_pos(rest.as_bytes(), b' ')?;
    let rest = &rest[sp + 1..];
    // program[pid]: or program:
    let colon = byte_pos(rest.as_bytes(), b':')?;
    let tag = &rest[..colon];
    if tag.is_empty() || byte_pos(tag.as_bytes(), b' ').is_some() {
        return None;
    }
    let (program, pid) = match byte_pos(tag.as_bytes(), b'[') {
        Some(i) if tag.ends_with(']') => {
            (&tag[..i], tag[i + 1..tag.len() - 1].parse().unwrap_or(0))
        }
        _ => (tag, 0),
    };
    let message = rest[colon + 1..]
        .strip_prefix(' ')
        .unwrap_or(&rest[colon + 1..]);
    Some(Header {
        stamp,
        raw_stamp,
        program,
        pid,
        message,
    })
}

/// The final or intermediate state a delivery line reports for one recipient.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Delivered.
    Sent,
    /// Permanently failed.
    Bounced,
    /// Temporarily failed; will be retried.
    Deferred,
    /// Given up after the queue lifetime.
    Expired,
}

/// One delivery attempt for one recipient.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Delivery<'a> {
    /// Queue id.
    pub qid: &'a str,
    /// Recipient address.
    pub rcpt: &'a str,
    /// What happened.
    pub outcome: Outcome,
    /// The relay host name (without port and address), when one was contacted.
    pub relay_host: Option<&'a str>,
    /// Whether the relay had an IP address (a connection was made).
    pub connected: bool,
    /// Enhanced status code as logged (may be empty).
    pub dsn: &'a str,
    /// The server's reply or the MTA's explanation.
    pub text: &'a str,
    /// Seconds from arrival to this attempt, when logged.
    pub delay: Option<f64>,
    /// Process id of the delivery agent (pairs with TLS lines).
    pub pid: u32,
    /// TLS used, when the line itself says (Exim `X=`).
    pub tls: Option<bool>,
    /// Delivered (or tried) to a mailbox on this machine: Exim a local transport, Sendmail
    /// mailer `local`, `*file*` or `prog`, OpenSMTPD `mda`. Postfix says where a delivery went
    /// with [`Event::Routed`] instead (false here).
    pub mailbox: bool,
}

/// Where a delivery went (Postfix: from the delivery agent, the relay and the reply).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dest {
    /// Another host: SMTP/LMTP relay to a remote server (or a failure before one answered).
    Remote,
    /// A mailbox here: local(8), virtual(8), pipe(8), LMTP to a mailbox store.
    Mailbox,
    /// A content filter on this machine (amavis, rspamd proxy, a second instance) that hands
    /// the message back under a new queue id.
    Filter,
}

/// How a Postfix message arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source<'a> {
    /// `pickup`: sendmail(1) / postdrop on this machine.
    Pickup,
    /// smtpd `client=`.
    Client {
        /// `host[addr]` as logged.
        client: &'a str,
        /// `sasl_username=` on the line: an authenticated submission.
        sasl: bool,
        /// Logged by an smtpd whose service name is a port (`postfix/10025/smtpd`): the
        /// re-injection listener of a content filter.
        filter_service: bool,
    },
}

/// The severity of a daemon message (pflogsumm's warnings, fatal errors, panics, master
/// daemon messages, SMTP delivery failures).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// `warning:`.
    Warning,
    /// `error:`.
    Error,
    /// `fatal:`.
    Fatal,
    /// `panic:`.
    Panic,
    /// A message of the master daemon (start, reload, stop).
    Master,
    /// An SMTP client failure before any reply (`connect to ...: Connection timed out`, `lost
    /// connection with ...`).
    SmtpFailure,
}

/// What one MTA log line says.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Event<'a> {
    /// A sender handed a message in (Postfix smtpd `client=` or `pickup`).
    Injected {
        /// Queue id.
        qid: &'a str,
        /// Handed in from the loopback interface: a content filter (amavis, ...) returning a
        /// message that was already counted, not a new message.
        reinjected: bool,
    },
    /// The envelope sender of a queued message (Postfix qmgr, Exim `<=`, Sendmail `from=`).
    From {
        /// Queue id.
        qid: &'a str,
        /// Envelope sender (empty for `<>`).
        sender: &'a str,
        /// Size in bytes.
        size: Option<u64>,
        /// Number of recipients, when logged.
        nrcpt: Option<u32>,
        /// The line is itself the injection (Exim, Sendmail).
        injected: bool,
        /// For a bounce notice: the queue id of the message it reports on.
        ndr_of: Option<&'a str>,
        /// Handed in by an SMTP client that is neither this machine nor authenticated (Exim
        /// `H=` without `A=`, Sendmail `relay=` a remote address, OpenSMTPD a session not from
        /// `local`): mail received here, or relayed out for a trusted client, told by where its
        /// first delivery goes. Postfix: false (its [`Event::Arrived`] tells).
        remote: bool,
    },
    /// A delivery attempt.
    Delivery(Delivery<'a>),
    /// A bounce notice `ndr` was generated for message `orig`.
    Ndr {
        /// The original message.
        orig: &'a str,
        /// The notice.
        ndr: &'a str,
    },
    /// The whole message expired (Postfix qmgr `status=expired`).
    Expired {
        /// Queue id.
        qid: &'a str,
    },
    /// The message left the queue.
    Removed {
        /// Queue id.
        qid: &'a str,
    },
    /// A TLS session was set up by delivery process `pid` to `host`.
    Tls {
        /// Process id.
        pid: u32,
        /// Host name.
        host: &'a str,
    },
    /// Sendmail's per-recipient reply line (`QID: <rcpt>... 550 ...`).
    ReplyText {
        /// Queue id.
        qid: &'a str,
        /// Recipient.
        rcpt: &'a str,
        /// The reply.
        text: &'a str,
    },
    /// A Postfix message arrived (smtpd `client=` or `pickup`), with where from.
    Arrived {
        /// Queue id.
        qid: &'a str,
        /// Where from.
        source: Source<'a>,
    },
    /// The Message-ID header of a queued message (Postfix cleanup).
    MessageId {
        /// Queue id.
        qid: &'a str,
        /// The id, without angle brackets.
        id: &'a str,
    },
    /// A delivery attempt whose destination the dialect tells apart.
    Routed(Delivery<'a>, Dest),
    /// An inbound reject (or reject warning) with its stage and reason.
    Rejected {
        /// `postscreen`, `CONNECT`, `HELO`, `MAIL`, `RCPT`, `DATA`, `END-OF-MESSAGE`, `header`,
        /// `body`, `milter`, ...
        stage: &'a str,
        /// `rbl`, `helo`, `sender`, `unknown_recipient`, `relay`, `greylisting`, `client`,
        /// `content`, `policy`.
        reason: &'static str,
        /// `reject_warning`: logged, not enforced.
        warn: bool,
        /// The reply text.
        text: &'a str,
    },
    /// A message held, discarded, redirected or filtered by a header/body/access rule.
    Diverted {
        /// Queue id.
        qid: &'a str,
        /// `hold`, `discard`, `redirect`, `filter`.
        action: &'static str,
        /// The rule's text.
        text: &'a str,
    },
    /// A daemon message of some severity.
    Notice {
        /// Severity.
        level: Level,
        /// The daemon (`smtpd`, `master`, ...).
        daemon: &'a str,
        /// The text after the severity word.
        text: &'a str,
    },
    /// An smtpd connection opened (`connect from host[addr]`).
    Connect {
        /// Process id.
        pid: u32,
        /// `host[addr]`.
        client: &'a str,
    },
    /// An smtpd connection closed.
    Disconnect {
        /// Process id.
        pid: u32,
    },
    /// An inbound reject by this server (Exim, Sendmail, OpenSMTPD; Postfix logs
    /// [`Event::Rejected`]).
    Reject {
        /// The SMTP stage: `CONNECT`, `MAIL`, `RCPT`, `DATA`, or `SMTP` when not said.
        stage: &'static str,
        /// As [`Event::Rejected`]'s, from the stage and the reply text.
        reason: &'static str,
    },
    /// A warning.
    Warning,
    /// A line of a known program that carries nothing the report uses.
    Ignored,
    /// A line that should have been understood but was not.
    Unparsed,
}

/// Whether `s` looks like a queue id: 5-32 ASCII alphanumerics or `-`.
pub(crate) fn is_qid(s: &str) -> bool {
    (5..=32).contains(&s.len())
        && s.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-')
        && s.bytes().any(|c| c.is_ascii_digit())
}

/// Position of the first `c` in `b`: a plain loop over the first bytes (the usual distance in a
/// log line is short, shorter than a vector search takes to set up), memchr beyond.
#[inline]
pub(crate) fn byte_pos(b: &[u8], c: u8) -> Option<usize> {
    const NEAR: usize = 24;
    let near = &b[..b.len().min(NEAR)];
    match near.iter().position(|&x| x == c) {
        Some(i) => Some(i),
        None if b.len() > NEAR => memchr::memchr(c, &b[NEAR..]).map(|i| i + NEAR),
        None => None,
    }
}

/// [`find`] with a searcher built once (the needles of every delivery line).
pub(crate) fn find_with(hay: &str, f: &memchr::memmem::Finder<'_>) -> Option<usize> {
    f.find(hay.as_bytes())
}

/// [`field`] with a searcher built once for `key`.
pub(crate) fn field_with<'a>(
    s: &'a str,
    key: &str,
    f: &memchr::memmem::Finder<'_>,
) -> Option<&'a str> {
    field_by(s, key.len(), |hay| f.find(hay.as_bytes()))
}

/// Position of `needle` in `hay`, for the short needles of log parsing: memchr on the needle's
/// rarest byte (punctuation before digits and capitals before lower case and space), then a
/// comparison; cheaper than building a substring searcher per call.
pub(crate) fn find(hay: &str, needle: &str) -> Option<usize> {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    if n.is_empty() || n.len() > h.len() {
        return if n.is_empty() { Some(0) } else { None };
    }
    let rank = |b: u8| match b {
        b' ' => 4,
        b'a'..=b'z' => 3,
        b'A'..=b'Z' | b'0'..=b'9' => 2,
        _ => 1,
    };
    let k = (0..n.len()).min_by_key(|&i| rank(n[i])).unwrap_or(0);
    let mut from = k;
    let last = h.len() - n.len() + k;
    while from <= last {
        let i = from + memchr::memchr(n[k], &h[from..=last])?;
        if &h[i - k..i - k + n.len()] == n {
            return Some(i - k);
        }
        from = i + 1;
    }
    None
}

/// The value of `key` (e.g. `size=`) in a `k=v, k=v` list: up to the next `,` (or end).
pub(crate) fn field<'a>(s: &'a str, key: &str) -> Option<&'a str> {
    field_by(s, key.len(), |hay| find(hay, key))
}

/// The value after the first occurrence of a key (found by `find`, `key_len` bytes long) that
/// starts the text or follows a space or comma, up to the next `,` (or end).
#[inline]
fn field_by(s: &str, key_len: usize, find: impl Fn(&str) -> Option<usize>) -> Option<&str> {
    let mut from = 0;
    while let Some(i) = find(&s[from..]) {
        let at = from + i;
        if at == 0 || matches!(s.as_bytes()[at - 1], b' ' | b',') {
            let v = &s[at + key_len..];
            let end = memchr::memchr(b',', v.as_bytes()).unwrap_or(v.len());
            return Some(&v[..end]);
        }
        from = at + key_len;
    }
    None
}

/// Whether a relay or client (`host[addr]:port`, `host[addr]`, `host`) is this machine.
pub(crate) fn is_loopback(s: &str) -> bool {
    let b = s.as_bytes();
    let addr = match (memchr::memchr(b'[', b), memchr::memchr(b']', b)) {
        (Some(a), Some(b)) if a < b => &s[a + 1..b],
        _ => s,
    };
    addr.starts_with("127.") || addr == "::1" || addr == "localhost" || s.starts_with("localhost[")
}

/// `<addr>` -> `addr`.
pub(crate) fn angle(s: &str) -> &str {
    s.trim()
        .strip_prefix('<')
        .and_then(|x| x.strip_suffix('>'))
        .unwrap_or(s.trim())
}

/// The reason of an inbound reject by Exim, Sendmail or OpenSMTPD, from its stage and reply
/// text: their wordings for an unknown recipient and a relay refusal, else as Postfix's.
pub(crate) fn reject_reason(stage: &str, text: &str) -> &'static str {
    let has = |n: &str| {
        text.as_bytes()
            .windows(n.len())
            .any(|w| w.eq_ignore_ascii_case(n.as_bytes()))
    };
    if has("relay not permitted") || has("relaying denied") || has("invalid recipient") {
        // OpenSMTPD: "550 Invalid recipient" when no rule accepts the recipient
        "relay"
    } else if stage == "RCPT"
        && (has("unrouteable address")
            || has("user unknown")
            || has("unknown user")
            || has("no such user")
            || has("mailing list expansion problem"))
    {
        // OpenSMTPD: "524 5.2.4 Mailing list expansion problem" when a local user is unknown
        "unknown_recipient"
    } else {
        super::postfix::reject_reason(stage, text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers() {
        let h = header("Mar 11 00:06:59 mta1 postfix/qmgr[2206]: AC26A10B3C: removed").unwrap();
        assert_eq!(h.program, "postfix/qmgr");
        assert_eq!(h.pid, 2206);
        assert_eq!(h.message, "AC26A10B3C: removed");
        let h = header("2024-03-11T00:17:46.274982+00:00 mta1 postfix/smtpd[5]: connect").unwrap();
        assert_eq!(h.stamp, Stamp::Unix(1_710_116_266));
        assert!(header("garbage").is_none());
        assert!(header("Mar 11 00:06:59 mta1").is_none());
        assert_eq!(field("a=1, size=20, nrcpt=3 (x)", "size="), Some("20"));
        assert_eq!(field("xsize=1, size=2", "size="), Some("2"));
        let f = memchr::memmem::Finder::new("size=");
        for s in [
            "a=1, size=20, nrcpt=3 (x)",
            "xsize=1, size=2",
            "xsize=1",
            "size=",
            "",
        ] {
            assert_eq!(field_with(s, "size=", &f), field(s, "size="), "{s}");
            assert_eq!(find_with(s, &f), find(s, "size="), "{s}");
        }
        assert_eq!(byte_pos(b"abc", b'c'), Some(2));
        assert_eq!(byte_pos(&[b'x'; 40], b'y'), None);
        let mut long = vec![b'x'; 40];
        long[30] = b'y';
        assert_eq!(byte_pos(&long, b'y'), Some(30));
        assert!(is_qid("AC26A10B3C") && !is_qid("NOQUEUE") && !is_qid("ab"));
        assert_eq!(find("abcabd", "abd"), Some(3));
        assert_eq!(find("ab", "abc"), None);
        assert_eq!(find("xab", "ab"), Some(1));
    }
}
