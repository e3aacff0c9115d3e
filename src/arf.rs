//! RFC 5965 feedback reports (ARF): the fields of a `message/feedback-report` part, parsed once
//! for `bounces` and `logs`. Sans-IO: text in, a [`FeedbackReport`] out; never panics.
//!
//! Recipients keep the case the report gives them; a caller lower-cases only where it builds a
//! key (a domain tally, a duplicate check).

use std::fmt;

/// The `Feedback-Type` of a report (RFC 5965 section 7.3 and the registry it opens).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FeedbackType {
    /// `abuse`: unsolicited or otherwise abusive mail.
    Abuse,
    /// `auth-failure`: a failed authentication check (DMARC failure reports, RFC 6591).
    AuthFailure,
    /// `fraud`: fraud or phishing.
    Fraud,
    /// `not-spam`: not spam, reported by mistake.
    NotSpam,
    /// `opt-out` (or the older `opt-out-list`): an unsubscribe request.
    OptOut,
    /// `virus`: a virus was found.
    Virus,
    /// `other`, or any value outside the registry (kept lower-cased, as written).
    Other(String),
}

impl FeedbackType {
    /// The type of a `Feedback-Type` value (case-insensitive).
    pub(crate) fn parse(value: &str) -> FeedbackType {
        let v = value.trim().to_ascii_lowercase();
        match v.as_str() {
            "abuse" => FeedbackType::Abuse,
            "auth-failure" => FeedbackType::AuthFailure,
            "fraud" => FeedbackType::Fraud,
            "not-spam" => FeedbackType::NotSpam,
            "opt-out" => FeedbackType::OptOut,
            "virus" => FeedbackType::Virus,
            _ => FeedbackType::Other(v),
        }
    }

    /// The lower-case token (`abuse`, `auth-failure`, ...; for `Other`, the value as read).
    pub(crate) fn as_str(&self) -> &str {
        match self {
            FeedbackType::Abuse => "abuse",
            FeedbackType::AuthFailure => "auth-failure",
            FeedbackType::Fraud => "fraud",
            FeedbackType::NotSpam => "not-spam",
            FeedbackType::OptOut => "opt-out",
            FeedbackType::Virus => "virus",
            FeedbackType::Other(s) => s,
        }
    }
}

impl fmt::Display for FeedbackType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One feedback report: every field a caller reads; a field the report lacks is `None` (or an
/// empty list).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct FeedbackReport {
    /// `Feedback-Type`.
    pub(crate) feedback_type: Option<FeedbackType>,
    /// `User-Agent`: the reporting software.
    pub(crate) user_agent: Option<String>,
    /// `Version`.
    pub(crate) version: Option<String>,
    /// Every `Original-Rcpt-To` and `Removal-Recipient` address, in order, each once (compared
    /// without regard to case), in the case the report gives.
    pub(crate) recipients: Vec<String>,
    /// `Original-Mail-From`: the envelope sender of the reported message.
    pub(crate) original_mail_from: Option<String>,
    /// `Original-Envelope-Id`.
    pub(crate) original_envelope_id: Option<String>,
    /// Every `Reported-Domain`, in order.
    pub(crate) reported_domains: Vec<String>,
    /// `Source-IP`: the address the reported message came from.
    pub(crate) source_ip: Option<String>,
    /// `Arrival-Date` (or the older `Received-Date`), as written.
    pub(crate) arrival_date: Option<String>,
    /// `Reporting-MTA`, as written (`dns; host`).
    pub(crate) reporting_mta: Option<String>,
    /// `Authentication-Results`.
    pub(crate) authentication_results: Option<String>,
    /// `Incidents`: how many times the reported message was seen.
    pub(crate) incidents: Option<u64>,
    /// Every `Auth-Failure` value (RFC 6591: `adsp`, `bodyhash`, `revoked`, `signature`,
    /// `spf`, `dmarc`), lower-cased, in order.
    pub(crate) auth_failure: Vec<String>,
    /// `Delivery-Result` (RFC 6591).
    pub(crate) delivery_result: Option<String>,
    /// `DKIM-Domain` (RFC 6591).
    pub(crate) dkim_domain: Option<String>,
    /// `DKIM-Selector` (RFC 6591).
    pub(crate) dkim_selector: Option<String>,
    /// `Identity-Alignment` (RFC 7489 section 7.3).
    pub(crate) identity_alignment: Option<String>,
}

/// The most bytes of one field value kept (folded lines beyond are dropped).
const MAX_VALUE: usize = 8192;

impl FeedbackReport {
    /// Parse the fields of a `message/feedback-report` part (`name: value` lines, folded lines
    /// joined with one space, blank lines between blocks ignored). Unknown fields are skipped; a
    /// text with no report field yields the empty (default) report.
    pub(crate) fn parse(text: &str) -> FeedbackReport {
        let mut r = FeedbackReport::default();
        for (name, value) in fields(text) {
            r.take(&name, value);
        }
        r
    }

    fn take(&mut self, name: &str, value: String) {
        let first = |slot: &mut Option<String>, v: String| {
            if slot.is_none() && !v.is_empty() {
                *slot = Some(v);
            }
        };
        match name {
            "feedback-type" if self.feedback_type.is_none() => {
                self.feedback_type = Some(FeedbackType::parse(&value));
            }
            "user-agent" => first(&mut self.user_agent, value),
            "version" => first(&mut self.version, value),
            "original-rcpt-to" | "removal-recipient" => {
                if let Some(a) = address(&value)
                    && !self.recipients.iter().any(|r| r.eq_ignore_ascii_case(a))
                {
                    self.recipients.push(a.to_string());
                }
            }
            "original-mail-from" => {
                if let Some(a) = address(&value) {
                    first(&mut self.original_mail_from, a.to_string());
                }
            }
            "original-envelope-id" => first(&mut self.original_envelope_id, value),
            "reported-domain" if !value.is_empty() => self.reported_domains.push(value),
            "source-ip" => first(&mut self.source_ip, value),
            "arrival-date" | "received-date" => first(&mut self.arrival_date, value),
            "reporting-mta" => first(&mut self.reporting_mta, value),
            "authentication-results" => first(&mut self.authentication_results, value),
            "incidents" if self.incidents.is_none() => self.incidents = value.parse().ok(),
            "auth-failure" if !value.is_empty() => {
                self.auth_failure.push(value.to_ascii_lowercase());
            }
            "delivery-result" => first(&mut self.delivery_result, value),
            "dkim-domain" => first(&mut self.dkim_domain, value),
            "dkim-selector" => first(&mut self.dkim_selector, value),
            "identity-alignment" => first(&mut self.identity_alignment, value),
            _ => {}
        }
    }
}

/// The `(lower-case name, value)` fields of a header-like text: a line `name: value` starts a
/// field (a name is short and holds no space), an indented line continues the last one, a
/// blank line ends a block; another line is taken as a continuation too (reports in the wild
/// wrap long values without indenting them).
fn fields(text: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut open = false;
    for line in text.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() {
            open = false;
            continue;
        }
        if !line.starts_with([' ', '\t'])
            && let Some(colon) = line.find(':')
        {
            let name = line[..colon].trim();
            if !name.is_empty() && name.len() < 64 && !name.contains(' ') {
                out.push((
                    name.to_ascii_lowercase(),
                    line[colon + 1..].trim().to_string(),
                ));
                open = true;
                continue;
            }
        }
        if open && let Some(last) = out.last_mut() {
            let v = &mut last.1;
            if v.len() < MAX_VALUE {
                if !v.is_empty() {
                    v.push(' ');
                }
                v.push_str(line.trim());
            }
        }
    }
    out
}

/// The address in an address field: `rfc822; <user@example.com>`, `Name <user@example.com>`,
/// `user@example.com (comment)`. `None` when the value holds no `@`.
pub(crate) fn address(value: &str) -> Option<&str> {
    let mut v = value.trim();
    // an address-type prefix (`rfc822;`, `utf-8;`)
    if let Some(i) = v.find(';')
        && i < 16
        && v[..i]
            .trim()
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-')
    {
        v = v[i + 1..].trim();
    }
    // a quoted local part: "x, y"@example.com
    if let Some(rest) = v.strip_prefix('"')
        && let Some(q) = rest.find('"')
        && rest[q + 1..].starts_with('@')
    {
        let end = rest[q + 1..]
            .find(|c: char| c.is_whitespace() || matches!(c, '>' | ';' | ','))
            .map_or(v.len(), |i| q + 2 + i);
        return Some(&v[..end]);
    }
    let inner = match (v.find('<'), v.find('>')) {
        (Some(a), Some(b)) if a < b => &v[a + 1..b],
        _ => v
            .split(|c: char| c.is_whitespace() || c == ',' || c == ';')
            .find(|t| t.contains('@'))
            .unwrap_or(""),
    };
    let a = inner
        .trim()
        .trim_matches(|c: char| matches!(c, '"' | '\'' | ',' | ';' | '(' | ')' | '[' | ']'));
    a.contains('@').then_some(a)
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPORT: &str = "Feedback-Type: abuse\r\nUser-Agent: SomeGenerator/1.0\r\nVersion: 1\r\nOriginal-Mail-From: <Sender@Example.COM>\r\nOriginal-Rcpt-To: <Alice@Example.NET>\r\nOriginal-Rcpt-To: rfc822; Bob@Example.org\r\nRemoval-Recipient: alice@example.net\r\nArrival-Date: Thu, 8 Mar 2005 14:00:00\r\n  EDT\r\nReporting-MTA: dns; mail.example.net\r\nSource-IP: 192.0.2.1\r\nAuthentication-Results: mail.example.net;\r\n\tspf=fail smtp.mail=example.com\r\nReported-Domain: example.com\r\nReported-Domain: other.example\r\nIncidents: 3\r\n";

    #[test]
    fn every_field_and_every_recipient_in_its_case() {
        let r = FeedbackReport::parse(REPORT);
        assert_eq!(r.feedback_type, Some(FeedbackType::Abuse));
        assert_eq!(r.user_agent.as_deref(), Some("SomeGenerator/1.0"));
        assert_eq!(r.version.as_deref(), Some("1"));
        // both Original-Rcpt-To, the Removal-Recipient repeats Alice in another case: once
        assert_eq!(r.recipients, ["Alice@Example.NET", "Bob@Example.org"]);
        assert_eq!(r.original_mail_from.as_deref(), Some("Sender@Example.COM"));
        assert_eq!(r.reported_domains, ["example.com", "other.example"]);
        assert_eq!(r.source_ip.as_deref(), Some("192.0.2.1"));
        assert_eq!(r.reporting_mta.as_deref(), Some("dns; mail.example.net"));
        assert_eq!(r.incidents, Some(3));
    }

    #[test]
    fn folded_fields_are_joined() {
        let r = FeedbackReport::parse(REPORT);
        assert_eq!(
            r.arrival_date.as_deref(),
            Some("Thu, 8 Mar 2005 14:00:00 EDT")
        );
        assert_eq!(
            r.authentication_results.as_deref(),
            Some("mail.example.net; spf=fail smtp.mail=example.com")
        );
        // a folded recipient field
        let r =
            FeedbackReport::parse("Feedback-Type: opt-out\nOriginal-Rcpt-To:\n <x@example.com>\n");
        assert_eq!(r.recipients, ["x@example.com"]);
        assert_eq!(r.feedback_type, Some(FeedbackType::OptOut));
    }

    #[test]
    fn missing_fields_are_none_not_a_panic() {
        let r = FeedbackReport::parse("Feedback-Type: auth-failure\n");
        assert_eq!(r.feedback_type, Some(FeedbackType::AuthFailure));
        assert!(r.recipients.is_empty());
        assert_eq!(r.user_agent, None);
        assert_eq!(r.source_ip, None);
        assert_eq!(r.original_mail_from, None);
        assert_eq!(FeedbackReport::parse(""), FeedbackReport::default());
        assert_eq!(
            FeedbackReport::parse("no fields here\n\n\n"),
            FeedbackReport::default()
        );
        // odd input: a bare name, a colon first, multi-byte text, an address field without @
        let r = FeedbackReport::parse(
            "Feedback-Type\n: x\nOriginal-Rcpt-To: nobody\n\u{20ac}\u{20ac}: \u{20ac}\nIncidents: many\n",
        );
        assert!(r.recipients.is_empty());
        assert_eq!(r.incidents, None);
        assert_eq!(r.feedback_type, None);
    }

    #[test]
    fn every_cut_of_a_report_parses() {
        // a report cut anywhere (a truncated file) still parses, keeping what came before the cut
        for (i, _) in REPORT.char_indices() {
            let r = FeedbackReport::parse(&REPORT[..i]);
            // (a cut inside the Removal-Recipient leaves a third, shorter address)
            assert!(r.recipients.len() <= 3);
        }
        let r = FeedbackReport::parse(&REPORT[..REPORT.find("Original-Rcpt-To: rfc822").unwrap()]);
        assert_eq!(r.recipients, ["Alice@Example.NET"]);
        assert_eq!(r.source_ip, None);
    }

    #[test]
    fn feedback_types_as_written() {
        assert_eq!(FeedbackType::parse(" ABUSE "), FeedbackType::Abuse);
        assert_eq!(FeedbackType::parse("Not-Spam").as_str(), "not-spam");
        assert_eq!(
            FeedbackType::parse("Dmarc-Thing"),
            FeedbackType::Other("dmarc-thing".into())
        );
    }

    #[test]
    fn addresses_in_their_usual_shapes() {
        assert_eq!(address("rfc822; <A@B.example>"), Some("A@B.example"));
        assert_eq!(address("Name <a@b.example>"), Some("a@b.example"));
        assert_eq!(address("a@b.example (comment)"), Some("a@b.example"));
        assert_eq!(address("\"a, b\"@c.example"), Some("\"a, b\"@c.example"));
        assert_eq!(address("rfc822;"), None);
        assert_eq!(address(""), None);
    }
}
