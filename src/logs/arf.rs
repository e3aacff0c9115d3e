//! ARF (RFC 5965) feedback reports: the `message/feedback-report` fields of a complaint message
//! (`Feedback-Type`, `Original-Rcpt-To`, `Removal-Recipient`, `Reported-Domain`, `User-Agent`,
//! `Source-IP`, `Arrival-Date`), with the recipient taken from the embedded original message
//! when the report does not name one. Works on raw bytes; never panics.

/// One feedback report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Complaint {
    /// `abuse`, `fraud`, `auth-failure`, `not-spam`, `opt-out`, `virus`, `other`.
    pub feedback_type: String,
    /// The complaining recipient, when known (lowercase).
    pub recipient: String,
    /// The reporter (`User-Agent` of the report, or the domain of its `From`).
    pub reporter: String,
    /// `Reported-Domain`, when present.
    pub reported_domain: String,
    /// `Source-IP`, when present.
    pub source_ip: String,
}

/// Whether the bytes look like an ARF report.
pub(crate) fn is_arf(data: &[u8]) -> bool {
    let head = &data[..data.len().min(64 * 1024)];
    let lower: Vec<u8> = head.iter().map(u8::to_ascii_lowercase).collect();
    memchr::memmem::find(&lower, b"feedback-report").is_some()
        || memchr::memmem::find(&lower, b"\nfeedback-type:").is_some()
}

fn header_value(lines: &[&str], name: &str) -> Option<String> {
    let n = name.len();
    for (i, l) in lines.iter().enumerate() {
        if l.len() > n && l.as_bytes()[n] == b':' && l[..n].eq_ignore_ascii_case(name) {
            let mut v = l[n + 1..].trim().to_string();
            for c in &lines[i + 1..] {
                if c.starts_with([' ', '\t']) {
                    v.push(' ');
                    v.push_str(c.trim());
                } else {
                    break;
                }
            }
            return Some(v);
        }
    }
    None
}

fn addr(v: &str) -> String {
    let v = v.trim();
    let v = match (v.rfind('<'), v.rfind('>')) {
        (Some(a), Some(b)) if a < b => &v[a + 1..b],
        _ => v.split_whitespace().next().unwrap_or(""),
    };
    v.trim_matches(|c: char| c == '"' || c == ',' || c == ';')
        .to_ascii_lowercase()
}

/// Parse a complaint message; `None` when it holds no feedback report.
pub fn parse(data: &[u8]) -> Option<Complaint> {
    let text = String::from_utf8_lossy(&data[..data.len().min(1 << 20)]);
    let lines: Vec<&str> = text.lines().map(|l| l.trim_end_matches('\r')).collect();
    let ft_at = lines
        .iter()
        .position(|l| l.len() > 14 && l.as_bytes()[..14].eq_ignore_ascii_case(b"feedback-type:"))?;
    // the feedback-report block: from its first field to the next blank line
    let start = lines[..ft_at]
        .iter()
        .rposition(|l| l.trim().is_empty())
        .map(|i| i + 1)
        .unwrap_or(0);
    let end = lines[ft_at..]
        .iter()
        .position(|l| l.trim().is_empty())
        .map(|i| ft_at + i)
        .unwrap_or(lines.len());
    let block = &lines[start..end];
    let mut c = Complaint {
        feedback_type: header_value(block, "Feedback-Type")
            .unwrap_or_default()
            .to_ascii_lowercase(),
        ..Default::default()
    };
    c.recipient = header_value(block, "Original-Rcpt-To")
        .or_else(|| header_value(block, "Removal-Recipient"))
        .map(|v| addr(&v))
        .unwrap_or_default();
    if c.recipient.is_empty() {
        // the embedded original message's To:
        if let Some(orig) = lines[end..].iter().position(|l| {
            let l = l.to_ascii_lowercase();
            l.starts_with("content-type:")
                && (l.contains("message/rfc822") || l.contains("text/rfc822-headers"))
        }) {
            let rest = &lines[end + orig..];
            if let Some(to) = header_value(rest, "To") {
                c.recipient = addr(&to);
            }
        }
    }
    c.reporter = header_value(block, "User-Agent")
        .or_else(|| {
            header_value(&lines, "From")
                .map(|f| addr(&f).rsplit('@').next().unwrap_or("").to_string())
        })
        .unwrap_or_default();
    c.reported_domain = header_value(block, "Reported-Domain")
        .unwrap_or_default()
        .to_ascii_lowercase();
    c.source_ip = header_value(block, "Source-IP").unwrap_or_default();
    Some(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_report() {
        let m = b"From: fbl@isp.example\r\nContent-Type: multipart/report; report-type=feedback-report; boundary=b\r\n\r\n--b\r\nContent-Type: message/feedback-report\r\n\r\nFeedback-Type: abuse\r\nUser-Agent: ISP-FBL/1.0\r\nOriginal-Rcpt-To: <Someone@Example.NET>\r\nReported-Domain: sender.example\r\n\r\n--b\r\n";
        assert!(is_arf(m));
        let c = parse(m).unwrap();
        assert_eq!(c.feedback_type, "abuse");
        assert_eq!(c.recipient, "someone@example.net");
        assert_eq!(c.reporter, "ISP-FBL/1.0");
        assert_eq!(c.reported_domain, "sender.example");
        assert!(parse(b"Subject: hi\r\n\r\nbody").is_none());
        // found by the fuzzer: a multi-byte character across byte 14
        assert!(parse("Feedback-Typ\u{20ac}: x\n".as_bytes()).is_none());
    }
}
