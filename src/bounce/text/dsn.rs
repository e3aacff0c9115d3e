//! RFC 3464 field blocks in text (`message/delivery-status`) and the values in them: DSN
//! addresses, typed fields (`smtp; 550 ...`), the reply quoted in an Amazon SES diagnostic.

use super::address::first_address;
use super::lines::{is_blank, lines};

/// One group of RFC 3464 fields (the per-message block or a per-recipient block).
pub(crate) type FieldBlock = Vec<(String, String)>;

/// Parse `message/delivery-status` text into blocks separated by blank lines, each a list of
/// unfolded `(lowercased name, value)` fields.
pub(crate) fn field_blocks(text: &str) -> Vec<FieldBlock> {
    let mut blocks: Vec<FieldBlock> = Vec::new();
    let mut cur: FieldBlock = Vec::new();
    for line in lines(text) {
        if is_blank(line) {
            if !cur.is_empty() {
                blocks.push(std::mem::take(&mut cur));
            }
            continue;
        }
        if line.starts_with([' ', '\t']) {
            if let Some(last) = cur.last_mut()
                && last.1.len() < 8192
            {
                last.1.push(' ');
                last.1.push_str(line.trim());
            }
            continue;
        }
        // (names are short: a scan from the start finds the colon before a memchr is set up)
        if let Some(colon) = line.bytes().position(|b| b == b':') {
            let name = line[..colon].trim();
            if !name.is_empty() && name.len() < 64 && !name.contains(' ') {
                cur.push((
                    name.to_ascii_lowercase(),
                    line[colon + 1..].trim().to_string(),
                ));
                continue;
            }
        }
        // a stray line: treat as continuation of the last field
        if let Some(last) = cur.last_mut()
            && last.1.len() < 8192
        {
            last.1.push(' ');
            last.1.push_str(line.trim());
        }
    }
    if !cur.is_empty() {
        blocks.push(cur);
    }
    blocks
}

/// The first value of field `name` (lowercase) in a block.
pub(crate) fn field<'a>(block: &'a [(String, String)], name: &str) -> Option<&'a str> {
    block
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// The address in a DSN address field such as `rfc822; <user@example.com>`.
pub(crate) fn dsn_address(v: &str) -> String {
    let a = match v.find(';') {
        Some(i) => &v[i + 1..],
        None => v,
    };
    let a = a.trim().trim_matches(|c| c == '<' || c == '>');
    let a = a.trim();
    // a quoted local part: "x..y"@example.com
    if a.starts_with('"')
        && let Some(q) = a[1..].find('"')
        && a[q + 2..].starts_with('@')
    {
        let end = a[q + 2..]
            .find(|c: char| c.is_whitespace() || c == '>' || c == ';')
            .map(|i| q + 2 + i)
            .unwrap_or(a.len());
        return a[..end].to_string();
    }
    // "user@example.com (comment)" or "Name <user@example.com>"
    if let Some(f) = first_address(a) {
        return f.addr;
    }
    a.to_string()
}

/// Strip the type prefix of a DSN field (`smtp; 550 ...` -> `550 ...`, `dns; mx.example` ->
/// `mx.example`).
pub(crate) fn strip_type(v: &str) -> &str {
    match v.find(';') {
        Some(i)
            if i < 16
                && v[..i]
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || c == b'-') =>
        {
            v[i + 1..].trim()
        }
        _ => v.trim(),
    }
}

/// The remote server's reply quoted inside an Amazon SES diagnostic
/// (`5.1.0 - Unknown address error 550-'5.7.1 <a@b>... Access denied' (delivery attempts: 0)`):
/// the words before the quote only name the status class SES chose, the quote is what the
/// receiving server said. Other text is returned unchanged.
pub(crate) fn ses_reply(diag: &str) -> &str {
    let b = diag.trim_start().as_bytes();
    let coded = b.len() > 8
        && matches!(b[0], b'4' | b'5')
        && b[1] == b'.'
        && diag.trim_start().find(" - ").is_some_and(|i| i <= 9);
    if !coded {
        return diag;
    }
    match (diag.find('\''), diag.rfind('\'')) {
        (Some(a), Some(z)) if z > a + 1 => &diag[a + 1..z],
        _ => diag,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ses_quoted_reply() {
        assert_eq!(
            ses_reply("5.1.0 - Unknown address error 550-'5.7.1 <a@b.c>... Access denied' (x)"),
            "5.7.1 <a@b.c>... Access denied"
        );
        // not an SES diagnostic: unchanged
        assert_eq!(
            ses_reply("550 'a@b.c' is unknown"),
            "550 'a@b.c' is unknown"
        );
        assert_eq!(ses_reply("5.1.0 - no quote"), "5.1.0 - no quote");
    }
}
