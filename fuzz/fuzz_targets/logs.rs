//! Fuzz the log line parsers and the joins: any bytes, read as a Postfix/Sendmail syslog, an
//! Exim main log, ESP JSON lines of every flavor and an ARF message, must never panic, and the
//! report built from them must render (text, HTML, JSON).
#![no_main]

use libfuzzer_sys::fuzz_target;
use mailsift::__bench::logs::{arf, esp};
use mailsift::logs::{self, output};

fuzz_target!(|data: &[u8]| {
    let _ = logs::detect(data);
    for exim in [false, true] {
        let r = logs::report_from_bytes(data, exim, 2024);
        let _ = output::text::render(&r);
        let html = output::html::render(&r);
        assert!(!html.contains("<script"));
        let _ = serde_json::to_string(&r).expect("report serialises");
    }
    for line in data.split(|&b| b == b'\n') {
        if let Ok(s) = std::str::from_utf8(line) {
            for f in [esp::Flavor::SendGrid, esp::Flavor::Mailgun, esp::Flavor::Ses, esp::Flavor::Postmark] {
                let _ = esp::parse_record(f, s, &mut |e| {
                    let _ = e.kind;
                });
            }
        }
    }
    let _ = arf::parse(data);
});
