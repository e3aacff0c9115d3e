//! How an explanation is written: a readable text block (every untrusted string made
//! terminal-safe) or one JSON object.

use std::fmt::Write as _;

use super::Explanation;
use crate::text::terminal_safe;

/// A readable block for the terminal, ending with a blank line.
pub fn to_text(e: &Explanation) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "input:    {}", terminal_safe(&e.input));
    if e.format != "text" {
        let _ = writeln!(
            s,
            "reply:    {} (from a {} log line)",
            terminal_safe(&e.text),
            e.format
        );
    }
    match e.code {
        Some(c) => {
            let _ = writeln!(
                s,
                "code:     {c} {}",
                e.code_meaning.unwrap_or("(not a standard reply code)")
            );
        }
        None => {
            let _ = writeln!(s, "code:     none");
        }
    }
    match &e.enhanced_code {
        Some(c) => {
            let _ = writeln!(
                s,
                "enhanced: {c} {}",
                e.enhanced_meaning.as_deref().unwrap_or("")
            );
        }
        None => {
            let _ = writeln!(s, "enhanced: none");
        }
    }
    let _ = writeln!(s, "class:    {}", e.class.as_str());
    let kind = if e.hard { "hard" } else { "not hard" };
    let _ = write!(s, "reason:   {} ({kind}", e.reason.as_str());
    if let Some(c) = e.command {
        let _ = write!(s, "; in reply to {c}");
    }
    let _ = writeln!(s, ")");
    let _ = writeln!(s, "cause:    {}", e.cause);
    let _ = writeln!(s, "fix:      {}", e.fix);
    for l in &e.links {
        let _ = writeln!(s, "see:      {l}");
    }
    s.push('\n');
    s
}

/// One JSON object (no newline).
pub fn to_json(e: &Explanation) -> String {
    serde_json::to_string(e).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::super::explain;
    use super::*;

    #[test]
    fn text_is_terminal_safe_and_json_has_the_fields() {
        let e = explain("550 5.1.1 \u{1b}[31mUser unknown\u{7}");
        let t = to_text(&e);
        assert!(!t.contains('\u{1b}') && !t.contains('\u{7}'));
        assert!(t.contains("class:    permanent"));
        let v: serde_json::Value = serde_json::from_str(&to_json(&e)).unwrap();
        for k in [
            "input",
            "code",
            "enhanced_code",
            "class",
            "reason",
            "cause",
            "fix",
            "links",
        ] {
            assert!(v.get(k).is_some(), "{k}");
        }
        assert_eq!(v["code"], 550);
        assert_eq!(v["enhanced_code"], "5.1.1");
        assert_eq!(v["class"], "permanent");
        assert_eq!(v["reason"], "userunknown");
    }
}
