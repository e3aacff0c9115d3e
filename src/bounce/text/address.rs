//! Addresses in plain text: every `local@domain.tld` found by a scan around each `@`, and
//! system senders (mailer-daemon, postmaster, ...).

/// Characters allowed in an unquoted local part (RFC 5322 atext plus dots).
fn is_local_char(b: u8) -> bool {
    // (a table: the address scan tests every byte around each `@`)
    const T: [bool; 256] = {
        let mut t = [false; 256];
        let mut i = 0;
        while i < 256 {
            t[i] = (i as u8).is_ascii_alphanumeric();
            i += 1;
        }
        let extra = b"!#$%&'*+/=?^_`{|}~-.";
        let mut k = 0;
        while k < extra.len() {
            t[extra[k] as usize] = true;
            k += 1;
        }
        t
    };
    T[b as usize]
}

fn is_domain_char(b: u8) -> bool {
    const T: [bool; 256] = {
        let mut t = [false; 256];
        let mut i = 0;
        while i < 256 {
            let c = i as u8;
            t[i] = c.is_ascii_alphanumeric() || c == b'-' || c == b'.' || c == b'_' || c >= 0x80;
            i += 1;
        }
        t
    };
    T[b as usize]
}

/// An address found in text: byte range and the address itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Found {
    /// Start byte offset in the scanned text.
    pub start: usize,
    /// End byte offset (exclusive).
    pub end: usize,
    /// The address (as written).
    pub addr: String,
}

/// Every `local@domain.tld` in `text`, in order.
pub(crate) fn find_addresses(text: &str) -> Vec<Found> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(f) = next_address(text, &mut from) {
        out.push(f);
    }
    out
}

/// The first address in `text` (the first of [`find_addresses`], without scanning the rest).
pub(crate) fn first_address(text: &str) -> Option<Found> {
    next_address(text, &mut 0)
}

/// The next address at or after byte `*from` (see [`find_addresses`]); `*from` moves past it.
fn next_address(text: &str, from: &mut usize) -> Option<Found> {
    let b = text.as_bytes();
    while let Some(off) = memchr::memchr(b'@', &b[*from..]) {
        let at = *from + off;
        *from = at + 1;
        let mut s = at;
        while s > 0 && is_local_char(b[s - 1]) && at - s < 128 {
            s -= 1;
        }
        while s < at && b[s] == b'.' {
            s += 1;
        }
        let mut e = at + 1;
        while e < b.len() && is_domain_char(b[e]) && e - at < 256 {
            e += 1;
        }
        while e > at + 1 && matches!(b[e - 1], b'.' | b'-') {
            e -= 1;
        }
        if s == at || e <= at + 1 {
            continue;
        }
        let domain = &b[at + 1..e];
        let Some(dot) = domain.iter().rposition(|&c| c == b'.') else {
            continue;
        };
        if dot == 0 || dot + 1 >= domain.len() || domain.starts_with(b".") {
            continue;
        }
        // keep char boundaries valid: both ends sit next to ASCII bytes or text ends
        if !text.is_char_boundary(s) || !text.is_char_boundary(e) {
            continue;
        }
        *from = e.max(at + 1);
        return Some(Found {
            start: s,
            end: e,
            addr: text[s..e].to_string(),
        });
    }
    None
}

/// Whether an address is a system sender (mailer-daemon, postmaster, ...), never a recipient.
pub(crate) fn is_system_address(addr: &str) -> bool {
    let local = addr.split('@').next().unwrap_or("").to_ascii_lowercase();
    matches!(
        local.as_str(),
        "mailer-daemon" | "postmaster" | "double-bounce" | "mailerdaemon" | "mail-daemon"
    ) || local.starts_with("mailer-daemon")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bounce::text::{dsn_address, strip_type};

    #[test]
    fn address_character_tables() {
        for b in 0..=255u8 {
            let local =
                b.is_ascii_alphanumeric() || b">!#$%&'*+/=?^_`{|}~-.".contains(&b) && b != b'>';
            assert_eq!(is_local_char(b), local, "{b}");
            let domain =
                b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_' || b >= 0x80;
            assert_eq!(is_domain_char(b), domain, "{b}");
        }
    }

    #[test]
    fn addresses() {
        let f = find_addresses("to <a.b@example.jp>: and c@d.example. x@y @z.com e@f");
        let v: Vec<_> = f.iter().map(|f| f.addr.as_str()).collect();
        assert_eq!(v, ["a.b@example.jp", "c@d.example"]);
        assert_eq!(dsn_address("rfc822; <u@x.org>"), "u@x.org");
        assert_eq!(strip_type("smtp; 550 x"), "550 x");
    }
}
