//! The text report on stdout: one block per host and address, a table of ports, then each
//! finding with its fix. Every string from the network is made terminal-safe.

use std::fmt::Write;

use crate::text::terminal_safe;

use super::report::{PortReport, Report};

fn greeting_cell(p: &PortReport) -> String {
    match &p.greeting {
        Some(g) => format!("{} in {} ms", g.code, g.ms),
        None if p.open => "none".into(),
        None => "-".into(),
    }
}

fn tls_cell(p: &PortReport) -> String {
    match &p.tls {
        Some(t) => match &t.facts {
            Some(f) if t.ok => format!(
                "{} {} {} {}",
                t.mode,
                f.version,
                if f.trusted { "trusted" } else { "untrusted" },
                f.key_type
            ),
            _ => format!("{} failed", t.mode),
        },
        None if p.open => "none".into(),
        None => "-".into(),
    }
}

fn auth_cell(p: &PortReport) -> String {
    let ext = p
        .ehlo
        .as_ref()
        .map(|e| e.extensions_tls.as_ref().unwrap_or(&e.extensions).clone())
        .unwrap_or_default();
    let mechs = super::session::auth_mechanisms(&ext);
    let offered = if mechs.is_empty() {
        "-".to_owned()
    } else {
        mechs.join(",")
    };
    match &p.auth {
        Some(a) if !a.mechanism.is_empty() => format!("{offered} ({} {})", a.mechanism, a.result),
        Some(a) => format!("{offered} ({})", a.result),
        None => offered,
    }
}

/// The report as text.
pub fn render_text(r: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "target {} ({})", terminal_safe(&r.target), r.kind);
    for h in &r.hosts {
        let ptr = if h.identity.ptr.is_empty() {
            format!("no PTR ({})", h.identity.ptr_lookup)
        } else {
            let fc = match h.identity.fcrdns {
                Some(true) => "FCrDNS ok",
                Some(false) => "FCrDNS mismatch",
                None => "",
            };
            format!("PTR {} {fc}", h.identity.ptr.join(","))
        };
        let _ = writeln!(
            out,
            "\n{} {}  {}",
            terminal_safe(&h.host),
            h.address,
            terminal_safe(&ptr)
        );
        let _ = writeln!(
            out,
            "  {:<5} {:<6} {:<9} {:<15} {:<40} auth",
            "port", "open", "connect", "greeting", "tls"
        );
        for p in &h.ports {
            let _ = writeln!(
                out,
                "  {:<5} {:<6} {:<9} {:<15} {:<40} {}",
                p.port,
                if p.open { "yes" } else { "no" },
                p.connect_ms.map_or("-".into(), |m| format!("{m} ms")),
                greeting_cell(p),
                terminal_safe(&tls_cell(p)),
                terminal_safe(&auth_cell(p)),
            );
        }
        for p in &h.ports {
            if let Some(g) = &p.greeting {
                let _ = writeln!(
                    out,
                    "  {} greeting: {} {}",
                    p.port,
                    g.code,
                    terminal_safe(&g.text)
                );
            }
            if let Some(e) = &p.ehlo {
                let ext = e.extensions_tls.as_ref().unwrap_or(&e.extensions);
                let words: Vec<&str> = ext
                    .iter()
                    .filter_map(|l| l.split_ascii_whitespace().next())
                    .collect();
                let _ = writeln!(
                    out,
                    "  {} {}: {}",
                    p.port,
                    if e.helo_fallback { "HELO" } else { "EHLO" },
                    terminal_safe(&words.join(" "))
                );
            }
            if let Some(t) = &p.tls
                && let Some(f) = &t.facts
            {
                let _ = writeln!(
                    out,
                    "  {} tls: {} {} {} {} bits, names {}, expires {} ({} days)",
                    p.port,
                    f.version,
                    f.cipher,
                    f.key_type,
                    f.key_bits,
                    terminal_safe(&f.names.join(",")),
                    f.not_after,
                    f.days_to_expiry
                );
            }
            if let Some(rel) = &p.relay {
                let _ = writeln!(out, "  {} relay test: {}", p.port, rel.result);
            }
        }
        let all: Vec<_> = h
            .findings
            .iter()
            .map(|f| (None, f))
            .chain(
                h.ports
                    .iter()
                    .flat_map(|p| p.findings.iter().map(move |f| (Some(p.port), f))),
            )
            .collect();
        if all.is_empty() {
            let _ = writeln!(out, "  no findings");
        }
        for (port, f) in all {
            let at = port.map_or(String::new(), |p| format!("port {p}: "));
            let _ = writeln!(
                out,
                "  {:<7} {:<22} {at}{}\n          fix: {}",
                f.severity.name(),
                f.id.name(),
                terminal_safe(&f.message),
                f.fix
            );
        }
    }
    let _ = writeln!(out, "\nworst: {} (exit code {})", r.worst, r.exit_code);
    out
}
