//! Benchmark input generator (no dependencies outside std): a Postfix syslog of outbound mail
//! in the shape real servers log it (smtpd/pickup injection, cleanup, qmgr, TLS, smtp delivery
//! with sent/deferred/bounced, retries, bounce notices, `removed`, inbound rejects), or a
//! SendGrid event-webhook JSONL export. Deterministic for a given seed.
//!
//! ```text
//! cargo run --release --example gen_logs -- postfix 1000000 > mail.log
//! cargo run --release --example gen_logs -- sendgrid 1000000 > events.jsonl
//! ```

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io::{self, Write};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn f(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const MON: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const DOMAINS: [(&str, &str, &str); 8] = [
    ("gmail.com", "gmail-smtp-in.l.google.com", "142.250.153.27"),
    ("yahoo.com", "mta5.am0.yahoodns.net", "67.195.204.72"),
    (
        "hotmail.com",
        "hotmail-com.olc.protection.outlook.com",
        "52.101.8.41",
    ),
    (
        "outlook.com",
        "outlook-com.olc.protection.outlook.com",
        "52.101.40.7",
    ),
    ("icloud.com", "mx01.mail.icloud.com", "17.57.154.33"),
    ("aol.com", "mta6.am0.yahoodns.net", "98.136.96.75"),
    ("gmx.de", "mx00.emig.gmx.net", "212.227.15.9"),
    ("web.de", "mx-ha02.web.de", "212.227.17.8"),
];

fn stamp(t: f64) -> String {
    // 2024-03-11 00:00:00 UTC is day 19793; March has 31 days (enough for benchmarks)
    let s = t as i64;
    let day = 11 + s / 86400;
    let (mon, day) = if day > 31 { (3, day - 31) } else { (2, day) };
    format!(
        "{} {:>2} {:02}:{:02}:{:02} mta1 ",
        MON[mon],
        day,
        s / 3600 % 24,
        s / 60 % 60,
        s % 60
    )
}

struct Out {
    heap: BinaryHeap<Reverse<(u64, u64, String)>>,
    seq: u64,
}

impl Out {
    fn emit(&mut self, t: f64, text: String) {
        self.seq += 1;
        self.heap.push(Reverse(((t * 1e6) as u64, self.seq, text)));
    }
    fn flush(&mut self, upto: f64, w: &mut impl Write) -> io::Result<()> {
        while let Some(Reverse((t, _, _))) = self.heap.peek() {
            if *t as f64 / 1e6 > upto {
                break;
            }
            let Reverse((t, _, text)) = self.heap.pop().expect("peeked");
            w.write_all(stamp(t as f64 / 1e6).as_bytes())?;
            w.write_all(text.as_bytes())?;
            w.write_all(b"\n")?;
        }
        Ok(())
    }
}

/// Write a Postfix syslog of `n` outbound messages (deterministic).
pub fn postfix(n: usize, w: &mut impl Write) -> io::Result<()> {
    let mut r = Rng(0x9E37_79B9_7F4A_7C15);
    let mut o = Out {
        heap: BinaryHeap::new(),
        seq: 0,
    };
    let step = 86400.0 / n as f64;
    let mut ino: u64 = 0x10000;
    for i in 0..n {
        let t = i as f64 * step + r.f() * step;
        o.flush(t, w)?;
        ino += 1 + r.below(3) as u64;
        let q = format!(
            "{:05X}{:X}",
            (t.fract() * 1e6) as u64 & 0xFFFFF,
            ino & 0xFFFFFF
        );
        let pid = 20000 + r.below(20000);
        let camp = format!("c{:03}", i % 12);
        o.emit(t, format!("postfix/submission/smtpd[{pid}]: {q}: client=app1.example-sender.com[10.20.0.11], sasl_method=PLAIN, sasl_username=mailer"));
        o.emit(
            t + 0.002,
            format!(
                "postfix/cleanup[3{}]: {q}: message-id=<{i}.{camp}@example-sender.com>",
                pid % 1000
            ),
        );
        let nrcpt = if r.f() < 0.85 { 1 } else { 2 + r.below(3) };
        let size = 2000 + r.below(60000);
        o.emit(t + 0.004, format!("postfix/qmgr[1000]: {q}: from=<bounces+{camp}@news.example-sender.com>, size={size}, nrcpt={nrcpt} (queue active)"));
        let mut last = t + 0.01;
        let mut bounced = false;
        for k in 0..nrcpt {
            let (dom, mx, ip) = DOMAINS[r.below(DOMAINS.len())];
            let rcpt = format!("user{}.{}@{dom}", r.below(500_000), k);
            let spid = 40000 + r.below(60);
            let mut tt = t + 0.2 + r.f();
            o.emit(tt - 0.1, format!("postfix/smtp[{spid}]: Verified TLS connection established to {mx}[{ip}]:25: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)"));
            let x = r.f();
            if x < 0.03 {
                o.emit(tt, format!("postfix/smtp[{spid}]: {q}: to=<{rcpt}>, relay={mx}[{ip}]:25, delay=0.9, delays=0.1/0/0.3/0.5, dsn=4.7.28, status=deferred (host {mx}[{ip}] said: 421-4.7.28 unusual rate of unsolicited mail (in reply to end of DATA command))"));
                tt += 300.0 + r.f() * 60.0;
                o.emit(tt - 0.1, format!("postfix/smtp[{spid}]: Verified TLS connection established to {mx}[{ip}]:25: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)"));
            }
            if x < 0.02 || (0.03..0.05).contains(&x) {
                bounced = true;
                o.emit(tt, format!("postfix/smtp[{spid}]: {q}: to=<{rcpt}>, relay={mx}[{ip}]:25, delay={:.0}, delays=0.1/0/0.3/0, dsn=5.1.1, status=bounced (host {mx}[{ip}] said: 550 5.1.1 <{rcpt}>: user unknown (in reply to RCPT TO command))", tt - t));
            } else {
                o.emit(tt, format!("postfix/smtp[{spid}]: {q}: to=<{rcpt}>, relay={mx}[{ip}]:25, delay={:.2}, delays=0.1/0/0.3/0.5, dsn=2.0.0, status=sent (250 2.0.0 OK {} - gsmtp)", tt - t, r.next()));
            }
            last = last.max(tt);
        }
        if bounced {
            ino += 1;
            let nq = format!(
                "{:05X}{:X}",
                ((last.fract() * 1e6) as u64 + 1) & 0xFFFFF,
                ino & 0xFFFFFF
            );
            o.emit(
                last + 0.01,
                format!("postfix/cleanup[30001]: {nq}: message-id=<{nq}@mta1.example-sender.com>"),
            );
            o.emit(
                last + 0.011,
                format!("postfix/bounce[5000]: {q}: sender non-delivery notification: {nq}"),
            );
            o.emit(
                last + 0.012,
                format!("postfix/qmgr[1000]: {nq}: from=<>, size=3000, nrcpt=1 (queue active)"),
            );
            o.emit(last + 0.05, format!("postfix/pipe[6000]: {nq}: to=<bounces+{camp}@news.example-sender.com>, relay=bounce-processor, delay=0.04, delays=0/0/0/0.04, dsn=2.0.0, status=sent (delivered via bounce-processor service)"));
            o.emit(last + 0.06, format!("postfix/qmgr[1000]: {nq}: removed"));
        }
        o.emit(last + 0.02, format!("postfix/qmgr[1000]: {q}: removed"));
        if r.f() < 0.02 {
            o.emit(t + 0.5, format!("postfix/smtpd[{pid}]: NOQUEUE: reject: RCPT from unknown[198.51.100.{}]: 554 5.7.1 Service unavailable; Client host blocked using zen.spamhaus.org; from=<spam@bulk.example> to=<info@example-sender.com> proto=ESMTP helo=<x>", r.below(250)));
        }
    }
    o.flush(f64::MAX, w)
}

/// Write a SendGrid event-webhook JSONL export for `n` messages (deterministic).
pub fn sendgrid(n: usize, w: &mut impl Write) -> io::Result<()> {
    let mut r = Rng(0xD1B5_4A32_D192_ED03);
    let mut id = 0u64;
    let mut i = 0;
    while i < n {
        let (dom, _, _) = DOMAINS[r.below(DOMAINS.len())];
        let email = format!("user{}@{dom}", r.below(1_000_000));
        let msg = format!("{:016x}.filter0001.{}.0", r.next(), i);
        let t = 1_711_974_862 + i as u64 / 10;
        let camp = format!("cmp-{:03}", i % 7);
        let mut ev = vec!["processed", "delivered"];
        let x = r.f();
        if x < 0.02 {
            ev[1] = "bounce";
        } else if x < 0.4 {
            ev.push("open");
            if x < 0.1 {
                ev.push("click");
            }
        }
        for e in ev {
            id += 1;
            let extra = match e {
                "bounce" => r#","type":"bounce","status":"5.1.1","reason":"550 5.1.1 user unknown","bounce_classification":"Invalid Address""#.to_string(),
                "open" => format!(r#","sg_machine_open":{},"useragent":"Mozilla/5.0""#, x < 0.2),
                "click" => r#","url":"https://shop.example/p/1""#.to_string(),
                _ => String::new(),
            };
            writeln!(
                w,
                r#"{{"email":"{email}","timestamp":{t},"smtp-id":"<{msg}@ismtpd>","event":"{e}","category":["marketing","{camp}"],"sg_event_id":"ev{id:020}","sg_message_id":"{msg}","marketing_campaign_name":"{camp}"{extra}}}"#
            )?;
            i += 1;
        }
    }
    Ok(())
}
