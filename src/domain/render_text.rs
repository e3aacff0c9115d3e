//! The text summary of an audit: the verdict with each requirement's evidence, one line or two
//! per section, then every finding, worst first. Every line is terminal-safe (record text comes
//! from the DNS).

use std::fmt::Write as _;

use super::audit::Audit;
use crate::text::terminal_safe;

/// The summary.
pub fn render_text(a: &Audit) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "domain: {}", a.domain);
    let _ = writeln!(
        o,
        "bulk-sender verdict (Gmail/Yahoo 2024, Outlook 2025): {}",
        a.verdict.verdict
    );
    for r in &a.verdict.requirements {
        let _ = writeln!(
            o,
            "  [{}] {} ({}): {}",
            r.status.label(),
            r.id,
            r.providers.join(", "),
            r.requirement
        );
        for e in &r.evidence {
            let _ = writeln!(o, "      {e}");
        }
    }
    let none = || "none".to_string();
    // MX.
    let mx: Vec<String> =
        a.mx.hosts
            .iter()
            .map(|h| {
                format!(
                    "{} {}{} ({})",
                    h.preference,
                    h.host,
                    h.cname
                        .as_ref()
                        .map(|c| format!(" -> {c}"))
                        .unwrap_or_default(),
                    if h.addresses.is_empty() {
                        h.status.to_string()
                    } else {
                        h.addresses.join(" ")
                    }
                )
            })
            .collect();
    let mx = if a.mx.implicit {
        format!("none (implicit: {})", a.mx.implicit_addresses.join(" "))
    } else if mx.is_empty() {
        none()
    } else {
        mx.join(", ")
    };
    let _ = writeln!(
        o,
        "MX: {mx}{}",
        if a.mx.null_mx { " [null MX]" } else { "" }
    );
    // SPF.
    let _ = writeln!(
        o,
        "SPF: {} (lookups {}/10, void {}/2)",
        a.spf
            .record
            .clone()
            .unwrap_or_else(|| match a.spf.records.len() {
                0 => none(),
                n => format!("{n} records"),
            }),
        a.spf.lookups,
        a.spf.void_lookups
    );
    for r in &a.spf.results {
        let _ = writeln!(o, "  {}: {} ({})", r.ip, r.result.name(), r.reason);
    }
    // DMARC.
    match (&a.dmarc.record, &a.dmarc.location) {
        (Some(r), Some(l)) => {
            let _ = writeln!(
                o,
                "DMARC: _dmarc.{l}: {r}\n  policy {}, subdomains {}, non-existent {}, organizational domain {}",
                a.dmarc.policy.as_deref().unwrap_or("?"),
                a.dmarc.subdomain_policy.as_deref().unwrap_or("?"),
                a.dmarc.nonexistent_policy.as_deref().unwrap_or("?"),
                a.dmarc.organizational_domain
            );
            for u in a.dmarc.rua.iter().chain(&a.dmarc.ruf) {
                if let Some(auth) = u.authorization {
                    let _ = writeln!(o, "  {} (external: {auth})", u.uri);
                }
            }
        }
        _ => {
            let _ = writeln!(o, "DMARC: none");
        }
    }
    // DKIM.
    let keys: Vec<String> = a
        .dkim
        .keys
        .iter()
        .map(|k| {
            let what = if k.revoked {
                "revoked".to_string()
            } else {
                match (&k.key_type, k.key_bits) {
                    (Some(t), Some(b)) => format!("{t} {b}{}", if k.testing { " t=y" } else { "" }),
                    _ if k.record.is_some() => "unusable".into(),
                    _ => "missing".into(),
                }
            };
            format!("{} {what}", k.selector)
        })
        .collect();
    let _ = writeln!(
        o,
        "DKIM: {} ({} common selectors tried)",
        if keys.is_empty() {
            none()
        } else {
            keys.join(", ")
        },
        a.dkim.common_selectors_tried
    );
    // MTA-STS, TLS-RPT, BIMI.
    let sts = match (&a.mta_sts.record, &a.mta_sts.policy) {
        (None, _) => none(),
        (Some(r), None) => format!("{r} (policy not read)"),
        (Some(r), Some(p)) => format!(
            "{r}; policy mode {}, mx {}",
            p.mode.as_deref().unwrap_or("?"),
            p.mx.join(" ")
        ),
    };
    let _ = writeln!(o, "MTA-STS: {sts}");
    let _ = writeln!(
        o,
        "TLS-RPT: {}",
        a.tlsrpt.record.clone().unwrap_or_else(none)
    );
    let _ = writeln!(o, "BIMI: {}", a.bimi.record.clone().unwrap_or_else(none));
    for p in &a.ptr {
        let _ = writeln!(
            o,
            "PTR {}: {} (FCrDNS {})",
            p.ip,
            if p.names.is_empty() {
                none()
            } else {
                p.names.join(", ")
            },
            p.fcrdns
        );
    }
    let listed: Vec<String> = a
        .dnsbl
        .results
        .iter()
        .filter(|r| r.status == "listed")
        .map(|r| format!("{} on {}", r.subject, r.zone))
        .collect();
    let usable = a.dnsbl.lists.iter().filter(|l| l.health == "ok").count();
    let _ = writeln!(
        o,
        "DNSBL: {} ({usable} of {} lists usable)",
        if listed.is_empty() {
            "not listed".to_string()
        } else {
            listed.join(", ")
        },
        a.dnsbl.lists.len()
    );
    let _ = writeln!(
        o,
        "DNSSEC: {} ({} of {} answers authenticated)",
        a.dnssec.status, a.dnssec.authenticated, a.dnssec.answers
    );
    let mut findings = a.findings();
    findings.sort_by_key(|f| std::cmp::Reverse(f.1.severity));
    if !findings.is_empty() {
        let _ = writeln!(o, "findings:");
    }
    for (section, f) in findings {
        let _ = writeln!(
            o,
            "  {:<7} {:<8} {}: {}",
            f.severity.name(),
            section,
            f.code,
            f.message
        );
    }
    o.lines().map(|l| terminal_safe(l) + "\n").collect()
}

#[cfg(test)]
mod tests {
    use super::super::audit::tests::{ZONE, run};
    use super::*;

    #[test]
    fn summary_lines_are_terminal_safe_and_name_each_section() {
        let zone = format!(
            "{ZONE}_smtp._tls.example.com. TXT \"v=TLSRPTv1; rua=mailto:a@b.example\\027[2J\"\n"
        );
        let text = render_text(&run(&zone, &["192.0.2.1"]));
        assert!(!text.contains('\u{1b}'), "{text}");
        assert!(text.contains("rua=mailto:a@b.example\u{fffd}[2J"), "{text}");
        for head in [
            "domain: example.com",
            "MX: 10 mx.example.com (192.0.2.1)",
            "SPF: v=spf1 mx -all",
            "DMARC: _dmarc.example.com",
            "PTR 192.0.2.1: mx.example.com (FCrDNS pass)",
            "findings:",
        ] {
            assert!(text.contains(head), "{head} in {text}");
        }
        // Worst first.
        let findings = text.split("findings:\n").nth(1).unwrap();
        assert!(findings.starts_with("  warning"), "{findings}");
    }
}
