//! The hygiene report of `clean --report FILE.html` and `--report-json FILE`: the figures
//! collected while the rows are decided (`collect`, into the summary's `hygiene` section),
//! the list's grade (`grade`), the actions they call for (`advice`), and the page rendered
//! from exactly the report's JSON (`view`, `html`, `chart`, `labels`, `figures`), so that the
//! page's figures equal the JSON's by construction.

mod advice;
mod chart;
mod collect;
mod data;
mod figures;
mod grade;
mod html;
mod labels;
mod view;

use std::io::{self, Write};

use serde_json::Value;

use super::Summary;

pub use advice::Advice;
pub(crate) use collect::{Collector, RowFacts};
pub use data::{
    Checks, DomainCount, DomainRow, Duplicates, Evidence, Hygiene, ProviderRow, Ranked, Share,
    Shares, SuppressedRow, TypoRow, VerdictMix,
};
pub use grade::Health;

/// The report's data: the run summary (with its `hygiene` section when the run collected
/// it), plus the list's `health` and the `advice` computed from it.
pub fn report_value(summary: &Summary) -> Value {
    let mut v = serde_json::to_value(summary).unwrap_or_else(|_| Value::Object(Default::default()));
    complete(&mut v);
    v
}

/// Add `health` and `advice` to report data that lacks them, computed from the rest (a
/// summary written by another run or by hand).
pub fn complete(report: &mut Value) {
    let view = view::View::of(report);
    if let Value::Object(m) = report {
        if !m.contains_key("health") {
            m.insert(
                "health".into(),
                serde_json::to_value(grade::health(&view)).unwrap_or(Value::Null),
            );
        }
        if !m.contains_key("advice") {
            m.insert(
                "advice".into(),
                serde_json::to_value(advice::advise(&view)).unwrap_or(Value::Null),
            );
        }
    }
}

/// The page for the report's data: one self-contained HTML file. Data without `health` or
/// `advice` gets them computed first (as [`complete`] does). Every figure is read from the data
/// and marked with its JSON pointer:
///
/// ```rust
/// let data = serde_json::json!({"rows_in": 1200, "rows_clean": 1150, "rows_rejected": 50});
/// let page = mailsift::report::hygiene::render(&data);
/// assert!(page.contains(r#"<span data-figure="/rows_in">1,200</span>"#));
/// assert!(page.contains(r#"<span data-figure="/health/grade">"#));
/// ```
pub fn render(report: &Value) -> String {
    if report.get("health").is_some() && report.get("advice").is_some() {
        return html::render(report);
    }
    let mut full = report.clone();
    complete(&mut full);
    html::render(&full)
}

/// Write the page.
pub fn write(report: &Value, mut w: impl Write) -> io::Result<()> {
    w.write_all(render(report).as_bytes())?;
    w.flush()
}
