//! Text safe to print: untrusted strings with control and bidirectional-override characters
//! replaced, so they cannot drive a terminal.

/// Replace control and bidirectional-override characters so untrusted text cannot move the
/// cursor, change colours or reorder a terminal line.
pub fn terminal_safe(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control()
                || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
            {
                '\u{fffd}'
            } else {
                c
            }
        })
        .collect()
}
