//! The HTML report: one self-contained page (inline CSS, inline SVG charts: volume over time,
//! rates by provider, bounce reasons), no script, nothing loaded from anywhere. The page is a
//! `maud` template: every piece of data is spliced as `Text` and escaped by the template; the
//! page is well-formed XML (XHTML syntax) so that it can be checked strictly.

use std::collections::BTreeMap;
use std::io::{self, Write};

use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::labels;
use crate::logs::metrics::Row;
use crate::logs::parity::Counted;
use crate::logs::report::{Report, TextRow};
use crate::text::html::{Empty, Text};

const CSS: &str = "body{font:14px/1.4 system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222;padding:0 1em}\
h1{font-size:1.5em}h2{font-size:1.15em;margin-top:2em;border-bottom:1px solid #ccc}\
table{border-collapse:collapse;margin:.5em 0}td,th{padding:2px 8px;border-bottom:1px solid #eee;text-align:right}\
td:first-child,th:first-child{text-align:left}th{background:#f4f4f4}\
.pass{color:#1a7f37;font-weight:bold}.warn{color:#9a6700;font-weight:bold}.fail{color:#cf222e;font-weight:bold}.na{color:#777}\
.text{text-align:left;font-family:monospace;font-size:12px;max-width:700px;word-break:break-all}\
svg{background:#fafafa;border:1px solid #eee;margin:.5em 0}.legend{font-size:12px}\
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:1em 0}\
.card{border:1px solid #ddd;border-radius:8px;padding:10px 14px;min-width:150px;flex:1 1 150px;background:#fcfcfc}\
.card .v{font-size:1.8em;font-weight:bold}.card .l{font-weight:bold}.card .d{font-size:12px;color:#555}\
.card.pass{border-color:#1a7f37}.card.warn{border-color:#9a6700}.card.fail{border-color:#cf222e}\
.def{font-size:12px;color:#555;text-align:left}";

fn pct(x: f64) -> String {
    format!("{:.2}%", x * 100.0)
}

/// A coordinate with one decimal.
fn f1(x: f64) -> String {
    format!("{x:.1}")
}

/// The view box of a chart `w` wide and `h` high.
fn chart_size(w: f64, h: f64) -> String {
    format!("0 0 {w} {h}")
}

/// The legend of a chart: a colour square and a name per series, `step` apart from `x0`.
fn legend(x0: f64, step: f64, series: &[(&str, &str)]) -> Markup {
    html! {
        @for (i, (name, color)) in series.iter().enumerate() {
            @let lx = x0 + step * i as f64;
            (Empty("rect", &[
                ("x", &lx),
                ("y", &"6"),
                ("width", &"10"),
                ("height", &"10"),
                ("fill", &Text(color)),
            ]))
            text x=(lx + 14.0) y="15" class="legend" { (Text(name)) }
        }
    }
}

/// One segment of a stacked bar.
struct Segment<'a> {
    y: f64,
    height: f64,
    key: &'a str,
    color: &'a str,
    value: u64,
}

/// Stacked bars of several series over ordered buckets.
fn volume_chart(label: &str, rows: &BTreeMap<String, Row>, series: &[(&str, &str)]) -> Markup {
    let (w, h, pad) = (1000.0, 260.0, 40.0);
    let n = rows.len().max(1);
    let max = rows
        .values()
        .map(|r| series.iter().map(|(k, _)| r.count(k)).sum::<u64>())
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let bw = (w - 2.0 * pad) / n as f64;
    let bars: Vec<(f64, &String, Vec<Segment>)> = rows
        .iter()
        .enumerate()
        .map(|(i, (k, r))| {
            let x = pad + i as f64 * bw;
            let mut y = h - pad;
            let mut segments = Vec::new();
            for (key, color) in series {
                let v = r.count(key) as f64;
                let bh = v / max * (h - 2.0 * pad);
                if bh > 0.0 {
                    y -= bh;
                    segments.push(Segment {
                        y,
                        height: bh,
                        key,
                        color,
                        value: v as u64,
                    });
                }
            }
            (x, k, segments)
        })
        .collect();
    let label_y = h - pad + 12.0;
    html! {
        svg width=(w) height=(h) viewBox=(chart_size(w, h)) role="img" aria-label=(Text(label)) {
            title { (Text(label)) }
            (Empty("line", &[
                ("x1", &pad),
                ("y1", &(h - pad)),
                ("x2", &(w - pad)),
                ("y2", &(h - pad)),
                ("stroke", &"#999"),
            ]))
            text x="4" y=(pad - 8.0) font-size="11" { (max as u64) }
            @for (i, (x, k, segments)) in bars.iter().enumerate() {
                @for s in segments {
                    rect x=(f1(*x)) y=(f1(s.y)) width=(f1((bw - 1.0).max(0.5)))
                        height=(f1(s.height)) fill=(Text(s.color)) {
                        title { (Text(k)) " " (Text(s.key)) ": " (s.value) }
                    }
                }
                @if n <= 40 || i % (n / 20 + 1) == 0 {
                    // hours (`2024-03-11T05:00Z`) as `11T05`, days as they are
                    @let label = if k.len() == 17 && k.as_bytes()[10] == b'T' {
                        &k[8..13]
                    } else {
                        k.as_str()
                    };
                    text x=(f1(*x)) y=(label_y) font-size="9"
                        transform=(format!("rotate(45 {} {label_y})", f1(*x))) {
                        (Text(label))
                    }
                }
            }
            (legend(pad, 150.0, series))
        }
        "\n"
    }
}

/// Horizontal bars: one group per label, one bar per value (0..=1 rates or counts).
fn bar_chart(
    label: &str,
    items: &[(String, Vec<f64>)],
    series: &[(&str, &str)],
    as_rate: bool,
) -> Markup {
    let row_h = 14.0 * series.len() as f64 + 6.0;
    let (w, label_w) = (1000.0, 220.0);
    let h = 30.0 + row_h * items.len().max(1) as f64;
    let max = if as_rate {
        1.0
    } else {
        items
            .iter()
            .flat_map(|(_, v)| v.iter().copied())
            .fold(1.0, f64::max)
    };
    html! {
        svg width=(w) height=(h) viewBox=(chart_size(w, h)) role="img" aria-label=(Text(label)) {
            title { (Text(label)) }
            (legend(label_w, 160.0, series))
            @for (i, (name, vals)) in items.iter().enumerate() {
                @let y0 = 26.0 + i as f64 * row_h;
                text x="4" y=(f1(y0 + row_h / 2.0 + 4.0)) font-size="12" { (Text(name)) }
                @for (j, v) in vals.iter().enumerate() {
                    @let bw = (v / max).clamp(0.0, 1.0) * (w - label_w - 90.0);
                    @let y = y0 + j as f64 * 14.0;
                    @let color = series.get(j).map(|l| l.1).unwrap_or("#888");
                    @let shown = if as_rate { pct(*v) } else { format!("{}", *v as u64) };
                    rect x=(label_w) y=(f1(y)) width=(f1(bw)) height="12" fill=(Text(color)) {
                        title { (Text(name)) ": " (Text(&shown)) }
                    }
                    text x=(f1(label_w + bw + 4.0)) y=(f1(y + 10.0)) font-size="10" {
                        (Text(&shown))
                    }
                }
            }
        }
        "\n"
    }
}

/// Delivery and bounce rates of the 15 biggest providers, plus one more rate.
fn provider_rates(rows: &BTreeMap<String, Row>, size: &str, third: (&str, &str, &str)) -> Markup {
    let provs = super::sorted_rows(rows, size);
    let items: Vec<(String, Vec<f64>)> = provs
        .iter()
        .take(15)
        .map(|(k, r)| {
            (
                (*k).clone(),
                vec![
                    r.rate("delivery_rate"),
                    r.rate("bounce_rate"),
                    r.rate(third.1),
                ],
            )
        })
        .collect();
    bar_chart(
        "Rates by provider",
        &items,
        &[
            ("delivery rate", "#2da44e"),
            ("bounce rate", "#cf222e"),
            (third.0, third.2),
        ],
        true,
    )
}

fn row_table(
    key: &str,
    rows: &BTreeMap<String, Row>,
    cols: &[(&str, bool)],
    sort_by: &str,
    limit: usize,
) -> Markup {
    let v = super::sorted_rows(rows, sort_by);
    html! {
        table {
            tr {
                th { (Text(key)) }
                @for (c, _) in cols {
                    th title=(Text(labels::of(labels::MTA, c).1)) { (Text(labels::of(labels::MTA, c).0)) }
                }
            }
            "\n"
            @for (k, r) in v.iter().take(limit) {
                tr {
                    td { (Text(k)) }
                    @for (c, is_rate) in cols {
                        @if *is_rate {
                            td { (pct(r.rate(c))) }
                        } @else if let Some(l) = r.labels.get(c) {
                            td { (Text(l)) }
                        } @else {
                            td { (r.count(c)) }
                        }
                    }
                }
                "\n"
            }
        }
        "\n"
        @if v.len() > limit {
            p { (v.len() - limit) " more rows in the JSON and CSV outputs." }
            "\n"
        }
    }
}

fn text_table(v: &[TextRow]) -> Markup {
    html! {
        table {
            tr { th { "count" } th { "dsn" } th { "text" } }
            "\n"
            @for t in v {
                tr {
                    td { (t.count) }
                    td { (Text(&t.dsn)) }
                    td class="text" { (Text(&t.text)) }
                }
                "\n"
            }
        }
        "\n"
    }
}

fn totals_table(row: &Row) -> Markup {
    html! {
        table {
            tr { th { "figure" } th { "value" } th class="def" { "definition" } }
            "\n"
            // the label table's order first, then any other counter
            @for (k, v) in labels::MTA
                .iter()
                .filter_map(|(k, _, _)| row.counts.get_key_value(k))
                .chain(row.counts.iter().filter(|(k, _)| !labels::MTA.iter().any(|l| l.0 == **k)))
            {
                @let (label, def) = labels::of(labels::MTA, k);
                tr {
                    td { (Text(label)) }
                    td { (v) }
                    td class="def" { (Text(def)) " (" code { (Text(k)) } ")" }
                }
                "\n"
            }
            @for (k, v) in &row.rates {
                @let (label, def) = labels::of(labels::MTA, k);
                tr {
                    td { (Text(label)) }
                    td { (pct(*v)) }
                    td class="def" { (Text(def)) " (" code { (Text(k)) } ")" }
                }
                "\n"
            }
        }
        "\n"
    }
}

/// A headline figure.
struct Card<'a> {
    label: &'a str,
    value: String,
    definition: String,
    class: &'a str,
}

fn cards(v: &[Card<'_>]) -> Markup {
    html! {
        div class="cards" {
            @for c in v {
                div class=(Text(&format!("card {}", c.class))) {
                    div class="l" { (Text(c.label)) }
                    div class="v" { (Text(&c.value)) }
                    div class="d" { (Text(&c.definition)) }
                }
                "\n"
            }
        }
        "\n"
    }
}

/// The headline figures: volume, delivery, bounce, complaint and deferral rates, and the
/// scorecard's checks.
fn headline(r: &Report) -> Markup {
    let mut v = Vec::new();
    let check = |id: &str| r.scorecard.iter().find(|c| c.id == id);
    let class_of = |id: &str| {
        check(id)
            .map(|c| match c.status.as_str() {
                "n/a" => "na",
                s => s,
            })
            .unwrap_or("")
    };
    if let Some(m) = &r.mta {
        let t = m.reconciled.as_ref().unwrap_or(&m.totals);
        let note = if m.reconciled.is_some() {
            " (late bounces applied)"
        } else {
            ""
        };
        v.push(Card {
            label: "Messages sent",
            value: t.count("messages").to_string(),
            definition: format!("{} recipients", t.count("recipients")),
            class: "",
        });
        v.push(Card {
            label: "Delivery rate",
            value: pct(t.rate("delivery_rate")),
            definition: format!(
                "{} delivered / {} recipients{note}",
                t.count("delivered"),
                t.count("recipients")
            ),
            class: "",
        });
        v.push(Card {
            label: "Bounce rate",
            value: pct(t.rate("bounce_rate")),
            definition: format!(
                "{} bounced / {} recipients{note}",
                t.count("bounced"),
                t.count("recipients")
            ),
            class: class_of("bounce_rate"),
        });
        v.push(Card {
            label: "Deferral rate",
            value: pct(t.rate("deferral_rate")),
            definition: format!(
                "{} recipients deferred at least once",
                t.count("deferred_recipients")
            ),
            class: "",
        });
        let i = &m.inbound.counts;
        if i.get("received").copied().unwrap_or(0) + i.get("rejected").copied().unwrap_or(0) > 0 {
            v.push(Card {
                label: "Received",
                value: i.get("received").copied().unwrap_or(0).to_string(),
                definition: format!(
                    "messages from remote clients; {} rejected",
                    i.get("rejected").copied().unwrap_or(0)
                ),
                class: "",
            });
        }
    }
    if let Some(e) = &r.esp {
        let t = &e.totals;
        v.push(Card {
            label: "ESP delivery rate",
            value: pct(t.rate("delivery_rate")),
            definition: format!(
                "{} delivered / {} processed",
                t.count("delivered"),
                t.count("processed")
            ),
            class: "",
        });
    }
    if let Some(c) = check("complaint_rate") {
        v.push(Card {
            label: "Complaint rate",
            value: match (c.status.as_str(), c.value) {
                ("n/a", _) | (_, None) => "n/a".into(),
                (_, Some(x)) => pct(x),
            },
            definition: "spam reports / delivered (Gmail and Yahoo: under 0.1%, never 0.3%)".into(),
            class: class_of("complaint_rate"),
        });
    }
    for c in r.scorecard.iter().filter(|c| c.id != "complaint_rate") {
        v.push(Card {
            label: match c.id {
                "bounce_rate" => "Scorecard: bounce rate",
                "auth_rejections" => "Scorecard: authentication rejections",
                "rate_limits" => "Scorecard: rate limiting",
                other => other,
            },
            value: c.status.as_str().to_uppercase(),
            definition: c.evidence.chars().take(160).collect(),
            class: class_of(c.id),
        });
    }
    cards(&v)
}

fn counts_table(counts: &BTreeMap<&'static str, u64>, table: &[(&str, &str, &str)]) -> Markup {
    html! {
        table {
            tr { th { "figure" } th { "value" } th class="def" { "definition" } }
            "\n"
            @for (k, label, def) in table {
                @if let Some(v) = counts.get(k) {
                    tr {
                        td { (Text(label)) }
                        td { (v) }
                        td class="def" { (Text(def)) " (" code { (Text(k)) } ")" }
                    }
                    "\n"
                }
            }
        }
        "\n"
    }
}

fn pairs_table(head: [&str; 2], m: &BTreeMap<String, u64>) -> Markup {
    html! {
        table {
            tr { th { (Text(head[0])) } th { (Text(head[1])) } }
            "\n"
            @for (k, v) in m {
                tr { td { (Text(k)) } td { (v) } }
                "\n"
            }
        }
        "\n"
    }
}

fn counted_table(title: &str, key: &str, v: &[Counted], bytes: Option<&str>) -> Markup {
    html! {
        @if !v.is_empty() {
            h3 { (Text(title)) }
            "\n"
            table {
                tr {
                    th { (Text(key)) } th { "count" }
                    @if let Some(b) = bytes { th { (Text(b)) } }
                }
                "\n"
                @for c in v.iter().take(20) {
                    tr {
                        td class="text" { (Text(&c.key)) }
                        td { (c.count) }
                        @if bytes.is_some() { td { (c.bytes) } }
                    }
                    "\n"
                }
            }
            "\n"
        }
    }
}

fn traffic_table(key: &str, m: &BTreeMap<String, BTreeMap<&'static str, u64>>) -> Markup {
    const COLS: [&str; 5] = ["received", "delivered", "deferred", "bounced", "rejected"];
    html! {
        table {
            tr {
                th { (Text(key)) }
                @for c in COLS { th { (c) } }
            }
            "\n"
            @for (k, row) in m {
                tr {
                    td { (Text(k)) }
                    @for c in COLS { td { (row.get(c).copied().unwrap_or(0)) } }
                }
                "\n"
            }
        }
        "\n"
    }
}

/// Inbound mail, late bounces and pflogsumm's sections.
fn more_sections(m: &crate::logs::report::MtaReport) -> Markup {
    let p = &m.sections;
    html! {
        @if let (Some(l), Some(rc)) = (&m.late_bounces, &m.reconciled) {
            h3 { "Late bounces (reconciled with --bounces)" }
            "\n"
            p {
                (l.bounce_files) " bounce file(s), " (l.failures_decoded)
                " failed recipient(s) decoded, " (l.matched) " matched to a delivery of this log. "
                "The log says " (m.totals.count("delivered")) " delivered and "
                (m.totals.count("bounced")) " bounced; reconciled: " (rc.count("delivered"))
                " delivered and " (rc.count("bounced")) " bounced."
            }
            "\n"
        }
        h2 { "Inbound mail" }
        "\n"
        p class="def" {
            "Mail received from remote clients, kept out of the deliverability figures above."
        }
        (counts_table(&m.inbound.counts, labels::INBOUND))
        @if !m.inbound.rejected_by_reason.is_empty() {
            h3 { "Rejected by reason" }
            "\n"
            (pairs_table(["reason", "rejects"], &m.inbound.rejected_by_reason))
            h3 { "Rejected by stage" }
            "\n"
            (pairs_table(["stage", "rejects"], &m.inbound.rejected_by_stage))
        }
        h2 { "Log summary (pflogsumm's sections)" }
        "\n"
        p class="def" {
            "Every direction together, as pflogsumm counts them, but per recipient and without "
            "content-filter hand-offs or bounce notices among the deliveries."
        }
        h3 { "Per-day traffic (UTC)" }
        "\n"
        (traffic_table("day", &p.per_day))
        (counted_table("Messages received by client domain", "domain", &p.received_by_domain, Some("bytes")))
        (counted_table("Senders by message count", "sender", &p.senders_by_count, None))
        (counted_table("Senders by message size", "sender", &p.senders_by_size, Some("bytes")))
        (counted_table("Recipients by message count", "recipient", &p.recipients_by_count, None))
        (counted_table("Recipients by message size", "recipient", &p.recipients_by_size, Some("bytes")))
        (counted_table("Reject detail", "stage, reason: text", &p.reject_detail, None))
        (counted_table("Reject warning detail", "stage, reason: text", &p.reject_warning_detail, None))
        (counted_table("Hold detail", "text", &p.hold_detail, None))
        (counted_table("Discard detail", "text", &p.discard_detail, None))
        (counted_table("SMTP delivery failures", "text", &p.smtp_delivery_failures, None))
        (counted_table("Warnings", "daemon: text", &p.warnings, None))
        (counted_table("Errors", "daemon: text", &p.errors, None))
        (counted_table("Fatal errors", "daemon: text", &p.fatal_errors, None))
        (counted_table("Panics", "daemon: text", &p.panics, None))
        (counted_table("Master daemon messages", "text", &p.master_daemon, None))
        @if p.smtpd_connections > 0 {
            h3 { "smtpd connections" }
            "\n"
            p { (p.smtpd_connections) " connections, mean " (format!("{:.2}", p.smtpd_mean_seconds)) " s." }
            "\n"
            (counted_table("smtpd connections by client domain", "domain", &p.smtpd_by_domain, None))
            (counted_table("smtpd connections by client host", "host", &p.smtpd_by_host, Some("seconds")))
        }
    }
}

/// The MTA section: charts, totals, tables by provider, campaign and domain, top texts.
fn mta_section(m: &crate::logs::report::MtaReport) -> Markup {
    let mut reasons: Vec<(String, Vec<f64>)> = m
        .bounce_reasons
        .iter()
        .map(|(k, v)| (k.clone(), vec![*v as f64]))
        .collect();
    reasons.sort_by(|a, b| b.1[0].total_cmp(&a.1[0]).then_with(|| a.0.cmp(&b.0)));
    let cols = super::MTA_COLUMNS;
    let mut dcols = vec![("provider", false)];
    dcols.extend_from_slice(cols);
    html! {
        h2 { "MTA logs: " (Text(&m.first)) " .. " (Text(&m.last)) }
        "\n"
        h3 { "Volume over time (UTC hours)" }
        "\n"
        (volume_chart(
            "Volume over time",
            &m.by_hour,
            &[
                ("delivered", "#2da44e"),
                ("bounced", "#cf222e"),
                ("deferral_events", "#d4a72c"),
            ],
        ))
        h3 { "Rates by provider" }
        "\n"
        (provider_rates(
            &m.by_provider,
            "recipients",
            ("deferral rate", "deferral_rate", "#d4a72c"),
        ))
        h3 { "Bounce reasons" }
        "\n"
        (bar_chart("Bounce reasons", &reasons, &[("bounced recipients", "#cf222e")], false))
        h3 { "Totals" }
        "\n"
        (totals_table(&m.totals))
        h3 { "By provider" }
        "\n"
        (row_table("provider", &m.by_provider, cols, "recipients", 100))
        h3 { "By campaign" }
        "\n"
        (row_table("campaign", &m.by_campaign, super::CAMPAIGN_COLUMNS, "recipients", 100))
        h3 { "Top recipient domains" }
        "\n"
        (row_table("domain", &m.by_domain, &dcols, "recipients", 50))
        h3 { "Top bounce texts" }
        "\n"
        (text_table(&m.top_bounce_texts))
        h3 { "Top deferral texts" }
        "\n"
        (text_table(&m.top_deferral_texts))
        (more_sections(m))
    }
}

/// The ESP section; its charts only when there is no MTA section.
fn esp_section(e: &crate::logs::report::EspReport, charts: bool) -> Markup {
    let t = &e.totals;
    let items = vec![
        ("hard".to_string(), vec![t.count("hard_bounces") as f64]),
        (
            "soft (given up)".to_string(),
            vec![t.count("soft_bounces_final") as f64],
        ),
        ("blocks".to_string(), vec![t.count("blocks") as f64]),
    ];
    let cols = super::ESP_COLUMNS;
    html! {
        h2 { "ESP events" }
        "\n"
        @if charts {
            (volume_chart(
                "Volume per day",
                &e.by_day,
                &[
                    ("delivered", "#2da44e"),
                    ("bounces", "#cf222e"),
                    ("dropped", "#8c959f"),
                ],
            ))
            (provider_rates(
                &e.by_provider,
                "processed",
                ("human open rate", "human_open_rate", "#0969da"),
            ))
            (bar_chart("Bounce reasons", &items, &[("bounces", "#cf222e")], false))
        }
        (totals_table(&e.totals))
        h3 { "By provider" }
        "\n"
        (row_table("provider", &e.by_provider, cols, "processed", 100))
        h3 { "By campaign" }
        "\n"
        (row_table("campaign", &e.by_campaign, cols, "processed", 100))
        h3 { "Top bounce texts" }
        "\n"
        (text_table(&e.top_bounce_texts))
    }
}

/// Render the page.
pub fn render(r: &Report) -> String {
    let p = &r.problems;
    let page = html! {
        (DOCTYPE)
        "\n"
        html lang="en" {
            head {
                (Empty("meta", &[("charset", &"utf-8")]))
                (Empty("meta", &[("name", &"viewport"), ("content", &"width=device-width")]))
                title { "mailsift logs report" }
                style { (PreEscaped(CSS)) }
            }
            body {
                "\n"
                h1 { "Deliverability report" }
                "\n"
                p {
                    (Text(&r.generator)) " " (PreEscaped("&#8212;")) " schema " (r.schema_version)
                    "; " (r.inputs.len()) " input(s)."
                }
                "\n"
                (headline(r))
                h2 { "Sender requirements scorecard" }
                "\n"
                table {
                    tr {
                        th { "check" } th { "source" } th { "status" } th { "value" }
                        th { "evidence" }
                    }
                    "\n"
                    @for c in &r.scorecard {
                        @let cls = match c.status.as_str() {
                            "n/a" => "na",
                            s => s,
                        };
                        tr {
                            td { (Text(c.id)) }
                            td { (Text(c.source)) }
                            td class=(Text(cls)) { (Text(c.status.as_str())) }
                            td { (c.value.map(pct).unwrap_or_default()) }
                            td class="text" { (Text(&c.evidence)) }
                        }
                        "\n"
                    }
                }
                "\n"
                @if let Some(m) = &r.mta {
                    (mta_section(m))
                }
                @if let Some(e) = &r.esp {
                    (esp_section(e, r.mta.is_none()))
                }
                h2 { "Input problems" }
                "\n"
                table {
                    tr { th { "what" } th { "count" } }
                    "\n"
                    tr { td { "unparseable lines" } td { (p.unparsed_lines) } }
                    "\n"
                    @for (k, v) in &p.unparsed_by_program {
                        tr { td { (PreEscaped("&#160;&#160;")) (Text(k)) } td { (v) } }
                        "\n"
                    }
                    tr { td { "queue ids still open" } td { (p.open_queue_ids) } }
                    "\n"
                    tr { td { "lines out of time order" } td { (p.out_of_order_lines) } }
                    "\n"
                    tr {
                        td { "lines for unknown queue ids" }
                        td { (p.lines_for_unknown_queue_ids) }
                    }
                    "\n"
                }
                "\n"
                @for e in &p.errors {
                    p class="fail" { (Text(e)) }
                    "\n"
                }
                h2 { "Definitions" }
                "\n"
                table {
                    @for (k, v) in &r.definitions {
                        tr { td { (Text(k)) } td class="text" { (Text(v)) } }
                        "\n"
                    }
                }
                "\n"
            }
        }
        "\n"
    };
    page.into_string()
}

/// Write the page.
pub fn write(r: &Report, mut w: impl Write) -> io::Result<()> {
    w.write_all(render(r).as_bytes())?;
    w.flush()
}
