//! A zone in RFC 1035 master-file format (`$ORIGIN`, `$TTL`, `@`, relative names, parentheses,
//! quoted TXT character-strings, `;` comments), held in memory and answered by name and type.
//! It knows A, AAAA, MX, TXT, PTR, CNAME, NS and SOA; a CNAME at a name is followed (8 hops).

use std::collections::HashMap;
use std::net::{Ipv4Addr, Ipv6Addr};

use super::records::{Lookup, RType, Rr, canonical_name};

/// Why a zone file could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct ZoneError {
    /// The file name as given.
    pub file: String,
    /// The line (1-based) where the bad entry starts.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// Records by owner name.
#[derive(Debug, Clone, Default)]
pub struct Zone {
    names: HashMap<String, Vec<Rr>>,
}

impl Zone {
    /// An empty zone.
    pub fn new() -> Zone {
        Zone::default()
    }

    /// Add one record at `name`.
    pub fn add(&mut self, name: &str, rr: Rr) {
        self.names.entry(canonical_name(name)).or_default().push(rr);
    }

    /// Add every record of `other`.
    pub fn merge(&mut self, other: Zone) {
        for (name, rrs) in other.names {
            self.names.entry(name).or_default().extend(rrs);
        }
    }

    /// Number of records.
    pub fn len(&self) -> usize {
        self.names.values().map(Vec::len).sum()
    }

    /// True when the zone holds no record.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The answer for `name`/`rtype`, or `None` when the zone does not hold the name
    /// (the caller then asks the network, or says NXDOMAIN when offline).
    pub fn lookup(&self, name: &str, rtype: RType) -> Option<Lookup> {
        let mut name = canonical_name(name);
        for hop in 0..9 {
            let Some(rrs) = self.names.get(&name).or_else(|| self.wildcard(&name)) else {
                return (hop > 0).then_some(Lookup::NxDomain);
            };
            let hits: Vec<Rr> = rrs.iter().filter(|r| r.rtype() == rtype).cloned().collect();
            if !hits.is_empty() {
                return Some(Lookup::Answer(hits));
            }
            match rrs.iter().find_map(|r| match r {
                Rr::Cname(t) if rtype != RType::Cname => Some(t.clone()),
                _ => None,
            }) {
                Some(target) => name = target,
                None => return Some(Lookup::NoData),
            }
        }
        Some(Lookup::ServFail)
    }

    /// The records of the wildcard `*.ANCESTOR` that covers a missing `name` (RFC 4592,
    /// simplified: the closest ancestor that exists decides; empty non-terminals are not
    /// tracked).
    fn wildcard(&self, name: &str) -> Option<&Vec<Rr>> {
        let mut rest = name;
        while let Some((_, parent)) = rest.split_once('.') {
            if let Some(rrs) = self.names.get(&format!("*.{parent}")) {
                return Some(rrs);
            }
            if self.names.contains_key(parent) {
                return None;
            }
            rest = parent;
        }
        None
    }

    /// Parse master-file text; `file` names the source in errors.
    pub fn parse(text: &str, file: &str) -> Result<Zone, ZoneError> {
        let mut zone = Zone::new();
        let mut origin = String::new();
        let mut last_owner: Option<String> = None;
        let err = |line: usize, message: String| ZoneError {
            file: file.to_string(),
            line,
            message,
        };
        for (line, starts_blank, tokens) in entries(text).map_err(|(l, m)| err(l, m))? {
            let mut toks: &[Token] = &tokens;
            let first = &toks[0];
            if !first.quoted && first.text.starts_with('$') {
                match first.text.to_ascii_uppercase().as_str() {
                    "$ORIGIN" => {
                        let o = toks
                            .get(1)
                            .ok_or_else(|| err(line, "$ORIGIN needs a name".into()))?;
                        origin = absolute(&o.text, &origin);
                    }
                    "$TTL" => {}
                    other => return Err(err(line, format!("unknown directive {other}"))),
                }
                continue;
            }
            let owner = if starts_blank {
                last_owner
                    .clone()
                    .ok_or_else(|| err(line, "record with no owner name".into()))?
            } else {
                toks = &toks[1..];
                absolute(&first.text, &origin)
            };
            last_owner = Some(owner.clone());
            // [TTL] [class] or [class] [TTL], then the type.
            let mut rtype = None;
            while let Some(t) = toks.first() {
                toks = &toks[1..];
                let u = t.text.to_ascii_uppercase();
                if u == "IN" || u.chars().all(|c| c.is_ascii_digit()) {
                    continue;
                }
                rtype = Some(
                    RType::parse(&u)
                        .ok_or_else(|| err(line, format!("unknown record type {:?}", t.text)))?,
                );
                break;
            }
            let rtype = rtype.ok_or_else(|| err(line, "record with no type".into()))?;
            let word = |i: usize| -> Result<&str, ZoneError> {
                toks.get(i)
                    .map(|t| t.text.as_str())
                    .ok_or_else(|| err(line, format!("{} record is missing data", rtype.name())))
            };
            let rr = match rtype {
                RType::A => Rr::A(
                    word(0)?
                        .parse::<Ipv4Addr>()
                        .map_err(|_| err(line, format!("bad IPv4 address {:?}", toks[0].text)))?,
                ),
                RType::Aaaa => Rr::Aaaa(
                    word(0)?
                        .parse::<Ipv6Addr>()
                        .map_err(|_| err(line, format!("bad IPv6 address {:?}", toks[0].text)))?,
                ),
                RType::Mx => {
                    let pref = word(0)?
                        .parse::<u16>()
                        .map_err(|_| err(line, format!("bad MX preference {:?}", toks[0].text)))?;
                    Rr::Mx(pref, absolute(word(1)?, &origin))
                }
                RType::Txt => {
                    if toks.is_empty() {
                        return Err(err(line, "TXT record is missing data".into()));
                    }
                    Rr::Txt(toks.iter().map(|t| t.text.clone()).collect())
                }
                RType::Ptr => Rr::Ptr(absolute(word(0)?, &origin)),
                RType::Cname => Rr::Cname(absolute(word(0)?, &origin)),
                RType::Ns => Rr::Ns(absolute(word(0)?, &origin)),
                RType::Soa => {
                    if toks.len() < 7 {
                        return Err(err(line, "SOA record needs 7 fields".into()));
                    }
                    Rr::Soa(
                        toks.iter()
                            .map(|t| t.text.as_str())
                            .collect::<Vec<_>>()
                            .join(" "),
                    )
                }
                RType::Tlsa => {
                    let num = |i: usize| -> Result<u8, ZoneError> {
                        word(i)?
                            .parse::<u8>()
                            .map_err(|_| err(line, format!("bad TLSA field {:?}", toks[i].text)))
                    };
                    let hex: String = toks.iter().skip(3).map(|t| t.text.as_str()).collect();
                    let data = tlsa_hex(&hex)
                        .ok_or_else(|| err(line, "TLSA data is not hexadecimal".into()))?;
                    Rr::Tlsa(num(0)?, num(1)?, num(2)?, data)
                }
            };
            zone.add(&owner, rr);
        }
        Ok(zone)
    }
}

/// TLSA association data: hex digits, possibly split by white space.
fn tlsa_hex(hex: &str) -> Option<Vec<u8>> {
    if hex.is_empty() || !hex.len().is_multiple_of(2) || !hex.is_ascii() {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).ok())
        .collect()
}

/// A name made absolute against the origin (`@` is the origin), canonical form.
fn absolute(name: &str, origin: &str) -> String {
    if name == "@" {
        return canonical_name(origin);
    }
    if name.ends_with('.') || origin.is_empty() {
        return canonical_name(name);
    }
    canonical_name(&format!("{name}.{}", origin.trim_end_matches('.')))
}

#[derive(Debug)]
struct Token {
    text: String,
    quoted: bool,
}

/// Logical entries: (first line, starts with blank, tokens); parentheses join lines.
#[allow(clippy::type_complexity)]
fn entries(text: &str) -> Result<Vec<(usize, bool, Vec<Token>)>, (usize, String)> {
    let mut out = Vec::new();
    let mut cur: Vec<Token> = Vec::new();
    let mut start = 0;
    let mut blank = false;
    let mut depth = 0usize;
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        if depth == 0 {
            start = n;
            blank = line.starts_with([' ', '\t']);
        }
        let mut chars = line.chars().peekable();
        while let Some(&c) = chars.peek() {
            match c {
                ' ' | '\t' | '\r' => {
                    chars.next();
                }
                ';' => break,
                '(' => {
                    depth += 1;
                    chars.next();
                }
                ')' => {
                    depth = depth
                        .checked_sub(1)
                        .ok_or((n, "unbalanced ')'".to_string()))?;
                    chars.next();
                }
                '"' => {
                    chars.next();
                    let mut s = String::new();
                    let mut closed = false;
                    while let Some(c) = chars.next() {
                        match c {
                            '"' => {
                                closed = true;
                                break;
                            }
                            '\\' => s.push(escaped(&mut chars)),
                            c => s.push(c),
                        }
                    }
                    if !closed {
                        return Err((n, "unterminated quoted string".into()));
                    }
                    cur.push(Token {
                        text: s,
                        quoted: true,
                    });
                }
                _ => {
                    let mut s = String::new();
                    while let Some(&c) = chars.peek() {
                        if matches!(c, ' ' | '\t' | '\r' | ';' | '(' | ')' | '"') {
                            break;
                        }
                        chars.next();
                        if c == '\\' {
                            s.push(escaped(&mut chars));
                        } else {
                            s.push(c);
                        }
                    }
                    cur.push(Token {
                        text: s,
                        quoted: false,
                    });
                }
            }
        }
        if depth == 0 && !cur.is_empty() {
            out.push((start, blank, std::mem::take(&mut cur)));
        }
    }
    if depth > 0 {
        return Err((start, "unclosed '('".into()));
    }
    Ok(out)
}

/// `\X` or `\DDD` after the backslash.
fn escaped(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> char {
    let mut digits = String::new();
    while digits.len() < 3 && chars.peek().is_some_and(|c| c.is_ascii_digit()) {
        digits.push(chars.next().unwrap_or('0'));
    }
    if digits.is_empty() {
        return chars.next().unwrap_or('\\');
    }
    digits
        .parse::<u32>()
        .ok()
        .and_then(char::from_u32)
        .unwrap_or('?')
}

#[cfg(test)]
mod tests {
    use super::*;

    const ZONE: &str = r#"$ORIGIN example.com.
$TTL 300
@ IN SOA ns1 hostmaster ( 1 ; serial
  3600 600 86400 300 )
  IN NS ns1
  IN MX 10 mx1
  IN TXT "v=spf1 " "ip4:192.0.2.0/24 -all" ; two strings
mx1 300 IN A 192.0.2.10
mx1 AAAA 2001:db8::10
www CNAME mx1
10.2.0.192.in-addr.arpa. PTR mx1.example.com.
"#;

    #[test]
    fn parses_tlsa_records() {
        let z = Zone::parse(
            "_25._tcp.mx.example. IN TLSA 3 1 1 ( ab01\n CDEF )\n",
            "t.zone",
        )
        .expect("parses");
        assert_eq!(
            z.lookup("_25._tcp.mx.example", RType::Tlsa),
            Some(Lookup::Answer(vec![Rr::Tlsa(
                3,
                1,
                1,
                vec![0xab, 1, 0xcd, 0xef]
            )]))
        );
        assert!(Zone::parse("x. TLSA 3 1 1 xyz\n", "t.zone").is_err());
    }

    #[test]
    fn parses_the_master_file_forms() {
        let z = Zone::parse(ZONE, "t.zone").expect("parses");
        assert_eq!(
            z.lookup("EXAMPLE.com.", RType::Txt),
            Some(Lookup::Answer(vec![Rr::Txt(vec![
                "v=spf1 ".into(),
                "ip4:192.0.2.0/24 -all".into()
            ])]))
        );
        assert_eq!(
            z.lookup("example.com", RType::Mx),
            Some(Lookup::Answer(vec![Rr::Mx(10, "mx1.example.com".into())]))
        );
        assert_eq!(
            z.lookup("www.example.com", RType::A),
            Some(Lookup::Answer(vec![Rr::A("192.0.2.10".parse().unwrap())]))
        );
        assert_eq!(
            z.lookup("mx1.example.com", RType::Txt),
            Some(Lookup::NoData)
        );
        assert_eq!(z.lookup("nope.example.com", RType::A), None);
        assert_eq!(
            z.lookup("10.2.0.192.in-addr.arpa", RType::Ptr),
            Some(Lookup::Answer(vec![Rr::Ptr("mx1.example.com".into())]))
        );
        assert!(matches!(
            z.lookup("example.com", RType::Soa),
            Some(Lookup::Answer(_))
        ));
    }

    #[test]
    fn wildcards_cover_missing_names_below_them() {
        let z = Zone::parse(
            "*.w.example. TXT \"v=spf1 -all\"\nw.example. A 192.0.2.1\nx.w.example. A 192.0.2.2\n",
            "w",
        )
        .unwrap();
        assert!(matches!(
            z.lookup("a.b.w.example", RType::Txt),
            Some(Lookup::Answer(_))
        ));
        assert_eq!(z.lookup("x.w.example", RType::Txt), Some(Lookup::NoData));
        assert_eq!(z.lookup("other.example", RType::Txt), None);
    }

    #[test]
    fn errors_name_file_and_line() {
        let e = Zone::parse("a.example. A 192.0.2.1\nb.example. A 999.1.1.1\n", "z.txt")
            .expect_err("bad address");
        assert_eq!((e.file.as_str(), e.line), ("z.txt", 2));
        assert!(e.to_string().starts_with("z.txt:2: bad IPv4"), "{e}");
        let e = Zone::parse("x. TXT \"open\n", "z").expect_err("unterminated");
        assert_eq!(e.line, 1);
        let e = Zone::parse("x. FOO 1\n", "z").expect_err("type");
        assert!(e.message.contains("FOO"));
    }

    proptest::proptest! {
        /// Any text: a zone or an error naming a line, never a panic.
        #[test]
        fn any_text_parses_or_errs(text in "[ -~\\t\\n();\"\\\\$@é]{0,200}") {
            if let Err(e) = Zone::parse(&text, "p") {
                proptest::prop_assert!(e.line >= 1 && e.line <= text.lines().count().max(1));
            }
        }
    }
}
