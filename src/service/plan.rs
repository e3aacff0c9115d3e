//! Cutting a job into work: addresses that need no network are answered at once; the others
//! are grouped by domain into units of at most [`UNIT_ROWS`] rows, the grain workers claim.

use std::collections::BTreeMap;

use super::job::{ItemResult, JobOptions};
use crate::address;
use crate::model::AddressRecord;

/// Rows per unit at most: small enough that a killed worker loses little, large enough that
/// one session asks several recipients.
pub(crate) const UNIT_ROWS: usize = 200;

/// A job cut into work.
#[derive(Debug, Default)]
pub(crate) struct Plan {
    /// Results known without the network (bad syntax, no domain).
    pub(crate) done: Vec<ItemResult>,
    /// `(domain, rows)` per unit, in order of first appearance.
    pub(crate) units: Vec<(String, Vec<(i64, String)>)>,
}

/// The result record of an analysed address, tagged with who produced it.
pub(crate) fn item(rec: &AddressRecord, worker: &str, source: &str) -> ItemResult {
    let mut record = serde_json::to_value(rec).unwrap_or(serde_json::Value::Null);
    if let Some(o) = record.as_object_mut() {
        o.insert("worker".into(), worker.into());
        o.insert("source".into(), source.into());
    }
    ItemResult {
        row: rec.row as i64,
        verdict: rec.verdict,
        reason: rec.reason.as_str().to_owned(),
        record,
    }
}

/// Cut `emails` (rows numbered from 1).
pub(crate) fn plan(emails: &[String], options: &JobOptions) -> Plan {
    let opts = options.analyze();
    let mut by_domain: BTreeMap<String, usize> = BTreeMap::new();
    let mut p = Plan::default();
    for (i, e) in emails.iter().enumerate() {
        let row = i as i64 + 1;
        let rec = address::analyze(row as u64, e, &opts);
        let domain = rec
            .ascii()
            .and_then(|a| a.rsplit_once('@'))
            .map(|(_, d)| d.to_ascii_lowercase());
        match domain {
            Some(d) if rec.valid => {
                let slot = match by_domain.get(&d) {
                    Some(&u) if p.units[u].1.len() < UNIT_ROWS => u,
                    _ => {
                        p.units.push((d.clone(), Vec::new()));
                        by_domain.insert(d, p.units.len() - 1);
                        p.units.len() - 1
                    }
                };
                p.units[slot].1.push((row, e.clone()));
            }
            _ => p.done.push(item(&rec, "server", "")),
        }
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_rows_are_done_and_valid_ones_grouped_by_domain() {
        let mut emails: Vec<String> = vec!["not an address".into(), "a@Example.COM".into()];
        for i in 0..UNIT_ROWS + 1 {
            emails.push(format!("u{i}@example.org"));
        }
        emails.push("b@example.com".into());
        let p = plan(&emails, &JobOptions::default());
        assert_eq!(p.done.len(), 1);
        assert_eq!(p.done[0].row, 1);
        assert_eq!(p.done[0].reason, "invalid_syntax");
        let domains: Vec<&str> = p.units.iter().map(|u| u.0.as_str()).collect();
        assert_eq!(domains, ["example.com", "example.org", "example.org"]);
        assert_eq!(
            p.units[0].1,
            [(2, "a@Example.COM".into()), (204, "b@example.com".into())]
        );
        assert_eq!(p.units[1].1.len(), UNIT_ROWS);
        let rows: usize = p.done.len() + p.units.iter().map(|u| u.1.len()).sum::<usize>();
        assert_eq!(rows, emails.len(), "every row is in exactly one place");
    }
}
