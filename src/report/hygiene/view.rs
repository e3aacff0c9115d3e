//! The report as the page reads it: the `--report-json` value deserialised section by section,
//! every section optional (a section that is missing or not understood is left out), so that
//! the page is rendered from exactly the data written, including sections other commands add
//! (`engagement`).

use std::collections::BTreeMap;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::advice::Advice;
use super::data::Hygiene;
use super::grade::Health;

/// The report's data, as the page reads it.
#[derive(Debug, Default)]
pub(crate) struct View {
    pub(crate) rows_in: u64,
    pub(crate) rows_clean: u64,
    pub(crate) rows_rejected: u64,
    pub(crate) elapsed_seconds: f64,
    pub(crate) verdicts: BTreeMap<String, u64>,
    pub(crate) reasons: BTreeMap<String, u64>,
    pub(crate) flags: BTreeMap<String, u64>,
    pub(crate) rejected_by: BTreeMap<String, u64>,
    pub(crate) rejected_reasons: BTreeMap<String, u64>,
    pub(crate) suppression: Option<Suppression>,
    pub(crate) dns: Option<Resolver>,
    pub(crate) engagement: Option<Engagement>,
    /// The `hygiene` section (all zero when missing).
    pub(crate) hygiene: Hygiene,
    pub(crate) health: Option<Health>,
    pub(crate) advice: Option<Vec<Advice>>,
}

/// The summary's `suppression` section.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Suppression {
    pub(crate) files: Vec<SuppressionFile>,
    pub(crate) addresses: u64,
    pub(crate) warnings: u64,
    pub(crate) rows: BTreeMap<String, u64>,
}

/// One suppression file.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct SuppressionFile {
    pub(crate) file: String,
    pub(crate) format: String,
    pub(crate) added: u64,
    pub(crate) skipped: u64,
    pub(crate) malformed: u64,
}

/// The summary's `dns` section: the resolver and its judgement.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Resolver {
    pub(crate) resolver: String,
    pub(crate) status: String,
}

/// The summary's `engagement` section (`clean --engagement`).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Engagement {
    pub(crate) files: Vec<EngagementFile>,
    /// The segment rules used (`as_of`, `active_days`, ...), as given.
    pub(crate) rules: BTreeMap<String, Value>,
    pub(crate) segments: BTreeMap<String, u64>,
    pub(crate) addresses_with_data: u64,
    pub(crate) human_opens: u64,
    pub(crate) machine_opens: u64,
    pub(crate) clicks: u64,
    pub(crate) sends: u64,
}

/// One engagement file.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct EngagementFile {
    pub(crate) file: String,
    pub(crate) format: String,
    pub(crate) events: u64,
    pub(crate) malformed: u64,
}

impl Engagement {
    /// Machine opens among all opens (0 without opens).
    pub(crate) fn machine_open_share(&self) -> f64 {
        let all = self.human_opens + self.machine_opens;
        if all == 0 {
            0.0
        } else {
            self.machine_opens as f64 / all as f64
        }
    }

    /// A rule's value as text (`""` when missing).
    pub(crate) fn rule(&self, name: &str) -> String {
        match self.rules.get(name) {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Null) | None => String::new(),
            Some(v) => v.to_string(),
        }
    }
}

/// Section `key` of `v`, if present and understood.
fn section<T: DeserializeOwned>(v: &Value, key: &str) -> Option<T> {
    match v.get(key) {
        None | Some(Value::Null) => None,
        Some(s) => T::deserialize(s).ok(),
    }
}

impl View {
    /// Read the report's data.
    pub(crate) fn of(v: &Value) -> View {
        let n = |key: &str| v.get(key).and_then(Value::as_u64).unwrap_or(0);
        View {
            rows_in: n("rows_in"),
            rows_clean: n("rows_clean"),
            rows_rejected: n("rows_rejected"),
            elapsed_seconds: v
                .get("elapsed_seconds")
                .and_then(Value::as_f64)
                .unwrap_or(0.0),
            verdicts: section(v, "verdicts").unwrap_or_default(),
            reasons: section(v, "reasons").unwrap_or_default(),
            flags: section(v, "flags").unwrap_or_default(),
            rejected_by: section(v, "rejected_by").unwrap_or_default(),
            rejected_reasons: section(v, "rejected_reasons").unwrap_or_default(),
            suppression: section(v, "suppression"),
            dns: section(v, "dns"),
            engagement: section(v, "engagement"),
            hygiene: section(v, "hygiene").unwrap_or_default(),
            health: section(v, "health"),
            advice: section(v, "advice"),
        }
    }
}
