//! The text summary on stdout, in the spirit of pflogsumm: grand totals, per-provider and
//! per-domain tables, top DSN texts, the scorecard and input problems. Every piece of log text
//! goes through [`terminal_safe`].

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};

use crate::logs::inbound::InboundReport;
use crate::logs::metrics::Row;
use crate::logs::parity::{Counted, ParityReport};
use crate::logs::report::{Report, TextRow};
use crate::text::terminal_safe;

fn pct(x: f64) -> String {
    format!("{:.2}%", x * 100.0)
}

fn table(
    out: &mut String,
    title: &str,
    key: &str,
    rows: &BTreeMap<String, Row>,
    cols: &[(&str, bool)],
    limit: usize,
    sort_by: &str,
) {
    if rows.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n{title}\n{}", "-".repeat(title.chars().count()));
    let v = super::sorted_rows(rows, sort_by);
    let mut head = format!("{key:<32}");
    for (c, _) in cols {
        let _ = write!(
            head,
            " {:>12}",
            c.replace("_rate", "%")
                .replace("deferred_recipients", "deferred")
        );
    }
    let _ = writeln!(out, "{head}");
    for (k, r) in v.iter().take(limit) {
        let mut k = terminal_safe(k);
        if k.chars().count() > 32 {
            k = k.chars().take(31).collect::<String>() + "…";
        }
        let _ = write!(out, "{k:<32}");
        for (c, is_rate) in cols {
            if *is_rate {
                let _ = write!(out, " {:>12}", pct(r.rate(c)));
            } else {
                let _ = write!(out, " {:>12}", r.count(c));
            }
        }
        let _ = writeln!(out);
    }
    if v.len() > limit {
        let _ = writeln!(out, "({} more; see --csv or --json)", v.len() - limit);
    }
}

fn texts(out: &mut String, title: &str, v: &[TextRow]) {
    if v.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n{title}\n{}", "-".repeat(title.len()));
    for t in v.iter().take(10) {
        let _ = writeln!(
            out,
            "{:>8}  {:<8} {}",
            t.count,
            terminal_safe(&t.dsn),
            terminal_safe(&t.text)
        );
    }
}

fn inbound(o: &mut String, i: &InboundReport) {
    if i.counts.values().all(|v| *v == 0) {
        return;
    }
    let _ = writeln!(
        o,
        "\nInbound (mail received from remote clients; not in the figures above)\n--------------------------------------------------------------------"
    );
    for (k, label) in INBOUND_LABELS {
        let n = i.counts.get(k).copied().unwrap_or(0);
        if n > 0 || matches!(*k, "received" | "delivered_local" | "rejected") {
            let _ = writeln!(o, "{n:>10}  {label}");
        }
    }
    for (title, m) in [
        ("rejected by reason", &i.rejected_by_reason),
        ("rejected by stage", &i.rejected_by_stage),
    ] {
        if !m.is_empty() {
            let v: Vec<String> = m
                .iter()
                .map(|(k, n)| format!("{} {n}", terminal_safe(k)))
                .collect();
            let _ = writeln!(o, "{:>10}  {title}: {}", "", v.join(", "));
        }
    }
}

/// Readable names of the `mta.inbound` counters, in display order.
pub(crate) const INBOUND_LABELS: &[(&str, &str)] = &[
    ("received", "messages received"),
    ("bytes", "bytes received"),
    ("recipients", "recipients"),
    ("delivered_local", "delivered to a mailbox here"),
    ("relayed", "relayed on to another host"),
    ("bounced", "bounced"),
    ("deferred_recipients", "deferred (recipients)"),
    ("bounce_notices", "bounce notices received (null sender)"),
    (
        "late_bounce_notices",
        "  of them for mail sent from here (late bounces)",
    ),
    ("reinjected", "re-injected by a content filter (not new)"),
    ("filter_handoffs", "handed to a content filter"),
    ("rejected", "rejected by this server"),
    ("reject_warnings", "reject warnings (not enforced)"),
    ("held", "held"),
    ("discarded", "discarded"),
    ("redirected", "redirected"),
    (
        "internal_messages",
        "locally submitted messages that stayed here",
    ),
    (
        "internal_delivered",
        "  their recipients delivered to a mailbox here",
    ),
];

fn counted(o: &mut String, title: &str, v: &[Counted], bytes: Option<&str>) {
    if v.is_empty() {
        return;
    }
    let _ = writeln!(o, "\n{title}\n{}", "-".repeat(title.chars().count()));
    for c in v.iter().take(20) {
        match bytes {
            Some(unit) => {
                let _ = writeln!(
                    o,
                    "{:>10} {:>12} {unit}  {}",
                    c.count,
                    c.bytes,
                    terminal_safe(&c.key)
                );
            }
            None => {
                let _ = writeln!(o, "{:>10}  {}", c.count, terminal_safe(&c.key));
            }
        }
    }
}

/// pflogsumm's sections.
fn sections(o: &mut String, p: &ParityReport) {
    if !p.per_day.is_empty() {
        let _ = writeln!(
            o,
            "\nPer-day traffic (every direction; UTC)\n--------------------------------------\n{:<12} {:>10} {:>10} {:>10} {:>10} {:>10}",
            "day", "received", "delivered", "deferred", "bounced", "rejected"
        );
        for (d, c) in &p.per_day {
            let g = |k: &str| c.get(k).copied().unwrap_or(0);
            let _ = writeln!(
                o,
                "{d:<12} {:>10} {:>10} {:>10} {:>10} {:>10}",
                g("received"),
                g("delivered"),
                g("deferred"),
                g("bounced"),
                g("rejected")
            );
        }
    }
    counted(
        o,
        "Messages received by client domain",
        &p.received_by_domain,
        None,
    );
    counted(o, "Senders by message count", &p.senders_by_count, None);
    counted(
        o,
        "Senders by message size",
        &p.senders_by_size,
        Some("bytes"),
    );
    counted(
        o,
        "Recipients by message count",
        &p.recipients_by_count,
        None,
    );
    counted(
        o,
        "Recipients by message size",
        &p.recipients_by_size,
        Some("bytes"),
    );
    counted(o, "Reject detail", &p.reject_detail, None);
    counted(o, "Reject warning detail", &p.reject_warning_detail, None);
    counted(o, "Hold detail", &p.hold_detail, None);
    counted(o, "Discard detail", &p.discard_detail, None);
    counted(o, "SMTP delivery failures", &p.smtp_delivery_failures, None);
    counted(o, "Warnings", &p.warnings, None);
    counted(o, "Errors", &p.errors, None);
    counted(o, "Fatal errors", &p.fatal_errors, None);
    counted(o, "Panics", &p.panics, None);
    counted(o, "Master daemon messages", &p.master_daemon, None);
    if p.smtpd_connections > 0 {
        let _ = writeln!(
            o,
            "\nsmtpd connections: {} (mean {:.2} s)",
            p.smtpd_connections, p.smtpd_mean_seconds
        );
        counted(
            o,
            "smtpd connections by client domain",
            &p.smtpd_by_domain,
            None,
        );
        counted(
            o,
            "smtpd connections by client host",
            &p.smtpd_by_host,
            Some("s"),
        );
    }
}

/// Render the summary.
pub fn render(r: &Report) -> String {
    let mut o = String::new();
    if let Some(m) = &r.mta {
        let t = &m.totals;
        let _ = writeln!(o, "mailsift logs: MTA {} .. {}\n", m.first, m.last);
        let _ = writeln!(o, "Grand Totals\n------------");
        let lines: Vec<(u64, String)> = vec![
            (
                t.count("messages"),
                "messages sent (submitted here, going out; filter copies and bounce notices excluded)".into(),
            ),
            (t.count("recipients"), "recipients".into()),
            (
                t.count("delivered"),
                format!(
                    "delivered  ({} of recipients)",
                    pct(t.rate("delivery_rate"))
                ),
            ),
            (
                t.count("delivered_after_deferral"),
                "  of them after a deferral".into(),
            ),
            (
                t.count("bounced"),
                format!(
                    "bounced    ({}; hard {}, soft {})",
                    pct(t.rate("bounce_rate")),
                    t.count("hard_bounced"),
                    t.count("soft_bounced")
                ),
            ),
            (
                t.count("rejected"),
                format!(
                    "  refused by the receiving server ({})",
                    pct(t.rate("rejection_rate"))
                ),
            ),
            (t.count("expired"), "  expired in the queue".into()),
            (
                t.count("deferred_recipients"),
                format!(
                    "deferred   ({}; {} deferrals)",
                    pct(t.rate("deferral_rate")),
                    t.count("deferral_events")
                ),
            ),
            (
                t.count("deferred_final"),
                "still deferred at the end of the log".into(),
            ),
            (
                t.count("ndr_messages"),
                format!(
                    "bounce notices generated ({} delivered, not counted above)",
                    t.count("ndr_deliveries")
                ),
            ),
            (
                t.count("reinjected"),
                "re-injected by a content filter (not new messages)".into(),
            ),
            (
                t.count("filter_handoffs"),
                "handed to a content filter (not deliveries)".into(),
            ),
            (
                t.count("rejected_smtpd"),
                "inbound rejects by this server".into(),
            ),
            (t.count("warnings"), "warnings".into()),
            (t.count("bytes_received"), "bytes of the messages sent".into()),
            (
                t.count("tls_connections"),
                format!(
                    "TLS connections ({} of {} outbound)",
                    pct(t.rate("tls_share")),
                    t.count("tls_connections") + t.count("plaintext_connections")
                ),
            ),
        ];
        for (n, what) in lines {
            let _ = writeln!(o, "{n:>10}  {what}");
        }
        let cols = &super::MTA_COLUMNS[..6];
        table(
            &mut o,
            "By mailbox provider",
            "provider",
            &m.by_provider,
            cols,
            30,
            "recipients",
        );
        table(
            &mut o,
            "By campaign",
            "campaign",
            &m.by_campaign,
            super::CAMPAIGN_COLUMNS,
            20,
            "recipients",
        );
        table(
            &mut o,
            "Top recipient domains",
            "domain",
            &m.by_domain,
            cols,
            20,
            "recipients",
        );
        table(
            &mut o,
            "By hour (UTC)",
            "hour",
            &m.by_hour,
            &[
                ("messages", false),
                ("delivered", false),
                ("bounced", false),
                ("deferral_events", false),
            ],
            72,
            "",
        );
        if !m.bounce_reasons.is_empty() {
            let _ = writeln!(o, "\nBounce reasons\n--------------");
            for (k, v) in &m.bounce_reasons {
                let _ = writeln!(o, "{v:>10}  {k}");
            }
        }
        texts(&mut o, "Top bounce texts", &m.top_bounce_texts);
        texts(&mut o, "Top deferral texts", &m.top_deferral_texts);
        if m.delays.count > 0 {
            let _ = writeln!(
                o,
                "\nDelivery delays ({} recipients, mean {:.1}s, max {:.0}s)\n---------------",
                m.delays.count, m.delays.mean_seconds, m.delays.max_seconds
            );
            for (l, c) in &m.delays.buckets {
                let _ = writeln!(o, "{c:>10}  {l}");
            }
        }
        if let (Some(l), Some(rc)) = (&m.late_bounces, &m.reconciled) {
            let _ = writeln!(
                o,
                "\nLate bounces (--bounces)\n------------------------\n{:>10}  bounce files, {} failed recipients decoded, {} matched to a delivery\n{:>10}  delivered, reconciled ({} in the log)\n{:>10}  bounced, reconciled ({} in the log; bounce rate {})",
                l.bounce_files,
                l.failures_decoded,
                l.matched,
                rc.count("delivered"),
                t.count("delivered"),
                rc.count("bounced"),
                t.count("bounced"),
                pct(rc.rate("bounce_rate")),
            );
        }
        inbound(&mut o, &m.inbound);
        sections(&mut o, &m.sections);
    }
    if let Some(e) = &r.esp {
        let t = &e.totals;
        let fl: Vec<String> = e.flavors.iter().map(|(k, v)| format!("{k} {v}")).collect();
        let _ = writeln!(o, "\nESP events ({})\n----------", fl.join(", "));
        for (k, label) in [
            ("requests", "requests"),
            (
                "processed",
                if e.processed_derived {
                    "processed (derived from final events)"
                } else {
                    "processed"
                },
            ),
            ("dropped", "dropped (suppressed)"),
            ("delivered", "delivered"),
            ("bounces", "bounces"),
            ("hard_bounces", "  hard"),
            ("soft_bounces_final", "  soft (given up)"),
            ("blocks", "  blocks"),
            ("deferred_messages", "deferred messages"),
            ("unique_opens", "unique opens"),
            ("unique_opens_human", "  by people (machine opens excluded)"),
            ("machine_opens", "machine opens (Apple MPP)"),
            ("unique_clicks", "unique clicks"),
            ("spamreports", "spam reports"),
            ("unsubscribes", "unsubscribes"),
            ("group_unsubscribes", "group unsubscribes"),
            ("duplicates", "duplicate events skipped"),
        ] {
            let _ = writeln!(o, "{:>10}  {label}", t.count(k));
        }
        let _ = writeln!(
            o,
            "rates: delivery {} bounce {} (of processed); open {} human open {} click {} spam {} (of delivered); click-to-open {}",
            pct(t.rate("delivery_rate")),
            pct(t.rate("bounce_rate")),
            pct(t.rate("unique_open_rate")),
            pct(t.rate("human_open_rate")),
            pct(t.rate("unique_click_rate")),
            pct(t.rate("spam_report_rate")),
            pct(t.rate("click_to_open_rate"))
        );
        let cols = super::ESP_COLUMNS;
        table(
            &mut o,
            "ESP by provider",
            "provider",
            &e.by_provider,
            cols,
            30,
            "processed",
        );
        table(
            &mut o,
            "ESP by campaign",
            "campaign",
            &e.by_campaign,
            cols,
            30,
            "processed",
        );
        texts(&mut o, "ESP top bounce texts", &e.top_bounce_texts);
    }
    if let Some(a) = &r.complaints {
        let _ = writeln!(o, "\nARF complaint reports: {}", a.reports);
        for (k, v) in &a.by_type {
            let _ = writeln!(o, "{v:>10}  {}", terminal_safe(k));
        }
    }
    let _ = writeln!(
        o,
        "\nSender requirements scorecard\n-----------------------------"
    );
    for c in &r.scorecard {
        let _ = writeln!(
            o,
            "{:<5} {:<16} {:<8} {}",
            c.status.as_str().to_uppercase(),
            c.id,
            c.source,
            terminal_safe(&c.evidence)
        );
    }
    let p = &r.problems;
    if p.unparsed_lines + p.open_queue_ids + p.out_of_order_lines + p.lines_for_unknown_queue_ids
        > 0
        || !p.errors.is_empty()
    {
        let _ = writeln!(o, "\nInput problems\n--------------");
        if p.unparsed_lines > 0 {
            let by: Vec<String> = p
                .unparsed_by_program
                .iter()
                .map(|(k, v)| format!("{} {v}", terminal_safe(k)))
                .collect();
            let _ = writeln!(
                o,
                "{:>10}  unparseable lines ({})",
                p.unparsed_lines,
                by.join(", ")
            );
            for ex in &p.unparsed_examples {
                let _ = writeln!(o, "            e.g. {}", terminal_safe(ex));
            }
        }
        if p.open_queue_ids > 0 {
            let sample: Vec<String> = p
                .open_queue_id_sample
                .iter()
                .take(10)
                .map(|q| terminal_safe(q))
                .collect();
            let _ = writeln!(
                o,
                "{:>10}  queue ids still open at the end (log cut, or still queued): {}{}",
                p.open_queue_ids,
                sample.join(" "),
                if p.open_queue_ids > 10 { " ..." } else { "" }
            );
        }
        if p.out_of_order_lines > 0 {
            let _ = writeln!(o, "{:>10}  lines out of time order", p.out_of_order_lines);
        }
        if p.lines_for_unknown_queue_ids > 0 {
            let _ = writeln!(
                o,
                "{:>10}  lines for queue ids never seen arriving",
                p.lines_for_unknown_queue_ids
            );
        }
        for e in &p.errors {
            let _ = writeln!(o, "  error: {}", terminal_safe(e));
        }
    }
    o
}

/// Write the summary.
pub fn write(r: &Report, mut w: impl Write) -> io::Result<()> {
    w.write_all(render(r).as_bytes())?;
    w.flush()
}
