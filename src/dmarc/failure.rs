//! DMARC failure reports (RFC 6591 / RFC 9991): the `message/feedback-report` part of a
//! message, read with the one ARF parser ([`crate::arf`]), with the report message's own
//! headers for the reporter, the report id and the date.

use mail_parser::{Message, MessageParser, MimeHeaders, PartType};

use crate::arf::FeedbackReport;

use super::report::{FailureRow, Item, Kind, ProblemKind, Records, Report, Totals, problem};

/// The domain of an address (lower case).
fn domain_of(a: &str) -> String {
    a.rsplit_once('@')
        .map(|(_, d)| d.trim_end_matches('>').trim().to_ascii_lowercase())
        .unwrap_or_default()
}

fn from_domain(m: &Message<'_>) -> String {
    m.from()
        .and_then(|f| f.first())
        .and_then(|a| a.address())
        .map(domain_of)
        .unwrap_or_default()
}

/// The `From` domain in the reported message's header (a `message/rfc822` or
/// `text/rfc822-headers` part).
fn original_from(msg: &Message<'_>) -> String {
    for part in msg.parts.iter().skip(1) {
        match &part.body {
            PartType::Message(m) => return from_domain(m),
            _ => {
                let is_headers = part.content_type().is_some_and(|c| {
                    c.ctype().eq_ignore_ascii_case("text")
                        && c.subtype()
                            .is_some_and(|s| s.eq_ignore_ascii_case("rfc822-headers"))
                });
                if is_headers
                    && let Some(m) = MessageParser::default().parse_headers(part.contents())
                {
                    return from_domain(&m);
                }
            }
        }
    }
    String::new()
}

/// Build the failure report from a parsed message and the text of its feedback-report part.
pub(crate) fn from_message(file: &str, msg: &Message<'_>, fields: &str) -> Item {
    let arf = FeedbackReport::parse(fields);
    let feedback_type = arf
        .feedback_type
        .as_ref()
        .map(|t| t.as_str().to_string())
        .unwrap_or_default();
    if feedback_type != "auth-failure" {
        return problem(
            file,
            ProblemKind::NotAReport,
            format!(
                "feedback report of type {:?}, not a DMARC failure report (auth-failure)",
                feedback_type
            ),
        );
    }
    let header_from = original_from(msg);
    let reported = arf
        .reported_domains
        .first()
        .map(|d| d.trim().trim_end_matches('.').to_ascii_lowercase())
        .unwrap_or_else(|| header_from.clone());
    let when = arf
        .arrival_date
        .as_deref()
        .and_then(|d| mail_parser::DateTime::parse_rfc822(d.trim()))
        .or_else(|| msg.date().cloned())
        .map_or(0, |d| d.to_timestamp());
    let mut org = from_domain(msg);
    if org.is_empty() {
        org = arf
            .reporting_mta
            .as_deref()
            .map(|m| {
                m.rsplit(';')
                    .next()
                    .unwrap_or(m)
                    .trim()
                    .to_ascii_lowercase()
            })
            .unwrap_or_default();
    }
    let report_id = msg
        .message_id()
        .map(str::to_string)
        .or_else(|| arf.original_envelope_id.clone())
        .unwrap_or_default();
    let count = arf.incidents.unwrap_or(1).max(1);
    let row = FailureRow {
        source_ip: arf.source_ip.clone().unwrap_or_default(),
        count,
        feedback_type,
        auth_failure: arf.auth_failure.clone(),
        delivery_result: arf
            .delivery_result
            .clone()
            .unwrap_or_default()
            .to_ascii_lowercase(),
        reported_domain: reported.clone(),
        original_mail_from: arf.original_mail_from.clone().unwrap_or_default(),
        original_rcpt_to: arf.recipients.clone(),
        dkim_domain: arf.dkim_domain.clone().unwrap_or_default(),
        dkim_selector: arf.dkim_selector.clone().unwrap_or_default(),
        identity_alignment: arf.identity_alignment.clone().unwrap_or_default(),
        authentication_results: arf.authentication_results.clone().unwrap_or_default(),
        arrival_date: arf.arrival_date.clone().unwrap_or_default(),
        header_from,
    };
    Item::Report(Report {
        kind: Kind::Failure,
        file: file.to_string(),
        org_name: org,
        report_id,
        policy_domain: reported,
        begin: when,
        end: when,
        records: Records::Failure(vec![row]),
        // a failure report is sent because DMARC failed for the message
        totals: Totals {
            messages: Some(count),
            dmarc_pass: Some(0),
            spf_aligned: Some(0),
            dkim_aligned: Some(0),
            ..Totals::default()
        },
        schema: "rfc6591",
        email: msg
            .from()
            .and_then(|f| f.first())
            .and_then(|a| a.address())
            .unwrap_or("")
            .to_string(),
        policy: None,
        errors: Vec::new(),
    })
}
