//! The HTML report: one self-contained page (inline CSS, inline SVG charts: volume over time,
//! rates by provider, bounce reasons), no script, nothing loaded from anywhere. Every piece of
//! data is escaped; the page is well-formed XML (XHTML syntax) so that it can be checked
//! strictly.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};

use crate::logs::metrics::Row;
use crate::logs::report::{Report, TextRow};

/// Escape text for HTML/XML content and attribute values; control characters (not allowed in
/// XML) become U+FFFD.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            '\t' | '\n' => o.push(c),
            c if c.is_control()
                || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{fffe}' | '\u{ffff}') =>
            {
                o.push('\u{fffd}')
            }
            c => o.push(c),
        }
    }
    o
}

const CSS: &str = "body{font:14px/1.4 system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222;padding:0 1em}\
h1{font-size:1.5em}h2{font-size:1.15em;margin-top:2em;border-bottom:1px solid #ccc}\
table{border-collapse:collapse;margin:.5em 0}td,th{padding:2px 8px;border-bottom:1px solid #eee;text-align:right}\
td:first-child,th:first-child{text-align:left}th{background:#f4f4f4}\
.pass{color:#1a7f37;font-weight:bold}.warn{color:#9a6700;font-weight:bold}.fail{color:#cf222e;font-weight:bold}.na{color:#777}\
.text{text-align:left;font-family:monospace;font-size:12px;max-width:700px;word-break:break-all}\
svg{background:#fafafa;border:1px solid #eee;margin:.5em 0}.legend{font-size:12px}";

fn pct(x: f64) -> String {
    format!("{:.2}%", x * 100.0)
}

/// Stacked bars of several series over ordered buckets.
fn volume_chart(
    o: &mut String,
    title: &str,
    rows: &BTreeMap<String, Row>,
    series: &[(&str, &str)],
) {
    let (w, h, pad) = (1000.0, 260.0, 40.0);
    let n = rows.len().max(1);
    let max = rows
        .values()
        .map(|r| series.iter().map(|(k, _)| r.count(k)).sum::<u64>())
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let bw = (w - 2.0 * pad) / n as f64;
    let _ = write!(
        o,
        "<svg width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"{}\"><title>{}</title>",
        esc(title),
        esc(title)
    );
    let _ = write!(
        o,
        "<line x1=\"{pad}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#999\"/>",
        h - pad,
        w - pad,
        h - pad
    );
    let _ = write!(
        o,
        "<text x=\"4\" y=\"{}\" font-size=\"11\">{}</text>",
        pad - 8.0,
        max as u64
    );
    for (i, (k, r)) in rows.iter().enumerate() {
        let x = pad + i as f64 * bw;
        let mut y = h - pad;
        for (key, color) in series {
            let v = r.count(key) as f64;
            let bh = v / max * (h - 2.0 * pad);
            if bh > 0.0 {
                y -= bh;
                let _ = write!(
                    o,
                    "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{bh:.1}\" fill=\"{color}\"><title>{} {}: {}</title></rect>",
                    (bw - 1.0).max(0.5),
                    esc(k),
                    esc(key),
                    v as u64
                );
            }
        }
        if n <= 40 || i % (n / 20 + 1) == 0 {
            // hours (`2024-03-11T05:00Z`) as `11T05`, days as they are
            let label = if k.len() == 17 && k.as_bytes()[10] == b'T' {
                &k[8..13]
            } else {
                k.as_str()
            };
            let _ = write!(
                o,
                "<text x=\"{x:.1}\" y=\"{}\" font-size=\"9\" transform=\"rotate(45 {x:.1} {})\">{}</text>",
                h - pad + 12.0,
                h - pad + 12.0,
                esc(label)
            );
        }
    }
    let mut lx = pad;
    for (key, color) in series {
        let _ = write!(
            o,
            "<rect x=\"{lx}\" y=\"6\" width=\"10\" height=\"10\" fill=\"{color}\"/><text x=\"{}\" y=\"15\" class=\"legend\">{}</text>",
            lx + 14.0,
            esc(key)
        );
        lx += 150.0;
    }
    o.push_str("</svg>\n");
}

/// Horizontal bars: one group per label, one bar per value (0..=1 rates or counts).
fn bar_chart(
    o: &mut String,
    title: &str,
    items: &[(String, Vec<f64>)],
    legend: &[(&str, &str)],
    as_rate: bool,
) {
    let row_h = 14.0 * legend.len() as f64 + 6.0;
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
    let _ = write!(
        o,
        "<svg width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"{}\"><title>{}</title>",
        esc(title),
        esc(title)
    );
    let mut lx = label_w;
    for (name, color) in legend {
        let _ = write!(
            o,
            "<rect x=\"{lx}\" y=\"6\" width=\"10\" height=\"10\" fill=\"{color}\"/><text x=\"{}\" y=\"15\" class=\"legend\">{}</text>",
            lx + 14.0,
            esc(name)
        );
        lx += 160.0;
    }
    for (i, (label, vals)) in items.iter().enumerate() {
        let y0 = 26.0 + i as f64 * row_h;
        let _ = write!(
            o,
            "<text x=\"4\" y=\"{:.1}\" font-size=\"12\">{}</text>",
            y0 + row_h / 2.0 + 4.0,
            esc(label)
        );
        for (j, v) in vals.iter().enumerate() {
            let bw = (v / max).clamp(0.0, 1.0) * (w - label_w - 90.0);
            let y = y0 + j as f64 * 14.0;
            let color = legend.get(j).map(|l| l.1).unwrap_or("#888");
            let shown = if as_rate {
                pct(*v)
            } else {
                format!("{}", *v as u64)
            };
            let _ = write!(
                o,
                "<rect x=\"{label_w}\" y=\"{y:.1}\" width=\"{bw:.1}\" height=\"12\" fill=\"{color}\"><title>{}: {}</title></rect>",
                esc(label),
                esc(&shown)
            );
            let _ = write!(
                o,
                "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\">{}</text>",
                label_w + bw + 4.0,
                y + 10.0,
                esc(&shown)
            );
        }
    }
    o.push_str("</svg>\n");
}

/// Delivery and bounce rates of the 15 biggest providers, plus one more rate.
fn provider_rates(
    o: &mut String,
    rows: &BTreeMap<String, Row>,
    size: &str,
    third: (&str, &str, &str),
) {
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
        o,
        "Rates by provider",
        &items,
        &[
            ("delivery rate", "#2da44e"),
            ("bounce rate", "#cf222e"),
            (third.0, third.2),
        ],
        true,
    );
}

fn row_table(
    o: &mut String,
    key: &str,
    rows: &BTreeMap<String, Row>,
    cols: &[(&str, bool)],
    sort_by: &str,
    limit: usize,
) {
    let v = super::sorted_rows(rows, sort_by);
    let _ = write!(o, "<table><tr><th>{}</th>", esc(key));
    for (c, _) in cols {
        let _ = write!(o, "<th>{}</th>", esc(c));
    }
    o.push_str("</tr>\n");
    for (k, r) in v.iter().take(limit) {
        let _ = write!(o, "<tr><td>{}</td>", esc(k));
        for (c, is_rate) in cols {
            if *is_rate {
                let _ = write!(o, "<td>{}</td>", pct(r.rate(c)));
            } else if let Some(l) = r.labels.get(c) {
                let _ = write!(o, "<td>{}</td>", esc(l));
            } else {
                let _ = write!(o, "<td>{}</td>", r.count(c));
            }
        }
        o.push_str("</tr>\n");
    }
    o.push_str("</table>\n");
    if v.len() > limit {
        let _ = writeln!(
            o,
            "<p>{} more rows in the JSON and CSV outputs.</p>",
            v.len() - limit
        );
    }
}

fn text_table(o: &mut String, v: &[TextRow]) {
    o.push_str("<table><tr><th>count</th><th>dsn</th><th>text</th></tr>\n");
    for t in v {
        let _ = writeln!(
            o,
            "<tr><td>{}</td><td>{}</td><td class=\"text\">{}</td></tr>",
            t.count,
            esc(&t.dsn),
            esc(&t.text)
        );
    }
    o.push_str("</table>\n");
}

fn totals_table(o: &mut String, row: &Row) {
    o.push_str("<table><tr><th>counter</th><th>value</th></tr>\n");
    for (k, v) in &row.counts {
        let _ = writeln!(o, "<tr><td>{}</td><td>{v}</td></tr>", esc(k));
    }
    for (k, v) in &row.rates {
        let _ = writeln!(o, "<tr><td>{}</td><td>{}</td></tr>", esc(k), pct(*v));
    }
    o.push_str("</table>\n");
}

/// Render the page.
pub fn render(r: &Report) -> String {
    let mut o = String::with_capacity(64 * 1024);
    o.push_str("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/><meta name=\"viewport\" content=\"width=device-width\"/><title>mailsift logs report</title><style>");
    o.push_str(CSS);
    o.push_str("</style></head><body>\n<h1>Deliverability report</h1>\n");
    let _ = writeln!(
        o,
        "<p>{} &#8212; schema {}; {} input(s).</p>",
        esc(&r.generator),
        r.schema_version,
        r.inputs.len()
    );
    o.push_str("<h2>Sender requirements scorecard</h2>\n<table><tr><th>check</th><th>source</th><th>status</th><th>value</th><th>evidence</th></tr>\n");
    for c in &r.scorecard {
        let cls = match c.status.as_str() {
            "n/a" => "na",
            s => s,
        };
        let _ = writeln!(
            o,
            "<tr><td>{}</td><td>{}</td><td class=\"{cls}\">{}</td><td>{}</td><td class=\"text\">{}</td></tr>",
            esc(c.id),
            esc(c.source),
            esc(c.status.as_str()),
            c.value.map(pct).unwrap_or_default(),
            esc(&c.evidence)
        );
    }
    o.push_str("</table>\n");
    if let Some(m) = &r.mta {
        let _ = writeln!(
            o,
            "<h2>MTA logs: {} .. {}</h2>",
            esc(&m.first),
            esc(&m.last)
        );
        o.push_str("<h3>Volume over time (UTC hours)</h3>\n");
        volume_chart(
            &mut o,
            "Volume over time",
            &m.by_hour,
            &[
                ("delivered", "#2da44e"),
                ("bounced", "#cf222e"),
                ("deferral_events", "#d4a72c"),
            ],
        );
        o.push_str("<h3>Rates by provider</h3>\n");
        provider_rates(
            &mut o,
            &m.by_provider,
            "recipients",
            ("deferral rate", "deferral_rate", "#d4a72c"),
        );
        o.push_str("<h3>Bounce reasons</h3>\n");
        let mut reasons: Vec<(String, Vec<f64>)> = m
            .bounce_reasons
            .iter()
            .map(|(k, v)| (k.clone(), vec![*v as f64]))
            .collect();
        reasons.sort_by(|a, b| b.1[0].total_cmp(&a.1[0]).then_with(|| a.0.cmp(&b.0)));
        bar_chart(
            &mut o,
            "Bounce reasons",
            &reasons,
            &[("bounced recipients", "#cf222e")],
            false,
        );
        o.push_str("<h3>Totals</h3>\n");
        totals_table(&mut o, &m.totals);
        let cols = super::MTA_COLUMNS;
        o.push_str("<h3>By provider</h3>\n");
        row_table(&mut o, "provider", &m.by_provider, cols, "recipients", 100);
        o.push_str("<h3>By campaign</h3>\n");
        row_table(
            &mut o,
            "campaign",
            &m.by_campaign,
            super::CAMPAIGN_COLUMNS,
            "recipients",
            100,
        );
        o.push_str("<h3>Top recipient domains</h3>\n");
        let mut dcols = vec![("provider", false)];
        dcols.extend_from_slice(cols);
        row_table(&mut o, "domain", &m.by_domain, &dcols, "recipients", 50);
        o.push_str("<h3>Top bounce texts</h3>\n");
        text_table(&mut o, &m.top_bounce_texts);
        o.push_str("<h3>Top deferral texts</h3>\n");
        text_table(&mut o, &m.top_deferral_texts);
    }
    if let Some(e) = &r.esp {
        o.push_str("<h2>ESP events</h2>\n");
        if r.mta.is_none() {
            volume_chart(
                &mut o,
                "Volume per day",
                &e.by_day,
                &[
                    ("delivered", "#2da44e"),
                    ("bounces", "#cf222e"),
                    ("dropped", "#8c959f"),
                ],
            );
            provider_rates(
                &mut o,
                &e.by_provider,
                "processed",
                ("human open rate", "human_open_rate", "#0969da"),
            );
            let t = &e.totals;
            let items = vec![
                ("hard".to_string(), vec![t.count("hard_bounces") as f64]),
                (
                    "soft (given up)".to_string(),
                    vec![t.count("soft_bounces_final") as f64],
                ),
                ("blocks".to_string(), vec![t.count("blocks") as f64]),
            ];
            bar_chart(
                &mut o,
                "Bounce reasons",
                &items,
                &[("bounces", "#cf222e")],
                false,
            );
        }
        totals_table(&mut o, &e.totals);
        let cols = super::ESP_COLUMNS;
        o.push_str("<h3>By provider</h3>\n");
        row_table(&mut o, "provider", &e.by_provider, cols, "processed", 100);
        o.push_str("<h3>By campaign</h3>\n");
        row_table(&mut o, "campaign", &e.by_campaign, cols, "processed", 100);
        o.push_str("<h3>Top bounce texts</h3>\n");
        text_table(&mut o, &e.top_bounce_texts);
    }
    let p = &r.problems;
    o.push_str("<h2>Input problems</h2>\n<table><tr><th>what</th><th>count</th></tr>\n");
    let _ = writeln!(
        o,
        "<tr><td>unparseable lines</td><td>{}</td></tr>",
        p.unparsed_lines
    );
    for (k, v) in &p.unparsed_by_program {
        let _ = writeln!(o, "<tr><td>&#160;&#160;{}</td><td>{v}</td></tr>", esc(k));
    }
    let _ = writeln!(
        o,
        "<tr><td>queue ids still open</td><td>{}</td></tr>",
        p.open_queue_ids
    );
    let _ = writeln!(
        o,
        "<tr><td>lines out of time order</td><td>{}</td></tr>",
        p.out_of_order_lines
    );
    let _ = writeln!(
        o,
        "<tr><td>lines for unknown queue ids</td><td>{}</td></tr>",
        p.lines_for_unknown_queue_ids
    );
    o.push_str("</table>\n");
    for e in &p.errors {
        let _ = writeln!(o, "<p class=\"fail\">{}</p>", esc(e));
    }
    o.push_str("<h2>Definitions</h2>\n<table>");
    for (k, v) in &r.definitions {
        let _ = writeln!(
            o,
            "<tr><td>{}</td><td class=\"text\">{}</td></tr>",
            esc(k),
            esc(v)
        );
    }
    o.push_str("</table>\n</body></html>\n");
    o
}

/// Write the page.
pub fn write(r: &Report, mut w: impl Write) -> io::Result<()> {
    w.write_all(render(r).as_bytes())?;
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(
            esc("<script>a&b\"'</script>\u{1b}"),
            "&lt;script&gt;a&amp;b&quot;&#39;&lt;/script&gt;\u{fffd}"
        );
    }
}
