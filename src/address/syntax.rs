//! Address syntax: RFC 5321/6531 grammar with a strict list-hygiene policy on top.
//!
//! Strict mode (the default) accepts what a list-cleaning tool should: an unquoted dot-atom local
//! part (Unicode allowed, no unsafe characters), a DNS domain with at least one dot whose last label
//! ends in a letter, IDNA2008/UTS #46 valid, not a special-use name. SMTP mode additionally accepts
//! quoted local parts and address literals.

use std::borrow::Cow;

use idna::uts46::{AsciiDenyList, DnsLength, Hyphens, Uts46};
use unicode_general_category::{GeneralCategory, get_general_category};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::is_nfc_quick;

/// Which grammar to accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct SyntaxPolicy {
    /// Also accept quoted local parts and address literals (RFC 5321).
    pub allow_smtp_syntax: bool,
    /// Accept RFC 6761 special-use domains (`.test`, `.localhost`, ...) and single-label names.
    pub allow_special_use_domains: bool,
}

/// A syntactically valid address, split and normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedAddress {
    /// Normalised local part (NFC, quotes removed when not needed, RFC 2142 names lower-cased).
    pub local: String,
    /// Domain in Unicode form (U-labels, lower case), or the address literal.
    pub domain: String,
    /// Domain in ASCII form (A-labels), or the address literal.
    pub ascii_domain: String,
    /// Whether the domain is an address literal (`[192.0.2.1]`).
    pub is_literal: bool,
}

impl ParsedAddress {
    /// `local@domain` with the Unicode domain.
    pub fn normalized(&self) -> String {
        let mut s = String::with_capacity(self.local.len() + 1 + self.domain.len());
        s.push_str(&self.local);
        s.push('@');
        s.push_str(&self.domain);
        s
    }

    /// `local@ascii_domain` when the local part is ASCII.
    pub fn ascii(&self) -> Option<String> {
        self.local
            .is_ascii()
            .then(|| format!("{}@{}", self.local, self.ascii_domain))
    }
}

/// Why an address failed the syntax check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError(pub Cow<'static, str>);

impl std::fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn err<T>(msg: &'static str) -> Result<T, SyntaxError> {
    Err(SyntaxError(Cow::Borrowed(msg)))
}

fn err_owned<T>(msg: String) -> Result<T, SyntaxError> {
    Err(SyntaxError(Cow::Owned(msg)))
}

/// RFC 5322 `atext` for ASCII bytes.
const fn atext_table() -> [bool; 128] {
    let mut t = [false; 128];
    let mut c = 0;
    while c < 128 {
        let b = c as u8;
        t[c] = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'!' | b'#'
                    | b'$'
                    | b'%'
                    | b'&'
                    | b'\''
                    | b'*'
                    | b'+'
                    | b'-'
                    | b'/'
                    | b'='
                    | b'?'
                    | b'^'
                    | b'_'
                    | b'`'
                    | b'{'
                    | b'|'
                    | b'}'
                    | b'~'
            );
        c += 1;
    }
    t
}
static ATEXT: [bool; 128] = atext_table();

/// Byte classes for [`plain_local`]: allowed in a plain local part (atext or dot), a dot,
/// an upper-case letter.
const PLAIN_OK: u8 = 1;
const PLAIN_DOT: u8 = 2;
const PLAIN_UPPER: u8 = 4;
static PLAIN_CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 128 {
        if ATEXT[c] {
            t[c] = PLAIN_OK;
        }
        if c >= b'A' as usize && c <= b'Z' as usize {
            t[c] |= PLAIN_UPPER;
        }
        c += 1;
    }
    t[b'.' as usize] = PLAIN_OK | PLAIN_DOT;
    t
};

/// RFC 2142 mailbox names, compared case-insensitively and lower-cased in the normalised form.
pub(crate) const CASE_INSENSITIVE_MAILBOX_NAMES: [&str; 15] = [
    "info",
    "marketing",
    "sales",
    "support",
    "abuse",
    "noc",
    "security",
    "postmaster",
    "hostmaster",
    "usenet",
    "news",
    "webmaster",
    "www",
    "uucp",
    "ftp",
];

/// RFC 6761 and related special-use names rejected by default.
pub(crate) const SPECIAL_USE_DOMAINS: [&str; 6] =
    ["arpa", "invalid", "local", "localhost", "onion", "test"];

const MAX_LOCAL_OCTETS: usize = 64;
const MAX_ADDRESS_OCTETS: usize = 254;
const MAX_DOMAIN_OCTETS: usize = 253;

/// Parse and validate one address `input` exactly as given (no trimming, no analysis beyond
/// syntax): the parts and their normalised forms, or why the syntax is invalid.
pub fn parse(input: &str, policy: SyntaxPolicy) -> Result<ParsedAddress, SyntaxError> {
    if input.is_empty() {
        return err("the address is empty");
    }
    if input.len() > MAX_ADDRESS_OCTETS {
        return err("the address is longer than 254 octets");
    }
    let (local_raw, domain_raw, quoted) = split(input)?;
    let local = if quoted {
        if !policy.allow_smtp_syntax {
            return err("quoted local parts are not accepted (use --allow-smtp-syntax)");
        }
        quoted_local(local_raw)?
    } else {
        dot_atom_local(local_raw)?
    };
    let (domain, ascii_domain, is_literal) = if domain_raw.starts_with('[') {
        if !policy.allow_smtp_syntax {
            return err("address literals are not accepted (use --allow-smtp-syntax)");
        }
        let lit = address_literal(domain_raw)?;
        (lit.clone(), lit, true)
    } else {
        let (u, a) = domain_name(domain_raw, policy)?;
        (u, a, false)
    };
    // Length of the whole address, in both forms.
    let uni_len = local.len() + 1 + domain.len();
    let ascii_len = local.len() + 1 + ascii_domain.len();
    if uni_len > MAX_ADDRESS_OCTETS || ascii_len > MAX_ADDRESS_OCTETS {
        return err("the address is longer than 254 octets");
    }
    Ok(ParsedAddress {
        local,
        domain,
        ascii_domain,
        is_literal,
    })
}

/// Split at the `@` that separates local part and domain. Returns (local, domain, quoted).
fn split(input: &str) -> Result<(&str, &str, bool), SyntaxError> {
    let bytes = input.as_bytes();
    if bytes[0] == b'"' {
        // Quoted string: find the closing quote, honouring backslash escapes.
        let mut i = 1;
        while i < bytes.len() {
            match bytes[i] {
                b'\\' => i += 2,
                b'"' => break,
                _ => i += 1,
            }
        }
        if i >= bytes.len() {
            return err("unterminated quoted local part");
        }
        let rest = &input[i + 1..];
        let Some(domain) = rest.strip_prefix('@') else {
            return if rest.contains('@') {
                err("text between the quoted local part and the @-sign")
            } else {
                err("the address has no @-sign")
            };
        };
        if domain.is_empty() {
            return err("there is nothing after the @-sign");
        }
        return Ok((&input[..i + 1], domain, true));
    }
    if input.contains('<') || input.contains('>') {
        return err("display names and angle brackets are not part of an address");
    }
    let Some(at) = input.find('@') else {
        return err("the address has no @-sign");
    };
    let (local, domain) = (&input[..at], &input[at + 1..]);
    if local.is_empty() {
        return err("there is nothing before the @-sign");
    }
    if domain.is_empty() {
        return err("there is nothing after the @-sign");
    }
    if domain.contains('@') {
        return err("the address has more than one @-sign");
    }
    Ok((local, domain, false))
}

/// Validate an unquoted (dot-atom) local part; returns the normalised form, borrowing when it
/// equals the input (plain ASCII).
pub(crate) fn local_part_cow(local: &str) -> Result<Cow<'_, str>, SyntaxError> {
    if plain_local(local) {
        Ok(Cow::Borrowed(local))
    } else {
        dot_atom_local(local).map(Cow::Owned)
    }
}

/// A local part that is already valid and normal: ASCII atext and single inner dots, and not
/// a mailbox name that is normalised to lower case. One pass over the bytes.
fn plain_local(local: &str) -> bool {
    let b = local.as_bytes();
    if b.is_empty() || b.len() > MAX_LOCAL_OCTETS || b[0] == b'.' || b[b.len() - 1] == b'.' {
        return false;
    }
    // One pass without branches: every byte allowed, no dot after a dot, any upper case.
    let (mut all, mut any, mut double_dot, mut prev) = (PLAIN_OK, 0, 0, 0);
    for &c in b {
        let k = PLAIN_CLASS[c as usize];
        all &= k;
        any |= k;
        double_dot |= prev & k;
        prev = k;
    }
    if all & PLAIN_OK == 0 || double_dot & PLAIN_DOT != 0 {
        return false;
    }
    let upper = any & PLAIN_UPPER != 0;
    !(upper
        && b.len() <= 10
        && CASE_INSENSITIVE_MAILBOX_NAMES
            .iter()
            .any(|n| n.eq_ignore_ascii_case(local)))
}

fn dot_atom_local(local: &str) -> Result<String, SyntaxError> {
    if local.starts_with('.') {
        return err("the local part cannot start with a period");
    }
    if local.ends_with('.') {
        return err("the local part cannot end with a period");
    }
    if local.contains("..") {
        return err("the local part cannot have two periods in a row");
    }
    let mut ascii = true;
    for c in local.chars() {
        if c.is_ascii() {
            if c != '.' && !ATEXT[c as usize] {
                return err_owned(format!(
                    "the local part contains an invalid character: {}",
                    display_char(c)
                ));
            }
        } else {
            ascii = false;
        }
    }
    if local.len() > MAX_LOCAL_OCTETS {
        return err("the local part is longer than 64 octets");
    }
    let mut out = if ascii {
        local.to_owned()
    } else {
        check_unsafe_chars(local, "local part")?;
        let n: String = if is_nfc_quick(local.chars()) == unicode_normalization::IsNormalized::Yes {
            local.to_owned()
        } else {
            local.nfc().collect()
        };
        // Still a valid dot-atom after normalisation?
        if n.starts_with('.') || n.ends_with('.') || n.contains("..") {
            return err("the local part is invalid after Unicode normalisation");
        }
        if n.chars()
            .any(|c| c.is_ascii() && c != '.' && !ATEXT[c as usize])
        {
            return err("the local part is invalid after Unicode normalisation");
        }
        check_unsafe_chars(&n, "local part")?;
        if n.len() > MAX_LOCAL_OCTETS {
            return err("the local part is longer than 64 octets");
        }
        n
    };
    lower_rfc2142(&mut out);
    Ok(out)
}

fn lower_rfc2142(local: &mut str) {
    if local.len() <= 10
        && CASE_INSENSITIVE_MAILBOX_NAMES
            .iter()
            .any(|n| n.eq_ignore_ascii_case(local))
    {
        local.make_ascii_lowercase();
    }
}

/// Validate a quoted local part (RFC 5321 `Quoted-string`); unquote when the content is a dot-atom.
fn quoted_local(q: &str) -> Result<String, SyntaxError> {
    let inner = &q[1..q.len() - 1];
    let mut content = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(e) if (' '..='~').contains(&e) => content.push(e),
                _ => return err("invalid escape in the quoted local part"),
            },
            ' ' | '!' | '#'..='[' | ']'..='~' => content.push(c),
            c if !c.is_ascii() => content.push(c),
            c => {
                return err_owned(format!(
                    "the quoted local part contains an invalid character: {}",
                    display_char(c)
                ));
            }
        }
    }
    if !content.is_ascii() {
        check_unsafe_chars_allow_space(&content)?;
    }
    let content: String = content.nfc().collect();
    // Unquote when not needed.
    let is_atom = !content.is_empty()
        && !content.starts_with('.')
        && !content.ends_with('.')
        && !content.contains("..")
        && content
            .chars()
            .all(|c| !c.is_ascii() || c == '.' || ATEXT[c as usize])
        // Unquoting must give a valid dot-atom: no Unicode spaces or other unsafe characters.
        && (content.is_ascii() || check_unsafe_chars(&content, "local part").is_ok());
    let mut out = if is_atom {
        content
    } else {
        let mut s = String::with_capacity(content.len() + 2);
        s.push('"');
        for c in content.chars() {
            if c == '"' || c == '\\' {
                s.push('\\');
            }
            s.push(c);
        }
        s.push('"');
        s
    };
    if out.len() > MAX_LOCAL_OCTETS {
        return err("the local part is longer than 64 octets");
    }
    lower_rfc2142(&mut out);
    Ok(out)
}

/// Validate an RFC 5321 address literal (`[IPv4]` or `[IPv6:...]`).
fn address_literal(lit: &str) -> Result<String, SyntaxError> {
    let Some(inner) = lit.strip_prefix('[').and_then(|s| s.strip_suffix(']')) else {
        return err("malformed address literal");
    };
    if let Some(v6) = inner
        .strip_prefix("IPv6:")
        .or_else(|| inner.strip_prefix("ipv6:"))
    {
        if valid_ipv6_literal(v6) {
            return Ok(format!("[IPv6:{}]", v6.to_ascii_lowercase()));
        }
        return err("invalid IPv6 address literal");
    }
    if valid_ipv4(inner) {
        return Ok(lit.to_owned());
    }
    err("invalid address literal")
}

fn valid_ipv4(s: &str) -> bool {
    let parts: Vec<&str> = s.split('.').collect();
    parts.len() == 4
        && parts.iter().all(|p| {
            !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()) && {
                p.parse::<u16>().map(|v| v <= 255).unwrap_or(false)
            }
        })
}

/// RFC 5321 4.1.3 IPv6 grammar, including the group counts (`::` stands for >= 2 groups).
fn valid_ipv6_literal(s: &str) -> bool {
    let hex_ok =
        |g: &str| !g.is_empty() && g.len() <= 4 && g.bytes().all(|b| b.is_ascii_hexdigit());
    // Split off an IPv4 tail.
    let (head, v4) = match s.rfind(':') {
        Some(i) if s[i + 1..].contains('.') => (&s[..i + 1], Some(&s[i + 1..])),
        _ => (s, None),
    };
    if let Some(v4) = v4
        && !valid_ipv4(v4)
    {
        return false;
    }
    let max_groups = if v4.is_some() { 6 } else { 8 };
    let head = if v4.is_some() {
        // head ends with ':'; for "::" endings keep both colons.
        if head.ends_with("::") {
            head
        } else {
            &head[..head.len() - 1]
        }
    } else {
        head
    };
    if let Some(pos) = head.find("::") {
        let (a, b) = (&head[..pos], &head[pos + 2..]);
        if b.contains("::") {
            return false;
        }
        let ga: Vec<&str> = if a.is_empty() {
            vec![]
        } else {
            a.split(':').collect()
        };
        let gb: Vec<&str> = if b.is_empty() {
            vec![]
        } else {
            b.split(':').collect()
        };
        if !ga.iter().chain(gb.iter()).all(|g| hex_ok(g)) {
            return false;
        }
        // "::" must stand for at least two groups.
        ga.len() + gb.len() <= max_groups - 2
    } else {
        let g: Vec<&str> = head.split(':').collect();
        g.len() == max_groups && g.iter().all(|g| hex_ok(g))
    }
}

const UTS46: Uts46 = Uts46::new();

/// Validate a domain name; returns (Unicode form, ASCII form).
pub(crate) fn domain_name(
    raw: &str,
    policy: SyntaxPolicy,
) -> Result<(String, String), SyntaxError> {
    let ascii_domain = if raw.is_ascii() {
        ascii_domain(raw)?
    } else {
        for c in raw.chars() {
            if c.is_ascii() && !(c.is_ascii_alphanumeric() || c == '-' || c == '.') {
                return err_owned(format!(
                    "the domain contains an invalid character: {}",
                    display_char(c)
                ));
            }
        }
        check_unsafe_chars(raw, "domain")?;
        match UTS46.to_ascii(
            raw.as_bytes(),
            AsciiDenyList::STD3,
            Hyphens::Check,
            DnsLength::Ignore,
        ) {
            Ok(a) => {
                let a = a.into_owned();
                structural_checks(&a)?;
                a
            }
            Err(_) => return err("the domain is not a valid internationalised domain name"),
        }
    };
    // Unicode form (also validates xn-- labels).
    let unicode = if has_bytes(ascii_domain.as_bytes(), b"xn--") {
        let (u, r) = UTS46.to_unicode(ascii_domain.as_bytes(), AsciiDenyList::STD3, Hyphens::Check);
        if r.is_err() {
            return err("the domain has an invalid Punycode (xn--) label");
        }
        // Round trip must give back the same A-labels (rejects non-canonical Punycode).
        match UTS46.to_ascii(
            u.as_bytes(),
            AsciiDenyList::STD3,
            Hyphens::Check,
            DnsLength::Ignore,
        ) {
            Ok(back) if back == ascii_domain => {}
            _ => return err("the domain has an invalid Punycode (xn--) label"),
        }
        if !u.is_ascii() {
            check_unsafe_chars(&u, "domain")?;
        }
        u.into_owned()
    } else {
        ascii_domain.clone()
    };
    if !policy.allow_special_use_domains {
        if !ascii_domain.contains('.') {
            return err("the domain must have a period (a single label is not a public domain)");
        }
        if !ascii_domain
            .as_bytes()
            .last()
            .is_some_and(|b| b.is_ascii_alphabetic())
        {
            return err("the domain is not within a valid top-level domain");
        }
        for d in SPECIAL_USE_DOMAINS {
            if ascii_domain == d
                || (ascii_domain.len() > d.len()
                    && ascii_domain.ends_with(d)
                    && ascii_domain.as_bytes()[ascii_domain.len() - d.len() - 1] == b'.')
            {
                return err_owned(format!("the domain is a special-use name (.{d})"));
            }
        }
    }
    Ok((unicode, ascii_domain))
}

/// Validate an all-ASCII domain and lower-case it.
fn ascii_domain(raw: &str) -> Result<String, SyntaxError> {
    for b in raw.bytes() {
        if !(b.is_ascii_alphanumeric() || b == b'-' || b == b'.') {
            return err_owned(format!(
                "the domain contains an invalid character: {}",
                display_char(b as char)
            ));
        }
    }
    let lower = raw.to_ascii_lowercase();
    structural_checks(&lower)?;
    Ok(lower)
}

/// Whether `needle` (a few bytes) occurs in `hay` (a short name): a plain scan, cheaper here than
/// a substring searcher.
fn has_bytes(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Dots, label lengths, hyphen placement and total length of an ASCII (A-label) domain.
fn structural_checks(d: &str) -> Result<(), SyntaxError> {
    if d.starts_with('.') {
        return err("the domain cannot start with a period");
    }
    if d.ends_with('.') {
        return err("the domain cannot end with a period");
    }
    if has_bytes(d.as_bytes(), b"..") {
        return err("the domain cannot have two periods in a row");
    }
    for label in d.split('.') {
        if label.len() > 63 {
            return err("a domain label is longer than 63 octets");
        }
        if label.starts_with('-') || label.ends_with('-') {
            return err("a domain label cannot start or end with a hyphen");
        }
        if label.len() >= 4 && &label[2..4] == "--" && !label[..2].eq_ignore_ascii_case("xn") {
            return err("a domain label cannot have hyphens in the third and fourth positions");
        }
    }
    if d.len() > MAX_DOMAIN_OCTETS {
        return err("the domain is longer than 253 octets");
    }
    Ok(())
}

fn unsafe_char(c: char, i: usize, allow_space: bool) -> bool {
    use GeneralCategory as G;
    match get_general_category(c) {
        G::NonspacingMark | G::SpacingMark | G::EnclosingMark => i == 0,
        G::SpaceSeparator => !allow_space,
        G::LineSeparator | G::ParagraphSeparator => true,
        G::Control | G::Format | G::Surrogate | G::PrivateUse | G::Unassigned => true,
        _ => false,
    }
}

/// Reject control, format, private-use, unassigned and non-ASCII space characters, line and
/// paragraph separators, and a combining mark at the start.
fn check_unsafe_chars(s: &str, part: &str) -> Result<(), SyntaxError> {
    for (i, c) in s.chars().enumerate() {
        if unsafe_char(c, i, false) {
            return err_owned(format!(
                "the {part} contains an unsafe character: {}",
                display_char(c)
            ));
        }
    }
    Ok(())
}

fn check_unsafe_chars_allow_space(s: &str) -> Result<(), SyntaxError> {
    for (i, c) in s.chars().enumerate() {
        if unsafe_char(c, i, true) {
            return err_owned(format!(
                "the local part contains an unsafe character: {}",
                display_char(c)
            ));
        }
    }
    Ok(())
}

/// A printable description of a character for error messages (never the raw control character).
pub(crate) fn display_char(c: char) -> String {
    if c == ' ' {
        "space".to_owned()
    } else if c.is_control() || !c.is_ascii() && unsafe_char(c, 1, false) {
        format!("U+{:04X}", c as u32)
    } else {
        format!("'{c}'")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `plain_local` as a plain byte loop.
    fn plain_local_reference(local: &str) -> bool {
        let b = local.as_bytes();
        if b.is_empty() || b.len() > MAX_LOCAL_OCTETS || b[0] == b'.' || b[b.len() - 1] == b'.' {
            return false;
        }
        let mut prev_dot = false;
        let mut upper = false;
        for &c in b {
            if c == b'.' {
                if prev_dot {
                    return false;
                }
                prev_dot = true;
            } else if c < 128 && ATEXT[c as usize] {
                prev_dot = false;
                upper |= c.is_ascii_uppercase();
            } else {
                return false;
            }
        }
        !(upper
            && b.len() <= 10
            && CASE_INSENSITIVE_MAILBOX_NAMES
                .iter()
                .any(|n| n.eq_ignore_ascii_case(local)))
    }

    #[test]
    fn plain_local_matches_the_byte_loop() {
        let chars = [
            'a', 'Z', '.', '+', '-', ' ', '"', '\u{e9}', '@', '!', '~', '\u{7f}', '0',
        ];
        for s in crate::testgen::mostly(7, 20, 500, 3, &chars, 'b') {
            let s: String = s.into_iter().collect();
            assert_eq!(plain_local(&s), plain_local_reference(&s), "{s:?}");
        }
        for s in [
            "Info",
            "info",
            "SALES",
            "a..b",
            ".a",
            "a.",
            "A.B",
            &"a".repeat(65),
        ] {
            assert_eq!(plain_local(s), plain_local_reference(s), "{s:?}");
        }
    }

    fn ok(s: &str) -> String {
        parse(s, SyntaxPolicy::default())
            .unwrap_or_else(|e| panic!("{s:?}: {e}"))
            .normalized()
    }
    fn bad(s: &str) {
        assert!(parse(s, SyntaxPolicy::default()).is_err(), "{s:?} accepted");
    }

    #[test]
    fn basics() {
        assert_eq!(ok("John.Doe@Example.COM"), "John.Doe@example.com");
        assert_eq!(ok("INFO@example.com"), "info@example.com");
        assert_eq!(ok("user@xn--bcher-kva.de"), "user@bücher.de");
        assert_eq!(ok("user@BÜCHER.de"), "user@bücher.de");
        bad("user@example");
        bad("user@example.test");
        bad("a..b@example.com");
        bad(".a@example.com");
        bad("a@-example.com");
        bad("a b@example.com");
        bad("\"a\"@example.com");
        bad("a@[127.0.0.1]");
        bad("a@example.com.");
        bad("a@example.123");
    }

    #[test]
    fn smtp_mode() {
        let p = SyntaxPolicy {
            allow_smtp_syntax: true,
            ..Default::default()
        };
        assert_eq!(
            parse("\"john.doe\"@example.com", p).unwrap().local,
            "john.doe"
        );
        assert_eq!(parse("\"a b\"@example.com", p).unwrap().local, "\"a b\"");
        assert!(parse("a@[127.0.0.1]", p).is_ok());
        assert!(parse("a@[IPv6:::1]", p).is_ok());
        assert!(parse("a@[IPv6:1111:2222:3333::4444:5555:6666:7777]", p).is_err());
        assert!(parse("a@[127.0.0.256]", p).is_err());
        // Found by fuzzing: a Unicode space keeps the quotes, so normalising is idempotent.
        let n = parse("\"mz\u{1680}x\"@Jh.example", p).unwrap().normalized();
        assert_eq!(n, "\"mz\u{1680}x\"@jh.example");
        assert_eq!(parse(&n, p).unwrap().normalized(), n);
    }
}
