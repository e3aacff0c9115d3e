//! The reader driver: one input (file, gzip, stdin) or `journalctl` into the collector, by
//! format; the first year and first timestamp of a log; the `--bounces` files.

use std::io::{self, BufRead, Read};
use std::path::PathBuf;

use crate::input::{InputFile, collect};

use super::collector::Collector;
use super::esp::{self, Flavor};
use super::lines::{for_each_chunk_threaded, for_each_line, for_each_line_threaded};
use super::parallel::Parallel;
use super::report::{self, InputSummary};
use super::syslog::{self, Stamp};
use super::time::{self, YearInference};
use super::{Format, arf, detect, exim, journal, open};

pub(super) fn read_all(r: &mut dyn Read, limit: u64) -> io::Result<Vec<u8>> {
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
pub(super) fn read_journalctl(
    c: &mut Collector,
    since: Option<&str>,
    until: Option<&str>,
) -> io::Result<()> {
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
pub(super) fn first_stamp(f: &InputFile) -> (i64, i64) {
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
pub(super) fn read_bounces(c: &mut Collector, paths: &[PathBuf]) {
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
