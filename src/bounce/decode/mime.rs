//! Multipart structure at the byte level: boundaries, the parts between delimiter lines, their
//! media types and plain header sections (read the way mail-parser reads them).

use super::search::find_ci;

/// The value of the `boundary` parameter in a header section (lowercase search, original case
/// kept), quoted or not.
pub(super) fn boundary_param(head: &[u8]) -> Option<&[u8]> {
    let ct = find_ci(head, b"content-type:")?;
    let at = ct + find_ci(&head[ct..], b"boundary=")? + b"boundary=".len();
    let v = &head[at..];
    let b = if let Some(q) = v.strip_prefix(b"\"") {
        &q[..memchr::memchr(b'"', q)?]
    } else {
        let end = v
            .iter()
            .position(|&c| c == b';' || c.is_ascii_whitespace())
            .unwrap_or(v.len());
        &v[..end]
    };
    (!b.is_empty() && b.len() <= 200).then_some(b)
}

/// A field name the way mail-parser reads it too: letters, digits and hyphens only (it drops
/// white space inside a name, so `Content- Type` would be its `Content-Type`).
pub(super) fn plain_name(name: &[u8]) -> bool {
    !name.is_empty() && name.iter().all(|&c| c.is_ascii_alphanumeric() || c == b'-')
}

/// Whether every line of a part's header section (`head`, after the rest of the delimiter
/// line, up to the blank line) is a `name:` field with a [`plain_name`] or a continuation
/// line: the fields found by searching it are the parser's.
pub(super) fn plain_part_fields(head: &[u8]) -> bool {
    let fields = head.split(|&c| c == b'\n').skip(1);
    fields.take_while(|l| !l.is_empty()).all(|l| {
        l[0] == b' '
            || l[0] == b'\t'
            || memchr::memchr(b':', l).is_some_and(|c| plain_name(&l[..c]))
    })
}

/// One part of a multipart body: its lowercased header section, where its body starts and
/// where the next delimiter line starts.
pub(super) struct PartSpan {
    pub(super) head: Vec<u8>,
    pub(super) body_start: usize,
    pub(super) next: usize,
}

/// The parts between the `--boundary` lines of `raw[from..to]` (`from` at the line break
/// before the first delimiter).
pub(super) fn mime_parts(raw: &[u8], from: usize, to: usize, boundary: &[u8]) -> Vec<PartSpan> {
    let delim_len = boundary.len() + 3;
    let mut out = Vec::new();
    let mut pos = from;
    while let Some(i) = find_delim(&raw[pos..to], boundary) {
        let part_start = pos + i + delim_len;
        if raw[part_start..to].starts_with(b"--") {
            break; // the closing delimiter
        }
        let Some(hdr_len) = find_lit!(&raw[part_start..to], b"\n\n") else {
            break;
        };
        let body_start = part_start + hdr_len + 2;
        let next = find_delim(&raw[body_start..to], boundary).map_or(to, |k| body_start + k);
        out.push(PartSpan {
            head: raw[part_start..body_start].to_ascii_lowercase(),
            body_start,
            next,
        });
        if next >= to {
            break;
        }
        pos = next;
    }
    out
}

/// Where `\n--boundary` first occurs in `hay`: the `\n--` searcher is built once, not one
/// searcher per boundary (building one costs more than the search in most bounces).
fn find_delim(hay: &[u8], boundary: &[u8]) -> Option<usize> {
    let mut from = 0;
    while let Some(k) = find_lit!(&hay[from..], b"\n--") {
        let i = from + k;
        if hay[i + 3..].starts_with(boundary) {
            return Some(i);
        }
        from = i + 1;
    }
    None
}

/// The media type of a lowercased header section (`text/plain`, ...), or "".
pub(super) fn span_type(head: &[u8]) -> &[u8] {
    let Some(v) = field_line!(head, b"content-type:") else {
        return b"";
    };
    v[..memchr::memchr(b';', v).unwrap_or(v.len())].trim_ascii()
}

/// Whether a lowercased part header section has exactly one `Content-Type:` field, and it
/// starts a line.
pub(super) fn one_content_type_line(head: &[u8]) -> bool {
    find_lit!(head, b"content-type:").is_some_and(|k| k > 0 && head[k - 1] == b'\n')
        && once_lit!(head, b"content-type:")
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(2000))]
        #[test]
        fn find_delim_is_memmem(hay in "(\n|-|a|b|ab){0,40}", boundary in "[ab-]{0,3}") {
            let delim = [b"\n--", boundary.as_bytes()].concat();
            proptest::prop_assert_eq!(
                find_delim(hay.as_bytes(), boundary.as_bytes()),
                memchr::memmem::find(hay.as_bytes(), &delim)
            );
        }
    }
}
