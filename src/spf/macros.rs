//! SPF macros (RFC 7208 section 7): `%{letter digits r delimiters}`, `%%`, `%_`, `%-`, the
//! `exp`-only letters `c`, `r`, `t`, upper-case letters URL-escaped.

use std::net::IpAddr;

/// What the macros expand from.
#[derive(Debug, Clone)]
pub struct MacroContext {
    /// `<sender>`: the full address (`postmaster@domain` when the local part is empty).
    pub sender: String,
    /// `<domain>` being checked now (`d`).
    pub domain: String,
    /// The client address.
    pub ip: IpAddr,
    /// The HELO/EHLO name (`h`).
    pub helo: String,
    /// The receiving host (`r`).
    pub receiver: String,
    /// Seconds since the epoch (`t`).
    pub timestamp: u64,
}

/// Check a macro-string's syntax; `exp` allows the letters `c`, `r`, `t`.
pub fn check(s: &str, exp: bool) -> Result<(), String> {
    expand_with(s, None, exp, &mut || String::new()).map(|_| ())
}

/// Expand a macro-string; `p` gives the validated domain name when the `p` macro is used.
pub fn expand(
    s: &str,
    ctx: &MacroContext,
    exp: bool,
    p: &mut dyn FnMut() -> String,
) -> Result<String, String> {
    expand_with(s, Some(ctx), exp, p)
}

fn expand_with(
    s: &str,
    ctx: Option<&MacroContext>,
    exp: bool,
    p: &mut dyn FnMut() -> String,
) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('%') {
        out.push_str(&rest[..i]);
        rest = &rest[i + 1..];
        match rest.chars().next() {
            Some('%') => out.push('%'),
            Some('_') => out.push(' '),
            Some('-') => out.push_str("%20"),
            Some('{') => {
                let end = rest
                    .find('}')
                    .ok_or_else(|| format!("unterminated macro in {s:?}"))?;
                let body = &rest[1..end];
                out.push_str(&one(body, ctx, exp, p)?);
                rest = &rest[end + 1..];
                continue;
            }
            _ => return Err(format!("bad '%' in {s:?}")),
        }
        rest = &rest[1..];
    }
    out.push_str(rest);
    Ok(out)
}

fn one(
    body: &str,
    ctx: Option<&MacroContext>,
    exp: bool,
    p: &mut dyn FnMut() -> String,
) -> Result<String, String> {
    let mut chars = body.chars();
    let letter = chars.next().ok_or("empty macro")?;
    let lower = letter.to_ascii_lowercase();
    let allowed = matches!(lower, 's' | 'l' | 'o' | 'd' | 'i' | 'p' | 'h' | 'v')
        || (exp && matches!(lower, 'c' | 'r' | 't'));
    if !allowed {
        return Err(format!("unknown macro letter {letter:?}"));
    }
    let tail = chars.as_str();
    let digits_end = tail
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(tail.len());
    let digits = &tail[..digits_end];
    let mut tail = &tail[digits_end..];
    let keep: Option<usize> = if digits.is_empty() {
        None
    } else {
        match digits.parse::<usize>() {
            Ok(0) => return Err("macro transformer 0".into()),
            Ok(n) => Some(n),
            Err(_) => Some(usize::MAX),
        }
    };
    let reverse = if let Some(t) = tail.strip_prefix(['r', 'R']) {
        tail = t;
        true
    } else {
        false
    };
    if !tail.chars().all(|c| ".-+,/_=".contains(c)) {
        return Err(format!("bad macro delimiters {tail:?}"));
    }
    let Some(ctx) = ctx else {
        return Ok(String::new());
    };
    let value = match lower {
        's' => ctx.sender.clone(),
        'l' => ctx
            .sender
            .rsplit_once('@')
            .map(|(l, _)| l.to_string())
            .unwrap_or_default(),
        'o' => ctx
            .sender
            .rsplit_once('@')
            .map(|(_, d)| d.to_string())
            .unwrap_or_default(),
        'd' => ctx.domain.clone(),
        'i' => match ctx.ip {
            IpAddr::V4(a) => a.to_string(),
            IpAddr::V6(a) => a
                .octets()
                .iter()
                .flat_map(|b| [b >> 4, b & 15])
                .map(|n| format!("{n:x}"))
                .collect::<Vec<_>>()
                .join("."),
        },
        'p' => p(),
        'h' => ctx.helo.clone(),
        'v' => match ctx.ip {
            IpAddr::V4(_) => "in-addr".into(),
            IpAddr::V6(_) => "ip6".into(),
        },
        'c' => ctx.ip.to_string(),
        'r' => ctx.receiver.clone(),
        't' => ctx.timestamp.to_string(),
        _ => String::new(),
    };
    let delims: &str = if tail.is_empty() { "." } else { tail };
    let mut parts: Vec<&str> = value.split(|c| delims.contains(c)).collect();
    if reverse {
        parts.reverse();
    }
    if let Some(n) = keep
        && n < parts.len()
    {
        parts.drain(..parts.len() - n);
    }
    let joined = parts.join(".");
    Ok(if letter.is_ascii_uppercase() {
        url_escape(&joined)
    } else {
        joined
    })
}

fn url_escape(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> MacroContext {
        MacroContext {
            sender: "strong-bad@email.example.com".into(),
            domain: "email.example.com".into(),
            ip: "192.0.2.3".parse().unwrap(),
            helo: "mx.example.org".into(),
            receiver: "unknown".into(),
            timestamp: 0,
        }
    }

    fn x(s: &str) -> String {
        expand(s, &ctx(), true, &mut || "unknown".into()).unwrap()
    }

    #[test]
    fn rfc_7208_examples() {
        assert_eq!(x("%{s}"), "strong-bad@email.example.com");
        assert_eq!(x("%{o}"), "email.example.com");
        assert_eq!(x("%{d}"), "email.example.com");
        assert_eq!(x("%{d4}"), "email.example.com");
        assert_eq!(x("%{d3}"), "email.example.com");
        assert_eq!(x("%{d2}"), "example.com");
        assert_eq!(x("%{d1}"), "com");
        assert_eq!(x("%{dr}"), "com.example.email");
        assert_eq!(x("%{d2r}"), "example.email");
        assert_eq!(x("%{l}"), "strong-bad");
        assert_eq!(x("%{l-}"), "strong.bad");
        assert_eq!(x("%{lr}"), "strong-bad");
        assert_eq!(x("%{lr-}"), "bad.strong");
        assert_eq!(x("%{l1r-}"), "strong");
        assert_eq!(
            x("%{ir}.%{v}._spf.%{d2}"),
            "3.2.0.192.in-addr._spf.example.com"
        );
        assert_eq!(x("%{S}"), "strong-bad%40email.example.com");
        assert_eq!(x("a%%b%_c%-d"), "a%b c%20d");
        let mut six = ctx();
        six.ip = "2001:db8::cb01".parse().unwrap();
        assert_eq!(
            expand("%{ir}.%{v}._spf.%{d2}", &six, false, &mut String::new).unwrap(),
            "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com"
        );
    }

    #[test]
    fn rejects_bad_macros() {
        assert!(check("%{c}", false).is_err());
        assert!(check("%{c}", true).is_ok());
        assert!(check("%{d0}", false).is_err());
        assert!(check("%x", false).is_err());
        assert!(check("%{d", false).is_err());
        assert!(check("%{dX}", false).is_err());
    }
}
