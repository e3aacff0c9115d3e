//! CSV tables, one per file, cells that a spreadsheet would run as formulas escaped.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, BufWriter};
use std::path::Path;

use crate::logs::metrics::Row;
use crate::logs::parity::{Counted, ParityReport};
use crate::logs::report::{Report, TextRow};
use crate::text::escape_formula;

fn writer(dir: &Path, name: &str) -> io::Result<csv::Writer<BufWriter<File>>> {
    let f = File::create(dir.join(name))?;
    Ok(csv::Writer::from_writer(BufWriter::new(f)))
}

fn cell(s: &str) -> Vec<u8> {
    escape_formula(s.as_bytes()).into_owned()
}

/// Write one table of rows: a key column, then every counter, rate and label seen.
pub(crate) fn rows(
    dir: &Path,
    name: &str,
    key: &str,
    table: &BTreeMap<String, Row>,
) -> io::Result<()> {
    let mut counts: Vec<&str> = Vec::new();
    let mut rates: Vec<&str> = Vec::new();
    let mut labels: Vec<&str> = Vec::new();
    for r in table.values() {
        for k in r.counts.keys() {
            if !counts.contains(k) {
                counts.push(k);
            }
        }
        for k in r.rates.keys() {
            if !rates.contains(k) {
                rates.push(k);
            }
        }
        for k in r.labels.keys() {
            if !labels.contains(k) {
                labels.push(k);
            }
        }
    }
    let mut w = writer(dir, name)?;
    let mut head = vec![key.to_string()];
    head.extend(labels.iter().map(|s| s.to_string()));
    head.extend(counts.iter().map(|s| s.to_string()));
    head.extend(rates.iter().map(|s| s.to_string()));
    w.write_record(&head)?;
    for (k, r) in table {
        let mut rec: Vec<Vec<u8>> = vec![cell(k)];
        rec.extend(
            labels
                .iter()
                .map(|l| cell(r.labels.get(l).map(String::as_str).unwrap_or(""))),
        );
        rec.extend(counts.iter().map(|c| r.count(c).to_string().into_bytes()));
        rec.extend(rates.iter().map(|c| r.rate(c).to_string().into_bytes()));
        w.write_record(&rec)?;
    }
    w.flush()
}

fn pairs(dir: &Path, name: &str, head: [&str; 2], m: &BTreeMap<String, u64>) -> io::Result<()> {
    let mut w = writer(dir, name)?;
    w.write_record(head)?;
    for (k, v) in m {
        w.write_record([cell(k), v.to_string().into_bytes()])?;
    }
    w.flush()
}

fn texts(dir: &Path, name: &str, v: &[TextRow]) -> io::Result<()> {
    let mut w = writer(dir, name)?;
    w.write_record(["count", "dsn", "text"])?;
    for t in v {
        w.write_record([
            t.count.to_string().into_bytes(),
            cell(&t.dsn),
            cell(&t.text),
        ])?;
    }
    w.flush()
}

fn counted(dir: &Path, name: &str, key: &str, v: &[Counted]) -> io::Result<()> {
    let mut w = writer(dir, name)?;
    w.write_record([key, "count", "bytes"])?;
    for c in v {
        w.write_record([
            cell(&c.key),
            c.count.to_string().into_bytes(),
            c.bytes.to_string().into_bytes(),
        ])?;
    }
    w.flush()
}

fn traffic(
    dir: &Path,
    name: &str,
    key: &str,
    m: &BTreeMap<String, BTreeMap<&'static str, u64>>,
) -> io::Result<()> {
    const COLS: [&str; 5] = ["received", "delivered", "deferred", "bounced", "rejected"];
    let mut w = writer(dir, name)?;
    let mut head = vec![key];
    head.extend(COLS);
    w.write_record(&head)?;
    for (k, c) in m {
        let mut rec = vec![cell(k)];
        rec.extend(
            COLS.iter()
                .map(|col| c.get(col).copied().unwrap_or(0).to_string().into_bytes()),
        );
        w.write_record(&rec)?;
    }
    w.flush()
}

/// pflogsumm's sections, one file each.
fn sections(dir: &Path, p: &ParityReport) -> io::Result<()> {
    traffic(dir, "pflogsumm_per_day.csv", "day", &p.per_day)?;
    traffic(dir, "pflogsumm_per_hour.csv", "hour", &p.per_hour)?;
    for (name, key, v) in [
        ("received_by_host", "host", &p.received_by_host),
        ("received_by_domain", "domain", &p.received_by_domain),
        ("senders_by_count", "sender", &p.senders_by_count),
        ("senders_by_size", "sender", &p.senders_by_size),
        ("recipients_by_count", "recipient", &p.recipients_by_count),
        ("recipients_by_size", "recipient", &p.recipients_by_size),
        ("reject_detail", "reject", &p.reject_detail),
        (
            "reject_warning_detail",
            "reject_warning",
            &p.reject_warning_detail,
        ),
        ("hold_detail", "hold", &p.hold_detail),
        ("discard_detail", "discard", &p.discard_detail),
        (
            "smtp_delivery_failures",
            "failure",
            &p.smtp_delivery_failures,
        ),
        ("warnings", "warning", &p.warnings),
        ("errors", "error", &p.errors),
        ("fatal_errors", "fatal", &p.fatal_errors),
        ("panics", "panic", &p.panics),
        ("master_daemon", "message", &p.master_daemon),
        ("smtpd_by_host", "host", &p.smtpd_by_host),
        ("smtpd_by_domain", "domain", &p.smtpd_by_domain),
    ] {
        counted(dir, &format!("pflogsumm_{name}.csv"), key, v)?;
    }
    let mut hours = p.smtpd_per_hour.clone();
    hours.insert("all".into(), p.smtpd_connections);
    pairs(
        dir,
        "pflogsumm_smtpd_per_hour.csv",
        ["hour", "connections"],
        &hours,
    )
}

/// Write every table of the report into `dir` (created if missing).
pub fn write(r: &Report, dir: &Path) -> io::Result<()> {
    fs::create_dir_all(dir)?;
    if let Some(m) = &r.mta {
        rows(
            dir,
            "mta_totals.csv",
            "scope",
            &BTreeMap::from([("all".to_string(), m.totals.clone())]),
        )?;
        rows(dir, "mta_by_domain.csv", "domain", &m.by_domain)?;
        rows(dir, "mta_by_provider.csv", "provider", &m.by_provider)?;
        rows(dir, "mta_by_campaign.csv", "campaign", &m.by_campaign)?;
        rows(dir, "mta_by_sender.csv", "sender", &m.by_sender)?;
        rows(dir, "mta_by_hour.csv", "hour", &m.by_hour)?;
        rows(dir, "mta_by_day.csv", "day", &m.by_day)?;
        pairs(dir, "mta_bounce_dsn.csv", ["dsn", "count"], &m.bounce_dsn)?;
        pairs(
            dir,
            "mta_deferral_dsn.csv",
            ["dsn", "count"],
            &m.deferral_dsn,
        )?;
        pairs(
            dir,
            "mta_bounce_reasons.csv",
            ["reason", "count"],
            &m.bounce_reasons,
        )?;
        pairs(
            dir,
            "mta_deferral_reasons.csv",
            ["reason", "count"],
            &m.deferral_reasons,
        )?;
        texts(dir, "mta_top_bounce_texts.csv", &m.top_bounce_texts)?;
        texts(dir, "mta_top_deferral_texts.csv", &m.top_deferral_texts)?;
        let d: BTreeMap<String, u64> = m.delays.buckets.iter().cloned().collect();
        pairs(dir, "mta_delays.csv", ["delay", "recipients"], &d)?;
        if let Some(rc) = &m.reconciled {
            rows(
                dir,
                "mta_reconciled.csv",
                "scope",
                &BTreeMap::from([("all".to_string(), rc.clone())]),
            )?;
        }
        let i = &m.inbound;
        let counts: BTreeMap<String, u64> =
            i.counts.iter().map(|(k, v)| (k.to_string(), *v)).collect();
        pairs(dir, "mta_inbound.csv", ["counter", "value"], &counts)?;
        pairs(
            dir,
            "mta_inbound_rejected_by_reason.csv",
            ["reason", "count"],
            &i.rejected_by_reason,
        )?;
        pairs(
            dir,
            "mta_inbound_rejected_by_stage.csv",
            ["stage", "count"],
            &i.rejected_by_stage,
        )?;
        sections(dir, &m.sections)?;
    }
    if let Some(e) = &r.esp {
        rows(
            dir,
            "esp_totals.csv",
            "scope",
            &BTreeMap::from([("all".to_string(), e.totals.clone())]),
        )?;
        rows(dir, "esp_by_domain.csv", "domain", &e.by_domain)?;
        rows(dir, "esp_by_provider.csv", "provider", &e.by_provider)?;
        rows(dir, "esp_by_campaign.csv", "campaign", &e.by_campaign)?;
        rows(dir, "esp_by_day.csv", "day", &e.by_day)?;
        rows(dir, "esp_by_hour.csv", "hour", &e.by_hour)?;
        pairs(
            dir,
            "esp_drop_reasons.csv",
            ["reason", "count"],
            &e.drop_reasons,
        )?;
        texts(dir, "esp_top_bounce_texts.csv", &e.top_bounce_texts)?;
    }
    if let Some(a) = &r.complaints {
        pairs(
            dir,
            "arf_by_type.csv",
            ["feedback_type", "reports"],
            &a.by_type,
        )?;
        pairs(
            dir,
            "arf_by_domain.csv",
            ["domain", "reports"],
            &a.by_domain,
        )?;
    }
    let mut w = writer(dir, "scorecard.csv")?;
    w.write_record([
        "check", "source", "status", "value", "warn_at", "fail_at", "evidence",
    ])?;
    for c in &r.scorecard {
        w.write_record([
            c.id.as_bytes().to_vec(),
            c.source.as_bytes().to_vec(),
            c.status.as_str().as_bytes().to_vec(),
            c.value
                .map(|v| v.to_string())
                .unwrap_or_default()
                .into_bytes(),
            c.warn_at.to_string().into_bytes(),
            c.fail_at.to_string().into_bytes(),
            cell(&c.evidence),
        ])?;
    }
    w.flush()?;
    pairs(
        dir,
        "unparsed_by_program.csv",
        ["program", "lines"],
        &r.problems.unparsed_by_program,
    )?;
    let mut w = writer(dir, "open_queue_ids.csv")?;
    w.write_record(["queue_id"])?;
    for q in &r.problems.open_queue_id_sample {
        w.write_record([cell(q)])?;
    }
    w.flush()
}
