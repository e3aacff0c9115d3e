//! The `tag=value; tag=value` syntax shared by DKIM (RFC 6376 3.2), DMARC, MTA-STS, TLS-RPT and
//! BIMI records: tags in order, values with surrounding whitespace removed, and what is malformed.

/// A parsed tag list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct TagList {
    /// Tags (lower-cased) and values, in order.
    pub(crate) tags: Vec<(String, String)>,
    /// Parts that are not `tag=value`, and tags given twice.
    pub(crate) malformed: Vec<String>,
}

impl TagList {
    /// Parse `text`; never fails (problems go to `malformed`).
    pub(crate) fn parse(text: &str) -> TagList {
        let mut out = TagList::default();
        for part in text.split(';') {
            let part = part.trim_matches(|c: char| c.is_ascii_whitespace());
            if part.is_empty() {
                continue;
            }
            match part.split_once('=') {
                Some((t, v)) => {
                    let t = t.trim().to_ascii_lowercase();
                    let valid =
                        !t.is_empty() && t.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                    if !valid {
                        out.malformed.push(part.to_string());
                    } else if out.get(&t).is_some() {
                        out.malformed.push(format!("{t} given twice"));
                    } else {
                        out.tags.push((t, v.trim().to_string()));
                    }
                }
                None => out.malformed.push(part.to_string()),
            }
        }
        out
    }

    /// The value of `tag` (lower-case name).
    pub(crate) fn get(&self, tag: &str) -> Option<&str> {
        self.tags
            .iter()
            .find(|(t, _)| t == tag)
            .map(|(_, v)| v.as_str())
    }

    /// The first tag's name and value.
    pub(crate) fn first(&self) -> Option<(&str, &str)> {
        self.tags.first().map(|(t, v)| (t.as_str(), v.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_values_and_what_is_malformed() {
        let t = TagList::parse(" v=DMARC1 ;P = reject; junk; rua=mailto:a@b.example ; p=none;;");
        assert_eq!(t.first(), Some(("v", "DMARC1")));
        assert_eq!(t.get("p"), Some("reject"));
        assert_eq!(t.get("rua"), Some("mailto:a@b.example"));
        assert_eq!(
            t.malformed,
            vec!["junk".to_string(), "p given twice".into()]
        );
        assert_eq!(TagList::parse(""), TagList::default());
    }
}
