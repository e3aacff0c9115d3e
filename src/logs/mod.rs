//! `mailsift logs`: deliverability reports from MTA logs (Postfix, Exim, Sendmail, OpenSMTPD), ESP event
//! exports (SendGrid, Mailgun, Amazon SES, Postmark) and ARF complaint reports.
//!
//! Parsers are sans-IO (one line or record in, events out); [`run`] is the thin reader driver:
//! format detection, gzip, files ordered by their first timestamp, streaming (only messages
//! still in the queue are held), then [`report::Report`] for the sinks in [`output`].

pub(crate) mod arf;
mod collector;
pub mod direction;
pub(crate) mod dsn_text;
pub(crate) mod esp;
pub(crate) mod events;
pub(crate) mod exim;
pub mod inbound;
pub(crate) mod join;
pub(crate) mod journal;
pub mod late;
pub(crate) mod lines;
pub(crate) mod metrics;
pub(crate) mod opensmtpd;
pub mod output;
mod parallel;
pub mod parity;
pub(crate) mod postfix;
pub(crate) mod provider;
mod read;
pub mod report;
pub(crate) mod scorecard;
pub(crate) mod sendmail;
pub(crate) mod syslog;
pub(crate) mod tally;
pub(crate) mod time;

use std::io;
use std::path::PathBuf;

pub(crate) use crate::input::open_path as open;
use crate::input::{InputFile, collect};

pub(crate) use collector::Collector;
use esp::Flavor;
use lines::for_each_line;
pub(crate) use read::read_input;
use read::{first_stamp, read_bounces, read_journalctl};
use report::{InputSummary, Report};
use time::YearInference;

/// Input formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Postfix syslog.
    Postfix,
    /// Exim main log.
    Exim,
    /// Sendmail syslog.
    Sendmail,
    /// OpenSMTPD syslog (`smtpd`).
    OpenSmtpd,
    /// The systemd journal as `journalctl -o json` writes it (any of the MTA dialects).
    Journal,
    /// SendGrid Event Webhook JSON / JSONL.
    SendGrid,
    /// A flattened CSV of SendGrid-style events (`event`, `email`, ... columns).
    SendGridCsv,
    /// Mailgun events JSON / JSONL.
    Mailgun,
    /// Amazon SES notifications / event records.
    Ses,
    /// Postmark webhooks.
    Postmark,
    /// ARF complaint message.
    Arf,
}

impl Format {
    /// Lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Postfix => "postfix",
            Format::Exim => "exim",
            Format::Sendmail => "sendmail",
            Format::OpenSmtpd => "opensmtpd",
            Format::Journal => "journal",
            Format::SendGrid => "sendgrid",
            Format::SendGridCsv => "sendgrid-csv",
            Format::Mailgun => "mailgun",
            Format::Ses => "ses",
            Format::Postmark => "postmark",
            Format::Arf => "arf",
        }
    }

    fn flavor(self) -> Option<Flavor> {
        match self {
            Format::SendGrid | Format::SendGridCsv => Some(Flavor::SendGrid),
            Format::Mailgun => Some(Flavor::Mailgun),
            Format::Ses => Some(Flavor::Ses),
            Format::Postmark => Some(Flavor::Postmark),
            _ => None,
        }
    }
}

/// The enhanced status code (`5.1.1`) in a text, as a slice of it; empty when none.
pub(crate) fn status_code(text: &str) -> &str {
    crate::status::EnhancedStatus::find_span(text)
        .map(|(_, r)| &text[r])
        .unwrap_or("")
}

/// Guess the format from the start of an input.
pub fn detect(head: &[u8]) -> Option<Format> {
    let text = String::from_utf8_lossy(&head[..head.len().min(64 * 1024)]);
    let first = text.trim_start_matches('\u{feff}').trim_start();
    if first.starts_with('{') || first.starts_with('[') {
        let line = first.lines().next().unwrap_or("");
        if journal::is_journal(line) {
            return Some(Format::Journal);
        }
        let flavor = esp::sniff(line.as_bytes()).or_else(|| esp::sniff(first.as_bytes()))?;
        return Some(match flavor {
            Flavor::SendGrid => Format::SendGrid,
            Flavor::Mailgun => Format::Mailgun,
            Flavor::Ses => Format::Ses,
            Flavor::Postmark => Format::Postmark,
        });
    }
    if arf::is_arf(head) {
        return Some(Format::Arf);
    }
    let (mut postfix, mut sendmail, mut exim, mut smtpd) = (0, 0, 0, 0);
    for line in first.lines().take(200) {
        if let Some(h) = syslog::header(line) {
            if postfix::is_postfix(h.program) {
                postfix += 1;
            } else if sendmail::is_sendmail(h.program) {
                sendmail += 1;
            } else if opensmtpd::is_opensmtpd(h.program) {
                smtpd += 1;
            }
        } else if exim::split(line).is_some() {
            exim += 1;
        }
    }
    if postfix + sendmail + exim + smtpd > 0 {
        return Some(
            if postfix >= sendmail && postfix >= exim && postfix >= smtpd {
                Format::Postfix
            } else if smtpd > sendmail && smtpd > exim {
                Format::OpenSmtpd
            } else if sendmail >= exim {
                Format::Sendmail
            } else {
                Format::Exim
            },
        );
    }
    let l0 = first.lines().next().unwrap_or("").to_ascii_lowercase();
    if l0.contains("event") && l0.contains("email") && l0.contains(',') {
        return Some(Format::SendGridCsv);
    }
    None
}

/// Options of a run.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Files and directories (`-` for stdin; gzip accepted).
    pub inputs: Vec<PathBuf>,
    /// Force a format instead of detecting it per file.
    pub format: Option<Format>,
    /// Year of the first line of BSD-syslog logs (default: from the file's modification time).
    pub year: Option<i64>,
    /// Also read the systemd journal of the mail units (`journalctl -o json`).
    pub journal: bool,
    /// With `journal`: from this time on (`journalctl --since`).
    pub since: Option<String>,
    /// With `journal`: up to this time (`journalctl --until`).
    pub until: Option<String>,
    /// Bounce notices (files, mbox, Maildir directories) whose failures turn delivered
    /// recipients into late bounces.
    pub bounces: Vec<PathBuf>,
    /// `--local-domains`, `--mynetworks`.
    pub site: direction::Site,
}

/// Read every input and build the report. Unreadable inputs are listed in
/// `problems.errors`; the call fails only when no input could be read at all.
pub fn run(cfg: &Config) -> io::Result<Report> {
    let mut errors = Vec::new();
    let mut files = collect(&cfg.inputs, &mut errors);
    // several files mixed (rotated logs given in any order): oldest first
    if files.len() > 1 && files.iter().all(|f| f.path.as_os_str() != "-") {
        let mut keyed: Vec<((i64, i64), InputFile)> =
            files.into_iter().map(|f| (first_stamp(&f), f)).collect();
        keyed.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.name.cmp(&b.1.name)));
        files = keyed.into_iter().map(|x| x.1).collect();
    }
    let mut c = Collector::default();
    c.problems.errors = errors;
    c.mta.site = cfg.site.clone();
    read_bounces(&mut c, &cfg.bounces);
    let mut read_any = false;
    if cfg.journal {
        match read_journalctl(&mut c, cfg.since.as_deref(), cfg.until.as_deref()) {
            Ok(()) => read_any = true,
            Err(e) => c.problems.errors.push(format!("journalctl: {e}")),
        }
    }
    for f in &files {
        match read_input(&mut c, f, cfg.format, cfg.year) {
            Ok(()) => read_any = true,
            Err(e) => {
                c.problems.errors.push(format!("{}: {e}", f.name));
                c.inputs.push(InputSummary {
                    file: f.name.clone(),
                    error: Some(e.to_string()),
                    ..Default::default()
                });
            }
        }
    }
    if !read_any {
        return Err(io::Error::other(if c.problems.errors.is_empty() {
            "no input".to_string()
        } else {
            c.problems.errors.join("; ")
        }));
    }
    Ok(finish(c))
}

/// Turn a collector into the report.
pub(crate) fn finish(mut c: Collector) -> Report {
    let open = c.mta.finish();
    c.problems.open_queue_ids = open.len() as u64;
    c.problems.open_queue_id_sample = open.into_iter().take(100).collect();
    c.problems.out_of_order_lines = c.mta.out_of_order_lines;
    c.problems.lines_for_unknown_queue_ids = c.mta.lines_for_unknown_ids;
    let mta = c.has_mta.then(|| report::mta_report(&c.mta));
    let esp = c.has_esp.then(|| report::esp_report(&c.esp));
    let abuse = c.arf.by_type.get("abuse").copied().unwrap_or(0);
    let scorecard = scorecard::build(mta.as_ref(), esp.as_ref(), abuse);
    Report {
        schema_version: report::SCHEMA_VERSION,
        generator: format!("mailsift {} logs", env!("CARGO_PKG_VERSION")),
        inputs: c.inputs,
        mta,
        esp,
        complaints: (c.arf.reports > 0).then_some(c.arf),
        scorecard,
        problems: c.problems,
        definitions: report::definitions(),
    }
}

/// Parse a whole MTA log held in memory (tests, benchmarks, fuzzing); `exim`: Exim main log,
/// else syslog (Postfix, Sendmail).
///
/// ```rust
/// use mailsift::logs::report_from_bytes;
///
/// let log = "\
/// Mar 11 00:25:42 mta1 postfix/smtpd[4820]: 04EF110DA4: client=app.example.com[192.0.2.7]
/// Mar 11 00:25:42 mta1 postfix/qmgr[1973]: 04EF110DA4: from=<news@example.com>, size=605, nrcpt=2 (queue active)
/// Mar 11 00:25:43 mta1 postfix/smtp[2883]: 04EF110DA4: to=<ann@example.net>, relay=mx.example.net[192.0.2.1]:25, delay=0.9, delays=0/0/0.1/0.8, dsn=2.0.0, status=sent (250 2.0.0 OK)
/// Mar 11 00:25:43 mta1 postfix/smtp[2883]: 04EF110DA4: to=<bob@example.net>, relay=mx.example.net[192.0.2.1]:25, delay=0.9, delays=0/0/0.1/0.8, dsn=5.1.1, status=bounced (host mx.example.net[192.0.2.1] said: 550 5.1.1 User unknown (in reply to RCPT TO command))
/// Mar 11 00:25:43 mta1 postfix/qmgr[1973]: 04EF110DA4: removed
/// ";
/// let report = report_from_bytes(log.as_bytes(), false, 2024);
/// let totals = &report.mta.expect("MTA tables").totals;
/// assert_eq!(totals.counts["messages"], 1);
/// assert_eq!(totals.counts["recipients"], 2);
/// assert_eq!(totals.counts["delivered"], 1);
/// assert_eq!(totals.counts["bounced"], 1);
/// ```
pub fn report_from_bytes(data: &[u8], exim_log: bool, year: i64) -> Report {
    let mut c = Collector {
        has_mta: true,
        ..Default::default()
    };
    let mut years = YearInference::new(year);
    let mut prev = None;
    let mut summary = InputSummary::default();
    let _ = for_each_line(data, |l| {
        c.mta_line(l, None, exim_log, &mut years, &mut prev, &mut summary)
    });
    c.inputs.push(summary);
    finish(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_codes_and_detection() {
        assert_eq!(status_code("550-5.1.1 The email"), "5.1.1");
        assert_eq!(status_code("x 421 4.7.28 y"), "4.7.28");
        assert_eq!(status_code("v1.5.1.4"), "");
        assert_eq!(status_code("no"), "");
        assert_eq!(
            detect(b"Mar 11 00:06:59 mta1 postfix/qmgr[1]: x\n"),
            Some(Format::Postfix)
        );
        assert_eq!(
            detect(b"2024-03-11 00:11:16 1rjTG7-000H52-Hq Completed\n"),
            Some(Format::Exim)
        );
        assert_eq!(
            detect(b"Mar 11 02:02:20 mta1 sendmail[2489]: x\n"),
            Some(Format::Sendmail)
        );
        assert_eq!(
            detect(b"{\"RecordType\":\"Open\"}\n"),
            Some(Format::Postmark)
        );
        assert_eq!(
            detect(b"timestamp,event,email\n1,open,a@b\n"),
            Some(Format::SendGridCsv)
        );
        assert_eq!(detect(b"hello world\n"), None);
        assert_eq!(
            detect(b"Dec  6 23:11:55 mail smtpd[31938]: 7dc51c5c1f60b5c0 smtp connected address=192.0.2.30 host=a\n"),
            Some(Format::OpenSmtpd)
        );
        assert_eq!(
            detect(b"{\"__CURSOR\":\"s=1\",\"__REALTIME_TIMESTAMP\":\"1\",\"MESSAGE\":\"x\"}\n"),
            Some(Format::Journal)
        );
    }

    /// Sendmail as the log farm's 8.17 wrote it: a refused inbound transaction (`nrcpts=0`) is
    /// no message and its refused recipient an inbound reject; the expiry notice expires the
    /// recipient whose last line said `stat=Deferred`.
    #[test]
    fn sendmail_refused_transactions_and_expiry_notices() {
        let log = "\
Dec  6 23:24:51 mail sendmail[5075]: 6B6NOpXR005075: <nosuchuser@sendmail.example>... User unknown
Dec  6 23:24:51 mail sendmail[5075]: 6B6NOpXR005075: from=<friend@remote.example>, size=624, class=0, nrcpts=0, proto=ESMTP, daemon=MTA, relay=client.remote.example [192.0.2.20]
Dec  6 23:25:14 mail sendmail[9099]: 6B6NFEQg009099: from=<news@sendmail.example>, size=577, class=0, nrcpts=1, msgid=<1@farm.example>, proto=ESMTP, daemon=MTA, relay=app.farm.example [192.0.2.30]
Dec  6 23:25:14 mail sendmail[9101]: 6B6NFEQg009099: to=<full@sink.example>, delay=00:00:00, xdelay=00:00:00, mailer=smtp, pri=30577, relay=[192.0.2.10] [192.0.2.10], dsn=4.3.1, reply=452 4.2.2 <full@sink.example>: Mailbox full, try again later, stat=Deferred: 452 4.2.2 <full@sink.example>: Mailbox full, try again later
Dec  6 23:26:35 mail sendmail[13150]: 6B6NFEQg009099: 6B6NGZ70013150: DSN: Cannot send message for 1 minute
Dec  6 23:26:35 mail sendmail[13150]: 6B6NGZ70013150: to=/var/mail/news, ctladdr=<news@sendmail.example> (8/0), delay=00:00:00, xdelay=00:00:00, mailer=*file*, pri=31825, dsn=2.0.0, stat=Sent
";
        let r = report_from_bytes(log.as_bytes(), false, 2026);
        let t = &r.mta.expect("MTA tables").totals.counts;
        assert_eq!(t["messages"], 1);
        assert_eq!(t["rejected_smtpd"], 1);
        assert_eq!((t["bounced"], t["expired"], t["deferred_final"]), (1, 1, 0));
        assert_eq!((t["ndr_messages"], t["ndr_deliveries"]), (1, 1));
        assert_eq!(r.problems.open_queue_ids, 0);
    }
}
