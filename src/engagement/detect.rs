//! Format detection from an engagement file's first record: JSON event exports by their keys
//! (SendGrid, Mailgun, Amazon SES, Postmark), CSV exports by the column names of their header
//! (Mailchimp member exports, Klaviyo-style event CSVs, a generic `email,event,timestamp` CSV).

use serde_json::Value;

/// A supported engagement file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// SendGrid Event Webhook records (JSON Lines, or batches as JSON arrays).
    Sendgrid,
    /// Mailgun events (JSON Lines, webhook payloads, Events API pages).
    Mailgun,
    /// Amazon SES event publishing or notifications (JSON Lines, SNS envelopes).
    Ses,
    /// Postmark webhooks (JSON Lines).
    Postmark,
    /// A Mailchimp audience export (`Email Address`, `MEMBER_RATING`, `OPTIN_TIME`,
    /// `CONFIRM_TIME`, `LAST_CHANGED`): opt-in times.
    MailchimpMembers,
    /// A Klaviyo-style event CSV (email, metric name, timestamp; `Apple Privacy Open`).
    Klaviyo,
    /// A CSV with email, event and timestamp columns (SendGrid's flattened CSV export too).
    Generic,
}

impl Format {
    /// The name written in the summary.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Sendgrid => "sendgrid",
            Format::Mailgun => "mailgun",
            Format::Ses => "ses",
            Format::Postmark => "postmark",
            Format::MailchimpMembers => "mailchimp_members",
            Format::Klaviyo => "klaviyo",
            Format::Generic => "generic_csv",
        }
    }

    /// Whether the format is CSV (records may span lines inside quotes).
    pub(crate) fn is_csv(self) -> bool {
        matches!(
            self,
            Format::MailchimpMembers | Format::Klaviyo | Format::Generic
        )
    }
}

/// Where the columns a CSV format needs are (0-based), and its delimiter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Columns {
    pub(crate) delimiter: u8,
    pub(crate) email: usize,
    pub(crate) event: Option<usize>,
    pub(crate) time: Option<usize>,
    pub(crate) opt_in: Option<usize>,
    pub(crate) confirm: Option<usize>,
    pub(crate) machine: Option<usize>,
    pub(crate) user_agent: Option<usize>,
    pub(crate) ip: Option<usize>,
}

/// The format of a file whose first non-blank line is `first` (a JSON record or a CSV
/// header), with the CSV columns; or what was seen.
pub(crate) fn detect(first: &str) -> Result<(Format, Columns), String> {
    let first = first.trim();
    if first.starts_with('{') || first.starts_with('[') {
        let v: Value =
            serde_json::from_str(first).map_err(|e| format!("first record is not JSON ({e})"))?;
        return json_format(&v).map(|f| (f, Columns::default()));
    }
    let delimiter = [b',', b'\t', b';']
        .into_iter()
        .find(|d| first.as_bytes().contains(d))
        .ok_or_else(|| {
            format!(
                "first line {:?} is neither JSON nor a CSV header",
                short(first)
            )
        })?;
    let names: Vec<String> = first
        .split(delimiter as char)
        .map(|c| c.trim().trim_matches('"').trim().to_ascii_lowercase())
        .collect();
    let col = |alts: &[&str]| alts.iter().find_map(|a| names.iter().position(|n| n == a));
    let mut c = Columns {
        delimiter,
        ..Columns::default()
    };
    let mailchimp = col(&[
        "member_rating",
        "optin_time",
        "confirm_time",
        "last_changed",
    ]);
    if let (Some(e), Some(_)) = (col(&["email address"]), mailchimp) {
        c.email = e;
        c.opt_in = col(&["optin_time"]);
        c.confirm = col(&["confirm_time"]);
        return Ok((Format::MailchimpMembers, c));
    }
    let email = col(&[
        "email",
        "profile email",
        "$email",
        "email address",
        "email_address",
        "recipient",
        "address",
    ]);
    let time = col(&[
        "timestamp",
        "datetime",
        "time",
        "date",
        "event_time",
        "event date",
        "created_at",
        "event_timestamp",
    ]);
    let klaviyo_metric = col(&["metric name", "metric", "event name"]);
    let apple = col(&[
        "apple privacy open",
        "apple_privacy_open",
        "$apple_privacy_open",
    ]);
    if let (Some(e), Some(m), Some(t)) = (email, klaviyo_metric.or(col(&["event"])), time)
        && (klaviyo_metric.is_some() || apple.is_some())
    {
        c.email = e;
        c.event = Some(m);
        c.time = Some(t);
        c.machine = apple;
        c.user_agent = col(&["user agent", "user_agent", "$user_agent"]);
        c.ip = col(&["ip", "$ip", "ip address"]);
        return Ok((Format::Klaviyo, c));
    }
    let event = col(&["event", "event_type", "type", "action"]);
    if let (Some(e), Some(ev), Some(t)) = (email, event, time) {
        c.email = e;
        c.event = Some(ev);
        c.time = Some(t);
        c.machine = col(&["machine_open", "sg_machine_open", "is_machine_open"]);
        c.user_agent = col(&["user_agent", "useragent", "user agent"]);
        c.ip = col(&["ip", "ip_address", "ip address"]);
        return Ok((Format::Generic, c));
    }
    Err(format!(
        "header {:?} matches no supported export (need email, event and timestamp columns, or a Mailchimp audience export)",
        short(first)
    ))
}

/// Which ESP wrote a JSON record (the first element, for an array).
fn json_format(v: &Value) -> Result<Format, String> {
    let v = match v {
        Value::Array(a) => a.first().ok_or("an empty JSON array")?,
        v => v,
    };
    let Some(o) = v.as_object() else {
        return Err("a JSON record that is not an object".into());
    };
    let has = |k: &str| o.contains_key(k);
    if has("RecordType") {
        return Ok(Format::Postmark);
    }
    if has("eventType") || has("notificationType") || (has("Type") && has("Message")) {
        return Ok(Format::Ses);
    }
    if has("event-data") || has("items") || (has("event") && has("recipient")) {
        return Ok(Format::Mailgun);
    }
    if has("sg_event_id") || has("sg_message_id") || (has("event") && has("email")) {
        return Ok(Format::Sendgrid);
    }
    Err(format!(
        "JSON record with keys {:?} matches no supported event export",
        o.keys().take(8).collect::<Vec<_>>()
    ))
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
    fn formats() {
        for (first, f) in [
            (
                r#"{"email":"a@b.example","timestamp":1,"event":"open","sg_event_id":"x"}"#,
                Format::Sendgrid,
            ),
            (
                r#"[{"email":"a@b.example","timestamp":1,"event":"open"}]"#,
                Format::Sendgrid,
            ),
            (
                r#"{"event":"opened","recipient":"a@b.example","timestamp":1.5}"#,
                Format::Mailgun,
            ),
            (
                r#"{"signature":{},"event-data":{"event":"opened"}}"#,
                Format::Mailgun,
            ),
            (r#"{"eventType":"Open","mail":{}}"#, Format::Ses),
            (r#"{"Type":"Notification","Message":"{}"}"#, Format::Ses),
            (
                r#"{"RecordType":"Open","Recipient":"a@b.example"}"#,
                Format::Postmark,
            ),
            (
                "Email Address,First Name,MEMBER_RATING,OPTIN_TIME,CONFIRM_TIME,LAST_CHANGED",
                Format::MailchimpMembers,
            ),
            (
                "Email,Metric Name,Timestamp,Campaign Name,Apple Privacy Open",
                Format::Klaviyo,
            ),
            ("email,event,timestamp", Format::Generic),
            ("timestamp;email;event;useragent;ip", Format::Generic),
        ] {
            assert_eq!(detect(first).map(|x| x.0), Ok(f), "{first}");
        }
        let (_, c) = detect("timestamp;email;event;useragent;ip").unwrap();
        assert_eq!(
            (c.delimiter, c.email, c.event, c.time, c.user_agent, c.ip),
            (b';', 1, Some(2), Some(0), Some(3), Some(4))
        );
        for bad in ["name,phone", "hello", "{\"a\":1}", "{not json", "[]"] {
            assert!(detect(bad).is_err(), "{bad}");
        }
    }
}
