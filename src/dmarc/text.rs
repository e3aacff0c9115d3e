//! The text summary printed on stdout: reports by kind, totals, the inputs not used (each with
//! its reason), and the top sources with the action each calls for.

use std::fmt::Write as _;

use super::report::Item;
use super::summary::Summary;

/// Inputs not used listed in the text (all of them are in the JSON Lines).
const MAX_PROBLEMS: usize = 20;
/// Sources listed in the text.
const MAX_SOURCES: usize = 20;

fn pct(n: u64, d: u64) -> String {
    if d == 0 {
        "-".into()
    } else {
        format!("{:.1}%", n as f64 * 100.0 / d as f64)
    }
}

/// The summary as text (not yet made terminal-safe: the caller does that per line).
pub fn render_text(summary: &Summary, items: &[Item]) -> String {
    let mut s = String::new();
    let r = &summary.reports;
    let get = |k: &str| r.get(k).copied().unwrap_or(0);
    let _ = writeln!(
        s,
        "reports: {} ({} aggregate, {} failure, {} tlsrpt); inputs not used: {}",
        summary.report_count(),
        get("aggregate"),
        get("failure"),
        get("tlsrpt"),
        summary.problem_count()
    );
    if summary.problem_count() > 0 {
        let parts: Vec<String> = summary
            .problems
            .iter()
            .map(|(k, v)| format!("{v} {k}"))
            .collect();
        let _ = writeln!(s, "  ({})", parts.join(", "));
    }
    if summary.messages > 0 {
        let _ = writeln!(
            s,
            "messages: {}; DMARC pass {} ({}), SPF aligned {} ({}), DKIM aligned {} ({})",
            summary.messages,
            summary.dmarc_pass,
            pct(summary.dmarc_pass, summary.messages),
            summary.spf_aligned,
            pct(summary.spf_aligned, summary.messages),
            summary.dkim_aligned,
            pct(summary.dkim_aligned, summary.messages),
        );
    }
    if get("tlsrpt") > 0 {
        let _ = writeln!(
            s,
            "TLS sessions: {} successful, {} failed",
            summary.successful_sessions, summary.failed_sessions
        );
    }
    let problems: Vec<_> = items
        .iter()
        .filter_map(|i| match i {
            Item::Problem(p) => Some(p),
            Item::Report(_) => None,
        })
        .collect();
    if !problems.is_empty() {
        let _ = writeln!(s, "\nnot used:");
        for p in problems.iter().take(MAX_PROBLEMS) {
            let _ = writeln!(s, "  {}: {}: {}", p.file, p.problem.as_str(), p.detail);
        }
        if problems.len() > MAX_PROBLEMS {
            let _ = writeln!(
                s,
                "  ... {} more (--jsonl lists every one)",
                problems.len() - MAX_PROBLEMS
            );
        }
    }
    if !summary.sources.is_empty() {
        let _ = writeln!(
            s,
            "\nsources ({}; biggest {}):",
            summary.sources.len(),
            MAX_SOURCES.min(summary.sources.len())
        );
        let _ = writeln!(
            s,
            "  {:<39} {:>9} {:>7} {:>7} {:>7}  {:<21} reverse DNS",
            "ip", "messages", "dmarc", "spf", "dkim", "action"
        );
        for src in summary.sources.iter().take(MAX_SOURCES) {
            let action = src.action.map_or("", |a| a.as_str());
            let mut rdns = src.reverse_dns.clone().unwrap_or_else(|| "-".into());
            if !src.failing_selectors.is_empty() {
                let _ = write!(rdns, " (failing: {})", src.failing_selectors.join(", "));
            }
            let _ = writeln!(
                s,
                "  {:<39} {:>9} {:>7} {:>7} {:>7}  {:<21} {}",
                src.ip,
                src.messages,
                pct(src.dmarc_pass, src.messages),
                pct(src.spf_aligned, src.messages),
                pct(src.dkim_aligned, src.messages),
                action,
                rdns
            );
        }
    }
    s
}
