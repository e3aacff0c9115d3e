//! From an SMTP reply to a reason (docs/architecture.md, "From an SMTP reply to a verdict"):
//! evidence first (the scheduler's differential evidence, `smtp/differential.rs`), then codes,
//! then text. A temporary reply (4yz, enhanced class 4) is never `undeliverable`; a permanent
//! one (5yz, class 5) is never `tempfail`: it is about the recipient (`undeliverable`), about us
//! (`sender_blocked`), or says not whom (`refused_unclear`). The text vocabulary is
//! `data/smtp_reply_text.tsv`.

use super::reply::Reply;
use super::session::RcptResult;
use crate::model::Reason;
use crate::status::EnhancedStatus;

/// Why a connection produced no reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ConnFailure {
    /// No TCP connection (refused, unreachable).
    Connect,
    /// No reply in time.
    Timeout,
    /// The server closed the connection.
    Closed,
    /// The TLS handshake after STARTTLS failed.
    TlsFailed,
}

/// A class of reply text from `data/smtp_reply_text.tsv`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum TextClass {
    /// Us: our IP is on a block list.
    Blocklist = 0,
    /// Us: our IP, reverse DNS, HELO, reputation or authentication.
    Client = 1,
    /// Us: our `MAIL FROM` address, sender verification.
    Sender = 2,
    /// Us: our sending rate.
    Rate = 3,
    /// Greylisting.
    Greylist = 4,
    /// Too many recipients in this transaction.
    TooMany = 5,
    /// The recipient's mailbox is disabled, suspended, inactive, locked, expired, frozen...
    Disabled = 6,
    /// The recipient's mailbox is over quota.
    Full = 7,
    /// The recipient's mailbox has moved.
    Moved = 8,
    /// The recipient's mailbox does not exist.
    NoMailbox = 9,
    /// The recipient's domain is unknown to the server.
    Domain = 10,
    /// The server does not accept mail for the domain (relay denied).
    Relay = 11,
    /// A policy refusal naming the recipient.
    Recipient = 12,
}

impl TextClass {
    /// Every class with its name in the data file.
    pub(crate) const ALL: [(TextClass, &'static str); 13] = [
        (TextClass::Blocklist, "blocklist"),
        (TextClass::Client, "client"),
        (TextClass::Sender, "sender"),
        (TextClass::Rate, "rate"),
        (TextClass::Greylist, "greylist"),
        (TextClass::TooMany, "too_many"),
        (TextClass::Disabled, "disabled"),
        (TextClass::Full, "full"),
        (TextClass::Moved, "moved"),
        (TextClass::NoMailbox, "no_mailbox"),
        (TextClass::Domain, "domain"),
        (TextClass::Relay, "relay"),
        (TextClass::Recipient, "recipient"),
    ];

    fn parse(s: &str) -> Option<TextClass> {
        Self::ALL.iter().find(|(_, n)| *n == s).map(|(c, _)| *c)
    }
}

/// One line of `data/smtp_reply_text.tsv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Phrase {
    /// The class.
    pub(crate) class: TextClass,
    /// The phrase, lowercased.
    pub(crate) phrase: String,
    /// Where the phrase comes from.
    pub(crate) source: String,
}

/// Parse the vocabulary: `class<TAB>phrase<TAB>source` lines, `#` comments. The error names the
/// first bad line.
pub(crate) fn parse_vocabulary(data: &str) -> Result<Vec<Phrase>, String> {
    let mut out = Vec::new();
    for (i, line) in data.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let bad = |why: &str| format!("data/smtp_reply_text.tsv line {}: {why}: {line:?}", i + 1);
        let mut f = line.split('\t');
        let (Some(class), Some(phrase), Some(source), None) =
            (f.next(), f.next(), f.next(), f.next())
        else {
            return Err(bad("want class<TAB>phrase<TAB>source"));
        };
        let class = TextClass::parse(class).ok_or_else(|| bad("unknown class"))?;
        let phrase = phrase.trim();
        if phrase.is_empty() || source.trim().is_empty() {
            return Err(bad("empty phrase or source"));
        }
        if phrase != normalise(phrase) {
            return Err(bad("a phrase must be lowercase with single spaces"));
        }
        out.push(Phrase {
            class,
            phrase: phrase.to_owned(),
            source: source.trim().to_owned(),
        });
    }
    Ok(out)
}

/// Lowercase (Unicode) with runs of white space squeezed to one space.
fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for w in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(w.chars().flat_map(char::to_lowercase));
    }
    out
}

/// `text` with every address (`local@domain`, up to white space, brackets, quotes and the
/// punctuation around addresses in replies; with its angle brackets when it has them) replaced
/// by a space, so that the words around it join: Courier's `User <bob@d.test> unknown` reads
/// `User unknown`.
fn without_addresses(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains('@') {
        return std::borrow::Cow::Borrowed(text);
    }
    let delim = |c: char| c.is_whitespace() || "<>()[]{},;:\"'".contains(c);
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('@') {
        let mut start = rest[..at].rfind(delim).map_or(0, |i| {
            i + rest[i..].chars().next().map_or(1, char::len_utf8)
        });
        let mut end = rest[at..].find(delim).map_or(rest.len(), |i| at + i);
        if rest[..start].ends_with('<') && rest[end..].starts_with('>') {
            start -= 1;
            end += 1;
        }
        out.push_str(&rest[..start]);
        out.push(' ');
        rest = &rest[end..];
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

struct TextTable {
    matcher: aho_corasick::AhoCorasick,
    /// Per pattern: its class, and whether it starts / ends with a letter or digit (then the
    /// match must sit at a word boundary there).
    info: Vec<(TextClass, bool, bool)>,
}

fn table() -> &'static TextTable {
    static T: std::sync::OnceLock<TextTable> = std::sync::OnceLock::new();
    T.get_or_init(|| {
        let phrases = parse_vocabulary(include_str!("../../data/smtp_reply_text.tsv"))
            .expect("data/smtp_reply_text.tsv parses (checked by a unit test)");
        let matcher = aho_corasick::AhoCorasick::new(phrases.iter().map(|p| p.phrase.as_str()))
            .expect("reply text patterns");
        let info = phrases
            .iter()
            .map(|p| {
                let alnum = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
                (
                    p.class,
                    alnum(p.phrase.chars().next()),
                    alnum(p.phrase.chars().next_back()),
                )
            })
            .collect();
        TextTable { matcher, info }
    })
}

/// The set of text classes found in a reply text (a bit per [`TextClass`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct TextClasses(u16);

impl TextClasses {
    /// Classify `text`: the server's words, not the addresses it echoes (a recipient called
    /// `nosuchuser@` or `blacklist@` says nothing about why it was refused).
    pub(crate) fn of(text: &str) -> TextClasses {
        let t = table();
        let norm = normalise(&without_addresses(text));
        let mut bits = 0u16;
        for m in t.matcher.find_overlapping_iter(&norm) {
            let (class, start_word, end_word) = t.info[m.pattern().as_usize()];
            let before = norm[..m.start()].chars().next_back();
            let after = norm[m.end()..].chars().next();
            if (start_word && before.is_some_and(char::is_alphanumeric))
                || (end_word && after.is_some_and(char::is_alphanumeric))
            {
                continue;
            }
            bits |= 1 << class as u8;
        }
        TextClasses(bits)
    }

    /// Whether the text has the class.
    pub(crate) fn has(self, c: TextClass) -> bool {
        self.0 & (1 << c as u8) != 0
    }

    /// The text says the refusal is about us (block list, client, sender, rate).
    fn about_us(self) -> bool {
        use TextClass::*;
        [Blocklist, Client, Sender, Rate]
            .iter()
            .any(|&c| self.has(c))
    }

    /// The reason a phrase about the recipient names, most specific first: a disabled
    /// mailbox is not "not found", a full one not "unavailable". The weak `recipient` class
    /// (a policy refusal naming the recipient) is left to [`decide`].
    fn recipient_reason(self) -> Option<Reason> {
        use TextClass::*;
        Some(if self.has(Disabled) {
            Reason::MailboxDisabled
        } else if self.has(Full) {
            Reason::MailboxFull
        } else if self.has(Moved) {
            Reason::MailboxMoved
        } else if self.has(NoMailbox) {
            Reason::MailboxNotFound
        } else if self.has(Domain) || self.has(Relay) {
            Reason::RelayDenied
        } else {
            return None;
        })
    }
}

/// A temporary reply: 4yz, or an enhanced code of class 4.
pub(crate) fn is_temporary(code: u16, enhanced: Option<EnhancedStatus>) -> bool {
    (400..500).contains(&code) || enhanced.is_some_and(|e| e.class == 4)
}

/// A permanent reply: 5yz, or an enhanced code of class 5.
pub(crate) fn is_permanent(code: u16, enhanced: Option<EnhancedStatus>) -> bool {
    (500..600).contains(&code) || enhanced.is_some_and(|e| e.class == 5)
}

/// Enhanced codes that name us: X.1.7 / X.1.8 (the sender's address, RFC 3463) and X.7.23-27
/// (SPF, reverse DNS, authentication, the sender's null MX: RFC 7372, RFC 7505).
fn names_us(e: EnhancedStatus) -> bool {
    matches!((e.subject, e.detail), (1, 7) | (1, 8) | (7, 23..=27))
}

/// What an RFC 3463 address (X.1.x) or mailbox (X.2.x) code says of the recipient, when the
/// text does not say more.
fn recipient_code_reason(e: EnhancedStatus) -> Option<Reason> {
    Some(match (e.subject, e.detail) {
        // other address status, bad mailbox, bad syntax, ambiguous
        (1, 0) | (1, 1) | (1, 3) | (1, 4) => Reason::MailboxNotFound,
        // bad destination system: the server does not take mail for the domain
        (1, 2) => Reason::RelayDenied,
        (1, 6) => Reason::MailboxMoved,
        (1, 10) => Reason::NullMx,
        // "the mailbox exists, but something about it ..." (X.2.0), disabled (X.2.1)
        (2, 0) | (2, 1) => Reason::MailboxDisabled,
        (2, 2) => Reason::MailboxFull,
        _ => return None,
    })
}

/// The reason for one `RCPT TO` reply (the differential evidence is applied later, by the
/// scheduler, when the whole domain has answered).
pub(crate) fn rcpt_reason(r: &Reply) -> Reason {
    decide(r.code, r.enhanced, &r.text)
}

/// Codes, then text (docs/architecture.md, "From an SMTP reply to a verdict").
pub(crate) fn decide(code: u16, enhanced: Option<EnhancedStatus>, text: &str) -> Reason {
    decide_classified(
        code,
        enhanced,
        TextClasses::of(text),
        EnhancedStatus::find(text),
    )
}

/// [`decide`] with the text already classified, and the first enhanced code found in it.
fn decide_classified(
    code: u16,
    enhanced: Option<EnhancedStatus>,
    t: TextClasses,
    in_text: Option<EnhancedStatus>,
) -> Reason {
    if (200..300).contains(&code) && enhanced.is_none_or(|e| e.class == 2) {
        return Reason::Accepted;
    }
    // qmail and others put the enhanced code in the text ("(#5.1.1)"): used when the line has
    // none and the class agrees with the reply code.
    let enhanced = enhanced.or_else(|| in_text.filter(|e| u16::from(e.class) == code / 100));
    let temporary = is_temporary(code, enhanced);
    let permanent = is_permanent(code, enhanced);
    let about_us = t.about_us() || enhanced.is_some_and(names_us);
    let full = t.has(TextClass::Full) || enhanced.is_some_and(|e| (e.subject, e.detail) == (2, 2));
    if temporary && permanent {
        // Codes that contradict each other: neither a temporary nor a permanent verdict.
        return if about_us {
            Reason::SenderBlocked
        } else if full {
            Reason::MailboxFull
        } else {
            Reason::RefusedUnclear
        };
    }
    if temporary {
        return if t.has(TextClass::Greylist) {
            Reason::Greylisted
        } else if about_us {
            Reason::SenderBlocked
        } else if full {
            Reason::MailboxFull
        } else if code == 421 {
            Reason::Unavailable
        } else {
            Reason::Tempfail
        };
    }
    if !permanent {
        // Neither 2yz, 4yz nor 5yz (1yz, 3yz): not an answer about anyone.
        return Reason::RefusedUnclear;
    }
    // Permanent. About us first: a refusal that names us says nothing about the mailbox.
    if about_us {
        return Reason::SenderBlocked;
    }
    if let Some(r) = t.recipient_reason() {
        return r;
    }
    if let Some(r) = enhanced.and_then(recipient_code_reason) {
        return r;
    }
    if t.has(TextClass::Recipient) {
        return Reason::PolicyRejected;
    }
    if enhanced.is_some_and(|e| e.subject != 0) {
        // X.3-X.7 (mail system, network, protocol, content, policy) with nothing naming whom.
        return Reason::RefusedUnclear;
    }
    match code {
        // RFC 5321: "user not local", "exceeded storage allocation", "mailbox name not allowed"
        551 => Reason::MailboxMoved,
        552 => Reason::MailboxFull,
        553 => Reason::MailboxNotFound,
        // 550 ("mailbox unavailable ... or policy"), 554 and the rest say not whom.
        _ => Reason::RefusedUnclear,
    }
}

/// The reason for a refusal before `RCPT TO` (banner, greeting, `MAIL FROM`): never about the
/// mailbox. Permanent: us. Temporary: greylisting, us when the text says so, else 421
/// `unavailable` or `tempfail`.
pub(crate) fn session_reason(r: &Reply) -> Reason {
    let t = TextClasses::of(&r.text);
    if is_permanent(r.code, r.enhanced) {
        Reason::SenderBlocked
    } else if t.has(TextClass::Greylist) {
        Reason::Greylisted
    } else if t.about_us() || r.enhanced.is_some_and(names_us) {
        Reason::SenderBlocked
    } else if r.code == 421 {
        Reason::Unavailable
    } else {
        Reason::Tempfail
    }
}
/// The reason for one recipient's session result.
pub(crate) fn result_reason(r: &RcptResult) -> Reason {
    match r {
        RcptResult::Answered(reply) => rcpt_reason(reply),
        RcptResult::SessionRefused(reply) => session_reason(reply),
        RcptResult::BadPath(_) => Reason::NotChecked,
    }
}

/// The reason when the connection itself failed.
pub(crate) fn connection_reason(f: ConnFailure) -> Reason {
    match f {
        ConnFailure::Connect => Reason::ConnectFailed,
        ConnFailure::Timeout => Reason::SmtpTimeout,
        ConnFailure::Closed | ConnFailure::TlsFailed => Reason::ConnectionClosed,
    }
}

#[cfg(test)]
mod tests {
    use super::super::reply::parse_one;
    use super::*;
    use crate::model::Verdict;

    fn reply(s: &str) -> Reply {
        parse_one(s)
    }

    fn r(s: &str) -> Reason {
        rcpt_reason(&reply(&format!("{s}\r\n")))
    }

    fn vocabulary() -> Vec<Phrase> {
        parse_vocabulary(include_str!("../../data/smtp_reply_text.tsv")).unwrap()
    }

    #[test]
    fn every_vocabulary_line_parses_and_is_found_as_its_class() {
        let v = vocabulary();
        assert!(v.len() > 300, "{}", v.len());
        for p in &v {
            let c = TextClasses::of(&format!("550 {} here", p.phrase.to_uppercase()));
            assert!(c.has(p.class), "{:?} not found as {:?}", p.phrase, p.class);
        }
        // every class has phrases
        for (c, name) in TextClass::ALL {
            assert!(v.iter().any(|p| p.class == c), "no phrase for {name}");
        }
        assert!(parse_vocabulary("nosuch\tx\ty\n").is_err());
        assert!(parse_vocabulary("full\tx\n").is_err());
        assert!(parse_vocabulary("full\tMailbox Full\tx\n").is_err());
        assert!(parse_vocabulary("full\tmailbox full\tRFC 3463\n").is_ok());
    }

    #[test]
    fn echoed_addresses_are_not_words() {
        assert_eq!(
            without_addresses("Mailing list expansion problem: <nosuchuser@x.test>"),
            "Mailing list expansion problem:  "
        );
        assert_eq!(
            without_addresses("<full@x.test>... User unknown; é@ü.test"),
            " ... User unknown;  "
        );
        assert_eq!(without_addresses("<a@b"), "< ");
        // Courier words an unknown user around the address
        assert_eq!(
            r("550 User <nosuchuser@courier.test> unknown"),
            Reason::MailboxNotFound
        );
        assert_eq!(without_addresses("a@b"), " ");
        assert_eq!(without_addresses("no address"), "no address");
        // a recipient named like a phrase
        assert_eq!(
            r("550 5.1.1 <blacklist@x.test>: Recipient address rejected: User unknown"),
            Reason::MailboxNotFound
        );
        assert_eq!(
            r("524 5.2.4 Mailing list expansion problem: <nosuchuser@x.test>"),
            Reason::RefusedUnclear
        );
        assert_eq!(
            r("550 Verification failed for <verify@mailsift.test> (sender verify failed)"),
            Reason::SenderBlocked
        );
    }

    #[test]
    fn phrases_match_at_word_boundaries() {
        assert!(TextClasses::of("listed in RBL").has(TextClass::Blocklist));
        assert!(!TextClasses::of("Herbly unknown").has(TextClass::Blocklist));
        assert!(TextClasses::of("zen.spamhaus.org").has(TextClass::Blocklist));
        assert!(TextClasses::of("Greylisted,  please").has(TextClass::Greylist));
        assert!(TextClasses::of("POSTFACH   VOLL").has(TextClass::Full));
        assert!(TextClasses::of("BOÎTE PLEINE").has(TextClass::Full));
    }

    #[test]
    fn codes_then_text() {
        use Reason::*;
        for (s, want) in [
            ("250 2.1.5 Ok", Accepted),
            (
                "550 5.1.1 <x@y>: Recipient address rejected: User unknown",
                MailboxNotFound,
            ),
            ("550 5.2.1 disabled", MailboxDisabled),
            ("551 5.1.6 moved", MailboxMoved),
            ("452 4.2.2 over quota", MailboxFull),
            ("552 5.2.2 full", MailboxFull),
            ("554 5.7.1 <x@y>: Relay access denied", RelayDenied),
            (
                "450 4.2.0 <x@y>: Recipient address rejected: Greylisted",
                Greylisted,
            ),
            (
                "550 5.7.1 Service unavailable; client host blocked using Spamhaus",
                SenderBlocked,
            ),
            (
                "554 5.7.1 <b@ok.test>: Recipient address rejected: Rejected by local policy",
                PolicyRejected,
            ),
            // "try again later" alone is not greylisting
            (
                "451 4.3.0 <t@ok.test>: Temporary local problem, try again later",
                Tempfail,
            ),
            (
                "451 4.7.1 <g@x>: Recipient address rejected: Greylisted, please try again",
                Greylisted,
            ),
            (
                "550 Requested action not taken: mailbox unavailable",
                MailboxNotFound,
            ),
            // text names the reason the code leaves open or gets wrong
            ("550 5.1.1 <x@y>: mailbox is disabled", MailboxDisabled),
            (
                "552 1 Requested mail action aborted, mailbox not found",
                MailboxNotFound,
            ),
            ("550 5.7.1 No such user!", MailboxNotFound),
            (
                "550 5.4.1 Recipient address rejected: Access denied. AS(201806281)",
                MailboxNotFound,
            ),
            // subjects decide when the text is silent
            ("550 5.1.1 go away", MailboxNotFound),
            ("550 5.2.0 nope", MailboxDisabled),
            ("550 5.1.2 nope", RelayDenied),
            ("550 5.1.10 nope", NullMx),
            ("553 5.1.8 nope", SenderBlocked),
            ("550 5.1.7 nope", SenderBlocked),
            ("550 5.7.25 nope", SenderBlocked),
            // nothing says whom
            ("550 Access denied", RefusedUnclear),
            ("554 5.7.1 Access denied", RefusedUnclear),
            ("554 Transaction failed", RefusedUnclear),
            ("550 5.0.0 nope", RefusedUnclear),
            ("550 5.7.9 policy", RefusedUnclear),
            // OpenSMTPD's expansion failure (an unknown virtual user, among others)
            (
                "524 5.2.4 Mailing list expansion problem: <x@y.test>",
                RefusedUnclear,
            ),
            // reply codes alone
            ("551 User not local", MailboxMoved),
            ("553 nope", MailboxNotFound),
            ("552 nope", MailboxFull),
            // qmail puts the code in the text
            ("550 bad (#5.1.1)", MailboxNotFound),
            // about us, whatever else the text says
            (
                "550-Verification failed for <v@m.test>\r\n550-Unrouteable address\r\n550 Sender verify failed",
                SenderBlocked,
            ),
            (
                "553 5.1.8 <v@m.test>: Sender address rejected: Domain not found",
                SenderBlocked,
            ),
            ("550 5.1.1 Sender address does not exist", SenderBlocked),
            (
                "511 sorry, can't find a valid MX for sender domain (#5.1.1 - chkuser)",
                SenderBlocked,
            ),
            (
                "450 4.7.1 Client host rejected: cannot find your hostname, [192.0.2.1]",
                SenderBlocked,
            ),
            (
                "421 4.7.0 Our system has detected an unusual rate of unsolicited mail",
                SenderBlocked,
            ),
            ("421 4.3.2 busy", Unavailable),
            // greylisting under any 4yz
            ("452 4.7.1 greylisted", Greylisted),
            ("421 greylisting in action", Greylisted),
            (
                "451 Internal resources are temporarily unavailable",
                Greylisted,
            ),
            // contradictory codes
            ("450 5.1.1 user unknown", RefusedUnclear),
            ("550 4.2.2 mailbox full", MailboxFull),
        ] {
            let got = r(s);
            assert_eq!(got, want, "{s}");
        }
    }

    /// Every reply code 4yz / 5yz, with enhanced codes of classes 4 and 5 over the subjects
    /// and details RFC 3463 and its successors define (and none), and texts from every class
    /// of the vocabulary: a temporary reply is never undeliverable, a permanent one never
    /// temporary.
    #[test]
    fn temporary_never_condemns_permanent_never_tempfails() {
        let v = vocabulary();
        let mut texts: Vec<String> = vec![String::new(), "ok".into(), "try again later".into()];
        for (c, _) in TextClass::ALL {
            let mut ps = v.iter().filter(|p| p.class == c);
            texts.extend(ps.next().map(|p| p.phrase.clone()));
            texts.extend(ps.next_back().map(|p| format!("<x@y>: {}", p.phrase)));
        }
        texts.push("recipient address rejected: user unknown; sender verify failed".into());
        texts.push("mailbox full, user unknown, account disabled, relay access denied".into());
        let mut enhanced = vec![None];
        for class in [4u8, 5] {
            for subject in 0..=7u16 {
                for detail in (0..=12u16).chain([23, 24, 25, 26, 27]) {
                    enhanced.push(Some(EnhancedStatus {
                        class,
                        subject,
                        detail,
                    }));
                }
            }
        }
        let classified: Vec<_> = texts
            .iter()
            .map(|t| (t, TextClasses::of(t), EnhancedStatus::find(t)))
            .collect();
        let mut n = 0;
        for code in (400..=499).chain(500..=599) {
            for &e in &enhanced {
                for &(text, t, in_text) in &classified {
                    check_with(code, e, text, decide_classified(code, e, t, in_text));
                    n += 1;
                }
            }
        }
        // and every phrase of the vocabulary under the common codes
        for p in &v {
            for code in [421, 450, 451, 452, 550, 551, 552, 553, 554] {
                for e in [
                    "", "4.0.0", "4.2.2", "4.7.1", "5.0.0", "5.1.1", "5.2.1", "5.7.1",
                ] {
                    check(code, EnhancedStatus::parse(e), &p.phrase);
                    n += 1;
                }
            }
        }
        assert!(n > 100_000, "{n}");
    }

    /// The text enters the decision only as the set of its classes (and an enhanced code in
    /// it), so every set of the 13 classes covers every text the vocabulary can make.
    #[test]
    fn every_set_of_text_classes_keeps_the_direction() {
        let codes: Vec<Option<EnhancedStatus>> = std::iter::once(None)
            .chain(
                ["4.0.0", "4.1.1", "4.1.8", "4.2.2", "4.7.1", "4.7.25"]
                    .into_iter()
                    .chain(["5.0.0", "5.1.1", "5.1.7", "5.1.10", "5.2.1", "5.2.2"])
                    .chain(["5.3.4", "5.4.1", "5.7.1", "5.7.25"])
                    .map(EnhancedStatus::parse),
            )
            .collect();
        // every reply code within a class behaves alike but for these (RFC 5321's 421, 551-553)
        let replies = [
            400, 421, 450, 451, 452, 499, 500, 550, 551, 552, 553, 554, 599,
        ];
        let mut n = 0u64;
        for bits in 0u16..1 << TextClass::ALL.len() {
            let t = TextClasses(bits);
            for code in replies {
                for &e in &codes {
                    check_with(code, e, "", decide_classified(code, e, t, None));
                    let in_text = decide_classified(code, None, t, e);
                    check_with(
                        code,
                        e.filter(|e| u16::from(e.class) == code / 100),
                        "",
                        in_text,
                    );
                    n += 2;
                }
            }
        }
        assert!(n > 3_000_000, "{n}");
    }

    fn check(code: u16, e: Option<EnhancedStatus>, text: &str) {
        check_with(code, e, text, decide(code, e, text));
    }

    fn check_with(code: u16, e: Option<EnhancedStatus>, text: &str, got: Reason) {
        if is_temporary(code, e) {
            assert_ne!(got.verdict(), Verdict::Undeliverable, "{code} {e:?} {text}");
        }
        if is_permanent(code, e) {
            assert!(
                !matches!(
                    got,
                    Reason::Tempfail | Reason::Greylisted | Reason::Unavailable
                ),
                "{code} {e:?} {text} -> {got:?}"
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn any_reply_keeps_the_direction(
            code in 400u16..600,
            e in proptest::option::of((4u8..=5, 0u16..=9, 0u16..=30)),
            words in proptest::collection::vec(0usize..400, 0..4),
            noise in "[a-z0-9 .<>@:#-]{0,24}",
        ) {
            let v = vocabulary();
            let mut text = noise;
            for w in words {
                text.push(' ');
                text.push_str(&v[w % v.len()].phrase);
            }
            let e = e.map(|(class, subject, detail)| EnhancedStatus { class, subject, detail });
            check(code, e, &text);
        }

        #[test]
        fn any_unicode_text_is_classified_without_panic(text in "\\PC{0,80}", code in 200u16..600) {
            check(code, None, &text);
        }
    }

    #[test]
    fn session_refusals_are_never_about_the_mailbox() {
        assert_eq!(
            session_reason(&reply("421 4.3.2 busy\r\n")),
            Reason::Unavailable
        );
        assert_eq!(session_reason(&reply("554 no\r\n")), Reason::SenderBlocked);
        assert_eq!(
            session_reason(&reply(
                "451 4.7.1 Greylisting in action, please come back later\r\n"
            )),
            Reason::Greylisted
        );
        assert_eq!(
            session_reason(&reply(
                "450 4.7.1 Client host rejected: cannot find your hostname\r\n"
            )),
            Reason::SenderBlocked
        );
        assert_eq!(
            session_reason(&reply("451 local error\r\n")),
            Reason::Tempfail
        );
        // A server that wants TLS first refuses the client, not the mailbox, under any code
        // (Courier sends 400).
        assert_eq!(
            session_reason(&reply("400 STARTTLS is required first.\r\n")),
            Reason::SenderBlocked
        );
        assert_eq!(connection_reason(ConnFailure::Timeout), Reason::SmtpTimeout);
    }
}
