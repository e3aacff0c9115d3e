//! DNS stage benchmark: 20,000 unique domains against an in-process DNS server on 127.0.0.1
//! that counts queries (the same server as the integration tests).
//!
//! - criterion group `dns/20k`: a fresh `DnsStage` resolves 20,000 domains (MX, then A and
//!   AAAA of 50 shared MX hosts) per iteration.
//! - then, once, side by side: the number of queries the server received against the number of
//!   names that had to be resolved (must be equal: no duplicate queries), and email-validator's
//!   deliverability check (`validate_email(..., check_deliverability=True)` with a dnspython
//!   resolver pointed at the same server) on 2,000 of the domains, if `python3 -c "import
//!   email_validator"` works. The ratio is printed per domain.
//!
//! Run with `cargo bench --bench dns`. Traffic goes to 127.0.0.1 only.

use mailsift_testkit::dns_server;

use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mailsift::dns::{DnsConfig, DnsStage};

const DOMAINS: usize = 20_000;
const HOSTS: usize = 50;

fn zone() -> String {
    let mut z = String::new();
    for i in 0..DOMAINS {
        z.push_str(&format!(
            "d{i}.benchzone.net MX 10 mx{}.hosts.test\n",
            i % HOSTS
        ));
    }
    for j in 0..HOSTS {
        z.push_str(&format!("mx{j}.hosts.test A 127.0.0.1\n"));
    }
    z
}

fn domains() -> Vec<String> {
    (0..DOMAINS)
        .map(|i| format!("d{i}.benchzone.net"))
        .collect()
}

fn stage(server: &dns_server::DnsServer) -> DnsStage {
    DnsStage::new(
        &DnsConfig {
            servers: vec![server.addr],
            timeout: Duration::from_secs(2),
            retries: 1,
            concurrency: 256,
        },
        None,
    )
    .expect("stage")
}

fn bench(c: &mut Criterion) {
    let server = dns_server::DnsServer::start(&zone());
    let names = domains();
    let mut g = c.benchmark_group("dns");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    g.throughput(Throughput::Elements(DOMAINS as u64));
    g.bench_function("20k", |b| {
        b.iter(|| {
            let st = stage(&server);
            let ev = st.resolve_all(&names);
            assert_eq!(ev.len(), DOMAINS);
        })
    });
    g.finish();

    // One counted run on a fresh server.
    let server = dns_server::DnsServer::start(&zone());
    let st = stage(&server);
    let t = Instant::now();
    let ev = st.resolve_all(&names);
    let ours = t.elapsed();
    let routed = ev.iter().filter(|e| e.route.reason().is_none()).count();
    let expected = DOMAINS + 2 * HOSTS;
    println!(
        "mailsift: {DOMAINS} domains in {:.3} s ({:.0} domains/s), {routed} routed; \
         queries received {} / names to resolve {expected}; repeated: {}",
        ours.as_secs_f64(),
        DOMAINS as f64 / ours.as_secs_f64(),
        server.total(),
        server.repeated().len()
    );
    if !server.repeated().is_empty() {
        println!("repeated: {:?}", server.repeated());
    }
    assert_eq!(
        server.total() as usize,
        expected,
        "each name queried exactly once"
    );
    assert_eq!(routed, DOMAINS);

    let py = format!(
        r#"
import sys, time
import dns.resolver
from email_validator import validate_email
r = dns.resolver.Resolver(configure=False)
r.nameservers = ['127.0.0.1']
r.port = {port}
r.timeout = r.lifetime = 2
n = 2000
t = time.perf_counter()
ok = 0
for i in range(n):
    try:
        validate_email('user@d%d.benchzone.net' % i, check_deliverability=True, dns_resolver=r,
                       test_environment=False, globally_deliverable=False)
        ok += 1
    except Exception as e:
        pass
dt = time.perf_counter() - t
print('%d %f' % (ok, dt))
"#,
        port = server.addr.port()
    );
    match std::process::Command::new("python3")
        .arg("-c")
        .arg(&py)
        .output()
    {
        Ok(o) if o.status.success() => {
            let s = String::from_utf8_lossy(&o.stdout);
            let mut it = s.split_whitespace();
            let ok: usize = it.next().and_then(|x| x.parse().ok()).unwrap_or(0);
            let secs: f64 = it.next().and_then(|x| x.parse().ok()).unwrap_or(f64::NAN);
            let theirs_per = secs / 2000.0;
            let ours_per = ours.as_secs_f64() / DOMAINS as f64;
            println!(
                "email-validator: 2000 domains in {secs:.3} s ({:.0} domains/s), {ok} accepted; \
                 mailsift is {:.1}x faster per domain",
                2000.0 / secs,
                theirs_per / ours_per
            );
        }
        Ok(o) => println!(
            "email-validator comparison skipped: {}",
            String::from_utf8_lossy(&o.stderr)
                .lines()
                .last()
                .unwrap_or("")
        ),
        Err(e) => println!("email-validator comparison skipped: {e}"),
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
