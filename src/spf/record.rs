//! An SPF record's syntax (RFC 7208 section 4.6.1, 5, 6): directives with qualifiers,
//! mechanisms with their domain-spec and CIDR lengths, the `redirect` and `exp` modifiers;
//! unknown modifiers are kept and ignored. Any syntax error makes the whole record a permerror.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::macros;

/// A directive's qualifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Qualifier {
    /// `+` (the default).
    Pass,
    /// `-`.
    Fail,
    /// `~`.
    SoftFail,
    /// `?`.
    Neutral,
}

/// A mechanism with its arguments (domain-specs unexpanded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mechanism {
    /// `all`.
    All,
    /// `include:domain-spec`.
    Include(String),
    /// `a[:domain-spec][/v4][//v6]`.
    A(Option<String>, u8, u8),
    /// `mx[:domain-spec][/v4][//v6]`.
    Mx(Option<String>, u8, u8),
    /// `ptr[:domain-spec]`.
    Ptr(Option<String>),
    /// `ip4:addr[/len]`.
    Ip4(Ipv4Addr, u8),
    /// `ip6:addr[/len]`.
    Ip6(Ipv6Addr, u8),
    /// `exists:domain-spec`.
    Exists(String),
}

/// One directive: qualifier, mechanism and its text as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    /// The qualifier.
    pub qualifier: Qualifier,
    /// The mechanism.
    pub mechanism: Mechanism,
    /// The term as written in the record.
    pub text: String,
}

/// A parsed record.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Record {
    /// Directives in order.
    pub directives: Vec<Directive>,
    /// `redirect=` domain-spec.
    pub redirect: Option<String>,
    /// `exp=` domain-spec.
    pub exp: Option<String>,
}

/// True when a TXT string is an SPF version 1 record (`v=spf1` then a space or the end).
pub fn is_spf1(txt: &str) -> bool {
    let b = txt.as_bytes();
    b.len() >= 6 && b[..6].eq_ignore_ascii_case(b"v=spf1") && (b.len() == 6 || b[6] == b' ')
}

/// Parse a record (starting with `v=spf1`); the error says which term is bad.
pub fn parse(txt: &str) -> Result<Record, String> {
    if !is_spf1(txt) {
        return Err("not an SPF version 1 record".into());
    }
    let mut rec = Record::default();
    for term in txt[6..].split(' ').filter(|t| !t.is_empty()) {
        if !term.is_ascii() {
            return Err(format!("non-ASCII term {term:?}"));
        }
        if let Some((name, value)) = modifier(term) {
            let lname = name.to_ascii_lowercase();
            match lname.as_str() {
                "redirect" | "exp" => {
                    domain_spec(value).map_err(|e| format!("{term}: {e}"))?;
                    let slot = if lname == "redirect" {
                        &mut rec.redirect
                    } else {
                        &mut rec.exp
                    };
                    if slot.is_some() {
                        return Err(format!("more than one {lname} modifier"));
                    }
                    *slot = Some(value.to_string());
                }
                _ => {
                    macros::check(value, false).map_err(|e| format!("{term}: {e}"))?;
                }
            }
            continue;
        }
        rec.directives
            .push(directive(term).map_err(|e| format!("{term:?}: {e}"))?);
    }
    Ok(rec)
}

/// `name=value` when the term is a modifier (name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." )).
fn modifier(term: &str) -> Option<(&str, &str)> {
    let (name, value) = term.split_once('=')?;
    let mut chars = name.chars();
    let first = chars.next()?;
    (first.is_ascii_alphabetic()
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
    .then_some((name, value))
}

fn directive(term: &str) -> Result<Directive, String> {
    let (qualifier, rest) = match term.as_bytes()[0] {
        b'+' => (Qualifier::Pass, &term[1..]),
        b'-' => (Qualifier::Fail, &term[1..]),
        b'~' => (Qualifier::SoftFail, &term[1..]),
        b'?' => (Qualifier::Neutral, &term[1..]),
        _ => (Qualifier::Pass, term),
    };
    let end = rest.find([':', '/']).unwrap_or(rest.len());
    let name = rest[..end].to_ascii_lowercase();
    let args = &rest[end..];
    let mechanism = match name.as_str() {
        "all" => {
            no_args(args)?;
            Mechanism::All
        }
        "include" => Mechanism::Include(required_spec(args)?),
        "exists" => Mechanism::Exists(required_spec(args)?),
        "a" | "mx" => {
            let (spec, v4, v6) = spec_and_cidr(args)?;
            if name == "a" {
                Mechanism::A(spec, v4, v6)
            } else {
                Mechanism::Mx(spec, v4, v6)
            }
        }
        "ptr" => {
            let (spec, v4, v6) = spec_and_cidr(args)?;
            if (v4, v6) != (32, 128) {
                return Err("ptr takes no CIDR length".into());
            }
            Mechanism::Ptr(spec)
        }
        "ip4" => {
            let a = args.strip_prefix(':').ok_or("ip4 needs an address")?;
            let (addr, len) = split_len(a, 32)?;
            let ip: Ipv4Addr = addr
                .parse()
                .map_err(|_| format!("bad IPv4 address {addr:?}"))?;
            Mechanism::Ip4(ip, len)
        }
        "ip6" => {
            let a = args.strip_prefix(':').ok_or("ip6 needs an address")?;
            let (addr, len) = split_len(a, 128)?;
            let ip: Ipv6Addr = addr
                .parse()
                .map_err(|_| format!("bad IPv6 address {addr:?}"))?;
            Mechanism::Ip6(ip, len)
        }
        _ => return Err(format!("unknown mechanism {name:?}")),
    };
    Ok(Directive {
        qualifier,
        mechanism,
        text: term.to_string(),
    })
}

fn no_args(args: &str) -> Result<(), String> {
    if args.is_empty() {
        Ok(())
    } else {
        Err("takes no argument".into())
    }
}

fn required_spec(args: &str) -> Result<String, String> {
    let spec = args.strip_prefix(':').ok_or("needs a domain")?;
    domain_spec(spec)?;
    Ok(spec.to_string())
}

/// `[:domain-spec][/v4][//v6]`.
fn spec_and_cidr(args: &str) -> Result<(Option<String>, u8, u8), String> {
    let (spec, cidr) = match args.strip_prefix(':') {
        Some(rest) => {
            // The CIDR part starts at the first '/' followed by digits to the end.
            let cut = cidr_start(rest);
            (Some(&rest[..cut]), &rest[cut..])
        }
        None => (None, args),
    };
    if let Some(s) = spec {
        domain_spec(s)?;
    }
    let (mut v4, mut v6) = (32u8, 128u8);
    if !cidr.is_empty() {
        let (four, six) = match cidr.find("//") {
            Some(i) => (&cidr[..i], Some(&cidr[i + 2..])),
            None => (cidr, None),
        };
        if let Some(l) = four.strip_prefix('/') {
            v4 = length(l, 32)?;
        } else if !four.is_empty() {
            return Err(format!("bad CIDR {cidr:?}"));
        }
        if let Some(l) = six {
            v6 = length(l, 128)?;
        }
    }
    Ok((spec.map(str::to_string), v4, v6))
}

/// Where a trailing CIDR suffix (`/N`, `//N` or `/N//M`) starts; the domain-spec before it
/// may itself hold ':' and '/' (`a:foo:bar/baz.example.com`).
fn cidr_start(s: &str) -> usize {
    let b = s.as_bytes();
    // The '/' before a run of digits that ends at `end`.
    let slash_digits = |end: usize| -> Option<usize> {
        let mut j = end;
        while j > 0 && b[j - 1].is_ascii_digit() {
            j -= 1;
        }
        (j < end && j > 0 && b[j - 1] == b'/').then(|| j - 1)
    };
    let Some(j) = slash_digits(b.len()) else {
        return b.len();
    };
    if j > 0 && b[j - 1] == b'/' {
        let i = j - 1;
        match slash_digits(i) {
            Some(k) if !(k > 0 && b[k - 1] == b'/') => k,
            _ => i,
        }
    } else {
        j
    }
}

fn split_len(a: &str, max: u8) -> Result<(&str, u8), String> {
    match a.split_once('/') {
        Some((addr, l)) => Ok((addr, length(l, max)?)),
        None => Ok((a, max)),
    }
}

fn length(l: &str, max: u8) -> Result<u8, String> {
    if l.is_empty() || !l.bytes().all(|b| b.is_ascii_digit()) || (l.len() > 1 && l.starts_with('0'))
    {
        return Err(format!("bad CIDR length {l:?}"));
    }
    match l.parse::<u16>() {
        Ok(n) if n <= u16::from(max) => Ok(n as u8),
        _ => Err(format!("CIDR length {l} above {max}")),
    }
}

/// A domain-spec: a macro-string that ends in a macro expansion or a valid top label.
fn domain_spec(spec: &str) -> Result<(), String> {
    if spec.is_empty() {
        return Err("empty domain".into());
    }
    macros::check(spec, false)?;
    let trimmed = spec.strip_suffix('.').unwrap_or(spec);
    if trimmed.ends_with('}') {
        return Ok(());
    }
    let top = trimmed.rsplit('.').next().unwrap_or("");
    let ok = !top.is_empty()
        && top.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && top.bytes().any(|b| b.is_ascii_alphabetic())
        && !top.starts_with('-')
        && !top.ends_with('-')
        && trimmed.contains('.');
    if ok {
        Ok(())
    } else {
        Err(format!("{spec:?} does not end in a valid top-level label"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_mechanisms_and_modifiers() {
        let r = parse("v=spf1 -a:foo.example/24//64 ~mx ptr ip4:192.0.2.0/24 ip6:2001:db8::/32 include:x.example exists:%{i}.e.example redirect=r.example exp=e.example foo=bar ?all").unwrap();
        assert_eq!(r.directives.len(), 8);
        assert_eq!(
            r.directives[0].mechanism,
            Mechanism::A(Some("foo.example".into()), 24, 64)
        );
        assert_eq!(r.directives[0].qualifier, Qualifier::Fail);
        assert_eq!(r.directives[1].mechanism, Mechanism::Mx(None, 32, 128));
        assert_eq!(r.redirect.as_deref(), Some("r.example"));
        assert_eq!(r.exp.as_deref(), Some("e.example"));
        assert_eq!(r.directives[7].qualifier, Qualifier::Neutral);
    }

    #[test]
    fn rejects_bad_syntax() {
        for bad in [
            "v=spf1 foo",
            "v=spf1 ip4:1.2.3.4/33",
            "v=spf1 a:foo.123",
            "v=spf1 redirect=a.example redirect=b.example",
            "v=spf1 include",
            "v=spf1 a/0128",
            "v=spf1 exists:%{z}.example",
            "v=spf1 a:foo.example/24/16",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        let r = parse("v=spf1 a:foo:bar/baz.example.com mx:x.example//64").unwrap();
        assert_eq!(
            r.directives[0].mechanism,
            Mechanism::A(Some("foo:bar/baz.example.com".into()), 32, 128)
        );
        assert_eq!(
            r.directives[1].mechanism,
            Mechanism::Mx(Some("x.example".into()), 32, 64)
        );
        assert!(!is_spf1("v=spf10"));
        assert!(is_spf1("V=SPF1"));
    }
}
