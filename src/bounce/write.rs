//! The writers of a run: JSON Lines (byte-identical to serde's derived output, without its
//! overhead), CSV rows safe for spreadsheets, and the suppression list.

use std::collections::BTreeSet;
use std::io::{self, Write};

use serde::Serialize;

use super::{BounceRecord, MessageOutcome};

/// Output format of the per-record stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// JSON Lines (with `norecord` lines).
    Jsonl,
    /// CSV with a header row (no-bounce messages are left out).
    Csv,
}

#[derive(Serialize)]
struct NoRecordLine<'a> {
    file: &'a str,
    msgindex: usize,
    norecord: bool,
}

pub(super) const CSV_FIELDS: [&str; 27] = [
    "file",
    "msgindex",
    "recipient",
    "reason",
    "bounce_type",
    "hard",
    "permanent",
    "deliverystatus",
    "replycode",
    "action",
    "diagnosticcode",
    "smtpcommand",
    "rhost",
    "lhost",
    "addresser",
    "timestamp",
    "detector",
    "feedbacktype",
    "message_id",
    "list_id",
    "expired",
    "underlying_reason",
    "envelope_id",
    "queue_id",
    "reporting_mta",
    "ambiguous",
    "norecord",
];

fn csv_row(r: &BounceRecord) -> [String; 27] {
    [
        r.file.clone(),
        r.msgindex.to_string(),
        r.recipient.clone(),
        r.reason.as_str().into(),
        r.bounce_type.as_str().into(),
        r.hard.to_string(),
        r.permanent.to_string(),
        r.deliverystatus.clone(),
        r.replycode.clone(),
        r.action.clone(),
        r.diagnosticcode.clone(),
        r.smtpcommand.clone(),
        r.rhost.clone(),
        r.lhost.clone(),
        r.addresser.clone(),
        r.timestamp.map(|t| t.to_string()).unwrap_or_default(),
        r.detector.into(),
        r.feedbacktype.clone(),
        r.message_id.clone(),
        r.list_id.clone(),
        r.expired.to_string(),
        r.underlying_reason
            .map(|x| x.as_str().to_string())
            .unwrap_or_default(),
        r.envelope_id.clone(),
        r.queue_id.clone(),
        r.reporting_mta.clone(),
        r.ambiguous.to_string(),
        String::new(),
    ]
}

/// Cells a spreadsheet would run as formulas (the one rule, [`crate::text::is_formula`]) get
/// a `'` prefix.
fn csv_safe(s: String) -> String {
    if crate::text::is_formula(s.as_bytes()) {
        format!("'{s}")
    } else {
        s
    }
}

/// Append `s` as a JSON string: copied as it is when nothing needs an escape (the common
/// case), else written by serde_json (the same escapes as the derived serialiser).
fn json_str(out: &mut Vec<u8>, s: &str) -> io::Result<()> {
    // (a table lookup per byte: the bytes serde_json escapes)
    const ESCAPED: [bool; 256] = {
        let mut t = [false; 256];
        let mut i = 0;
        while i < 0x20 {
            t[i] = true;
            i += 1;
        }
        t[b'"' as usize] = true;
        t[b'\\' as usize] = true;
        t
    };
    if s.bytes().any(|b| ESCAPED[b as usize]) {
        serde_json::to_writer(&mut *out, s).map_err(io::Error::other)
    } else {
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
        Ok(())
    }
}

/// Append one record as a JSON object: the same bytes as `serde_json::to_writer` with the
/// derived `Serialize` (field order and names of [`BounceRecord`]), without its per-field
/// overhead.
fn record_json(out: &mut Vec<u8>, r: &BounceRecord) -> io::Result<()> {
    let bool_str = |b: bool| if b { &b"true"[..] } else { &b"false"[..] };
    out.extend_from_slice(b"{\"file\":");
    json_str(out, &r.file)?;
    write!(out, ",\"msgindex\":{}", r.msgindex)?;
    out.extend_from_slice(b",\"recipient\":");
    json_str(out, &r.recipient)?;
    out.extend_from_slice(b",\"reason\":");
    serde_json::to_writer(&mut *out, &r.reason).map_err(io::Error::other)?;
    out.extend_from_slice(b",\"bounce_type\":");
    serde_json::to_writer(&mut *out, &r.bounce_type).map_err(io::Error::other)?;
    out.extend_from_slice(b",\"hard\":");
    out.extend_from_slice(bool_str(r.hard));
    out.extend_from_slice(b",\"permanent\":");
    out.extend_from_slice(bool_str(r.permanent));
    for (name, v) in [
        (&b",\"deliverystatus\":"[..], &r.deliverystatus),
        (b",\"replycode\":", &r.replycode),
        (b",\"action\":", &r.action),
        (b",\"diagnosticcode\":", &r.diagnosticcode),
        (b",\"smtpcommand\":", &r.smtpcommand),
        (b",\"rhost\":", &r.rhost),
        (b",\"lhost\":", &r.lhost),
        (b",\"addresser\":", &r.addresser),
    ] {
        out.extend_from_slice(name);
        json_str(out, v)?;
    }
    match r.timestamp {
        Some(t) => write!(out, ",\"timestamp\":{t}")?,
        None => out.extend_from_slice(b",\"timestamp\":null"),
    }
    out.extend_from_slice(b",\"detector\":");
    json_str(out, r.detector)?;
    for (name, v) in [
        (&b",\"feedbacktype\":"[..], &r.feedbacktype),
        (b",\"message_id\":", &r.message_id),
        (b",\"list_id\":", &r.list_id),
    ] {
        out.extend_from_slice(name);
        json_str(out, v)?;
    }
    out.extend_from_slice(b",\"expired\":");
    out.extend_from_slice(bool_str(r.expired));
    match r.underlying_reason {
        Some(u) => {
            out.extend_from_slice(b",\"underlying_reason\":");
            serde_json::to_writer(&mut *out, &u).map_err(io::Error::other)?;
        }
        None => out.extend_from_slice(b",\"underlying_reason\":null"),
    }
    for (name, v) in [
        (&b",\"envelope_id\":"[..], &r.envelope_id),
        (b",\"queue_id\":", &r.queue_id),
        (b",\"reporting_mta\":", &r.reporting_mta),
    ] {
        out.extend_from_slice(name);
        json_str(out, v)?;
    }
    out.extend_from_slice(b",\"ambiguous\":");
    out.extend_from_slice(bool_str(r.ambiguous));
    out.push(b'}');
    Ok(())
}

/// Serialise outcomes in order.
fn write_outcomes(
    outs: &[MessageOutcome],
    format: Format,
    jsonw: &mut Vec<u8>,
    csvw: &mut Option<csv::Writer<&mut Vec<u8>>>,
) -> io::Result<()> {
    for o in outs {
        match (o, format) {
            (MessageOutcome::Records(rs), Format::Jsonl) => {
                for r in rs {
                    record_json(jsonw, r)?;
                    jsonw.push(b'\n');
                }
            }
            (MessageOutcome::NoRecord { file, msgindex }, Format::Jsonl) => {
                serde_json::to_writer(
                    &mut *jsonw,
                    &NoRecordLine {
                        file,
                        msgindex: *msgindex,
                        norecord: true,
                    },
                )
                .map_err(io::Error::other)?;
                jsonw.push(b'\n');
            }
            (MessageOutcome::Records(rs), Format::Csv) => {
                if let Some(w) = csvw.as_mut() {
                    for r in rs {
                        w.write_record(csv_row(r).map(csv_safe))
                            .map_err(io::Error::other)?;
                    }
                }
            }
            (MessageOutcome::NoRecord { file, msgindex }, Format::Csv) => {
                if let Some(w) = csvw.as_mut() {
                    let mut row: [String; 27] = Default::default();
                    row[0] = csv_safe(file.clone());
                    row[1] = msgindex.to_string();
                    row[26] = "true".into();
                    w.write_record(row).map_err(io::Error::other)?;
                }
            }
        }
    }
    Ok(())
}

/// Outcomes as JSON Lines (the `--format jsonl` output), e.g. for golden tests.
pub fn to_jsonl(outs: &[MessageOutcome]) -> String {
    let mut buf = Vec::new();
    let _ = write_outcomes(outs, Format::Jsonl, &mut buf, &mut None);
    String::from_utf8(buf).unwrap_or_default()
}

/// The lines of `outs` in `format` (CSV rows without the header).
pub(super) fn serialise(outs: &[MessageOutcome], format: Format) -> Vec<u8> {
    // (a JSON line is a few hundred bytes: room for the usual records without regrowing)
    let mut buf = Vec::with_capacity(1024 * outs.len().max(1));
    match format {
        Format::Jsonl => {
            let _ = write_outcomes(outs, format, &mut buf, &mut None);
        }
        Format::Csv => {
            let mut w = Some(
                csv::WriterBuilder::new()
                    .has_headers(false)
                    .from_writer(&mut buf),
            );
            let mut unused = Vec::new();
            let _ = write_outcomes(outs, format, &mut unused, &mut w);
            if let Some(mut w) = w {
                let _ = w.flush();
            }
        }
    }
    buf
}

/// Write the suppression list: one address a line (`list` is deduplicated and sorted).
pub(super) fn write_suppress(w: &mut dyn Write, list: &BTreeSet<String>) -> io::Result<()> {
    for a in list {
        w.write_all(a.as_bytes())?;
        w.write_all(b"\n")?;
    }
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::BounceReason;

    #[test]
    fn record_json_matches_serde() {
        let mut r = BounceRecord::new(BounceReason::MailboxFull, true);
        r.file = "a/b.eml".into();
        r.msgindex = 12;
        r.recipient = "u@example.org".into();
        r.diagnosticcode = "550 \"quoted\" \\ back\tslash \u{1} été".into();
        r.detector = "rfc3464";
        for ts in [None, Some(-5), Some(1_700_000_000)] {
            r.timestamp = ts;
            let mut ours = Vec::new();
            record_json(&mut ours, &r).unwrap();
            assert_eq!(
                String::from_utf8(ours).unwrap(),
                serde_json::to_string(&r).unwrap()
            );
        }
        r.set_reason(BounceReason::Feedback, false);
        let mut ours = Vec::new();
        record_json(&mut ours, &r).unwrap();
        assert_eq!(
            String::from_utf8(ours).unwrap(),
            serde_json::to_string(&r).unwrap()
        );
    }
}
