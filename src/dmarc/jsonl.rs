//! JSON Lines: one object per report (`kind`, `file`, `org_name`, `report_id`,
//! `policy_domain`, `begin`, `end`, `records`, `totals`, then `schema`, `email`, `policy`,
//! `errors`) and one per unusable input (`file`, `problem`, `detail`), in input order.
//! Reports and aggregate rows are written field by field, byte for byte as serde_json writes
//! their `Serialize` forms (strings that need escaping, failure and TLS records and problems
//! go through serde_json itself): the JSON Lines of a large run are most of its output.

use std::io::{self, Write};

use super::report::{AggregateRow, Item, PolicyPublished, Records, Report, Totals};

/// Write every item as one line.
pub fn write_jsonl(items: &[Item], mut w: impl Write) -> io::Result<()> {
    for item in items {
        write_jsonl_item(item, &mut w)?;
    }
    w.flush()
}

/// Write one item as one line (no flush).
pub fn write_jsonl_item(item: &Item, mut w: impl Write) -> io::Result<()> {
    match item {
        Item::Report(r) => report(&mut w, r)?,
        Item::Problem(p) => serde_json::to_writer(&mut w, p)?,
    }
    w.write_all(b"\n")
}

/// A JSON string, as serde_json writes it.
fn string(w: &mut impl Write, s: &str) -> io::Result<()> {
    if s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        w.write_all(b"\"")?;
        w.write_all(s.as_bytes())?;
        w.write_all(b"\"")
    } else {
        serde_json::to_writer(w, s).map_err(io::Error::from)
    }
}

/// `,"key":` (`key` needs no escaping); the first field of an object has no comma.
fn key(w: &mut impl Write, first: bool, k: &str) -> io::Result<()> {
    if !first {
        w.write_all(b",")?;
    }
    w.write_all(b"\"")?;
    w.write_all(k.as_bytes())?;
    w.write_all(b"\":")
}

fn field(w: &mut impl Write, first: bool, k: &str, v: &str) -> io::Result<()> {
    key(w, first, k)?;
    string(w, v)
}

/// A field written only when `v` is not empty (`skip_serializing_if = "String::is_empty"`).
fn field_opt(w: &mut impl Write, k: &str, v: &str) -> io::Result<()> {
    if v.is_empty() {
        return Ok(());
    }
    field(w, false, k, v)
}

fn uint(w: &mut impl Write, n: u64) -> io::Result<()> {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    let mut n = n;
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    w.write_all(&buf[i..])
}

fn int(w: &mut impl Write, n: i64) -> io::Result<()> {
    if n < 0 {
        w.write_all(b"-")?;
    }
    uint(w, n.unsigned_abs())
}

fn report(w: &mut impl Write, r: &Report) -> io::Result<()> {
    w.write_all(b"{")?;
    field(w, true, "kind", r.kind.as_str())?;
    field(w, false, "file", &r.file)?;
    field(w, false, "org_name", &r.org_name)?;
    field(w, false, "report_id", &r.report_id)?;
    field(w, false, "policy_domain", &r.policy_domain)?;
    key(w, false, "begin")?;
    int(w, r.begin)?;
    key(w, false, "end")?;
    int(w, r.end)?;
    key(w, false, "records")?;
    match &r.records {
        Records::Aggregate(rows) => {
            w.write_all(b"[")?;
            for (i, row) in rows.iter().enumerate() {
                if i > 0 {
                    w.write_all(b",")?;
                }
                aggregate_row(w, row)?;
            }
            w.write_all(b"]")?;
        }
        other => serde_json::to_writer(&mut *w, other)?,
    }
    key(w, false, "totals")?;
    totals(w, &r.totals)?;
    field(w, false, "schema", r.schema)?;
    field_opt(w, "email", &r.email)?;
    if let Some(p) = &r.policy {
        key(w, false, "policy")?;
        policy(w, p)?;
    }
    if !r.errors.is_empty() {
        key(w, false, "errors")?;
        w.write_all(b"[")?;
        for (i, e) in r.errors.iter().enumerate() {
            if i > 0 {
                w.write_all(b",")?;
            }
            string(w, e)?;
        }
        w.write_all(b"]")?;
    }
    w.write_all(b"}")
}

fn totals(w: &mut impl Write, t: &Totals) -> io::Result<()> {
    w.write_all(b"{")?;
    let mut first = true;
    for (k, v) in [
        ("messages", t.messages),
        ("dmarc_pass", t.dmarc_pass),
        ("spf_aligned", t.spf_aligned),
        ("dkim_aligned", t.dkim_aligned),
        ("successful_sessions", t.successful_sessions),
        ("failed_sessions", t.failed_sessions),
    ] {
        if let Some(n) = v {
            key(w, first, k)?;
            uint(w, n)?;
            first = false;
        }
    }
    w.write_all(b"}")
}

fn policy(w: &mut impl Write, p: &PolicyPublished) -> io::Result<()> {
    w.write_all(b"{")?;
    field(w, true, "domain", &p.domain)?;
    field_opt(w, "adkim", &p.adkim)?;
    field_opt(w, "aspf", &p.aspf)?;
    field_opt(w, "p", &p.p)?;
    field_opt(w, "sp", &p.sp)?;
    field_opt(w, "np", &p.np)?;
    field_opt(w, "pct", &p.pct)?;
    field_opt(w, "fo", &p.fo)?;
    field_opt(w, "testing", &p.testing)?;
    field_opt(w, "discovery_method", &p.discovery_method)?;
    w.write_all(b"}")
}

fn aggregate_row(w: &mut impl Write, x: &AggregateRow) -> io::Result<()> {
    w.write_all(b"{")?;
    field(w, true, "source_ip", &x.source_ip)?;
    key(w, false, "count")?;
    uint(w, x.count)?;
    field(w, false, "disposition", &x.disposition)?;
    field(w, false, "dkim", &x.dkim)?;
    field(w, false, "spf", &x.spf)?;
    key(w, false, "dmarc_pass")?;
    w.write_all(if x.dmarc_pass { b"true" } else { b"false" })?;
    if !x.reasons.is_empty() {
        key(w, false, "reasons")?;
        w.write_all(b"[")?;
        for (i, r) in x.reasons.iter().enumerate() {
            if i > 0 {
                w.write_all(b",")?;
            }
            w.write_all(b"{")?;
            field(w, true, "type", &r.kind)?;
            field_opt(w, "comment", &r.comment)?;
            w.write_all(b"}")?;
        }
        w.write_all(b"]")?;
    }
    field(w, false, "header_from", &x.header_from)?;
    field_opt(w, "envelope_from", &x.envelope_from)?;
    field_opt(w, "envelope_to", &x.envelope_to)?;
    key(w, false, "dkim_results")?;
    w.write_all(b"[")?;
    for (i, d) in x.dkim_results.iter().enumerate() {
        if i > 0 {
            w.write_all(b",")?;
        }
        w.write_all(b"{")?;
        field(w, true, "domain", &d.domain)?;
        field_opt(w, "selector", &d.selector)?;
        field(w, false, "result", &d.result)?;
        field_opt(w, "human_result", &d.human_result)?;
        w.write_all(b"}")?;
    }
    w.write_all(b"]")?;
    key(w, false, "spf_results")?;
    w.write_all(b"[")?;
    for (i, s) in x.spf_results.iter().enumerate() {
        if i > 0 {
            w.write_all(b",")?;
        }
        w.write_all(b"{")?;
        field(w, true, "domain", &s.domain)?;
        field_opt(w, "scope", &s.scope)?;
        field(w, false, "result", &s.result)?;
        field_opt(w, "human_result", &s.human_result)?;
        w.write_all(b"}")?;
    }
    w.write_all(b"]}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dmarc::report::{ProblemKind, problem};

    /// The hand-written lines equal serde_json's, on the committed samples and on reports
    /// with every optional field set and strings that need escaping.
    #[test]
    fn as_serde_json_writes() {
        use crate::dmarc::report::{DkimResult, Kind, Reason, SpfResult};
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/dmarc/good");
        let mut items = Vec::new();
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_file() {
                let data = std::fs::read(&p).unwrap();
                items.extend(crate::dmarc::read_bytes("f", &data, &Default::default()));
            }
        }
        let kinds: Vec<Kind> = items
            .iter()
            .filter_map(|i| match i {
                Item::Report(r) => Some(r.kind),
                Item::Problem(_) => None,
            })
            .collect();
        for k in [Kind::Aggregate, Kind::Failure, Kind::Tlsrpt] {
            assert!(kinds.contains(&k), "{k:?} among the samples");
        }
        let odd = "q\"b\\s\u{1}\n\t\u{7f}é\u{2028}";
        let row = AggregateRow {
            source_ip: odd.into(),
            count: u64::MAX,
            disposition: "none".into(),
            dkim: String::new(),
            spf: "pass".into(),
            dmarc_pass: true,
            reasons: vec![
                Reason {
                    kind: "forwarded".into(),
                    comment: odd.into(),
                },
                Reason::default(),
            ],
            header_from: odd.into(),
            envelope_from: "e".into(),
            envelope_to: "t".into(),
            dkim_results: vec![
                DkimResult {
                    domain: "d".into(),
                    selector: "s".into(),
                    result: "pass".into(),
                    human_result: odd.into(),
                },
                DkimResult::default(),
            ],
            spf_results: vec![
                SpfResult {
                    domain: "d".into(),
                    scope: "mfrom".into(),
                    result: "fail".into(),
                    human_result: "h".into(),
                },
                SpfResult::default(),
            ],
        };
        items.push(Item::Report(Report {
            kind: Kind::Aggregate,
            file: odd.into(),
            org_name: String::new(),
            report_id: odd.into(),
            policy_domain: "x".into(),
            begin: i64::MIN,
            end: -1,
            records: Records::Aggregate(vec![row.clone(), AggregateRow::default(), row]),
            totals: Totals {
                messages: Some(0),
                failed_sessions: Some(7),
                ..Totals::default()
            },
            schema: "rfc9990",
            email: odd.into(),
            policy: Some(PolicyPublished {
                domain: odd.into(),
                adkim: "r".into(),
                aspf: "s".into(),
                p: "none".into(),
                sp: "q".into(),
                np: "r".into(),
                pct: "100".into(),
                fo: "1".into(),
                testing: "y".into(),
                discovery_method: "psl".into(),
            }),
            errors: vec![odd.into(), String::new()],
        }));
        items.push(Item::Report(Report {
            records: Records::Aggregate(Vec::new()),
            totals: Totals::default(),
            policy: Some(PolicyPublished::default()),
            errors: Vec::new(),
            email: String::new(),
            begin: 0,
            end: i64::MAX,
            ..match &items[items.len() - 1] {
                Item::Report(r) => r.clone(),
                Item::Problem(_) => unreachable!(),
            }
        }));
        for item in &items {
            let mut ours = Vec::new();
            write_jsonl_item(item, &mut ours).unwrap();
            let mut theirs = match item {
                Item::Report(r) => serde_json::to_vec(r).unwrap(),
                Item::Problem(p) => serde_json::to_vec(p).unwrap(),
            };
            theirs.push(b'\n');
            assert_eq!(
                String::from_utf8(ours).unwrap(),
                String::from_utf8(theirs).unwrap()
            );
        }
    }

    #[test]
    fn problem_shape() {
        let mut out = Vec::new();
        write_jsonl(
            &[problem("a.gz", ProblemKind::Corrupt, "gzip: truncated")],
            &mut out,
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "{\"file\":\"a.gz\",\"problem\":\"corrupt\",\"detail\":\"gzip: truncated\"}\n"
        );
    }
}
