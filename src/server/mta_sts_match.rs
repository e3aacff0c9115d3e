//! MTA-STS (RFC 8461) policy match: does a policy (given as a file; fetching it is not this
//! module's job) list the MX host, and in which mode? Sans-IO.

use serde::Serialize;

/// A parsed policy: its mode and `mx:` patterns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StsPolicy {
    /// `enforce`, `testing` or `none`.
    pub mode: String,
    /// The `mx:` patterns (`mx.example.com`, `*.example.com`).
    pub mx: Vec<String>,
}

/// How a host fares against the policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StsMatch {
    /// The policy's mode.
    pub mode: String,
    /// The host is listed.
    pub mx_listed: bool,
}

impl StsPolicy {
    /// Parse the policy text (`key: value` lines, RFC 8461 3.2); `None` without `version:
    /// STSv1` or a mode.
    pub fn parse(text: &str) -> Option<StsPolicy> {
        let mut version = false;
        let mut mode = None;
        let mut mx = Vec::new();
        for line in text.lines() {
            let Some((k, v)) = line.split_once(':') else {
                continue;
            };
            let v = v.trim();
            match k.trim().to_ascii_lowercase().as_str() {
                "version" => version = v == "STSv1",
                "mode" => mode = Some(v.to_ascii_lowercase()),
                "mx" => mx.push(v.trim_end_matches('.').to_ascii_lowercase()),
                _ => {}
            }
        }
        Some(StsPolicy {
            mode: mode.filter(|_| version)?,
            mx,
        })
    }

    /// Match `host` (RFC 8461 4.1: a `*.` pattern covers exactly one leftmost label).
    pub fn check(&self, host: &str) -> StsMatch {
        StsMatch {
            mode: self.mode.clone(),
            mx_listed: self.mx.iter().any(|p| super::cert::name_matches(p, host)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_matches() {
        let p = StsPolicy::parse(
            "version: STSv1\r\nmode: enforce\r\nmx: mx1.example.com\r\nmx: *.mail.example.com\r\n\
             max_age: 86400\r\n",
        )
        .unwrap();
        assert_eq!(p.mode, "enforce");
        assert!(p.check("mx1.example.com").mx_listed);
        assert!(p.check("a.mail.example.com.").mx_listed);
        assert!(!p.check("b.a.mail.example.com").mx_listed);
        assert!(!p.check("mx2.example.com").mx_listed);
        assert_eq!(StsPolicy::parse("mode: enforce\n"), None);
    }
}
