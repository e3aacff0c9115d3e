//! The CSV table: one row per normalised record of every report (aggregate rows, failure
//! incidents, TLS policies), spreadsheet formulas neutralised.

use std::io::{self, Write};

use crate::text::escape_formula;

use super::report::{Item, Records, Report};

const HEADER: &[&str] = &[
    "kind",
    "file",
    "org_name",
    "report_id",
    "policy_domain",
    "begin",
    "end",
    "source_ip",
    "count",
    "disposition",
    "dkim",
    "spf",
    "dmarc_pass",
    "header_from",
    "envelope_from",
    "dkim_results",
    "spf_results",
    "reasons",
    "tls_policy_type",
    "successful_sessions",
    "failed_sessions",
];

fn cells(r: &Report) -> Vec<Vec<String>> {
    let head = vec![
        r.kind.as_str().to_string(),
        r.file.clone(),
        r.org_name.clone(),
        r.report_id.clone(),
        r.policy_domain.clone(),
        r.begin.to_string(),
        r.end.to_string(),
    ];
    let mut rows = Vec::new();
    match &r.records {
        Records::Aggregate(v) => {
            for x in v {
                let mut c = head.clone();
                c.extend([
                    x.source_ip.clone(),
                    x.count.to_string(),
                    x.disposition.clone(),
                    x.dkim.clone(),
                    x.spf.clone(),
                    x.dmarc_pass.to_string(),
                    x.header_from.clone(),
                    x.envelope_from.clone(),
                    x.dkim_results
                        .iter()
                        .map(|d| format!("{}/{}={}", d.domain, d.selector, d.result))
                        .collect::<Vec<_>>()
                        .join(" "),
                    x.spf_results
                        .iter()
                        .map(|s| format!("{}={}", s.domain, s.result))
                        .collect::<Vec<_>>()
                        .join(" "),
                    x.reasons
                        .iter()
                        .map(|s| s.kind.clone())
                        .collect::<Vec<_>>()
                        .join(" "),
                    String::new(),
                    String::new(),
                    String::new(),
                ]);
                rows.push(c);
            }
        }
        Records::Failure(v) => {
            for x in v {
                let mut c = head.clone();
                c.extend([
                    x.source_ip.clone(),
                    x.count.to_string(),
                    x.delivery_result.clone(),
                    String::new(),
                    String::new(),
                    "false".into(),
                    x.header_from.clone(),
                    x.original_mail_from.clone(),
                    if x.dkim_domain.is_empty() {
                        String::new()
                    } else {
                        format!("{}/{}", x.dkim_domain, x.dkim_selector)
                    },
                    String::new(),
                    x.auth_failure.join(" "),
                    String::new(),
                    String::new(),
                    String::new(),
                ]);
                rows.push(c);
            }
        }
        Records::Tlsrpt(v) => {
            for x in v {
                let mut c = head.clone();
                c.extend(std::iter::repeat_n(String::new(), 11));
                c.extend([
                    x.policy_type.clone(),
                    x.successful_sessions.to_string(),
                    x.failed_sessions.to_string(),
                ]);
                rows.push(c);
            }
        }
    }
    rows
}

/// Write the table.
pub fn write_csv(items: &[Item], w: impl Write) -> io::Result<()> {
    let mut out = CsvWriter::new(w)?;
    for item in items {
        out.write(item)?;
    }
    out.finish()
}

/// The table written one item at a time: the header first, then the rows of each report
/// (problems have none).
pub struct CsvWriter<W: Write> {
    out: csv::Writer<W>,
}

impl<W: Write> CsvWriter<W> {
    /// Start the table (writes the header).
    pub fn new(w: W) -> io::Result<CsvWriter<W>> {
        let mut out = csv::Writer::from_writer(w);
        out.write_record(HEADER)?;
        Ok(CsvWriter { out })
    }

    /// Write the rows of one item.
    pub fn write(&mut self, item: &Item) -> io::Result<()> {
        let Item::Report(r) = item else {
            return Ok(());
        };
        for row in cells(r) {
            self.out
                .write_record(row.iter().map(|c| escape_formula(c.as_bytes())))?;
        }
        Ok(())
    }

    /// Flush what is buffered.
    pub fn finish(mut self) -> io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dmarc::report::{AggregateRow, Kind, Totals};

    #[test]
    fn rows_and_formulas() {
        let r = Report {
            kind: Kind::Aggregate,
            file: "f.xml".into(),
            org_name: "=cmd()".into(),
            report_id: "1".into(),
            policy_domain: "d".into(),
            begin: 1,
            end: 2,
            records: Records::Aggregate(vec![AggregateRow {
                source_ip: "192.0.2.1".into(),
                count: 3,
                ..AggregateRow::default()
            }]),
            totals: Totals::default(),
            schema: "rfc7489",
            email: String::new(),
            policy: None,
            errors: Vec::new(),
        };
        let mut out = Vec::new();
        write_csv(&[Item::Report(r)], &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(lines[1].starts_with("aggregate,f.xml,'=cmd(),1,d,1,2,192.0.2.1,3,"));
        assert_eq!(lines[1].split(',').count(), HEADER.len());
    }
}
