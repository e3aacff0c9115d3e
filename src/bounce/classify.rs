//! Reason classification: enhanced status code first, then the diagnostic-text patterns of
//! `data/bounce_patterns.tsv`, then generic status and reply-code fallbacks.

use std::sync::OnceLock;

use aho_corasick::Anchored;
use aho_corasick::automaton::{Automaton, StateID};
use aho_corasick::dfa::DFA;
use memchr::memmem::Finder;

use super::phrase_dfa::PhraseDfa;
use super::provider::{HostEvidence, host_reason};
use crate::status::{
    BounceReason, EnhancedStatus, fallback_from_status, reason_from_reply, reason_from_status,
};

const PATTERNS_TSV: &str = include_str!("../../data/bounce_patterns.tsv");

/// How much of a diagnostic text the patterns look at (keeps huge inputs linear and cheap).
pub(crate) const MAX_CLASSIFY_TEXT: usize = 16 * 1024;

/// One pattern: pieces that must appear in order (the `*` of the data file), lowercase.
struct Pattern {
    reason: BounceReason,
    /// Whether a match overrides a specific status code.
    strong: bool,
    pieces: Vec<Finder<'static>>,
}

/// How many bytes of a first piece the automaton holds: a longer piece is found by its head
/// and checked whole from there. The automaton's size (and its build time, paid once per
/// process) grows with the bytes of the distinct heads, not with the phrases' length.
const HEAD: usize = 16;

/// The head of a first piece: at most [`HEAD`] bytes, cut at a character boundary.
fn head_of(piece: &[u8]) -> &[u8] {
    if piece.len() <= HEAD {
        return piece;
    }
    let mut end = HEAD;
    // (a UTF-8 continuation byte is 0b10xx_xxxx: back up to the start of its character)
    while end > 1 && piece[end] & 0xC0 == 0x80 {
        end -= 1;
    }
    &piece[..end]
}

/// The compiled pattern table: an Aho-Corasick automaton over the head of the first piece of
/// every pattern finds the candidates in one pass; candidates are checked in file order.
pub(crate) struct Patterns {
    list: Vec<Pattern>,
    /// Automaton over distinct heads of first pieces.
    ac: PhraseDfa,
    /// For each first piece (automaton pattern id): the patterns starting with it.
    by_first: Vec<Vec<usize>>,
}

impl Patterns {
    /// Compile a pattern table: lines `reason<TAB>pattern` (`!reason` marks a strong pattern
    /// that wins over a specific status code); `#` starts a comment. Unknown reasons and empty
    /// patterns are skipped.
    pub(crate) fn parse(tsv: &str) -> Patterns {
        let mut list = Vec::new();
        for line in tsv.lines() {
            let line = line.trim_end();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let Some((r, p)) = line.split_once('\t') else {
                continue;
            };
            let (strong, r) = match r.strip_prefix('!') {
                Some(r) => (true, r),
                None => (false, r),
            };
            let Some(reason) = BounceReason::parse(r.trim()) else {
                continue;
            };
            let pieces: Vec<Finder<'static>> = p
                .trim()
                .to_lowercase()
                .split('*')
                .filter(|s| !s.is_empty())
                .map(|s| Finder::new(s.as_bytes()).into_owned())
                .collect();
            if pieces.is_empty() {
                continue;
            }
            list.push(Pattern {
                reason,
                strong,
                pieces,
            });
        }
        let mut firsts: Vec<Vec<u8>> = Vec::new();
        let mut by_first: Vec<Vec<usize>> = Vec::new();
        for (i, p) in list.iter().enumerate() {
            let f = head_of(p.pieces[0].needle()).to_vec();
            match firsts.iter().position(|x| *x == f) {
                Some(k) => by_first[k].push(i),
                None => {
                    firsts.push(f);
                    by_first.push(vec![i]);
                }
            }
        }
        // a DFA: the overlapping scan runs over every diagnostic and notice
        let ac = PhraseDfa::new(&firsts);
        Patterns { list, ac, by_first }
    }

    /// The built-in table.
    pub(crate) fn builtin() -> &'static Patterns {
        static P: OnceLock<Patterns> = OnceLock::new();
        P.get_or_init(|| Patterns::parse(PATTERNS_TSV))
    }

    /// Number of patterns.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.list.len()
    }

    /// Whether pattern `idx` matches, given where the earliest occurrence of its head ends.
    fn matches_at(&self, idx: usize, hay: &[u8], head_end: usize) -> bool {
        let pieces = &self.list[idx].pieces;
        let first = pieces[0].needle();
        let head = head_of(first).len();
        let mut at = head_end;
        if first.len() > head {
            // the whole first piece starts at or after the earliest head
            let from = head_end - head;
            match pieces[0].find(&hay[from..]) {
                Some(i) => at = from + i + first.len(),
                None => return false,
            }
        }
        for f in &pieces[1..] {
            match f.find(&hay[at..]) {
                Some(i) => at += i + f.needle().len(),
                None => return false,
            }
        }
        true
    }

    /// The earliest end of each first piece that occurs in `hay`, in the order found (the
    /// best start for the remaining pieces): one pass of the DFA. Few pieces occur in one
    /// text: a bit set and a short list, not a table.
    fn first_piece_ends(&self, hay: &[u8]) -> Vec<(usize, usize)> {
        let mut first_end: Vec<(usize, usize)> = Vec::new();
        let ac = &self.ac;
        let mut state = ac.start();
        let mut seen = vec![0u64; self.by_first.len().div_ceil(64)];
        for (at, &b) in hay.iter().enumerate() {
            state = ac.step(state, b);
            if state & 1 == 1 {
                for k in ac.matched(state).iter().map(|&k| k as usize) {
                    if seen[k / 64] & (1 << (k % 64)) == 0 {
                        seen[k / 64] |= 1 << (k % 64);
                        first_end.push((k, at + 1));
                    }
                }
            }
        }
        first_end
    }

    /// The first pattern (in file order) matching `lower` (already lowercased), with its
    /// strength.
    pub(crate) fn find(&self, lower: &str) -> Option<(BounceReason, bool)> {
        let hay = lower.as_bytes();
        let first_end = self.first_piece_ends(hay);
        let mut best: Option<usize> = None;
        for &(k, end) in &first_end {
            for &idx in &self.by_first[k] {
                if best.is_some_and(|b| b <= idx) {
                    break;
                }
                if self.matches_at(idx, hay, end) {
                    best = Some(idx);
                    break;
                }
            }
        }
        best.map(|i| (self.list[i].reason, self.list[i].strong))
    }
}

/// A DFA fed one byte at a time, for the pattern table and the SMTP-command phrases: stepped
/// by hand, it costs less per byte than the crate's overlapping iterator, and the text can be
/// transformed on the way in.
pub(super) struct DfaScan<'a> {
    dfa: &'a DFA,
    sid: StateID,
}

impl<'a> DfaScan<'a> {
    /// A scan from the unanchored start state.
    pub(super) fn new(dfa: &'a DFA) -> Option<Self> {
        let sid = dfa.start_state(Anchored::No).ok()?;
        Some(DfaScan { dfa, sid })
    }

    /// Step over `b`: whether a pattern ends with it (then see [`DfaScan::matched`]).
    #[inline]
    pub(super) fn step(&mut self, b: u8) -> bool {
        self.sid = self.dfa.next_state(Anchored::No, self.sid, b);
        self.dfa.is_match(self.sid)
    }

    /// The ids of the patterns that end at the last byte stepped over.
    pub(super) fn matched(&self) -> impl Iterator<Item = usize> + 'a {
        let (dfa, sid) = (self.dfa, self.sid);
        (0..dfa.match_len(sid)).map(move |i| dfa.match_pattern(sid, i).as_usize())
    }
}

/// Lowercase (ASCII and Unicode) at most [`MAX_CLASSIFY_TEXT`] bytes of `s`, with white
/// space squeezed so patterns can span folded lines. Words holding an `@` (addresses, whose
/// local parts can read like reasons) and SMTP reply prefixes of multi-line replies
/// (`550-5.7.1`, `550`, `5.7.1`) are dropped so that a phrase split over reply lines still
/// matches.
pub(crate) fn prepare(s: &str) -> String {
    let mut out = String::with_capacity(s.len().min(MAX_CLASSIFY_TEXT));
    fn add(out: &mut String, word: &str) {
        if word.as_bytes().contains(&b'@')
            || word.as_bytes()[0].is_ascii_digit() && is_code_word(word)
            || word.bytes().all(|b| matches!(b, b'<' | b'>' | b'|'))
        {
            return;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        if word.is_ascii() {
            let at = out.len();
            out.push_str(word);
            out[at..].make_ascii_lowercase();
            return;
        }
        for c in word.chars() {
            if c.is_ascii() {
                out.push(c.to_ascii_lowercase());
            } else {
                out.extend(c.to_lowercase());
            }
        }
    }
    if s.is_ascii() {
        // the same words as `split_whitespace` (ASCII white space is \t \n \x0b \x0c \r and
        // space) and the same checks as `add`, in one pass over the bytes: a word is copied
        // and lowercased in place, without decoding characters
        let b = s.as_bytes();
        let ws = |c: u8| c.is_ascii_whitespace() || c == 0x0b;
        let mut buf = std::mem::take(&mut out).into_bytes();
        let mut i = 0;
        while i < b.len() {
            while i < b.len() && ws(b[i]) {
                i += 1;
            }
            let start = i;
            let mut at = false;
            while i < b.len() && !ws(b[i]) {
                at |= b[i] == b'@';
                i += 1;
            }
            if start == i {
                break;
            }
            let word = &s[start..i];
            let bracket = |c: &u8| matches!(c, b'<' | b'>' | b'|');
            let brackets = bracket(&b[start]) && word.as_bytes().iter().all(bracket);
            if at || brackets || b[start].is_ascii_digit() && is_code_word(word) {
                continue;
            }
            if !buf.is_empty() {
                buf.push(b' ');
            }
            let from = buf.len();
            buf.extend_from_slice(word.as_bytes());
            buf[from..].make_ascii_lowercase();
            if buf.len() >= MAX_CLASSIFY_TEXT {
                break;
            }
        }
        // only ASCII bytes were copied
        out = String::from_utf8(buf).unwrap_or_default();
    } else {
        for word in s.split_whitespace() {
            add(&mut out, word);
            if out.len() >= MAX_CLASSIFY_TEXT {
                break;
            }
        }
    }
    out
}

/// Whether the word before "does not exist" is a host name (addresses were removed by
/// [`prepare`]).
fn domain_does_not_exist(lower: &str) -> bool {
    let Some(i) = lower.find(" does not exist") else {
        return false;
    };
    let word = lower[..i].rsplit(' ').next().unwrap_or("");
    let word = word.trim_matches(|c: char| !c.is_ascii_alphanumeric());
    word.contains('.')
        && word.len() > 3
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
        && word.bytes().any(|b| b.is_ascii_alphabetic())
}

/// Reply codes and enhanced codes as words: `550`, `550-`, `550-5.7.1`, `5.7.1`.
fn is_code_word(w: &str) -> bool {
    let w = w.trim_end_matches([':', ',']);
    let b = w.as_bytes();
    if b.len() >= 3 && b[..3].iter().all(u8::is_ascii_digit) && matches!(b[0], b'2' | b'4' | b'5') {
        let rest = &w[3..];
        return rest.is_empty()
            || rest == "-"
            || rest
                .strip_prefix('-')
                .is_some_and(|r| EnhancedStatus::parse(r).is_some());
    }
    EnhancedStatus::parse(w).is_some()
}

/// A mailbox category (`userunknown`, `suspend`, `mailboxfull`) refined by a specific address
/// or mailbox status code (`x.1.y`, `x.2.y`, `y` not 0).
fn mailbox_refinement(
    category: BounceReason,
    status: Option<EnhancedStatus>,
) -> Option<BounceReason> {
    use BounceReason::*;
    if !matches!(category, UserUnknown | Suspend | MailboxFull) {
        return None;
    }
    let s = status
        .filter(|s| matches!(s.class, 4 | 5) && matches!(s.subject, 1 | 2) && s.detail != 0)?;
    reason_from_status(s).or_else(|| fallback_from_status(s))
}

/// Everything known about one failed recipient that bears on the reason.
#[derive(Debug, Default, Clone)]
pub(crate) struct Evidence<'a> {
    /// Enhanced status code, if any.
    pub status: Option<EnhancedStatus>,
    /// SMTP reply code, if any.
    pub reply: Option<u16>,
    /// DSN `Action` (lowercase), if any.
    pub action: &'a str,
    /// The SMTP command the error answered (`RCPT`, `MAIL`, `DATA`, `EHLO`, ...) or empty.
    pub command: &'a str,
    /// Diagnostic text (raw).
    pub text: &'a str,
    /// Further context (the human-readable notice), consulted when the text says nothing.
    pub context: &'a str,
    /// The remote host (`Remote-MTA`), for the provider rules of `data/bounce_rhost.tsv`.
    pub rhost: &'a str,
    /// The reporting host (`Reporting-MTA`), tried by the provider rules after `rhost`.
    pub lhost: &'a str,
    /// The recipient's domain, tried by the provider rules after the hosts.
    pub domain: &'a str,
    /// The reason an MTA's own category field names (`data/bounce_categories.tsv`).
    pub category: Option<BounceReason>,
}

/// Where a decision came from (strongest first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    StrongText,
    Status,
    Text,
    Fallback,
}

/// Decide the reason.
pub(crate) fn classify(e: &Evidence<'_>) -> BounceReason {
    use BounceReason::*;
    let pats = Patterns::builtin();
    if matches!(e.action, "delivered" | "relayed" | "expanded")
        || e.status.is_some_and(|s| s.class == 2)
    {
        return Delivered;
    }
    // a provider's documented meaning of its own reply decides
    if !crate::bounce::generic_only()
        && let Some(r) = host_reason(&HostEvidence {
            rhost: e.rhost,
            lhost: e.lhost,
            domain: e.domain,
            status: e.status,
            reply: e.reply,
            command: e.command,
            text: e.text,
        })
    {
        return r;
    }
    let lower = prepare(e.text);
    let mut text_hit = pats.find(&lower);
    // x.1.7 / x.1.8 are about the sender's address: the notice's words about the recipient
    // (Gmail's "Address not found" headline over "501 5.1.8 Sender address rejected") do not
    // apply
    let sender_status = e
        .status
        .is_some_and(|s| s.subject == 1 && matches!(s.detail, 7 | 8));
    if !text_hit.is_some_and(|(_, strong)| strong) && !e.context.is_empty() && !sender_status {
        // a strong phrase of the notice beats a weak one of the diagnostic
        let ctx = pats.find(&prepare(e.context));
        if text_hit.is_none() || ctx.is_some_and(|(_, strong)| strong) {
            text_hit = ctx.or(text_hit);
        }
    }
    let by_status = e.status.and_then(reason_from_status);
    let delayed = e.action == "delayed" || e.action == "delivery-delayed";
    let (mut reason, source) = match (by_status, text_hit) {
        (_, Some((r, true))) => (r, Source::StrongText),
        (Some(r), _) => (r, Source::Status),
        (None, Some((r, false))) => (r, Source::Text),
        (None, None) => {
            if delayed {
                return Expired;
            }
            let r = e
                .status
                .and_then(fallback_from_status)
                .or_else(|| e.reply.and_then(reason_from_reply));
            match r {
                Some(r) => (r, Source::Fallback),
                None if e.status.is_some() || e.reply.is_some() || !e.text.trim().is_empty() => {
                    (OnHold, Source::Fallback)
                }
                None => (Undefined, Source::Fallback),
            }
        }
    };
    let weak = matches!(source, Source::Text | Source::Fallback);
    if weak && let Some(c) = e.category {
        // the MTA classified the failure itself; its mailbox categories are refined by an
        // address or mailbox status code (bad-mailbox with 5.2.1, mailbox disabled: suspend)
        return mailbox_refinement(c, e.status).unwrap_or(c);
    }
    // "<host.example> does not exist": the domain, not a mailbox
    if weak && reason == UserUnknown && domain_does_not_exist(&lower) {
        reason = HostUnknown;
    }
    match e.command {
        // refused after the recipient was accepted: the content or the session was filtered
        "DATA" | "" if reason == UserUnknown && weak => reason = Filtered,
        // after MAIL FROM the sender is refused; an unknown domain there is the sender's
        "MAIL"
            if matches!(reason, HostUnknown)
                || weak
                    && matches!(
                        reason,
                        Blocked | SecurityError | UserUnknown | OnHold | Undefined
                    ) =>
        {
            reason = Rejected
        }
        "EHLO" | "HELO" | "CONN"
            if weak
                && matches!(
                    reason,
                    UserUnknown | OnHold | Undefined | SyntaxError | SystemError | Suspend
                ) =>
        {
            reason = Blocked
        }
        _ => {}
    }
    reason
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`Patterns::find`] by hand: each pattern in file order, its pieces searched in turn.
    fn find_naive(p: &Patterns, lower: &str) -> Option<(BounceReason, bool)> {
        let hay = lower.as_bytes();
        p.list
            .iter()
            .find(|pat| {
                let mut at = 0;
                pat.pieces.iter().all(|f| match f.find(&hay[at..]) {
                    Some(i) => {
                        at += i + f.needle().len();
                        true
                    }
                    None => false,
                })
            })
            .map(|pat| (pat.reason, pat.strong))
    }

    proptest::proptest! {
        #[test]
        fn find_is_the_naive_search(picks in proptest::collection::vec((0usize..100_000, 0u8..3), 0..6)) {
            let p = Patterns::builtin();
            // texts made of the table's own pieces: whole patterns, first pieces only, pieces
            // in reverse order
            let mut text = String::new();
            for (i, mode) in picks {
                let pieces: Vec<&str> = p.list[i % p.len()]
                    .pieces
                    .iter()
                    .map(|f| std::str::from_utf8(f.needle()).unwrap())
                    .collect();
                let words = match mode {
                    0 => pieces.join(" x "),
                    1 => pieces[0].to_string(),
                    _ => pieces.iter().rev().copied().collect::<Vec<_>>().join(" "),
                };
                text.push_str(&words);
                text.push(' ');
            }
            proptest::prop_assert_eq!(p.find(&text), find_naive(p, &text));
        }
    }

    #[test]
    fn every_table_line_compiles() {
        let lines = PATTERNS_TSV
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .count();
        assert_eq!(
            Patterns::builtin().len(),
            lines,
            "a pattern line has an unknown reason"
        );
    }

    #[test]
    fn table_loads_and_orders() {
        let p = Patterns::builtin();
        assert!(p.len() > 50);
        let e = Evidence {
            status: EnhancedStatus::parse("5.1.1"),
            reply: Some(550),
            text: "550 5.1.1 <a@b.c>... User Unknown",
            ..Default::default()
        };
        assert_eq!(classify(&e), BounceReason::UserUnknown);
        let e = Evidence {
            text: "Mailbox is full",
            ..Default::default()
        };
        assert_eq!(classify(&e), BounceReason::MailboxFull);
        assert_eq!(classify(&Evidence::default()), BounceReason::Undefined);
    }

    #[test]
    fn detector_category_and_refinement() {
        let mut e = Evidence {
            status: EnhancedStatus::parse("5.2.1"),
            reply: Some(550),
            text: "550 5.2.1 <a@b.c>... User Unknown",
            ..Default::default()
        };
        // without a category: an unknown user with no SMTP command is filtered
        assert_eq!(classify(&e), BounceReason::Filtered);
        // PowerMTA's bad-mailbox, refined by 5.2.1 (mailbox disabled)
        e.category = Some(BounceReason::UserUnknown);
        assert_eq!(classify(&e), BounceReason::Suspend);
        e.status = EnhancedStatus::parse("5.0.0");
        assert_eq!(classify(&e), BounceReason::UserUnknown);
        // a strong phrase still wins over the category
        e.text = "550 mailbox full";
        assert_eq!(classify(&e), BounceReason::MailboxFull);
    }

    #[test]
    fn provider_rule_overrides_generic_reading() {
        let e = Evidence {
            status: EnhancedStatus::parse("4.7.0"),
            reply: Some(421),
            command: "MAIL",
            text: "421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to \
                   unexpected volume or user complaints",
            rhost: "mta6.am0.yahoodns.net",
            ..Default::default()
        };
        assert_eq!(classify(&e), BounceReason::Rejected);
        // the same reply relayed by another host keeps the generic reading
        let e = Evidence {
            rhost: "192.0.2.9",
            ..e
        };
        assert_eq!(classify(&e), BounceReason::BadReputation);
    }

    /// Plain-words notices of the kinds issue 15 found as `onhold`: each gets its reason from
    /// the text alone (no codes).
    #[test]
    fn plain_words_vocabulary() {
        use BounceReason::*;
        for (text, want) in [
            (
                "The recipient's mailbox is full and can't accept messages now.",
                MailboxFull,
            ),
            ("Sorry, the user's space has been used up", MailboxFull),
            ("Unrouteable domain", HostUnknown),
            (
                "all relevant MX records point to non-existent hosts",
                HostUnknown,
            ),
            (
                "Too many \"Received\" headers - suspected mail loop",
                NetworkError,
            ),
            ("message probably in a routing loop", NetworkError),
            (
                "The email account that you tried to reach is disabled.",
                Suspend,
            ),
            ("Sorry, no mailbox here by that name.", UserUnknown),
            (
                "The e-mail address you entered couldn't be found.",
                UserUnknown,
            ),
            ("Utilisateur inconnu", UserUnknown),
            ("Message rejected under suspicion of SPAM", SpamDetected),
            ("Your message exceeds the maximum message size", MesgTooBig),
        ] {
            // (an unknown user with no SMTP command reads as filtered: the stage is named)
            let e = Evidence {
                text,
                command: "RCPT",
                ..Default::default()
            };
            assert_eq!(classify(&e), want, "{text}");
        }
    }
}
