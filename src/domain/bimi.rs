//! BIMI (draft-brand-indicators-for-message-identification): the `default._bimi` TXT record,
//! its logo (`l=`, an SVG over HTTPS) and certificate (`a=`, a VMC/CMC PEM) URLs, reported and
//! not fetched, and the DMARC enforcement BIMI needs.

use serde::Serialize;

use super::answers::Recorder;
use super::finding::{Finding, Severity};
use super::policy_record::PolicyRecord;
use super::tag_list::TagList;

/// The BIMI section.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct BimiSection {
    /// The record.
    pub record: Option<String>,
    /// The logo URL (`l=`).
    pub logo_url: Option<String>,
    /// The mark certificate URL (`a=`).
    pub certificate_url: Option<String>,
    /// What was found.
    pub findings: Vec<Finding>,
}

/// Check `default._bimi.<domain>`; `dmarc_policy` is the DMARC policy that applies.
pub(crate) fn check(
    dns: &mut Recorder<'_>,
    domain: &str,
    dmarc_policy: Option<&str>,
) -> BimiSection {
    let mut s = BimiSection::default();
    let name = format!("default._bimi.{domain}");
    let rule = PolicyRecord {
        label: "BIMI",
        version: "BIMI1",
        codes: ["bimi_unknown", "bimi_missing", "bimi_multiple_records"],
        missing_means: "",
        several_means: "",
    };
    let record = match rule.find(dns, &name, |t| {
        TagList::parse(t)
            .first()
            .is_some_and(|(t, v)| t == "v" && v.eq_ignore_ascii_case("BIMI1"))
    }) {
        Ok(r) => r,
        Err(f) => {
            s.findings.push(f);
            return s;
        }
    };
    let tags = TagList::parse(&record);
    s.record = Some(record.clone());
    let url = |tag: &str, f: &mut Vec<Finding>| -> Option<String> {
        let v = tags.get(tag).filter(|v| !v.is_empty())?;
        if !v.to_ascii_lowercase().starts_with("https://") {
            f.push(Finding::new(
                Severity::Error,
                "bimi_bad_url",
                format!("{tag}={v} is not an https: URL"),
            ));
        }
        Some(v.to_string())
    };
    s.logo_url = url("l", &mut s.findings);
    s.certificate_url = url("a", &mut s.findings);
    if let Some(l) = &s.logo_url
        && !l.to_ascii_lowercase().ends_with(".svg")
    {
        s.findings.push(Finding::new(
            Severity::Warning,
            "bimi_logo_not_svg",
            "the logo URL does not end in .svg (BIMI logos are SVG Tiny PS)",
        ));
    }
    if s.logo_url.is_none() {
        s.findings.push(Finding::new(
            Severity::Info,
            "bimi_declined",
            "empty l=: the domain declines to show a logo",
        ));
    }
    if s.certificate_url.is_none() && s.logo_url.is_some() {
        s.findings.push(Finding::new(
            Severity::Info,
            "bimi_no_certificate",
            "no a= certificate: Gmail and Apple Mail show logos only with a VMC or CMC",
        ));
    }
    if !matches!(dmarc_policy, Some("quarantine" | "reject")) {
        s.findings.push(Finding::new(
            Severity::Warning,
            "bimi_needs_dmarc_enforcement",
            "BIMI needs a DMARC policy of quarantine or reject",
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::super::answers::fake::FakeDns;
    use super::*;

    fn run(zone: &str, policy: Option<&str>) -> BimiSection {
        let mut dns = FakeDns::new(zone);
        let mut r = Recorder::new(&mut dns);
        check(&mut r, "example.com", policy)
    }

    #[test]
    fn urls_are_reported_and_checked() {
        let s = run(
            "default._bimi.example.com. TXT \"v=BIMI1; l=https://example.com/logo.svg; a=https://example.com/vmc.pem\"\n",
            Some("reject"),
        );
        assert_eq!(s.logo_url.as_deref(), Some("https://example.com/logo.svg"));
        assert_eq!(
            s.certificate_url.as_deref(),
            Some("https://example.com/vmc.pem")
        );
        assert!(s.findings.is_empty(), "{:?}", s.findings);
        let s = run(
            "default._bimi.example.com. TXT \"v=BIMI1; l=http://example.com/logo.png\"\n",
            Some("none"),
        );
        let codes: Vec<_> = s.findings.iter().map(|f| f.code).collect();
        assert_eq!(
            codes,
            [
                "bimi_bad_url",
                "bimi_logo_not_svg",
                "bimi_no_certificate",
                "bimi_needs_dmarc_enforcement"
            ]
        );
        assert_eq!(run("", None).findings[0].code, "bimi_missing");
    }
}
