//! Format detection from a suppression file's content: JSON by its first character and keys,
//! CSV exports by the column names of their header, plain lists by a first line that is one
//! address (or an `email` heading).

/// A supported suppression file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One address a line (`mailsift bounces --suppress`, hand-made lists); reason `listed`.
    Plain,
    /// `mailsift bounces --format jsonl` records.
    BouncesJsonl,
    /// `mailsift bounces --format csv` records.
    BouncesCsv,
    /// `aws sesv2 list-suppressed-destinations` JSON output.
    SesJson,
    /// SES account-level suppression list as CSV (`EmailAddress`, `Reason`).
    SesCsv,
    /// SendGrid bounces or blocks export (`created`, `email`, `reason`, `status`).
    SendgridBounces,
    /// SendGrid spam reports export (`created`, `email`, `ip`).
    SendgridSpamReports,
    /// SendGrid unsubscribes export (`created`, `email`).
    SendgridUnsubscribes,
    /// Mailgun bounces export (`address`, `code`, `error`, `created_at`).
    MailgunBounces,
    /// Mailgun complaints export (`address`, `created_at`).
    MailgunComplaints,
    /// Mailgun unsubscribes export (`address`, `tags`, `created_at`).
    MailgunUnsubscribes,
    /// Postmark suppressions export (`EmailAddress`, `SuppressionReason`).
    Postmark,
    /// Mailchimp unsubscribed audience export (`Email Address`, `UNSUB_TIME`).
    MailchimpUnsubscribed,
    /// Mailchimp cleaned audience export (`Email Address`, `CLEAN_TIME`).
    MailchimpCleaned,
}

impl Format {
    /// The name written in the summary.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Plain => "plain",
            Format::BouncesJsonl => "mailsift_bounces_jsonl",
            Format::BouncesCsv => "mailsift_bounces_csv",
            Format::SesJson => "ses_json",
            Format::SesCsv => "ses_csv",
            Format::SendgridBounces => "sendgrid_bounces",
            Format::SendgridSpamReports => "sendgrid_spam_reports",
            Format::SendgridUnsubscribes => "sendgrid_unsubscribes",
            Format::MailgunBounces => "mailgun_bounces",
            Format::MailgunComplaints => "mailgun_complaints",
            Format::MailgunUnsubscribes => "mailgun_unsubscribes",
            Format::Postmark => "postmark",
            Format::MailchimpUnsubscribed => "mailchimp_unsubscribed",
            Format::MailchimpCleaned => "mailchimp_cleaned",
        }
    }
}

/// The format of `text`, or what was seen when it is none.
pub(super) fn detect(text: &str) -> Result<Format, String> {
    let Some(first) = text.lines().map(str::trim).find(|l| !l.is_empty()) else {
        return Ok(Format::Plain);
    };
    if first.starts_with('{') {
        if text.contains("\"SuppressedDestinationSummaries\"") {
            return Ok(Format::SesJson);
        }
        if first.contains("\"recipient\"") || first.contains("\"norecord\"") {
            return Ok(Format::BouncesJsonl);
        }
        return Err("JSON without SuppressedDestinationSummaries or recipient".into());
    }
    let delim = delimiter(first);
    if delim.is_none() {
        let l = first.trim_matches('"').to_ascii_lowercase();
        if first.contains('@')
            || matches!(l.as_str(), "email" | "e-mail" | "email address" | "address")
        {
            return Ok(Format::Plain);
        }
        return Err(format!(
            "first line {:?} is neither a header nor an address",
            short(first)
        ));
    }
    let cols = header_names(first, delim.unwrap_or(b','));
    let has = |n: &str| cols.iter().any(|c| c == n);
    let f = if has("recipient") && has("bounce_type") {
        Format::BouncesCsv
    } else if has("emailaddress") && has("suppressionreason") {
        Format::Postmark
    } else if has("emailaddress") && has("reason") {
        Format::SesCsv
    } else if has("email address") && has("clean_time") {
        Format::MailchimpCleaned
    } else if has("email address") && has("unsub_time") {
        Format::MailchimpUnsubscribed
    } else if has("email") && has("created") && has("status") && has("reason") {
        Format::SendgridBounces
    } else if has("email") && has("created") && has("ip") {
        Format::SendgridSpamReports
    } else if has("email") && has("created") && cols.len() == 2 {
        Format::SendgridUnsubscribes
    } else if has("address") && has("code") && has("error") {
        Format::MailgunBounces
    } else if has("address") && has("tags") {
        Format::MailgunUnsubscribes
    } else if has("address") && has("created_at") && cols.len() == 2 {
        Format::MailgunComplaints
    } else {
        return Err(format!(
            "header {:?} matches no supported export",
            short(first)
        ));
    };
    Ok(f)
}

/// The delimiter of a header line: `,`, `;` or tab, whichever occurs (in that order).
pub(super) fn delimiter(line: &str) -> Option<u8> {
    [b',', b'\t', b';']
        .into_iter()
        .find(|d| line.as_bytes().contains(d))
}

/// The lower-cased, trimmed column names of a header line.
pub(super) fn header_names(line: &str, delim: u8) -> Vec<String> {
    line.split(delim as char)
        .map(|c| c.trim().trim_matches('"').trim().to_ascii_lowercase())
        .collect()
}

fn short(s: &str) -> &str {
    match s.char_indices().nth(60) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers() {
        for (h, f) in [
            ("created,email,reason,status", Format::SendgridBounces),
            ("created,email,ip", Format::SendgridSpamReports),
            ("email,created", Format::SendgridUnsubscribes),
            ("address,code,error,created_at", Format::MailgunBounces),
            ("address,created_at", Format::MailgunComplaints),
            ("address,tags,created_at", Format::MailgunUnsubscribes),
            ("EmailAddress,Reason,LastUpdateTime", Format::SesCsv),
            (
                "EmailAddress,SuppressionReason,Origin,CreatedAt",
                Format::Postmark,
            ),
            (
                "Email Address,First Name,UNSUB_TIME,UNSUB_REASON",
                Format::MailchimpUnsubscribed,
            ),
            (
                "Email Address,CLEAN_TIME,CLEAN_CAMPAIGN_TITLE",
                Format::MailchimpCleaned,
            ),
            (
                "file,msgindex,recipient,reason,bounce_type",
                Format::BouncesCsv,
            ),
            ("a@b.example", Format::Plain),
            ("email", Format::Plain),
        ] {
            assert_eq!(detect(&format!("{h}\n")), Ok(f), "{h}");
        }
        assert!(detect("name,phone\n").is_err());
        assert!(detect("hello world\n").is_err());
        assert!(detect("{\"a\":1}\n").is_err());
    }
}
