//! SMTP scheduler benchmark: 50 domains x 40 recipients, each domain's MX an in-process scripted
//! server on its own loopback address (127.0.1.1 ... 127.0.1.50, one port) that waits 20 ms
//! before every reply and counts sessions and connections open at once.
//!
//! - criterion group `smtp/50x40`: one scheduler probes all 2,000 recipients (plus one catch-all
//!   probe per domain) per iteration.
//! - then, once: per host, sessions against ceil(recipients / batch) and the most connections
//!   open at once against the per-host limit (both asserted), and the wall time against the
//!   ideal for the limits: per host, the sum over its sessions of (banner + EHLO + MAIL FROM +
//!   RCPTs + QUIT) replies x 20 ms, hosts in parallel.
//!
//! Run with `cargo bench --bench smtp`. Traffic goes to 127.0.0.0/8 only.

use mailsift_testkit::smtp_server;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mailsift::__bench::smtp::{DomainJob, Scheduler};
use mailsift::model::Reason;
use mailsift::smtp::{ProbeSettings, SessionConfig, Timeouts};
use smtp_server::{Script, Server, start};

const DOMAINS: usize = 50;
const RCPTS: usize = 40;
const LATENCY: Duration = Duration::from_millis(20);
const BATCH: usize = 20;
const PER_HOST: usize = 1;

fn servers() -> Vec<Server> {
    let users: Vec<String> = (0..RCPTS).map(|i| format!("user{i}")).collect();
    let mut out: Vec<Server> = Vec::new();
    let mut port = 0;
    for d in 0..DOMAINS {
        let ip = Ipv4Addr::new(127, 0, 1, d as u8 + 1);
        let s = start(Script {
            bind: SocketAddr::new(IpAddr::V4(ip), port),
            users: users.clone(),
            latency: LATENCY,
            ..Script::default()
        });
        port = s.addr.port();
        out.push(s);
    }
    out
}

fn jobs(servers: &[Server]) -> Vec<DomainJob> {
    servers
        .iter()
        .enumerate()
        .map(|(d, s)| DomainJob {
            domain: format!("d{d}.bench.test"),
            hosts: vec![(format!("mx.d{d}.bench.test"), vec![s.addr.ip()])],
            recipients: (0..RCPTS)
                .map(|i| format!("user{i}@d{d}.bench.test"))
                .collect(),
            catch_all: None,
        })
        .collect()
}

fn settings(port: u16) -> ProbeSettings {
    ProbeSettings {
        session: SessionConfig {
            helo: "probe.mailsift.test".into(),
            mail_from: "verify@mailsift.test".into(),
            starttls: false,
        },
        port,
        timeouts: Timeouts {
            connect: Duration::from_secs(2),
            banner: Duration::from_secs(2),
            reply: Duration::from_secs(2),
        },
        per_host: PER_HOST,
        rate: None,
        batch: BATCH,
        concurrency: 256,
        ..ProbeSettings::default()
    }
}

fn run_all(rt: &tokio::runtime::Runtime, port: u16, jobs: Vec<DomainJob>) -> (usize, Duration) {
    let s = Arc::new(Scheduler::new(settings(port)));
    let t = Instant::now();
    let accepted = rt.block_on(async {
        let hs: Vec<_> = jobs
            .into_iter()
            .map(|j| {
                let s = s.clone();
                tokio::spawn(async move { s.probe_domain(j, &|_| {}).await })
            })
            .collect();
        let mut n = 0;
        for h in hs {
            let r = h.await.expect("domain task");
            n += r
                .outcomes
                .iter()
                .filter(|(_, o)| o.reason == Reason::Accepted)
                .count();
        }
        n
    });
    (accepted, t.elapsed())
}

/// Replies one host must send, one after the other, for one domain's recipients.
fn ideal() -> Duration {
    let mut replies = 0;
    let mut left = RCPTS;
    let mut first = true;
    while left > 0 {
        let n = left.min(BATCH);
        left -= n;
        // banner, EHLO, MAIL FROM, RCPTs (+ the catch-all probe in the first session), QUIT
        replies += 4 + n + usize::from(first);
        first = false;
    }
    LATENCY * replies as u32
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let servers = servers();
    let port = servers[0].addr.port();
    let mut g = c.benchmark_group("smtp");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(12));
    g.throughput(Throughput::Elements((DOMAINS * RCPTS) as u64));
    g.bench_function("50x40", |b| {
        b.iter(|| run_all(&rt, port, jobs(&servers)));
    });
    g.finish();

    // One counted run on fresh servers.
    let servers = self::servers();
    let port = servers[0].addr.port();
    let (accepted, wall) = run_all(&rt, port, jobs(&servers));
    assert_eq!(accepted, DOMAINS * RCPTS, "every recipient accepted");
    let bound = RCPTS.div_ceil(BATCH);
    for s in &servers {
        let sessions = s.seen.sessions.load(Ordering::SeqCst);
        let max_open = s.seen.max_open.load(Ordering::SeqCst);
        assert!(
            sessions <= bound,
            "{}: {sessions} sessions > {bound}",
            s.addr
        );
        assert!(
            max_open <= PER_HOST,
            "{}: {max_open} open > {PER_HOST}",
            s.addr
        );
        assert!(s.seen.commands().iter().all(|c| c != "DATA"), "never DATA");
    }
    let total: usize = servers
        .iter()
        .map(|s| s.seen.sessions.load(Ordering::SeqCst))
        .sum();
    let ideal = ideal();
    println!(
        "smtp 50x40: {accepted} recipients accepted; sessions {total} (<= {bound} per host, \
         {} hosts); max connections per host {}; wall {:.3}s vs ideal {:.3}s ({:.2}x); \
         {:.0} recipients/s",
        servers.len(),
        servers
            .iter()
            .map(|s| s.seen.max_open.load(Ordering::SeqCst))
            .max()
            .unwrap_or(0),
        wall.as_secs_f64(),
        ideal.as_secs_f64(),
        wall.as_secs_f64() / ideal.as_secs_f64(),
        accepted as f64 / wall.as_secs_f64()
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
