//! The HTML page: one self-contained, escaped page (inline CSS, no script, nothing loaded):
//! the totals, the sources with their actions, the reports and the inputs not used. Rendered
//! with the auto-escaping maud template.

use std::io::{self, Write};

use maud::{DOCTYPE, Markup, html};

use super::report::Item;
use super::summary::Summary;

/// Text without controls and bidirectional overrides (maud escapes the markup characters).
fn clean(s: &str) -> String {
    s.chars()
        .map(|c| {
            if (c.is_control() && c != '\t' && c != '\n')
                || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
            {
                '\u{fffd}'
            } else {
                c
            }
        })
        .collect()
}

const STYLE: &str = "body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.25em .5em;text-align:left}th{background:#eee}td.n{text-align:right}.none{color:#070}.authorize_source{color:#a00}.dkim_selector_failing{color:#a50}.forwarder{color:#057}";

/// The page.
pub fn render_html(summary: &Summary, items: &[Item]) -> String {
    let page: Markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                title { "mailsift dmarc" }
                style { (STYLE) }
            }
            body {
                h1 { "DMARC and TLS reports" }
                p {
                    (summary.report_count()) " reports, " (summary.problem_count()) " inputs not used; "
                    (summary.messages) " messages, " (summary.dmarc_pass) " DMARC pass, "
                    (summary.spf_aligned) " SPF aligned, " (summary.dkim_aligned) " DKIM aligned; TLS sessions "
                    (summary.successful_sessions) " successful, " (summary.failed_sessions) " failed."
                }
                h2 { "Sources" }
                table {
                    tr { th { "IP" } th { "reverse DNS" } th { "base domain" } th { "messages" }
                         th { "DMARC pass" } th { "SPF aligned" } th { "DKIM aligned" } th { "From domains" } th { "action" } }
                    @for s in &summary.sources {
                        @let action = s.action.map_or("", |a| a.as_str());
                        tr {
                            td { (clean(&s.ip)) }
                            td { (clean(s.reverse_dns.as_deref().unwrap_or(""))) }
                            td { (clean(s.base_domain.as_deref().unwrap_or(""))) }
                            td.n { (s.messages) }
                            td.n { (s.dmarc_pass) }
                            td.n { (s.spf_aligned) }
                            td.n { (s.dkim_aligned) }
                            td { (clean(&s.header_from.join(" "))) }
                            td class=(action) { (action) @if !s.failing_selectors.is_empty() { " (" (clean(&s.failing_selectors.join(", "))) ")" } }
                        }
                    }
                }
                h2 { "Reports" }
                table {
                    tr { th { "kind" } th { "file" } th { "org" } th { "report id" } th { "domain" }
                         th { "begin" } th { "end" } th { "records" } th { "messages / sessions" } }
                    @for item in items {
                        @if let Item::Report(r) = item {
                            tr {
                                td { (r.kind.as_str()) }
                                td { (clean(&r.file)) }
                                td { (clean(&r.org_name)) }
                                td { (clean(&r.report_id)) }
                                td { (clean(&r.policy_domain)) }
                                td.n { (r.begin) }
                                td.n { (r.end) }
                                td.n { (r.records.len()) }
                                td.n { (r.totals.messages.or(r.totals.successful_sessions.map(|s| s + r.totals.failed_sessions.unwrap_or(0))).unwrap_or(0)) }
                            }
                        }
                    }
                }
                h2 { "Inputs not used" }
                table {
                    tr { th { "file" } th { "problem" } th { "detail" } }
                    @for item in items {
                        @if let Item::Problem(p) = item {
                            tr { td { (clean(&p.file)) } td { (p.problem.as_str()) } td { (clean(&p.detail)) } }
                        }
                    }
                }
            }
        }
    };
    page.into_string()
}

/// Write the page.
pub fn write_html(summary: &Summary, items: &[Item], mut w: impl Write) -> io::Result<()> {
    w.write_all(render_html(summary, items).as_bytes())?;
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dmarc::report::{ProblemKind, problem};

    #[test]
    fn escaped() {
        let items = vec![problem(
            "<script>alert(1)</script>.xml",
            ProblemKind::Corrupt,
            "a & b\u{202e}",
        )];
        let s = Summary::new(&items, Vec::new());
        let page = render_html(&s, &items);
        assert!(!page.contains("<script>"));
        assert!(page.contains("&lt;script&gt;"));
        assert!(page.contains("a &amp; b\u{fffd}"));
    }
}
