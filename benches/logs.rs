//! Line-parser and join throughput of `mailsift logs` on the committed test logs (Postfix,
//! Exim, Sendmail syslog lines; SendGrid JSON lines) and the whole report on a Postfix log.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mailsift::__bench::logs::{esp, exim, postfix, sendmail, syslog};
use mailsift::logs;

const POSTFIX: &str = include_str!("../tests/data/logs/postfix-300.mail.log");
const EXIM: &str = include_str!("../tests/data/logs/exim-300.mainlog");
const SENDMAIL: &str = include_str!("../tests/data/logs/sendmail-300.log");
const SENDGRID: &str = include_str!("../tests/data/logs/events-sendgrid-150x3.jsonl");

fn parsers(c: &mut Criterion) {
    let mut g = c.benchmark_group("logs_parse");
    g.throughput(Throughput::Bytes(POSTFIX.len() as u64));
    g.bench_function("postfix_lines", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for l in POSTFIX.lines() {
                if let Some(h) = syslog::header(l) {
                    let e = postfix::parse(h.program, h.pid, h.message);
                    n += matches!(e, syslog::Event::Delivery(_)) as usize;
                }
            }
            black_box(n)
        })
    });
    g.throughput(Throughput::Bytes(EXIM.len() as u64));
    g.bench_function("exim_lines", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for l in EXIM.lines() {
                if let Some((_, rest)) = exim::split(l) {
                    n += matches!(exim::parse(rest), syslog::Event::Delivery(_)) as usize;
                }
            }
            black_box(n)
        })
    });
    g.throughput(Throughput::Bytes(SENDMAIL.len() as u64));
    g.bench_function("sendmail_lines", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for l in SENDMAIL.lines() {
                if let Some(h) = syslog::header(l) {
                    n += matches!(
                        sendmail::parse(h.pid, h.message),
                        syslog::Event::Delivery(_)
                    ) as usize;
                }
            }
            black_box(n)
        })
    });
    g.throughput(Throughput::Elements(SENDGRID.lines().count() as u64));
    g.bench_function("sendgrid_json_lines", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for l in SENDGRID.lines() {
                esp::parse_record(esp::Flavor::SendGrid, l, &mut |_| n += 1);
            }
            black_box(n)
        })
    });
    g.finish();
    let mut g = c.benchmark_group("logs_report");
    g.throughput(Throughput::Bytes(POSTFIX.len() as u64));
    g.bench_function("postfix_join_and_report", |b| {
        b.iter(|| black_box(logs::report_from_bytes(POSTFIX.as_bytes(), false, 2024)))
    });
    g.finish();
}

criterion_group!(benches, parsers);
criterion_main!(benches);
