//! ARF (RFC 5965) feedback reports read from whole messages: the `message/feedback-report`
//! block found in the raw bytes and parsed with [`crate::arf`], with the recipients taken from
//! the embedded original message when the report names none. Never panics.

use crate::arf::{FeedbackReport, address};

/// One feedback report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Complaint {
    /// `abuse`, `fraud`, `auth-failure`, `not-spam`, `opt-out`, `virus`, `other`.
    pub feedback_type: String,
    /// The complaining recipients (every `Original-Rcpt-To` / `Removal-Recipient`, else the
    /// `To` of the embedded message), in the case the report gives.
    pub recipients: Vec<String>,
    /// The reporter (`User-Agent` of the report, or the domain of its `From`).
    pub reporter: String,
    /// The first `Reported-Domain`, when present (lower case).
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
    let report = FeedbackReport::parse(&lines[start..end].join("\n"));
    let mut c = Complaint {
        feedback_type: report
            .feedback_type
            .as_ref()
            .map(|t| t.as_str().to_string())
            .unwrap_or_default(),
        recipients: report.recipients,
        reporter: report.user_agent.unwrap_or_default(),
        reported_domain: report
            .reported_domains
            .first()
            .map(|d| d.to_ascii_lowercase())
            .unwrap_or_default(),
        source_ip: report.source_ip.unwrap_or_default(),
    };
    if c.recipients.is_empty() {
        // the embedded original message's To:
        if let Some(orig) = lines[end..].iter().position(|l| {
            let l = l.to_ascii_lowercase();
            l.starts_with("content-type:")
                && (l.contains("message/rfc822") || l.contains("text/rfc822-headers"))
        }) {
            let rest = &lines[end + orig..];
            if let Some(to) = header_value(rest, "To") {
                for a in to.split(',').filter_map(address) {
                    if !c.recipients.iter().any(|r| r.eq_ignore_ascii_case(a)) {
                        c.recipients.push(a.to_string());
                    }
                }
            }
        }
    }
    if c.reporter.is_empty() {
        c.reporter = header_value(&lines, "From")
            .and_then(|f| {
                address(&f).map(|a| a.rsplit('@').next().unwrap_or("").to_ascii_lowercase())
            })
            .unwrap_or_default();
    }
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
        assert_eq!(c.recipients, ["Someone@Example.NET"]);
        assert_eq!(c.reporter, "ISP-FBL/1.0");
        assert_eq!(c.reported_domain, "sender.example");
        assert!(parse(b"Subject: hi\r\n\r\nbody").is_none());
        // found by the fuzzer: a multi-byte character across byte 14
        assert!(parse("Feedback-Typ\u{20ac}: x\n".as_bytes()).is_none());
    }

    #[test]
    fn every_recipient_and_the_embedded_to_when_none() {
        let m = b"From: fbl@isp.example\nContent-Type: multipart/report; report-type=feedback-report; boundary=b\n\n--b\nContent-Type: message/feedback-report\n\nFeedback-Type: abuse\nOriginal-Rcpt-To: <A@One.example>\nOriginal-Rcpt-To: b@two.example\n\n--b\n";
        let c = parse(m).unwrap();
        assert_eq!(c.recipients, ["A@One.example", "b@two.example"]);
        // no User-Agent: the domain of From
        assert_eq!(c.reporter, "isp.example");
        // no recipient field: every address of the embedded message's To
        let m = b"From: FBL <fbl@ISP.example>\n\nFeedback-Type: opt-out\n\nContent-Type: message/rfc822\n\nFrom: s@sender.example\nTo: \"Doe, J\" <J@Three.example>, k@four.example\n\nhi\n";
        let c = parse(m).unwrap();
        assert_eq!(c.feedback_type, "opt-out");
        assert_eq!(c.recipients, ["J@Three.example", "k@four.example"]);
        assert_eq!(c.reporter, "isp.example");
    }
}
