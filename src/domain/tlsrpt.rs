//! SMTP TLS Reporting (RFC 8460): the `_smtp._tls` TXT record, its version and its `rua`
//! destinations (`mailto:` or `https:`).

use serde::Serialize;

use super::answers::Recorder;
use super::finding::{Finding, Severity};
use super::policy_record::PolicyRecord;
use super::tag_list::TagList;

/// The TLS-RPT section.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TlsRptSection {
    /// The record.
    pub record: Option<String>,
    /// Report destinations.
    pub rua: Vec<String>,
    /// What was found.
    pub findings: Vec<Finding>,
}

/// Check `_smtp._tls.<domain>`.
pub(crate) fn check(dns: &mut Recorder<'_>, domain: &str) -> TlsRptSection {
    let mut s = TlsRptSection::default();
    let name = format!("_smtp._tls.{domain}");
    let rule = PolicyRecord {
        label: "TLS-RPT",
        version: "TLSRPTv1",
        codes: [
            "tlsrpt_unknown",
            "tlsrpt_missing",
            "tlsrpt_multiple_records",
        ],
        missing_means: ": nobody hears about TLS failures",
        several_means: "; senders use none",
    };
    let record = match rule.find(dns, &name, |t| {
        TagList::parse(t)
            .first()
            .is_some_and(|(t, v)| t == "v" && v == "TLSRPTv1")
    }) {
        Ok(r) => r,
        Err(f) => {
            s.findings.push(f);
            return s;
        }
    };
    let tags = TagList::parse(&record);
    s.record = Some(record.clone());
    for m in &tags.malformed {
        s.findings.push(Finding::new(
            Severity::Error,
            "tlsrpt_syntax",
            format!("malformed part {m:?}"),
        ));
    }
    s.rua = tags
        .get("rua")
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .map(str::to_string)
        .collect();
    if s.rua.is_empty() {
        s.findings.push(Finding::new(
            Severity::Error,
            "tlsrpt_no_rua",
            "the record has no rua destination",
        ));
    }
    for u in &s.rua {
        let l = u.to_ascii_lowercase();
        let ok =
            l.strip_prefix("mailto:").is_some_and(|a| a.contains('@')) || l.starts_with("https://");
        if !ok {
            s.findings.push(Finding::new(
                Severity::Error,
                "tlsrpt_bad_uri",
                format!("rua {u} is neither mailto: nor https:"),
            ));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::super::answers::fake::FakeDns;
    use super::*;

    fn run(zone: &str) -> TlsRptSection {
        let mut dns = FakeDns::new(zone);
        let mut r = Recorder::new(&mut dns);
        check(&mut r, "example.com")
    }

    #[test]
    fn records_and_destinations() {
        let s = run(
            "_smtp._tls.example.com. TXT \"v=TLSRPTv1; rua=mailto:t@example.com,https://r.example/x\"\n",
        );
        assert_eq!(s.rua, ["mailto:t@example.com", "https://r.example/x"]);
        assert!(s.findings.is_empty());
        let s = run("_smtp._tls.example.com. TXT \"v=TLSRPTv1; rua=ftp://x\"\n");
        assert_eq!(s.findings[0].code, "tlsrpt_bad_uri");
        assert_eq!(run("").findings[0].code, "tlsrpt_missing");
        let s = run("_smtp._tls.example.com. TXT \"v=TLSRPTv1;\"\n");
        assert_eq!(s.findings[0].code, "tlsrpt_no_rua");
    }
}
