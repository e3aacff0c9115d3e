//! SMTP TLS reports (RFC 8460): the JSON object read into one row per policy, with the
//! session totals.

use serde_json::Value;

use super::report::{
    Item, Kind, ProblemKind, Records, Report, TlsFailure, TlsPolicy, Totals, problem,
};

/// Whether the text looks like JSON (after a BOM and white space).
pub(crate) fn looks_like_json(data: &[u8]) -> bool {
    let d = data.strip_prefix(b"\xef\xbb\xbf").unwrap_or(data);
    d.iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|&b| b == b'{' || b == b'[')
}

fn s(v: &Value, key: &str) -> String {
    match v.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

fn n(v: &Value, key: &str) -> u64 {
    match v.get(key) {
        Some(Value::Number(x)) => x
            .as_u64()
            .or_else(|| x.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64))
            .unwrap_or(0),
        Some(Value::String(t)) => t.trim().parse().unwrap_or(0),
        _ => 0,
    }
}

fn strings(v: &Value, key: &str) -> Vec<String> {
    match v.get(key) {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str().map(|t| t.to_string()))
            .collect(),
        Some(Value::String(t)) => vec![t.clone()],
        _ => Vec::new(),
    }
}

/// RFC 3339 date-time to Unix seconds.
pub(crate) fn rfc3339(t: &str) -> Option<i64> {
    mail_parser::DateTime::parse_rfc3339(t.trim()).map(|d| d.to_timestamp())
}

/// Read one TLS report from JSON bytes.
pub(crate) fn parse(file: &str, data: &[u8]) -> Item {
    let v: Value = match serde_json::from_slice(data) {
        Ok(v) => v,
        Err(e) => return problem(file, ProblemKind::Corrupt, format!("JSON: {e}")),
    };
    from_value(file, &v)
}

/// Read the report from a parsed JSON value.
pub(crate) fn from_value(file: &str, v: &Value) -> Item {
    if !v.is_object() {
        return problem(file, ProblemKind::NotAReport, "JSON that is not an object");
    }
    let (Some(range), Some(Value::Array(policies))) = (v.get("date-range"), v.get("policies"))
    else {
        if v.get("organization-name").is_some() || v.get("report-id").is_some() {
            return problem(
                file,
                ProblemKind::UnsupportedSchema,
                "TLS report without \"date-range\" and \"policies\"",
            );
        }
        return problem(
            file,
            ProblemKind::NotAReport,
            "JSON that is not an RFC 8460 TLS report",
        );
    };
    let (Some(begin), Some(end)) = (
        rfc3339(&s(range, "start-datetime")),
        rfc3339(&s(range, "end-datetime")),
    ) else {
        return problem(
            file,
            ProblemKind::UnsupportedSchema,
            "TLS report whose date-range is not RFC 3339 date-times",
        );
    };
    let mut rows = Vec::new();
    let (mut ok, mut failed) = (0u64, 0u64);
    for p in policies {
        let empty = Value::Null;
        let pol = p.get("policy").unwrap_or(&empty);
        let sum = p.get("summary").unwrap_or(&empty);
        let row = TlsPolicy {
            policy_type: s(pol, "policy-type").to_ascii_lowercase(),
            policy_domain: s(pol, "policy-domain"),
            policy_string: strings(pol, "policy-string"),
            mx_host: strings(pol, "mx-host"),
            successful_sessions: n(sum, "total-successful-session-count"),
            failed_sessions: n(sum, "total-failure-session-count"),
            failure_details: match p.get("failure-details") {
                Some(Value::Array(a)) => a
                    .iter()
                    .map(|f| TlsFailure {
                        result_type: s(f, "result-type"),
                        sending_mta_ip: s(f, "sending-mta-ip"),
                        receiving_mx_hostname: s(f, "receiving-mx-hostname"),
                        receiving_ip: s(f, "receiving-ip"),
                        failed_session_count: n(f, "failed-session-count"),
                        failure_reason_code: s(f, "failure-reason-code"),
                        additional_information: s(f, "additional-information"),
                    })
                    .collect(),
                _ => Vec::new(),
            },
        };
        ok = ok.saturating_add(row.successful_sessions);
        failed = failed.saturating_add(row.failed_sessions);
        rows.push(row);
    }
    let policy_domain = rows
        .iter()
        .map(|r| r.policy_domain.as_str())
        .find(|d| !d.is_empty())
        .unwrap_or("")
        .to_string();
    Item::Report(Report {
        kind: Kind::Tlsrpt,
        file: file.to_string(),
        org_name: s(v, "organization-name"),
        report_id: s(v, "report-id"),
        policy_domain,
        begin,
        end,
        records: Records::Tlsrpt(rows),
        totals: Totals {
            successful_sessions: Some(ok),
            failed_sessions: Some(failed),
            ..Totals::default()
        },
        schema: "rfc8460",
        email: s(v, "contact-info"),
        policy: None,
        errors: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_and_totals() {
        let j = br#"{"organization-name":"Org","date-range":{"start-datetime":"2016-04-01T00:00:00Z","end-datetime":"2016-04-01T23:59:59Z"},"contact-info":"c@x","report-id":"r1","policies":[{"policy":{"policy-type":"sts","policy-domain":"d.example","mx-host":["mx.d.example"]},"summary":{"total-successful-session-count":5,"total-failure-session-count":2},"failure-details":[{"result-type":"certificate-expired","failed-session-count":2}]},{"policy":{"policy-type":"no-policy-found"},"summary":{"total-successful-session-count":1}}]}"#;
        let Item::Report(r) = parse("t.json", j) else {
            panic!()
        };
        assert_eq!(r.begin, 1_459_468_800);
        assert_eq!(r.end, 1_459_555_199);
        assert_eq!(r.policy_domain, "d.example");
        assert_eq!(r.totals.successful_sessions, Some(6));
        assert_eq!(r.totals.failed_sessions, Some(2));
        assert_eq!(r.records.len(), 2);
    }

    #[test]
    fn not_reports() {
        let Item::Problem(p) = parse("a.json", b"{\"a\":1}") else {
            panic!()
        };
        assert_eq!(p.problem, ProblemKind::NotAReport);
        let Item::Problem(p) = parse("b.json", b"{\"a\":") else {
            panic!()
        };
        assert_eq!(p.problem, ProblemKind::Corrupt);
    }
}
