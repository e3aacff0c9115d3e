//! The page's inline SVG charts: horizontal bars, verdict mixes (100 % stacked bars) and one
//! split bar. Every label is escaped text; no chart loads or runs anything.

use maud::{Markup, html};

use crate::text::html::{Empty, Text};

use super::figures::{count, pct, share};
use super::labels;

/// Chart width (the view box; the page scales it down).
const W: f64 = 900.0;
/// Width of the label column.
const LABEL_W: f64 = 230.0;

fn f1(x: f64) -> String {
    format!("{x:.1}")
}

fn view_box(h: f64) -> String {
    format!("0 0 {W} {h}")
}

/// A colour square and a name per series, from `x0`, `step` apart, at height `y`.
fn legend(x0: f64, y: f64, step: f64, series: &[(&str, &str)]) -> Markup {
    html! {
        @for (i, (name, color)) in series.iter().enumerate() {
            @let lx = x0 + step * i as f64;
            (Empty("rect", &[
                ("x", &f1(lx)),
                ("y", &f1(y - 10.0)),
                ("width", &"10"),
                ("height", &"10"),
                ("fill", &Text(color)),
            ]))
            text x=(f1(lx + 14.0)) y=(f1(y)) font-size="12" { (Text(name)) }
        }
    }
}

/// Horizontal bars, one per item (name, value, colour), scaled to the biggest.
pub(crate) fn bars(label: &str, items: &[(String, u64, &str)]) -> Markup {
    let row_h = 20.0;
    let h = 10.0 + row_h * items.len().max(1) as f64;
    let max = items.iter().map(|i| i.1).max().unwrap_or(0).max(1) as f64;
    let span = W - LABEL_W - 90.0;
    html! {
        svg width=(W) height=(h) viewBox=(view_box(h)) role="img" aria-label=(Text(label)) {
            title { (Text(label)) }
            @for (i, (name, value, color)) in items.iter().enumerate() {
                @let y = 5.0 + i as f64 * row_h;
                @let bw = (*value as f64 / max * span).max(if *value > 0 { 1.0 } else { 0.0 });
                text x="4" y=(f1(y + 13.0)) font-size="12" { (Text(name)) }
                rect x=(LABEL_W) y=(f1(y + 2.0)) width=(f1(bw)) height="14" fill=(Text(color)) {
                    title { (Text(name)) ": " (count(*value)) }
                }
                text x=(f1(LABEL_W + bw + 4.0)) y=(f1(y + 13.0)) font-size="11" {
                    (count(*value))
                }
            }
        }
        "\n"
    }
}

/// The verdict mix of each row (name, counts in [`labels::VERDICTS`] order), as bars of equal
/// length split by verdict, with the row's total at the end.
pub(crate) fn mix(label: &str, rows: &[(String, [u64; 4])]) -> Markup {
    let row_h = 20.0;
    let h = 30.0 + row_h * rows.len().max(1) as f64;
    let span = W - LABEL_W - 90.0;
    let series: Vec<(&str, &str)> = labels::VERDICTS
        .iter()
        .map(|v| {
            let (l, c, _) = labels::verdict(v);
            (l, c)
        })
        .collect();
    html! {
        svg width=(W) height=(h) viewBox=(view_box(h)) role="img" aria-label=(Text(label)) {
            title { (Text(label)) }
            (legend(LABEL_W, 16.0, 130.0, &series))
            @for (i, (name, counts)) in rows.iter().enumerate() {
                @let y = 26.0 + i as f64 * row_h;
                @let total: u64 = counts.iter().sum();
                text x="4" y=(f1(y + 13.0)) font-size="12" { (Text(name)) }
                @for (x, bw, n, j) in segments(counts, span) {
                    @let (vl, color, _) = labels::verdict(labels::VERDICTS[j]);
                    rect x=(f1(x)) y=(f1(y + 2.0)) width=(f1(bw)) height="14"
                        fill=(Text(color)) {
                        title {
                            (Text(name)) " " (Text(vl)) ": " (count(n)) " ("
                            (pct(share(n, total))) ")"
                        }
                    }
                }
                text x=(f1(LABEL_W + span + 4.0)) y=(f1(y + 13.0)) font-size="11" {
                    (count(total))
                }
            }
        }
        "\n"
    }
}

/// The non-empty parts of a bar `span` long split by `counts`: (x from the label column,
/// width, count, index).
fn segments(counts: &[u64; 4], span: f64) -> Vec<(f64, f64, u64, usize)> {
    let total: u64 = counts.iter().sum();
    let mut x = LABEL_W;
    let mut out = Vec::new();
    for (j, &n) in counts.iter().enumerate() {
        if n > 0 {
            let bw = share(n, total) * span;
            out.push((x, bw, n, j));
            x += bw;
        }
    }
    out
}

/// One bar split into parts (name, value, colour), with a legend under it.
pub(crate) fn split(label: &str, parts: &[(String, u64, &str)]) -> Markup {
    let total: u64 = parts.iter().map(|p| p.1).sum();
    let per_line = 3;
    let lines = parts.len().div_ceil(per_line).max(1);
    let h = 50.0 + 18.0 * lines as f64;
    let span = W - 20.0;
    let mut x = 10.0;
    let mut rects = Vec::new();
    for (name, n, color) in parts {
        if *n == 0 {
            continue;
        }
        let bw = share(*n, total) * span;
        rects.push((x, bw, name, *n, *color));
        x += bw;
    }
    html! {
        svg width=(W) height=(h) viewBox=(view_box(h)) role="img" aria-label=(Text(label)) {
            title { (Text(label)) }
            @for (x, bw, name, n, color) in &rects {
                rect x=(f1(*x)) y="8" width=(f1(*bw)) height="26" fill=(Text(color)) {
                    title { (Text(name)) ": " (count(*n)) " (" (pct(share(*n, total))) ")" }
                }
            }
            @for (l, chunk) in parts.chunks(per_line).enumerate() {
                @let series: Vec<String> = chunk
                    .iter()
                    .map(|(name, n, _)| format!("{name}: {} ({})", count(*n), pct(share(*n, total))))
                    .collect();
                @let pairs: Vec<(&str, &str)> = series
                    .iter()
                    .zip(chunk)
                    .map(|(s, p)| (s.as_str(), p.2))
                    .collect();
                (legend(10.0, 54.0 + 18.0 * l as f64, W / per_line as f64, &pairs))
            }
        }
        "\n"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_escaped_and_the_svg_is_well_formed() {
        let m = bars("t", &[("<script>x</script>".into(), 3, "#000")]).into_string();
        assert!(!m.contains("<script>"), "{m}");
        assert!(m.contains("&lt;script&gt;"));
        let m = mix("m", &[("a&b".into(), [1, 0, 1, 0])]).into_string();
        assert!(m.contains("a&amp;b"));
        assert_eq!(
            m.matches("<rect").count(),
            4 + 2,
            "legend squares and two parts: {m}"
        );
        let m = split(
            "s",
            &[("kept".into(), 3, "#0f0"), ("rejected".into(), 1, "#f00")],
        )
        .into_string();
        assert!(m.contains("kept: 3 (75.0%)"), "{m}");
    }
}
