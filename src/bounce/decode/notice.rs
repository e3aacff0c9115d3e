//! Reading the notice text: where each recipient is mentioned (its paragraph), forwarded
//! (`> `-quoted) notices, capped slices.

use crate::bounce::text::{self, find_addresses};

/// Where each recipient is first mentioned in a notice, so that every recipient's paragraph
/// is found in O(log n) after one scan (a notice can name thousands of recipients).
pub(super) struct NoticeIndex<'a> {
    text: &'a str,
    /// Byte offsets of line starts.
    lines: Vec<usize>,
    /// (offset, recipient index) of each mention, sorted.
    mentions: Vec<(usize, usize)>,
    /// First mention of each recipient.
    pub(super) first: Vec<Option<usize>>,
    /// Lowercased recipient to index.
    ids: std::collections::HashMap<String, usize>,
}

impl<'a> NoticeIndex<'a> {
    /// `found`: the addresses of `text` when the caller has them already.
    pub(super) fn new(
        text: &'a str,
        rcpts: &[String],
        found: Option<Vec<text::Found>>,
    ) -> NoticeIndex<'a> {
        let mut ids: std::collections::HashMap<String, usize> = Default::default();
        for (i, r) in rcpts.iter().enumerate() {
            ids.entry(r.to_ascii_lowercase()).or_insert(i);
        }
        let mut mentions: Vec<(usize, usize)> = found
            .unwrap_or_else(|| find_addresses(text))
            .into_iter()
            .filter_map(|f| ids.get(&f.addr.to_ascii_lowercase()).map(|&i| (f.start, i)))
            .collect();
        let mut first = vec![None; rcpts.len()];
        for &(p, i) in &mentions {
            first[i].get_or_insert(p);
        }
        // Sendmail-style per-host lines (`550 example.org (smtp)... 550 Host unknown`) belong
        // to the recipient at that domain: they end the previous recipient's paragraph
        if find_lit!(text.as_bytes(), b" (smtp)").is_some() {
            let mut by_domain: std::collections::HashMap<String, usize> = Default::default();
            for (i, r) in rcpts.iter().enumerate() {
                if let Some((_, d)) = r.rsplit_once('@') {
                    by_domain.entry(d.to_ascii_lowercase()).or_insert(i);
                }
            }
            let mut off = 0;
            for line in text::lines_inclusive(text) {
                if let Some(k) = line.find(" (smtp)") {
                    let host = line[..k]
                        .rsplit(|c: char| c.is_whitespace())
                        .next()
                        .unwrap_or("")
                        .to_ascii_lowercase();
                    if by_domain.contains_key(&host) {
                        // the line opens the paragraph of the recipient named next (several
                        // recipients can share the domain): it ends the one before
                        mentions.push((off, usize::MAX));
                    }
                }
                off += line.len();
            }
            mentions.sort_unstable();
        }
        // addresses the scanner does not see (quoted local parts, ...): a plain search, for
        // a few recipients only
        if rcpts.len() <= 16 && first.iter().any(Option::is_none) {
            let lower = text.to_ascii_lowercase();
            for (i, r) in rcpts.iter().enumerate() {
                if first[i].is_none()
                    && let Some(p) = lower.find(&r.to_ascii_lowercase())
                {
                    first[i] = Some(p);
                    mentions.push((p, i));
                }
            }
            mentions.sort_unstable();
        }
        // (room for lines of ~40 bytes before the vector regrows)
        let mut lines = Vec::with_capacity(text.len() / 40 + 2);
        lines.push(0);
        lines.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        NoticeIndex {
            text,
            lines,
            mentions,
            first,
            ids,
        }
    }

    pub(super) fn id(&self, rcpt: &str) -> Option<usize> {
        self.ids.get(&rcpt.to_ascii_lowercase()).copied()
    }

    fn line_start(&self, pos: usize) -> usize {
        let k = self.lines.partition_point(|&l| l <= pos);
        self.lines[k.saturating_sub(1)]
    }

    /// The paragraph(s) about recipient `i`: from the line of its first mention to the line
    /// of the next mention of another recipient.
    pub(super) fn block(&self, i: usize) -> &'a str {
        let Some(start) = self.first.get(i).copied().flatten() else {
            return "";
        };
        let ls = self.line_start(start);
        let k = self.mentions.partition_point(|&(p, _)| p <= start);
        let mut end = self.text.len();
        for &(p, j) in &self.mentions[k..] {
            if j != i {
                let l = self.line_start(p);
                if l > ls {
                    end = l;
                    break;
                }
            }
        }
        self.text.get(ls..end).unwrap_or("")
    }

    /// The non-blank line just above the first mention of recipient `i`, unless it introduces
    /// a list (ends with `:`) or is a decoration (`-----`).
    pub(super) fn line_before(&self, i: usize) -> Option<&'a str> {
        let start = self.first.get(i).copied().flatten()?;
        let ls = self.line_start(start);
        if ls == 0 {
            return None;
        }
        let prev = self.text[..ls]
            .lines()
            .rev()
            .take(8)
            .find(|l| !l.trim().is_empty())?
            .trim();
        if prev.ends_with(':')
            || prev.starts_with("--")
            || prev.starts_with("==")
            || prev.len() > 300
        {
            return None;
        }
        Some(prev)
    }
}

/// Remove `> ` quoting when most lines of a notice are quoted (a forwarded bounce).
pub(super) fn unquote(notice: &str) -> Option<String> {
    // no line starts with `>`: nothing is quoted (the common case, one memchr scan)
    if !notice.starts_with('>') && find_lit!(notice.as_bytes(), b"\n>").is_none() {
        return None;
    }
    let (mut quoted, mut total) = (0usize, 0usize);
    for l in notice.lines().take(400) {
        if l.trim().is_empty() {
            continue;
        }
        total += 1;
        if l.starts_with('>') {
            quoted += 1;
        }
    }
    if total < 4 || quoted * 10 < total * 6 {
        return None;
    }
    let mut out = String::with_capacity(notice.len());
    for l in notice.lines() {
        let t = l.strip_prefix('>').unwrap_or(l);
        out.push_str(t.strip_prefix(' ').unwrap_or(t));
        out.push('\n');
    }
    Some(out)
}

/// At most `max` bytes of `s`, cut on a char boundary.
pub(super) fn cap_str(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut e = max;
    while !s.is_char_boundary(e) {
        e -= 1;
    }
    &s[..e]
}
