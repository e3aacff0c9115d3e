//! Job bodies: a CSV list (the email column found as `clean` finds it) or a JSON object
//! `{"emails": [...], "options": {...}, "callback_url": ...}`.

use serde::Deserialize;

use super::job::JobOptions;
use crate::pipeline::csvin::{detect_delimiter, find_email_column, looks_like_data};

/// What a job body holds.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Intake {
    /// Addresses in input order.
    pub(crate) emails: Vec<String>,
    /// Analysis options.
    pub(crate) options: JobOptions,
    /// Completion callback.
    pub(crate) callback_url: Option<String>,
}

/// Why a body was refused (a 400 or 413 with this text).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum IntakeError {
    /// Not UTF-8, not CSV with an email column, not the JSON shape.
    #[error("{0}")]
    Malformed(String),
    /// More addresses than the server accepts in one job.
    #[error("the job has {0} addresses; this server accepts at most {1}")]
    TooMany(usize, usize),
    /// No address at all.
    #[error("the job has no address")]
    Empty,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonBody {
    emails: Vec<String>,
    #[serde(default)]
    options: JobOptions,
    #[serde(default)]
    callback_url: Option<String>,
}

/// Read a JSON job body.
pub(crate) fn from_json(body: &[u8], max: usize) -> Result<Intake, IntakeError> {
    let b: JsonBody = serde_json::from_slice(body)
        .map_err(|e| IntakeError::Malformed(format!("the JSON body is not a job: {e}")))?;
    check(
        Intake {
            emails: b.emails,
            options: b.options,
            callback_url: b.callback_url,
        },
        max,
    )
}

/// Read a CSV job body: the email column by its header (or the first cell that looks like an
/// address when there is no header); `column` names it explicitly.
pub(crate) fn from_csv(
    body: &[u8],
    column: Option<&str>,
    max: usize,
) -> Result<Intake, IntakeError> {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let text = std::str::from_utf8(body)
        .map_err(|e| IntakeError::Malformed(format!("the CSV body is not UTF-8: {e}")))?;
    let delimiter = detect_delimiter(&body[..body.len().min(64 * 1024)]);
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut records = rdr.records();
    let first: Vec<String> = match records.next() {
        Some(Ok(r)) => r.iter().map(str::to_owned).collect(),
        Some(Err(e)) => return Err(IntakeError::Malformed(format!("CSV row 1: {e}"))),
        None => return Err(IntakeError::Empty),
    };
    let mut emails = Vec::new();
    let col = match (find_email_column(&first, column), looks_like_data(&first)) {
        (_, Some(i)) if column.is_none() => {
            emails.push(first[i].clone());
            i
        }
        (Some(i), _) => i,
        (None, _) => {
            return Err(IntakeError::Malformed(
                "no email column in the CSV header (name it with ?column=NAME)".into(),
            ));
        }
    };
    for (n, r) in records.enumerate() {
        let r = r.map_err(|e| IntakeError::Malformed(format!("CSV row {}: {e}", n + 2)))?;
        // A short row still counts: its address is empty and gets its verdict like any other.
        emails.push(r.get(col).unwrap_or("").to_owned());
        if emails.len() > max {
            return Err(IntakeError::TooMany(emails.len(), max));
        }
    }
    check(
        Intake {
            emails,
            ..Intake::default()
        },
        max,
    )
}

fn check(i: Intake, max: usize) -> Result<Intake, IntakeError> {
    if i.emails.is_empty() {
        return Err(IntakeError::Empty);
    }
    if i.emails.len() > max {
        return Err(IntakeError::TooMany(i.emails.len(), max));
    }
    Ok(i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_with_a_header_and_without() {
        let i = from_csv(b"name,E-mail\nAnn,ann@example.com\nBob,\n", None, 10).unwrap();
        assert_eq!(i.emails, ["ann@example.com", ""]);
        let i = from_csv(b"ann@example.com\nbob@example.org\n", None, 10).unwrap();
        assert_eq!(i.emails, ["ann@example.com", "bob@example.org"]);
        assert!(matches!(
            from_csv(b"name,city\nAnn,Oslo\n", None, 10),
            Err(IntakeError::Malformed(_))
        ));
        assert!(matches!(
            from_csv(b"a@b.c\nd@e.f\ng@h.i\n", None, 2),
            Err(IntakeError::TooMany(3, 2))
        ));
    }

    #[test]
    fn json_with_options_and_unknown_fields_refused() {
        let i = from_json(
            br#"{"emails":["a@b.example"],"options":{"role_risky":true},"callback_url":"https://x.example/h"}"#,
            10,
        )
        .unwrap();
        assert_eq!(i.emails, ["a@b.example"]);
        assert!(i.options.role_risky);
        assert_eq!(i.callback_url.as_deref(), Some("https://x.example/h"));
        assert!(from_json(br#"{"emails":[],"x":1}"#, 10).is_err());
        assert_eq!(from_json(br#"{"emails":[]}"#, 10), Err(IntakeError::Empty));
    }
}
