//! `mailsift logs`: deliverability reports from MTA logs (Postfix, Exim, Sendmail, OpenSMTPD), ESP event
//! exports (SendGrid, Mailgun, Amazon SES, Postmark) and ARF complaint reports.
//!
//! Parsers are sans-IO (one line or record in, events out); [`run`] is the thin reader driver:
//! format detection, gzip, files ordered by their first timestamp, streaming (only messages
//! still in the queue are held), then [`report::Report`] for the sinks in [`output`].

pub(crate) mod arf;
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
pub mod parity;
pub(crate) mod postfix;
pub(crate) mod provider;
pub mod report;
pub(crate) mod scorecard;
pub(crate) mod sendmail;
pub(crate) mod syslog;
pub(crate) mod tally;
pub(crate) mod time;

use std::io::{self, BufRead, Read};

use lines::{for_each_chunk_threaded, for_each_line, for_each_line_threaded, text_lines};
use std::path::PathBuf;

pub(crate) use crate::input::open_path as open;
use crate::input::{InputFile, collect};

use esp::Flavor;
use events::EspJoin;
use join::Join;
use report::{ArfReport, InputSummary, Problems, Report};
use syslog::{Event, Header, Stamp};
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

/// Accumulates everything a run reads.
#[derive(Debug, Default)]
pub(crate) struct Collector {
    /// MTA join.
    pub mta: Join,
    /// Whether MTA input was read.
    pub has_mta: bool,
    /// OpenSMTPD's line parser (it keeps a little state per session).
    pub smtpd: opensmtpd::Parser,
    /// ESP join.
    pub esp: EspJoin,
    /// Whether ESP input was read.
    pub has_esp: bool,
    /// ARF reports.
    pub arf: ArfReport,
    /// Problems.
    pub problems: Problems,
    /// Per-input summaries.
    pub inputs: Vec<InputSummary>,
}

impl Collector {
    fn unparsed(&mut self, program: &str, line: &[u8], summary: &mut InputSummary) {
        summary.unparsed += 1;
        self.problems.unparsed_lines += 1;
        *self
            .problems
            .unparsed_by_program
            .entry(program.to_string())
            .or_default() += 1;
        if self.problems.unparsed_examples.len() < 5 {
            let s = String::from_utf8_lossy(&line[..line.len().min(300)]).into_owned();
            self.problems.unparsed_examples.push(s);
        }
    }

    /// One MTA log line (Postfix/Sendmail syslog or Exim main log).
    pub(crate) fn mta_line(
        &mut self,
        raw: &[u8],
        text: Option<&str>,
        exim_log: bool,
        years: &mut YearInference,
        prev: &mut Option<i64>,
        summary: &mut InputSummary,
    ) {
        summary.lines += 1;
        if raw.is_empty() {
            return;
        }
        let owned;
        let line = match text.map(Ok).unwrap_or_else(|| std::str::from_utf8(raw)) {
            Ok(s) => s,
            Err(_) => {
                owned = String::from_utf8_lossy(raw).into_owned();
                owned.as_str()
            }
        };
        if exim_log {
            let Some((t, rest)) = exim::split(line) else {
                self.unparsed("exim", raw, summary);
                return;
            };
            let ev = exim::parse(rest);
            self.apply_mta(&ev, t, false, prev, "exim", raw, summary);
            return;
        }
        let Some(h) = syslog::header(line) else {
            // `journalctl` text output's own lines ("-- Boot 1a2b... --", "-- No entries --")
            if line.starts_with("-- ") && line.ends_with(" --") {
                return;
            }
            self.unparsed("(no syslog header)", raw, summary);
            return;
        };
        let t = match h.stamp {
            Stamp::Unix(t) => t,
            Stamp::Bsd(s) => years.resolve(h.raw_stamp, s),
        };
        if postfix::is_postfix(h.program) {
            let ev = postfix::parse(h.program, h.pid, h.message);
            self.apply_mta(&ev, t, false, prev, h.program, raw, summary);
        } else if sendmail::is_sendmail(h.program) {
            let ev = sendmail::parse(h.pid, h.message);
            if let Event::Delivery(d) = ev {
                // a `to=` line may list several recipients
                let rest = &h.message[h.message.find(": ").map(|i| i + 2).unwrap_or(0)..];
                for rcpt in sendmail::recipients(rest) {
                    let e = sendmail::delivery(d.qid, h.pid, rcpt, rest);
                    self.apply_mta(&e, t, true, prev, h.program, raw, summary);
                }
                return;
            }
            self.apply_mta(&ev, t, true, prev, h.program, raw, summary);
            if let Event::Ndr { orig, .. } = ev
                && sendmail::is_expiry_notice(h.message)
            {
                self.apply_mta(
                    &Event::Expired { qid: orig },
                    t,
                    true,
                    prev,
                    h.program,
                    raw,
                    summary,
                );
            }
        } else if opensmtpd::is_opensmtpd(h.program) {
            let ev = self.smtpd.parse(h.message);
            self.apply_mta(&ev, t, true, prev, h.program, raw, summary);
        } else if matches!(h.program, "exim" | "exim4") {
            // Exim with `log_file_path = syslog` (the journal): main log lines without the time
            let ev = exim::parse(h.message);
            self.apply_mta(&ev, t, false, prev, h.program, raw, summary);
        }
        // other programs (dovecot, amavis, opendkim, ...) carry nothing for this report
    }

    /// One syslog line parsed off the join's thread ([`pre_parse`]): apply it, or read it
    /// the ordinary way when it is not a Postfix line.
    fn apply_pre(
        &mut self,
        line: &str,
        pre: Option<(Header<'_>, Event<'_>)>,
        years: &mut YearInference,
        prev: &mut Option<i64>,
        summary: &mut InputSummary,
    ) {
        let Some((h, ev)) = pre else {
            self.mta_line(line.as_bytes(), Some(line), false, years, prev, summary);
            return;
        };
        summary.lines += 1;
        let t = match h.stamp {
            Stamp::Unix(t) => t,
            Stamp::Bsd(s) => years.resolve(h.raw_stamp, s),
        };
        self.apply_mta(&ev, t, false, prev, h.program, line.as_bytes(), summary);
    }

    /// A chunk of syslog text, parsed on all cores ([`parallel_chunk`]), joined in order.
    fn syslog_chunk(
        &mut self,
        text: &str,
        par: &mut Parallel,
        years: &mut YearInference,
        prev: &mut Option<i64>,
        summary: &mut InputSummary,
    ) {
        parallel_chunk(text, par, pre_parse, |l, pre| {
            self.apply_pre(l, pre, years, prev, summary)
        });
    }

    /// A chunk of ESP JSON lines, parsed on all cores, joined in order.
    fn esp_chunk<'t>(
        &mut self,
        flavor: Flavor,
        text: &'t str,
        par: &mut Parallel,
        summary: &mut InputSummary,
    ) {
        let parse = move |l: &'t str| esp_parse(flavor, l);
        parallel_chunk(text, par, parse, |l, (fl, ok, events)| {
            summary.lines += 1;
            let t = l.trim();
            if t.is_empty() {
                return;
            }
            for e in &events {
                self.esp.apply(fl, e, t.as_bytes());
            }
            if !ok {
                self.unparsed(fl.as_str(), l.as_bytes(), summary);
            }
        });
    }

    #[allow(clippy::too_many_arguments)]
    fn apply_mta(
        &mut self,
        ev: &Event<'_>,
        t: i64,
        complete_on_count: bool,
        prev: &mut Option<i64>,
        program: &str,
        raw: &[u8],
        summary: &mut InputSummary,
    ) {
        match ev {
            Event::Unparsed => {
                self.unparsed(program, raw, summary);
                return;
            }
            Event::Ignored => {}
            _ => self.mta.saw_time(t, prev),
        }
        self.mta.apply(ev, t, complete_on_count);
    }

    /// One record of `journalctl -o json` output: the syslog line it stands for, read as any
    /// other.
    pub(crate) fn journal_line(
        &mut self,
        raw: &[u8],
        text: Option<&str>,
        years: &mut YearInference,
        prev: &mut Option<i64>,
        summary: &mut InputSummary,
    ) {
        if raw.trim_ascii().is_empty() {
            summary.lines += 1;
            return;
        }
        let owned;
        let record = match text {
            Some(t) => t,
            None => {
                owned = String::from_utf8_lossy(raw).into_owned();
                owned.as_str()
            }
        };
        match journal::to_syslog_line(record) {
            Some(line) => self.mta_line(line.as_bytes(), Some(&line), false, years, prev, summary),
            None => {
                summary.lines += 1;
                self.unparsed("journal", raw, summary);
            }
        }
    }

    /// One ESP JSON line.
    pub(crate) fn esp_line(&mut self, flavor: Flavor, raw: &[u8], summary: &mut InputSummary) {
        summary.lines += 1;
        let trimmed = raw.trim_ascii();
        if trimmed.is_empty() {
            return;
        }
        let Ok(s) = std::str::from_utf8(trimmed) else {
            self.unparsed(flavor.as_str(), raw, summary);
            return;
        };
        let flavor = esp::sniff(trimmed).unwrap_or(flavor);
        let esp = &mut self.esp;
        let ok = esp::parse_record(flavor, s, &mut |e| esp.apply(flavor, &e, trimmed));
        if !ok {
            self.unparsed(flavor.as_str(), raw, summary);
        }
    }
}

/// The parse threads of the syslog reader and the share of each chunk the joining thread
/// parses itself.
struct Parallel {
    workers: usize,
    head_pct: usize,
}

impl Parallel {
    fn new() -> Parallel {
        // one core reads (system calls, gunzip, UTF-8), one joins; parsing spreads over all
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        // `MAILSIFT_PARSE_THREADS=0` parses on the joining thread only (measurements)
        let workers = std::env::var("MAILSIFT_PARSE_THREADS")
            .ok()
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(cores.saturating_sub(1))
            .min(8);
        Parallel {
            workers,
            head_pct: 30,
        }
    }
}

/// The lines of a chunk: those of its tail are parsed on `par.workers` other threads while this
/// thread parses and applies its head; the tail's results are then applied in log order. The
/// share of the head adapts so that neither side waits long. A parser that panics loses no
/// line: its part is parsed again here.
fn parallel_chunk<'t, T: Send>(
    text: &'t str,
    par: &mut Parallel,
    parse: impl Fn(&'t str) -> T + Sync,
    mut apply: impl FnMut(&'t str, T),
) {
    if par.workers == 0 || text.len() < 64 * 1024 {
        for l in text_lines(text) {
            apply(l, parse(l));
        }
        return;
    }
    let next_line = |s: &str, at: usize| -> usize {
        if at >= s.len() {
            return s.len();
        }
        match memchr::memchr(b'\n', &s.as_bytes()[at..]) {
            Some(i) => at + i + 1,
            None => s.len(),
        }
    };
    let (head, tail) = text.split_at(next_line(text, text.len() * par.head_pct / 100));
    let mut parts = Vec::with_capacity(par.workers);
    let mut from = 0;
    for k in 1..=par.workers {
        let to = next_line(tail, (tail.len() * k / par.workers).max(from));
        parts.push(&tail[from..to]);
        from = to;
    }
    let parse = &parse;
    std::thread::scope(|sc| {
        let handles: Vec<_> = parts
            .iter()
            .map(|part| {
                sc.spawn(move || text_lines(part).map(|l| (l, parse(l))).collect::<Vec<_>>())
            })
            .collect();
        for l in text_lines(head) {
            apply(l, parse(l));
        }
        let waited = !handles.iter().all(|h| h.is_finished());
        par.head_pct = if waited {
            par.head_pct.saturating_sub(2).max(2)
        } else {
            (par.head_pct + 2).min(60)
        };
        for (h, part) in handles.into_iter().zip(&parts) {
            match h.join() {
                Ok(v) => {
                    for (l, x) in v {
                        apply(l, x);
                    }
                }
                Err(_) => {
                    for l in text_lines(part) {
                        apply(l, parse(l));
                    }
                }
            }
        }
    });
}

/// One ESP JSON line: the flavor it says, whether it parsed, its events.
fn esp_parse(flavor: Flavor, l: &str) -> (Flavor, bool, Vec<esp::EspEvent<'_>>) {
    let t = l.trim();
    if t.is_empty() {
        return (flavor, true, Vec::new());
    }
    let fl = esp::sniff(t.as_bytes()).unwrap_or(flavor);
    let mut v = Vec::new();
    let ok = esp::parse_record(fl, t, &mut |e| v.push(e));
    (fl, ok, v)
}

/// Parse a syslog line as far as no join state is needed: the header, and for Postfix the
/// event. `None`: the line is read the ordinary way ([`Collector::mta_line`]).
fn pre_parse(line: &str) -> Option<(Header<'_>, Event<'_>)> {
    let h = syslog::header(line)?;
    if !postfix::is_postfix(h.program) {
        return None;
    }
    Some((h, postfix::parse(h.program, h.pid, h.message)))
}

fn read_all(r: &mut dyn Read, limit: u64) -> io::Result<Vec<u8>> {
    let mut v = Vec::new();
    r.take(limit).read_to_end(&mut v)?;
    Ok(v)
}

/// Read one input into the collector.
pub(crate) fn read_input(
    c: &mut Collector,
    f: &InputFile,
    forced: Option<Format>,
    year: Option<i64>,
) -> io::Result<()> {
    let (mut r, mtime) = open(&f.path)?;
    let head = r.fill_buf()?.to_vec();
    let mut summary = InputSummary {
        file: f.name.clone(),
        ..Default::default()
    };
    let Some(format) = forced.or_else(|| detect(&head)) else {
        summary.format = "unknown".into();
        summary.error = Some("format not recognised (use --format)".into());
        c.problems
            .errors
            .push(format!("{}: format not recognised (use --format)", f.name));
        c.inputs.push(summary);
        return Ok(());
    };
    summary.format = format.as_str().into();
    match format {
        Format::Journal => {
            c.has_mta = true;
            let mut years = YearInference::new(year.unwrap_or_else(time::current_year));
            let mut prev = None;
            for_each_line_threaded(r, |l, text| {
                c.journal_line(l, text, &mut years, &mut prev, &mut summary)
            })?;
        }
        Format::Postfix | Format::Sendmail | Format::Exim | Format::OpenSmtpd => {
            c.has_mta = true;
            let y = year.unwrap_or_else(|| initial_year(&head, mtime));
            let mut years = YearInference::new(y);
            let mut prev = None;
            let exim_log = format == Format::Exim;
            if exim_log {
                for_each_line_threaded(r, |l, text| {
                    c.mta_line(l, text, exim_log, &mut years, &mut prev, &mut summary)
                })?;
            } else {
                let mut par = Parallel::new();
                for_each_chunk_threaded(r, |chunk| match chunk {
                    Ok(text) => c.syslog_chunk(text, &mut par, &mut years, &mut prev, &mut summary),
                    Err(bytes) => {
                        let _ = for_each_line(bytes, |l| {
                            c.mta_line(l, None, false, &mut years, &mut prev, &mut summary)
                        });
                    }
                })?;
            }
        }
        Format::SendGrid | Format::Mailgun | Format::Ses | Format::Postmark => {
            c.has_esp = true;
            let flavor = format.flavor().expect("esp");
            let first = String::from_utf8_lossy(&head);
            let first = first.trim_start_matches('\u{feff}').trim_start();
            let jsonl = first.starts_with('{')
                && first
                    .lines()
                    .next()
                    .is_some_and(|l| serde_json::from_str::<serde::de::IgnoredAny>(l).is_ok());
            if jsonl {
                let mut par = Parallel::new();
                for_each_chunk_threaded(r, |chunk| match chunk {
                    Ok(text) => c.esp_chunk(flavor, text, &mut par, &mut summary),
                    Err(bytes) => {
                        let _ = for_each_line(bytes, |l| c.esp_line(flavor, l, &mut summary));
                    }
                })?;
            } else {
                // a JSON array, a pretty-printed object, or concatenated objects
                let data = read_all(&mut r, 1 << 30)?;
                let mut stream =
                    serde_json::Deserializer::from_slice(&data).into_iter::<serde_json::Value>();
                loop {
                    match stream.next() {
                        Some(Ok(v)) => {
                            summary.lines += 1;
                            let raw = v.to_string();
                            let esp = &mut c.esp;
                            let ok = esp::parse_value(flavor, v, &mut |e| {
                                esp.apply(flavor, &e, raw.as_bytes())
                            });
                            if !ok {
                                c.unparsed(flavor.as_str(), raw.as_bytes(), &mut summary);
                            }
                        }
                        Some(Err(_)) => {
                            let off = stream.byte_offset();
                            c.unparsed(
                                flavor.as_str(),
                                &data[off.min(data.len())..(off + 200).min(data.len())],
                                &mut summary,
                            );
                            break;
                        }
                        None => break,
                    }
                }
            }
        }
        Format::SendGridCsv => {
            c.has_esp = true;
            let mut rd = csv::ReaderBuilder::new().flexible(true).from_reader(r);
            let headers: Vec<String> = rd
                .headers()
                .map(|h| h.iter().map(|s| s.trim().to_ascii_lowercase()).collect())
                .unwrap_or_default();
            let mut rec = csv::StringRecord::new();
            loop {
                match rd.read_record(&mut rec) {
                    Ok(true) => {
                        summary.lines += 1;
                        let get = |k: &str| {
                            headers
                                .iter()
                                .position(|h| h == k)
                                .and_then(|i| rec.get(i))
                                .map(str::to_string)
                                .filter(|s| !s.is_empty())
                        };
                        match esp::csv_event(&get) {
                            Some(e) => {
                                let raw: Vec<u8> =
                                    rec.iter().collect::<Vec<_>>().join(",").into_bytes();
                                c.esp.apply(Flavor::SendGrid, &e, &raw);
                            }
                            None => {
                                let raw = rec.iter().collect::<Vec<_>>().join(",");
                                c.unparsed("csv", raw.as_bytes(), &mut summary);
                            }
                        }
                    }
                    Ok(false) => break,
                    Err(e) => {
                        c.unparsed("csv", e.to_string().as_bytes(), &mut summary);
                        if !matches!(
                            e.kind(),
                            csv::ErrorKind::Utf8 { .. } | csv::ErrorKind::UnequalLengths { .. }
                        ) {
                            break;
                        }
                    }
                }
            }
        }
        Format::Arf => {
            let data = read_all(&mut r, 16 << 20)?;
            summary.lines = 1;
            match arf::parse(&data) {
                Some(cpl) => {
                    let a = &mut c.arf;
                    a.reports += 1;
                    *a.by_type.entry(cpl.feedback_type.clone()).or_default() += 1;
                    // per recipient (one empty domain when the report names none)
                    let domains: Vec<String> = match cpl.recipients.as_slice() {
                        [] => vec![String::new()],
                        rs => rs
                            .iter()
                            .map(|r| {
                                r.rsplit_once('@')
                                    .map(|x| x.1.to_ascii_lowercase())
                                    .unwrap_or_default()
                            })
                            .collect(),
                    };
                    for dom in domains {
                        *a.by_provider
                            .entry(report::esp_provider(&dom).to_string())
                            .or_default() += 1;
                        *a.by_domain.entry(dom).or_default() += 1;
                    }
                    *a.by_reporter.entry(cpl.reporter.clone()).or_default() += 1;
                }
                None => c.unparsed("arf", &data[..data.len().min(200)], &mut summary),
            }
        }
    }
    c.inputs.push(summary);
    Ok(())
}

/// Run `journalctl -o json` for the mail units and read its output (`--journal`).
fn read_journalctl(c: &mut Collector, since: Option<&str>, until: Option<&str>) -> io::Result<()> {
    use std::process::{Command, Stdio};
    let mut child = Command::new("journalctl")
        .args(journal::command_args(since, until))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| io::Error::other("no stdout"))?;
    let mut summary = InputSummary {
        file: "journalctl".into(),
        format: Format::Journal.as_str().into(),
        ..Default::default()
    };
    c.has_mta = true;
    let mut years = YearInference::new(time::current_year());
    let mut prev = None;
    let read = for_each_line_threaded(io::BufReader::with_capacity(1 << 20, stdout), |l, t| {
        c.journal_line(l, t, &mut years, &mut prev, &mut summary)
    });
    let out = child.wait_with_output()?;
    read?;
    if !out.status.success() {
        let msg = String::from_utf8_lossy(&out.stderr);
        let msg = msg.trim();
        let msg = if msg.is_empty() { "failed" } else { msg };
        return Err(io::Error::other(format!(
            "{} ({})",
            &msg[..msg.len().min(300)],
            out.status
        )));
    }
    c.inputs.push(summary);
    Ok(())
}

/// The year of the first line of a BSD-syslog log: the year of the file's modification time,
/// minus one when the first line's month is later than the modification month (the log started
/// last year).
fn initial_year(head: &[u8], mtime: Option<i64>) -> i64 {
    let (y, m, _) = match mtime {
        Some(t) => time::civil_from_days(t.div_euclid(86400)),
        None => return time::current_year(),
    };
    let first_month = std::str::from_utf8(&head[..head.len().min(4096)])
        .ok()
        .and_then(|s| s.lines().find_map(syslog::header))
        .and_then(|h| match h.stamp {
            Stamp::Bsd(s) => Some(s.month),
            Stamp::Unix(_) => None,
        });
    match first_month {
        Some(fm) if fm > m => y - 1,
        _ => y,
    }
}

/// A key to order MTA files by their first timestamp (BSD stamps compare by month/day/time).
fn first_stamp(f: &InputFile) -> (i64, i64) {
    let Ok((mut r, _)) = open(&f.path) else {
        return (i64::MAX, 0);
    };
    let Ok(head) = r.fill_buf() else {
        return (i64::MAX, 0);
    };
    let head = &head[..head.len().min(8192)];
    let text = String::from_utf8_lossy(head);
    for l in text.lines().take(50) {
        if let Some(h) = syslog::header(l) {
            return match h.stamp {
                Stamp::Unix(t) => (0, t),
                Stamp::Bsd(s) => (1, (s.month as i64 * 32 + s.day as i64) * 86400 + s.secs),
            };
        }
        if let Some((t, _)) = exim::split(l) {
            return (0, t);
        }
    }
    (i64::MAX, 0)
}

/// Decode the `--bounces` files (the bounce auditor) before the logs are read: the failures
/// they hold are looked for among the log's deliveries.
fn read_bounces(c: &mut Collector, paths: &[PathBuf]) {
    if paths.is_empty() {
        return;
    }
    let mut errors = Vec::new();
    for f in collect(paths, &mut errors) {
        let data = open(&f.path).and_then(|(mut r, _)| read_all(&mut r, 256 << 20));
        match data {
            Ok(d) => c
                .mta
                .late
                .add_outcomes(crate::bounce::decode_file_bytes(&f.name, &d)),
            Err(e) => errors.push(format!("{}: {e}", f.name)),
        }
    }
    c.problems
        .errors
        .extend(errors.into_iter().map(|e| format!("--bounces {e}")));
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
