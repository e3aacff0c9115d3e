//! Report sinks: JSON, CSV tables, the text summary, the self-contained HTML page.

pub mod csv;
pub mod html;
pub mod json;
pub(crate) mod labels;
pub mod text;

use std::collections::BTreeMap;

use super::metrics::Row;

/// The rows of a table, biggest `sort_by` count first (ties by key), or in key order when
/// `sort_by` is empty.
pub(crate) fn sorted_rows<'a>(
    rows: &'a BTreeMap<String, Row>,
    sort_by: &str,
) -> Vec<(&'a String, &'a Row)> {
    let mut v: Vec<(&String, &Row)> = rows.iter().collect();
    if !sort_by.is_empty() {
        v.sort_by(|a, b| {
            b.1.count(sort_by)
                .cmp(&a.1.count(sort_by))
                .then_with(|| a.0.cmp(b.0))
        });
    }
    v
}

/// Columns of the campaign tables (name, is a rate).
pub(crate) const CAMPAIGN_COLUMNS: &[(&str, bool)] = &[
    ("messages", false),
    ("recipients", false),
    ("delivered", false),
    ("bounced", false),
    ("bounce_rate", true),
];

/// Columns of the ESP tables.
pub(crate) const ESP_COLUMNS: &[(&str, bool)] = &[
    ("processed", false),
    ("delivered", false),
    ("bounces", false),
    ("unique_opens", false),
    ("unique_clicks", false),
    ("spamreports", false),
    ("delivery_rate", true),
    ("human_open_rate", true),
    ("click_to_open_rate", true),
];

/// Columns of the MTA provider and domain tables.
pub(crate) const MTA_COLUMNS: &[(&str, bool)] = &[
    ("recipients", false),
    ("delivered", false),
    ("bounced", false),
    ("deferred_recipients", false),
    ("delivery_rate", true),
    ("bounce_rate", true),
    ("deferral_rate", true),
    ("tls_share", true),
];
