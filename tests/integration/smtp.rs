//! The SMTP probe through the CLI against in-process scripted servers on loopback
//! (`check --smtp`, identity checks, the resumable journal under SIGKILL). Every server logs
//! every command: no test may see DATA or an injected command. The driver and scheduler tests
//! are unit tests (`src/smtp/tests.rs`).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use super::support::{TempDir, bin, check_smtp, run};
use mailsift_testkit::dns_server::DnsServer;
use mailsift_testkit::smtp_server::{Script, Server, assert_clean_log, start};

fn free_port(ip: Ipv4Addr) -> SocketAddr {
    std::net::TcpListener::bind((ip, 0))
        .unwrap()
        .local_addr()
        .unwrap()
}

/// A scripted server on `ip` at the same port as `port_of` (so one `--smtp-port` reaches both).
fn start_on(ip: Ipv4Addr, port: u16, script: Script) -> Server {
    start(Script {
        bind: SocketAddr::new(IpAddr::V4(ip), port),
        ..script
    })
}

/// Zone for the CLI tests: every domain's MX is a loopback address of a scripted server.
fn zone(ip_ok: IpAddr, ip_all: IpAddr) -> String {
    format!(
        "ok.test MX 10 mx.ok.test\nmx.ok.test A {ip_ok}\n\
         all.test MX 10 mx.all.test\nmx.all.test A {ip_all}\n\
         probe.mailsift.test A 192.0.2.1\n\
         yahoo.test MX 10 mta5.am0.yahoodns.net\nmta5.am0.yahoodns.net A {ip_ok}\n"
    )
}

#[test]
fn check_smtp_end_to_end() {
    let ok = start_on(Ipv4Addr::new(127, 0, 0, 6), 0, Script::default());
    let all = start_on(
        Ipv4Addr::new(127, 0, 0, 7),
        ok.addr.port(),
        Script {
            catch_all: true,
            ..Script::default()
        },
    );
    let dns = DnsServer::start(&zone(ok.addr.ip(), all.addr.ip()));
    let port = ok.addr.port().to_string();
    let dns_arg = dns.arg();
    let out = check_smtp(
        &dns_arg,
        &port,
        "1",
        &[
            "--allow-special-use-domains",
            "alice@ok.test",
            "nobody@ok.test",
            "someone@all.test",
            "anyone@yahoo.test",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let got: Vec<(String, String)> = lines
        .iter()
        .map(|v| {
            (
                v["verdict"].as_str().unwrap().into(),
                v["reason"].as_str().unwrap().into(),
            )
        })
        .collect();
    let want = [
        ("deliverable", "accepted"),
        ("undeliverable", "mailbox_not_found"),
        ("risky", "accept_all"),
        ("unknown", "provider_unverifiable"),
    ];
    for (g, w) in got.iter().zip(want) {
        assert_eq!((g.0.as_str(), g.1.as_str()), w, "{lines:#?}");
    }
    assert_eq!(lines[1]["smtp"]["code"], 550);
    assert_eq!(lines[1]["smtp"]["enhanced_code"], "5.1.1");
    assert_eq!(lines[1]["smtp"]["mx_host"], "mx.ok.test");
    assert_eq!(
        ok.seen.rcpts_for("anyone@yahoo.test"),
        0,
        "unverifiable providers are not probed"
    );
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("does not resolve"),
        "our HELO name resolves in this zone"
    );
    assert_clean_log(&ok.seen);
    assert_clean_log(&all.seen);
}

/// A server that refuses unknown addresses with a silent `550 5.7.1 Access denied` and some
/// addresses for reasons of its own: through the CLI, the address that gets the random local
/// part's refusal is `mailbox_not_found` with `smtp.differential`; a different silent refusal is
/// `unknown: refused_unclear` with the reply kept; a refusal about us is `sender_blocked`.
#[test]
fn check_smtp_differential_evidence_and_refusals_that_say_not_whom() {
    let srv = start_on(
        Ipv4Addr::new(127, 0, 0, 8),
        0,
        Script {
            unknown_reply: Some("550 5.7.1 <{addr}>: Access denied".into()),
            replies: vec![
                ("held".into(), "554 Transaction failed".into()),
                (
                    "listed".into(),
                    "554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using \
                     zen.spamhaus.org"
                        .into(),
                ),
            ],
            ..Script::default()
        },
    );
    let dns = DnsServer::start(&zone(srv.addr.ip(), srv.addr.ip()));
    let port = srv.addr.port().to_string();
    let dns_arg = dns.arg();
    let out = check_smtp(
        &dns_arg,
        &port,
        "1",
        &[
            "--allow-special-use-domains",
            "alice@ok.test",
            "ghost@ok.test",
            "held@ok.test",
            "listed@ok.test",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let got: Vec<(&str, &str)> = lines
        .iter()
        .map(|v| {
            (
                v["verdict"].as_str().unwrap(),
                v["reason"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("deliverable", "accepted"),
            ("undeliverable", "mailbox_not_found"),
            ("unknown", "refused_unclear"),
            ("unknown", "sender_blocked"),
        ],
        "{lines:#?}"
    );
    let d = &lines[1]["smtp"]["differential"];
    assert_eq!(d["accepted"], 1, "{d}");
    assert_eq!(d["reply_reason"], "refused_unclear");
    assert!(d["random"].as_str().unwrap().starts_with("mailsift-nx-"));
    assert_eq!(lines[1]["smtp"]["enhanced_code"], "5.7.1");
    assert_eq!(lines[2]["smtp"]["code"], 554);
    assert_eq!(lines[2]["smtp"]["message"], "Transaction failed");
    assert!(lines[2]["smtp"].get("differential").is_none());
    assert_clean_log(&srv.seen);
}

#[test]
fn smtp_identity_is_required_and_checked() {
    for args in [
        vec!["check", "--smtp", "a@example.com"],
        vec![
            "check",
            "--smtp",
            "--helo",
            "gmail.com",
            "--mail-from",
            "v@example.net",
            "a@example.com",
        ],
        vec![
            "check",
            "--smtp",
            "--helo",
            "probe.example.net",
            "--mail-from",
            "v@outlook.com",
            "a@example.com",
        ],
        vec![
            "check",
            "--smtp",
            "--offline",
            "--helo",
            "probe.example.net",
            "--mail-from",
            "v@example.net",
            "a@example.com",
        ],
    ] {
        let out = run(&args, b"");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(!out.stderr.is_empty());
    }
    let dir = TempDir::new("smtpcfg");
    std::fs::write(
        dir.path("bad.conf"),
        "helo = \"probe.example.net\"\nwhat = 1\n",
    )
    .unwrap();
    let out = run(
        &[
            "check",
            "--smtp",
            "--smtp-config",
            &dir.s("bad.conf"),
            "a@example.com",
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown key"));
}

#[test]
fn journal_survives_sigkill_and_nothing_is_asked_twice() {
    let srv = start(Script {
        users: (0..30).map(|i| format!("u{i}")).collect(),
        latency: Duration::from_millis(40),
        ..Script::default()
    });
    let dns = DnsServer::start(&format!(
        "slow.test MX 10 mx.slow.test\nmx.slow.test A {}\nprobe.mailsift.test A 192.0.2.1\n",
        srv.addr.ip()
    ));
    let dir = TempDir::new("journal");
    let mut csv = String::from("email\n");
    for i in 0..30 {
        csv.push_str(&format!("u{i}@slow.test\n"));
    }
    csv.push_str("nobody@slow.test\n");
    std::fs::write(dir.path("list.csv"), &csv).unwrap();
    std::fs::write(
        dir.path("probe.conf"),
        "helo = \"probe.mailsift.test\"\nmail_from = \"verify@mailsift.test\"\nrate = 0\nbatch = 5\ntimeout = 2\n",
    )
    .unwrap();
    let port = srv.addr.port().to_string();
    let args = |results: &str| -> Vec<String> {
        [
            "clean",
            &dir.s("list.csv"),
            "-q",
            "--allow-special-use-domains",
            "--dns",
            &dns.arg(),
            "--smtp",
            "--smtp-config",
            &dir.s("probe.conf"),
            "--smtp-port",
            &port,
            "--journal",
            &dir.s("journal.jsonl"),
            "-o",
            &dir.s("clean.csv"),
            "--rejects",
            &dir.s("rejects.csv"),
            "--results",
            &dir.s(results),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    let mut child = std::process::Command::new(bin())
        .args(args("r1.jsonl"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Kill once part of the list is journalled (each session of 5 takes ~0.4 s).
    let t = Instant::now();
    let journalled = || {
        std::fs::read_to_string(dir.path("journal.jsonl"))
            .map(|s| s.matches("\"kind\":\"rcpt\"").count())
            .unwrap_or(0)
    };
    while journalled() < 5 && t.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let first = std::fs::read_to_string(dir.path("journal.jsonl")).unwrap();
    let done: Vec<String> = first
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["kind"] == "rcpt")
        .map(|v| v["address"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        done.len() >= 5 && done.len() < 31,
        "{} journalled",
        done.len()
    );
    let before: Vec<usize> = done.iter().map(|a| srv.seen.rcpts_for(a)).collect();
    let probes_before = srv
        .seen
        .commands()
        .iter()
        .filter(|c| c.contains("mailsift-nx-"))
        .count();

    let out = std::process::Command::new(bin())
        .args(args("r2.jsonl"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for (a, n) in done.iter().zip(before) {
        assert_eq!(
            srv.seen.rcpts_for(a),
            n,
            "{a} was asked again after the restart"
        );
    }
    let probes_after = srv
        .seen
        .commands()
        .iter()
        .filter(|c| c.contains("mailsift-nx-"))
        .count();
    assert_eq!(
        probes_before, probes_after,
        "the catch-all answer came from the journal"
    );
    // Nothing lost: every row has its verdict.
    let results = std::fs::read_to_string(dir.path("r2.jsonl")).unwrap();
    let recs: Vec<serde_json::Value> = results
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(recs.len(), 31);
    for r in &recs[..30] {
        assert_eq!(r["reason"], "accepted", "{r}");
    }
    assert_eq!(recs[30]["reason"], "mailbox_not_found");
    for i in 0..30 {
        assert!(srv.seen.rcpts_for(&format!("u{i}@slow.test")) >= 1);
    }
    assert_clean_log(&srv.seen);
}

#[test]
fn says_plainly_when_no_mail_server_answers_on_the_port() {
    // Three domains whose MX addresses have nothing listening on the port: refused everywhere.
    let port = free_port(Ipv4Addr::new(127, 0, 0, 8)).port().to_string();
    let dns = DnsServer::start(
        "a.test MX 10 mx.a.test\nmx.a.test A 127.0.0.8\n\
         b.test MX 10 mx.b.test\nmx.b.test A 127.0.0.9\n\
         c.test MX 10 mx.c.test\nmx.c.test A 127.0.0.8\n",
    );
    let out = run(
        &[
            "check",
            "--allow-special-use-domains",
            "--dns",
            &dns.arg(),
            "--smtp",
            "--smtp-port",
            &port,
            "--smtp-timeout",
            "1",
            "--helo",
            "probe.mailsift.test",
            "--mail-from",
            "verify@mailsift.test",
            "x@a.test",
            "y@b.test",
            "z@c.test",
        ],
        b"",
    );
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("outbound port {port} is probably blocked")),
        "{err}"
    );
    assert_eq!(
        err.matches("probably blocked").count(),
        1,
        "said once: {err}"
    );
    assert!(err.contains("does not resolve"), "HELO preflight: {err}");
    for l in String::from_utf8_lossy(&out.stdout).lines() {
        let v: serde_json::Value = serde_json::from_str(l).unwrap();
        assert_eq!(v["verdict"], "unknown", "{v}");
        assert_eq!(v["reason"], "connect_failed", "{v}");
    }
}

/// The same through the library with no progress to report to (`SmtpStage::new(..., None)`):
/// the warning is not lost, `take_warnings` returns it, once.
#[test]
fn a_blocked_port_is_a_warning_for_library_users_too() {
    use mailsift::address::{AnalyzeOptions, SyntaxPolicy, analyze};
    use mailsift::dns::{DnsConfig, DnsStage};
    use mailsift::smtp::{ProbeSettings, SessionConfig, SmtpStage, Timeouts};
    use mailsift::stage::Stage;

    let port = free_port(Ipv4Addr::new(127, 0, 0, 8)).port();
    let dns = DnsServer::start(
        "a.test MX 10 mx.a.test\nmx.a.test A 127.0.0.8\n\
         b.test MX 10 mx.b.test\nmx.b.test A 127.0.0.9\n\
         c.test MX 10 mx.c.test\nmx.c.test A 127.0.0.8\n",
    );
    let cfg = DnsConfig {
        servers: vec![dns.addr],
        timeout: Duration::from_millis(500),
        retries: 1,
        concurrency: 8,
    };
    let settings = ProbeSettings {
        session: SessionConfig {
            helo: "probe.mailsift.test".into(),
            mail_from: "verify@mailsift.test".into(),
            starttls: false,
        },
        port,
        timeouts: Timeouts {
            connect: Duration::from_secs(1),
            banner: Duration::from_secs(1),
            reply: Duration::from_secs(1),
        },
        rate: None,
        ..ProbeSettings::default()
    };
    let stage = SmtpStage::new(
        DnsStage::new(&cfg, None).expect("dns stage"),
        settings,
        None,
        None,
    );
    let opts = AnalyzeOptions {
        syntax: SyntaxPolicy {
            allow_special_use_domains: true,
            ..SyntaxPolicy::default()
        },
        ..AnalyzeOptions::default()
    };
    let mut recs: Vec<_> = ["x@a.test", "y@b.test", "z@c.test"]
        .iter()
        .enumerate()
        .map(|(i, a)| analyze(i as u64 + 1, a, &opts))
        .collect();
    let mut refs: Vec<_> = recs.iter_mut().collect();
    stage.process(&mut refs);
    assert!(
        recs.iter()
            .all(|r| r.reason == mailsift::Reason::ConnectFailed),
        "{recs:?}"
    );
    let w = stage.take_warnings();
    let blocked: Vec<&String> = w
        .iter()
        .filter(|w| w.contains("probably blocked"))
        .collect();
    assert_eq!(blocked.len(), 1, "{w:?}");
    assert!(
        blocked[0].contains(&format!("outbound port {port}")),
        "{w:?}"
    );
    assert!(stage.take_warnings().is_empty(), "taken once");
}
