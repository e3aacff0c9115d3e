//! Spreadsheet safety: the one rule for CSV cells a spreadsheet would run as a formula, used by
//! every CSV writer (`clean`, `bounces`, `logs`).

/// Whether a spreadsheet would run this cell as a formula (`=`, `+`, `-`, `@`, or a leading
/// tab/CR, as OWASP lists them).
pub(crate) fn is_formula(cell: &[u8]) -> bool {
    matches!(
        cell.first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    )
}

/// Prefix a formula-like cell with `'` so spreadsheets show it as text.
pub(crate) fn escape_formula(cell: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    if is_formula(cell) {
        let mut v = Vec::with_capacity(cell.len() + 1);
        v.push(b'\'');
        v.extend_from_slice(cell);
        std::borrow::Cow::Owned(v)
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}
