//! CSV suppression exports: `mailsift bounces` CSV and the ESPs' suppression exports, each a
//! header naming the address column and, for some, a column telling the reason.

use super::detect::{Format, delimiter, header_names};
use super::json::{bounce_entry, ses_reason};
use super::{Entry, SuppressReason};

/// Read the records of a CSV export of format `f` (detected from its header).
pub(super) fn read(text: &str, f: Format, sink: &mut dyn FnMut(u64, Entry<'_>)) {
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let delim = delimiter(first).unwrap_or(b',');
    let names = header_names(first, delim);
    let col = |n: &str| names.iter().position(|c| c == n);
    let addr_col = match f {
        Format::BouncesCsv => col("recipient"),
        Format::SesCsv | Format::Postmark => col("emailaddress"),
        Format::MailchimpCleaned | Format::MailchimpUnsubscribed => col("email address"),
        Format::SendgridBounces | Format::SendgridSpamReports | Format::SendgridUnsubscribes => {
            col("email")
        }
        _ => col("address"),
    };
    let Some(addr_col) = addr_col else {
        return;
    };
    let cols = Cols {
        addr: addr_col,
        reason: col("reason"),
        status: col("status"),
        code: col("code"),
        bounce_type: col("bounce_type"),
        feedbacktype: col("feedbacktype"),
        ambiguous: col("ambiguous"),
        suppression_reason: col("suppressionreason"),
    };
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .delimiter(delim)
        .from_reader(text.as_bytes());
    let mut rec = csv::StringRecord::new();
    loop {
        match rdr.read_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {
                let line = rec.position().map_or(0, |p| p.line());
                if rec.len() == 1 && rec.get(0).is_some_and(|c| c.trim().is_empty()) {
                    continue;
                }
                sink(line, entry(&rec, f, &cols));
            }
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                sink(line, Entry::Bad(format!("unreadable CSV record: {e}")));
                if !matches!(e.kind(), csv::ErrorKind::Utf8 { .. }) {
                    break;
                }
            }
        }
    }
}

/// Where the columns a format needs are.
struct Cols {
    addr: usize,
    reason: Option<usize>,
    status: Option<usize>,
    code: Option<usize>,
    bounce_type: Option<usize>,
    feedbacktype: Option<usize>,
    ambiguous: Option<usize>,
    suppression_reason: Option<usize>,
}

fn entry<'a>(rec: &'a csv::StringRecord, f: Format, c: &Cols) -> Entry<'a> {
    let get = |i: Option<usize>| i.and_then(|i| rec.get(i)).unwrap_or("").trim();
    let Some(addr) = rec.get(c.addr).map(str::trim).filter(|a| !a.is_empty()) else {
        return Entry::Bad(format!("no address in column {}", c.addr + 1));
    };
    let r = match f {
        Format::BouncesCsv => {
            return bounce_entry(
                addr,
                get(c.bounce_type),
                get(c.reason),
                get(c.feedbacktype),
                get(c.ambiguous) == "true",
            );
        }
        Format::SesCsv => match ses_reason(get(c.reason)) {
            Some(r) => r,
            None => return Entry::Bad(format!("unknown SES reason {:?}", get(c.reason))),
        },
        Format::Postmark => match get(c.suppression_reason).to_ascii_lowercase().as_str() {
            "hardbounce" => SuppressReason::HardBounce,
            "spamcomplaint" => SuppressReason::Complaint,
            "manualsuppression" => SuppressReason::Unsubscribed,
            other => return Entry::Bad(format!("unknown Postmark reason {other:?}")),
        },
        // A 4.x.x status is transient: it never condemns.
        Format::SendgridBounces if get(c.status).starts_with('4') => return Entry::Skip,
        Format::SendgridBounces => SuppressReason::HardBounce,
        Format::MailgunBounces if get(c.code).starts_with('4') => return Entry::Skip,
        Format::MailgunBounces | Format::MailchimpCleaned => SuppressReason::HardBounce,
        Format::SendgridSpamReports | Format::MailgunComplaints => SuppressReason::Complaint,
        Format::SendgridUnsubscribes
        | Format::MailgunUnsubscribes
        | Format::MailchimpUnsubscribed => SuppressReason::Unsubscribed,
        Format::Plain | Format::BouncesJsonl | Format::SesJson => SuppressReason::Listed,
    };
    Entry::Suppress(addr, r)
}
