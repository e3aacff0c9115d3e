//! The SMTP command an error answered, from the phrases MTAs use and `>>>` transcripts.

use std::sync::OnceLock;

use crate::bounce::classify::DfaScan;
use crate::bounce::text::{self, squeeze};

/// Phrases naming the SMTP command an error answered (see [`smtp_command`]), in order of
/// preference.
const CMDS: [(&str, &str); 24] = [
    ("in reply to end of data", "DATA"),
    ("in reply to data", "DATA"),
    ("in reply to rcpt to", "RCPT"),
    ("in reply to mail from", "MAIL"),
    ("in reply to ehlo", "EHLO"),
    ("in reply to helo", "HELO"),
    ("while performing the helo", "HELO"),
    ("while performing the ehlo", "EHLO"),
    ("after end of data", "DATA"),
    ("after data", "DATA"),
    ("after rcpt to", "RCPT"),
    ("after rcpt command", "RCPT"),
    ("for text command", "DATA"),
    ("after mail from", "MAIL"),
    ("after ehlo", "EHLO"),
    ("after helo", "HELO"),
    ("after initial connection", "CONN"),
    ("most progress was rcpt to", "RCPT"),
    ("did not like our rcpt to", "RCPT"),
    ("did not like our mail from", "MAIL"),
    ("does not like recipient", "RCPT"),
    ("sender was rejected", "MAIL"),
    ("my name was rejected", "EHLO"),
    ("refused to talk to me", "HELO"),
];

/// The SMTP command an error answered, from phrases MTAs use ("in reply to RCPT TO command",
/// "after end of data", ">>> DATA" transcripts, "did not like our RCPT TO", ...).
pub(crate) fn smtp_command(text: &str) -> &'static str {
    let mut end = text.len().min(8 * 1024);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let head = &text[..end];
    // one pass for all phrases over the squeezed, lowercased text (fed to the automaton byte
    // by byte, not copied); the first phrase of the list that occurs wins
    let (first, rcpt_marker) = command_phrases(head);
    if let Some(k) = first {
        return CMDS[k].1;
    }
    // Sendmail-style transcripts: the last ">>> COMMAND" line before the error
    let mut last = "";
    let transcript = find_lit!(head.as_bytes(), b">>>").is_some();
    let lower = if transcript {
        head.to_ascii_lowercase()
    } else {
        String::new()
    };
    for line in text::lines(&lower) {
        let t = line.trim_start();
        if !last.is_empty()
            && let Some(reply) = t.strip_prefix("<<< ")
            && reply.starts_with(['4', '5'])
        {
            break;
        }
        if let Some(rest) = t.strip_prefix(">>> ") {
            let w = rest.trim_start();
            last = if w.starts_with("rcpt") {
                "RCPT"
            } else if w.starts_with("mail") {
                "MAIL"
            } else if w.starts_with("data") || w == "." {
                "DATA"
            } else if w.starts_with("ehlo") {
                "EHLO"
            } else if w.starts_with("helo") {
                "HELO"
            } else {
                last
            };
        }
    }
    if !last.is_empty() {
        return last;
    }
    if rcpt_marker { "RCPT" } else { "" }
}

/// How [`command_phrases`] reads an ASCII byte: 0 white space (squeezed), 1 a control
/// character (dropped), else the byte in lowercase (one load instead of three tests).
const SQUEEZE_LOWER: [u8; 256] = {
    let mut t = [1u8; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        if b.is_ascii_whitespace() || b == 0x0b {
            t[c] = 0;
        } else if b >= 0x21 && b <= 0x7e {
            t[c] = b.to_ascii_lowercase();
        }
        c += 1;
    }
    t
};

/// The phrases of [`smtp_command`] (its list, then the markers `[rcpt_to]` and `smtp:rcpt`)
/// found in `squeeze(head)` lowercased: the smallest index of a phrase of the list that
/// occurs, and whether a marker occurs. ASCII text is squeezed on the fly (same bytes as
/// [`squeeze`]: white space runs become one space, leading white space and control characters
/// are dropped; `head` is never longer than the squeeze limit).
fn command_phrases(head: &str) -> (Option<usize>, bool) {
    const MARKERS: usize = CMDS.len();
    static DFA: OnceLock<aho_corasick::dfa::DFA> = OnceLock::new();
    let dfa = DFA.get_or_init(|| {
        aho_corasick::dfa::DFA::builder()
            .match_kind(aho_corasick::MatchKind::Standard)
            .prefilter(false)
            .build(
                CMDS.iter()
                    .map(|(k, _)| *k)
                    .chain(["[rcpt_to]", "smtp:rcpt"]),
            )
            .expect("static phrases")
    });
    let Some(mut scan) = DfaScan::new(dfa) else {
        return (None, false);
    };
    let mut best = usize::MAX;
    let mut marker = false;
    /// A byte that ends phrases: note them (rare, kept out of the byte loop).
    #[cold]
    fn note(matched: impl Iterator<Item = usize>, best: &mut usize, marker: &mut bool) {
        for k in matched {
            if k >= MARKERS {
                *marker = true;
            } else {
                *best = (*best).min(k);
            }
        }
    }
    // (a macro, not a closure: the step is inlined at every call site)
    macro_rules! feed {
        ($b:expr) => {
            if scan.step($b) {
                note(scan.matched(), &mut best, &mut marker);
            }
        };
    }
    if head.is_ascii() && head.len() <= 8 * 1024 {
        let (mut space, mut empty) = (false, true);
        for &c in head.as_bytes() {
            let t = SQUEEZE_LOWER[usize::from(c)];
            if t == 0 {
                space = !empty;
                continue;
            }
            if space {
                feed!(b' ');
                space = false;
                empty = false;
            }
            if t > 1 {
                feed!(t);
                empty = false;
            }
        }
    } else {
        let mut flat = squeeze(head, 8 * 1024);
        flat.make_ascii_lowercase();
        for &c in flat.as_bytes() {
            feed!(c);
        }
    }
    ((best != usize::MAX).then_some(best), marker)
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(2000))]
        #[test]
        fn command_phrases_are_found_in_the_squeezed_text(
            head in "(In reply to|RCPT TO|after|DATA|end of|\\[rcpt_to\\]|smtp:Rcpt|[ \t\n\x0b\x0c\r]{1,3}|\x01|\x7f|a|é){0,20}"
        ) {
            let flat = squeeze(&head, 8 * 1024).to_ascii_lowercase();
            let best = CMDS.iter().position(|(k, _)| flat.contains(k));
            let marker = flat.contains("[rcpt_to]") || flat.contains("smtp:rcpt");
            proptest::prop_assert_eq!(command_phrases(&head), (best, marker));
        }
    }
}
