//! The DNS stage against the in-process server: every case kind of the testnet's
//! `dns-expected.csv`, misbehaving servers, single-flight caching and a dead resolver.

use std::time::{Duration, Instant};

use hickory_proto::rr::RecordType;
use mailsift::address::{AnalyzeOptions, SyntaxPolicy, analyze};
use mailsift::dns::{DnsConfig, DnsStage};
use mailsift::model::{AddressRecord, MailRoute, Reason, Verdict};
use mailsift::stage::Stage;

use super::support::run;
use mailsift_testkit::dns_server::DnsServer;

/// Zones mirroring ../shared/testnet/dns-expected.csv, plus misbehaviour cases.
pub const ZONE: &str = "
ok.test MX 10 mx1.ok.test
ok.test MX 20 mx2.ok.test
mx1.ok.test A 127.0.0.10
mx2.ok.test A 127.0.0.11
mx6.ok.test AAAA ::1
implicit.test A 127.0.0.10
v6only.test AAAA ::1
nullmx.test MX 0 .
nullmx.test A 127.0.0.10
nomail.test TXT v=spf1 -all
cname-mx.test MX 10 mail.cname-mx.test
mail.cname-mx.test CNAME mx1.ok.test
dangling.test MX 10 mx.dangling.test
nodata-mx.test MX 10 mx.nodata-mx.test
mx.nodata-mx.test TXT no address here
fallback.test MX 10 mx.refused.test
fallback.test MX 20 mx1.ok.test
mx.refused.test A 127.0.0.17
shared-a.test MX 10 mx1.ok.test
shared-b.test MX 10 mx1.ok.test
shared-c.test MX 5 mx2.ok.test
shared-c.test MX 10 mx1.ok.test
gmail.com MX 5 gmail-smtp-in.l.google.com
gmail-smtp-in.l.google.com A 192.0.2.25
timeout.test BEHAVIOR drop
servfail.test BEHAVIOR servfail
garbage.test BEHAVIOR garbage
slow.test BEHAVIOR slow 3000
big.test BEHAVIOR truncate
big.test MX 10 mx1.ok.test
xn--bcher-kva.test MX 10 mx1.ok.test
lame.test BEHAVIOR servfail
";

fn opts() -> AnalyzeOptions {
    AnalyzeOptions {
        syntax: SyntaxPolicy {
            allow_special_use_domains: true,
            ..SyntaxPolicy::default()
        },
        ..AnalyzeOptions::default()
    }
}

fn stage(server: &DnsServer, timeout_ms: u64) -> DnsStage {
    let cfg = DnsConfig {
        servers: vec![server.addr],
        timeout: Duration::from_millis(timeout_ms),
        retries: 1,
        concurrency: 64,
    };
    DnsStage::new(&cfg, None).expect("stage")
}

fn check(stage: &DnsStage, addrs: &[&str]) -> Vec<AddressRecord> {
    let mut recs: Vec<AddressRecord> = addrs
        .iter()
        .enumerate()
        .map(|(i, a)| analyze(i as u64 + 1, a, &opts()))
        .collect();
    let mut refs: Vec<&mut AddressRecord> = recs.iter_mut().collect();
    stage.process(&mut refs);
    recs
}

#[test]
fn every_case_kind() {
    let server = DnsServer::start(ZONE);
    let st = stage(&server, 400);
    let recs = check(
        &st,
        &[
            "a@ok.test",
            "a@implicit.test",
            "a@v6only.test",
            "a@nullmx.test",
            "a@nomail.test",
            "a@nope.test",
            "a@sub.ok.test",
            "a@cname-mx.test",
            "a@dangling.test",
            "a@nodata-mx.test",
            "a@fallback.test",
            "a@timeout.test",
            "a@servfail.test",
            "a@garbage.test",
            "a@big.test",
            "a@bücher.test",
            "a@gmial.com",
            "a@lame.test",
        ],
    );
    let by = |d: &str| {
        recs.iter()
            .find(|r| r.input.ends_with(&format!("@{d}")))
            .unwrap()
    };
    // ok.test: both MX hosts, sorted, with addresses
    let ok = by("ok.test");
    assert_eq!(ok.reason, Reason::NotChecked);
    let hosts = ok.dns.as_ref().unwrap().route.hosts();
    assert_eq!(hosts.len(), 2);
    assert_eq!(
        (hosts[0].host.as_str(), hosts[0].preference),
        ("mx1.ok.test", 10)
    );
    assert_eq!(hosts[1].host, "mx2.ok.test");
    assert_eq!(
        hosts[0].addresses,
        vec!["127.0.0.10".parse::<std::net::IpAddr>().unwrap()]
    );
    // implicit MX from A, and from AAAA only
    assert!(matches!(
        by("implicit.test").dns.as_ref().unwrap().route,
        MailRoute::Implicit { .. }
    ));
    assert_eq!(by("implicit.test").reason, Reason::NotChecked);
    let v6 = by("v6only.test");
    assert!(matches!(
        v6.dns.as_ref().unwrap().route,
        MailRoute::Implicit { .. }
    ));
    assert_eq!(
        v6.dns.as_ref().unwrap().route.hosts()[0].addresses[0].to_string(),
        "::1"
    );
    // definite answers
    assert_eq!(by("nullmx.test").reason, Reason::NullMx);
    assert_eq!(by("nullmx.test").verdict, Verdict::Undeliverable);
    assert_eq!(by("nomail.test").reason, Reason::NoMailServer);
    assert_eq!(by("nope.test").reason, Reason::InvalidDomain);
    assert_eq!(by("sub.ok.test").reason, Reason::InvalidDomain);
    assert_eq!(by("dangling.test").reason, Reason::NoMailServer);
    assert_eq!(
        by("dangling.test").dns.as_ref().unwrap().route,
        MailRoute::NoMailServer
    );
    assert_eq!(by("nodata-mx.test").reason, Reason::NoMailServer);
    // CNAME target: usable, flagged
    let c = by("cname-mx.test");
    assert_eq!(c.reason, Reason::NotChecked);
    assert!(c.dns.as_ref().unwrap().route.hosts()[0].cname);
    assert!(
        !c.dns.as_ref().unwrap().route.hosts()[0]
            .addresses
            .is_empty()
    );
    // every MX host is kept for fallback, in preference order
    let f = by("fallback.test")
        .dns
        .as_ref()
        .unwrap()
        .route
        .hosts()
        .to_vec();
    assert_eq!(
        f.iter().map(|h| h.host.as_str()).collect::<Vec<_>>(),
        ["mx.refused.test", "mx1.ok.test"]
    );
    // transient failures are unknown, never undeliverable
    assert_eq!(by("timeout.test").reason, Reason::DnsTimeout);
    assert_eq!(by("servfail.test").reason, Reason::DnsServfail);
    for d in ["timeout.test", "servfail.test", "garbage.test"] {
        assert_eq!(by(d).verdict, Verdict::Unknown, "{d}: {:?}", by(d).reason);
    }
    // IDN: looked up in A-label form
    let idn = by("bücher.test");
    assert_eq!(idn.dns.as_ref().unwrap().domain, "xn--bcher-kva.test");
    assert_eq!(idn.dns.as_ref().unwrap().mx_host(), Some("mx1.ok.test"));
    assert_eq!(by("gmial.com").reason, Reason::InvalidDomain);
    assert_eq!(by("lame.test").reason, Reason::DnsServfail);
    // a truncated UDP answer is retried over TCP
    assert_eq!(by("big.test").reason, Reason::NotChecked);
    assert_eq!(by("big.test").dns.as_ref().unwrap().route.hosts().len(), 1);
}

#[test]
fn slower_than_the_timeout_is_dns_timeout() {
    let server = DnsServer::start(ZONE);
    let st = stage(&server, 300);
    let t = Instant::now();
    let recs = check(&st, &["a@slow.test"]);
    assert_eq!(recs[0].reason, Reason::DnsTimeout);
    assert_eq!(recs[0].verdict, Verdict::Unknown);
    assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
}

#[test]
fn each_domain_and_mx_host_is_resolved_once() {
    let server = DnsServer::start(ZONE);
    let st = stage(&server, 1000);
    let mut addrs = Vec::new();
    for i in 0..40 {
        for d in [
            "shared-a.test",
            "shared-b.test",
            "shared-c.test",
            "ok.test",
            "nope.test",
        ] {
            addrs.push(format!("user{i}@{d}"));
        }
    }
    let refs: Vec<&str> = addrs.iter().map(String::as_str).collect();
    // two batches: the second must be served from the cache
    let a = check(&st, &refs[..100]);
    let b = check(&st, &refs[100..]);
    assert!(a.iter().chain(&b).all(|r| r.dns.is_some()));
    assert_eq!(server.repeated(), vec![], "no (name, type) asked twice");
    assert_eq!(server.count("mx1.ok.test", RecordType::A), 1);
    assert_eq!(server.count("shared-a.test", RecordType::MX), 1);
    // 5 MX queries + A and AAAA for mx1 and mx2, and the resolver's 5 probes (3 providers' MX,
    // the root, a random name; `.test` is no root-zone TLD)
    assert_eq!(server.total(), 5 + 4 + 5);
}

#[test]
fn provider_from_mx_suffix() {
    let server = DnsServer::start(ZONE);
    let st = stage(&server, 1000);
    let r = check(&st, &["someone@gmail.com"]);
    assert_eq!(r[0].dns.as_ref().unwrap().provider, Some("google"));
}

#[test]
fn dead_resolver_is_reported_once_and_fast() {
    // A port where nothing answers.
    let sock = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = sock.local_addr().unwrap().port();
    drop(sock);
    let mut args = vec![
        "check",
        "--dns",
        "",
        "--dns-timeout",
        "0.3",
        "--allow-special-use-domains",
    ];
    let server = format!("127.0.0.1:{port}");
    args[2] = &server;
    let addrs: Vec<String> = (0..30).map(|i| format!("u@d{i}.example.com")).collect();
    args.extend(addrs.iter().map(String::as_str));
    let t = Instant::now();
    let o = run(&args, b"");
    assert!(
        t.elapsed() < Duration::from_secs(8),
        "took {:?}",
        t.elapsed()
    );
    // Degraded: the resolver never answered.
    assert_eq!(o.status.code(), Some(3));
    let out = String::from_utf8_lossy(&o.stdout);
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 30);
    for v in &lines {
        assert_eq!(v["verdict"], "unknown");
        assert_eq!(v["reason"], "dns_timeout");
    }
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.matches("no DNS server answered").count(), 1, "{err}");
    assert!(err.contains("(unreachable;"), "{err}");
}

#[test]
fn cli_check_and_clean_with_dns() {
    let server = DnsServer::start(ZONE);
    let o = run(
        &[
            "check",
            "--dns",
            &server.arg(),
            "--allow-special-use-domains",
            "x@nullmx.test",
            "y@ok.test",
        ],
        b"",
    );
    assert_eq!(o.status.code(), Some(0));
    let v: Vec<serde_json::Value> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(v[0]["reason"], "null_mx");
    assert_eq!(v[1]["dns"]["route"]["hosts"][0]["host"], "mx1.ok.test");
    // clean: undeliverable domains go to rejects with their reason
    let d = super::support::TempDir::new("dnsclean");
    std::fs::write(
        d.path("in.csv"),
        "email\na@ok.test\nb@nope.test\nc@timeout.test\n",
    )
    .unwrap();
    let o = run(
        &[
            "clean",
            &d.s("in.csv"),
            "-q",
            "--dns",
            &server.arg(),
            "--dns-timeout",
            "0.3",
            "--allow-special-use-domains",
            "-o",
            &d.s("out.csv"),
            "--rejects",
            &d.s("rej.csv"),
        ],
        b"",
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let clean = std::fs::read_to_string(d.path("out.csv")).unwrap();
    let rej = std::fs::read_to_string(d.path("rej.csv")).unwrap();
    assert!(clean.contains("a@ok.test"));
    assert!(
        clean.contains("c@timeout.test"),
        "a timeout never condemns: {clean}"
    );
    assert!(rej.contains("b@nope.test,2,invalid_domain"), "{rej}");
}
