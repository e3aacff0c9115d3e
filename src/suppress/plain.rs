//! Plain address lists: one address a line, an optional `email` heading, `#` comments.

use super::{Entry, SuppressReason};

/// Report each line of a plain list to `sink` (with its 1-based line number).
pub(super) fn read(text: &str, sink: &mut dyn FnMut(u64, Entry<'_>)) {
    let mut first = true;
    for (i, line) in text.lines().enumerate() {
        let l = line.trim().trim_matches('"').trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        if std::mem::take(&mut first)
            && matches!(
                l.to_ascii_lowercase().as_str(),
                "email" | "e-mail" | "email address" | "address"
            )
        {
            continue;
        }
        sink(i as u64 + 1, Entry::Suppress(l, SuppressReason::Listed));
    }
}
