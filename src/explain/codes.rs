//! What reply codes and enhanced status codes mean (RFC 5321, RFC 3463 and the IANA registry),
//! read from `data/smtp_codes.tsv`.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::status::EnhancedStatus;

const CODES_TSV: &str = include_str!("../../data/smtp_codes.tsv");

/// The parsed table: `reply:550`, `class:5`, `subject:X.1`, `status:X.1.1` → meaning.
pub(super) struct Meanings {
    map: HashMap<String, &'static str>,
}

impl Meanings {
    /// Parse `KIND<TAB>CODE<TAB>MEANING` lines; `#` comments and blank lines skipped. A line
    /// that is not three columns of a known kind is an error (the table is checked by a test).
    pub(super) fn parse(tsv: &'static str) -> Result<Meanings, String> {
        let mut map = HashMap::new();
        for (n, line) in tsv.lines().enumerate() {
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let cols: Vec<&str> = line.split('\t').collect();
            let [kind, code, meaning] = cols[..] else {
                return Err(format!("line {}: expected 3 columns", n + 1));
            };
            if !matches!(kind, "reply" | "class" | "subject" | "status") || meaning.is_empty() {
                return Err(format!("line {}: bad kind or empty meaning", n + 1));
            }
            map.insert(format!("{kind}:{code}"), meaning);
        }
        Ok(Meanings { map })
    }

    /// The built-in table.
    pub(super) fn builtin() -> &'static Meanings {
        static M: OnceLock<Meanings> = OnceLock::new();
        M.get_or_init(|| {
            Meanings::parse(CODES_TSV).unwrap_or(Meanings {
                map: HashMap::new(),
            })
        })
    }

    /// The meaning of a reply code.
    pub(super) fn reply(&self, code: u16) -> Option<&'static str> {
        self.map.get(&format!("reply:{code}")).copied()
    }

    /// The meaning of an enhanced code: its detail, else its subject; with its class.
    pub(super) fn status(&self, s: EnhancedStatus) -> Option<String> {
        let class = self.map.get(&format!("class:{}", s.class)).copied();
        let detail = self
            .map
            .get(&format!("status:X.{}.{}", s.subject, s.detail))
            .or_else(|| self.map.get(&format!("subject:X.{}", s.subject)))
            .copied();
        match (detail, class) {
            (Some(d), Some(c)) => Some(format!("{d} ({c})")),
            (Some(d), None) => Some(d.to_string()),
            (None, Some(c)) => Some(c.to_string()),
            (None, None) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_parses_and_answers() {
        let m = Meanings::parse(CODES_TSV).expect("data/smtp_codes.tsv parses");
        assert!(m.map.len() > 100);
        assert_eq!(
            m.reply(550),
            Some(
                "requested action not taken: mailbox unavailable (not found, no access, or \
                 refused for policy reasons)"
            )
        );
        let s = |t: &str| m.status(EnhancedStatus::parse(t).unwrap()).unwrap();
        assert!(s("5.1.1").starts_with("bad destination mailbox address (permanent"));
        assert!(s("4.7.26").starts_with("multiple authentication checks failed (persistent"));
        // an unregistered detail falls back to its subject
        assert!(s("5.7.515").starts_with("security or policy status"));
        assert_eq!(m.reply(299), None);
        assert!(Meanings::parse("reply\t550").is_err());
        assert!(Meanings::parse("bogus\t550\tx").is_err());
    }
}
