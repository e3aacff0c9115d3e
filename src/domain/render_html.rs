//! The HTML report of an audit: one self-contained page (inline CSS, no script, nothing loaded),
//! a maud template, so every string from the DNS is escaped; control characters are replaced
//! before they reach it.

use std::io::{self, Write};

use maud::{DOCTYPE, Markup, html};

use super::audit::Audit;
use super::finding::Severity;
use super::verdict::Status;
use crate::text::terminal_safe;

const CSS: &str = "body{font-family:sans-serif;max-width:60em;margin:2em auto;color:#222}\
table{border-collapse:collapse;width:100%;margin-bottom:1em}td,th{border:1px solid #ccc;\
padding:.3em .5em;text-align:left;vertical-align:top}code{word-break:break-all}\
.error{color:#a00}.warning{color:#a60}.unknown{color:#666}.met{color:#070}";

fn t(s: &str) -> String {
    terminal_safe(s)
}

fn status_class(s: Status) -> &'static str {
    match s {
        Status::Met => "met",
        Status::NotMet => "error",
        Status::Unknown | Status::NotChecked => "unknown",
    }
}

fn row(name: &str, value: Option<&str>) -> Markup {
    html! { tr { th { (name) } td { code { (t(value.unwrap_or("none"))) } } } }
}

/// The page.
pub(crate) fn page(a: &Audit) -> Markup {
    let mut findings = a.findings();
    findings.sort_by_key(|f| std::cmp::Reverse(f.1.severity));
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                title { "mailsift domain: " (t(&a.domain)) }
                style { (CSS) }
            }
            body {
                h1 { "Domain audit: " (t(&a.domain)) }
                h2 { "Bulk-sender verdict: " (a.verdict.verdict) }
                table {
                    tr { th { "requirement" } th { "providers" } th { "status" } th { "evidence" } }
                    @for r in &a.verdict.requirements {
                        tr {
                            td { (r.requirement) }
                            td { (r.providers.join(", ")) }
                            td class=(status_class(r.status)) { (r.status.label()) }
                            td { @for e in &r.evidence { (t(e)) br; } }
                        }
                    }
                }
                h2 { "Findings" }
                table {
                    @for (section, f) in &findings {
                        tr class=(match f.severity { Severity::Error => "error", Severity::Warning => "warning", _ => "unknown" }) {
                            td { (f.severity.name()) } td { (section) } td { (f.code) } td { (t(&f.message)) }
                        }
                    }
                }
                h2 { "MX" }
                table {
                    @for h in &a.mx.hosts {
                        tr { td { (h.preference) } td { (t(&h.host)) } td { (t(h.cname.as_deref().unwrap_or(""))) } td { (t(&h.addresses.join(" "))) } td { (h.status) } }
                    }
                }
                h2 { "SPF" }
                table {
                    (row("record", a.spf.record.as_deref()))
                    tr { th { "lookups" } td { (a.spf.lookups) " of 10, " (a.spf.void_lookups) " void of 2" } }
                    @for r in &a.spf.results {
                        tr { th { (r.ip) } td { (r.result.name()) ": " (t(&r.reason)) } }
                    }
                }
                h2 { "DMARC" }
                table {
                    (row("record", a.dmarc.record.as_deref()))
                    (row("found at", a.dmarc.location.as_deref()))
                    (row("organizational domain", Some(&a.dmarc.organizational_domain)))
                    (row("policy", a.dmarc.policy.as_deref()))
                    @for u in a.dmarc.rua.iter().chain(&a.dmarc.ruf) {
                        tr { th { "report URI" } td { code { (t(&u.uri)) } " " (u.authorization.unwrap_or("")) } }
                    }
                }
                h2 { "DKIM" }
                table {
                    @for k in &a.dkim.keys {
                        tr { th { (t(&k.selector)) } td { (t(k.key_type.as_deref().unwrap_or("-"))) } td { (k.key_bits.map(|b| b.to_string()).unwrap_or_default()) } td { @if k.revoked { "revoked" } @if k.testing { "t=y" } } }
                    }
                }
                h2 { "MTA-STS, TLS-RPT, BIMI" }
                table {
                    (row("MTA-STS", a.mta_sts.record.as_deref()))
                    (row("MTA-STS policy", a.mta_sts.policy_text.as_deref()))
                    (row("TLS-RPT", a.tlsrpt.record.as_deref()))
                    (row("BIMI", a.bimi.record.as_deref()))
                    (row("BIMI logo", a.bimi.logo_url.as_deref()))
                    (row("BIMI certificate", a.bimi.certificate_url.as_deref()))
                }
                @if !a.ptr.is_empty() {
                    h2 { "Reverse DNS" }
                    table {
                        @for p in &a.ptr {
                            tr { th { (p.ip) } td { (t(&p.names.join(", "))) } td { "FCrDNS " (p.fcrdns) } }
                        }
                    }
                }
                h2 { "Block lists" }
                table {
                    @for r in &a.dnsbl.results {
                        tr { td { (t(&r.zone)) } td { (t(&r.subject)) } td { (r.status) } td { (t(&r.meanings.join("; "))) } }
                    }
                }
                p { "DNSSEC: " (a.dnssec.status) " (" (a.dnssec.authenticated) " of " (a.dnssec.answers) " answers authenticated)" }
            }
        }
    }
}

/// Write the page.
pub fn write_html(a: &Audit, w: &mut dyn Write) -> io::Result<()> {
    w.write_all(page(a).into_string().as_bytes())
}

#[cfg(test)]
mod tests {
    use super::super::audit::tests::{ZONE, run};
    use super::*;

    #[test]
    fn the_page_escapes_and_loads_nothing() {
        let zone = format!(
            "{ZONE}default._bimi.example.com. TXT \"v=BIMI1; l=https://x.example/\\\"><script>alert(1)</script>.svg\"\n"
        );
        let mut buf = Vec::new();
        write_html(&run(&zone, &[]), &mut buf).unwrap();
        let page = String::from_utf8(buf).unwrap();
        assert!(page.starts_with("<!DOCTYPE html>"));
        assert!(!page.contains("<script"), "{page}");
        assert!(page.contains("&lt;script&gt;"));
        assert!(!page.contains("src=") && !page.contains("<link"));
    }
}
