//! The collector: everything a run reads (MTA join, ESP join, ARF reports, problems, per-input
//! summaries), fed one line, record or chunk at a time by the readers in [`super::read`].

use super::esp::{self, Flavor};
use super::events::EspJoin;
use super::join::Join;
use super::parallel::{Parallel, esp_parse, parallel_chunk, pre_parse};
use super::report::{ArfReport, InputSummary, Problems};
use super::syslog::{self, Event, Header, Stamp};
use super::time::YearInference;
use super::{exim, journal, opensmtpd, postfix, sendmail};

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
    pub(super) fn unparsed(&mut self, program: &str, line: &[u8], summary: &mut InputSummary) {
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
    pub(super) fn syslog_chunk(
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
    pub(super) fn esp_chunk<'t>(
        &mut self,
        flavor: Flavor,
        text: &'t str,
        par: &mut Parallel,
        summary: &mut InputSummary,
    ) {
        let parse = move |l: &'t str| esp_parse(flavor, l);
        parallel_chunk(text, par, parse, |l, (fl, ok, (first, more))| {
            summary.lines += 1;
            let t = l.trim();
            if t.is_empty() {
                return;
            }
            for e in first.iter().chain(&more) {
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
