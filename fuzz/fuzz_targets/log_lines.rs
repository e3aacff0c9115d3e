//! Fuzz the MTA log line parsers one line at a time: every line of the input, as bytes made
//! text, goes through the syslog header and each dialect's parser (Postfix, Sendmail with its
//! recipient lists and expiry notices, Exim with and without its time, OpenSMTPD with its
//! session state) and the `journalctl -o json` record reader, whose line goes through the
//! dialects again. Nothing may panic; whatever a parser returns must be usable.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mailsift::__bench::logs::{exim, journal, opensmtpd, postfix, sendmail, syslog};

fn dialects(line: &str, smtpd: &mut opensmtpd::Parser) {
    if let Some(h) = syslog::header(line) {
        let _ = format!("{:?}", postfix::parse(h.program, h.pid, h.message));
        let _ = format!("{:?}", sendmail::parse(h.pid, h.message));
        let _ = sendmail::is_expiry_notice(h.message);
        let _ = format!("{:?}", smtpd.parse(h.message));
        let _ = format!("{:?}", exim::parse(h.message));
        let rest = h.message.split_once(": ").map(|x| x.1).unwrap_or(h.message);
        for rcpt in sendmail::recipients(rest) {
            let _ = format!("{:?}", sendmail::delivery("Q", h.pid, rcpt, rest));
        }
    }
    // the message part alone, as each parser would see it
    let _ = format!("{:?}", postfix::parse("postfix/smtp", 1, line));
    let _ = format!("{:?}", postfix::parse("postfix/qmgr", 1, line));
    let _ = format!("{:?}", sendmail::parse(1, line));
    let _ = format!("{:?}", smtpd.parse(line));
    if let Some((_, rest)) = exim::split(line) {
        let _ = format!("{:?}", exim::parse(rest));
    }
    let _ = format!("{:?}", exim::parse(line));
}

fuzz_target!(|data: &[u8]| {
    let mut smtpd = opensmtpd::Parser::default();
    for raw in data.split(|&b| b == b'\n') {
        let line = String::from_utf8_lossy(raw);
        dialects(&line, &mut smtpd);
        if let Some(l) = journal::to_syslog_line(&line) {
            assert!(!l.contains('\n'), "a journal record is one line");
            dialects(&l, &mut smtpd);
        }
    }
});
