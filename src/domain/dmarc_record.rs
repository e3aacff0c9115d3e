//! DMARC (RFC 9989): the DNS tree walk to the policy record and the organizational domain,
//! the record's tags (`p`, `sp`, `np`, `adkim`, `aspf`, `fo`, `t`, `psd`), the tags RFC 9989
//! removed (`pct`, `rf`, `ri`), and the `rua` / `ruf` report URIs with the external destination
//! authorisation record `<domain>._report._dmarc.<destination>`.

use std::collections::BTreeMap;

use serde::Serialize;

use super::answers::{Recorder, transient};
use super::finding::{Finding, Severity};
use super::tag_list::TagList;

/// One step of the tree walk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WalkStep {
    /// The name queried (`_dmarc.<target>`).
    pub name: String,
    /// `record`, `none`, `multiple`, `unknown` (timeout or SERVFAIL).
    pub outcome: &'static str,
    /// The `psd` tag of the record found there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub psd: Option<String>,
}

/// A report destination.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportUri {
    /// The URI as written.
    pub uri: String,
    /// The destination domain (`mailto:` addresses only).
    pub destination: Option<String>,
    /// True when the destination is outside the organizational domain.
    pub external: bool,
    /// For external destinations: `authorized`, `not_authorized`, `unknown`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorization: Option<&'static str>,
}

/// The DMARC section.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DmarcSection {
    /// The record that applies to the domain, as published.
    pub record: Option<String>,
    /// The domain where it was found.
    pub location: Option<String>,
    /// The tree walk, in query order.
    pub tree_walk: Vec<WalkStep>,
    /// The organizational domain the walk found.
    pub organizational_domain: String,
    /// The record's tags.
    pub tags: BTreeMap<String, String>,
    /// The policy that applies to the domain (`none`, `quarantine`, `reject`).
    pub policy: Option<String>,
    /// The `sp` policy (subdomains), `p` when absent.
    pub subdomain_policy: Option<String>,
    /// The `np` policy (non-existent subdomains), `sp` when absent.
    pub nonexistent_policy: Option<String>,
    /// DKIM alignment (`r` relaxed, `s` strict).
    pub adkim: String,
    /// SPF alignment.
    pub aspf: String,
    /// `t=y`: testing mode.
    pub testing: bool,
    /// Aggregate report destinations.
    pub rua: Vec<ReportUri>,
    /// Failure report destinations.
    pub ruf: Vec<ReportUri>,
    /// What was found.
    pub findings: Vec<Finding>,
}

const POLICIES: [&str; 3] = ["none", "quarantine", "reject"];
const KNOWN: [&str; 13] = [
    "v", "p", "sp", "np", "adkim", "aspf", "fo", "t", "psd", "rua", "ruf", "pct", "rf",
];

/// The names the walk queries after the domain itself (RFC 9989 4.10 steps 4-8): at most
/// four labels kept, then one label fewer each time, down to the top-level domain.
pub(crate) fn walk_targets(domain: &str) -> Vec<String> {
    let labels: Vec<&str> = domain.split('.').filter(|l| !l.is_empty()).collect();
    let mut out = vec![labels.join(".")];
    let mut n = labels.len();
    if n >= 5 {
        n = 4;
    } else {
        n = n.saturating_sub(1);
    }
    while n >= 1 {
        out.push(labels[labels.len() - n..].join("."));
        n -= 1;
    }
    out
}

/// True when `name` is `org` or under it.
pub(crate) fn within(name: &str, org: &str) -> bool {
    name == org || name.ends_with(&format!(".{org}"))
}

/// Walk the tree from `domain` and check the record that applies.
pub(crate) fn check(dns: &mut Recorder<'_>, domain: &str) -> DmarcSection {
    let mut s = DmarcSection {
        adkim: "r".into(),
        aspf: "r".into(),
        ..DmarcSection::default()
    };
    // (target, record) for each valid record found.
    let mut found: Vec<(String, String, TagList)> = Vec::new();
    let mut org: Option<String> = None;
    let mut previous: Option<String> = None;
    let mut unknown = false;
    for (i, target) in walk_targets(domain).into_iter().enumerate() {
        let name = format!("_dmarc.{target}");
        let records: Vec<String> = match dns.txt(&name) {
            Ok(txts) => txts.into_iter().filter(|t| is_dmarc1(t)).collect(),
            Err(l) => {
                if transient(&l) {
                    unknown = true;
                    s.tree_walk.push(WalkStep {
                        name,
                        outcome: "unknown",
                        psd: None,
                    });
                    break;
                }
                Vec::new()
            }
        };
        let outcome = match records.len() {
            0 => "none",
            1 => "record",
            _ => "multiple",
        };
        if records.len() > 1 {
            s.findings.push(Finding::new(
                Severity::Error,
                "dmarc_multiple_records",
                format!(
                    "{name} has {} DMARC records; receivers discard them all",
                    records.len()
                ),
            ));
        }
        let mut psd = None;
        if records.len() == 1 {
            let tags = TagList::parse(&records[0]);
            psd = tags.get("psd").map(str::to_ascii_lowercase);
            found.push((target.clone(), records[0].clone(), tags));
        }
        s.tree_walk.push(WalkStep {
            name,
            outcome,
            psd: psd.clone(),
        });
        match psd.as_deref() {
            Some("n") => {
                org = Some(target.clone());
                break;
            }
            Some("y") if i > 0 => {
                org = Some(previous.clone().unwrap_or(target.clone()));
                break;
            }
            _ => {}
        }
        previous = Some(target);
    }
    s.organizational_domain = org.unwrap_or_else(|| {
        found
            .iter()
            .min_by_key(|(t, _, _)| t.split('.').count())
            .map_or_else(|| domain.to_string(), |(t, _, _)| t.clone())
    });
    let Some((location, record, tags)) = found.into_iter().next() else {
        if unknown {
            s.findings.push(Finding::new(
                Severity::Unknown,
                "dmarc_unknown",
                "the DMARC record could not be looked up (timeout or SERVFAIL)",
            ));
        } else if !s
            .findings
            .iter()
            .any(|f| f.code == "dmarc_multiple_records")
        {
            s.findings.push(Finding::new(
                Severity::Error,
                "dmarc_missing",
                format!("no DMARC record at _dmarc.{domain} or above it"),
            ));
        }
        return s;
    };
    check_tags(dns, &mut s, domain, &location, &tags);
    s.record = Some(record);
    s.location = Some(location);
    s
}

fn is_dmarc1(txt: &str) -> bool {
    TagList::parse(txt)
        .first()
        .is_some_and(|(t, v)| t == "v" && v == "DMARC1")
}

fn check_tags(
    dns: &mut Recorder<'_>,
    s: &mut DmarcSection,
    domain: &str,
    location: &str,
    tags: &TagList,
) {
    let f = &mut s.findings;
    for m in &tags.malformed {
        f.push(Finding::new(
            Severity::Error,
            "dmarc_syntax",
            format!("malformed part {m:?}"),
        ));
    }
    for (t, v) in &tags.tags {
        s.tags.insert(t.clone(), v.clone());
        if !KNOWN.contains(&t.as_str()) && t != "ri" {
            f.push(Finding::new(
                Severity::Info,
                "dmarc_unknown_tag",
                format!("unknown tag {t}={v} is ignored"),
            ));
        }
    }
    for removed in ["pct", "rf", "ri"] {
        if let Some(v) = tags.get(removed) {
            f.push(Finding::new(
                Severity::Warning,
                "dmarc_removed_tag",
                format!("{removed}={v}: RFC 9989 removed this tag; receivers ignore it"),
            ));
        }
    }
    let policy = |v: Option<&str>| v.map(str::to_ascii_lowercase);
    let p = policy(tags.get("p"));
    let p = match p {
        Some(p) if POLICIES.contains(&p.as_str()) => p,
        Some(p) => {
            f.push(Finding::new(
                Severity::Error,
                "dmarc_bad_policy",
                format!("p={p} is not none, quarantine or reject; receivers apply none"),
            ));
            "none".into()
        }
        None => {
            f.push(Finding::new(
                Severity::Error,
                "dmarc_no_policy",
                "the record has no p tag; receivers apply none",
            ));
            "none".into()
        }
    };
    let sub = |tag: &str, default: &str, f: &mut Vec<Finding>| match policy(tags.get(tag)) {
        Some(v) if POLICIES.contains(&v.as_str()) => v,
        Some(v) => {
            f.push(Finding::new(
                Severity::Warning,
                "dmarc_bad_policy",
                format!("{tag}={v} is not none, quarantine or reject; it is ignored"),
            ));
            default.to_string()
        }
        None => default.to_string(),
    };
    let sp = sub("sp", &p, f);
    let np = sub("np", &sp, f);
    for (tag, slot) in [("adkim", &mut s.adkim), ("aspf", &mut s.aspf)] {
        match tags.get(tag).map(str::to_ascii_lowercase) {
            Some(v) if v == "r" || v == "s" => *slot = v,
            Some(v) => f.push(Finding::new(
                Severity::Warning,
                "dmarc_bad_alignment",
                format!("{tag}={v} is not r or s; relaxed applies"),
            )),
            None => {}
        }
    }
    match tags.get("t").map(str::to_ascii_lowercase).as_deref() {
        Some("y") => {
            s.testing = true;
            f.push(Finding::new(
                Severity::Warning,
                "dmarc_testing",
                "t=y: testing mode; receivers apply a policy one step less strict",
            ));
        }
        Some("n") | None => {}
        Some(v) => f.push(Finding::new(
            Severity::Warning,
            "dmarc_bad_tag",
            format!("t={v} is not y or n"),
        )),
    }
    if let Some(v) = tags.get("psd")
        && !matches!(v.to_ascii_lowercase().as_str(), "y" | "n" | "u")
    {
        f.push(Finding::new(
            Severity::Warning,
            "dmarc_bad_tag",
            format!("psd={v} is not y, n or u"),
        ));
    }
    if let Some(v) = tags.get("fo")
        && !v
            .split(':')
            .all(|o| matches!(o.trim(), "0" | "1" | "d" | "s"))
    {
        f.push(Finding::new(
            Severity::Warning,
            "dmarc_bad_tag",
            format!("fo={v}: options are 0, 1, d and s separated by ':'"),
        ));
    }
    let applies = if location == domain { &p } else { &sp };
    if applies == "none" {
        f.push(Finding::new(
            Severity::Info,
            "dmarc_policy_none",
            "policy none: reports only, no protection against spoofing",
        ));
    }
    s.policy = Some(applies.clone());
    s.subdomain_policy = Some(sp);
    s.nonexistent_policy = Some(np);
    let org = s.organizational_domain.clone();
    s.rua = uris(dns, &mut s.findings, "rua", tags.get("rua"), location, &org);
    s.ruf = uris(dns, &mut s.findings, "ruf", tags.get("ruf"), location, &org);
    if s.rua.is_empty() {
        s.findings.push(Finding::new(
            Severity::Warning,
            "dmarc_no_rua",
            "no rua: nobody receives aggregate reports",
        ));
    }
}

fn uris(
    dns: &mut Recorder<'_>,
    f: &mut Vec<Finding>,
    tag: &str,
    value: Option<&str>,
    policy_domain: &str,
    org: &str,
) -> Vec<ReportUri> {
    let Some(value) = value else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for uri in value.split(',').map(str::trim).filter(|u| !u.is_empty()) {
        let lower = uri.to_ascii_lowercase();
        let Some(addr) = lower.strip_prefix("mailto:") else {
            f.push(Finding::new(
                Severity::Warning,
                "dmarc_bad_uri",
                format!("{tag}: {uri} is not a mailto: URI; reports go only to mailto"),
            ));
            out.push(ReportUri {
                uri: uri.into(),
                destination: None,
                external: false,
                authorization: None,
            });
            continue;
        };
        let addr = addr.split('!').next().unwrap_or("");
        let Some((_, dest)) = addr
            .rsplit_once('@')
            .filter(|(l, d)| !l.is_empty() && d.contains('.'))
        else {
            f.push(Finding::new(
                Severity::Error,
                "dmarc_bad_uri",
                format!("{tag}: {uri} has no valid address"),
            ));
            out.push(ReportUri {
                uri: uri.into(),
                destination: None,
                external: false,
                authorization: None,
            });
            continue;
        };
        let dest = dest.trim_end_matches('.').to_string();
        let external = !within(&dest, org) && !within(&dest, policy_domain);
        let authorization = external.then(|| {
            let name = format!("{policy_domain}._report._dmarc.{dest}");
            match dns.txt(&name) {
                Ok(t) if t.iter().any(|t| is_dmarc1(t)) => "authorized",
                Err(l) if transient(&l) => {
                    f.push(Finding::new(
                        Severity::Unknown,
                        "dmarc_external_unknown",
                        format!("{tag}: {name} could not be looked up"),
                    ));
                    "unknown"
                }
                _ => {
                    f.push(Finding::new(
                        Severity::Warning,
                        "dmarc_external_not_authorized",
                        format!(
                            "{tag}: {dest} has not authorised reports for {policy_domain} \
                             (no v=DMARC1 at {name}); receivers will not send them"
                        ),
                    ));
                    "not_authorized"
                }
            }
        });
        out.push(ReportUri {
            uri: uri.into(),
            destination: Some(dest),
            external,
            authorization,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::answers::fake::FakeDns;
    use super::*;

    fn run(zone: &str, domain: &str) -> DmarcSection {
        let mut dns = FakeDns::new(zone);
        let mut r = Recorder::new(&mut dns);
        check(&mut r, domain)
    }

    fn codes(s: &DmarcSection) -> Vec<&'static str> {
        s.findings.iter().map(|f| f.code).collect()
    }

    #[test]
    fn walk_targets_keep_four_labels_then_shorten() {
        assert_eq!(
            walk_targets("a.b.c.d.e.example.com"),
            [
                "a.b.c.d.e.example.com",
                "d.e.example.com",
                "e.example.com",
                "example.com",
                "com"
            ]
        );
        assert_eq!(
            walk_targets("mail.example.com"),
            ["mail.example.com", "example.com", "com"]
        );
        assert_eq!(walk_targets("test"), ["test"]);
    }

    #[test]
    fn a_subdomain_gets_the_organizational_record_and_its_sp() {
        let s = run(
            "_dmarc.example.com. TXT \"v=DMARC1; p=reject; sp=quarantine; rua=mailto:d@example.com\"\n",
            "mail.example.com",
        );
        assert_eq!(s.location.as_deref(), Some("example.com"));
        assert_eq!(s.organizational_domain, "example.com");
        assert_eq!(s.policy.as_deref(), Some("quarantine"));
        assert_eq!(s.nonexistent_policy.as_deref(), Some("quarantine"));
        assert_eq!(s.tree_walk.len(), 3);
        assert!(s.findings.is_empty(), "{:?}", s.findings);
    }

    #[test]
    fn removed_tags_bad_policy_and_missing_rua_are_flagged() {
        let s = run(
            "_dmarc.example.com. TXT \"v=DMARC1; p=maybe; pct=50; rf=afrf; ri=3600; t=y\"\n",
            "example.com",
        );
        let c = codes(&s);
        assert_eq!(c.iter().filter(|c| **c == "dmarc_removed_tag").count(), 3);
        assert!(c.contains(&"dmarc_bad_policy") && c.contains(&"dmarc_no_rua"));
        assert!(c.contains(&"dmarc_testing") && s.testing);
        assert_eq!(s.policy.as_deref(), Some("none"));
    }

    #[test]
    fn psd_y_makes_the_domain_below_it_the_organizational_domain() {
        let s = run(
            "_dmarc.psd.example. TXT \"v=DMARC1; p=reject; psd=y; np=reject\"\n",
            "a.b.org.psd.example",
        );
        assert_eq!(s.organizational_domain, "org.psd.example");
        assert_eq!(s.location.as_deref(), Some("psd.example"));
    }

    #[test]
    fn external_destinations_need_authorisation() {
        let zone = "_dmarc.example.com. TXT \"v=DMARC1; p=none; rua=mailto:a@vendor.example,mailto:b@other.example!10m; ruf=mailto:f@example.com\"\n\
                    example.com._report._dmarc.vendor.example. TXT \"v=DMARC1\"\n";
        let s = run(zone, "example.com");
        let auth: Vec<_> = s.rua.iter().map(|u| u.authorization).collect();
        assert_eq!(auth, [Some("authorized"), Some("not_authorized")]);
        assert!(!s.ruf[0].external);
        assert!(codes(&s).contains(&"dmarc_external_not_authorized"));
    }

    #[test]
    fn missing_multiple_and_unknown_records() {
        assert_eq!(codes(&run("", "example.com")), ["dmarc_missing"]);
        let two = "_dmarc.example.com. TXT \"v=DMARC1; p=none\"\n_dmarc.example.com. TXT \"v=DMARC1; p=reject\"\n";
        assert_eq!(codes(&run(two, "example.com")), ["dmarc_multiple_records"]);
        let u = run("", "x.timeout");
        assert_eq!(codes(&u), ["dmarc_unknown"]);
        // Not a DMARC record: ignored.
        assert_eq!(
            codes(&run("_dmarc.e.com. TXT \"v=spf1 -all\"\n", "e.com")),
            ["dmarc_missing"]
        );
    }

    proptest::proptest! {
        /// Any record text at `_dmarc`: a section, never a panic.
        #[test]
        fn any_record_never_panics(text in "v=DMARC1;[ -~]{0,120}") {
            let zone = format!("_dmarc.example.com. TXT \"{}\"\n", text.replace(['"', '\\'], ""));
            let s = run(&zone, "example.com");
            proptest::prop_assert!(s.record.is_some() || !s.findings.is_empty());
        }
    }
}
