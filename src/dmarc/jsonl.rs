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
        Item::Report(r) => {
            let mut line = Vec::with_capacity(1024);
            report(&mut line, r)?;
            line.push(b'\n');
            w.write_all(&line)
        }
        Item::Problem(p) => {
            serde_json::to_writer(&mut w, p)?;
            w.write_all(b"\n")
        }
    }
}

/// A JSON string, as serde_json writes it.
fn string(w: &mut Vec<u8>, s: &str) {
    if s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        w.push(b'"');
        w.extend_from_slice(s.as_bytes());
        w.push(b'"');
    } else {
        // infallible into a Vec (and the string is valid UTF-8)
        let _ = serde_json::to_writer(&mut *w, s);
    }
}

/// A field: `pre` is what comes before the value (`{"key":` or `,"key":`).
fn field(w: &mut Vec<u8>, pre: &str, v: &str) {
    w.extend_from_slice(pre.as_bytes());
    string(w, v);
}

/// A field written only when `v` is not empty (`skip_serializing_if = "String::is_empty"`).
fn field_opt(w: &mut Vec<u8>, pre: &str, v: &str) {
    if !v.is_empty() {
        field(w, pre, v);
    }
}

fn uint(w: &mut Vec<u8>, n: u64) {
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
    w.extend_from_slice(&buf[i..]);
}

fn int(w: &mut Vec<u8>, n: i64) {
    if n < 0 {
        w.push(b'-');
    }
    uint(w, n.unsigned_abs());
}

/// `[` the items written by `each`, comma-separated `]`.
fn array<T>(w: &mut Vec<u8>, items: &[T], each: impl Fn(&mut Vec<u8>, &T)) {
    w.push(b'[');
    for (i, x) in items.iter().enumerate() {
        if i > 0 {
            w.push(b',');
        }
        each(w, x);
    }
    w.push(b']');
}

fn report(w: &mut Vec<u8>, r: &Report) -> io::Result<()> {
    field(w, "{\"kind\":", r.kind.as_str());
    field(w, ",\"file\":", &r.file);
    field(w, ",\"org_name\":", &r.org_name);
    field(w, ",\"report_id\":", &r.report_id);
    field(w, ",\"policy_domain\":", &r.policy_domain);
    w.extend_from_slice(b",\"begin\":");
    int(w, r.begin);
    w.extend_from_slice(b",\"end\":");
    int(w, r.end);
    w.extend_from_slice(b",\"records\":");
    match &r.records {
        Records::Aggregate(rows) => array(w, rows, aggregate_row),
        other => serde_json::to_writer(&mut *w, other)?,
    }
    w.extend_from_slice(b",\"totals\":");
    totals(w, &r.totals);
    field(w, ",\"schema\":", r.schema);
    field_opt(w, ",\"email\":", &r.email);
    if let Some(p) = &r.policy {
        w.extend_from_slice(b",\"policy\":");
        policy(w, p);
    }
    if !r.errors.is_empty() {
        w.extend_from_slice(b",\"errors\":");
        array(w, &r.errors, |w, e| string(w, e));
    }
    w.push(b'}');
    Ok(())
}

fn totals(w: &mut Vec<u8>, t: &Totals) {
    w.push(b'{');
    let mut first = true;
    for (k, v) in [
        ("\"messages\":", t.messages),
        ("\"dmarc_pass\":", t.dmarc_pass),
        ("\"spf_aligned\":", t.spf_aligned),
        ("\"dkim_aligned\":", t.dkim_aligned),
        ("\"successful_sessions\":", t.successful_sessions),
        ("\"failed_sessions\":", t.failed_sessions),
    ] {
        if let Some(n) = v {
            if !first {
                w.push(b',');
            }
            w.extend_from_slice(k.as_bytes());
            uint(w, n);
            first = false;
        }
    }
    w.push(b'}');
}

fn policy(w: &mut Vec<u8>, p: &PolicyPublished) {
    field(w, "{\"domain\":", &p.domain);
    field_opt(w, ",\"adkim\":", &p.adkim);
    field_opt(w, ",\"aspf\":", &p.aspf);
    field_opt(w, ",\"p\":", &p.p);
    field_opt(w, ",\"sp\":", &p.sp);
    field_opt(w, ",\"np\":", &p.np);
    field_opt(w, ",\"pct\":", &p.pct);
    field_opt(w, ",\"fo\":", &p.fo);
    field_opt(w, ",\"testing\":", &p.testing);
    field_opt(w, ",\"discovery_method\":", &p.discovery_method);
    w.push(b'}');
}

fn aggregate_row(w: &mut Vec<u8>, x: &AggregateRow) {
    field(w, "{\"source_ip\":", &x.source_ip);
    w.extend_from_slice(b",\"count\":");
    uint(w, x.count);
    field(w, ",\"disposition\":", &x.disposition);
    field(w, ",\"dkim\":", &x.dkim);
    field(w, ",\"spf\":", &x.spf);
    w.extend_from_slice(if x.dmarc_pass {
        b",\"dmarc_pass\":true"
    } else {
        b",\"dmarc_pass\":false"
    });
    if !x.reasons.is_empty() {
        w.extend_from_slice(b",\"reasons\":");
        array(w, &x.reasons, |w, r| {
            field(w, "{\"type\":", &r.kind);
            field_opt(w, ",\"comment\":", &r.comment);
            w.push(b'}');
        });
    }
    field(w, ",\"header_from\":", &x.header_from);
    field_opt(w, ",\"envelope_from\":", &x.envelope_from);
    field_opt(w, ",\"envelope_to\":", &x.envelope_to);
    w.extend_from_slice(b",\"dkim_results\":");
    array(w, &x.dkim_results, |w, d| {
        field(w, "{\"domain\":", &d.domain);
        field_opt(w, ",\"selector\":", &d.selector);
        field(w, ",\"result\":", &d.result);
        field_opt(w, ",\"human_result\":", &d.human_result);
        w.push(b'}');
    });
    w.extend_from_slice(b",\"spf_results\":");
    array(w, &x.spf_results, |w, s| {
        field(w, "{\"domain\":", &s.domain);
        field_opt(w, ",\"scope\":", &s.scope);
        field(w, ",\"result\":", &s.result);
        field_opt(w, ",\"human_result\":", &s.human_result);
        w.push(b'}');
    });
    w.push(b'}');
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
