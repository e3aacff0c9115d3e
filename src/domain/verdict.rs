//! The bulk-sender verdict: the requirements Gmail and Yahoo enforce since February 2024 and
//! Outlook.com since May 2025 for senders of more than 5,000 messages a day, each judged from
//! the audit's sections with its evidence. Requirements DNS cannot show (TLS on each
//! connection, one-click unsubscribe, the spam rate) are listed as `not_checked`.

use serde::Serialize;

use super::dkim_key::DkimSection;
use super::dmarc_record::DmarcSection;
use super::finding::Severity;
use super::ptr::PtrCheck;
use super::spf_policy::SpfSection;
use crate::spf::SpfResult;

/// One requirement's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The DNS shows it is met.
    Met,
    /// The DNS shows it is not met.
    NotMet,
    /// Could not find out (transient failure, or a selector / IP is needed).
    Unknown,
    /// Not visible in the DNS (a property of messages or connections).
    NotChecked,
}

impl Status {
    /// The status as the text and HTML reports write it.
    pub fn label(self) -> &'static str {
        match self {
            Status::Met => "met",
            Status::NotMet => "NOT MET",
            Status::Unknown => "unknown",
            Status::NotChecked => "not checked",
        }
    }
}

/// One requirement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Requirement {
    /// Stable id.
    pub id: &'static str,
    /// Who requires it.
    pub providers: &'static [&'static str],
    /// The requirement.
    pub requirement: &'static str,
    /// Its status.
    pub status: Status,
    /// What the status rests on.
    pub evidence: Vec<String>,
}

/// The verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// `ready` (every checked requirement met), `not_ready` (one is not met), `unknown`.
    pub verdict: &'static str,
    /// Each requirement.
    pub requirements: Vec<Requirement>,
}

const ALL: &[&str] = &["gmail", "yahoo", "outlook"];
const GY: &[&str] = &["gmail", "yahoo"];

fn has(findings: &[super::finding::Finding], sev: Severity) -> bool {
    findings.iter().any(|f| f.severity == sev)
}

/// Judge the requirements.
pub(crate) fn judge(
    spf: &SpfSection,
    dmarc: &DmarcSection,
    dkim: &DkimSection,
    ptrs: &[PtrCheck],
) -> Verdict {
    let mut reqs = Vec::new();

    // SPF.
    let mut ev = Vec::new();
    match &spf.record {
        Some(r) => ev.push(format!("record: {r}")),
        None if spf.records.len() > 1 => ev.push(format!("{} SPF records", spf.records.len())),
        None => ev.push("no SPF record".into()),
    }
    if let Some(e) = &spf.evaluation {
        ev.push(format!(
            "full evaluation: {} ({} lookups, {} void)",
            e.result.name(),
            e.lookups,
            e.void_lookups
        ));
    }
    for r in &spf.results {
        ev.push(format!("{}: {}", r.ip, r.result.name()));
    }
    let spf_status = if has(&spf.findings, Severity::Unknown) && spf.record.is_none() {
        Status::Unknown
    } else if !spf.valid
        || spf.records.len() != 1
        || spf
            .evaluation
            .as_ref()
            .is_some_and(|e| e.result == SpfResult::PermError)
        || spf
            .results
            .iter()
            .any(|r| !matches!(r.result, SpfResult::Pass | SpfResult::TempError))
    {
        Status::NotMet
    } else if spf.results.iter().any(|r| r.result == SpfResult::TempError)
        || spf
            .evaluation
            .as_ref()
            .is_some_and(|e| e.result == SpfResult::TempError)
    {
        Status::Unknown
    } else {
        Status::Met
    };
    reqs.push(Requirement {
        id: "spf",
        providers: ALL,
        requirement: "a valid SPF record that passes for the sending IPs",
        status: spf_status,
        evidence: ev,
    });

    // DKIM.
    let usable: Vec<_> = dkim
        .keys
        .iter()
        .filter(|k| !k.revoked && k.key_bits.is_some())
        .collect();
    let mut ev: Vec<String> = dkim
        .keys
        .iter()
        .map(|k| {
            format!(
                "{}: {}",
                k.selector,
                match (&k.key_type, k.key_bits, k.revoked) {
                    (_, _, true) => "revoked".to_string(),
                    (Some(t), Some(b), _) =>
                        format!("{t} {b} bits{}", if k.testing { ", t=y" } else { "" }),
                    _ => "no usable key".to_string(),
                }
            )
        })
        .collect();
    let given = dkim.keys.iter().any(|k| k.given);
    let dkim_status = if usable
        .iter()
        .any(|k| k.key_bits.unwrap_or(0) >= 1024 || k.key_type.as_deref() == Some("ed25519"))
    {
        Status::Met
    } else if !usable.is_empty()
        || given
            && !has(
                &dkim
                    .keys
                    .iter()
                    .flat_map(|k| k.findings.clone())
                    .collect::<Vec<_>>(),
                Severity::Unknown,
            )
    {
        Status::NotMet
    } else {
        ev.push(format!(
            "no key at {} common selectors; DNS cannot show a key whose selector is not known (give --selector)",
            dkim.common_selectors_tried
        ));
        Status::Unknown
    };
    reqs.push(Requirement {
        id: "dkim",
        providers: ALL,
        requirement: "DKIM signing with a published key of 1024 bits or more",
        status: dkim_status,
        evidence: ev,
    });

    // DMARC.
    let mut ev = Vec::new();
    if let (Some(r), Some(l)) = (&dmarc.record, &dmarc.location) {
        ev.push(format!("_dmarc.{l}: {r}"));
    }
    if let Some(p) = &dmarc.policy {
        ev.push(format!("policy that applies: {p}"));
    }
    let bad = dmarc.findings.iter().any(|f| {
        matches!(
            f.code,
            "dmarc_missing" | "dmarc_multiple_records" | "dmarc_bad_policy" | "dmarc_no_policy"
        )
    });
    let dmarc_status = if dmarc.record.is_none() && has(&dmarc.findings, Severity::Unknown) {
        Status::Unknown
    } else if dmarc.record.is_none() || bad {
        if dmarc.record.is_none() {
            ev.push("no DMARC record".into());
        }
        Status::NotMet
    } else {
        Status::Met
    };
    reqs.push(Requirement {
        id: "dmarc",
        providers: ALL,
        requirement: "a DMARC record with a policy of at least p=none",
        status: dmarc_status,
        evidence: ev,
    });

    // Alignment: what the DNS can show is whether aligned authentication is possible.
    let mut ev = Vec::new();
    if spf.valid {
        ev.push(format!(
            "SPF record at the domain: a MAIL FROM at it aligns (aspf={})",
            dmarc.aspf
        ));
    }
    if let Some(k) = usable.first() {
        ev.push(format!(
            "DKIM key at {}._domainkey: a signature with d= the domain aligns (adkim={})",
            k.selector, dmarc.adkim
        ));
    }
    let align = if dmarc.record.is_none() {
        ev.push("no DMARC record: nothing to align with".into());
        Status::NotMet
    } else if !ev.is_empty() {
        ev.push("confirm with a message's Authentication-Results".into());
        Status::Met
    } else if spf_status == Status::Unknown || dkim_status == Status::Unknown {
        Status::Unknown
    } else {
        Status::NotMet
    };
    reqs.push(Requirement {
        id: "alignment",
        providers: ALL,
        requirement: "the From: domain aligned with SPF or DKIM (DMARC pass)",
        status: align,
        evidence: ev,
    });

    // Forward-confirmed reverse DNS.
    let ev: Vec<String> = ptrs
        .iter()
        .map(|p| match &p.confirmed_name {
            Some(n) => format!("{} -> {n} -> {}: confirmed", p.ip, p.ip),
            None if p.names.is_empty() => format!("{}: {}", p.ip, p.fcrdns),
            None => format!("{} -> {}: {}", p.ip, p.names.join(", "), p.fcrdns),
        })
        .collect();
    let fcrdns = if ptrs.is_empty() {
        Status::NotChecked
    } else if ptrs.iter().any(|p| p.fcrdns == "fail") {
        Status::NotMet
    } else if ptrs.iter().any(|p| p.fcrdns == "unknown") {
        Status::Unknown
    } else {
        Status::Met
    };
    reqs.push(Requirement {
        id: "fcrdns",
        providers: GY,
        requirement: "sending IPs with forward-confirmed reverse DNS (PTR)",
        status: fcrdns,
        evidence: if ptrs.is_empty() {
            vec!["no --ip given".into()]
        } else {
            ev
        },
    });

    for (id, providers, requirement, why) in [
        (
            "tls",
            GY,
            "TLS for every connection to the receiver",
            "a property of the sending server's connections",
        ),
        (
            "one_click_unsubscribe",
            GY,
            "one-click unsubscribe (RFC 8058) in marketing mail",
            "a property of the messages' headers",
        ),
        (
            "spam_rate",
            GY,
            "a user-reported spam rate under 0.3%",
            "seen only in the providers' postmaster tools",
        ),
    ] {
        reqs.push(Requirement {
            id,
            providers,
            requirement,
            status: Status::NotChecked,
            evidence: vec![format!("not visible in the DNS: {why}")],
        });
    }

    let verdict = if reqs.iter().any(|r| r.status == Status::NotMet) {
        "not_ready"
    } else if reqs.iter().any(|r| r.status == Status::Unknown) {
        "unknown"
    } else {
        "ready"
    };
    Verdict {
        verdict,
        requirements: reqs,
    }
}

#[cfg(test)]
mod tests {
    use super::super::audit::tests::{ZONE, run};
    use super::*;

    fn status(v: &Verdict, id: &str) -> Status {
        v.requirements.iter().find(|r| r.id == id).unwrap().status
    }

    #[test]
    fn a_domain_without_a_known_selector_is_unknown_not_failed() {
        let a = run(ZONE, &["192.0.2.1"]);
        let v = &a.verdict;
        assert_eq!(status(v, "spf"), Status::Met);
        assert_eq!(status(v, "dmarc"), Status::Met);
        assert_eq!(status(v, "dkim"), Status::Unknown);
        assert_eq!(status(v, "fcrdns"), Status::Met);
        assert_eq!(status(v, "tls"), Status::NotChecked);
        assert_eq!(v.verdict, "unknown");
    }

    #[test]
    fn a_key_makes_it_ready_and_a_failing_ip_makes_it_not_ready() {
        let zone = format!(
            "{ZONE}google._domainkey.example.com. TXT \"v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\"\n"
        );
        let a = run(&zone, &["192.0.2.1"]);
        assert_eq!(a.verdict.verdict, "ready", "{:#?}", a.verdict);
        assert_eq!(status(&a.verdict, "alignment"), Status::Met);
        let a = run(&zone, &["198.51.100.9"]);
        assert_eq!(a.verdict.verdict, "not_ready");
        assert_eq!(status(&a.verdict, "spf"), Status::NotMet);
        assert_eq!(status(&a.verdict, "fcrdns"), Status::NotMet);
        let a = run(&zone, &[]);
        assert_eq!(status(&a.verdict, "fcrdns"), Status::NotChecked);
    }

    #[test]
    fn no_dmarc_fails_dmarc_and_alignment_and_transient_spf_is_unknown() {
        let a = run("example.com. TXT \"v=spf1 -all\"\n", &[]);
        assert_eq!(status(&a.verdict, "dmarc"), Status::NotMet);
        assert_eq!(status(&a.verdict, "alignment"), Status::NotMet);
        let mut dns = super::super::answers::fake::FakeDns::new("");
        let a = super::super::audit(
            &mut dns,
            &mut super::super::audit::tests::NoFetch,
            "x.timeout",
            &Default::default(),
        );
        assert_eq!(status(&a.verdict, "spf"), Status::Unknown);
        assert_eq!(status(&a.verdict, "dmarc"), Status::Unknown);
        assert_eq!(a.worst, Some(Severity::Warning));
    }
}
