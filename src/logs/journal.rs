//! The systemd journal as `journalctl -o json` writes it: one JSON object per line with
//! `__REALTIME_TIMESTAMP` (microseconds since the epoch), `_HOSTNAME`, `SYSLOG_IDENTIFIER`,
//! `_PID` (or `SYSLOG_PID`) and `MESSAGE` (a string, or an array of bytes when the message is not
//! UTF-8). Each record becomes the syslog line it stands for (`TIME HOST IDENT[PID]: MESSAGE`,
//! with an RFC 3339 time in UTC), read by the MTA dialects like any other. Also the command that
//! asks `journalctl` for the mail units (`mailsift logs --journal`).

use serde::Deserialize;
use serde_json::Value;

use super::time::civil_from_days;

/// The systemd units of the mail servers `--journal` reads (globs, as `journalctl -u` takes them):
/// Debian's `postfix@-.service` (and further instances), `exim4`, `sendmail`, `opensmtpd`.
pub(crate) const MAIL_UNITS: &[&str] = &["postfix*", "exim4*", "sendmail*", "opensmtpd*"];

/// Whether the start of an input is `journalctl -o json` output.
pub(crate) fn is_journal(first_line: &str) -> bool {
    let l = first_line.trim_start();
    l.starts_with('{')
        && (l.contains("\"__REALTIME_TIMESTAMP\"") || l.contains("\"__CURSOR\""))
        && l.contains("\"MESSAGE\"")
}

#[derive(Deserialize)]
struct Record {
    #[serde(rename = "__REALTIME_TIMESTAMP")]
    realtime: Option<Value>,
    #[serde(rename = "_HOSTNAME")]
    hostname: Option<Value>,
    #[serde(rename = "SYSLOG_IDENTIFIER")]
    ident: Option<Value>,
    #[serde(rename = "_PID")]
    pid: Option<Value>,
    #[serde(rename = "SYSLOG_PID")]
    syslog_pid: Option<Value>,
    #[serde(rename = "_COMM")]
    comm: Option<Value>,
    #[serde(rename = "MESSAGE")]
    message: Option<Value>,
}

/// A field as text: a string, a number, or an array of bytes (journald's form for values that
/// are not UTF-8; decoded lossily). A field given several times (an array of strings) gives
/// the first.
fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Array(a) if a.iter().all(Value::is_u64) => {
            let bytes: Vec<u8> = a
                .iter()
                .filter_map(Value::as_u64)
                .map(|b| b.min(255) as u8)
                .collect();
            Some(String::from_utf8_lossy(&bytes).into_owned())
        }
        Value::Array(a) => a.first().and_then(text),
        _ => None,
    }
}

/// `2024-03-11T00:17:46.274982+00:00` for microseconds since the epoch.
fn rfc3339(micros: i64) -> String {
    let secs = micros.div_euclid(1_000_000);
    let frac = micros.rem_euclid(1_000_000);
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{frac:06}+00:00",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

/// The syslog line a journal record stands for; `None` when the record is not a JSON object
/// with a time and a message. Line breaks inside the message become spaces (one record, one
/// line).
pub fn to_syslog_line(record: &str) -> Option<String> {
    let r: Record = serde_json::from_str(record).ok()?;
    let micros: i64 = text(r.realtime.as_ref()?)?.trim().parse().ok()?;
    let message = text(r.message.as_ref()?)?;
    let host = r
        .hostname
        .as_ref()
        .and_then(text)
        .filter(|h| !h.is_empty() && !h.contains(' '))
        .unwrap_or_else(|| "localhost".into());
    let ident = r
        .ident
        .as_ref()
        .or(r.comm.as_ref())
        .and_then(text)
        .map(|i| i.replace([' ', ':', '[', ']'], "_"))
        .filter(|i| !i.is_empty())
        .unwrap_or_else(|| "unknown".into());
    let pid = r
        .syslog_pid
        .as_ref()
        .or(r.pid.as_ref())
        .and_then(text)
        .filter(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    let message = message.replace(['\n', '\r'], " ");
    Some(match pid {
        Some(p) => format!("{} {host} {ident}[{p}]: {message}", rfc3339(micros)),
        None => format!("{} {host} {ident}: {message}", rfc3339(micros)),
    })
}

/// The `journalctl` arguments of `mailsift logs --journal`: JSON output (every field in full) of
/// the mail units, optionally between `since` and `until` (any time form journalctl accepts).
pub(crate) fn command_args(since: Option<&str>, until: Option<&str>) -> Vec<String> {
    // --all: without it journalctl writes fields longer than 4096 bytes as null
    let mut a = vec![
        "-o".to_string(),
        "json".into(),
        "--all".into(),
        "--no-pager".into(),
    ];
    for u in MAIL_UNITS {
        a.push("-u".into());
        a.push((*u).into());
    }
    if let Some(s) = since {
        a.push(format!("--since={s}"));
    }
    if let Some(u) = until {
        a.push(format!("--until={u}"));
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_become_syslog_lines() {
        let r = r#"{"__CURSOR":"s=1","__REALTIME_TIMESTAMP":"1710116266274982","_HOSTNAME":"mta1","SYSLOG_IDENTIFIER":"postfix/qmgr","_PID":"2206","MESSAGE":"AC26A10B3C: removed"}"#;
        assert!(is_journal(r));
        let l = to_syslog_line(r).unwrap();
        assert_eq!(
            l,
            "2024-03-11T00:17:46.274982+00:00 mta1 postfix/qmgr[2206]: AC26A10B3C: removed"
        );
        let h = crate::logs::syslog::header(&l).unwrap();
        assert_eq!(
            (h.program, h.pid, h.message),
            ("postfix/qmgr", 2206, "AC26A10B3C: removed")
        );
        assert_eq!(h.stamp, crate::logs::syslog::Stamp::Unix(1_710_116_266));
        // MESSAGE as bytes (not UTF-8), SYSLOG_PID preferred, no host
        let r = r#"{"__REALTIME_TIMESTAMP":"0","SYSLOG_IDENTIFIER":"sendmail","SYSLOG_PID":"7","_PID":"8","MESSAGE":[104,105,255,10,33]}"#;
        assert_eq!(
            to_syslog_line(r).unwrap(),
            "1970-01-01T00:00:00.000000+00:00 localhost sendmail[7]: hi\u{fffd} !"
        );
        for bad in [
            "",
            "{}",
            "[1,2]",
            r#"{"__REALTIME_TIMESTAMP":"x","MESSAGE":"m"}"#,
            r#"{"__REALTIME_TIMESTAMP":"1","MESSAGE":{}}"#,
            r#"{"__REALTIME_TIMESTAMP":"-99999999999999999","MESSAGE":"m"}"#,
        ] {
            let _ = to_syslog_line(bad);
        }
        assert!(to_syslog_line("{}").is_none());
        assert!(!is_journal(r#"{"event":"open"}"#));
        let a = command_args(Some("yesterday"), None);
        assert!(
            a.contains(&"--since=yesterday".to_string()) && a.contains(&"postfix*".to_string())
        );
    }
}
